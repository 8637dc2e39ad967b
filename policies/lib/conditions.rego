# METADATA
# description: |
#   The Condition of a statement of a resource-based policy (a VPC endpoint's, a KMS key's)
#   for a caller of lib/callers.rego (docs/reasoning.md §3, "Endpoint policies"): a condition
#   on the caller's account (aws:PrincipalAccount) or, for the AWS-owned principal of an ECR
#   layer download, its ARN (aws:PrincipalArn), is decided when the inputs relate its value to
#   the caller; any other condition depends on the request's context, which the inputs do not
#   give. (This package uses none of lib/iam's functions: lib/iam uses it.)
package fargate_preflight.lib.conditions

import rego.v1

yes := ["yes", null]

no := ["no", null]

# part: whether the Condition of a normalised statement `s` (lib/iam.rego) of policy `p` holds
# for the request of `caller` (null for identity policies, whose conditions are never
# decided): ["yes", null], ["no", null] (the statement does not apply), or ["maybe", unknown].
# Every key under every operator must hold: one that does not makes the statement not apply.
part(s, p, caller) := yes if {
	not s.condition
} else := ["maybe", condition] if {
	condition := s.statement.Condition
	data.fargate_preflight.lib.model.is_unknown(condition)
} else := verdict(outcomes, s, p, caller) if {
	outcomes := {[key, outcome(op, lower(key), value, caller)] |
		some op, keys in s.statement.Condition
		some key, value in keys
	}
}

verdict(outcomes, s, p, caller) := no if {
	some [_, "no"] in outcomes
} else := ["maybe", unknown(open, s, p, caller)] if {
	open := {[k, result] | some [k, result] in outcomes; result != "yes"}
	count(open) > 0
} else := yes

# outcome for one operator, key (lower case) and value: "yes" or "no" when the inputs settle
# it; "relate" when the key names the caller but the inputs do not relate the value to it;
# "context" when it depends on the request's context.
outcome(op, key, value, caller) := result if {
	caller != null
	relation := values_relation([relate(op, key, v, caller) | some v in as_list(value)])
	result := met_text[polarity[op]][relation]
} else := "relate" if {
	caller != null
	polarity[op]
	related_key(key, caller)
} else := "context"

# values_relation: "same" when some value of the list names the caller's (the request's value
# is then among them), "other" when none can; undefined when the inputs do not settle it.
values_relation(relations) := "same" if {
	"same" in relations
} else := "other" if {
	count(relations) > 0
	every r in relations {
		r == "other"
	}
}

# met_text[polarity][relation]: a positive operator holds when a value names the caller's, a
# negated one when none does. Either holds the same with IfExists: the keys are in every signed
# request.
met_text := {true: {"same": "yes", "other": "no"}, false: {"same": "no", "other": "yes"}}

polarity[op] := positive if {
	some base, positive in {
		"StringEquals": true, "StringEqualsIgnoreCase": true, "StringLike": true,
		"ArnEquals": true, "ArnLike": true,
		"StringNotEquals": false, "StringNotEqualsIgnoreCase": false, "StringNotLike": false,
		"ArnNotEquals": false, "ArnNotLike": false,
	}
	some op in {base, concat("", [base, "IfExists"])}
}

# related_key: a key whose value the inputs may relate to the caller: its account, and for the
# AWS-owned principal its ARN too (related_keys[key]: who for).
related_key(key, _) if related_keys[key] == "any"

related_key(key, caller) if {
	related_keys[key] == "aws_owned"
	caller.aws_owned
}

related_keys := {"aws:principalaccount": "any", "aws:principalarn": "aws_owned"}

# relate: "same" when the value names what the request carries for the key, "other" when it
# cannot; undefined when the inputs do not settle it. An ARN operator on aws:PrincipalAccount
# (an account id is no ARN) is left undecided.
relate(op, "aws:principalaccount", v, caller) := account_relation(op, v, caller) if {
	startswith(op, "String")
}

relate(op, "aws:principalarn", v, caller) := arn_relation(op, v, caller) if caller.aws_owned

