# METADATA
# description: |
#   Resources the inputs settle only in part (docs/reasoning.md §3, "Which resource"): a
#   request resource given by its `partial` ARN, `*` for each unsettled part (an account, a
#   name only deployment settles: `arn:aws:s3:::logs-*/exec*`). lib/iam.rego decides whether
#   a policy pattern matches it whatever those parts are (`probe`), or for none of them (not
#   `may_match`); and two values whose unsettled parts the inputs name (`identity`,
#   docs/model.md: the name CloudFormation makes up for one resource, one stack's name) token
#   by token (`compared`). (This package uses none of lib/iam's functions: each policy file
#   must compile with the ones pushed before it, docs/policies.md.)
package fargate_preflight.lib.partial_arn

import rego.v1

# fill_open_fields: in a request ARN whose region or account is "*" (not known: any value
# matches), that field takes the pattern's own.
fill_open_fields(x, arn) := arn if {
	not contains(arn, "*")
} else := filled if {
	fields := split(arn, ":")
	pattern_fields := split(x, ":")
	filled := concat(":", [open_field(i, own, pattern_fields) | some i, own in fields])
}

open_field(i, own, pattern_fields) := pattern_fields[i] if {
	i in {3, 4}
	own == "*"
	count(pattern_fields) > 5
} else := own

# probe is the ARN, its open fields filled, with a character the pattern does not contain for
# each other `*`: a pattern without `?` that matches it matches the ARN whatever stands there
# (only its own `*` can match that character, and they match any text).
probe(x, arn) := replace(fill_open_fields(x, arn), "*", c) if {
	probes := [ch | some ch in split("QZXJKVW#~0123456789", ""); not contains(x, ch)]
	c := probes[0]
}

# may_match: whether the pattern's text before its first wildcard and after its last agrees
# with the known text before the first `*` of the ARN (its open fields filled) and after its
# last; for an ARN pattern with as many fields, field by field (its fields align with the ARN's:
# the unsettled parts of an ARN, an account, a region, a name, hold no `:`).
may_match(x, arn) if {
	text := fill_open_fields(x, arn)
	not contains(text, "*") # known in full: the pattern matches it or not
	glob.match(pattern_glob(x), null, text)
}

may_match(x, arn) if {
	text := fill_open_fields(x, arn)
	contains(text, "*")
	aligned(x, text)
	own := split(text, ":")
	every i, field in split(x, ":") {
		ends_agree(field, own[i])
	}
}

may_match(x, arn) if {
	text := fill_open_fields(x, arn)
	contains(text, "*")
	not aligned(x, text)
	ends_agree(x, text)
}

# pattern_glob: a policy pattern as a glob, whose wildcards are its own `*` and `?`.
pattern_glob(x) := replace(replace(replace(replace(x, "[", "\\["), "]", "\\]"), "{", "\\{"), "}", "\\}")

aligned(x, text) if {
	fields := split(x, ":")
	count(fields) > 5
	count(fields) == count(split(text, ":"))
}

ends_agree(x, text) if {
	x_head := split(split(x, "*")[0], "?")[0]
	t_head := split(text, "*")[0]
	k := min([count(x_head), count(t_head)])
	substring(x_head, 0, k) == substring(t_head, 0, k)
	x_tail := last(split(last(split(x, "*")), "?"))
	t_tail := last(split(text, "*"))
	m := min([count(x_tail), count(t_tail)])
	substring(x_tail, count(x_tail) - m, m) == substring(t_tail, count(t_tail) - m, m)
	fits(x, text)
}

# fits: a pattern without wildcards matches only its own text, so the text's known parts must
# be in it, in turn (`arn:aws:s3:::*/exec*` cannot be `arn:aws:s3:::logs`).
fits(x, _) if regex.match(`[*?]`, x)

fits(x, text) if {
	not regex.match(`[*?]`, x)
	glob.match(as_glob(text), null, x)
}

# as_glob: the text as a glob whose only wildcard is its `*` (its unsettled parts).
as_glob(text) := escaped if {
	question := replace(text, "?", "\\?")
	brackets := replace(replace(question, "[", "\\["), "]", "\\]")
	escaped := replace(replace(brackets, "{", "\\{"), "}", "\\}")
}

