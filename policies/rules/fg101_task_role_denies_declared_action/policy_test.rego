package fargate_preflight.rules.fg101_test

import rego.v1

deny_for(changes) := result if {
	w := data.fargate_preflight.lib.calls_test.world(changes)
	m := data.fargate_preflight.lib.calls_test.managed
	result := data.fargate_preflight.rules.fg101.deny with input as w with data.fargate_preflight.aws.managed_policies as m
}

undecided_for(changes) := result if {
	w := data.fargate_preflight.lib.calls_test.world(changes)
	m := data.fargate_preflight.lib.calls_test.managed
	result := data.fargate_preflight.rules.fg101.undecided with input as w with data.fargate_preflight.aws.managed_policies as m
}

# summary: what a user reads of each finding, and where.
summary(findings) := {[f.resource, f.need, f.location.line, f.message] | some f in findings}

refs(undecided) := {[u.unknown.ref, u.service, u.rules] | some u in undecided}

# The seed article's first failure: the task role lacks sns:ListTopics.
topics_need := {"declared_needs": [data.fargate_preflight.lib.calls_test.declared("sns", ["sns:ListTopics"], null)]}

task_role(statements) := {"roles": {"TaskRole": data.fargate_preflight.lib.calls_test.role("TaskRole", 50, [data.fargate_preflight.lib.calls_test.inline("app", statements, 55)], [])}}

test_seed_no_identity_policy_allows if {
	summary(deny_for(topics_need)) == {["TaskRole", "sns", 50, concat("", [
		"service Service: task definition Td: task role TaskRole is not authorized to perform: sns:ListTopics ",
		"because no identity-based policy allows the sns:ListTopics action (needed for the declared need sns)",
	])]}
}

test_nearest_correct_variant if {
	deny_for(object.union(topics_need, task_role([data.fargate_preflight.lib.calls_test.statement(["sns:Publish", "sns:ListTopics"], "*")]))) == set()
}

test_explicit_deny if {
	w := object.union(topics_need, task_role([
		data.fargate_preflight.lib.calls_test.statement("sns:*", "*"),
		{"Effect": "Deny", "Action": "sns:List*", "Resource": "*"},
	]))
	[f] := [x | some x in deny_for(w)]
	contains(f.message, "sns:ListTopics with an explicit deny in an identity-based policy")
}

test_declared_resources_are_checked if {
	need := {"declared_needs": [data.fargate_preflight.lib.calls_test.declared("sqs", ["sqs:SendMessage"], ["arn:aws:sqs:us-east-1:123456789012:jobs"])]}
	other_queue := task_role([data.fargate_preflight.lib.calls_test.statement("sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:other")])
	[f] := [x | some x in deny_for(object.union(need, other_queue))]
	contains(f.message, "sqs:SendMessage on resource: arn:aws:sqs:us-east-1:123456789012:jobs because no identity-based policy allows")
	own_queue := task_role([data.fargate_preflight.lib.calls_test.statement("sqs:SendMessage", "arn:aws:sqs:*:*:jobs")])
	deny_for(object.union(need, own_queue)) == set()
}

test_conditional_allow_is_undecided if {
	w := object.union(topics_need, task_role([object.union(
		data.fargate_preflight.lib.calls_test.statement("sns:ListTopics", "*"),
		{"Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}},
	)]))
	deny_for(w) == set()
	refs(undecided_for(w)) == {["Condition of statement 1 of inline policy app of role TaskRole", "Service", ["FG101"]]}
}

test_no_task_role_is_fg109_not_fg101 if {
	deny_for(object.union(topics_need, {"task_definitions": {"Td": {"task_role": null}}})) == set()
}
