package fargate_preflight.rules.fg105_test

import rego.v1

deny_for(changes) := result if {
	w := data.fargate_preflight.lib.calls_test.world(changes)
	m := data.fargate_preflight.lib.calls_test.managed
	result := data.fargate_preflight.rules.fg105.deny with input as w with data.fargate_preflight.aws.managed_policies as m
}

undecided_for(changes) := result if {
	w := data.fargate_preflight.lib.calls_test.world(changes)
	m := data.fargate_preflight.lib.calls_test.managed
	result := data.fargate_preflight.rules.fg105.undecided with input as w with data.fargate_preflight.aws.managed_policies as m
}

# summary: what a user reads of each finding, and where.
summary(findings) := {[f.resource, f.need, f.location.line, f.message] | some f in findings}

refs(undecided) := {[u.unknown.ref, u.service, u.rules] | some u in undecided}

exec_role(inline) := {"roles": {"ExecRole": data.fargate_preflight.lib.calls_test.role("ExecRole", 40, inline, [data.fargate_preflight.lib.calls_test.execution_policy])}}

test_allowed_by_the_inline_policy if {
	deny_for({}) == set()
}

test_managed_policy_alone_does_not_read_secrets if {
	summary(deny_for(exec_role([]))) == {["ExecRole", "secretsmanager", 40, concat("", [
		"service Service: task definition Td: execution role ExecRole is not authorized to perform: ",
		"secretsmanager:GetSecretValue on resource: ", data.fargate_preflight.lib.calls_test.secret_arn, " because no identity-based policy ",
		"allows the secretsmanager:GetSecretValue action (needed for secret DB_PASSWORD (container app))",
	])]}
}

test_parameter_by_name if {
	c := data.fargate_preflight.lib.calls_test.container({"secrets": [{"name": "HOST", "value_from": "/app/host"}]})
	ssm := data.fargate_preflight.lib.calls_test.inline("ssm", [data.fargate_preflight.lib.calls_test.statement("ssm:GetParameters", "arn:aws:ssm:us-east-1:123456789012:parameter/app/*")], 41)
	deny_for(object.union(exec_role([ssm]), {"task_definitions": {"Td": {"containers": [c]}}})) == set()
	[f] := [x | some x in deny_for(object.union(exec_role([]), {"task_definitions": {"Td": {"containers": [c]}}}))]
	f.need == "ssm"
	contains(f.message, "ssm:GetParameters on resource: arn:aws:ssm:us-east-1:*:parameter/app/host because")
}

test_repository_credentials if {
	c := data.fargate_preflight.lib.calls_test.container({"image": "ghcr.io/org/app:1", "secrets": [], "repository_credentials": "arn:aws:secretsmanager:us-east-1:123456789012:secret:ghcr-x1Y2z3"})
	[f] := [x | some x in deny_for({"task_definitions": {"Td": {"containers": [c]}}})]
	contains(f.message, "(needed for repository credentials (container app))")
}

# A secret whose service nothing settles (neither its known parts nor the resource it comes
# from name one) is a note for FG105, never a guessed Secrets Manager denial; one named by a
# Terraform attribute of an aws_ssm_parameter is read with ssm:GetParameters.
test_secret_of_unsettled_service_is_undecided if {
	opaque := {"unknown": "u", "ref": "Parameter Arn", "source": data.fargate_preflight.lib.calls_test.src(3)}
	c := data.fargate_preflight.lib.calls_test.container({"secrets": [{"name": "A", "value_from": opaque}]})
	changes := object.union(exec_role([]), {"task_definitions": {"Td": {"containers": [c]}}})
	deny_for(changes) == set()
	refs(undecided_for(changes)) == {["Parameter Arn", "Service", ["FG105"]]}
}

