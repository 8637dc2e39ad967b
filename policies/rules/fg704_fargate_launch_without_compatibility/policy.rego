# METADATA
# title: Launched on Fargate with a task definition that does not require FARGATE
# description: |
#   A service or task that runs on Fargate (launch type FARGATE, or a capacity-provider strategy
#   made only of FARGATE and FARGATE_SPOT) needs a task definition that lists FARGATE in
#   requiresCompatibilities; otherwise ECS refuses to start it ("Task definition does not
#   support launch_type FARGATE").
# custom:
#   id: FG704
#   level: error
#   remediation: >-
#     Add FARGATE to requiresCompatibilities of the task definition (with networkMode awsvpc
#     and task-level cpu and memory), or launch the service on EC2.
#   tags: [task-definition, service]
#   examples:
#     failing: |
#       TaskDefinition:
#         Type: AWS::ECS::TaskDefinition
#         Properties:
#           RequiresCompatibilities: [EC2]
#       Service:
#         Type: AWS::ECS::Service
#         Properties:
#           LaunchType: FARGATE
#           TaskDefinition: !Ref TaskDefinition
#     passing: |
#       TaskDefinition:
#         Type: AWS::ECS::TaskDefinition
#         Properties:
#           RequiresCompatibilities: [EC2, FARGATE]
#       Service:
#         Type: AWS::ECS::Service
#         Properties:
#           LaunchType: FARGATE
#           TaskDefinition: !Ref TaskDefinition
package fargate_preflight.rules.fg704

import rego.v1

# METADATA
# entrypoint: true
deny contains entry if {
	some id in data.fargate_preflight.lib.taskdef.analysed
	svc := input.services[id]
	td := data.fargate_preflight.lib.taskdef.task_definition(svc)
	is_array(td.requires_compatibilities)
	not "FARGATE" in td.requires_compatibilities
	count(unsettled_compatibilities(td.requires_compatibilities)) == 0
	entry := data.fargate_preflight.lib.result.finding({
		"resource": td.name,
		"service": svc.name,
		"message": sprintf("%s %s runs on Fargate (%s) but its task definition %s %s (%s)", [
			svc.kind, svc.name, launched_by(svc), td.name,
			"does not list FARGATE in requiresCompatibilities",
			listed(td.requires_compatibilities),
		]),
		"fix": sprintf("Add FARGATE to requiresCompatibilities of task definition %s %s, or launch %s %s on EC2.", [
			td.name, "(Fargate also needs networkMode awsvpc and task-level cpu and memory)",
			svc.kind, svc.name,
		]),
		"source": td.source,
	})
}

# undecided: the task definition is not in the inputs, or its compatibilities are unsettled.
undecided contains entry if {
	some id in data.fargate_preflight.lib.taskdef.analysed
	svc := input.services[id]
	unknown := data.fargate_preflight.lib.model.lookup("task_definitions", svc.task_definition, svc.source)
	data.fargate_preflight.lib.model.is_unknown(unknown)
	entry := {"unknown": unknown, "service": svc.name, "rules": ["FG704"]}
}

undecided contains entry if {
	some id in data.fargate_preflight.lib.taskdef.analysed
	svc := input.services[id]
	td := data.fargate_preflight.lib.taskdef.task_definition(svc)
	not data.fargate_preflight.lib.taskdef.fargate_compatible(td)
	some unknown in unsettled_compatibilities(td.requires_compatibilities)
	entry := {"unknown": unknown, "service": svc.name, "rules": ["FG704"]}
}

unsettled_compatibilities(values) := {values} if data.fargate_preflight.lib.model.is_unknown(values)

unsettled_compatibilities(values) := unknowns if {
	is_array(values)
	unknowns := {c | some c in values; data.fargate_preflight.lib.model.is_unknown(c)}
}

launched_by(svc) := "launchType FARGATE" if svc.launch_type == "FARGATE"

launched_by(svc) := "capacity provider strategy" if svc.launch_type != "FARGATE"

listed(compatibilities) := "it lists none" if count(compatibilities) == 0

listed(compatibilities) := sprintf("it lists %s", [concat(", ", compatibilities)]) if count(compatibilities) > 0
