package fargate_preflight.lib.partial_arn_test

import rego.v1

# Resources settled in part (lib/partial_arn.rego), through lib/iam.rego's decide: the table
# and its helpers are lib/iam_test.rego's.

account_unknown(partial) := data.fargate_preflight.lib.iam_test.account_unknown(partial)

allow(action, resource) := data.fargate_preflight.lib.iam_test.allow(action, resource)

req(action, resource) := data.fargate_preflight.lib.iam_test.req(action, resource)

# the objects under `exec` of bucket `audit-${AWS::AccountId}` (lib/calls.rego, object_arn)
audit_objects := object.union(account_unknown("arn:aws:s3:::audit-*/exec*"), {"ref": "Ref Audit"})

# a secret of the template (`!Ref X`): its ARN, the account and six characters unsettled
cfn_secret(logical, name) := {
	"unknown": sprintf("Ref %s (AWS::SecretsManager::Secret) is only known after deployment", [logical]),
	"ref": sprintf("Ref %s", [logical]),
	"source": data.fargate_preflight.lib.iam_test.src,
	"partial": sprintf("arn:aws:secretsmanager:us-east-1:*:secret:%s", [name]),
}

db_partial := "arn:aws:secretsmanager:us-east-1:*:secret:db-??????"

# A request settled in part (its `partial` an ARN) is covered by a pattern that matches it
# whatever its unsettled parts are, not by one that matches it for none of them, and one that
# matches it for some only leaves the verdict undecided. A pattern that is itself an
# unsettled value covers nothing its known parts cannot match. Before: all undecided (FG801).
# [statements, request, expected decision]
cases := [
	[[allow("s3:PutObject", account_unknown("arn:aws:s3:::audit-*/*"))], req("s3:putobject", audit_objects), "allow"],
	[[allow("s3:PutObject", account_unknown("arn:aws:s3:::other-*/*"))], req("s3:putobject", audit_objects), "implicit_deny"],
	[[allow("s3:PutObject", "arn:aws:s3:::audit-123456789012/*")], req("s3:putobject", audit_objects), "undecided"],
	[[allow("secretsmanager:GetSecretValue", cfn_secret("Other", "other-*"))], req("secretsmanager:getsecretvalue", cfn_secret("Db", "db-*")), "implicit_deny"],
	[[allow("secretsmanager:GetSecretValue", cfn_secret("Unnamed", "*-*"))], req("secretsmanager:getsecretvalue", cfn_secret("Db", "db-*")), "undecided"],
	[[allow("secretsmanager:GetSecretValue", cfn_secret("Other", "other-*"))], req("secretsmanager:getsecretvalue", db_partial), "implicit_deny"],
	[[allow("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:*:secret:db-*")], req("secretsmanager:getsecretvalue", cfn_secret("Db", "db-*")), "allow"],
	[[allow("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:eu-west-1:*:secret:db-*")], req("secretsmanager:getsecretvalue", cfn_secret("Db", "db-*")), "implicit_deny"],
	# a partial that is not an ARN (a log group's name) is not matched against ARN patterns
	[[allow("logs:PutLogEvents", "arn:aws:logs:*:*:log-group:/other:*")], req("logs:putlogevents", object.union(data.fargate_preflight.lib.iam_test.log_group_ref, {"partial": "/ecs/*"})), "undecided"],
]

test_partly_settled_resources if {
	wrong := [[i, got, c[2]] |
		some i, c in cases
		got := data.fargate_preflight.lib.iam_test.decision(c[0], c[1])
		got != c[2]
	]
	wrong == []
}

test_probe_and_may_match if {
	data.fargate_preflight.lib.partial_arn.probe("arn:aws:s3:::a-*/*", "arn:aws:s3:::a-*/x*") == "arn:aws:s3:::a-Q/xQ"
	data.fargate_preflight.lib.partial_arn.probe("arn:aws:ssm:us-east-1:1:parameter/Q*", "arn:aws:ssm:*:*:parameter/*") == "arn:aws:ssm:us-east-1:1:parameter/Z"
	data.fargate_preflight.lib.partial_arn.may_match("arn:aws:secretsmanager:*:*:secret:db-*", "arn:aws:secretsmanager:us-east-1:*:secret:d*")
	not data.fargate_preflight.lib.partial_arn.may_match("arn:aws:secretsmanager:*:*:secret:other-*", "arn:aws:secretsmanager:us-east-1:*:secret:db-*")
	not data.fargate_preflight.lib.partial_arn.may_match("arn:aws:s3:::b/*.log", "arn:aws:s3:::b/*.txt")
}

# A request resource known in full (a Terraform bucket's planned name, as its unsettled `id`) is
# matched exactly: the object pattern `${aws_s3_bucket.exec.arn}/*` cannot be the bucket (before:
# "may match", an FG801 note where ECS Exec's swapped grants are FG605).
test_may_match_a_text_known_in_full if {
	not data.fargate_preflight.lib.partial_arn.may_match("arn:aws:s3:::exec-logs/*", "arn:aws:s3:::exec-logs")
	data.fargate_preflight.lib.partial_arn.may_match("arn:aws:s3:::exec-*", "arn:aws:s3:::exec-logs")
	data.fargate_preflight.lib.partial_arn.may_match("arn:aws:s3:::exec-log?", "arn:aws:s3:::exec-logs")
	not data.fargate_preflight.lib.partial_arn.may_match("arn:aws:s3:::[exec]-logs", "arn:aws:s3:::e-logs")
}
