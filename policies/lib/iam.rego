# METADATA
# description: |
#   The IAM evaluator (docs/reasoning.md §3): identity policies, permissions
#   boundaries, VPC endpoint policies and trust policies, for one request at a time.
#   A request is {"action": "sns:listtopics" (lower case), "resource": R} where R is an ARN
#   (its region or account may be "*": not known offline, matching any; a Secrets Manager
#   secret's may end with `-??????`: the six characters of its full ARN that a partial ARN
#   leaves out, lib/secret_arn.rego), "*" (an action
#   without resource-level permissions), null (a declared action without resources: any
#   resource of the action's service) or an unknown (a resource the inputs do not settle;
#   with `bucket`, an S3 bucket's ARN, lib/calls.rego bucket_of); with `context`, the
#   condition keys the inputs settle for it (lib/conditions.rego).
#   A policy entry is {"name", "document", "source"}, or an unknown when the document is not
#   in the inputs. `decide` returns {"decision", "policy", "unknowns"}: decision is
#   "explicit_deny", "implicit_deny", "allow" or "undecided" (unknowns: what it waits for).
package fargate_preflight.lib.iam

import rego.v1

# --- decisions ---------------------------------------------------------------------------

# decide evaluates a request against a set of policies of one kind (identity policies, or a
# boundary, or an endpoint policy with `caller` for its principals; null for identity
# policies, which have none). An explicit Deny wins; a Deny or Allow that may apply (a
# Condition, an unsettled value, a policy not in the inputs) leaves the verdict undecided,
# unless no Allow applies anyway (verdict).
decide(policies, req, caller) := decide_prepared(prepare(policies), req, caller)

# prepare reads a set of policies once for the many requests checked against them: each
# policy's statements grouped by effect, with their actions lower-cased (see `normalise`),
# and the entries whose document is not in the inputs.
prepare(policies) := {
	"entries": [{"policy": p, "statements": normalise(p.document)} |
		some p in policies
		not data.fargate_preflight.lib.model.is_unknown(p)
	],
	"unresolved": unresolved(policies),
}

# unresolved are the policy entries whose document is not in the inputs.
unresolved(policies) := {p | some p in policies; data.fargate_preflight.lib.model.is_unknown(p)}

# decide_prepared is `decide` for prepared policies. The Deny statements are matched first: one
# that applies wins. A policy not in the inputs may deny or allow anything. A Deny that may
# apply leaves an allowed request undecided and changes nothing when no Allow applies: the
# request is denied either way (IAM User Guide, "The difference between explicit and implicit
# denies").
decide_prepared(prepared, req, caller) := verdict(hits(prepared, "Deny", req, caller), prepared, req, caller)

verdict(denies, prepared, req, caller) := {"decision": "explicit_deny", "policy": min(names), "unknowns": set()} if {
	names := {h[2] | some h in denies; h[0] == "yes"}
	count(names) > 0
} else := {"decision": "undecided", "policy": null, "unknowns": us} if {
	count(prepared.unresolved) > 0
	us := {h[1] | some h in denies; h[0] == "maybe"} | prepared.unresolved
} else := may_be_denied(allow_verdict(hits(prepared, "Allow", req, caller)), us) if {
	us := {h[1] | some h in denies; h[0] == "maybe"}
}

# may_be_denied: the Allow statements' decision `d` when Deny statements may apply (`us`).
may_be_denied(d, us) := object.union(d, {"decision": "undecided", "unknowns": (d.unknowns | us)}) if {
	count(us) > 0
	d.decision != "implicit_deny"
} else := d

allow_verdict(allows) := {"decision": "allow", "policy": null, "unknowns": set()} if {
	some h in allows
	h[0] == "yes"
} else := {"decision": "undecided", "policy": null, "unknowns": us} if {
	us := {h[1] | some h in allows; h[0] == "maybe"}
	count(us) > 0
} else := {"decision": "implicit_deny", "policy": null, "unknowns": set()}

# hits lists [match, unknown, policy name] for every statement of the effect that applies or
# may apply to the request.
hits(prepared, effect, req, caller) := [[m[0], m[1], e.policy.name] |
	some e in prepared.entries
	some s in e.statements[effect]
	m := statement_match(e.policy, s, req, caller)
]

# --- statements ------------------------------------------------------------------------------

statements(doc) := doc.Statement if {
	is_array(doc.Statement)
} else := [doc.Statement] if {
	is_object(doc.Statement)
	not data.fargate_preflight.lib.model.is_unknown(doc.Statement)
} else := []

