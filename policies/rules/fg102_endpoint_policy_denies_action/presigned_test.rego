package fargate_preflight.rules.fg102_test

import rego.v1

# Who calls (lib/callers.rego): the AWS-owned principal of the ECR layer download (field test
# 22, D1: cases 40, 77, 78), a role the inputs create with conditions on its own account (D4:
# case 79), and the fixes that name the resource (W4) and what settles a Condition (W1).

s3_path := {object.union(selected("s3", "S3"), {"kind": "gateway"})}

logs_path := {selected("logs", "Logs")}

exec_arn := data.fargate_preflight.lib.calls_test.base.roles.ExecRole.arn

# `!Ref AWS::AccountId` as the CloudFormation reader gives it.
account_id := {"unknown": "the AWS account id is not known offline", "ref": "AWS::AccountId", "source": data.fargate_preflight.lib.calls_test.src(61)}

starport := "arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*"

layer_message := concat("", [
	"service Service cannot call s3 through VPC endpoint S3: ECR's presigned layer download (signed with ",
	"AWS's own credentials, not execution role ExecRole) is not authorized to perform: s3:GetObject on resource: ",
	starport, " %s (needed for private ECR image 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1 (container app))",
])

no_allow := "because no statement of the VPC endpoint policy allows the s3:GetObject action"

s3_world(statements) := {"vpc_endpoints": {"S3": endpoint("S3", "s3", {"Statement": statements})}}

logs_world(statements) := {"vpc_endpoints": {"Logs": endpoint("Logs", "logs", {"Statement": statements})}}