last(parts) := parts[count(parts) - 1]

# same_resource: a policy that names a resource of the same template by `Fn::GetAtt X.Arn`
# covers the request for the resource the task names by `Ref X` (a log group, a secret) or
# `Fn::GetAtt X.RepositoryUri` (an image of the repository); in a plan, `aws_x.y.arn` the one it
# names by that, `aws_ecr_repository.y.repository_url` or `aws_ssm_parameter.y.name`.
same_resource(x, resource) if {
	data.fargate_preflight.lib.model.is_unknown(x)
	data.fargate_preflight.lib.model.is_unknown(resource)
	resource_id(x.ref) == resource_id(resource.ref)
}

resource_id(ref) := trim_prefix(ref, "Ref ") if {
	startswith(ref, "Ref ")
} else := trim_suffix(trim_prefix(ref, "Fn::GetAtt "), ".Arn") if {
	startswith(ref, "Fn::GetAtt ")
	endswith(ref, ".Arn")
} else := trim_suffix(trim_prefix(ref, "Fn::GetAtt "), ".RepositoryUri") if {
	startswith(ref, "Fn::GetAtt ")
	endswith(ref, ".RepositoryUri")
} else := trim_suffix(ref, ".arn") if {
	not startswith(ref, "Fn::GetAtt ")
	endswith(ref, ".arn")
} else := trim_suffix(ref, ".repository_url") if {
	endswith(ref, ".repository_url")
	contains(ref, "aws_ecr_repository.")
} else := trim_suffix(ref, ".name") if {
	endswith(ref, ".name")
	contains(ref, "aws_ssm_parameter.")
}

# --- identities (docs/model.md `identity`) ----------------------------------------------------

# token: one unsettled value the inputs name, in an unknown's `identity`: the name deployment
# gives a resource of the inputs (`<#Group>`), or the value of a stack's parameter or name
# (`<=Parameter%20Env>`).
token := `<[#=][^<>]*>`

# identity is an unknown's `identity` while it still agrees with its `partial` (its tokens as
# `*`): a value made into another ARN without it (lib/calls.rego, secret_of) has none.
identity(v) := v.identity if {
	is_string(v.identity)
	not v.partial
} else := v.identity if {
	is_string(v.identity)
	regex.replace(v.identity, token, "*") == v.partial
}

# compared: two unknowns' identities as `[x, r, opened]`: a token both name stays as it is (a
# resource's name is none of another's: one on each side stays too), another becomes `*` (what
# it stands for may be anything); `opened` when one of x's did. x as a pattern then matches r
# (r's `*`s unsettled parts) whatever the tokens stand for, or for none of them.
compared(x, r) := [settle_fields(a, b), settle_fields(b, a), opened] if {
	own := identity(x)
	theirs := identity(r)
	opened := count([t | some t in regex.find_n(token, own, -1); not kept(t, theirs)]) > 0
	a := open_tokens(own, theirs)
	b := open_tokens(theirs, own)
}

# settle_fields: an unsettled region or account of an ARN (`*` there: one value, without `:`)
# takes the other ARN's, a literal one when both are open (a different one matches neither).
settle_fields(text, other) := settled if {
	fields := split(text, ":")
	count(fields) > 5
	theirs := split(other, ":")
	count(theirs) > 5
	settled := concat(":", [field | some i, own in fields; field := settled_field(i, own, theirs)])
} else := text

settled_field(i, "*", theirs) := theirs[i] if {
	i in {3, 4}
	theirs[i] != "*"
} else := "-" if {
	i in {3, 4}
} else := "*"

settled_field(_, own, _) := own if own != "*"

open_tokens(text, other) := concat("", [concat("", [piece, kept_or_open(tokens, i, other)]) |
	tokens := regex.find_n(token, text, -1)
	some i, piece in regex.split(token, text)
])

kept_or_open(tokens, i, other) := "" if {
	i >= count(tokens)
} else := tokens[i] if {
	kept(tokens[i], other)
} else := "*"

kept(t, other) if {
	startswith(t, "<#")
	contains(other, "<#")
}

kept(t, other) if {
	startswith(t, "<=")
	contains(other, t)
}