test_terraform_parameter_attribute_is_read_from_ssm if {
	arn := {"unknown": "u", "ref": "aws_ssm_parameter.token.arn", "source": data.fargate_preflight.lib.calls_test.src(3)}
	c := data.fargate_preflight.lib.calls_test.container({"secrets": [{"name": "T", "value_from": arn}]})
	ssm := data.fargate_preflight.lib.calls_test.inline("ssm", [data.fargate_preflight.lib.calls_test.statement("ssm:GetParameters", [arn])], 41)
	deny_for(object.union(exec_role([ssm]), {"task_definitions": {"Td": {"containers": [c]}}})) == set()
	[f] := [x | some x in deny_for(object.union(exec_role([]), {"task_definitions": {"Td": {"containers": [c]}}}))]
	f.need == "ssm"
	contains(f.message, "not authorized to perform: ssm:GetParameters on resource: <aws_ssm_parameter.token.arn>")
}

# --- the secret's KMS key (lib/calls_keys.rego) ---------------------------------------------------

key_arn := "arn:aws:kms:us-east-1:123456789012:key/1234abcd"

secret_arn := data.fargate_preflight.lib.calls_test.secret_arn

src(line) := data.fargate_preflight.lib.calls_test.src(line)

key_grant(principal, extra) := object.union({"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "kms:*", "Resource": "*"}, extra)

root := key_grant("arn:aws:iam::123456789012:root", {})

admin := key_grant("arn:aws:iam::123456789012:role/admin", {})

via(service) := {"Condition": {"StringEquals": {"kms:ViaService": sprintf("%s.us-east-1.amazonaws.com", [service])}}}

# keyed: the base task's secret DbSecret, encrypted with `key` (its kms_key_id), the key Key of the
# inputs with key policy `policy`, and an execution role whose policies add `statements`.
keyed(key, policy, statements) := object.union_n([
	{"secrets": {"Db": {"id": "Db", "name": "DbSecret", "source": src(60), "arn": secret_arn, "kms_key_id": key}}},
	{"kms_keys": {"Key": {"id": "Key", "name": "SecretsKey", "source": src(70), "arn": key_arn, "policy": policy}}},
	exec_role([
		data.fargate_preflight.lib.calls_test.inline("secrets", [data.fargate_preflight.lib.calls_test.statement("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:*:*:secret:db-*")], 45),
		data.fargate_preflight.lib.calls_test.inline("kms", statements, 46),
	]),
	{"roles": {"ExecRole": {"arn": exec_arn}}},
])

exec_arn := "arn:aws:iam::123456789012:role/exec"

by_arn(op, value) := {"Condition": {op: {"kms:EncryptionContext:SecretARN": value}}}

decrypt(resource, extra) := object.union(data.fargate_preflight.lib.calls_test.statement("kms:Decrypt", resource), extra)

# findings: [rule line, message part after "not authorized to perform: ", fix] of each finding.
findings(changes) := {[f.location.line, f.need, trim_prefix(f.message, prefix), f.fix] | some f in deny_for(changes)}

prefix := "service Service: task definition Td: execution role ExecRole is not authorized to perform: "

needed := "(needed for secret DB_PASSWORD (container app), whose Secrets Manager secret DbSecret is encrypted with KMS key SecretsKey)"

denied(because) := sprintf("kms:Decrypt on resource: %s %s %s", [key_arn, because, needed])

key_policy_fix := concat(" ", [
	"Allow kms:Decrypt to execution role ExecRole in the key policy of KMS key SecretsKey: name the role's ARN as",
	"Principal, or the account's root (arn:aws:iam::ACCOUNT:root, as the default key policy does) so that the",
	"role's IAM policies decide, and allow it there too. Secrets Manager asks KMS for the role through",
	"secretsmanager.us-east-1.amazonaws.com (kms:ViaService): a Condition there must allow it.",
])

iam_fix := sprintf("Allow kms:Decrypt on %s for execution role ExecRole.", [key_arn])

test_no_key_or_the_aws_managed_key_needs_no_decrypt if {
	every key in [null, "alias/aws/secretsmanager", "arn:aws:kms:us-east-1:123456789012:alias/aws/secretsmanager"] {
		findings(keyed(key, {"Statement": [admin]}, [])) == set()
	}
}

# A secret the inputs do not define: no check (the base task, without `secrets`).
test_a_secret_outside_the_inputs_is_not_checked if {
	deny_for(object.remove(keyed(key_arn, {"Statement": [admin]}, []), {"secrets"})) == set()
	undecided_for(object.remove(keyed(key_arn, {"Statement": [admin]}, []), {"secrets"})) == set()
}

# The account's root lets the role's IAM policies decide (IAM allows, the key policy grants
# only root: ok); a key policy that grants only another principal refuses the role whatever
# IAM allows.
test_key_policy_and_iam_together if {
	findings(keyed(key_arn, {"Statement": [root]}, [decrypt(key_arn, {})])) == set()
	findings(keyed(key_arn, {"Statement": [root]}, [])) == {[40, "secretsmanager", denied("because no identity-based policy allows the kms:Decrypt action"), iam_fix]}
	findings(keyed(key_arn, {"Statement": [admin]}, [decrypt(key_arn, {})])) == {[40, "secretsmanager", denied("because no resource-based policy allows the kms:Decrypt action"), key_policy_fix]}

	# a key policy that names the role grants it alone
	findings(keyed(key_arn, {"Statement": [key_grant(exec_arn, {})]}, [])) == set()
}

# A key the inputs create, named by its token (`!Ref Key`: its id; `!GetAtt Key.Arn`).
test_a_key_of_the_inputs_by_its_token if {
	by_token := {"Key": {"arn": {"unknown": "u", "ref": "Fn::GetAtt Key.Arn", "source": src(70), "partial": "arn:aws:kms:us-east-1:*:key/*", "identity": "arn:aws:kms:us-east-1:*:key/<#Key>"}}}
	ref_key := {"unknown": "u", "ref": "Ref Key", "source": src(61), "partial": "*", "identity": "<#Key>"}
	w := object.union(keyed(ref_key, {"Statement": [admin]}, [decrypt("*", {})]), {"kms_keys": by_token})
	[[line, need, message, fix]] := [f | some f in findings(w)]
	[line, need, fix] == [40, "secretsmanager", key_policy_fix]
	message == sprintf("kms:Decrypt on resource: arn:aws:kms:us-east-1:*:key/* because no resource-based policy allows the kms:Decrypt action %s", [needed])
	findings(object.union(keyed(ref_key, {"Statement": [root]}, [decrypt("*", {})]), {"kms_keys": by_token})) == set()
}

# Secrets Manager calls KMS for the role: kms:ViaService is secretsmanager.REGION.amazonaws.com
# and the encryption context's SecretARN the secret's ARN, in the key policy and in IAM.
test_conditions_of_the_request_secrets_manager_makes if {
	findings(keyed(key_arn, {"Statement": [key_grant("arn:aws:iam::123456789012:root", via("secretsmanager"))]}, [decrypt(key_arn, {})])) == set()
	findings(keyed(key_arn, {"Statement": [key_grant("arn:aws:iam::123456789012:root", via("ssm"))]}, [decrypt(key_arn, {})])) == {[40, "secretsmanager", denied("because no resource-based policy allows the kms:Decrypt action"), key_policy_fix]}
	findings(keyed(key_arn, {"Statement": [root]}, [decrypt(key_arn, via("secretsmanager"))])) == set()
	findings(keyed(key_arn, {"Statement": [root]}, [decrypt(key_arn, via("ssm"))])) == {[40, "secretsmanager", denied("because no identity-based policy allows the kms:Decrypt action"), iam_fix]}

	findings(keyed(key_arn, {"Statement": [root]}, [decrypt(key_arn, by_arn("StringEquals", secret_arn))])) == set()
	findings(keyed(key_arn, {"Statement": [root]}, [decrypt(key_arn, by_arn("StringLike", "arn:aws:secretsmanager:*:*:secret:db-*"))])) == set()
	findings(keyed(key_arn, {"Statement": [root]}, [decrypt(key_arn, by_arn("ArnLike", "arn:aws:secretsmanager:*:*:secret:other-*"))])) != set()

	# a Deny unless through Secrets Manager does not apply to it
	unless := {"Effect": "Deny", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*", "Condition": {"StringNotEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}}
	findings(keyed(key_arn, {"Statement": [root, unless]}, [decrypt(key_arn, {})])) == set()
}

undecided_refs(changes) := {[u.unknown.ref, u.unknown.unknown] | some u in undecided_for(changes)}

# What the inputs do not settle is a note, never a guessed error: a Condition on another key
# (SecretVersionId), the region kms:ViaService names without --region.
test_unsettled_conditions_are_notes if {
	version := {"Condition": {"StringEquals": {"kms:EncryptionContext:SecretVersionId": "v1"}}}
	w := keyed(key_arn, {"Statement": [root]}, [decrypt(key_arn, version)])
	findings(w) == set()
	undecided_refs(w) == {["Condition of statement 1 of inline policy kms of role ExecRole", "a Condition on kms:EncryptionContext:SecretVersionId depends on the request's context, which the inputs do not give"]}

	region := {"unknown": "the deploy region is not settled: pass --region or set AWS_REGION", "ref": "AWS::Region", "source": src(1)}
	by_name := {"task_definitions": {"Td": {"containers": [data.fargate_preflight.lib.calls_test.container({"secrets": [], "repository_credentials": "db"})]}}}
	unregioned := object.union_n([keyed(key_arn, {"Statement": [root]}, [decrypt(key_arn, via("secretsmanager"))]), {"region": region}, by_name])
	findings(unregioned) == set()
	undecided_refs(unregioned) == {["AWS::Region", "the deploy region is not settled: pass --region or set AWS_REGION"]}

	# the same unsettled region, named by the condition as the request names it, is settled
	sub := {"unknown": "u", "ref": "AWS::Region", "source": src(80), "partial": "secretsmanager.*.amazonaws.com"}
	same := object.union_n([keyed(key_arn, {"Statement": [root]}, [decrypt(key_arn, {"Condition": {"StringEquals": {"kms:ViaService": sub}}})]), {"region": region}, by_name])
	findings(same) == set()
	undecided_for(same) == set()
}

# An explicit Deny in the key policy: its fix narrows it.
test_explicit_deny_in_the_key_policy if {
	deny := {"Effect": "Deny", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}
	findings(keyed(key_arn, {"Statement": [root, deny]}, [decrypt(key_arn, {})])) == {[
		40, "secretsmanager", denied("with an explicit deny in a resource-based policy"),
		"Narrow the Deny statements of key policy of KMS key SecretsKey so that they do not cover kms:Decrypt (an explicit deny overrides any Allow).",
	]}
}

# A key the inputs do not define: IAM decides alone (FG605's keys alike). An alias names one of
# the account's keys: a policy on * allows it, one on one key's ARN may or may not (a note).
test_keys_outside_the_inputs if {
	other := "arn:aws:kms:us-east-1:123456789012:key/other"
	findings(keyed(other, {"Statement": [admin]}, [decrypt(other, {})])) == set()
	findings(keyed(other, {"Statement": [admin]}, [])) == {[
		40, "secretsmanager", concat("", [
			"kms:Decrypt on resource: ", other, " because no identity-based policy allows the kms:Decrypt action ",
			"(needed for secret DB_PASSWORD (container app), whose Secrets Manager secret DbSecret is encrypted with KMS key ", other, ")",
		]),
		sprintf("Allow kms:Decrypt on %s for execution role ExecRole.", [other]),
	]}

	findings(keyed("alias/secrets", {"Statement": [admin]}, [decrypt("*", {})])) == set()
	w := keyed("alias/secrets", {"Statement": [admin]}, [decrypt(other, {})])
	findings(w) == set()
	[u] := [x | some x in undecided_for(w)]
	u.unknown.ref == "KMS alias alias/secrets"
	u.unknown.fix == concat(" ", [
		"Name the key itself (its ARN or key id) as the KMS key of Secrets Manager secret DbSecret, or scan the",
		"account with scan-aws (which reads the key the alias names), so FG105 can be decided.",
	])
	count(findings(keyed("alias/secrets", {"Statement": [admin]}, []))) == 1
}

# A key the inputs do not settle (a parameter) may be the AWS managed key: a role that may not
# use it is a note, not an error.
test_unsettled_key_is_a_note if {
	param := {"unknown": "parameter KeyArn has no default", "ref": "Parameter KeyArn", "source": src(2)}
	findings(keyed(param, {"Statement": [admin]}, [])) == set()
	undecided_refs(keyed(param, {"Statement": [admin]}, [])) == {["Parameter KeyArn", "parameter KeyArn has no default"]}
	findings(keyed(param, {"Statement": [admin]}, [decrypt("*", {})])) == set()
	undecided_for(keyed(param, {"Statement": [admin]}, [decrypt("*", {})])) == set()
}

# The secret of the inputs is found by the ARN or name the task reads it by: a partial ARN, a
# JSON key, an SSM parameter by name; a reference to a resource of the inputs by its ref.
test_which_secret if {
	some value_from in [
		"arn:aws:secretsmanager:us-east-1:123456789012:secret:db",
		concat("", [secret_arn, ":password::"]),
	]
	c := data.fargate_preflight.lib.calls_test.container({"secrets": [{"name": "DB_PASSWORD", "value_from": value_from}]})
	count(findings(object.union(keyed(key_arn, {"Statement": [admin]}, []), {"task_definitions": {"Td": {"containers": [c]}}}))) == 1
}

test_which_secret_by_reference if {
	ref := {"unknown": "u", "ref": "Ref DbSecret", "source": src(31), "partial": "arn:aws:secretsmanager:us-east-1:*:secret:db-*"}
	c := data.fargate_preflight.lib.calls_test.container({"secrets": [{"name": "DB_PASSWORD", "value_from": ref}]})
	w := object.union(keyed(key_arn, {"Statement": [root]}, [decrypt(key_arn, by_arn("StringEquals", ref))]), {
		"task_definitions": {"Td": {"containers": [c]}},
		"secrets": {"Db": {"arn": object.union(ref, {"source": src(60)})}},
	})
	findings(w) == set()
	undecided_for(w) == set()

	# without the condition's grant: the denial names the secret's key
	[[_, _, message, _]] := [f | some f in findings(object.union(w, {"kms_keys": {"Key": {"policy": {"Statement": [admin]}}}}))]
	endswith(message, needed)
}

test_ssm_parameter_by_name if {
	param_arn := "arn:aws:ssm:us-east-1:123456789012:parameter/app/token"
	c := data.fargate_preflight.lib.calls_test.container({"secrets": [{"name": "TOKEN", "value_from": "/app/token"}]})
	encryption := {"Condition": {"StringEquals": {"kms:ViaService": "ssm.us-east-1.amazonaws.com", "kms:EncryptionContext:PARAMETER_ARN": param_arn}}}
	w := object.union_n([
		keyed(key_arn, {"Statement": [root]}, [decrypt(key_arn, encryption), data.fargate_preflight.lib.calls_test.statement("ssm:GetParameters", "*")]),
		{"task_definitions": {"Td": {"containers": [c]}}},
		{"secrets": {"Db": {"name": "TokenParam", "arn": param_arn}}},
	])
	findings(w) == set()
	[[_, need, message, _]] := [f | some f in findings(object.union(w, {"kms_keys": {"Key": {"policy": {"Statement": [admin]}}}}))]
	need == "ssm"
	endswith(message, "(needed for secret TOKEN (container app), whose SSM parameter TokenParam is encrypted with KMS key SecretsKey)")

	# Secrets Manager's service is not SSM's
	wrong := object.union(w, {"roles": {"ExecRole": {"inline_policies": [data.fargate_preflight.lib.calls_test.inline("kms", [decrypt(key_arn, via("secretsmanager")), data.fargate_preflight.lib.calls_test.statement("ssm:GetParameters", "*")], 46)]}}})
	count(findings(wrong)) == 1
}

# A live scan knows the role's account: kms:CallerAccount.
test_caller_account_in_a_live_scan if {
	account := {"Condition": {"StringEquals": {"kms:CallerAccount": "123456789012"}}}
	findings(object.union(keyed(key_arn, {"Statement": [root]}, [decrypt(key_arn, account)]), {"account": "123456789012"})) == set()
	count(findings(object.union(keyed(key_arn, {"Statement": [root]}, [decrypt(key_arn, account)]), {"account": "999999999999"}))) == 1
	findings(keyed(key_arn, {"Statement": [root]}, [decrypt(key_arn, account)])) == set()
	count(undecided_for(keyed(key_arn, {"Statement": [root]}, [decrypt(key_arn, account)]))) == 1
}
