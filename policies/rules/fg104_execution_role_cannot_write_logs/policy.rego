# METADATA
# title: Execution role cannot write to the awslogs log group
# description: |
#   With the awslogs log driver (of a container, or of the Service Connect proxy that ECS adds to
#   a service's tasks) the Fargate agent creates the log stream and sends the logs with the
#   execution role: logs:CreateLogStream on the log group, logs:PutLogEvents on its log streams
#   (and logs:CreateLogGroup when awslogs-create-group is true and the group is neither created
#   by the scanned inputs nor, in a live scan, found in the account). Without them the task
#   fails to start.
# custom:
#   id: FG104
#   level: error
#   remediation: >-
#     Allow logs:CreateLogStream and logs:PutLogEvents (and logs:CreateLogGroup with
#     awslogs-create-group) on the log group for the execution role.
#   tags: [iam, execution-role, logging]
#   examples:
#     failing: |
#       ExecutionRole:
#         Type: AWS::IAM::Role
#         Properties:
#           AssumeRolePolicyDocument:
#             Statement:
#               - {Effect: Allow, Principal: {Service: ecs-tasks.amazonaws.com}, Action: sts:AssumeRole}
#           Policies:
#             - PolicyName: pull
#               PolicyDocument: {Statement: [{Effect: Allow, Action: ["ecr:*"], Resource: "*"}]}
#     passing: |
#       ExecutionRole:
#         Type: AWS::IAM::Role
#         Properties:
#           AssumeRolePolicyDocument:
#             Statement:
#               - {Effect: Allow, Principal: {Service: ecs-tasks.amazonaws.com}, Action: sts:AssumeRole}
#           Policies:
#             - PolicyName: logs
#               PolicyDocument:
#                 Statement:
#                   - Effect: Allow
#                     Action: ["logs:CreateLogStream", "logs:PutLogEvents"]
#                     Resource: "arn:aws:logs:*:*:log-group:/ecs/app:*"
package fargate_preflight.rules.fg104

import rego.v1

# METADATA
# entrypoint: true
deny contains entry if {
	some x in data.fargate_preflight.lib.calls.execution_checks
	x.call.rule == "FG104"
	count(x.result.denied) > 0
	some service in data.fargate_preflight.lib.calls.services_of(x)
	fix := sprintf("Allow %s on %s for execution role %s.", [
		concat(", ", [d.action | some d in x.result.denied]),
		resource_text(x.call.resource), x.role.name,
	])
	entry := data.fargate_preflight.lib.calls.denial_finding(x, service, "execution role", fix)
}

undecided contains u if {
	some u in data.fargate_preflight.lib.calls.check_unknowns(data.fargate_preflight.lib.calls.execution_checks, "FG104")
}

resource_text(r) := r if {
	is_string(r)
} else := "the log group"
