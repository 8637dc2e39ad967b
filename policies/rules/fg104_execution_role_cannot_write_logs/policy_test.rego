package fargate_preflight.rules.fg104_test

import rego.v1

deny_for(changes) := result if {
	w := data.fargate_preflight.lib.calls_test.world(changes)
	m := data.fargate_preflight.lib.calls_test.managed
	result := data.fargate_preflight.rules.fg104.deny with input as w with data.fargate_preflight.aws.managed_policies as m
}

undecided_for(changes) := result if {
	w := data.fargate_preflight.lib.calls_test.world(changes)
	m := data.fargate_preflight.lib.calls_test.managed
	result := data.fargate_preflight.rules.fg104.undecided with input as w with data.fargate_preflight.aws.managed_policies as m
}

# summary: what a user reads of each finding, and where.
summary(findings) := {[f.resource, f.need, f.location.line, f.message] | some f in findings}

refs(undecided) := {[u.unknown.ref, u.service, u.rules] | some u in undecided}

exec_role(inline) := {"roles": {"ExecRole": data.fargate_preflight.lib.calls_test.role("ExecRole", 40, inline, [])}}

secrets := data.fargate_preflight.lib.calls_test.inline("secrets", [data.fargate_preflight.lib.calls_test.statement("secretsmanager:GetSecretValue", "*")], 45)

test_allowed_by_the_managed_policy if {
	deny_for({}) == set()
}

test_group_of_another_name if {
	other := data.fargate_preflight.lib.calls_test.inline("logs", [data.fargate_preflight.lib.calls_test.statement(["logs:CreateLogStream", "logs:PutLogEvents"], "arn:aws:logs:*:*:log-group:/ecs/other:*")], 41)
	summary(deny_for(exec_role([secrets, other]))) == {["ExecRole", "logs", 40, concat("", [
		"service Service: task definition Td: execution role ExecRole is not authorized to perform: ",
		"logs:CreateLogStream, logs:PutLogEvents on resource: arn:aws:logs:us-east-1:*:log-group:/ecs/app:log-stream:app/app/* ",
		"because no identity-based policy allows these actions ",
		"(needed for awslogs log group /ecs/app (container app))",
	])]}
}

# PutLogEvents is on the group's log streams (Service Authorization Reference: the log-stream
# resource type): a policy that scopes it to `log-group:NAME:log-stream:*` allows it (before: a
# false FG104 "not authorized to perform: logs:PutLogEvents on resource: ...:log-group:NAME:*"),
# and so does one on `log-group:NAME:*`; one on another group's streams does not.
logs_policy(statements) := exec_role([secrets, data.fargate_preflight.lib.calls_test.inline("logs", statements, 41)])

test_put_log_events_on_the_groups_log_streams if {
	create := data.fargate_preflight.lib.calls_test.statement("logs:CreateLogStream", "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/app:*")
	put := data.fargate_preflight.lib.calls_test.statement("logs:PutLogEvents", "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/app:log-stream:*")
	deny_for(logs_policy([create, put])) == set()

	other := data.fargate_preflight.lib.calls_test.statement("logs:PutLogEvents", "arn:aws:logs:*:*:log-group:/ecs/other:log-stream:*")
	summary(deny_for(logs_policy([create, other]))) == {["ExecRole", "logs", 40, concat("", [
		"service Service: task definition Td: execution role ExecRole is not authorized to perform: ",
		"logs:PutLogEvents on resource: arn:aws:logs:us-east-1:*:log-group:/ecs/app:log-stream:app/app/* ",
		"because no identity-based policy allows the logs:PutLogEvents action (needed for awslogs log group /ecs/app (container app))",
	])]}
}

# A Fargate task's streams are PREFIX/CONTAINER/TASK-ID: a policy on the prefix's streams
# allows them, one on another prefix's does not.
test_put_log_events_on_the_stream_prefix if {
	create := data.fargate_preflight.lib.calls_test.statement("logs:CreateLogStream", "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/app:*")
	put := data.fargate_preflight.lib.calls_test.statement("logs:PutLogEvents", "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/app:log-stream:app/*")
	deny_for(logs_policy([create, put])) == set()

	other := data.fargate_preflight.lib.calls_test.statement("logs:PutLogEvents", "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/app:log-stream:web/*")
	count(deny_for(logs_policy([create, other]))) == 1
}