allow(principal, action, resource) := {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": resource}

allow_if(principal, action, resource, condition) := object.union(allow(principal, action, resource), {"Condition": condition})

deny_if(principal, action, resource, condition) := object.union(allow_if(principal, action, resource, condition), {"Effect": "Deny"})

# Case 77: a statement for the execution role (as the template names it) does not let the layer
# download through; one for Principal "*" or {"AWS": "*"} does, and so does one for the account
# only if it is AWS's (never the template's own, `${AWS::AccountId}`).
test_layer_download_is_not_made_by_the_execution_role if {
	for_role := s3_world([allow({"AWS": exec_arn}, "s3:GetObject", starport)])
	summary(deny_with(for_role, s3_path)) == {["S3", "s3", 60, sprintf(layer_message, [no_allow])]}
	undecided_with(for_role, s3_path) == set()

	own_root := object.union(account_id, {"partial": "arn:aws:iam::*:root"})
	summary(deny_with(s3_world([allow({"AWS": own_root}, "s3:GetObject", starport)]), s3_path)) == {["S3", "s3", 60, sprintf(layer_message, [no_allow])]}
	summary(deny_with(s3_world([allow({"AWS": "123456789012"}, "s3:GetObject", starport)]), s3_path)) == {["S3", "s3", 60, sprintf(layer_message, [no_allow])]}

	deny_with(s3_world([allow("*", "s3:GetObject", starport)]), s3_path) == set()
	deny_with(s3_world([allow({"AWS": "*"}, "s3:GetObject", starport)]), s3_path) == set()
	deny_with(s3_world([allow({"AWS": ["*", exec_arn]}, "s3:GetObject", starport)]), s3_path) == set()
}

# A principal the inputs do not settle at all (a parameter) may be "*": FG801, not FG102.
test_layer_download_and_an_unsettled_principal if {
	param := {"unknown": "parameter Reader has no default", "ref": "Parameter Reader", "source": data.fargate_preflight.lib.calls_test.src(3)}
	w := s3_world([allow({"AWS": param}, "s3:GetObject", starport)])
	deny_with(w, s3_path) == set()
	refs(undecided_with(w, s3_path)) == {["Parameter Reader", "Service", ["FG102"]]}
}

# A Deny whose NotPrincipal lists only the customer's roles applies to the layer download.
test_layer_download_and_a_not_principal_deny if {
	w := s3_world([
		allow("*", "s3:GetObject", starport),
		{"Effect": "Deny", "NotPrincipal": {"AWS": [exec_arn, "arn:aws:iam::123456789012:root"]}, "Action": "s3:*", "Resource": "*"},
	])
	summary(deny_with(w, s3_path)) == {["S3", "s3", 60, sprintf(layer_message, ["with an explicit deny in a VPC endpoint policy"])]}
}

# Case 78, the data-perimeter policy: conditions that require the customer's own account or
# roles are not met by the AWS-owned principal, so an Allow under one does not apply and a Deny
# under its negation does.
test_layer_download_and_own_account_conditions if {
	in_account := {"StringEquals": {"aws:PrincipalAccount": account_id}}
	summary(deny_with(s3_world([allow_if("*", "s3:*", "*", in_account)]), s3_path)) == {["S3", "s3", 60, sprintf(layer_message, [no_allow])]}
	undecided_with(s3_world([allow_if("*", "s3:*", "*", in_account)]), s3_path) == set()

	perimeter := s3_world([
		allow("*", "s3:*", "*"),
		deny_if("*", "s3:*", "*", {"StringNotEqualsIfExists": {"aws:PrincipalAccount": [account_id]}}),
	])
	summary(deny_with(perimeter, s3_path)) == {["S3", "s3", 60, sprintf(layer_message, ["with an explicit deny in a VPC endpoint policy"])]}

	own_roles := object.union(account_id, {"partial": "arn:aws:iam::*:role/*"})
	arn_like := {"ArnLike": {"aws:PrincipalArn": own_roles}}
	summary(deny_with(s3_world([allow_if("*", "s3:*", "*", arn_like)]), s3_path)) == {["S3", "s3", 60, sprintf(layer_message, [no_allow])]}
	role_arn := {"ArnEquals": {"aws:PrincipalArn": exec_arn}}
	summary(deny_with(s3_world([allow_if("*", "s3:*", "*", role_arn)]), s3_path)) == {["S3", "s3", 60, sprintf(layer_message, [no_allow])]}

	# the fix that works: the layer bucket carved out for Principal "*" without a condition
	carved := s3_world([allow_if("*", "s3:*", "*", in_account), allow("*", "s3:GetObject", starport)])
	deny_with(carved, s3_path) == set()
	undecided_with(carved, s3_path) == set()
}

# A literal account is the customer's when the execution role's ARN, as written, names it; the
# inputs cannot relate another to the AWS-owned principal, nor an organization: FG801 with
# what settles it, not "Scan the template or file that defines it too".
test_layer_download_and_conditions_the_inputs_cannot_relate if {
	literal := s3_world([allow_if("*", "s3:*", "*", {"StringEquals": {"aws:PrincipalAccount": "123456789012"}})])
	deny_with(literal, s3_path) == set()
	[u] := [x | some x in undecided_with(literal, s3_path)]
	u.unknown.ref == "Condition of statement 1 of the policy of VPC endpoint S3"
	u.unknown.unknown == "a Condition on aws:PrincipalAccount names an account or principal that the inputs do not relate to the caller"
	u.unknown.fix == concat("", [
		"ECR presigns the image layer URLs with AWS's own credentials, so the layer download is not made by ",
		"your roles or account: give s3:GetObject on arn:aws:s3:::prod-REGION-starport-layer-bucket/* a ",
		"statement for Principal \"*\" without principal or account conditions (or, if this condition holds ",
		"for AWS's principal, suppress this note with a reason).",
	])

	td := data.fargate_preflight.lib.calls_test.task_definition({"execution_role_arn": "arn:aws:iam::123456789012:role/ExecRole"})
	settled := object.union(literal, {"task_definitions": {"Td": td}})
	summary(deny_with(settled, s3_path)) == {["S3", "s3", 60, sprintf(layer_message, [no_allow])]}

	org := s3_world([allow_if("*", "s3:*", "*", {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}})])
	deny_with(org, s3_path) == set()
	[v] := [x | some x in undecided_with(org, s3_path)]
	v.unknown.unknown == "a Condition on aws:PrincipalOrgID depends on the request's context, which the inputs do not give"
}

