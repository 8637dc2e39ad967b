# METADATA
# title: Static AWS credentials in a container's environment
# description: |
#   A container's `environment` sets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY or
#   AWS_SESSION_TOKEN: the SDKs then use these keys instead of the task role, and they sit in
#   plain text in the task definition. The value is never printed.
# custom:
#   id: FG108
#   level: warning
#   remediation: >-
#     Remove the keys from the environment and give the task a task role with the permissions
#     it needs (or read them from `secrets` if a third-party tool insists on keys).
#   tags: [iam, task-definition, secrets]
#   examples:
#     failing: |
#       ContainerDefinitions:
#         - Name: app
#           Environment:
#             - {Name: AWS_ACCESS_KEY_ID, Value: AKIA...}
#     passing: |
#       TaskRoleArn: !GetAtt TaskRole.Arn
#       ContainerDefinitions:
#         - Name: app
package fargate_preflight.rules.fg108

import rego.v1

key_names := {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}

# METADATA
# entrypoint: true
deny contains entry if {
	some td in input.task_definitions
	data.fargate_preflight.lib.taskdef.fargate_compatible(td)
	some c in data.fargate_preflight.lib.needs.containers(td)
	names := sort({n | some n in object.get(c, "environment_names", []); n in key_names})
	count(names) > 0
	some service in data.fargate_preflight.lib.taskdef.services_running(td.id)
	name := data.fargate_preflight.lib.model.show(c.name) # a name may be unsettled
	entry := data.fargate_preflight.lib.result.finding({
		"resource": td.name,
		"service": service,
		"need": null,
		"message": sprintf("%s: container %s sets %s in its environment (%s): static keys override the task role", [
			data.fargate_preflight.lib.taskdef.subject(service, td), name, concat(", ", names), "value not shown",
		]),
		"fix": sprintf(
			"Remove %s from container %s's environment and grant the permissions through the task role.",
			[concat(", ", names), name],
		),
		"hop": null,
		"source": c.source,
	})
}
