# METADATA
# title: ECS Exec on, but a container runs without an init process
# description: |
#   With ECS Exec the SSM agent starts child processes in the container; without
#   `linuxParameters.initProcessEnabled: true` nothing reaps them when a session ends, and
#   orphaned processes pile up (AWS's ECS Exec best practice).
# custom:
#   id: FG602
#   level: warning
#   remediation: Set linuxParameters.initProcessEnabled to true on the container.
#   tags: [ecs-exec, task-definition]
#   examples:
#     failing: |
#       ContainerDefinitions:
#         - Name: app
#           Image: public.ecr.aws/nginx/nginx:mainline
#     passing: |
#       ContainerDefinitions:
#         - Name: app
#           Image: public.ecr.aws/nginx/nginx:mainline
#           LinuxParameters: {InitProcessEnabled: true}
package fargate_preflight.rules.fg602

import rego.v1

# METADATA
# entrypoint: true
deny contains entry if {
	some sid in data.fargate_preflight.lib.taskdef.exec_services
	svc := input.services[sid]
	td := data.fargate_preflight.lib.taskdef.task_definition(svc)
	td.os_family == "LINUX"
	some c in data.fargate_preflight.lib.needs.containers(td)
	c.init_process_enabled == false
	setting := data.fargate_preflight.lib.result.field(c.source, data.fargate_preflight.lib.result.init_process)
	name := data.fargate_preflight.lib.model.show(c.name) # a name may be unsettled
	entry := data.fargate_preflight.lib.result.finding({
		"resource": td.name,
		"service": svc.name,
		"need": null,
		"message": sprintf("%s: container %s has no init process (%s), so ECS Exec sessions leave orphaned processes", [
			data.fargate_preflight.lib.taskdef.subject(svc.name, td), name, "linuxParameters.initProcessEnabled",
		]),
		"fix": sprintf("Set %s to true on container %s.", [setting, name]),
		"hop": null,
		"source": c.source,
	})
}
