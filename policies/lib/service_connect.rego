# METADATA
# description: |
#   The Service Connect proxy that ECS adds to each task of a service with Service Connect on
#   (docs/reasoning.md §1). Its logs go where the service's
#   serviceConnectConfiguration.logConfiguration says (the model's `service_connect_log`, read as
#   a container's): one more awslogs writer of the service's tasks, whose needs (lib/needs.rego)
#   and execution-role calls (lib/calls.rego, FG104) are a container's.
package fargate_preflight.lib.service_connect

import rego.v1

# log is the proxy's log configuration when Service Connect is on.
log(svc) := value if {
	value := object.get(svc, "service_connect_log", null)
	is_object(value)
	value.enabled == true
}

# unsettled: the unknowns of a proxy log configuration that may be awslogs, with the verdicts
# they block: whether Service Connect is on, and the driver (another driver needs nothing).
unsettled(svc, rules) := {[u, rules] |
	value := object.get(svc, "service_connect_log", null)
	is_object(value)
	value.enabled != false
	may_be_awslogs(value.log_driver)
	some u in [value.enabled, value.log_driver]
	data.fargate_preflight.lib.model.is_unknown(u)
}

may_be_awslogs("awslogs") := true

may_be_awslogs(driver) if data.fargate_preflight.lib.model.is_unknown(driver)