# account_relation for a role: the account the inputs deploy to (`${AWS::AccountId}`, a plan's
# data.aws_caller_identity read during apply) is that of a role the inputs create
# (lib/callers.rego, deploy_account); a literal account is compared with the one its ARN names.
account_relation(op, v, caller) := "same" if {
	not caller.aws_owned
	caller.deploy
	deploy_account(v)
} else := "same" if {
	not caller.aws_owned
	is_string(v)
	is_string(caller.account)
	text_match(op, v, caller.account)
} else := "other" if {
	not caller.aws_owned
	is_string(v)
	is_string(caller.account)
} else := aws_account_relation(op, v, caller) if caller.aws_owned

# aws_account_relation: any account may match the pattern `*`; the account the inputs deploy
# to, and the customer's account when the inputs settle it, are not the AWS-owned principal's.
aws_account_relation(op, v, caller) := "same" if {
	v == "*"
	contains(op, "Like")
} else := "other" if {
	deploy_account(v)
} else := "other" if {
	is_string(v)
	v == data.fargate_preflight.lib.callers.customer_account(caller)
}

# arn_relation for the AWS-owned principal: an ARN in the customer's account is not its ARN: the
# ARN of a role the inputs create, an ARN written with `${AWS::AccountId}` or holding a resource
# of the inputs (`identity`, docs/model.md), or one in the account the inputs settle.
arn_relation(op, v, caller) := "same" if {
	v == "*"
	contains(op, "Like")
} else := "other" if {
	data.fargate_preflight.lib.model.is_unknown(v)
	data.fargate_preflight.lib.principals.role_of_inputs(v)
} else := "other" if {
	data.fargate_preflight.lib.callers.deploy_account_arn(v)
} else := "other" if {
	data.fargate_preflight.lib.model.is_unknown(v)
	fields := split(v.identity, ":")
	fields[4] == "*"
} else := "other" if {
	is_string(v)
	fields := split(v, ":")
	count(fields) >= 6
	fields[4] == data.fargate_preflight.lib.callers.customer_account(caller)
}

# deploy_account: a value that is, as a whole, the account the inputs deploy to.
deploy_account(v) if {
	data.fargate_preflight.lib.model.is_unknown(v)
	v.ref == "AWS::AccountId"
	trim(object.get(v, "partial", "*"), "*") == ""
}

text_match(op, v, value) if {
	contains(op, "Like")
	glob.match(v, null, value)
}

text_match(op, v, value) if {
	not contains(op, "Like")
	lower(v) == lower(value)
}

as_list(x) := x if {
	is_array(x)
} else := [x]

# unknown: what a Condition waits for (`open`: [key, outcome] of the keys that do not hold
# for certain), and what would settle it (the FG801 note's fix).
unknown(open, s, p, caller) := {
	"unknown": sprintf("a Condition on %s %s", [concat(", ", sorted_keys(open)), why(open)]),
	"ref": sprintf("Condition of statement %d of %s", [s.index + 1, p.name]),
	"source": p.source,
	"fix": fix(open, caller),
}

sorted_keys(open) := sort({k | some [k, _] in open})

why(open) := "names an account or principal that the inputs do not relate to the caller" if {
	every o in open {
		o[1] == "relate"
	}
} else := "depends on the request's context, which the inputs do not give"

fix(open, caller) := concat(" ", [
	"ECR presigns the image layer URLs with AWS's own credentials, so the layer download is not",
	"made by your roles or account: give s3:GetObject on",
	"arn:aws:s3:::prod-REGION-starport-layer-bucket/* a statement for Principal \"*\" without",
	"principal or account conditions (or, if this condition holds for AWS's principal, suppress",
	"this note with a reason).",
]) if {
	caller.aws_owned
} else := concat(" ", [
	"The calling role's account is not known from these inputs: write the account the stack",
	"deploys to as ${AWS::AccountId} so that it is compared, or scan the live account",
	"(scan-aws); else, if the condition holds for the calling role, suppress this note with a",
	"reason.",
]) if {
	every o in open {
		o[1] == "relate"
	}
} else := sprintf(
	"%s: if it holds for the calling role, suppress this note with a reason.",
	[sprintf("The scan cannot decide a Condition on %s from the inputs", [concat(", ", sorted_keys(open))])],
)
