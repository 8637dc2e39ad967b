package fargate_preflight.lib.conditions_test

import rego.v1

src := {"file": "app.yaml", "line": 7, "pointer": ""}

policy := {"name": "the policy of VPC endpoint Ep", "source": src}

account_id := {"unknown": "the AWS account id is not known offline", "ref": "AWS::AccountId", "source": src}

role_arn := {"unknown": "known after deployment", "ref": "Fn::GetAtt ExecRole.Arn", "source": src}

# callers as lib/callers.rego makes them
created := {"arn": role_arn, "account": null, "deploy": true}

literal := {"arn": "arn:aws:iam::123456789012:role/Exec", "account": "123456789012", "deploy": false}

aws_owned := data.fargate_preflight.lib.callers.aws_owned(created)

statement(condition) := {"statement": {"Effect": "Allow", "Condition": condition}, "index": 0, "condition": count(condition) > 0}

part(condition, caller) := data.fargate_preflight.lib.conditions.part(statement(condition), policy, {}, caller)

test_no_condition_holds if {
	part({}, created) == ["yes", null]
}

test_own_account_for_each_caller if {
	own := {"StringEquals": {"aws:PrincipalAccount": account_id}}
	part(own, created) == ["yes", null]
	part(own, aws_owned) == ["no", null]
	part(own, literal)[0] == "maybe"

	# IfExists and IgnoreCase forms, negated operators
	part({"StringEqualsIgnoreCaseIfExists": {"aws:principalaccount": [account_id]}}, created) == ["yes", null]
	part({"StringNotEquals": {"aws:PrincipalAccount": account_id}}, created) == ["no", null]
	part({"StringNotEqualsIfExists": {"aws:PrincipalAccount": account_id}}, aws_owned) == ["yes", null]

	# a list holds when one value names the caller's account
	part({"StringEquals": {"aws:PrincipalAccount": ["111122223333", "123456789012"]}}, literal) == ["yes", null]
	part({"StringEquals": {"aws:PrincipalAccount": ["111122223333"]}}, literal) == ["no", null]
}