# normalise groups a document's statements by effect ({"Allow": [...], "Deny": [...]}), each
# read once for every request checked against it (and `allowed`: the actions its Allow
# statements without Condition name, not as patterns, on every resource; see role_policies):
#   statement: the statement as written; index: its position (for messages);
#   negated: it has NotAction (and no Action); exact: its action names without wildcards, in
#   lower case; patterns: those with `*` or `?`; unknowns: its unsettled actions;
#   resource: "yes" or "no" when the Resource part is settled whatever the request (`*` in
#   Resource, or in NotResource, or neither), else "listed" (Resource) or "unlisted" (NotResource);
#   condition: it has a Condition.
# A statement with neither Action nor NotAction applies to nothing and is left out.
normalise(doc) := by_effect(statements(doc))

by_effect(sts) := {"Allow": allows, "Deny": of_effect(sts, "Deny"), "allowed": allowed} if {
	allows := of_effect(sts, "Allow")
	allowed := {a |
		some s in allows
		s.resource == "yes"
		not s.condition
		not s.negated
		some a in s.exact
	}
}

of_effect(sts, effect) := [normal_statement(i, st, items) |
	some i, st in sts
	st.Effect == effect
	items := action_items(st)
]

action_items(st) := as_list(st.Action) if {
	"Action" in object.keys(st)
} else := as_list(st.NotAction) if {
	"NotAction" in object.keys(st)
}

normal_statement(i, st, items) := {
	"statement": st,
	"index": i,
	"negated": negated(st),
	"exact": names - wildcards,
	"patterns": wildcards,
	"unknowns": unknown_items(items, names),
	"resource": settled_resource(st),
	"condition": count(object.get(st, "Condition", {})) > 0,
} if {
	names := {lower(x) | some x in items; is_string(x)}
	wildcards := patterns(names)
}

# (Most statements have no pattern and no unsettled action: one test each for all.)
patterns(names) := set() if {
	joined := concat(" ", names)
	not contains(joined, "*")
	not contains(joined, "?")
} else := wildcards if {
	wildcards := {x | some x in names; replace(replace(x, "*", ""), "?", "") != x}
}

unknown_items(items, names) := [] if {
	count(items) == count(names)
} else := unknowns if {
	unknowns := [x | some x in items; data.fargate_preflight.lib.model.is_unknown(x)]
}

negated(st) := false if {
	"Action" in object.keys(st)
} else := true

settled_resource(st) := "yes" if {
	"Resource" in object.keys(st)
	"*" in as_list(st.Resource)
} else := "listed" if {
	"Resource" in object.keys(st)
} else := "no" if {
	"*" in as_list(st.NotResource)
} else := "unlisted" if {
	"NotResource" in object.keys(st)
} else := "yes"

# statement_match decides whether a normalised statement applies to the request: [match,
# unknown] with match "yes" or "maybe" (then `unknown` is the first thing it waits for: in
# its action, resource, principal or condition); undefined when it does not apply. The
# action is decided first, the other parts only for a statement that may apply.
statement_match(p, s, req, caller) := outcome(maybes) if {
	action := action_part(s, req)
	action[0] != "no"
	resource := resource_part(s, req, p)
	resource[0] != "no"
	principal := principal_match(s.statement, caller, p)
	principal[0] != "no"
	condition := data.fargate_preflight.lib.conditions.part(s, p, req, caller)
	condition[0] != "no"
	maybes := [x[1] | some x in [action, resource, principal, condition]; x[0] == "maybe"]
}

outcome(maybes) := yes if {
	count(maybes) == 0
} else := ["maybe", maybes[0]]

as_list(x) := x if {
	is_array(x)
} else := [x]

yes := ["yes", null]

no := ["no", null]

negate(m) := no if {
	m[0] == "yes"
} else := yes if {
	m[0] == "no"
} else := m

# --- actions --------------------------------------------------------------------------------

# action_part: does the statement's Action (or NotAction) name the requested action? A
# request for "any action of a service" goes through action_match.
action_part(s, req) := action_match(s.statement, req, s.statement.Effect) if {
	req.any_action
} else := no if {
	s.negated
	listed(s, req.action)
} else := yes if {
	not s.negated
	listed(s, req.action)
} else := ["maybe", s.unknowns[0]] if {
	count(s.unknowns) > 0
} else := yes if {
	s.negated
} else := no

listed(s, action) if action in s.exact

listed(s, action) if {
	some pattern in s.patterns
	wildcard_match(pattern, action)
}

