package fargate_preflight.lib.iam_verdict_test

import rego.v1

# More verdicts of lib/iam.rego (iam_test.rego is full).

src := data.fargate_preflight.lib.iam_test.src

policy(statements) := data.fargate_preflight.lib.iam_test.policy(statements)

allow(action, resource) := data.fargate_preflight.lib.iam_test.allow(action, resource)

req(action, resource) := data.fargate_preflight.lib.iam_test.req(action, resource)

# --- a Deny whose Condition the inputs cannot settle -------------------------------------------

# It changes nothing when no Allow applies anyway: the request is denied either way (IAM User
# Guide, "The difference between explicit and implicit denies"); an Allow that applies or may
# apply is undecided. Before, any such Deny made every verdict undecided: an FG801 note where
# the role, boundary or endpoint policy allows nothing.

# the usual region guardrail
guardrail := {
	"Effect": "Deny", "NotAction": ["iam:*", "sts:*"], "Resource": "*",
	"Condition": {"StringNotEquals": {"aws:RequestedRegion": "us-east-1"}},
}

guardrail_ref := "Condition of statement 2 of P"

conditional_allow := object.union(allow("logs:*", "*"), {"Condition": {"Bool": {"aws:SecureTransport": "true"}}})

decide(statements, action) := data.fargate_preflight.lib.iam.decide(policy(statements), req(action, "*"), null)

refs(d) := {u.ref | some u in d.unknowns}

test_an_unsettled_deny_changes_nothing_when_nothing_allows if {
	d := decide([allow("ecr:*", "*"), guardrail], "logs:createlogstream")
	[d.decision, d.unknowns] == ["implicit_deny", set()]
}

test_an_unsettled_deny_leaves_an_allow_undecided if {
	d := decide([allow("ecr:*", "*"), guardrail], "ecr:getauthorizationtoken")
	[d.decision, d.policy, refs(d)] == ["undecided", null, {guardrail_ref}]
}

# An Allow that may apply and a Deny that may apply: both settle it.
test_an_unsettled_deny_and_allow_wait_for_both if {
	d := decide([conditional_allow, guardrail], "logs:createlogstream")
	[d.decision, refs(d)] == ["undecided", {"Condition of statement 1 of P", guardrail_ref}]
}

test_a_deny_that_applies_still_wins if {
	d := decide([allow("*", "*"), guardrail, data.fargate_preflight.lib.iam_test.deny("logs:*", "*")], "logs:createlogstream")
	[d.decision, d.policy] == ["explicit_deny", "P"]
}

# A policy not in the inputs may allow what the others do not.
test_a_policy_not_in_the_inputs_still_leaves_no_allow_open if {
	unknown := {"unknown": "managed policy X is not in the inputs", "ref": "managed policy X", "source": src}
	d := data.fargate_preflight.lib.iam.decide(array.concat(policy([allow("ecr:*", "*"), guardrail]), [unknown]), req("logs:createlogstream", "*"), null)
	[d.decision, refs(d)] == ["undecided", {"managed policy X", guardrail_ref}]
}

# The same for a permissions boundary (AWS: "no permissions boundary allows") and an endpoint
# policy ("no statement of the VPC endpoint policy allows").
role(boundary) := {
	"id": "ExecRole", "name": "ExecRole", "source": src,
	"inline_policies": [{"name": "p", "document": {"Statement": [allow("*", "*")]}, "source": src}],
	"managed_policy_arns": [], "permissions_boundary": boundary, "trust_policy": {"Statement": []},
}

boundary_policy := {"Mp": {"name": "Boundary", "document": {"Statement": [allow("ecr:*", "*"), guardrail]}, "source": src}}

# (The role is bound first: regorus leaves a call's result under `with` undefined when an
# argument is itself a call.)
identity(action) := d if {
	r := role("Mp")
	d := data.fargate_preflight.lib.iam.identity_decision(r, req(action, "*"))
		with data.fargate_preflight.aws.managed_policies as {}
		with input.managed_policies as boundary_policy
}

test_a_boundary_that_allows_nothing_denies_under_an_unsettled_deny if {
	d := identity("logs:createlogstream")
	[d.decision, d.part] == ["implicit_deny", "boundary"]
	data.fargate_preflight.lib.iam.denied_text(d, "the logs:CreateLogStream action") == "because no permissions boundary allows the logs:CreateLogStream action"
	e := identity("ecr:batchgetimage")
	[e.decision, {u.ref | some u in e.unknowns}] == ["undecided", {"Condition of statement 2 of managed policy Boundary"}]
}

endpoint(statements, action) := data.fargate_preflight.lib.iam.decide(
	policy([object.union(st, {"Principal": "*"}) | some st in statements]),
	req(action, "arn:aws:ecr:us-east-1:123456789012:repository/app"),
	{"arn": "arn:aws:iam::123456789012:role/ExecRole", "account": null},
)

test_an_endpoint_policy_that_allows_nothing_denies_under_an_unsettled_deny if {
	statements := [allow("ecr:GetAuthorizationToken", "*"), guardrail]
	endpoint(statements, "ecr:batchgetimage").decision == "implicit_deny"
	endpoint(statements, "ecr:getauthorizationtoken").decision == "undecided"
}

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

# --- wildcards and dots ---------------------------------------------------------------------

decision(statements, request) := data.fargate_preflight.lib.iam_test.decision(statements, request)

# IAM's `*` and `?` match any character, a `.` too. Before, glob.match's default delimiter `.`
# stopped them there: a policy on `log-group:/ecs/*:*` did not cover `/ecs/app.v2`.
test_wildcards_match_a_dot if {
	decision([allow("logs:*", "arn:aws:logs:*:*:log-group:/ecs/*:*")], req("logs:createlogstream", "arn:aws:logs:us-east-1:*:log-group:/ecs/app.v2:*")) == "allow"
	decision([allow("s3:GetObject", "arn:aws:s3:::config-*/*")], req("s3:getobject", "arn:aws:s3:::config-1/prod.env")) == "allow"
	decision([allow("s3:GetObject", "arn:aws:s3:::config-?/app?env")], req("s3:getobject", "arn:aws:s3:::config-1/app.env")) == "allow"
	decision([allow("s3:GetObject", "arn:aws:s3:::config-*/*.json")], req("s3:getobject", "arn:aws:s3:::config-1/prod.env")) == "implicit_deny"
}
