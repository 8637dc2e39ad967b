# METADATA
# description: |
#   What an AWS principal of a VPC endpoint policy names (docs/reasoning.md §3, "Endpoint
#   policies"): an account, or a role ARN that the caller's (its `partial` when the inputs know
#   it only in part, lib/partial_arn.rego) cannot be; and the unknowns a principal leaves.
#   lib/iam.rego matches principals with these. (This package uses none of lib/iam's
#   functions: each policy file must compile with the ones pushed before it, docs/policies.md.)
package fargate_preflight.lib.principals

import rego.v1

# account: the account an account principal names (its id, or its root ARN); null for the
# root ARN of the stack's own account, which is not known offline
# (`!Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:root`): it matches a caller of the inputs
# whose account is not known either, the roles the stacks create.
account(x) := null if {
	x.ref == "AWS::AccountId"
	fields := split(x.partial, ":")
	count(fields) == 6
	fields[2] == "iam"
	fields[4] == "*"
	fields[5] == "root"
} else := x if {
	is_string(x)
	count(x) == 12
	trim_left(x, "0123456789") == ""
} else := fields[4] if {
	is_string(x)
	fields := split(x, ":")
	count(fields) == 6
	fields[2] == "iam"
	fields[5] == "root"
}

# cannot_be: an ARN principal that no role ARN equals (a wildcard in it: only `*` alone is one),
# or whose known parts (a role name, path, partition) differ from the caller's known ARN,
# whatever the account: compared as lib/partial_arn.rego compares a pattern with a resource
# known in part, case aside.
cannot_be(x, _) if {
	is_string(x)
	startswith(x, "arn:")
	regex.match(`[*?]`, x)
}

cannot_be(x, arn) if {
	theirs := data.fargate_preflight.lib.model.pattern_text(x)
	startswith(theirs, "arn:")
	own := data.fargate_preflight.lib.model.pattern_text(arn)
	not data.fargate_preflight.lib.partial_arn.may_match(lower(theirs), lower(own))
}

# identity_match: a principal that names the caller's role ARN as the inputs settle which value
# each unsettled part is (lib/partial_arn.rego, compared): "yes" when it is that ARN, "no" when
# its parts cannot be the caller's, as `!GetAtt TaskRole.Arn` for role ExecRole (two roles of
# the inputs, two names).
identity_match(x, arn) := matched if {
	[own, theirs, opened] := data.fargate_preflight.lib.partial_arn.compared(x, arn)
	matched := principal_verdict(own, theirs, opened)
}

principal_verdict(own, theirs, opened) := ["yes", null] if {
	not opened
	lower(own) == lower(theirs)
} else := ["no", null] if {
	startswith(own, "arn:")
	not data.fargate_preflight.lib.partial_arn.may_match(lower(own), lower(theirs))
}

# other_partition: an account's root ARN in another partition than the caller's known one.
other_partition(x, arn) if {
	is_string(x)
	startswith(x, "arn:")
	own := split(data.fargate_preflight.lib.model.pattern_text(arn), ":")
	count(own) > 1
	own[1] != "*"
	split(x, ":")[1] != own[1]
}

# names_no_session: an account, or an ARN that is not an assumed-role session's (a NotPrincipal
# that names one may spare the caller's session; a role's unique id is not read). None of the
# customer's can be a session of the AWS-owned principal's.
names_no_session(x, _) if account(x)

names_no_session(_, caller) if caller.aws_owned

names_no_session(x, _) if {
	text := data.fargate_preflight.lib.model.pattern_text(x)
	startswith(text, "arn:")
	not contains(text, ":assumed-role/")
}

# aws_owned_match: whether a principal may be the AWS-owned principal that signs an ECR layer
# download (lib/callers.rego): `*` is; no account or ARN the inputs settle even in
# part is (AWS documents none for it: the ECR User Guide's policies use Principal "*"), nor a
# role the inputs create; a principal the inputs do not settle at all (a parameter) may be "*".
aws_owned_match("*") := ["yes", null]

aws_owned_match(x) := ["maybe", x] if {
	data.fargate_preflight.lib.model.is_unknown(x)
	not x.identity
	x.ref != "AWS::AccountId"
	trim(object.get(x, "partial", "*"), "*") == ""
	not role_of_inputs(x)
} else := ["no", null] if {
	x != "*"
}

# role_of_inputs: the ARN of a role the inputs create, named as they name it.
role_of_inputs(x) if {
	some role in input.roles
	data.fargate_preflight.lib.model.is_unknown(role.arn)
	role.arn.ref == x.ref
}

number_note(x, p) := {
	"unknown": sprintf("its AWS principal %v is a number, and IAM documents account principals as strings", [x]),
	"ref": sprintf("principals of %s", [p.name]),
	"source": p.source,
	"fix": sprintf(`Quote the account ID in %s (AWS: "%v") so these checks can run.`, [p.name, x]),
}

case_note(x, p) := {
	"unknown": sprintf("its AWS principal %s differs from the calling role's ARN only in case", [x]),
	"ref": sprintf("principals of %s", [p.name]),
	"source": p.source,
}

unmatched_note(p) := {
	"unknown": "a statement without Principal, or whose NotPrincipal may name the caller, cannot be matched to it",
	"ref": sprintf("principals of %s", [p.name]),
	"source": p.source,
}