action_match(st, req, effect) := any_match(items) if {
	"Action" in object.keys(st)
	items := [action_item(x, req, effect) | some x in as_list(st.Action)]
} else := negate(any_match(items)) if {
	"NotAction" in object.keys(st)
	items := [action_item(x, req, deny_side[effect]) | some x in as_list(st.NotAction)]
} else := no

# NotAction turns the question around: an Allow with NotAction may allow some action of a
# service unless its list covers all of them.
deny_side := {"Allow": "Deny", "Deny": "Allow"}

# IAM action names are case-insensitive; `*` and `?` are the only wildcards. A request for
# "any action of a service" (`any_action`, the inferred needs of FG102) is met by an Allow
# that may name one of its actions, and by a Deny only when it covers them all.
action_item(x, req, effect) := yes if {
	is_string(x)
	not req.any_action
	wildcard_match(lower(x), req.action)
} else := yes if {
	is_string(x)
	req.any_action
	effect == "Allow"
	parts := split(lower(x), ":")
	glob.match(escape(parts[0]), null, prefix(req.action))
} else := yes if {
	is_string(x)
	req.any_action
	effect == "Deny"
	wildcard_match(lower(x), req.action)
} else := ["maybe", x] if {
	data.fargate_preflight.lib.model.is_unknown(x)
} else := no

# any_match: any item that applies makes the list apply; else any that may.
any_match(items) := yes if {
	some x in items
	x[0] == "yes"
} else := maybes[0] if {
	maybes := [x | some x in items; x[0] == "maybe"]
	count(maybes) > 0
} else := no

# wildcard_match is IAM's `*`/`?` matching (a glob without delimiters, null: `[]` means `.`);
# patterns without wildcards, and the common `*` at the end only, are compared directly (a glob
# regorus compiles on every call, about 40 µs). One chain of `else`: one kind per pattern.
# regal ignore:boolean-assignment
wildcard_match(pattern, value) := pattern == value if {
	not contains(pattern, "*")
	not contains(pattern, "?")
} else := startswith(value, head) if {
	not contains(pattern, "?")
	head := trim_suffix(pattern, "*")
	not contains(head, "*")
} else := glob.match(escape(pattern), null, value)

# escape keeps IAM's literal brackets and braces out of glob syntax.
escape(pattern) := replace(replace(replace(replace(pattern, "[", "\\["), "]", "\\]"), "{", "\\{"), "}", "\\}")

# --- resources ------------------------------------------------------------------------------

# resource_part: does the statement's Resource (or NotResource) cover the request? A
# Resource that names the requested ARN as it is covers it (it would match itself as a
# pattern too; a backslash would escape a glob wildcard).
resource_part(s, req, p) := yes if {
	s.resource == "yes"
} else := no if {
	s.resource == "no"
} else := yes if {
	s.resource == "listed"
	is_string(req.resource)
	req.resource in as_list(s.statement.Resource)
	not contains(req.resource, "${")
	not contains(req.resource, "\\")
} else := resource_match(s.statement, req, s.statement.Effect, p)

resource_match(st, req, effect, p) := any_match(items) if {
	"Resource" in object.keys(st)
	items := [resource_item(x, req, effect, p) | some x in as_list(st.Resource)]
} else := negate(any_match(items)) if {
	"NotResource" in object.keys(st)
	items := [resource_item(x, req, deny_side[effect], p) | some x in as_list(st.NotResource)]
} # trust policies name no resource

else := yes

# A pattern whose only unsettled parts are the account id and the deploy region keeps `*`
# there: an account the inputs do not name matches any account (docs/reasoning.md §3), and the deploy
# region is the region of the resources the task uses there.
resource_item(x, req, effect, p) := resource_pattern(x, req, effect, p) if {
	is_string(x)
	not contains(x, "${")
} else := resource_pattern(x.partial, req, effect, p) if {
	data.fargate_preflight.lib.model.settled_but_deployment(x)
} else := decided if {
	decided := identity_match(x, req, effect, p)
} else := yes if {
	data.fargate_preflight.lib.partial_arn.same_resource(x, req.resource)
} else := no if {
	# its known parts (`*` for each unsettled one) cannot match: neither can the value
	data.fargate_preflight.lib.model.is_unknown(x)
	is_string(x.partial)
	not contains(x.partial, "${")
	resource_pattern(x.partial, req, effect, p) == no
} else := ["maybe", x] if {
	data.fargate_preflight.lib.model.is_unknown(x)
} else := ["maybe", policy_variable(x, p)] if {
	is_string(x)
	contains(x, "${")
} else := no # a number or boolean names no resource

