# METADATA
# description: |
#   Resources the inputs settle only in part (docs/reasoning.md §3, "Which resource"): a
#   request resource given by its `partial` ARN, `*` for each unsettled part (an account, a
#   name only deployment settles: `arn:aws:s3:::logs-*/exec*`). lib/iam.rego decides whether
#   a policy pattern matches it whatever those parts are (`probe`), or for none of them (not
#   `may_match`). (This package uses none of lib/iam's functions: each policy file must compile
#   with the ones pushed before it, docs/policies.md.)
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
	aligned(x, text)
	own := split(text, ":")
	every i, field in split(x, ":") {
		ends_agree(field, own[i])
	}
}

may_match(x, arn) if {
	text := fill_open_fields(x, arn)
	not aligned(x, text)
	ends_agree(x, text)
}

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
}

last(parts) := parts[count(parts) - 1]
