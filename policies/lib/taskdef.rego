# METADATA
# description: |
#   Which services and task definitions are about Fargate (docs/reasoning.md §1):
#   a task definition is Fargate-compatible when requiresCompatibilities lists FARGATE;
#   a service or task is launched on Fargate by launchType FARGATE, or by a capacity-provider
#   strategy (its own, else its cluster's default) made only of FARGATE/FARGATE_SPOT.
#   And, for ECS Exec, whether a cluster's exec configuration logs sessions (Logging OVERRIDE).
package fargate_preflight.lib.taskdef

import rego.v1

fargate_providers := {"FARGATE", "FARGATE_SPOT"}

# fargate_compatible holds for a task definition that lists FARGATE.
fargate_compatible(td) if "FARGATE" in td.requires_compatibilities

# launched_on_fargate holds for a service or task that runs on Fargate.
launched_on_fargate(svc) if svc.launch_type == "FARGATE"

launched_on_fargate(svc) if {
	object.get(svc, "launch_type", null) == null
	only_fargate(strategy(svc))
}

# Without a launch type or strategy of its own, on a cluster the inputs do not have (its
# default strategy unknown), a service whose task definition runs only on Fargate can run
# nowhere else: placed another way, it would not start at all.
launched_on_fargate(svc) if {
	object.get(svc, "launch_type", null) == null
	count(own_strategy(svc)) == 0
	not cluster_in_inputs(svc)
	task_definition(svc).requires_compatibilities == ["FARGATE"]
}

cluster_in_inputs(svc) if input.clusters[svc.cluster]

# task_definition returns the service's task definition when it is in the inputs.
task_definition(svc) := input.task_definitions[svc.task_definition] if is_string(svc.task_definition)

# analysed are the ids of the services whose network paths are analysed.
analysed contains id if {
	some id, svc in input.services
	launched_on_fargate(svc)
}

strategy(svc) := svc.capacity_provider_strategy if count(own_strategy(svc)) > 0

strategy(svc) := input.clusters[svc.cluster].default_capacity_provider_strategy if {
	count(own_strategy(svc)) == 0
	is_string(svc.cluster)
}

own_strategy(svc) := s if {
	s := svc.capacity_provider_strategy
	is_array(s)
} else := []

only_fargate(s) if {
	count(s) > 0
	every p in s {
		p.capacity_provider in fargate_providers
	}
}

# services_running are the names of the analysed services that run the task definition, or
# {null} when none does: a finding names each service it breaks (docs/output.md, `service`).
services_running(td_id) := names if {
	names := {svc.name |
		some id in analysed
		svc := input.services[id]
		svc.task_definition == td_id
	}
	count(names) > 0
} else := {null}

# subject names a task definition in a message, with the service that runs it when there is one.
subject(null, td) := sprintf("task definition %s", [td.name])

subject(service, td) := sprintf(
	"%s: task definition %s",
	[data.fargate_preflight.lib.model.runner(service), td.name],
) if service != null

# exec_services are the ids of the analysed services (and tasks) with ECS Exec on.
exec_services contains sid if {
	some sid in analysed
	input.services[sid].enable_execute_command == true
}

# overrides_logging says whether a cluster's ECS Exec configuration (its
# execute_command_configuration, or null) logs sessions where its logConfiguration says
# (Logging OVERRIDE, in any case): "yes", "no" (no configuration, or DEFAULT or NONE) or, when
# the inputs do not settle it, {"unknown": the value that would}: `logging`, or the whole
# configuration (a condition that may leave it out). FG605 and FG606 read it.
overrides_logging(config) := {"unknown": config} if {
	data.fargate_preflight.lib.model.is_unknown(config)
} else := {"unknown": config.logging} if {
	data.fargate_preflight.lib.model.is_unknown(config.logging)
} else := "yes" if {
	is_string(config.logging)
	upper(config.logging) == "OVERRIDE"
} else := "no"