resource_pattern(x, req, effect, p) := yes if {
	x == "*"
} else := yes if {
	req.resource == null
	effect == "Allow"
	may_name_service(x, prefix(req.action))
} else := yes if {
	req.resource == null
	effect == "Deny"
	covers_service(x, prefix(req.action))
} else := partial_secret_match(x, req.resource, p) if {
	is_string(req.resource)
	endswith(req.resource, data.fargate_preflight.lib.secret_arn.unknown_suffix)
} else := yes if {
	is_string(req.resource)
	arn_match(x, req.resource)
} else := yes if {
	data.fargate_preflight.lib.model.is_unknown(req.resource)
	effect == "Deny"
	covers_service(x, prefix(req.action))
} else := unsettled_request_match(x, req.resource) if {
	data.fargate_preflight.lib.model.is_unknown(req.resource)
	may_name_service(x, prefix(req.action))
} else := no

prefix(action) := parts[0] if parts := split(action, ":")

# unsettled_request_match: a request resource settled in part (its `partial` an ARN) is covered
# when the pattern matches it whatever its unsettled parts are, not when for none of them
# (lib/partial_arn.rego); its open region or account fields match any (fill_open_fields).
unsettled_request_match(x, r) := yes if {
	startswith(r.partial, "arn:")
	not contains(x, "?")
	wildcard_match(x, data.fargate_preflight.lib.partial_arn.probe(x, r.partial))
} else := no if {
	startswith(r.partial, "arn:")
	not data.fargate_preflight.lib.partial_arn.may_match(x, r.partial)
} else := no if {
	# an S3 bucket (lib/calls.rego, bucket_of): no `/` in its ARN, whatever its name
	r.bucket == true
	contains(x, "/")
} else := ["maybe", r]

# identity_match: a policy that names a value as the request's resource does, as far as the inputs
# settle which value each unsettled part is (lib/partial_arn.rego, compared): covered whatever
# they are, or for none of them (`!GetAtt Audit.Arn` for the group `Ref App` names).
identity_match(x, req, effect, p) := matched if {
	[own, theirs, opened] := data.fargate_preflight.lib.partial_arn.compared(x, req.resource)
	startswith(theirs, "arn:")
	matched := resource_pattern(own, object.union(req, {"resource": as_request(req.resource, theirs)}), effect, p)
	settles(matched, opened)
}

settles(matched, false) if matched == yes

settles(matched, _) if matched == no

as_request(r, text) := text if {
	not contains(text, "*")
} else := object.union(r, {"partial": text})

# may_name_service: an ARN pattern that could name some resource of the service.
may_name_service(x, _) if {
	fields := split(x, ":")
	count(fields) < 3
	glob.match(escape(x), null, "arn:aws")
}

may_name_service(x, service) if {
	fields := split(x, ":")
	count(fields) >= 3
	fields[0] == "arn"
	glob.match(escape(fields[2]), null, service)
}

# A wildcard in the first field may stand for any ARN's first fields (`*:log-stream:*`, what is
# known of `!Select [0, !Split [":*", !GetAtt Group.Arn]]` and `:log-stream:*`).
may_name_service(x, _) if {
	fields := split(x, ":")
	count(fields) >= 3
	contains(fields[0], "*")
}

# covers_service: an ARN pattern that is `*` after the service name covers every resource.
covers_service(x, service) if {
	fields := split(x, ":")
	count(fields) >= 3
	fields[0] == "arn"
	glob.match(escape(fields[1]), null, "aws")
	glob.match(escape(fields[2]), null, service)
	trim(concat(":", array.slice(fields, 3, count(fields))), "*:") == ""
}

# arn_match matches an ARN pattern against a request ARN whose region or account may be
# "*" (not known: any value matches, so it takes the pattern's own field). "*" alone is an
# action without resource-level permissions: only a pattern that matches everything covers it.
arn_match(x, "*") := glob.match(escape(x), null, "*")

arn_match(x, arn) if {
	arn != "*"
	wildcard_match(x, fill_open_fields(x, arn))
}

fill_open_fields(x, arn) := data.fargate_preflight.lib.partial_arn.fill_open_fields(x, arn) # lib/partial_arn.rego

# partial_secret_match: a secret named by a partial ARN (lib/secret_arn.rego) is covered when
# the pattern matches its full ARN whatever its six random characters, not when it matches
# none of them; one that matches some only (one full ARN) leaves the verdict waiting for them.
partial_secret_match(x, arn, p) := yes if {
	wildcard_match(x, data.fargate_preflight.lib.secret_arn.probe(x, fill_open_fields(x, arn)))
} else := no if {
	parts := data.fargate_preflight.lib.secret_arn.parts(x, fill_open_fields(x, arn))
	not wildcard_match(parts.head[0], parts.head[1])
} else := no if {
	parts := data.fargate_preflight.lib.secret_arn.parts(x, fill_open_fields(x, arn))
	not data.fargate_preflight.lib.secret_arn.may_match(parts.pattern, parts.known)
} else := ["maybe", data.fargate_preflight.lib.secret_arn.unknown(x, arn, p)]

