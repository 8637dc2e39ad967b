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

# A live scan whose GetRole did not find the role in its own account (`exists: false`): it does
# not exist, so ECS cannot assume it (field test 16: an FG801 "not in the scanned inputs"
# before). FG107 alone says so: the role's calls are not checked (FG103-FG105, FG601).
gone(id, name) := {
	"id": id, "name": sprintf("arn:aws:iam::123456789012:role/%s", [name]),
	"arn": sprintf("arn:aws:iam::123456789012:role/%s", [name]), "exists": false,
	"source": {"file": sprintf("aws://123456789012/global/iam/role/%s", [name]), "line": 1, "pointer": ""},
	"trust_policy": null, "inline_policies": [], "managed_policy_arns": [], "permissions_boundary": null,
}

test_a_role_that_does_not_exist if {
	w := {"roles": {"ExecRole": gone("ExecRole", "api-exec"), "TaskRole": gone("TaskRole", "api-task")}, "services": {"Svc": {"enable_execute_command": true}}}
	summary(deny_for(w)) == {
		["arn:aws:iam::123456789012:role/api-exec", null, 1, concat("", [
			"service Service: task definition Td: execution role arn:aws:iam::123456789012:role/api-exec cannot be assumed by ",
			"ecs-tasks.amazonaws.com: it does not exist in account 123456789012 (iam:GetRole: NoSuchEntity), so no task can start",
		])],
		["arn:aws:iam::123456789012:role/api-task", null, 1, concat("", [
			"service Service: task definition Td: task role arn:aws:iam::123456789012:role/api-task cannot be assumed by ",
			"ecs-tasks.amazonaws.com: it does not exist in account 123456789012 (iam:GetRole: NoSuchEntity), so no task can start",
		])],
	}
	{f.fix | some f in deny_for(w)} == {
		"Create role arn:aws:iam::123456789012:role/api-exec, trusting ecs-tasks.amazonaws.com, or name an existing role in the task definition.",
		"Create role arn:aws:iam::123456789012:role/api-task, trusting ecs-tasks.amazonaws.com, or name an existing role in the task definition.",
	}
	undecided_for(w) == set()
	world := data.fargate_preflight.lib.calls_test.world(w)
	m := data.fargate_preflight.lib.calls_test.managed
	checked := {r |
		some r in ["fg103", "fg104", "fg105", "fg601"]
		count(data.fargate_preflight.rules[r].deny) > 0
	} with input as world with data.fargate_preflight.aws.managed_policies as m
	checked == set()
	data.fargate_preflight.lib.calls.execution_checks == set() with input as world
	data.fargate_preflight.lib.calls.task_role_checks == set() with input as world
}
