package fargate_preflight.rules.fg605_test

import rego.v1

deny_for(changes) := result if {
	w := data.fargate_preflight.lib.calls_test.world(changes)
	m := data.fargate_preflight.lib.calls_test.managed
	result := data.fargate_preflight.rules.fg605.deny with input as w with data.fargate_preflight.aws.managed_policies as m
}

undecided_for(changes) := result if {
	w := data.fargate_preflight.lib.calls_test.world(changes)
	m := data.fargate_preflight.lib.calls_test.managed
	result := data.fargate_preflight.rules.fg605.undecided with input as w with data.fargate_preflight.aws.managed_policies as m
}

# summary: what a user reads of each finding, and where.
summary(findings) := {[f.resource, f.need, f.location.line, f.message] | some f in findings}

refs(undecided) := {[u.unknown.ref, u.service, u.rules] | some u in undecided}

config(c) := object.union(data.fargate_preflight.lib.calls_test.exec_on, {"clusters": {"Cluster": {"execute_command_configuration": c}}})

kms := {"kmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/1234", "logging": "DEFAULT"}

test_kms_key_not_allowed if {
	summary(deny_for(config(kms))) == {["TaskRole", "kms", 50, concat("", [
		"service Service: task definition Td: task role TaskRole is not authorized to perform: kms:Decrypt on ",
		"resource: arn:aws:kms:us-east-1:123456789012:key/1234 because no identity-based policy allows the ",
		"kms:Decrypt action (needed for the cluster's ECS Exec KMS key arn:aws:kms:us-east-1:123456789012:key/1234)",
	])]}
}

test_kms_key_allowed if {
	role := data.fargate_preflight.lib.calls_test.role(
		"TaskRole", 50, [data.fargate_preflight.lib.calls_test.inline(
			"app", [
				data.fargate_preflight.lib.calls_test.statement(data.fargate_preflight.lib.calls_test.exec_channels, "*"),
				data.fargate_preflight.lib.calls_test.statement("kms:Decrypt", "arn:aws:kms:us-east-1:123456789012:key/*"),
			],
			55,
		)],
		[],
	)
	deny_for(object.union(config(kms), {"roles": {"TaskRole": role}})) == set()
}

test_s3_and_logs_override if {
	c := {"logging": "OVERRIDE", "logConfiguration": {"cloudWatchLogGroupName": "/exec", "s3BucketName": "audit", "s3KeyPrefix": "exec/"}}
	{[f.need, f.resource] | some f in deny_for(config(c))} == {["logs", "TaskRole"], ["s3", "TaskRole"]}
	messages := concat(" ", [f.message | some f in deny_for(config(c))])
	contains(messages, "logs:DescribeLogGroups on resource: *")
	contains(messages, "s3:PutObject on resource: arn:aws:s3:::audit/exec/* because")
	not contains(messages, "s3:GetEncryptionConfiguration")
}

# The SSM agent reads the bucket's encryption (s3:GetEncryptionConfiguration) only when
# s3EncryptionEnabled is true (before: always required, a false FG605 on CDK's default exec
# logging, field test 21, D1). Unsettled: FG801 for it, unless the role allows it anyway.
s3_logging(flag) := config({"logging": "OVERRIDE", "logConfiguration": {"s3BucketName": "audit", "s3EncryptionEnabled": flag}})

put_only := data.fargate_preflight.lib.calls_test.role(
	"TaskRole", 50, [data.fargate_preflight.lib.calls_test.inline(
		"app", [
			data.fargate_preflight.lib.calls_test.statement(data.fargate_preflight.lib.calls_test.exec_channels, "*"),
			data.fargate_preflight.lib.calls_test.statement("s3:PutObject", "arn:aws:s3:::audit/*"),
		],
		55,
	)],
	[],
)

with_role(w, role) := object.union(w, {"roles": {"TaskRole": role}})

