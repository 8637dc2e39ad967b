# METADATA
# title: No essential container sends logs
# description: |
#   None of the essential containers of a Fargate-compatible task definition has a log
#   configuration, so when the task fails to start or stops, its containers leave no logs to
#   read.
# custom:
#   id: FG703
#   level: note
#   remediation: Add a logConfiguration (for example the awslogs driver) to the essential containers.
#   tags: [task-definition, logging]
#   examples:
#     failing: |
#       ContainerDefinitions:
#         - Name: app
#           Image: public.ecr.aws/nginx/nginx:mainline
#           Essential: true
#     passing: |
#       ContainerDefinitions:
#         - Name: app
#           Image: public.ecr.aws/nginx/nginx:mainline
#           Essential: true
#           LogConfiguration:
#             LogDriver: awslogs
#             Options:
#               awslogs-group: /ecs/app
#               awslogs-region: us-east-1
#               awslogs-stream-prefix: app
package fargate_preflight.rules.fg703

import rego.v1

# METADATA
# entrypoint: true
deny contains entry if {
	some td in input.task_definitions
	data.fargate_preflight.lib.taskdef.fargate_compatible(td)
	not some_may_log(td)
	essentials := [c | some c in td.containers; c.essential == true]
	first_essential := essentials[0] # none essential is another problem; say nothing of logs then
	names := [data.fargate_preflight.lib.model.show(c.name) | some c in essentials] # a name may be unsettled
	some service in data.fargate_preflight.lib.taskdef.services_running(td.id)
	entry := data.fargate_preflight.lib.result.finding({
		"resource": td.name,
		"service": service,
		"message": sprintf("%s: no essential container has a log configuration (essential: %s), %s", [
			data.fargate_preflight.lib.taskdef.subject(service, td), concat(", ", names),
			"so a failed task leaves no logs",
		]),
		"fix": sprintf(
			"Add a logConfiguration (for example the awslogs driver) to essential container %s.",
			[concat(" or ", names)],
		),
		"source": first_essential.source,
	})
}

# undecided: the containers that may log, or whether the task definition is Fargate-compatible,
# depend on unsettled values.
undecided contains {"unknown": unknown, "service": service, "rules": ["FG703"]} if {
	some td in input.task_definitions
	some unknown in blocking_unknowns(td)
	some service in data.fargate_preflight.lib.taskdef.services_running(td.id)
}

# blocking_unknowns are the unsettled values the verdict waits for.
blocking_unknowns(td) := compatibility_unknowns(td) | logging_unknowns(td) if {
	not logs_for_sure(td)
	may_lack_logs(td)
}

may_lack_logs(td) if {
	some c in td.containers
	c.essential == true
}

may_lack_logs(td) if count(logging_unknowns(td)) > 0

# logs_for_sure: an essential container has a log driver.
logs_for_sure(td) if {
	some c in td.containers
	c.essential == true
	is_string(c.log_driver)
}

# some_may_log: a container that is or may be essential has or may have a log driver.
some_may_log(td) if logs_for_sure(td)

some_may_log(td) if count(logging_unknowns(td)) > 0

# logging_unknowns are the unsettled values of containers that would log if they settled right.
logging_unknowns(td) := {u |
	some c in td.containers
	c.essential != false
	c.log_driver != null
	some u in [c.essential, c.log_driver]
	data.fargate_preflight.lib.model.is_unknown(u)
}

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
