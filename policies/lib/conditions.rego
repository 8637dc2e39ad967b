# METADATA
# description: |
#   Policy Conditions (docs/reasoning.md §3, "Conditions" and "Endpoint policies"): a
#   statement's Condition decided for a request whose context the inputs settle, and for the
#   caller (lib/callers.rego) a resource-based policy (a VPC endpoint's, a KMS key's) sees.
#   A request may carry `context`, {condition key: value} (keys in lower case but for the
#   context key of `kms:EncryptionContext:`, whose case KMS keeps), each value a string or an
#   unknown, as a request resource is; a key the context names is decided from it. A key on
#   the caller's account (aws:PrincipalAccount) or, for the AWS-owned principal of an ECR layer
#   download, its ARN (aws:PrincipalArn), is decided when the inputs relate its value to the
#   caller. A Condition on any other key, or with an operator not modelled here, depends on
#   what the inputs do not give (the statement may apply, FG801). (This package uses none of
#   lib/iam's functions: lib/iam uses it, and each policy file must compile with the ones
#   pushed before it, docs/policies.md.)
package fargate_preflight.lib.conditions

import rego.v1

yes := ["yes", null]

no := ["no", null]

# part: whether the Condition of a normalised statement `s` (lib/iam.rego) of policy entry `p`
# holds for request `req` (its `context`) made by `caller` (null for identity policies):
# ["yes", null], ["no", null] (the statement does not apply), or ["maybe", unknown]. Every key
# under every operator must hold: one that does not makes the statement not apply. (A Condition
# that is not a map of operators may hold or not.)
part(s, p, req, caller) := yes if {
	not s.condition
} else := ["maybe", condition] if {
	condition := s.statement.Condition
	data.fargate_preflight.lib.model.is_unknown(condition)
} else := verdict(outcomes, s, p, caller) if {
	condition := s.statement.Condition
	is_object(condition)
	context := object.get(req, "context", {})
	outcomes := array.concat(
		[[key, key_outcome(op, key, value, context, caller)] |
			some op, keys in condition
			settled_map(keys)
			some key, value in keys
		],
		# an operator whose keys the inputs do not settle: one key that may be anything
		[[op, ["maybe", unsettled(keys), "context"]] |
			some op, keys in condition
			not settled_map(keys)
		],
	)
} else := ["maybe", {
	"unknown": "a Condition depends on the request's context, which the inputs do not give",
	"ref": sprintf("Condition of statement %d of %s", [s.index + 1, p.name]),
	"source": p.source,
}]

settled_map(keys) if {
	is_object(keys)
	not data.fargate_preflight.lib.model.is_unknown(keys)
}

unsettled(keys) := keys if {
	data.fargate_preflight.lib.model.is_unknown(keys)
} else := null

# verdict: "no" when a key does not hold; else "maybe" waiting for the first unsettled value a
# key's outcome names (the context's or the condition's own), else for the keys that may not
# hold; else "yes".
verdict(outcomes, s, p, caller) := no if {
	some [_, o] in outcomes
	o[0] == "no"
} else := ["maybe", us[0]] if {
	us := [o[1] | some [_, o] in outcomes; o[0] == "maybe"; o[1] != null]
	count(us) > 0
} else := ["maybe", unknown(open, s, p, caller)] if {
	open := {[k, o[2]] | some [k, o] in outcomes; o[0] == "maybe"}
	count(open) > 0
} else := yes

# key_outcome: [match, unknown, kind] for one operator and key: from the request's context when
# it has the key, else from what the inputs relate to the caller. `kind` says what a "maybe"
# waits for: "relate" (the key names the caller, but the inputs do not relate the value to it)
# or "context" (the request's context).
key_outcome(op, key, value, context, caller) := array.concat(m, ["context"]) if {
	m := context_outcome(op, key, value, context)
} else := caller_outcomes[outcome(op, lower(key), value, caller)]

caller_outcomes := {
	"yes": ["yes", null, ""],
	"no": ["no", null, ""],
	"relate": ["maybe", null, "relate"],
	"context": ["maybe", null, "context"],
}

# --- the caller -------------------------------------------------------------------------------

