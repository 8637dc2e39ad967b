package fargate_preflight.rules.fg601_test

import rego.v1

deny_for(changes) := result if {
	w := data.fargate_preflight.lib.calls_test.world(changes)
	m := data.fargate_preflight.lib.calls_test.managed
	result := data.fargate_preflight.rules.fg601.deny with input as w with data.fargate_preflight.aws.managed_policies as m
}

undecided_for(changes) := result if {
	w := data.fargate_preflight.lib.calls_test.world(changes)
	m := data.fargate_preflight.lib.calls_test.managed
	result := data.fargate_preflight.rules.fg601.undecided with input as w with data.fargate_preflight.aws.managed_policies as m
}

# summary: what a user reads of each finding, and where.
summary(findings) := {[f.resource, f.need, f.location.line, f.message] | some f in findings}

refs(undecided) := {[u.unknown.ref, u.service, u.rules] | some u in undecided}

task_role(statements) := {"roles": {"TaskRole": data.fargate_preflight.lib.calls_test.role("TaskRole", 50, [data.fargate_preflight.lib.calls_test.inline("app", statements, 55)], [])}}

test_exec_off_checks_nothing if {
	deny_for(task_role([])) == set()
}

test_task_role_allows_the_channels if {
	deny_for(data.fargate_preflight.lib.calls_test.exec_on) == set()
}

test_task_role_lacks_the_channels if {
	[f] := [x | some x in deny_for(object.union(data.fargate_preflight.lib.calls_test.exec_on, task_role([data.fargate_preflight.lib.calls_test.statement("sns:Publish", "*")])))]
	[f.resource, f.need, f.location.line] == ["TaskRole", "ssmmessages", 50]
	startswith(f.message, concat("", [
		"service Service: task definition Td: task role TaskRole is not authorized to perform: ",
		"ssmmessages:CreateControlChannel, ssmmessages:CreateDataChannel, ssmmessages:OpenControlChannel, ",
		"ssmmessages:OpenDataChannel on resource: * because no identity-based policy allows these actions",
	]))
	endswith(f.message, "(needed for ECS Exec (enableExecuteCommand))")
}

test_no_task_role if {
	w := object.union(data.fargate_preflight.lib.calls_test.exec_on, {"task_definitions": {"Td": {"task_role": null}}})
	summary(deny_for(w)) == {["Td", "ssmmessages", 20, "service Service: task definition Td has ECS Exec on but names no task role: the SSM agent cannot open its channels"]}
}
