package fargate_preflight.lib.iam_test

import rego.v1

src := {"file": "iam.yaml", "line": 7, "pointer": ""}

policy(statements) := [{"name": "P", "document": {"Version": "2012-10-17", "Statement": statements}, "source": src}]

allow(action, resource) := {"Effect": "Allow", "Action": action, "Resource": resource}

deny(action, resource) := {"Effect": "Deny", "Action": action, "Resource": resource}

req(action, resource) := {"action": action, "resource": resource}

# decision is the verdict alone, for the tables below.
decision(statements, request) := data.fargate_preflight.lib.iam.decide(policy(statements), request, null).decision

account_unknown(partial) := {"unknown": "the AWS account id is not known offline", "ref": "AWS::AccountId", "source": src, "partial": partial}

log_group_ref := {"unknown": "Ref LogGroup is only known after deployment", "ref": "Ref LogGroup", "source": src}

log_group_arn_ref := {"unknown": "known after deployment", "ref": "Fn::GetAtt LogGroup.Arn", "source": src}

# A Terraform plan names a secret the same apply creates by its ARN attribute on both sides.
tf_secret(address) := {
	"unknown": sprintf("%s.arn is known only after apply", [address]),
	"ref": sprintf("%s.arn", [address]),
	"source": src,
	"partial": "arn:aws:secretsmanager:us-east-1:*:secret:db-*",
}

repo := "arn:aws:ecr:us-east-1:123456789012:repository/app"

