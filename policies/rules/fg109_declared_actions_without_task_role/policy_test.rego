package fargate_preflight.rules.fg109_test

import rego.v1

deny_for(changes) := result if {
	w := data.fargate_preflight.lib.calls_test.world(changes)
	m := data.fargate_preflight.lib.calls_test.managed
	result := data.fargate_preflight.rules.fg109.deny with input as w with data.fargate_preflight.aws.managed_policies as m
}

undecided_for(changes) := result if {
	w := data.fargate_preflight.lib.calls_test.world(changes)
	m := data.fargate_preflight.lib.calls_test.managed
	result := data.fargate_preflight.rules.fg109.undecided with input as w with data.fargate_preflight.aws.managed_policies as m
}

# summary: what a user reads of each finding, and where.
summary(findings) := {[f.resource, f.need, f.location.line, f.message] | some f in findings}

refs(undecided) := {[u.unknown.ref, u.service, u.rules] | some u in undecided}

sns_need := {"declared_needs": [data.fargate_preflight.lib.calls_test.declared("sns", ["sns:ListTopics"], null)]}

test_task_role_present if {
	deny_for(sns_need) == set()
}

test_declared_actions_without_task_role if {
	w := object.union(sns_need, {"task_definitions": {"Td": {"task_role": null}}})
	summary(deny_for(w)) == {["Td", null, 20, "service Service: task definition Td names no task role, but the service declares actions sns:ListTopics"]}
}

test_exec_alone_is_not_fg109 if {
	deny_for(object.union(data.fargate_preflight.lib.calls_test.exec_on, {"task_definitions": {"Td": {"task_role": null}}})) == set()
}