# Case 79: a role the inputs create is of the account they deploy to, so a condition on
# `${AWS::AccountId}` is settled for it (before: an FG801 note on every endpoint).
test_own_account_condition_for_a_role_the_inputs_create if {
	in_account := logs_world([allow_if("*", "*", "*", {"StringEquals": {"aws:PrincipalAccount": account_id}})])
	deny_with(in_account, logs_path) == set()
	undecided_with(in_account, logs_path) == set()

	perimeter := logs_world([
		allow("*", "*", "*"),
		deny_if("*", "*", "*", {"StringNotEquals": {"aws:PrincipalAccount": account_id}}),
	])
	deny_with(perimeter, logs_path) == set()
	undecided_with(perimeter, logs_path) == set()

	# a role ARN written with the deploy account is in it too
	sub_arn := object.union(account_id, {"partial": "arn:aws:iam::*:role/app-exec"})
	td := data.fargate_preflight.lib.calls_test.task_definition({"execution_role_arn": sub_arn})
	undecided_with(object.union(in_account, {"task_definitions": {"Td": td}}), logs_path) == set()
}

# A role of an unknown or another account is not settled by `${AWS::AccountId}`; a literal
# account is compared with the one a role ARN names.
test_account_conditions_for_a_role_of_a_known_or_unknown_account if {
	td := data.fargate_preflight.lib.calls_test.task_definition({"execution_role_arn": "arn:aws:iam::123456789012:role/ExecRole"})
	literal_role := {"task_definitions": {"Td": td}}

	own := logs_world([allow_if("*", "*", "*", {"StringEquals": {"aws:PrincipalAccount": account_id}})])
	deny_with(object.union(own, literal_role), logs_path) == set()
	[u] := [x | some x in undecided_with(object.union(own, literal_role), logs_path)]
	u.unknown.ref == "Condition of statement 1 of the policy of VPC endpoint Logs"
	u.unknown.fix == concat("", [
		"The calling role's account is not known from these inputs: write the account the stack deploys to ",
		"as ${AWS::AccountId} so that it is compared, or scan the live account (scan-aws); else, if the ",
		"condition holds for the calling role, suppress this note with a reason.",
	])

	same := logs_world([allow_if("*", "*", "*", {"StringEquals": {"aws:PrincipalAccount": "123456789012"}})])
	deny_with(object.union(same, literal_role), logs_path) == set()
	undecided_with(object.union(same, literal_role), logs_path) == set()
	refs(undecided_with(same, logs_path)) == {["Condition of statement 1 of the policy of VPC endpoint Logs", "Service", ["FG102"]]}

	other := logs_world([allow_if("*", "*", "*", {"StringLike": {"aws:PrincipalAccount": "9999*"}})])
	summary(deny_with(object.union(other, literal_role), logs_path)) == {["Logs", "logs", 60, concat("", [
		"service Service cannot call logs through VPC endpoint Logs: execution role ExecRole is not authorized to ",
		"perform: logs:CreateLogStream, logs:PutLogEvents on resource: ",
		"arn:aws:logs:us-east-1:*:log-group:/ecs/app:log-stream:app/app/* because no statement of the VPC endpoint policy ",
		"allows these actions (needed for awslogs log group /ecs/app (container app))",
	])]}
}

# W4: the fix names each denied action's resource.
test_fix_names_the_resources if {
	w := logs_world([allow("*", "logs:CreateLogGroup", "*")])
	{f.fix | some f in deny_with(w, logs_path)} == {concat("", [
		"Allow logs:CreateLogStream, logs:PutLogEvents on ",
		"arn:aws:logs:us-east-1:*:log-group:/ecs/app:log-stream:app/app/* for execution role ExecRole ",
		"in the policy of VPC endpoint Logs, or narrow the Deny that covers it.",
	])}

	api := {"vpc_endpoints": {"Api": endpoint("Api", "ecr.api", {"Statement": [allow("*", "ecr:BatchGetImage", "*")]})}}
	{f.fix | some f in deny_with(api, {selected("ecr.api", "Api")})} == {concat("", [
		"Allow ecr:GetAuthorizationToken on \"*\" for execution role ExecRole in the policy of VPC endpoint Api, ",
		"or narrow the Deny that covers it.",
	])}
}

# A condition on a key the request alone carries: FG801 with the key and what settles it.
test_a_context_condition_says_which_key_and_what_settles_it if {
	w := logs_world([allow_if("*", "*", "*", {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})])
	deny_with(w, logs_path) == set()
	[u] := [x | some x in undecided_with(w, logs_path)]
	u.unknown.unknown == "a Condition on aws:SourceIp depends on the request's context, which the inputs do not give"
	u.unknown.fix == "The scan cannot decide a Condition on aws:SourceIp from the inputs: if it holds for the calling role, suppress this note with a reason."
}