test_s3_encryption_configuration_only_when_encryption_is_enabled if {
	deny_for(with_role(s3_logging(false), put_only)) == set()
	deny_for(with_role(s3_logging("false"), put_only)) == set()
	undecided_for(with_role(s3_logging(false), put_only)) == set()
	summary(deny_for(with_role(s3_logging(true), put_only))) == {["TaskRole", "s3", 50, concat("", [
		"service Service: task definition Td: task role TaskRole is not authorized to perform: ",
		"s3:GetEncryptionConfiguration on resource: arn:aws:s3:::audit because no identity-based policy ",
		"allows the s3:GetEncryptionConfiguration action (needed for ECS Exec logging to S3 bucket audit)",
	])]}

	# CloudFormation's "true"
	count(deny_for(with_role(s3_logging("True"), put_only))) == 1
	deny_for(with_role(s3_logging(true), s3_role("arn:aws:s3:::audit/*", "arn:aws:s3:::audit"))) == set()
}

test_unsettled_s3_encryption_is_undecided if {
	flag := {"unknown": "parameter Encrypt has no value", "ref": "Parameter Encrypt", "source": data.fargate_preflight.lib.calls_test.src(12)}
	deny_for(with_role(s3_logging(flag), put_only)) == set()
	refs(undecided_for(with_role(s3_logging(flag), put_only))) == {["Parameter Encrypt", "Service", ["FG605"]]}

	# allowed anyway: nothing waits for it
	allowed := with_role(s3_logging(flag), s3_role("arn:aws:s3:::audit/*", "arn:aws:s3:::audit"))
	deny_for(allowed) == set()
	undecided_for(allowed) == set()
}

# ECS Exec's session logs: PutLogEvents on the group's log streams, the rest on the group.
test_logs_override_with_put_log_events_on_the_streams if {
	c := {"logging": "OVERRIDE", "logConfiguration": {"cloudWatchLogGroupName": "/exec"}}
	role := data.fargate_preflight.lib.calls_test.role(
		"TaskRole", 50, [data.fargate_preflight.lib.calls_test.inline(
			"app", [
				data.fargate_preflight.lib.calls_test.statement(data.fargate_preflight.lib.calls_test.exec_channels, "*"),
				data.fargate_preflight.lib.calls_test.statement("logs:DescribeLogGroups", "*"),
				data.fargate_preflight.lib.calls_test.statement(["logs:CreateLogStream", "logs:DescribeLogStreams"], "arn:aws:logs:*:*:log-group:/exec:*"),
				data.fargate_preflight.lib.calls_test.statement("logs:PutLogEvents", "arn:aws:logs:*:*:log-group:/exec:log-stream:*"),
			],
			55,
		)],
		[],
	)
	deny_for(object.union(config(c), {"roles": {"TaskRole": role}})) == set()
}

test_default_logging_needs_nothing if {
	deny_for(config({"logging": "DEFAULT"})) == set()
}

test_no_task_role if {
	w := object.union(config(kms), {"task_definitions": {"Td": {"task_role": null}}})
	summary(deny_for(w)) == {["Td", null, 20, "service Service: task definition Td names no task role, but ECS Exec needs one for the cluster's ECS Exec KMS key arn:aws:kms:us-east-1:123456789012:key/1234"]}
}

# `Logging: !Ref ExecLogging` without a value: before, `upper` stopped regorus on it (exit 3).
test_unsettled_logging_is_undecided if {
	logging := {"unknown": "parameter ExecLogging has no value", "ref": "Parameter ExecLogging", "source": {"file": "t.yaml", "line": 9, "pointer": ""}}
	c := {"logging": logging, "logConfiguration": {"cloudWatchLogGroupName": "/exec"}}
	deny_for(config(c)) == set()
	refs(undecided_for(config(c))) == {["Parameter ExecLogging", "Service", ["FG605"]]}

	# a service not on Fargate is not analysed: nothing is blocked for it
	on_ec2 := object.union(config(c), {"services": {"Svc": {"launch_type": "EC2"}}})
	undecided_for(on_ec2) == set()
}

