package fargate_preflight.lib.conditions_test

import rego.v1

p := {"name": "key policy of KMS key K", "source": {"file": "t.yaml", "line": 9, "pointer": ""}}

secret := "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"

context := {
	"kms:viaservice": "secretsmanager.us-east-1.amazonaws.com",
	"kms:encryptioncontext:SecretARN": secret,
}

# match: the verdict's first part for a statement with Condition `condition`.
match(condition, ctx) := data.fargate_preflight.lib.conditions.verdict({"Condition": condition}, 0, p, ctx)[0]

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
	data.fargate_preflight.lib.conditions.verdict({"Condition": {"StringEquals": {"aws:PrincipalTag/team": "a"}}}, 2, p, context) == ["maybe", {
		"unknown": "a Condition depends on the request's context, which the inputs do not give",
		"ref": "Condition of statement 3 of key policy of KMS key K",
		"source": p.source,
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
	data.fargate_preflight.lib.conditions.verdict({"Condition": {"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}}, 0, p, regional) == ["maybe", region]
	match({"StringEquals": {"kms:ViaService": "ssm.us-east-1.amazonaws.com"}}, regional) == "no"
}
