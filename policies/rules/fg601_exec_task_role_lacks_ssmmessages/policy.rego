# METADATA
# title: ECS Exec on, but the task role cannot open SSM channels
# description: |
#   ECS Exec runs the SSM agent inside the task; it opens its channels with the task role, which
#   must allow ssmmessages:CreateControlChannel, CreateDataChannel, OpenControlChannel and
#   OpenDataChannel. Without a task role, or without these actions, `aws ecs execute-command`
#   fails with "TargetNotConnectedException".
# custom:
#   id: FG601
#   level: error
#   remediation: >-
#     Give the task definition a task role that allows the four ssmmessages channel actions on "*".
#   tags: [ecs-exec, iam, task-role]
#   examples:
#     failing: |
#       Service:
#         Type: AWS::ECS::Service
#         Properties:
#           EnableExecuteCommand: true
#           TaskDefinition: !Ref TaskDefinition   # no TaskRoleArn
#     passing: |
#       TaskDefinition:
#         Type: AWS::ECS::TaskDefinition
#         Properties:
#           TaskRoleArn: !GetAtt TaskRole.Arn
#       TaskRole:
#         Type: AWS::IAM::Role
#         Properties:
#           AssumeRolePolicyDocument:
#             Statement:
#               - Effect: Allow
#                 Principal: {Service: ecs-tasks.amazonaws.com}
#                 Action: sts:AssumeRole
#           Policies:
#             - PolicyName: exec
#               PolicyDocument:
#                 Statement:
#                   - Effect: Allow
#                     Action:
#                       - ssmmessages:CreateControlChannel
#                       - ssmmessages:CreateDataChannel
#                       - ssmmessages:OpenControlChannel
#                       - ssmmessages:OpenDataChannel
#                     Resource: "*"
package fargate_preflight.rules.fg601

import rego.v1

# METADATA
# entrypoint: true
deny contains entry if {
	some x in data.fargate_preflight.lib.calls.task_role_checks
	x.call.rule == "FG601"
	count(x.result.denied) > 0
	fix := sprintf("Allow %s on \"*\" for task role %s.", [concat(", ", x.call.actions), x.role.name])
	entry := data.fargate_preflight.lib.calls.denial_finding(x, input.services[x.service].name, "task role", fix)
}

deny contains entry if {
	some x in data.fargate_preflight.lib.calls.task_role_checks
	x.call.rule == "FG601"
	x.role == null
	svc := input.services[x.service]
	td := input.task_definitions[x.td]
	entry := data.fargate_preflight.lib.result.finding({
		"resource": td.name,
		"service": svc.name,
		"need": "ssmmessages",
		"message": sprintf("%s has ECS Exec on but names no task role: the SSM agent cannot open its channels", [
			data.fargate_preflight.lib.taskdef.subject(svc.name, td),
		]),
		"fix": sprintf(
			"Set the task definition's task role (%s) to a role that allows the four ssmmessages channel actions.",
			[data.fargate_preflight.lib.result.field(td.source, data.fargate_preflight.lib.result.task_role)],
		),
		"hop": null,
		"source": td.source,
	})
}

undecided contains u if {
	some u in data.fargate_preflight.lib.calls.check_unknowns(data.fargate_preflight.lib.calls.task_role_checks, "FG601")
}