# `logging` known only after apply (a Terraform unknown), or the whole exec configuration a
# condition may leave out (`!If [Audit, {Logging: OVERRIDE, ...}, !Ref AWS::NoValue]`): whether
# the task role needs the logging calls, or the key's, is not settled. Before, the second was
# silent, as if the configuration asked nothing of the role.
test_unsettled_logging_or_configuration_is_undecided if {
	after_apply := {"unknown": "known after apply", "ref": "aws_ecs_cluster.main.configuration[0].execute_command_configuration[0].logging", "source": data.fargate_preflight.lib.calls_test.src(9)}
	planned := config({"logging": after_apply, "logConfiguration": {"cloudWatchLogGroupName": "/exec"}})
	deny_for(planned) == set()
	refs(undecided_for(planned)) == {[after_apply.ref, "Service", ["FG605"]]}

	audit := {"unknown": "it depends on condition IsAudit, which is not settled", "ref": "Parameter Audit", "source": data.fargate_preflight.lib.calls_test.src(6)}
	deny_for(config(audit)) == set()
	refs(undecided_for(config(audit))) == {["Parameter Audit", "Service", ["FG605"]]}
}

# The ECS API spells it OVERRIDE; any case is taken as the policies take it.
test_logging_in_any_case if {
	c := {"logging": "override", "logConfiguration": {"cloudWatchLogGroupName": "/exec"}}
	{[f.need, f.resource] | some f in deny_for(config(c))} == {["logs", "TaskRole"]}
	undecided_for(config(c)) == set()
}

# No exec configuration, or DEFAULT: nothing to allow and nothing unsettled.
test_settled_logging_is_not_undecided if {
	undecided_for(config(null)) == set()
	undecided_for(config({"logging": "DEFAULT", "logConfiguration": {"cloudWatchLogGroupName": "/exec"}})) == set()
}

# A bucket the template names `exec-audit-${AWS::AccountId}` (`S3BucketName: !Ref ExecBucket`)
# and a policy on `arn:aws:s3:::exec-audit-${AWS::AccountId}/*`: the same bucket whatever the
# account, allowed; a policy on another bucket denies; one on the bucket of one account may
# name it or not (before: all three undecided, FG801 "Ref ExecBucket is not settled").
exec_bucket := {"unknown": "u", "ref": "Ref ExecBucket", "source": {"file": "t.yaml", "line": 42, "pointer": ""}, "partial": "exec-audit-*"}

s3_role(put, get) := data.fargate_preflight.lib.calls_test.role(
	"TaskRole", 50, [data.fargate_preflight.lib.calls_test.inline(
		"app", [
			data.fargate_preflight.lib.calls_test.statement(data.fargate_preflight.lib.calls_test.exec_channels, "*"),
			data.fargate_preflight.lib.calls_test.statement("s3:PutObject", put),
			data.fargate_preflight.lib.calls_test.statement("s3:GetEncryptionConfiguration", get),
		],
		55,
	)],
	[],
)

by_account(partial) := {"unknown": "the AWS account id is not known offline", "ref": "AWS::AccountId", "source": {"file": "t.yaml", "line": 85, "pointer": ""}, "partial": partial}

s3_case(put, get) := object.union(
	config({"logging": "OVERRIDE", "logConfiguration": {"s3BucketName": exec_bucket, "s3KeyPrefix": "exec"}}),
	{"roles": {"TaskRole": s3_role(put, get)}},
)

test_a_bucket_named_by_the_account_on_both_sides if {
	same := s3_case(by_account("arn:aws:s3:::exec-audit-*/*"), by_account("arn:aws:s3:::exec-audit-*"))
	deny_for(same) == set()
	undecided_for(same) == set()

	other := s3_case(by_account("arn:aws:s3:::other-*/*"), by_account("arn:aws:s3:::exec-audit-*"))
	messages := [f.message | some f in deny_for(other)]
	count(messages) == 1
	contains(messages[0], "s3:PutObject on resource: arn:aws:s3:::exec-audit-*/exec* because")
	undecided_for(other) == set()

	one := s3_case("arn:aws:s3:::exec-audit-123456789012/*", by_account("arn:aws:s3:::exec-audit-*"))
	deny_for(one) == set()
	refs(undecided_for(one)) == {["Ref ExecBucket", "Service", ["FG605"]]}
}

