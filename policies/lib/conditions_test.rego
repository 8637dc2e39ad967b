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

part(condition, caller) := data.fargate_preflight.lib.conditions.part(statement(condition), policy, caller)

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
	data.fargate_preflight.lib.conditions.part(s, policy, created) == ["maybe", whole]
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