test_nearest_correct_variant_names_the_group if {
	own := data.fargate_preflight.lib.calls_test.inline("logs", [data.fargate_preflight.lib.calls_test.statement(["logs:CreateLogStream", "logs:PutLogEvents"], "arn:aws:logs:*:*:log-group:/ecs/app:*")], 41)
	deny_for(exec_role([secrets, own])) == set()
}

test_create_group_needs_its_action if {
	c := data.fargate_preflight.lib.calls_test.container({"log_options": {"awslogs-group": "/ecs/app", "awslogs-create-group": "true"}})
	[f] := [x | some x in deny_for({"task_definitions": {"Td": {"containers": [c]}}})]
	contains(f.message, "logs:CreateLogGroup on resource: arn:aws:logs:us-east-1:*:log-group:/ecs/app:* because no identity-based policy allows")
	not contains(f.message, "logs:PutLogEvents on")
}

test_unsettled_group_with_a_narrow_policy_is_undecided if {
	group := {"unknown": "Ref LogGroup is only known after deployment", "ref": "Ref LogGroup", "source": data.fargate_preflight.lib.calls_test.src(31)}
	c := data.fargate_preflight.lib.calls_test.container({"log_options": {"awslogs-group": group, "awslogs-region": "us-east-1"}})
	narrow := data.fargate_preflight.lib.calls_test.inline("logs", [data.fargate_preflight.lib.calls_test.statement(["logs:CreateLogStream", "logs:PutLogEvents"], "arn:aws:logs:*:*:log-group:/ecs/app:*")], 41)
	w := object.union(exec_role([secrets, narrow]), {"task_definitions": {"Td": {"containers": [c]}}})
	deny_for(w) == set()
	refs(undecided_for(w)) == {["Ref LogGroup", "Service", ["FG104"]]}
}

# The awslogs driver writes to the group in the task's own account. A live model says which
# (`account`): a policy on the group of another account does not allow it, a Deny of all but
# that account denies it (field test 16, b06 and k08: both passed live). Offline the account is
# not named, and either policy may be on the task's own account: no finding.
test_a_policy_on_another_accounts_group_in_a_live_scan if {
	other := data.fargate_preflight.lib.calls_test.statement(["logs:CreateLogStream", "logs:PutLogEvents"], "arn:aws:logs:us-east-1:999999999999:log-group:/ecs/app:*")
	allow_other := exec_role([secrets, data.fargate_preflight.lib.calls_test.inline("logs", [other], 41)])
	deny_for(allow_other) == set()
	summary(deny_for(object.union(allow_other, {"account": "123456789012"}))) == {["ExecRole", "logs", 40, concat("", [
		"service Service: task definition Td: execution role ExecRole is not authorized to perform: ",
		"logs:CreateLogStream, logs:PutLogEvents on resource: ",
		"arn:aws:logs:us-east-1:123456789012:log-group:/ecs/app:log-stream:app/app/* ",
		"because no identity-based policy allows these actions ",
		"(needed for awslogs log group /ecs/app (container app))",
	])]}

	outside := {"Effect": "Deny", "Action": "logs:*", "NotResource": "arn:aws:logs:us-east-1:999999999999:*"}
	all_logs := data.fargate_preflight.lib.calls_test.statement("logs:*", "*")
	deny_outside := exec_role([secrets, data.fargate_preflight.lib.calls_test.inline("fence", [all_logs, outside], 42)])
	deny_for(object.union(deny_outside, {"account": "999999999999"})) == set()
	[f] := [x | some x in deny_for(object.union(deny_outside, {"account": "123456789012"}))]
	contains(f.message, "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/app:log-stream:app/app/* with an explicit deny in an identity-based policy")
}