# `KmsKeyId: !Ref ExecKey` of a key the template creates: its id only deployment settles, but
# it is a key's (`arn:aws:kms:REGION:*:key/*`), never an alias's. An alias ARN in a policy's
# Resource applies to the alias, not to its key (KMS Developer Guide, "Use aliases to control
# access to KMS keys"): denied (before: FG801 "Ref ExecKey is not settled"); a policy on the
# region's keys allows it; one on the key's `!GetAtt ExecKey.Arn` names it as the task does.
exec_key := {"unknown": "u", "ref": "Ref ExecKey", "source": {"file": "t.yaml", "line": 73, "pointer": ""}, "partial": "*"}

kms_case(resource) := object.union(
	config({"kmsKeyId": exec_key, "logging": "DEFAULT"}),
	{"roles": {"TaskRole": data.fargate_preflight.lib.calls_test.role(
		"TaskRole", 50, [data.fargate_preflight.lib.calls_test.inline(
			"app", [
				data.fargate_preflight.lib.calls_test.statement(data.fargate_preflight.lib.calls_test.exec_channels, "*"),
				data.fargate_preflight.lib.calls_test.statement("kms:Decrypt", resource),
			],
			55,
		)],
		[],
	)}},
)

test_kms_key_of_the_inputs_and_an_alias if {
	alias := kms_case(by_account("arn:aws:kms:us-east-1:*:alias/exec-audit"))
	summary(deny_for(alias)) == {["TaskRole", "kms", 50, concat("", [
		"service Service: task definition Td: task role TaskRole is not authorized to perform: kms:Decrypt on ",
		"resource: arn:aws:kms:us-east-1:*:key/* because no identity-based policy allows the ",
		"kms:Decrypt action (needed for the cluster's ECS Exec KMS key <Ref ExecKey>)",
	])]}
	undecided_for(alias) == set()

	keys := kms_case(by_account("arn:aws:kms:us-east-1:*:key/*"))
	deny_for(keys) == set()
	undecided_for(keys) == set()

	getatt := {"unknown": "u", "ref": "Fn::GetAtt ExecKey.Arn", "source": {"file": "t.yaml", "line": 80, "pointer": ""}, "partial": "arn:aws:kms:us-east-1:*:key/*"}
	deny_for(kms_case(getatt)) == set()
	undecided_for(kms_case(getatt)) == set()

	# a key of the account named by its id: may be this one
	one := kms_case("arn:aws:kms:us-east-1:123456789012:key/1234")
	deny_for(one) == set()
	refs(undecided_for(one)) == {["Ref ExecKey", "Service", ["FG605"]]}
}

# --- the key policy of a key of the inputs (lib/kms.rego) -------------------------------------
# A key policy that names the task role grants it alone (before: a false FG605, since only the
# role's policies were read); one that names the account's root lets the role's policies decide
# (the default key policy); one that does neither refuses the role whatever they allow.

account_root := {"unknown": "the AWS account id is not known offline", "ref": "AWS::AccountId", "source": data.fargate_preflight.lib.calls_test.src(71), "partial": "arn:aws:iam::*:root"}

# (the role's name is written: a role ARN of another name cannot be it, lib/principals.rego)
task_role_arn := {"unknown": "known after deployment", "ref": "Fn::GetAtt TaskRole.Arn", "source": data.fargate_preflight.lib.calls_test.src(72), "partial": "arn:aws:iam::*:role/TaskRole"}

key_statement(effect, principal, fields) := object.union({"Effect": effect, "Principal": {"AWS": principal}, "Action": "kms:Decrypt", "Resource": "*"}, fields)

root_statement := key_statement("Allow", account_root, {"Action": "kms:*"})

# key_case: the cluster's key (kms) is key ExecKey of the inputs, with key policy `policy`; the
# task role allows kms:Decrypt on it when `iam_allows`.
key_case(policy, iam_allows) := object.union_n([
	config(kms),
	{"kms_keys": {"ExecKey": {"id": "ExecKey", "name": "ExecKey", "source": data.fargate_preflight.lib.calls_test.src(70), "arn": kms.kmsKeyId, "policy": policy}}},
	{"roles": {"TaskRole": object.union(
		data.fargate_preflight.lib.calls_test.role(
			"TaskRole", 50, [data.fargate_preflight.lib.calls_test.inline(
				"app",
				array.concat(
					[data.fargate_preflight.lib.calls_test.statement(data.fargate_preflight.lib.calls_test.exec_channels, "*")],
					[data.fargate_preflight.lib.calls_test.statement("kms:Decrypt", kms.kmsKeyId) | iam_allows],
				),
				55,
			)],
			[],
		),
		{"arn": task_role_arn},
	)}},
])

