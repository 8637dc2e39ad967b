package fargate_preflight.lib.iam_trust_test

import rego.v1

# Trust conditions on aws:SourceArn against the task's region and account (iam_test.rego is
# full). ECS sets aws:SourceArn to an ARN in the region and account the task runs in: a value
# whose region field (or, for a live role, account field) excludes them never matches. Before,
# every aws:SourceArn value counted as the task's own in an Allow, and the scan was silent on a
# trust policy copied from another region (field test 14: no FG107).

src := data.fargate_preflight.lib.iam_test.src

ecs_allow := data.fargate_preflight.lib.iam_test.ecs_allow

trust(statements) := trust_as(null, statements)

trust_as(role_arn, statements) := data.fargate_preflight.lib.iam.trust_decision({"name": "R", "source": src, "arn": role_arn, "trust_policy": {"Statement": statements}}).decision

ecs_if(effect, condition) := {"Effect": effect, "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole", "Condition": condition}

allow_if(op, value) := ecs_if("Allow", {op: {"aws:SourceArn": value}})

deny_if(op, value) := ecs_if("Deny", {op: {"aws:SourceArn": value}})

eu_west := "arn:aws:ecs:eu-west-1:123456789012:*"

us_east := "arn:aws:ecs:us-east-1:123456789012:*"

# `!Sub arn:aws:ecs:eu-west-1:${AWS::AccountId}:*` (field test 14, k14), and with
# `${AWS::Region}` for the region.
sub_eu_west := {"unknown": "the AWS account id is not known offline", "ref": "AWS::AccountId", "partial": "arn:aws:ecs:eu-west-1:*:*", "source": src}

sub_deploy_region := {"unknown": "the region is not known offline", "ref": "AWS::Region", "partial": "arn:aws:ecs:*:*:*", "deploy_region": true, "source": src}

# [statements, decision in a us-east-1 deployment]
region_cases := [
	# an Allow only for another region: no statement allows the task (FG107), whatever the operator
	[[allow_if("ArnLike", eu_west)], "implicit_deny"],
	[[allow_if("ArnEquals", eu_west)], "implicit_deny"],
	[[allow_if("StringLike", eu_west)], "implicit_deny"],
	[[allow_if("StringEquals", eu_west)], "implicit_deny"],
	[[allow_if("ArnLikeIfExists", eu_west)], "implicit_deny"],
	[[allow_if("StringEqualsIgnoreCase", "ARN:AWS:ECS:EU-WEST-1:123456789012:*")], "implicit_deny"],
	[[allow_if("ArnLike", sub_eu_west)], "implicit_deny"],
	[[allow_if("ArnLike", "arn:aws:ecs:eu-*:*:*")], "implicit_deny"],
	[[allow_if("StringLike", "arn:aws:ecs:eu-*:*:*")], "implicit_deny"],
	[[allow_if("ArnLike", [eu_west, "arn:aws:ecs:ap-south-1:123456789012:*"])], "implicit_deny"],
	[[allow_if("ArnLike", "arn:aws:ecs::123456789012:*")], "implicit_deny"],
	# one that may be the task's region: as before, taken as the task's own where that lets it run
	[[allow_if("ArnLike", us_east)], "allow"],
	[[allow_if("ArnLike", [eu_west, us_east])], "allow"],
	[[allow_if("ArnLike", "arn:aws:ecs:*:123456789012:*")], "allow"],
	[[allow_if("ArnLike", "arn:aws:ecs:us-*:123456789012:*")], "allow"],
	[[allow_if("ArnLike", sub_deploy_region)], "allow"],
	[[allow_if("StringLike", "arn:*:ecs:eu-west-1:*:*")], "allow"],
	[[allow_if("StringLike", "arn:aws:ecs:eu-*")], "allow"],
	[[allow_if("StringEquals", "arn:aws:ecs:us-east-1:123456789012:cluster/web")], "allow"],
	# a negated operator on another region is met: a Deny applies, an Allow allows
	[[ecs_allow, deny_if("ArnNotLike", eu_west)], "explicit_deny"],
	[[ecs_allow, deny_if("StringNotEquals", sub_eu_west)], "explicit_deny"],
	[[allow_if("ArnNotLike", eu_west)], "allow"],
	# a Deny on another region does not apply
	[[ecs_allow, deny_if("ArnLike", eu_west)], "allow"],
	# a Deny on a value that may be the task's region is undecided, as before
	[[ecs_allow, deny_if("ArnLike", us_east)], "undecided"],
	# not a value to compare (Null), or an operator not modelled: as before
	[[ecs_if("Allow", {"Null": {"aws:SourceArn": "false"}})], "allow"],
	[[allow_if("ForAnyValue:ArnLike", eu_west)], "undecided"],
]

test_trust_source_arn_in_another_region if {
	got := {i: d | some i, c in region_cases; d := trust(c[0]) with input.region as "us-east-1"}
	got == {i: c[1] | some i, c in region_cases}
}

# A region the inputs do not settle: every value may be the task's, as before.
test_trust_source_arn_when_the_region_is_not_settled if {
	region := {"unknown": "no region", "ref": "AWS::Region", "source": src}
	unsettled := trust([allow_if("ArnLike", eu_west)]) with input.region as region
	unsettled == "allow"
	trust([allow_if("ArnLike", eu_west)]) == "allow"
	deny := trust([ecs_allow, deny_if("ArnNotLike", eu_west)]) with input.region as region
	deny == "allow"
}

# A live role's ARN settles the account: a value for another account never matches.
test_trust_source_arn_of_another_account if {
	role := "arn:aws:iam::123456789012:role/R"
	cases := [
		[role, "arn:aws:ecs:us-east-1:111122223333:*", "implicit_deny"],
		[role, "arn:aws:ecs:*:111122223333:*", "implicit_deny"],
		[role, "arn:aws:ecs:*:1234*:*", "allow"],
		[role, us_east, "allow"],
		[null, "arn:aws:ecs:*:111122223333:*", "allow"],
	]
	got := {i: d | some i, c in cases; d := trust_as(c[0], [allow_if("ArnLike", c[1])]) with input.region as "us-east-1"}
	got == {i: c[2] | some i, c in cases}

	# aws:SourceAccount, the same (iam_test.rego: test_trust_conditions_with_the_roles_account_known)
	trust_as(role, [ecs_if("Allow", {"StringEquals": {"aws:SourceAccount": "111122223333"}})]) == "implicit_deny"
}
