# METADATA
# description: |
#   Policy Conditions (docs/reasoning.md §3, "Conditions"): a statement's Condition decided for
#   a request whose context the inputs settle (lib/iam.rego statement_match). A request may
#   carry `context`, {condition key: value} (keys in lower case but for the context key of
#   `kms:EncryptionContext:`, whose case KMS keeps), each value a string or an unknown, as a
#   request resource is. Only the keys the context names are decided: a Condition on any other
#   key, or with an operator not modelled here, depends on what the inputs do not give (the
#   statement may apply, FG801). (This package uses none of lib/iam's functions: each policy
#   file must compile with the ones pushed before it, docs/policies.md.)
package fargate_preflight.lib.conditions

import rego.v1

# verdict: [match, unknown] for statement `st` (number `index` of policy entry `p`), as
# lib/iam.rego statement_match takes it: "yes" when each key under each operator holds, "no"
# when one does not (the statement does not apply), else "maybe" and what it waits for.
verdict(st, index, p, context) := combined(outcomes, index, p) if {
	count(context) > 0
	is_object(st.Condition)
	not data.fargate_preflight.lib.model.is_unknown(st.Condition)
	outcomes := [key_outcome(op, key, value, context) |
		some op, keys in st.Condition
		some key, value in as_map(keys)
	]
} else := ["maybe", generic(index, p)]

# as_map: an operator's keys; an unsettled map is one key that may be anything.
as_map(keys) := keys if {
	is_object(keys)
	not data.fargate_preflight.lib.model.is_unknown(keys)
} else := {"": null}

combined(outcomes, index, p) := ["no", null] if {
	some o in outcomes
	o[0] == "no"
} else := ["maybe", first_unknown(outcomes, index, p)] if {
	some o in outcomes
	o[0] == "maybe"
} else := ["yes", null]

first_unknown(outcomes, index, p) := us[0] if {
	us := [o[1] | some o in outcomes; o[0] == "maybe"; o[1] != null]
	count(us) > 0
} else := generic(index, p)

# generic: what a Condition the inputs do not settle waits for (what FG801 says of every
# Condition of a request without a context).
generic(index, p) := {
	"unknown": "a Condition depends on the request's context, which the inputs do not give",
	"ref": sprintf("Condition of statement %d of %s", [index + 1, p.name]),
	"source": p.source,
}

# context_key: a condition key as the context names it: IAM's condition keys in any case, the
# context key after kms:EncryptionContext: as written.
context_key(key) := concat("", ["kms:encryptioncontext:", substring(key, 22, -1)]) if {
	startswith(lower(key), "kms:encryptioncontext:")
} else := lower(key)

# key_outcome: one key under one operator. `IfExists` changes nothing for a key the context
# has; `Null` asks whether it is absent.
key_outcome(op, key, value, context) := null_outcome(value) if {
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
} else := ["maybe", null]

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