policy_variable(x, p) := {
	"unknown": sprintf("resource %s uses a policy variable, which depends on the request", [x]),
	"ref": sprintf("policy variable in %s", [p.name]),
	"source": p.source,
}

# --- principals (VPC endpoint policies) ------------------------------------------------------

# caller: lib/callers.rego (a role, or the AWS-owned principal of an ECR layer download).
# Identity policies have no principal (caller null). What a principal names: lib/principals.rego.
principal_match(_, null, _) := yes

principal_match(st, caller, p) := principal_list(st.Principal, caller, p) if {
	caller != null
	"Principal" in object.keys(st)
} else := yes if {
	caller != null
	excludes_none(st, caller, p)
} else := ["maybe", data.fargate_preflight.lib.principals.unmatched_note(p)] if caller != null

# excludes_none: a Deny's NotPrincipal applies to the caller when each of its AWS principals is
# an ARN or account that cannot be the caller's. One that names its role or account (or a
# session of it) is left undecided: AWS checks the account, the role and the session in turn
# ("NotPrincipal", IAM User Guide), and a NotPrincipal Deny denies any role with a permissions
# boundary whatever it names.
excludes_none(st, caller, p) if {
	st.Effect == "Deny"
	is_object(st.NotPrincipal)
	object.keys(st.NotPrincipal) == {"AWS"}
	every x in as_list(st.NotPrincipal.AWS) {
		principal_item(x, caller, p) == no
		data.fargate_preflight.lib.principals.names_no_session(x, caller)
	}
}

principal_list(principal, caller, p) := yes if {
	principal == "*"
} else := any_match(items) if {
	is_object(principal)
	"AWS" in object.keys(principal)
	items := [principal_item(x, caller, p) | some x in as_list(principal.AWS)]
} else := no

# An account principal (id, or its root ARN) matches every role of that account; an account
# the inputs do not settle matches. A role ARN matches that role only: `*` alone is the one
# wildcard principal ("You cannot use a wildcard to match part of a principal name or ARN",
# IAM User Guide). One that differs from the caller's ARN only in case is not settled (IAM role
# names are unique whatever their case). A principal that names the caller's role as the inputs
# do (`!GetAtt ExecRole.Arn`, `aws_iam_role.execution.arn`) is the caller. A role ARN known only
# in part (its `partial`: `arn:aws:iam::*:role/svc/api-exec`) is matched by its known parts:
# another role name, path or partition is not the caller, whatever the account; a match that
# waits for the account is undecided. A number (`AWS: 123456789012` unquoted in YAML) is not
# IAM's documented form: whether IAM reads it as that account is not settled. The AWS-owned
# principal of an ECR layer download is matched by `*` alone (lib/principals.rego).
principal_item(x, caller, p) := data.fargate_preflight.lib.principals.aws_owned_match(x) if {
	caller.aws_owned
} else := role_principal_item(x, caller, p)

role_principal_item(x, caller, p) := yes if {
	x == "*"
} else := yes if {
	account := data.fargate_preflight.lib.principals.account(x)
	account_matches(account, caller.account)
	not data.fargate_preflight.lib.principals.other_partition(x, caller.arn)
} else := yes if {
	x == caller.arn
	is_string(x)
} else := ["maybe", data.fargate_preflight.lib.principals.case_note(x, p)] if {
	is_string(x)
	is_string(caller.arn)
	lower(x) == lower(caller.arn)
} else := decided if {
	decided := data.fargate_preflight.lib.principals.identity_match(x, caller.arn)
} else := yes if {
	data.fargate_preflight.lib.partial_arn.same_resource(x, caller.arn)
} else := no if {
	not data.fargate_preflight.lib.principals.account(x)
	data.fargate_preflight.lib.principals.cannot_be(x, caller.arn)
} else := ["maybe", caller.arn] if {
	is_string(x)
	not data.fargate_preflight.lib.principals.account(x)
	data.fargate_preflight.lib.model.is_unknown(caller.arn)
} else := ["maybe", x] if {
	data.fargate_preflight.lib.model.is_unknown(x)
} else := ["maybe", data.fargate_preflight.lib.principals.number_note(x, p)] if {
	is_number(x)
} else := no

account_matches(account, known) if known in {null, account}