# [statements, request, expected decision]
identity_cases := [
	# actions: exact, case-insensitive, `*` and `?`, NotAction
	[[allow("sns:ListTopics", "*")], req("sns:listtopics", null), "allow"],
	[[allow("SNS:list*", "*")], req("sns:listtopics", null), "allow"],
	[[allow("sns:ListTopic?", "*")], req("sns:listtopics", null), "allow"],
	[[allow("sns:Publish", "*")], req("sns:listtopics", null), "implicit_deny"],
	[[allow(["sqs:*", "sns:Publish"], "*")], req("sns:listtopics", null), "implicit_deny"],
	[[{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}], req("sns:listtopics", null), "allow"],
	[[{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}], req("iam:passrole", "*"), "implicit_deny"],
	# explicit deny wins over any allow
	[[allow("*", "*"), deny("sns:ListTopics", "*")], req("sns:listtopics", null), "explicit_deny"],
	[[allow("*", "*"), {"Effect": "Deny", "NotAction": "s3:*", "Resource": "*"}], req("sns:listtopics", null), "explicit_deny"],
	[[allow("*", "*"), {"Effect": "Deny", "NotAction": "s3:*", "Resource": "*"}], req("s3:getobject", "arn:aws:s3:::b/k"), "allow"],
	# resources: ARN patterns, the request's own unsettled account, actions on "*"
	[[allow("ecr:BatchGetImage", repo)], req("ecr:batchgetimage", repo), "allow"],
	[[allow("ecr:BatchGetImage", repo)], req("ecr:batchgetimage", "arn:aws:ecr:us-east-1:123456789012:repository/other"), "implicit_deny"],
	[[allow("ecr:BatchGetImage", "arn:aws:ecr:*:123456789012:repository/*")], req("ecr:batchgetimage", "arn:aws:ecr:us-east-1:*:repository/app"), "allow"],
	[[allow("logs:PutLogEvents", "arn:aws:logs:us-east-1:111122223333:log-group:/ecs/app:*")], req("logs:putlogevents", "arn:aws:logs:us-east-1:*:log-group:/ecs/app:*"), "allow"],
	[[allow("logs:PutLogEvents", "arn:aws:logs:us-east-1:111122223333:log-group:/ecs/app")], req("logs:putlogevents", "arn:aws:logs:us-east-1:*:log-group:/ecs/app:*"), "implicit_deny"],
	[[allow("ecr:GetAuthorizationToken", "arn:aws:ecr:*:*:repository/*")], req("ecr:getauthorizationtoken", "*"), "implicit_deny"],
	[[allow("ecr:GetAuthorizationToken", "*")], req("ecr:getauthorizationtoken", "*"), "allow"],
	[[{"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::secret/*"}], req("s3:getobject", "arn:aws:s3:::public/x"), "allow"],
	[[{"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::secret/*"}], req("s3:getobject", "arn:aws:s3:::secret/x"), "implicit_deny"],
	# a declared action without resources: an Allow that may name one of the service's
	# resources counts; a Deny only when it covers all of them
	[[allow("sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:jobs")], req("sqs:sendmessage", null), "allow"],
	[[allow("sqs:SendMessage", "arn:aws:sns:us-east-1:123456789012:jobs")], req("sqs:sendmessage", null), "implicit_deny"],
	[[allow("sns:*", "*"), deny("sns:*", "arn:aws:sns:*:*:*")], req("sns:listtopics", null), "explicit_deny"],
	[[allow("sns:*", "*"), deny("sns:*", "arn:aws:sns:us-east-1:123456789012:private")], req("sns:listtopics", null), "allow"],
	# a pattern unsettled only in its account id is a pattern; same resource by Ref/GetAtt
	[[allow("ecr:BatchGetImage", account_unknown("arn:aws:ecr:us-east-1:*:repository/app"))], req("ecr:batchgetimage", repo), "allow"],
	[[allow("logs:PutLogEvents", log_group_arn_ref)], req("logs:putlogevents", log_group_ref), "allow"],
	[[allow("secretsmanager:GetSecretValue", tf_secret("aws_secretsmanager_secret.db"))], req("secretsmanager:getsecretvalue", tf_secret("aws_secretsmanager_secret.db")), "allow"],
	[[allow("secretsmanager:GetSecretValue", tf_secret("aws_secretsmanager_secret.other"))], req("secretsmanager:getsecretvalue", tf_secret("aws_secretsmanager_secret.db")), "undecided"],
	# what the inputs do not settle: conditions, policy variables, unknown resources
	[[{"Effect": "Allow", "Action": "sns:*", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalTag/team": "a"}}}], req("sns:listtopics", null), "undecided"],
	[[allow("sns:*", "*"), {"Effect": "Deny", "Action": "sns:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}], req("sns:listtopics", null), "undecided"],
	[[allow("s3:GetObject", "arn:aws:s3:::home/${aws:userid}/*")], req("s3:getobject", "arn:aws:s3:::home/x/y"), "undecided"],
	[[allow("logs:PutLogEvents", "arn:aws:logs:*:*:log-group:/ecs/app:*")], req("logs:putlogevents", log_group_ref), "undecided"],
	[[allow("logs:PutLogEvents", "*")], req("logs:putlogevents", log_group_ref), "allow"],
]

# wrong_identity_decisions are the cases whose verdict differs: [index, got, expected].
wrong_identity_decisions := [[i, got, c[2]] |
	some i, c in identity_cases
	got := decision(c[0], c[1])
	got != c[2]
]

test_identity_decisions if {
	count(identity_cases) == 32
	wrong_identity_decisions == []
}

test_a_policy_not_in_the_inputs_leaves_the_verdict_open if {
	unknown := {"unknown": "managed policy X is not in the inputs", "ref": "managed policy X", "source": src}
	d := data.fargate_preflight.lib.iam.decide(array.concat(policy([allow("sns:*", "*")]), [unknown]), req("sns:publish", null), null)
	d.decision == "undecided"
	d.unknowns == {unknown}
}

test_a_condition_names_its_statement if {
	statements := [allow("sns:Publish", "*"), object.union(allow("sns:ListTopics", "*"), {"Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}})]
	d := data.fargate_preflight.lib.iam.decide(policy(statements), req("sns:listtopics", null), null)
	[u] := [x | some x in d.unknowns]
	u.ref == "Condition of statement 2 of P"
}

role(inline, boundary) := {
	"id": "TaskRole", "name": "TaskRole", "source": src, "arn": "arn:aws:iam::123456789012:role/TaskRole",
	"inline_policies": [{"name": "app", "document": {"Statement": inline}, "source": src}],
	"managed_policy_arns": [], "permissions_boundary": boundary, "trust_policy": {"Statement": []},
}

managed := {
	"arn:aws:iam::aws:policy/Boundary": {"name": "Boundary", "document": {"Statement": [allow("sqs:*", "*")]}},
	"arn:aws:iam::aws:policy/DenySns": {"name": "DenySns", "document": {"Statement": [allow("*", "*"), deny("sns:*", "*")]}},
}

identity(r, action) := d if {
	d := data.fargate_preflight.lib.iam.identity_decision(r, req(action, null))
		with data.fargate_preflight.aws.managed_policies as managed
		with input.managed_policies as {}
}

test_permissions_boundary if {
	identity(role([allow("sqs:*", "*")], null), "sqs:sendmessage").decision == "allow"
	identity(role([allow("sqs:*", "*")], "arn:aws:iam::aws:policy/Boundary"), "sqs:sendmessage").decision == "allow"
	d := identity(role([allow("*", "*")], "arn:aws:iam::aws:policy/Boundary"), "sns:publish")
	[d.decision, d.part] == ["implicit_deny", "boundary"]
	e := identity(role([allow("*", "*")], "arn:aws:iam::aws:policy/DenySns"), "sns:publish")
	[e.decision, e.part] == ["explicit_deny", "boundary"]
	f := identity(role([allow("sqs:*", "*")], "arn:aws:iam::aws:policy/Boundary"), "sns:publish")
	[f.decision, f.part] == ["implicit_deny", "identity"]
	g := identity(role([allow("*", "*")], "arn:aws:iam::aws:policy/NotInSnapshot"), "sns:publish")
	g.decision == "undecided"
	[u] := [x | some x in g.unknowns]
	u.ref == "managed policy arn:aws:iam::aws:policy/NotInSnapshot"
}

test_messages_use_aws_words if {
	text := data.fargate_preflight.lib.iam.not_authorized(
		"task role TaskRole",
		[
			{"action": "sns:ListTopics", "decision": {"decision": "implicit_deny", "part": "identity"}},
			{"action": "sns:Publish", "decision": {"decision": "explicit_deny", "part": "endpoint"}},
		],
		null,
	)
	text == concat("", [
		"task role TaskRole is not authorized to perform: ",
		"sns:Publish with an explicit deny in a VPC endpoint policy; ",
		"sns:ListTopics because no identity-based policy allows the sns:ListTopics action",
	])
	on := data.fargate_preflight.lib.iam.not_authorized(
		"execution role Exec",
		[{"action": "s3:GetObject", "decision": {"decision": "implicit_deny", "part": "endpoint"}}],
		"arn:aws:s3:::b/*",
	)
	on == "execution role Exec is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/* because no statement of the VPC endpoint policy allows the s3:GetObject action"
}

# --- endpoint policies: principals ------------------------------------------------------

task_role_arn := "arn:aws:iam::123456789012:role/TaskRole"

arn_unknown := {"unknown": "CloudFormation names role TaskRole at deploy time", "ref": "Fn::GetAtt TaskRole.Arn", "source": src}

with_principal(principal) := [{"Effect": "Allow", "Principal": principal, "Action": "sns:*", "Resource": "*"}]

endpoint_decision(principal, caller_arn) := data.fargate_preflight.lib.iam.decide(policy(with_principal(principal)), req("sns:listtopics", null), {"arn": caller_arn, "account": null}).decision

test_endpoint_principals if {
	endpoint_decision("*", arn_unknown) == "allow"
	endpoint_decision({"AWS": "*"}, arn_unknown) == "allow"
	endpoint_decision({"AWS": [task_role_arn]}, task_role_arn) == "allow"
	endpoint_decision({"AWS": "arn:aws:iam::123456789012:role/Other"}, task_role_arn) == "implicit_deny"
	endpoint_decision({"AWS": "arn:aws:iam::123456789012:role/Other"}, arn_unknown) == "undecided"
	endpoint_decision({"AWS": "123456789012"}, arn_unknown) == "allow"
	endpoint_decision({"AWS": "arn:aws:iam::123456789012:root"}, task_role_arn) == "allow"
	endpoint_decision({"Service": "ecs-tasks.amazonaws.com"}, task_role_arn) == "implicit_deny"
}

# Only `*` is a wildcard principal: a role ARN with `*` in it names no role (before: matched as
# a glob). An ARN that differs only in case is undecided. A known account settles account
# principals.
test_principals_are_matched_exactly if {
	endpoint_decision({"AWS": "arn:aws:iam::123456789012:role/Task*"}, task_role_arn) == "implicit_deny"
	endpoint_decision({"AWS": "arn:aws:iam::*:role/TaskRole"}, task_role_arn) == "implicit_deny"
	endpoint_decision({"AWS": "arn:aws:iam::123456789012:role/taskrole"}, task_role_arn) == "undecided"
	known := {"arn": task_role_arn, "account": "123456789012"}
	data.fargate_preflight.lib.iam.decide(policy(with_principal({"AWS": "999999999999"})), req("sns:listtopics", null), known).decision == "implicit_deny"
	data.fargate_preflight.lib.iam.decide(policy(with_principal({"AWS": "123456789012"})), req("sns:listtopics", null), known).decision == "allow"
}

test_role_account if {
	data.fargate_preflight.lib.iam.role_account(task_role_arn) == "123456789012"
	data.fargate_preflight.lib.iam.role_account(arn_unknown) == null
	data.fargate_preflight.lib.iam.role_account("arn:aws:iam::aws:policy/ReadOnlyAccess") == null
	data.fargate_preflight.lib.iam.role_account(null) == null
}

# The policy names the caller's role as the template does (`!GetAtt TaskRole.Arn`): the same
# role, though its ARN is only known after deployment; another role's is still undecided.
test_a_principal_that_names_the_callers_role_by_reference if {
	endpoint_decision({"AWS": arn_unknown}, arn_unknown) == "allow"
	other := object.union(arn_unknown, {"ref": "Fn::GetAtt OtherRole.Arn"})
	endpoint_decision({"AWS": other}, arn_unknown) == "undecided"
}

# `AWS: 123456789012` unquoted in YAML is a number: not IAM's documented form, so undecided
# (before: no match, a false FG102), whichever role calls.
test_a_number_principal_is_undecided if {
	endpoint_decision({"AWS": 123456789012}, task_role_arn) == "undecided"
	endpoint_decision({"AWS": [123456789012]}, arn_unknown) == "undecided"
	endpoint_decision({"AWS": [123456789012, task_role_arn]}, task_role_arn) == "allow"
}

# A number or boolean where IAM takes a string names no resource and no role (before, a
# string builtin on it stopped regorus: exit 3).
test_a_number_or_boolean_names_no_resource_or_role if {
	sns_topic := "arn:aws:sns:us-east-1:123456789012:t"
	decision([allow("sns:*", 5)], req("sns:listtopics", sns_topic)) == "implicit_deny"
	decision([allow("sns:*", [true, sns_topic])], req("sns:listtopics", sns_topic)) == "allow"
	decision([allow("sns:*", 5)], req("sns:listtopics", null)) == "implicit_deny"
	decision([{"Effect": "Allow", "Action": "sns:*", "NotResource": 1.5}], req("sns:listtopics", sns_topic)) == "allow"
	endpoint_decision({"AWS": true}, task_role_arn) == "implicit_deny"
	endpoint_decision({"AWS": [false, task_role_arn]}, task_role_arn) == "allow"
}

any_action(statements) := data.fargate_preflight.lib.iam.decide(policy(statements), {"action": "sns:*", "resource": null, "any_action": true}, {"arn": arn_unknown, "account": null}).decision

test_any_action_of_a_service if {
	any_action([object.union(allow("sns:Publish", "*"), {"Principal": "*"})]) == "allow"
	any_action([object.union(allow("s3:*", "*"), {"Principal": "*"})]) == "implicit_deny"
	any_action([object.union(allow("*", "*"), {"Principal": "*"}), object.union(deny("sns:*", "*"), {"Principal": "*"})]) == "explicit_deny"
	any_action([object.union(allow("*", "*"), {"Principal": "*"}), object.union(deny("sns:Publish", "*"), {"Principal": "*"})]) == "allow"
}

# --- trust policies -----------------------------------------------------------------------

trusting(statements) := data.fargate_preflight.lib.iam.trust_decision({"name": "R", "source": src, "trust_policy": {"Statement": statements}}).decision

assume(principal, fields) := object.union({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}, fields)

test_trust_policies if {
	trusting([assume({"Service": "ecs-tasks.amazonaws.com"}, {})]) == "allow"
	trusting([assume({"Service": ["ec2.amazonaws.com", "ecs-tasks.amazonaws.com"]}, {"Action": ["sts:*"]})]) == "allow"
	trusting([assume({"Service": "ec2.amazonaws.com"}, {})]) == "implicit_deny"
	trusting([assume({"Service": "ecs-tasks.amazonaws.com"}, {"Action": "sts:TagSession"})]) == "implicit_deny"
	trusting([assume({"Service": "ecs-tasks.amazonaws.com"}, {"Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}})]) == "allow"
	trusting([assume({"Service": "ecs-tasks.amazonaws.com"}, {"Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:ecs:*"}}})]) == "allow"
	trusting([assume({"Service": "ecs-tasks.amazonaws.com"}, {"Condition": {"StringEquals": {"aws:PrincipalTag/x": "y"}}})]) == "undecided"
	trusting([assume({"Service": "ecs-tasks.amazonaws.com"}, {}), assume({"Service": "ecs-tasks.amazonaws.com"}, {"Effect": "Deny"})]) == "explicit_deny"

	# several services that the inputs do not settle: undecided, on the first of them
	services := [unsettled_document, object.union(unsettled_document, {"ref": "Parameter Q"})]
	d := data.fargate_preflight.lib.iam.trust_decision({"name": "R", "source": src, "trust_policy": {"Statement": [assume({"Service": services}, {})]}})
	[d.decision, d.unknowns] == ["undecided", {unsettled_document}]
}

# --- trust policies: conditions on the task's account and cluster ---------------------------

trusting_as(role_arn, statements) := data.fargate_preflight.lib.iam.trust_decision({"name": "R", "source": src, "arn": role_arn, "trust_policy": {"Statement": statements}})

ecs_allow := assume({"Service": "ecs-tasks.amazonaws.com"}, {})

ecs_allow_if(condition) := assume({"Service": "ecs-tasks.amazonaws.com"}, {"Condition": condition})

ecs_deny_if(condition) := assume({"Service": "ecs-tasks.amazonaws.com"}, {"Effect": "Deny", "Condition": condition})

# `!Ref AWS::AccountId`: the account the template deploys to, the task's own.
own_account := {"unknown": "the AWS account id is not known offline", "ref": "AWS::AccountId", "source": src}

# [statements, expected decision] for a role whose ARN is not known offline. The request
# carries the task's own account and cluster: a negated operator that names them is false, so
# such a Deny never applies (before: any condition on these keys counted as met, a false
# FG107 "denies it"). A literal value is taken as the task's own only where that lets the task
# run; where it would deny, it is undecided.
trust_condition_cases := [
	[[ecs_allow, ecs_deny_if({"StringNotEquals": {"aws:SourceAccount": own_account}})], "allow"],
	[[ecs_allow, ecs_deny_if({"StringNotEquals": {"aws:SourceAccount": "123456789012"}})], "allow"],
	[[ecs_allow, ecs_deny_if({"StringNotEqualsIfExists": {"aws:SourceOrgID": "o-abc"}})], "allow"],
	[[ecs_allow, ecs_deny_if({"Null": {"aws:SourceAccount": "true"}})], "allow"],
	[[ecs_allow, ecs_deny_if({"Null": {"aws:SourceAccount": true}})], "allow"],
	[[ecs_allow, ecs_deny_if({"ArnNotLike": {"aws:SourceArn": "arn:aws:ecs:us-east-1:123456789012:*"}})], "allow"],
	[[ecs_allow, ecs_deny_if({"StringEquals": {"aws:SourceAccount": own_account}})], "explicit_deny"],
	[[ecs_allow, ecs_deny_if({"StringEquals": {"aws:SourceAccount": "123456789012"}})], "undecided"],
	[[ecs_allow, ecs_deny_if({"Null": {"aws:SourceAccount": "false"}})], "undecided"],
	[[ecs_allow, ecs_deny_if({"StringNotEquals": {"aws:SourceAccount": own_account}, "StringEquals": {"sts:ExternalId": "x"}})], "allow"],
	[[ecs_allow_if({"StringNotEquals": {"aws:SourceAccount": own_account}})], "implicit_deny"],
	[[ecs_allow_if({"StringNotEquals": {"aws:SourceAccount": "111122223333"}})], "undecided"],
	[[ecs_allow_if({"Null": {"aws:SourceArn": "false"}})], "allow"],
	[[ecs_allow_if({"StringEqualsIfExists": {"aws:SourceAccount": own_account}})], "allow"],
	[[ecs_allow_if({"NumericEquals": {"aws:SourceAccount": "1"}})], "undecided"],
	[[ecs_allow_if({"ForAnyValue:StringEquals": {"aws:SourceAccount": "1"}})], "undecided"],
]

test_trust_conditions_on_the_tasks_account_and_cluster if {
	wrong := [[i, got, c[1]] |
		some i, c in trust_condition_cases
		got := trusting(c[0])
		got != c[1]
	]
	wrong == []
}

# A live role's ARN names its account: a literal account id is then settled either way.
test_trust_conditions_with_the_roles_account_known if {
	arn := "arn:aws:iam::123456789012:role/R"
	trusting_as(arn, [ecs_allow_if({"StringEquals": {"aws:SourceAccount": "111122223333"}})]).decision == "implicit_deny"
	trusting_as(arn, [ecs_allow_if({"StringEquals": {"aws:SourceAccount": ["111122223333", "123456789012"]}})]).decision == "allow"
	trusting_as(arn, [ecs_allow_if({"StringLike": {"aws:SourceAccount": "1234*"}})]).decision == "allow"
	trusting_as(arn, [ecs_allow, ecs_deny_if({"StringEquals": {"aws:SourceAccount": "123456789012"}})]).decision == "explicit_deny"
	trusting_as(arn, [ecs_allow, ecs_deny_if({"StringNotEquals": {"aws:SourceAccount": "111122223333"}})]).decision == "explicit_deny"
	trusting_as(arn, [ecs_allow, ecs_deny_if({"StringNotEquals": {"aws:SourceAccount": "123456789012"}})]).decision == "allow"
}

# A Deny whose condition the inputs cannot decide may apply: undecided, with what it waits for
# (before: dropped, so the role counted as trusted). Without an Allow it changes nothing.
test_a_deny_that_may_apply_leaves_the_trust_undecided if {
	unknown_deny := assume("*", {"Effect": "Deny", "Condition": {"StringNotEquals": {"sts:ExternalId": "abc"}}})
	d := trusting_as(null, [ecs_allow, unknown_deny])
	d.decision == "undecided"
	d.unknowns == {{
		"unknown": "a Condition on sts:externalid depends on the request's context",
		"ref": "Condition of statement 2 of trust policy of role R",
		"source": src,
		"fix": "The scan cannot decide this Condition from the inputs: if it holds when ECS assumes the role for the task, suppress this note with a reason.",
	}}
	trusting([unknown_deny]) == "implicit_deny"
	trusting([ecs_allow_if({"StringEquals": {"sts:ExternalId": "abc"}}), unknown_deny]) == "undecided"

	account := trusting_as(null, [ecs_allow, ecs_deny_if({"StringEquals": {"aws:SourceAccount": "123456789012"}})])
	[u] := [x | some x in account.unknowns]
	u.unknown == "a Condition on aws:sourceaccount holds only if it names the task's own account or cluster, which the inputs do not settle"
	u.fix == "Scan the live account (scan-aws), where the task's account is known; or, if the value names the task's own account or cluster, suppress this note with a reason."
}

# --- the shortcuts of a role's checks ----------------------------------------------------------

shortcut_roles := [
	role([allow(["sns:Publish", "SQS:SendMessage"], "*")], null),
	role([allow("sns:Publish", "*"), deny("sns:Publish", "arn:aws:sns:*:*:private")], null),
	role([object.union(allow("sns:Publish", "*"), {"Condition": {"Bool": {"aws:SecureTransport": "true"}}})], null),
	role([allow("sns:*", "*"), allow("sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:jobs")], null),
	role([{"Effect": "Allow", "NotAction": "sqs:*", "Resource": "*"}], null),
	role([allow("sns:Publish", ["arn:aws:sns:us-east-1:123456789012:a", "arn:aws:sns:us-east-1:123456789012:${aws:username}"])], null),
	role([allow("sns:Publish", "arn:aws:sns:us-east-1:*:a?c"), {"Effect": "Allow", "Action": "sqs:SendMessage", "NotResource": "*"}], null),
]

shortcut_requests := [
	req("sns:publish", null),
	req("sns:publish", "arn:aws:sns:us-east-1:123456789012:private"),
	req("sns:publish", "arn:aws:sns:us-east-1:123456789012:a"),
	req("sns:publish", "arn:aws:sns:us-east-1:123456789012:${aws:username}"),
	req("sns:publish", "arn:aws:sns:us-east-1:*:a?c"),
	req("sqs:sendmessage", "arn:aws:sqs:us-east-1:123456789012:jobs"),
	req("sqs:sendmessage", "*"),
]

# shortcut_mismatches are the [role, request] pairs where a role's prepared policies (with the
# Allow-on-* shortcut) decide differently from `decide` over its identity policies (none of
# these roles has a permissions boundary). Evaluated under one `with` for all the pairs.
shortcut_mismatches := [[i, j, d, e] |
	some i, r in shortcut_roles
	some j, q in shortcut_requests
	d := data.fargate_preflight.lib.iam.identity_decision(r, q)
	e := object.union(data.fargate_preflight.lib.iam.decide(data.fargate_preflight.lib.iam.identity_policies(r), q, null), {"part": "identity"})
	d != e
]

test_role_shortcuts_decide_as_the_evaluator if {
	wrong := shortcut_mismatches with data.fargate_preflight.aws.managed_policies as managed with input.managed_policies as {}
	wrong == []
}

allowed_of(r) := a if {
	a := data.fargate_preflight.lib.iam.role_policies(r).allowed
		with data.fargate_preflight.aws.managed_policies as managed
		with input.managed_policies as {}
}

test_allow_on_every_resource_is_the_shortcut if {
	allowed_of(shortcut_roles[0]) == {"sns:publish", "sqs:sendmessage"}

	# a Deny, a Condition, a pattern, NotAction: no shortcut for those statements
	allowed_of(shortcut_roles[1]) == set()
	allowed_of(shortcut_roles[2]) == set()
	allowed_of(shortcut_roles[3]) == set()
	allowed_of(shortcut_roles[4]) == set()

	# a permissions boundary, or a policy not in the inputs, turns the shortcut off
	allowed_of(role([allow("sqs:SendMessage", "*")], "arn:aws:iam::aws:policy/Boundary")) == set()
	unresolved := object.union(role([allow("sqs:SendMessage", "*")], null), {"managed_policy_arns": ["arn:aws:iam::aws:policy/NotInSnapshot"]})
	allowed_of(unresolved) == set()
}

# A document under an unsettled condition (or one that IAM would refuse) may allow anything:
# the inline, managed or boundary policy that has it leaves the decision undecided.
unsettled_document := {"unknown": "it depends on condition C, which is not settled", "ref": "Parameter P", "source": src}

test_an_unsettled_policy_document_is_undecided if {
	inline := object.union(role([], null), {"inline_policies": [{"name": "app", "document": unsettled_document, "source": src}]})
	managed_in_inputs := object.union(role([], null), {"managed_policy_arns": ["Mp"]})
	boundary := object.union(role([allow("sns:*", "*")], null), {"permissions_boundary": "Mp"})
	decisions := [d |
		some r in [inline, managed_in_inputs, boundary]
		d := data.fargate_preflight.lib.iam.identity_decision(r, req("sns:publish", null))
			with data.fargate_preflight.aws.managed_policies as managed
			with input.managed_policies as {"Mp": {"name": "Mp", "document": unsettled_document, "source": src}}
	]
	[[d.decision, d.unknowns] | some d in decisions] == [
		["undecided", {unsettled_document}],
		["undecided", {unsettled_document}],
		["undecided", {unsettled_document}],
	]
}

call(actions, resource) := {"actions": actions, "resource": resource}

test_check_takes_the_shortcut_only_when_every_action_is_allowed if {
	r := role([allow("sns:Publish", "*"), allow("sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:jobs")], null)
	checked := data.fargate_preflight.lib.iam.checked_role(r)
		with data.fargate_preflight.aws.managed_policies as managed
		with input.managed_policies as {}
	data.fargate_preflight.lib.iam.check(checked, call(["sns:Publish"], "*")) == {"denied": [], "unknowns": set()}
	denied := data.fargate_preflight.lib.iam.check(checked, call(["sns:Publish", "sqs:SendMessage"], "arn:aws:sqs:us-east-1:123456789012:other"))
	[[d.action, d.decision.decision] | some d in denied.denied] == [["sqs:SendMessage", "implicit_deny"]]
}

shared(id) := object.union(role([], null), {"id": id, "name": id, "managed_policy_arns": ["arn:aws:iam::aws:policy/DenySns"]})

test_roles_share_the_statements_of_a_managed_policy if {
	roles := {"A": shared("A"), "B": shared("B")}
	statements := data.fargate_preflight.lib.iam.managed_statements
		with input as {"roles": roles, "managed_policies": {}}
		with data.fargate_preflight.aws.managed_policies as managed
	object.keys(statements) == {"arn:aws:iam::aws:policy/DenySns"}
	d := data.fargate_preflight.lib.iam.identity_decision(shared("A"), req("sns:publish", "*"))
		with input as {"roles": roles, "managed_policies": {}}
		with data.fargate_preflight.aws.managed_policies as managed
	[d.decision, d.policy] == ["explicit_deny", "managed policy arn:aws:iam::aws:policy/DenySns"]
}

test_wildcard_match if {
	every c in [["*", "sns:publish"], ["abc", "abc"], ["ab*", "abz"], ["ab*", "ab"], ["a*c", "abbc"], ["a?c", "abc"], ["a*b*", "axbyz"], ["[x]", "[x]"]] {
		data.fargate_preflight.lib.iam.wildcard_match(c[0], c[1])
	}
	every c in [["abc", "abd"], ["ab*", "a"], ["a*c", "abcd"], ["a?c", "ac"], ["[x]", "x"]] {
		not data.fargate_preflight.lib.iam.wildcard_match(c[0], c[1])
	}
}

test_trust_service_name_in_any_case if {
	trusting([assume({"Service": "ECS-Tasks.amazonaws.com"}, {})]) == "allow"

	# `*` only as the whole principal: `*.amazonaws.com` (before: a glob) names no service
	trusting([assume({"Service": "*.amazonaws.com"}, {})]) == "implicit_deny"
	trusting([assume({"Service": "ecs-tasks.*"}, {})]) == "implicit_deny"
	trusting([assume("*", {})]) == "allow"
	trusting([assume({"AWS": "*"}, {})]) == "allow"
	trusting([assume({"Service": ["ec2.amazonaws.com"]}, {"Condition": {"StringEquals": {"aws:PrincipalTag/x": "y"}}})]) == "implicit_deny"
}

# [statements, request, expected decision] for the resources a statement names as they are
resource_cases := [
	[[allow("sns:Publish", ["arn:aws:sns:us-east-1:123456789012:a", "arn:aws:sns:us-east-1:123456789012:${aws:username}"])], req("sns:publish", "arn:aws:sns:us-east-1:123456789012:${aws:username}"), "undecided"],
	[[allow("sns:Publish", ["arn:aws:sns:us-east-1:123456789012:a", "arn:aws:sns:us-east-1:123456789012:${aws:username}"])], req("sns:publish", "arn:aws:sns:us-east-1:123456789012:a"), "allow"],
	[[allow("s3:GetObject", "arn:aws:s3:::b/a?c")], req("s3:getobject", "arn:aws:s3:::b/a?c"), "allow"],
	[[allow("s3:GetObject", "arn:aws:s3:::b/a?c")], req("s3:getobject", "arn:aws:s3:::b/abc"), "allow"],
	[[allow("s3:GetObject", "arn:aws:s3:::b/a?c")], req("s3:getobject", "arn:aws:s3:::b/ac"), "implicit_deny"],
	[[{"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "*"}], req("s3:getobject", "arn:aws:s3:::b/k"), "implicit_deny"],
	[[{"Effect": "Allow", "Action": "s3:GetObject", "NotResource": ["arn:aws:s3:::b/k", "*"]}], req("s3:getobject", "arn:aws:s3:::c/k"), "implicit_deny"],
	[[{"Effect": "Allow", "Action": "s3:GetObject"}], req("s3:getobject", "arn:aws:s3:::b/k"), "allow"],
	[[allow("logs:PutLogEvents", "arn:aws:logs:us-east-1:*:log-group:/ecs/app:*")], req("logs:putlogevents", "arn:aws:logs:us-east-1:*:log-group:/ecs/app:*"), "allow"],
	[[allow("sns:Publish", ["arn:aws:sns:us-east-1:123456789012:b", "*"])], req("sns:publish", "arn:aws:sns:us-east-1:123456789012:a"), "allow"],
	[[allow(["sns:Publish", log_group_ref], "*")], req("sns:listtopics", null), "undecided"],
	[[{"Effect": "Allow", "NotAction": ["sns:Publish", log_group_ref], "Resource": "*"}], req("sns:publish", null), "implicit_deny"],
	[[{"Effect": "Allow", "NotAction": ["sns:Publish", log_group_ref], "Resource": "*"}], req("sns:listtopics", null), "undecided"],
]

test_resources_named_as_they_are if {
	wrong := [[i, got, c[2]] |
		some i, c in resource_cases
		got := decision(c[0], c[1])
		got != c[2]
	]
	wrong == []
}

# --- a secret named by a partial ARN ------------------------------------------------------------

# The task names `...:secret:db` (lib/calls.rego asks for `...:secret:db-??????`); IAM matches
# the secret's full ARN, `db-` and six random characters. [Resource, expected decision]
partial_db := "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-??????"

partial_secret_cases := [
	# every full ARN of the secret
	["arn:aws:secretsmanager:us-east-1:123456789012:secret:db-*", "allow"],
	["arn:aws:secretsmanager:us-east-1:123456789012:secret:db-??????", "allow"],
	["arn:aws:secretsmanager:us-east-1:123456789012:secret:*", "allow"],
	["arn:aws:secretsmanager:us-east-1:123456789012:secret:d*", "allow"],
	["arn:aws:secretsmanager:*:*:secret:db-??????", "allow"],
	["arn:aws:secretsmanager:*:secret:db-*", "allow"],
	["arn:aws:secretsmanager:*", "allow"],
	# none of them: the name without its six characters, another secret, another service,
	# too few or too many characters
	["arn:aws:secretsmanager:us-east-1:123456789012:secret:db", "implicit_deny"],
	["arn:aws:secretsmanager:*:*:secret:db", "implicit_deny"],
	["arn:aws:secretsmanager:*:secret:db", "implicit_deny"],
	["arn:aws:secretsmanager:*:*:secret:other-*", "implicit_deny"],
	["arn:aws:secretsmanager:us-east-1:111122223333:secret:db-*", "implicit_deny"],
	["arn:aws:secretsmanager:us-east-1:123456789012:secret:db-?????", "implicit_deny"],
	["arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEfG", "implicit_deny"],
	["arn:aws:secretsmanager:us-east-1:123456789012:secret:db-??????-x*", "implicit_deny"],
	["arn:aws:s3:::*", "implicit_deny"],
	# some of them: one full ARN, which may be this secret's
	["arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf", "undecided"],
	["arn:aws:secretsmanager:us-east-1:123456789012:secret:db-A*", "undecided"],
	["arn:aws:secretsmanager:*:*:secret:db-?????f", "undecided"],
]

test_a_partial_secret_arn_matches_the_full_arn if {
	wrong := [[i, got, c[1]] |
		some i, c in partial_secret_cases
		got := decision([allow("secretsmanager:GetSecretValue", c[0])], req("secretsmanager:getsecretvalue", partial_db))
		got != c[1]
	]
	wrong == []
}

# A Deny applies as an Allow would: on every full ARN it denies, on some it may.
test_a_deny_on_a_partial_secret_arn if {
	everything := allow("secretsmanager:GetSecretValue", "*")
	decision([everything, deny("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:*:*:secret:db-*")], req("secretsmanager:getsecretvalue", partial_db)) == "explicit_deny"
	decision([everything, deny("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:*:*:secret:db")], req("secretsmanager:getsecretvalue", partial_db)) == "allow"
	decision([everything, deny("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf")], req("secretsmanager:getsecretvalue", partial_db)) == "undecided"
}

# The note names the secret as the task does, at the policy that names one full ARN.
test_a_full_arn_for_a_partial_one_is_a_note_at_the_policy if {
	named := "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"
	d := data.fargate_preflight.lib.iam.decide(policy([allow("secretsmanager:GetSecretValue", named)]), req("secretsmanager:getsecretvalue", partial_db), null)
	[u] := [x | some x in d.unknowns]
	u.ref == "the full ARN of secret arn:aws:secretsmanager:us-east-1:123456789012:secret:db"
	u.source == src
	u.unknown == concat("", [
		"it is named by a partial ARN, without the six random characters Secrets Manager adds after its name, ",
		"and P names the resource ", named, ", which matches only some of them",
	])
}
