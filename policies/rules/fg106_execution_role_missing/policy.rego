# METADATA
# title: Task definition needs an execution role but names none
# description: |
#   Pulling a private ECR image, sending logs with awslogs, reading `secrets` or
#   `repositoryCredentials` and downloading `environmentFiles` are done by the Fargate agent
#   with the task's execution role. A task definition that does any of these without an
#   execution role fails to start (ECS rejects it at registration for awslogs and secrets).
# custom:
#   id: FG106
#   level: error
#   remediation: >-
#     Set ExecutionRoleArn to a role that ecs-tasks.amazonaws.com may assume, with
#     AmazonECSTaskExecutionRolePolicy attached (plus access to the secrets).
#   tags: [iam, execution-role]
#   examples:
#     failing: |
#       TaskDefinition:
#         Type: AWS::ECS::TaskDefinition
#         Properties:
#           RequiresCompatibilities: [FARGATE]
#           ContainerDefinitions:
#             - Name: app
#               Image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1
#     passing: |
#       TaskDefinition:
#         Type: AWS::ECS::TaskDefinition
#         Properties:
#           RequiresCompatibilities: [FARGATE]
#           ExecutionRoleArn: !GetAtt ExecutionRole.Arn
#           ContainerDefinitions:
#             - Name: app
#               Image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1
package fargate_preflight.rules.fg106

import rego.v1

# METADATA
# entrypoint: true
deny contains entry if {
	some td_id, td_calls in data.fargate_preflight.lib.calls.agent
	td := input.task_definitions[td_id]
	data.fargate_preflight.lib.iam.role_of(td, "execution_role") == null
	some service in data.fargate_preflight.lib.taskdef.services_running(td_id)
	calls := td_calls | service_calls(td_id, service)
	count(calls) > 0
	needed_for := concat(", ", sort({c.what | some c in calls}))
	entry := data.fargate_preflight.lib.result.finding({
		"resource": td.name,
		"service": service,
		"need": null,
		"message": sprintf("%s names no execution role, but the Fargate agent needs one for %s", [
			data.fargate_preflight.lib.taskdef.subject(service, td),
			needed_for,
		]),
		"fix": sprintf(
			"Set the task definition's execution role (%s) to a role with %s and access to its secrets.",
			[
				data.fargate_preflight.lib.result.field(td.source, data.fargate_preflight.lib.result.execution_role),
				"AmazonECSTaskExecutionRolePolicy",
			],
		),
		"hop": null,
		"source": td.source,
	})
}

# service_calls: the agent's calls for what ECS adds to the tasks of the service named `name`
# that runs the task definition (its Service Connect proxy's logs: lib/calls.rego).
service_calls(td_id, name) := {c |
	some sid, calls in data.fargate_preflight.lib.calls.service_agent
	input.services[sid].task_definition == td_id
	input.services[sid].name == name
	some c in calls
}
