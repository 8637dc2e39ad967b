# METADATA
# title: Declared actions but no task role
# description: |
#   The service declares needs with IAM actions, but its task definition names no task role:
#   the application's AWS calls have no credentials and fail. (ECS Exec alone is FG601.)
# custom:
#   id: FG109
#   level: error
#   remediation: Set the task definition's task role (TaskRoleArn) to a role that allows the declared actions.
#   tags: [iam, task-role]
#   examples:
#     failing: |
#       Service:
#         Type: AWS::ECS::Service
#         Metadata:
#           fargate-preflight:
#             needs: [{service: sqs, actions: ["sqs:SendMessage"]}]
#       TaskDefinition:
#         Type: AWS::ECS::TaskDefinition
#         Properties: {RequiresCompatibilities: [FARGATE]}
#     passing: |
#       TaskDefinition:
#         Type: AWS::ECS::TaskDefinition
#         Properties:
#           RequiresCompatibilities: [FARGATE]
#           TaskRoleArn: !GetAtt TaskRole.Arn
package fargate_preflight.rules.fg109

import rego.v1

# METADATA
# entrypoint: true
deny contains entry if {
	some sid, checks in declared_without_role
	service := input.services[sid].name
	actions := concat(", ", sort({a | some x in checks; some a in x.call.actions}))
	td := input.task_definitions[min({x.td | some x in checks})]
	entry := data.fargate_preflight.lib.result.finding({
		"resource": td.name,
		"service": service,
		"need": null,
		"message": sprintf("%s names no task role, but the service declares actions %s", [
			data.fargate_preflight.lib.taskdef.subject(service, td),
			actions,
		]),
		"fix": sprintf(
			"Set the task definition's task role (%s) to a role that allows the declared actions.",
			[data.fargate_preflight.lib.result.field(td.source, data.fargate_preflight.lib.result.task_role)],
		),
		"hop": null,
		"source": td.source,
	})
}

declared_without_role[sid] contains x if {
	some x in data.fargate_preflight.lib.calls.task_role_checks
	x.call.rule == "FG101"
	x.role == null
	sid := x.service
}