# outcome for one operator, key (lower case) and value, for the caller: "yes" or "no" when the
# inputs settle it; "relate" when the key names the caller but the inputs do not relate the
# value to it; "context" when it depends on the request's context.
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

polarity[op] := is_positive if {
	some base, is_positive in {
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
	like(v, value)
}

text_match(op, v, value) if {
	not contains(op, "Like")
	lower(v) == lower(value)
}

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

# --- the request's context --------------------------------------------------------------------

# context_key: a condition key as the context names it: IAM's condition keys in any case, the
# context key after kms:EncryptionContext: as written.
context_key(key) := concat("", ["kms:encryptioncontext:", substring(key, 22, -1)]) if {
	startswith(lower(key), "kms:encryptioncontext:")
} else := lower(key)

# context_outcome: one key under one operator, when the context has the key (else undefined).
# `IfExists` changes nothing for a key the context has; `Null` asks whether it is absent.
context_outcome(op, key, value, context) := null_outcome(value) if {
	op == "Null"
	context_key(key) in object.keys(context)
} else := matched(base, context[context_key(key)], value) if {
	base := trim_suffix(op, "IfExists")
	base in positive
	context_key(key) in object.keys(context)
} else := negate(matched(negated[base], context[context_key(key)], value)) if {
	base := trim_suffix(op, "IfExists")
	negated[base]
	context_key(key) in object.keys(context)
}

positive := {"StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike"}

negated := {
	"StringNotEquals": "StringEquals",
	"StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
	"StringNotLike": "StringLike",
	"ArnNotEquals": "ArnEquals",
	"ArnNotLike": "ArnLike",
}

# (A key of the context is present: `Null: "false"` holds, `Null: "true"` does not.)
null_outcome(value) := ["yes", null] if {
	lower(sprintf("%v", [value])) == "false"
} else := ["no", null] if {
	lower(sprintf("%v", [value])) == "true"
} else := ["maybe", null]

negate(m) := ["no", null] if {
	m[0] == "yes"
} else := ["yes", null] if {
	m[0] == "no"
} else := m

# matched: whether the context's value `cv` matches one of the condition's values under the
# positive operator `op`: one that does decides; else one that may leaves it waiting.
matched(op, cv, value) := ["yes", null] if {
	some v in as_list(value)
	value_match(op, cv, v)[0] == "yes"
} else := maybes[0] if {
	maybes := [m | some v in as_list(value); m := value_match(op, cv, v); m[0] == "maybe"]
	count(maybes) > 0
} else := ["no", null]

as_list(value) := value if {
	is_array(value)
} else := [value]

# value_match: one condition value `v` against the context's value `cv`, [match, unknown]. A
# context value is a settled string, or an unknown with what is known of it as its `partial`
# (`*` for each unsettled part; a secret named by a partial ARN ends with `-??????`,
# lib/secret_arn.rego). Settled values compare as IAM compares them; values known in part as
# a request resource and a policy pattern do (lib/partial_arn.rego): a match whatever the
# unsettled parts are, or for none of them, else the verdict waits for them. An account or
# region that the inputs leave open matches any (docs/reasoning.md §3).
value_match(op, cv, v) := ["yes", null] if {
	is_string(cv)
	is_string(v)
	compare(op, v, cv)
} else := ["no", null] if {
	is_string(cv)
	is_string(v)
} else := ["yes", null] if {
	same_value(cv, v)
} else := compared(op, data.fargate_preflight.lib.partial_arn.fill_open_fields(cv, v.partial), cv) if {
	# `!Sub arn:aws:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:db-*`
	is_string(cv)
	data.fargate_preflight.lib.model.settled_but_deployment(v)
} else := open_match(op, cv.partial, v, cv) if {
	is_string(v)
	is_string(cv.partial)
} else := open_match(as_like[op], cv.partial, v.partial, cv) if {
	# both known in part: the condition value's open account or region matches any
	data.fargate_preflight.lib.model.settled_but_deployment(v)
	is_string(cv.partial)
} else := ["maybe", waits_for(cv, v)]

# as_like: the operator that reads a condition value's open fields (`*`) as any value.
as_like := {
	"StringEquals": "StringLike", "StringEqualsIgnoreCase": "StringLike", "StringLike": "StringLike",
	"ArnEquals": "ArnEquals", "ArnLike": "ArnLike",
}

compared(op, v, cv) := ["yes", null] if {
	compare(op, v, cv)
} else := ["no", null]

# same_value: two unknowns of one ref and pattern are one value (docs/model.md `ref`), as are
# `Fn::GetAtt X.Arn` and `Ref X` (lib/partial_arn.rego same_resource).
same_value(cv, v) if {
	data.fargate_preflight.lib.model.is_unknown(cv)
	data.fargate_preflight.lib.model.is_unknown(v)
	cv.ref == v.ref
	object.get(cv, "partial", null) == object.get(v, "partial", null)
}

same_value(cv, v) if data.fargate_preflight.lib.partial_arn.same_resource(v, cv)

# open_match: a settled condition value against a context value known in part.
open_match(op, ctext, v, cv) := ["yes", null] if {
	op in like_operators
	covers(v, ctext)
} else := ["yes", null] if {
	# only its account or region is open: those are the condition value's
	op in {"StringEquals", "StringEqualsIgnoreCase"}
	not endswith(ctext, data.fargate_preflight.lib.secret_arn.unknown_suffix)
	not contains(v, "*")
	compare(op, v, data.fargate_preflight.lib.partial_arn.fill_open_fields(v, ctext))
} else := ["no", null] if {
	not data.fargate_preflight.lib.partial_arn.may_match(literal(op, v), open_text(ctext))
} else := ["maybe", waits_for(cv, v)]

like_operators := {"StringLike", "ArnLike", "ArnEquals"}

# covers: a pattern matches the text whatever its unsettled parts are.
covers(v, ctext) if {
	endswith(ctext, data.fargate_preflight.lib.secret_arn.unknown_suffix)
	filled := data.fargate_preflight.lib.partial_arn.fill_open_fields(v, ctext)
	like(v, data.fargate_preflight.lib.secret_arn.probe(v, filled))
}

covers(v, ctext) if {
	not endswith(ctext, data.fargate_preflight.lib.secret_arn.unknown_suffix)
	not contains(v, "?")
	like(v, data.fargate_preflight.lib.partial_arn.probe(v, ctext))
}

# literal: an Equals operator's value has no wildcard (`#` is none of the texts' characters).
literal(op, v) := replace(replace(v, "*", "#"), "?", "#") if {
	op in {"StringEquals", "StringEqualsIgnoreCase"}
} else := v

# open_text: the six characters `??????` of a secret's full ARN may be any (`*`, as
# lib/partial_arn.rego reads unsettled parts).
open_text(ctext) := concat("", [trim_suffix(ctext, "??????"), "*"]) if {
	endswith(ctext, data.fargate_preflight.lib.secret_arn.unknown_suffix)
} else := ctext

# waits_for: the unsettled value a verdict waits for: the context's, else the condition's own.
waits_for(cv, v) := cv if {
	data.fargate_preflight.lib.model.is_unknown(cv)
} else := v if {
	data.fargate_preflight.lib.model.is_unknown(v)
} else := null

# compare: a settled condition value against a settled context value.
compare("StringEquals", v, cv) if v == cv

compare("StringEqualsIgnoreCase", v, cv) if lower(v) == lower(cv)

compare("StringLike", v, cv) if like(v, cv)

compare(op, v, cv) if {
	op in {"ArnEquals", "ArnLike"}
	arn_like(v, cv)
}

# arn_like: an ARN operator matches each of the first five fields of an ARN on its own, and
# the rest (the resource, which may hold `:`) as one, each with its wildcards (IAM User
# Guide, "Amazon Resource Name (ARN) condition operators").
arn_like(v, cv) if {
	own := split(v, ":")
	count(own) >= 6
	theirs := split(cv, ":")
	count(theirs) >= 6
	like(resource_part(own), resource_part(theirs))
	every i in numbers.range(0, 4) {
		like(own[i], theirs[i])
	}
}

resource_part(fields) := concat(":", array.slice(fields, 5, count(fields)))

# like: IAM's `*` and `?` (a glob without delimiters; IAM's brackets and braces are literal).
like(pattern, value) if {
	escaped := replace(replace(replace(replace(pattern, "[", "\\["), "]", "\\]"), "{", "\\{"), "}", "\\}")
	glob.match(escaped, null, value)
}