key_policy(statements) := {"Version": "2012-10-17", "Statement": statements}

test_key_policy_grants_the_task_role if {
	w := key_case(key_policy([root_statement, key_statement("Allow", task_role_arn, {})]), false)
	deny_for(w) == set()
	undecided_for(w) == set()

	# `*` without a Condition grants every principal
	anyone := key_case(key_policy([key_statement("Allow", "*", {})]), false)
	deny_for(anyone) == set()
	undecided_for(anyone) == set()
}

test_key_policy_of_the_account_root_lets_iam_decide if {
	summary(deny_for(key_case(key_policy([root_statement]), false))) == {["TaskRole", "kms", 50, concat("", [
		"service Service: task definition Td: task role TaskRole is not authorized to perform: kms:Decrypt on ",
		"resource: arn:aws:kms:us-east-1:123456789012:key/1234 because no identity-based policy allows the ",
		"kms:Decrypt action (needed for the cluster's ECS Exec KMS key arn:aws:kms:us-east-1:123456789012:key/1234)",
	])]}
	deny_for(key_case(key_policy([root_statement]), true)) == set()

	# the default key policy (null) is the root statement
	deny_for(key_case(null, true)) == set()
	count(deny_for(key_case(null, false))) == 1
}

test_key_policy_without_the_role_or_the_root if {
	admins := key_statement("Allow", "arn:aws:iam::123456789012:role/KeyAdmin", {"Action": "kms:*"})
	findings := deny_for(key_case(key_policy([admins]), true))
	summary(findings) == {["TaskRole", "kms", 50, concat("", [
		"service Service: task definition Td: task role TaskRole is not authorized to perform: kms:Decrypt on ",
		"resource: arn:aws:kms:us-east-1:123456789012:key/1234 because no resource-based policy allows the ",
		"kms:Decrypt action (needed for the cluster's ECS Exec KMS key arn:aws:kms:us-east-1:123456789012:key/1234)",
	])]}
	{f.fix | some f in findings} == {concat("", [
		"Allow kms:Decrypt to task role TaskRole in the key policy of KMS key ExecKey: name the role's ARN as Principal, ",
		"or the account's root (arn:aws:iam::ACCOUNT:root, as the default key policy does) so that the role's IAM ",
		"policies decide, and allow it there too.",
	])}
}

test_key_policy_conditional_grant_is_undecided if {
	conditional := key_statement("Allow", task_role_arn, {"Condition": {"StringEquals": {"kms:ViaService": "ssm.us-east-1.amazonaws.com"}}})
	w := key_case(key_policy([conditional]), false)
	deny_for(w) == set()
	{[u.unknown.ref, u.service, u.rules] | some u in undecided_for(w)} == {["Condition of statement 1 of key policy of KMS key ExecKey", "Service", ["FG605"]]}
}

test_key_policy_explicit_deny if {
	deny := key_statement("Deny", "*", {})
	findings := deny_for(key_case(key_policy([root_statement, key_statement("Allow", task_role_arn, {}), deny]), true))
	[f.message | some f in findings] == [concat("", [
		"service Service: task definition Td: task role TaskRole is not authorized to perform: kms:Decrypt on ",
		"resource: arn:aws:kms:us-east-1:123456789012:key/1234 with an explicit deny in a resource-based policy ",
		"(needed for the cluster's ECS Exec KMS key arn:aws:kms:us-east-1:123456789012:key/1234)",
	])]
	[f.fix | some f in findings] == ["Narrow the Deny statements of key policy of KMS key ExecKey so that they do not cover kms:Decrypt (an explicit deny overrides any Allow)."]
}
