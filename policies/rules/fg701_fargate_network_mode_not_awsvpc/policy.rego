# METADATA
# title: Fargate task definition without awsvpc network mode
# description: |
#   Fargate runs tasks only in the awsvpc network mode. A task definition that lists FARGATE in
#   requiresCompatibilities with any other networkMode (or none: ECS then uses bridge) is rejected
#   when it is registered.
# custom:
#   id: FG701
#   level: error
#   remediation: Set networkMode to awsvpc in the task definition.
#   tags: [task-definition]
#   examples:
#     failing: |
#       TaskDefinition:
#         Type: AWS::ECS::TaskDefinition
#         Properties:
#           RequiresCompatibilities: [FARGATE]
#           NetworkMode: bridge
#           Cpu: "256"
#           Memory: "512"
#     passing: |
#       TaskDefinition:
#         Type: AWS::ECS::TaskDefinition
#         Properties:
#           RequiresCompatibilities: [FARGATE]
#           NetworkMode: awsvpc
#           Cpu: "256"
#           Memory: "512"
package fargate_preflight.rules.fg701

import rego.v1

# METADATA
# entrypoint: true
deny contains entry if {
	some td in input.task_definitions
	data.fargate_preflight.lib.taskdef.fargate_compatible(td)
	is_string(td.network_mode)
	td.network_mode != "awsvpc"
	some service in services_running(td.id)
	entry := data.fargate_preflight.lib.result.finding({
		"resource": td.name,
		"service": service,
		"message": sprintf(
			"%s lists FARGATE in requiresCompatibilities but its networkMode is %s; Fargate supports only awsvpc",
			[subject(service, td), td.network_mode],
		),
		"fix": "Set networkMode to awsvpc (without networkMode, ECS uses bridge).",
		"source": object.get(td, "network_mode_source", td.source),
	})
}

# undecided: a task definition that may be Fargate-compatible with a network mode that may be wrong.
undecided contains {"unknown": unknown, "service": service, "rules": ["FG701"]} if {
	some td in input.task_definitions
	some unknown in (compatibility_unknowns(td) | network_mode_unknowns(td))
	some service in services_running(td.id)
}

# network_mode_unknowns is empty when the network mode is known and not awsvpc, holds the
# network mode when it is unsettled, and is undefined when it is awsvpc.
network_mode_unknowns(td) := set() if {
	is_string(td.network_mode)
	td.network_mode != "awsvpc"
}

network_mode_unknowns(td) := {td.network_mode} if data.fargate_preflight.lib.model.is_unknown(td.network_mode)

# compatibility_unknowns is empty for a Fargate-compatible task definition, holds the unsettled
# requiresCompatibilities values when one of them may be FARGATE, and is undefined otherwise.
compatibility_unknowns(td) := set() if data.fargate_preflight.lib.taskdef.fargate_compatible(td)

compatibility_unknowns(td) := unknowns if {
	not data.fargate_preflight.lib.taskdef.fargate_compatible(td)
	unknowns := unsettled_compatibilities(td.requires_compatibilities)
	count(unknowns) > 0
}

unsettled_compatibilities(values) := {values} if data.fargate_preflight.lib.model.is_unknown(values)

unsettled_compatibilities(values) := unknowns if {
	is_array(values)
	unknowns := {c | some c in values; data.fargate_preflight.lib.model.is_unknown(c)}
}

# services_running are the names of the analysed services that run the task definition, or
# {null} when none does: a finding names each service it breaks (docs/output.md, `service`).
services_running(td_id) := names if {
	names := {svc.name |
		some id in data.fargate_preflight.lib.taskdef.analysed
		svc := input.services[id]
		svc.task_definition == td_id
	}
	count(names) > 0
} else := {null}

subject(null, td) := sprintf("task definition %s", [td.name])

subject(service, td) := sprintf(
	"%s: task definition %s",
	[data.fargate_preflight.lib.model.runner(service), td.name],
) if service != null
