# METADATA
# description: |
#   Secrets named by a partial ARN (docs/reasoning.md §3, "Which resource"). Secrets Manager
#   adds a hyphen and six random characters to a secret's name in its ARN, and IAM authorizes
#   secretsmanager:GetSecretValue on that full ARN whatever ARN or name the caller gives
#   (Secrets Manager API Reference, "Finding a secret from a partial ARN"; User Guide: policies
#   name it with `??????` "to match the 6 random characters"). A request for a secret named by
#   a partial ARN (`...:secret:db`) is for `...:secret:db-??????` (lib/calls.rego): `?` never
#   occurs in a secret's name. lib/iam.rego matches policy patterns against it here.
package fargate_preflight.lib.secret_arn

import rego.v1

unknown_suffix := "-??????"

# lib/iam.rego decides whether a pattern matches the full ARN of such a secret (`arn`, its
# region or account filled from the pattern as for any request) whatever its six characters
# are (`db-*`, `db-??????`, `secret:*`), for none of them (`db`, `other-*`), or for some only
# (`db-AbCdEf` names one secret, which may be this one). (This package uses none of lib/iam's
# functions: each policy file must compile with the ones pushed before it, docs/policies.md.)

# probe is the ARN with six copies of a character the pattern does not contain for the six
# unknown ones: only `*` and `?` can match those, and they match any character, so a pattern
# that matches the probe matches every full ARN of the secret.
probe(x, arn) := concat("", [trim_suffix(arn, "??????"), c, c, c, c, c, c]) if {
	probes := [ch | some ch in split("QZXJKVW0123456789", ""); not contains(x, ch)]
	count(probes) > 0
	c := probes[0]
}

# parts: a pattern with an ARN's seven fields aligns with the request's field by field (a
# secret's name holds no `:`): `head` is both their first six fields, which must match, and
# the name field is in question. Any other pattern is taken whole.
parts(x, arn) := {
	"head": [first_six(fields), first_six(own)],
	"pattern": fields[6],
	"known": trim_suffix(own[6], "??????"),
} if {
	fields := split(x, ":")
	count(fields) == 7
	own := split(arn, ":")
} else := {"head": ["", ""], "pattern": x, "known": trim_suffix(arn, "??????")}

first_six(fields) := concat(":", array.slice(fields, 0, 6))

# may_match: whether `pattern` may match `known` followed by six unknown characters: not when
# its text before the first wildcard, or after the last, disagrees with the known characters,
# or its length cannot be the text's.
may_match(pattern, known) if {
	n := count(known) + 6
	literal := replace(pattern, "*", "")
	count(literal) <= n
	length_fits(pattern, literal, n)
	heads := split(split(pattern, "*")[0], "?")
	head := heads[0]
	k := min([count(head), count(known)])
	substring(head, 0, k) == substring(known, 0, k)
	tails := split(pattern, "*")
	tail_parts := split(tails[count(tails) - 1], "?")
	tail := tail_parts[count(tail_parts) - 1]
	tail_agrees(tail, known)
}

# Without `*`, a pattern matches only text of its own length.
length_fits(pattern, _, _) if contains(pattern, "*")

length_fits(pattern, literal, n) if {
	not contains(pattern, "*")
	count(literal) == n
}

# The pattern's last literal characters fall on the six unknown ones first, then on the end of
# the known text.
tail_agrees(tail, _) if count(tail) <= 6

tail_agrees(tail, known) if {
	m := count(tail) - 6
	m > 0
	m <= count(known)
	substring(tail, 0, m) == substring(known, count(known) - m, m)
}

# unknown: what a verdict waits for when policy `p` names a pattern `x` that matches only some
# of the secret's full ARNs.
unknown(x, arn, p) := {
	"unknown": sprintf(
		concat("", [
			"it is named by a partial ARN, without the six random characters Secrets Manager adds ",
			"after its name, and %s names the resource %s, which matches only some of them",
		]),
		[p.name, x],
	),
	"ref": sprintf("the full ARN of secret %s", [trim_suffix(arn, unknown_suffix)]),
	"source": p.source,
	"fix": sprintf(
		"Name the secret by its full ARN (with the six characters) in the task definition, or allow %s in %s.",
		[arn, p.name],
	),
}
