package fargate_preflight.lib.iam_verdict_test

import rego.v1

# Verdicts of lib/iam.rego that depend on what the inputs do not settle (iam_test.rego is full).

src := data.fargate_preflight.lib.iam_test.src

policy(statements) := data.fargate_preflight.lib.iam_test.policy(statements)

allow(action, resource) := data.fargate_preflight.lib.iam_test.allow(action, resource)

req(action, resource) := data.fargate_preflight.lib.iam_test.req(action, resource)

# --- an S3 bucket known in part (lib/calls.rego, bucket_of) ---------------------------------

bucket(partial) := {"unknown": "parameter ConfigBucketName has no default", "ref": "Parameter ConfigBucketName", "source": src, "partial": partial, "bucket": true}

locate(resource, bucket_partial) := data.fargate_preflight.lib.iam.decide(
	policy([allow("s3:GetBucketLocation", resource)]),
	req("s3:getbucketlocation", bucket(bucket_partial)),
	null,
).decision

# A bucket's ARN holds no `/`, whatever its name: a pattern with one (an object's) names no
# bucket; a bucket pattern may name it (undecided) or names any (allow).
test_a_bucket_known_in_part if {
	locate("arn:aws:s3:::orders-config", "arn:aws:s3:::*") == "undecided"
	locate("arn:aws:s3:::orders-config-123456789012", "arn:aws:s3:::orders-config-*") == "undecided"
	locate("arn:aws:s3:::*", "arn:aws:s3:::*") == "allow"
	locate("arn:aws:s3:::orders-config-*", "arn:aws:s3:::orders-config-*") == "allow"
	locate("arn:aws:s3:::other", "arn:aws:s3:::orders-config-*") == "implicit_deny"
	locate("arn:aws:s3:::orders-config-*/prod.env", "arn:aws:s3:::orders-config-*") == "implicit_deny"
	locate("arn:aws:s3:::*/*", "arn:aws:s3:::*") == "implicit_deny"

	# an object known in part may be any object under a pattern with `/`
	object_request := object.remove(bucket("arn:aws:s3:::*"), ["bucket"])
	d := data.fargate_preflight.lib.iam.decide(policy([allow("s3:GetObject", "arn:aws:s3:::orders-config/*")]), req("s3:getobject", object_request), null)
	d.decision == "undecided"
}
