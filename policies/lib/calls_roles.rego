# The checks of lib/calls.rego's calls against the roles (its package's description is there):
# each agent call against the execution role, each task-role call against the task role. Uses
# calls.rego; calls.rego may not use this file (docs/policies.md: a package's files, in name
# order).
package fargate_preflight.lib.calls

import rego.v1

# --- checks against the roles ---------------------------------------------------------------------

# execution_checks: each agent call of a task definition checked against its execution role
# (a task definition without one gets FG106 instead). The S3 layer download needs no
# permission of the execution role: only FG102 checks it (against endpoint policies).
execution_checks contains {"td": td_id, "call": c, "role": role, "result": result} if {
	some td_id, calls in agent
	[role, checked] := execution_role[td_id]
	some c in calls
	c.rule != "FG102"
	result := data.fargate_preflight.lib.iam.check(checked, c)
}

# The service's own agent calls are checked against its task definition's execution role too.
execution_checks contains {"td": td_id, "service": sid, "call": c, "role": role, "result": result} if {
	some sid, calls in service_agent
	td_id := input.services[sid].task_definition
	[role, checked] := execution_role[td_id]
	some c in calls
	result := data.fargate_preflight.lib.iam.check(checked, c)
}

# The customer managed KMS keys of the task's secrets (calls_keys.rego): the key policy decides
# with the execution role's policies (lib/kms.rego).
execution_checks contains {"td": td_id, "call": c, "role": role, "result": result} if {
	some td_id, calls in secret_key_calls
	[role, checked] := execution_role[td_id]
	caller := data.fargate_preflight.lib.iam.caller(input.task_definitions[td_id], "execution_role", role)
	some c in calls
	result := data.fargate_preflight.lib.kms.check(checked, caller, c)
}

# execution_role[td id] is [role, the role prepared for checks] of each Fargate-compatible task
# definition of the inputs (`agent`) that names an execution role that may exist (FG107 reports
# one that does not).
execution_role[td_id] := [role, checked] if {
	some td_id, _ in agent
	role := data.fargate_preflight.lib.iam.role_of(input.task_definitions[td_id], "execution_role")
	role != null
	not data.fargate_preflight.lib.iam.does_not_exist(role)
	checked := data.fargate_preflight.lib.iam.checked_role(role)
}

# task_role_checks: each task-role call of an analysed service (ECS Exec, the cluster's exec
# configuration, declared needs with actions) checked against the task role; `role` is null
# when the task definition names none.
task_role_checks contains entry if {
	some sid in data.fargate_preflight.lib.taskdef.analysed
	svc := input.services[sid]
	calls := service_calls(sid, svc)
	count(calls) > 0
	td := data.fargate_preflight.lib.taskdef.task_definition(svc)
	role := data.fargate_preflight.lib.iam.role_of(td, "task_role")
	not data.fargate_preflight.lib.iam.does_not_exist(role)
	checked := checked_role(role)
	some c in calls
	result := role_result(checked, c, td, role)
	entry := {"service": sid, "td": td.id, "call": c, "role": role, "result": result}
}

checked_role(null) := null

checked_role(role) := data.fargate_preflight.lib.iam.checked_role(role) if role != null

role_result(null, _, _, _) := {"denied": [], "unknowns": set()}

# The ECS Exec KMS key: its key policy decides with the role's policies (lib/kms.rego).
role_result(checked, c, td, role) := data.fargate_preflight.lib.kms.check(checked, caller, c) if {
	checked != null
	c.endpoint == "kms"
	caller := data.fargate_preflight.lib.iam.caller(td, "task_role", role)
} else := data.fargate_preflight.lib.iam.check(checked, c) if checked != null

service_calls(sid, svc) := exec_calls(svc) | declared_calls(sid)

exec_calls(svc) := {exec_channels} | exec_configuration_calls(cluster) if {
	svc.enable_execute_command == true
	cluster := object.get(input.clusters, [svc.cluster], {"execute_command_configuration": null})
} else := set()
