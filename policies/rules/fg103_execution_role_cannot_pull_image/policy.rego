# METADATA
# title: Execution role cannot pull the private ECR image
# description: |
#   The Fargate agent pulls a private ECR image with the task's execution role: it needs
#   ecr:GetAuthorizationToken (on `*`), and ecr:BatchGetImage and ecr:GetDownloadUrlForLayer on
#   the repository. Without them the task stops with CannotPullContainerError.
# custom:
#   id: FG103
#   level: error
#   remediation: >-
#     Attach AmazonECSTaskExecutionRolePolicy to the execution role, or allow the three ECR pull
#     actions on the image's repository (ecr:GetAuthorizationToken on "*").
#   tags: [iam, execution-role, ecr]
#   examples:
#     failing: |
#       ExecutionRole:
#         Type: AWS::IAM::Role
#         Properties:
#           AssumeRolePolicyDocument:
#             Statement:
#               - {Effect: Allow, Principal: {Service: ecs-tasks.amazonaws.com}, Action: sts:AssumeRole}
#           Policies:
#             - PolicyName: logs
#               PolicyDocument:
#                 Statement: [{Effect: Allow, Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: "*"}]
#     passing: |
#       ExecutionRole:
#         Type: AWS::IAM::Role
#         Properties:
#           AssumeRolePolicyDocument:
#             Statement:
#               - {Effect: Allow, Principal: {Service: ecs-tasks.amazonaws.com}, Action: sts:AssumeRole}
#           ManagedPolicyArns:
#             - arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy
package fargate_preflight.rules.fg103

import rego.v1

# METADATA
# entrypoint: true
deny contains entry if {
	some x in data.fargate_preflight.lib.calls.execution_checks
	x.call.rule == "FG103"
	count(x.result.denied) > 0
	some service in data.fargate_preflight.lib.taskdef.services_running(x.td)
	fix := sprintf(
		"Allow %s on %s for execution role %s (AmazonECSTaskExecutionRolePolicy allows the ECR pull actions).",
		[concat(", ", x.call.actions), resource_text(x.call.resource), x.role.name],
	)
	entry := data.fargate_preflight.lib.calls.denial_finding(x, service, "execution role", fix)
}

undecided contains u if {
	some u in data.fargate_preflight.lib.calls.check_unknowns(data.fargate_preflight.lib.calls.execution_checks, "FG103")
}

resource_text(r) := r if {
	is_string(r)
} else := "the image's repository"
