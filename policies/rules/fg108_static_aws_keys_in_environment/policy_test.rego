package fargate_preflight.rules.fg108_test

import rego.v1

deny_for(changes) := result if {
	w := data.fargate_preflight.lib.calls_test.world(changes)
	m := data.fargate_preflight.lib.calls_test.managed
	result := data.fargate_preflight.rules.fg108.deny with input as w with data.fargate_preflight.aws.managed_policies as m
}

undecided_for(changes) := result if {
	w := data.fargate_preflight.lib.calls_test.world(changes)
	m := data.fargate_preflight.lib.calls_test.managed
	result := data.fargate_preflight.rules.fg108.undecided with input as w with data.fargate_preflight.aws.managed_policies as m
}

# summary: what a user reads of each finding, and where.
summary(findings) := {[f.resource, f.need, f.location.line, f.message] | some f in findings}

refs(undecided) := {[u.unknown.ref, u.service, u.rules] | some u in undecided}

test_no_keys if {
	deny_for({}) == set()
}

test_static_keys_named_never_valued if {
	c := data.fargate_preflight.lib.calls_test.container({"environment_names": ["STAGE", "AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID"]})
	summary(deny_for({"task_definitions": {"Td": {"containers": [c]}}})) == {["Td", null, 30, concat("", [
		"service Service: task definition Td: container app sets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY in its ",
		"environment (value not shown): static keys override the task role",
	])]}
}

test_region_variable_is_fine if {
	c := data.fargate_preflight.lib.calls_test.container({"environment_names": ["AWS_REGION", "AWS_DEFAULT_REGION"]})
	deny_for({"task_definitions": {"Td": {"containers": [c]}}}) == set()
}
