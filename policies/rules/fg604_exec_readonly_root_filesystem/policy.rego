# METADATA
# title: ECS Exec with a read-only root file system
# description: |
#   The SSM agent that ECS Exec starts in the container writes its files under /var/lib/amazon/ssm,
#   /var/log/amazon/ssm and /managed-agents; with `readonlyRootFilesystem: true` it cannot and
#   exec sessions fail. Writable volumes mounted at those three paths (the known workaround)
#   make it a note.
# custom:
#   id: FG604
#   level: error
#   remediation: >-
#     Turn readonlyRootFilesystem off for the container, or mount writable volumes at
#     /var/lib/amazon/ssm, /var/log/amazon/ssm and /managed-agents.
#   tags: [ecs-exec, task-definition]
#   examples:
#     failing: |
#       ContainerDefinitions:
#         - Name: app
#           ReadonlyRootFilesystem: true
#     passing: |
#       ContainerDefinitions:
#         - Name: app
#           ReadonlyRootFilesystem: false
package fargate_preflight.rules.fg604

import rego.v1

agent_paths := {"/var/lib/amazon/ssm", "/var/log/amazon/ssm", "/managed-agents"}

# METADATA
# entrypoint: true
deny contains entry if {
	some sid in data.fargate_preflight.lib.taskdef.exec_services
	svc := input.services[sid]
	td := data.fargate_preflight.lib.taskdef.task_definition(svc)
	some c in data.fargate_preflight.lib.needs.containers(td)
	c.readonly_root_filesystem == true
	level := level_for(c)
	text := outcome[level]
	setting := data.fargate_preflight.lib.result.field(c.source, data.fargate_preflight.lib.result.readonly_root)
	name := data.fargate_preflight.lib.model.show(c.name) # a name may be unsettled
	entry := data.fargate_preflight.lib.result.finding({
		"resource": td.name,
		"service": svc.name,
		"need": null,
		"message": sprintf("%s: container %s has a read-only root file system, %s", [
			data.fargate_preflight.lib.taskdef.subject(svc.name, td), name, text,
		]),
		"fix": sprintf(
			"Set %s to false on container %s, or mount writable volumes at %s.",
			[setting, name, concat(", ", sort(agent_paths))],
		),
		"hop": null,
		"level": level,
		"source": c.source,
	})
}

outcome := {
	"error": "so the ECS Exec agent cannot write its files and exec sessions fail",
	"note": "but writable volumes are mounted where the ECS Exec agent writes",
}

level_for(c) := "note" if {
	writable := {m.container_path | some m in object.get(c, "mount_points", []); m.read_only != true}
	every p in agent_paths {
		p in writable
	}
} else := "error"
