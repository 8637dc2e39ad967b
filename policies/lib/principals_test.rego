package fargate_preflight.lib.principals_test

import rego.v1

# The IAM evaluator's test helpers (lib/iam_test.rego): an endpoint policy that allows sns:* to
# one principal, decided for a caller.
endpoint_decision(principal, caller_arn) := data.fargate_preflight.lib.iam_test.endpoint_decision(principal, caller_arn)

arn_unknown := data.fargate_preflight.lib.iam_test.arn_unknown

task_role_arn := data.fargate_preflight.lib.iam_test.task_role_arn

policy(statements) := data.fargate_preflight.lib.iam_test.policy(statements)

req(action, resource) := data.fargate_preflight.lib.iam_test.req(action, resource)

# A role ARN known only in part (its RoleName and Path, not its account: `partial`) is matched
# by what is known of it (before: any role ARN principal left it undecided, so a policy that
# allows only another role gave an FG801 note instead of FG102). A match that waits for the
# account is still undecided; an account principal of an account the inputs do not name still
# matches.
partial_caller(partial) := object.union(arn_unknown, {"partial": partial})

test_a_role_arn_known_in_part_is_matched_by_its_known_parts if {
	exec := partial_caller("arn:aws:iam::*:role/api-exec")
	endpoint_decision({"AWS": "arn:aws:iam::123456789012:role/other"}, exec) == "implicit_deny"
	endpoint_decision({"AWS": ["arn:aws:iam::123456789012:role/other"]}, exec) == "implicit_deny"
	endpoint_decision({"AWS": "arn:aws:iam::123456789012:role/svc/api-exec"}, exec) == "implicit_deny"
	endpoint_decision({"AWS": "arn:aws:iam::123456789012:role/api-exec-2"}, exec) == "implicit_deny"
	endpoint_decision({"AWS": "arn:aws:iam::123456789012:user/api-exec"}, exec) == "implicit_deny"
	endpoint_decision({"AWS": "arn:aws-cn:iam::123456789012:role/api-exec"}, exec) == "implicit_deny"
	endpoint_decision({"AWS": "arn:aws-cn:iam::123456789012:root"}, exec) == "implicit_deny"
	endpoint_decision({"AWS": "arn:aws:iam::*:role/api-exec"}, exec) == "implicit_deny"
	endpoint_decision({"AWS": "arn:aws:iam::123456789012:role/api-exec"}, exec) == "undecided"
	endpoint_decision({"AWS": "arn:aws:iam::123456789012:role/API-exec"}, exec) == "undecided"
	endpoint_decision({"AWS": ["arn:aws:iam::123456789012:role/other", "arn:aws:iam::123456789012:role/api-exec"]}, exec) == "undecided"
	endpoint_decision({"AWS": "123456789012"}, exec) == "allow"
	endpoint_decision({"AWS": "arn:aws:iam::123456789012:root"}, exec) == "allow"
	endpoint_decision({"AWS": "AROAEXAMPLEID"}, exec) == "undecided"
}

test_a_role_path_or_name_known_in_part if {
	in_path := partial_caller("arn:aws:iam::*:role/svc/api-exec")
	endpoint_decision({"AWS": "arn:aws:iam::123456789012:role/api-exec"}, in_path) == "implicit_deny"
	endpoint_decision({"AWS": "arn:aws:iam::123456789012:role/svc/api-exec"}, in_path) == "undecided"
	stack_named := partial_caller("arn:aws:iam::*:role/*-exec")
	endpoint_decision({"AWS": "arn:aws:iam::123456789012:role/other"}, stack_named) == "implicit_deny"
	endpoint_decision({"AWS": "arn:aws:iam::123456789012:role/prod-exec"}, stack_named) == "undecided"
	any_partition := partial_caller("arn:*:iam::*:role/api-exec")
	endpoint_decision({"AWS": "arn:aws-cn:iam::123456789012:role/other"}, any_partition) == "implicit_deny"
	endpoint_decision({"AWS": "arn:aws-cn:iam::123456789012:role/api-exec"}, any_partition) == "undecided"
	endpoint_decision({"AWS": "arn:aws-cn:iam::123456789012:root"}, any_partition) == "allow"

	# a name CloudFormation makes up: nothing is known of the ARN
	endpoint_decision({"AWS": "arn:aws:iam::123456789012:role/other"}, arn_unknown) == "undecided"
}

