package fargate_preflight.rules.fg107_test

import rego.v1

deny_for(changes) := result if {
	w := data.fargate_preflight.lib.calls_test.world(changes)
	m := data.fargate_preflight.lib.calls_test.managed
	result := data.fargate_preflight.rules.fg107.deny with input as w with data.fargate_preflight.aws.managed_policies as m
}

undecided_for(changes) := result if {
	w := data.fargate_preflight.lib.calls_test.world(changes)
	m := data.fargate_preflight.lib.calls_test.managed
	result := data.fargate_preflight.rules.fg107.undecided with input as w with data.fargate_preflight.aws.managed_policies as m
}

# summary: what a user reads of each finding, and where.
summary(findings) := {[f.resource, f.need, f.location.line, f.message] | some f in findings}

refs(undecided) := {[u.unknown.ref, u.service, u.rules] | some u in undecided}

with_trust(statements) := {"roles": {"TaskRole": {"trust_policy": {"Statement": statements}}}}

test_trusting_ecs_tasks if {
	deny_for({}) == set()
}

test_trusting_another_service if {
	w := with_trust([{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}])
	summary(deny_for(w)) == {["TaskRole", null, 50, concat("", [
		"service Service: task definition Td: task role TaskRole cannot be assumed by ",
		"ecs-tasks.amazonaws.com: no statement of its trust policy allows it",
	])]}
}

test_deputy_conditions_are_met_others_undecided if {
	ok := with_trust([{
		"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole",
		"Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}, "ArnLike": {"aws:SourceArn": "arn:aws:ecs:*"}},
	}])
	deny_for(ok) == set()
	undecided_for(ok) == set()
	other := with_trust([{
		"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole",
		"Condition": {"StringEquals": {"sts:ExternalId": "x"}},
	}])
	deny_for(other) == set()
	refs(undecided_for(other)) == {["Condition of statement 1 of trust policy of role TaskRole", "Service", ["FG107"]]}
}

# Both roles share one trust policy: without a Condition it is decided once for both, with one
# each role is named in what it waits for.
with_shared_trust(statements) := {"roles": {
	"TaskRole": {"trust_policy": {"Statement": statements}},
	"ExecRole": {"trust_policy": {"Statement": statements}},
}}

test_roles_sharing_a_trust_policy if {
	excluded := with_shared_trust([{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}])
	{[f.resource, f.location.line] | some f in deny_for(excluded)} == {["TaskRole", 50], ["ExecRole", 40]}
	conditioned := with_shared_trust([{
		"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole",
		"Condition": {"StringEquals": {"sts:ExternalId": "x"}},
	}])
	refs(undecided_for(conditioned)) == {
		["Condition of statement 1 of trust policy of role TaskRole", "Service", ["FG107"]],
		["Condition of statement 1 of trust policy of role ExecRole", "Service", ["FG107"]],
	}
}