# An identity policy's conditions (no caller) are never decided; one key that cannot hold
# makes the statement not apply whatever the others wait for.
test_undecided_and_failing_keys if {
	[m, u] := part({"StringEquals": {"aws:PrincipalAccount": account_id}}, null)
	m == "maybe"
	u.unknown == "a Condition on aws:PrincipalAccount depends on the request's context, which the inputs do not give"
	u.ref == "Condition of statement 1 of the policy of VPC endpoint Ep"

	part({"StringEquals": {"aws:PrincipalAccount": account_id}, "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, aws_owned) == ["no", null]
	[_, v] := part({"StringEquals": {"aws:PrincipalAccount": account_id}, "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, created)
	v.unknown == "a Condition on aws:SourceIp depends on the request's context, which the inputs do not give"

	# operators not modelled for the key
	part({"ForAnyValue:StringEquals": {"aws:PrincipalAccount": account_id}}, created)[0] == "maybe"
	part({"ArnEquals": {"aws:PrincipalAccount": account_id}}, created)[0] == "maybe"
}

# A Condition the inputs do not settle as a whole waits for that value.
test_unsettled_condition_as_a_whole if {
	whole := {"unknown": "Fn::If on condition UseVpce", "ref": "Condition UseVpce", "source": src}
	s := {"statement": {"Effect": "Allow", "Condition": whole}, "index": 0, "condition": true}
	data.fargate_preflight.lib.conditions.part(s, policy, {}, created) == ["maybe", whole]
}

# The AWS-owned principal's ARN is in no customer account; `*` matches it.
test_principal_arn_for_the_aws_owned_principal if {
	part({"ArnLike": {"aws:PrincipalArn": "*"}}, aws_owned) == ["yes", null]
	part({"ArnLike": {"aws:PrincipalArn": object.union(account_id, {"partial": "arn:aws:iam::*:role/*"})}}, aws_owned) == ["no", null]
	part({"ArnEquals": {"aws:PrincipalArn": object.union(role_arn, {"identity": "arn:aws:iam::*:role/<#ExecRole>"})}}, aws_owned) == ["no", null]
	part({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}, aws_owned)[0] == "maybe"

	# for a role, aws:PrincipalArn is left to the context
	part({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}, created)[0] == "maybe"
}

test_callers_account if {
	td := {"execution_role": "ExecRole", "execution_role_arn": null}
	role := {"id": "ExecRole", "arn": role_arn}
	data.fargate_preflight.lib.callers.caller(td, "execution_role", role) == created

	written := {"execution_role": "ExecRole", "execution_role_arn": "arn:aws:iam::123456789012:role/Exec"}
	data.fargate_preflight.lib.callers.caller(written, "execution_role", role) == literal

	# a role ARN a parameter holds, of a role not in the inputs: its account is not settled
	param := {"unknown": "parameter ExecArn has no default", "ref": "Parameter ExecArn", "source": src}
	missing := {"unknown": "IAM role is not in the scanned inputs", "ref": "IAM role x", "source": src}
	data.fargate_preflight.lib.callers.caller({"execution_role_arn": param}, "execution_role", missing).deploy == false
}

# --- the request's context (kms:ViaService, kms:EncryptionContext) ----------------------------

p := {"name": "key policy of KMS key K", "source": {"file": "t.yaml", "line": 9, "pointer": ""}}

secret := "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"

context := {
	"kms:viaservice": "secretsmanager.us-east-1.amazonaws.com",
	"kms:encryptioncontext:SecretARN": secret,
}

# context_part: the Condition's verdict for statement `index` of key policy `p` and a request
# with context `ctx` (an identity policy's caller, null, so that only the context decides).
context_part(condition, index, ctx) := data.fargate_preflight.lib.conditions.part(
	{"statement": {"Effect": "Allow", "Condition": condition}, "index": index, "condition": true},
	p, {"context": ctx}, null,
)

# match: the verdict's first part for a statement with Condition `condition`.
match(condition, ctx) := context_part(condition, 0, ctx)[0]

test_operators_on_settled_values if {
	match({"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}, context) == "yes"
	match({"StringEquals": {"kms:viaservice": ["ssm.us-east-1.amazonaws.com", "secretsmanager.us-east-1.amazonaws.com"]}}, context) == "yes"
	match({"StringEquals": {"kms:ViaService": "ssm.us-east-1.amazonaws.com"}}, context) == "no"
	match({"StringEqualsIgnoreCase": {"kms:ViaService": "SecretsManager.us-east-1.amazonaws.com"}}, context) == "yes"
	match({"StringLike": {"kms:ViaService": "secretsmanager.*.amazonaws.com"}}, context) == "yes"
	match({"StringLike": {"kms:ViaService": "ssm.*"}}, context) == "no"
	match({"StringNotEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}, context) == "no"
	match({"StringNotEqualsIfExists": {"kms:ViaService": "ssm.us-east-1.amazonaws.com"}}, context) == "yes"
	match({"StringNotLike": {"kms:ViaService": "secretsmanager.*"}}, context) == "no"
	match({"ArnLike": {"kms:EncryptionContext:SecretARN": "arn:aws:secretsmanager:*:123456789012:secret:db-*"}}, context) == "yes"
	match({"ArnEquals": {"kms:EncryptionContext:SecretARN": "arn:aws:secretsmanager:*:*:secret:other-*"}}, context) == "no"
	match({"ArnNotLike": {"kms:EncryptionContext:SecretARN": "arn:aws:secretsmanager:*:*:secret:other-*"}}, context) == "yes"
	match({"Null": {"kms:ViaService": "false"}}, context) == "yes"
	match({"Null": {"kms:ViaService": "true"}}, context) == "no"

	# every key under every operator must hold
	match({"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}, "StringLike": {"kms:EncryptionContext:SecretARN": "*:other-*"}}, context) == "no"
}

# A key the context does not give, an operator not modelled, the context key in another case
# (KMS keeps its case), a request without a context: the statement may apply.
test_what_the_context_does_not_settle if {
	match({"StringEquals": {"kms:EncryptionContext:SecretVersionId": "v1"}}, context) == "maybe"
	match({"ForAnyValue:StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}, context) == "maybe"
	match({"StringEquals": {"kms:EncryptionContext:secretarn": secret}}, context) == "maybe"
	match({"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}, {}) == "maybe"
	context_part({"StringEquals": {"aws:PrincipalTag/team": "a"}}, 2, context) == ["maybe", {
		"unknown": "a Condition on aws:PrincipalTag/team depends on the request's context, which the inputs do not give",
		"ref": "Condition of statement 3 of key policy of KMS key K",
		"source": p.source,
		"fix": "The scan cannot decide a Condition on aws:PrincipalTag/team from the inputs: if it holds for the calling role, suppress this note with a reason.",
	}]

	# a settled "no" wins over what is not settled
	match({"StringEquals": {"kms:ViaService": "ssm.us-east-1.amazonaws.com", "aws:PrincipalTag/team": "a"}}, context) == "no"
}

# Context values known in part (an open account, a secret's six characters, a resource of the
# inputs) match as request resources do: whatever the unsettled parts are, for none, or maybe.
test_values_known_in_part if {
	open := {"unknown": "u", "ref": "the ARN of Db", "source": p.source, "partial": "arn:aws:secretsmanager:us-east-1:*:secret:db-??????"}
	ctx := {"kms:encryptioncontext:SecretARN": open}
	match({"StringLike": {"kms:EncryptionContext:SecretARN": "arn:aws:secretsmanager:us-east-1:*:secret:db-*"}}, ctx) == "yes"
	match({"StringLike": {"kms:EncryptionContext:SecretARN": "arn:aws:secretsmanager:us-east-1:*:secret:web-*"}}, ctx) == "no"
	match({"StringEquals": {"kms:EncryptionContext:SecretARN": secret}}, ctx) == "maybe"

	ref := {"unknown": "u", "ref": "Ref DbSecret", "source": p.source, "partial": "arn:aws:secretsmanager:us-east-1:*:secret:db-*"}
	by_ref := {"kms:encryptioncontext:SecretARN": ref}
	match({"StringEquals": {"kms:EncryptionContext:SecretARN": object.union(ref, {"source": {"file": "t.yaml", "line": 40, "pointer": ""}})}}, by_ref) == "yes"
	match({"StringEquals": {"kms:EncryptionContext:SecretARN": {"unknown": "u", "ref": "Ref Other", "source": p.source}}}, by_ref) == "maybe"
	match({"StringEquals": {"kms:EncryptionContext:SecretARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:web-AbCdEf"}}, by_ref) == "no"

	# an account (and region) the inputs leave open is the condition's
	parameter := {"kms:encryptioncontext:PARAMETER_ARN": {"unknown": "u", "ref": "the ARN of P", "source": p.source, "partial": "arn:aws:ssm:us-east-1:*:parameter/app/token"}}
	match({"StringEquals": {"kms:EncryptionContext:PARAMETER_ARN": "arn:aws:ssm:us-east-1:123456789012:parameter/app/token"}}, parameter) == "yes"
	match({"StringEquals": {"kms:EncryptionContext:PARAMETER_ARN": "arn:aws:ssm:us-east-1:123456789012:parameter/app/other"}}, parameter) == "no"

	# a condition value whose account only deployment settles, against a settled context
	account := {"unknown": "u", "ref": "AWS::AccountId", "source": p.source, "partial": "arn:aws:secretsmanager:us-east-1:*:secret:db-*"}
	match({"StringLike": {"kms:EncryptionContext:SecretARN": account}}, context) == "yes"
	match({"StringLike": {"kms:EncryptionContext:SecretARN": object.union(account, {"partial": "arn:aws:secretsmanager:us-east-1:*:secret:web-*"})}}, context) == "no"

	# the deploy region unsettled: the request names it as `!Sub secretsmanager.${AWS::Region}...` does
	region := {"unknown": "no --region", "ref": "AWS::Region", "source": p.source, "partial": "secretsmanager.*.amazonaws.com"}
	regional := {"kms:viaservice": region}
	match({"StringEquals": {"kms:ViaService": object.union(region, {"source": {"file": "t.yaml", "line": 3, "pointer": ""}})}}, regional) == "yes"
	context_part({"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}, 0, regional) == ["maybe", region]
	match({"StringEquals": {"kms:ViaService": "ssm.us-east-1.amazonaws.com"}}, regional) == "no"
}

# A key policy's Condition on both: the request's context decides kms:ViaService, the caller
# aws:PrincipalAccount; every key must hold.
test_context_and_caller_together if {
	via := {"kms:viaservice": "secretsmanager.us-east-1.amazonaws.com"}
	both := {"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com", "aws:PrincipalAccount": account_id}}
	s := statement(both)
	data.fargate_preflight.lib.conditions.part(s, policy, {"context": via}, created) == ["yes", null]
	data.fargate_preflight.lib.conditions.part(s, policy, {"context": via}, aws_owned) == ["no", null]
	[m, u] := data.fargate_preflight.lib.conditions.part(s, policy, {"context": via}, literal)
	m == "maybe"
	u.unknown == "a Condition on aws:PrincipalAccount names an account or principal that the inputs do not relate to the caller"

	ssm := {"kms:viaservice": "ssm.us-east-1.amazonaws.com"}
	data.fargate_preflight.lib.conditions.part(s, policy, {"context": ssm}, created) == ["no", null]
	data.fargate_preflight.lib.conditions.part(s, policy, {"context": ssm}, literal) == ["no", null]
}