# A principal that names a role of the inputs by reference is matched by its known parts too.
test_a_principal_known_in_part if {
	other := object.union(arn_unknown, {"ref": "Fn::GetAtt OtherRole.Arn", "partial": "arn:aws:iam::*:role/other"})
	endpoint_decision({"AWS": other}, partial_caller("arn:aws:iam::*:role/api-exec")) == "implicit_deny"
	endpoint_decision({"AWS": other}, "arn:aws:iam::123456789012:role/api-exec") == "implicit_deny"
	endpoint_decision({"AWS": other}, arn_unknown) == "undecided"
	endpoint_decision({"AWS": other}, partial_caller("arn:aws:iam::*:role/other")) == "undecided"
}

# A Deny with NotPrincipal applies to the caller when none of its AWS principals can be the
# caller's role or account (before: always undecided); one that may name it is undecided
# (AWS checks the account, the role and the session in turn), as is a NotPrincipal Allow.
not_principal(effect, principal, caller) := data.fargate_preflight.lib.iam.decide(
	policy([
		{"Effect": "Allow", "Principal": "*", "Action": "sns:*", "Resource": "*"},
		{"Effect": effect, "NotPrincipal": principal, "Action": "sns:*", "Resource": "*"},
	]),
	req("sns:listtopics", null),
	caller,
).decision

test_not_principal if {
	exec := {"arn": partial_caller("arn:aws:iam::*:role/api-exec"), "account": null}
	not_principal("Deny", {"AWS": "arn:aws:iam::123456789012:role/other"}, exec) == "explicit_deny"
	not_principal("Deny", {"AWS": ["arn:aws:iam::123456789012:role/other", "arn:aws:iam::123456789012:role/svc/api-exec"]}, exec) == "explicit_deny"
	not_principal("Deny", {"AWS": "arn:aws:iam::123456789012:role/api-exec"}, exec) == "undecided"
	not_principal("Deny", {"AWS": "123456789012"}, exec) == "undecided"
	not_principal("Deny", {"AWS": "arn:aws:sts::123456789012:assumed-role/other/s"}, exec) == "undecided"
	not_principal("Deny", {"AWS": "AROAEXAMPLEID"}, exec) == "undecided"
	not_principal("Deny", {"AWS": "arn:aws:iam::123456789012:role/other", "Service": "ecs.amazonaws.com"}, exec) == "undecided"
	allow_others := {"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::123456789012:role/other"}, "Action": "sns:*", "Resource": "*"}
	data.fargate_preflight.lib.iam.decide(policy([allow_others]), req("sns:listtopics", null), exec).decision == "undecided"
	not_principal("Deny", {"AWS": "arn:aws:iam::123456789012:role/other"}, {"arn": arn_unknown, "account": null}) == "undecided"
	known := {"arn": task_role_arn, "account": "123456789012"}
	not_principal("Deny", {"AWS": "999999999999"}, known) == "explicit_deny"
	not_principal("Deny", {"AWS": ["123456789012", task_role_arn]}, known) == "undecided"
}

# The root of the stack's own account (`!Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:root`,
# unknown offline) is the account of the roles the stacks create: it matches a caller whose
# account is not known either, and waits for the account of one that names it (before: an
# FG801 note on AWS::AccountId for the common "only my account" endpoint policy; field test 14).
own_root := {"unknown": "the AWS account id is not known offline", "ref": "AWS::AccountId", "partial": "arn:aws:iam::*:root", "source": data.fargate_preflight.lib.iam_test.src}

test_the_root_of_the_stacks_own_account_matches_its_roles if {
	endpoint_decision({"AWS": own_root}, arn_unknown) == "allow"
	endpoint_decision({"AWS": [own_root]}, partial_caller("arn:aws:iam::*:role/api-exec")) == "allow"
	decision := data.fargate_preflight.lib.iam.decide(
		policy(data.fargate_preflight.lib.iam_test.with_principal({"AWS": own_root})),
		req("sns:listtopics", null), {"arn": task_role_arn, "account": "123456789012"},
	)
	decision.decision == "undecided"
	parameter_root := object.union(own_root, {"ref": "Parameter OtherAccount"})
	endpoint_decision({"AWS": parameter_root}, arn_unknown) == "undecided"
}
