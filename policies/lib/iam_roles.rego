# The IAM evaluator, continued (the package's description is in iam.rego): the policies of a
# role and its decisions, trust policies, the roles of a task definition and the checks of
# their calls, and the messages. Uses iam.rego; iam.rego may not use this file.
package fargate_preflight.lib.iam

import rego.v1

# --- policies of a role ---------------------------------------------------------------

# identity_policies are the role's inline and managed policies, in a stable order.
identity_policies(role) := array.concat(
	[settled(inline_entry(role, p)) | some p in as_list(object.get(role, "inline_policies", []))],
	[settled(managed_entry(ref, role.source)) | some ref in as_list(object.get(role, "managed_policy_arns", []))],
)

# settled is a policy entry, or its document when that is not settled (an unknown, which
# `unresolved` counts): a document under an unsettled condition may allow anything.
settled(entry) := entry.document if {
	data.fargate_preflight.lib.model.is_unknown(object.get(entry, "document", null))
} else := entry

inline_entry(role, p) := {
	"name": sprintf("inline policy %s of role %s", [p.name, role.name]),
	"document": p.document,
	"source": p.source,
}

# boundary_policies is [] without a permissions boundary, else the boundary's one entry.
boundary_policies(role) := [] if {
	object.get(role, "permissions_boundary", null) == null
} else := [settled(managed_entry(role.permissions_boundary, role.source))]

# managed_entry resolves a managed policy: one in the inputs (by id or ARN), else an AWS
# managed policy from the scanner's snapshot, else an unknown. `arn` (the reference) finds
# its statements in managed_statements.
managed_entry(ref, src) := {
	"name": sprintf("managed policy %s", [m.name]),
	"document": m.document,
	"source": m.source,
	"arn": ref,
} if {
	is_string(ref)
	m := input.managed_policies[ref]
} else := {
	"name": sprintf("managed policy %s", [ref]),
	"document": m.document,
	"source": src,
	"arn": ref,
} if {
	is_string(ref)
	m := aws_managed[ref]
} else := {
	"unknown": sprintf(
		"managed policy %s is neither in the scanned inputs nor in the scanner's snapshot of AWS managed policies",
		[ref],
	),
	"ref": sprintf("managed policy %s", [ref]),
	"source": src,
} if {
	is_string(ref)
} else := ref

aws_managed := data.fargate_preflight.aws.managed_policies

# managed_statements[arn] are the normalised statements of each managed policy that a role of
# the inputs attaches or has as its boundary, computed once for all the roles that share it.
managed_statements[arn] := value if {
	some arn in attached
	entry := managed_entry(arn, null)
	not data.fargate_preflight.lib.model.is_unknown(entry)
	value := normalise(entry.document)
}

attached contains arn if {
	some role in input.roles
	some arn in as_list(object.get(role, "managed_policy_arns", []))
	is_string(arn)
}

attached contains arn if {
	some role in input.roles
	arn := object.get(role, "permissions_boundary", null)
	is_string(arn)
}

# --- decisions for a role ---------------------------------------------------------------------------------

# role_policies prepares a role's identity policies and its permissions boundary (null
# without one) once, for all the requests of its checks. `allowed` is the shortcut most
# requests take: the actions that an Allow statement without Condition names (not as a
# pattern) on every resource, when the role has no Deny statement, no boundary and no policy
# that is not in the inputs; a request for one of them is allowed whatever its resource.
role_policies(role) := {"identity": identity, "boundary": boundary, "allowed": allowed_actions(identity, boundary)} if {
	identity := prepare_role_policies(identity_policies(role))
	boundary := prepared_boundary(role)
}

# prepare_role_policies is `prepare` (iam.rego) with the statements of managed policies read
# once for all the roles that attach them (managed_statements).
prepare_role_policies(policies) := {
	"entries": [{"policy": p, "statements": statements_of(p)} |
		some p in policies
		not data.fargate_preflight.lib.model.is_unknown(p)
	],
	"unresolved": unresolved(policies),
}

statements_of(p) := managed_statements[p.arn] if {
	managed_statements[p.arn]
} else := normalise(p.document)

allowed_actions(identity, null) := actions if {
	count(identity.unresolved) == 0
	every e in identity.entries {
		count(e.statements.Deny) == 0
	}
	actions := union({e.statements.allowed | some e in identity.entries})
} else := set()

allowed_actions(_, boundary) := set() if boundary != null

prepared_boundary(role) := null if {
	object.get(role, "permissions_boundary", null) == null
} else := prepare_role_policies(boundary_policies(role))

# identity_decision combines a role's identity policies and its permissions boundary: a
# request must be allowed by both. `part` says which decided, for the message.
identity_decision(role, req) := role_decision(role_policies(role), req)

# role_decision is identity_decision for a role's prepared policies; the boundary is decided
# only when the identity policies do not deny.
role_decision(policies, req) := allowed if {
	not req.any_action
	req.action in policies.allowed
} else := both(decide_prepared(policies.identity, req, null), policies.boundary, req)

allowed := {"decision": "allow", "policy": null, "unknowns": set(), "part": "identity"}

both(identity, boundary, req) := with_part(identity, "identity") if {
	identity.decision in {"explicit_deny", "implicit_deny"}
} else := combined(identity, decide_prepared(boundary, req, null)) if {
	boundary != null
} else := combined(identity, null)

combined(identity, boundary) := with_part(boundary, "boundary") if {
	boundary != null
	boundary.decision in {"explicit_deny", "implicit_deny"}
} else := {"decision": "undecided", "policy": null, "unknowns": us, "part": "identity"} if {
	us := identity.unknowns | unknowns_of(boundary)
	count(us) > 0
} else := allowed

with_part(d, part) := {"decision": d.decision, "policy": d.policy, "unknowns": d.unknowns, "part": part}

unknowns_of(null) := set()

unknowns_of(d) := d.unknowns if d != null

# denied_text is AWS's wording for a denial, as a task sees it in its error.
denied_text(d, subject) := sprintf("with an explicit deny in %s", [deny_text[d.part]]) if {
	d.decision == "explicit_deny"
} else := sprintf("because %s allows %s", [no_allow_text[d.part], subject])

deny_text := {
	"identity": "an identity-based policy",
	"key": "a resource-based policy",
	"boundary": "a permissions boundary",
	"endpoint": "a VPC endpoint policy",
}

no_allow_text := {
	"identity": "no identity-based policy",
	"key": "no resource-based policy",
	"boundary": "no permissions boundary",
	"endpoint": "no statement of the VPC endpoint policy",
}

# --- trust policies (FG107) ---------------------------------------------------------------------

ecs_tasks := "ecs-tasks.amazonaws.com"

# The condition keys AWS recommends against the confused deputy. When ECS assumes the role for
# a task, the request carries the task's own account and cluster ARN, which a condition written
# for the role's own tasks names (docs/reasoning.md §3).
deputy_keys := {"aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid"}

# deputy_operators[operator] says whether a condition on a deputy key that names the task's own
# account or cluster is met: yes for a positive operator, no for a negated one. The IfExists
# forms are the same (the key is present).
deputy_operators[op] := met if {
	some base, met in {
		"StringEquals": true, "StringEqualsIgnoreCase": true, "StringLike": true,
		"ArnEquals": true, "ArnLike": true,
		"StringNotEquals": false, "StringNotEqualsIgnoreCase": false, "StringNotLike": false,
		"ArnNotEquals": false, "ArnNotLike": false,
	}
	some op in {base, concat("", [base, "IfExists"])}
}

# trust_decision says whether ecs-tasks.amazonaws.com may assume the role:
# {"decision": "allow"|"explicit_deny"|"implicit_deny"|"undecided", "unknowns"}.
trust_decision(role) := {"decision": "undecided", "unknowns": {role.trust_policy}} if {
	data.fargate_preflight.lib.model.is_unknown(role.trust_policy)
} else := trust_verdict(trust_matches(role, "Deny"), role)

# A Deny that applies wins; one that may apply leaves an allowed request undecided, and
# changes nothing when no Allow applies anyway (may_be_denied, as `verdict` in iam.rego).
trust_verdict(denies, role) := {"decision": "explicit_deny", "unknowns": set()} if {
	some m in denies
	m[0] == "yes"
} else := may_be_denied(trust_allow(trust_matches(role, "Allow")), us) if {
	us := {m[1] | some m in denies; m[0] == "maybe"}
}

trust_allow(allows) := {"decision": "allow", "unknowns": set()} if {
	some m in allows
	m[0] == "yes"
} else := {"decision": "undecided", "unknowns": us} if {
	us := {m[1] | some m in allows; m[0] == "maybe"}
	count(us) > 0
} else := {"decision": "implicit_deny", "unknowns": set()}

# trust_without_condition: no statement of the trust policy has a Condition, the only part of
# a trust decision that names the role; the decision is then the same for every role that has
# this trust policy (FG107 decides it once for all of them).
trust_without_condition(doc) if {
	every st in statements(doc) {
		not st.Condition
	}
}

# trust_matches are [match, unknown] (as statement_match) for each statement of the effect
# that may let ecs-tasks.amazonaws.com assume the role.
trust_matches(role, effect) := [m |
	some i, st in statements(role.trust_policy)
	st.Effect == effect
	m := trust_statement(role, i, st)
]

trust_statement(role, i, st) := outcome(maybes) if {
	action := action_match(st, {"action": "sts:assumerole"}, st.Effect)
	action[0] != "no"
	principal := service_principal(st)
	principal[0] != "no"
	condition := trust_condition(st, role, i)
	condition[0] != "no"
	maybes := [x[1] | some x in [action, principal, condition]; x[0] == "maybe"]
}

# Only `*` is a wildcard in a principal (IAM User Guide: "You cannot use a wildcard to match part
# of a principal name or ARN"): `*.amazonaws.com` names no service. Service names are compared
# in any case.
service_principal(st) := yes if {
	st.Principal == "*"
} else := yes if {
	some x in as_list(object.get(st.Principal, "AWS", []))
	x == "*"
} else := yes if {
	some x in as_list(object.get(st.Principal, "Service", []))
	is_string(x)
	lower(x) == ecs_tasks
} else := ["maybe", unknowns[0]] if {
	# the first: a function has one value, and Service may list several unknowns
	unknowns := [x |
		some x in as_list(object.get(st.Principal, "Service", []))
		data.fargate_preflight.lib.model.is_unknown(x)
	]
	count(unknowns) > 0
} else := no

# trust_condition: does the statement's Condition hold for the request ECS makes for the task?
# Every key under every operator must: one that does not makes the statement not apply; one
# the inputs cannot decide makes it "maybe".
trust_condition(st, role, i) := ["maybe", st.Condition] if {
	data.fargate_preflight.lib.model.is_unknown(st.Condition)
} else := condition_verdict(outcomes, role, i) if {
	conditions := object.get(st, "Condition", {})
	own := own_account(role)
	outcomes := {[k, condition_outcome(op, k, value, st.Effect, own)] |
		some op, keys in conditions
		some key, value in keys
		k := lower(key)
	}
}

# condition_outcome for one operator, key and value: "yes" or "no" when settled; "context" when
# it depends on the request's context (a key other than the deputy keys, or an operator not
# modelled for them); "account" when it is met only if the value names the task's own account
# or cluster, and that decides against the role: the value is then taken as the task's own
# only where that lets the task run (a positive operator in an Allow, a negated one in a Deny),
# never to report an error on a guess.
condition_outcome(op, k, value, effect, own) := "context" if {
	not k in deputy_keys
} else := text if {
	names_own := settled_names_own(op, k, value, own)
	text := outcome_text[names_own][deputy_operators[op]]
} else := text if {
	met := assumed_met(op, value)
	met == lets_task_run[effect]
	text := outcome_text[true][met]
} else := "account" if {
	is_boolean(assumed_met(op, value))
} else := "context"

# outcome_text[whether the value names the task's own account][the operator's result if it does]
outcome_text := {true: {true: "yes", false: "no"}, false: {true: "no", false: "yes"}}

# lets_task_run[effect]: the result of a statement's Condition that lets the task run.
lets_task_run := {"Allow": true, "Deny": false}

# assumed_met: the operator's result when the request carries what the value names.
assumed_met(op, _) := deputy_operators[op]

# `Null: "true"` holds when the key is absent, `"false"` when present: the request carries it.
assumed_met("Null", value) := null_met[null_flag(value)]

null_met := {"true": false, "false": true}

null_flag(v) := lower(v) if {
	is_string(v)
} else := sprintf("%v", [v]) if {
	is_boolean(v)
}

# settled_names_own: whether an aws:SourceAccount or aws:SourceArn condition names the task's
# own account or cluster, when the inputs settle it. aws:SourceAccount: a value is the account
# the template deploys to (`!Ref AWS::AccountId`), or the role's ARN names the account and every
# value is a literal account id.
settled_names_own(op, "aws:sourceaccount", value, own) if {
	some v in as_list(value)
	data.fargate_preflight.lib.model.is_unknown(v)
	v.ref == "AWS::AccountId"
	not v.partial
} else if {
	literal_accounts(value, own)
	some v in as_list(value)
	account_value_matches(op, v, own)
} else := false if {
	literal_accounts(value, own)
}

# An aws:SourceArn value never names the task's own cluster when its region field excludes
# the deploy region (the model's, when the inputs settle it) or its account field the account
# of a live role: ECS sets the key to an ARN in the region and account the task runs in (ECS
# Developer Guide, "Amazon ECS task IAM role": `arn:aws:ecs:us-west-2:111122223333:*`, "Replace
# the Region identifier and specify the AWS account number that you use when launching
# tasks"). A value that may match them stays as it was: the rest of the ARN is not documented
# ("Using the aws:SourceArn condition key to specify a specific cluster is not currently
# supported, you should use the wildcard to specify all clusters").
settled_names_own(op, "aws:sourcearn", value, own) := false if {
	count(as_list(value)) > 0
	every v in as_list(value) {
		arn_excludes_task(op, v, own)
	}
}

arn_excludes_task(op, v, _) if {
	is_string(input.region)
	fields := arn_fields(v)
	not field_may_be(op, fields, 3, input.region)
}

arn_excludes_task(op, v, own) if {
	is_string(own)
	fields := arn_fields(v)
	not field_may_be(op, fields, 4, own)
}

# arn_fields are the colon-separated fields of an ARN value, settled or in part (`*` for each
# unsettled part, which holds no `:`: lib/partial_arn.rego).
arn_fields(v) := fields if {
	fields := split(data.fargate_preflight.lib.model.pattern_text(v), ":")
	count(fields) > 5
	lower(fields[0]) == "arn"
}

# field_may_be: whether field i of an ARN value may match the request's `value` there, in any
# case (so for the IgnoreCase forms too). An ARN operator matches each field on its own, with
# its wildcards (IAM User Guide, "Amazon Resource Name (ARN) condition operators"); a string
# operator matches the whole text, where a wildcard may stand for several fields: the field is
# compared only when none before it holds one, and then by its text before its own first.
field_may_be(op, fields, i, value) if {
	startswith(op, "Arn")
	wildcard_match(lower(fields[i]), lower(value))
} else if {
	not startswith(op, "Arn")
	some f in array.slice(fields, 0, i)
	has_wildcard(f)
} else if {
	not startswith(op, "Arn")
	has_wildcard(fields[i])
	startswith(lower(value), lower(split(split(fields[i], "*")[0], "?")[0]))
} else if {
	not startswith(op, "Arn")
	lower(fields[i]) == lower(value)
}

has_wildcard(text) if contains(text, "*")

has_wildcard(text) if contains(text, "?")

literal_accounts(value, own) if {
	is_string(own)
	every v in as_list(value) {
		is_string(v)
	}
}

account_value_matches(op, v, own) if {
	contains(op, "Like")
	wildcard_match(v, own)
}

account_value_matches(op, v, own) if {
	not contains(op, "Like")
	v == own
}

# own_account: the account of a role whose ARN the inputs give (a live role), else null.
own_account(role) := role_account(object.get(role, "arn", null))

# role_account: lib/callers.rego.
role_account(arn) := data.fargate_preflight.lib.callers.role_account(arn)

condition_verdict(outcomes, role, i) := no if {
	some [_, "no"] in outcomes
} else := ["maybe", condition_unknown(keys, "depends on the request's context", role, i)] if {
	keys := {k | some [k, "context"] in outcomes}
	count(keys) > 0
} else := ["maybe", condition_unknown(keys, names_own_text, role, i)] if {
	keys := {k | some [k, "account"] in outcomes}
	count(keys) > 0
} else := yes

names_own_text := "holds only if it names the task's own account or cluster, which the inputs do not settle"

# trust_condition_fix[why]: what settles such a Condition (the FG801 note's fix).
trust_condition_fix := {
	"depends on the request's context": concat(" ", [
		"The scan cannot decide this Condition from the inputs: if it holds when ECS assumes the",
		"role for the task, suppress this note with a reason.",
	]),
	names_own_text: concat(" ", [
		"Scan the live account (scan-aws), where the task's account is known; or, if the value",
		"names the task's own account or cluster, suppress this note with a reason.",
	]),
}

condition_unknown(keys, why, role, i) := {
	"unknown": sprintf("a Condition on %s %s", [concat(", ", sort(keys)), why]),
	"ref": sprintf("Condition of statement %d of trust policy of role %s", [i + 1, role.name]),
	"source": role.source,
	"fix": trust_condition_fix[why],
}

# --- the roles of a task definition, and the calls they make ---------------------------------

# role_of is the task definition's task or execution role: the role object, an unknown when
# it is not in the inputs or not settled, or null when the task definition names none.
role_of(td, which) := null if {
	object.get(td, which, null) == null
} else := data.fargate_preflight.lib.model.lookup("roles", td[which], td.source)

# caller is the principal a resource-based policy sees for the task definition's role of
# `kind` (lib/callers.rego).
caller(td, kind, role) := data.fargate_preflight.lib.callers.caller(td, kind, role)

# does_not_exist: a role that a live scan asked its own account for and did not find (model
# `exists: false`): ECS cannot assume it (FG107), so its calls are not checked.
does_not_exist(role) if role.exists == false

# checked_role is what `check` needs of a role: its prepared policies (role_policies), or
# the role itself when it is not in the inputs. Computed once for all of a role's calls.
checked_role(role) := role if {
	data.fargate_preflight.lib.model.is_unknown(role)
} else := role_policies(role)

# check says which of a call's actions the role (given by checked_role) may not perform:
# {"denied": [{"action", "decision", "resource"}], "unknowns": set of unknowns}. A role that is
# not in the inputs settles nothing. A call's `maybe` maps an action that may not be needed to
# the unknown that settles whether it is: its denial is that unknown.
check(role, c) := {"denied": [], "unknowns": {role}} if {
	data.fargate_preflight.lib.model.is_unknown(role)
} else := {"denied": [], "unknowns": set()} if {
	every action in c.actions {
		lower(action) in role.allowed
	}
} else := {"denied": denied, "unknowns": unknowns} if {
	decisions := [[action, resource, role_decision(role, request(c, action, resource))] |
		some action in c.actions
		resource := call_resource(c, action)
	]
	denied := [{"action": a, "decision": d, "resource": r} |
		some [a, r, d] in decisions
		d.decision in {"explicit_deny", "implicit_deny"}
		not c.maybe[a]
	]
	unknowns := {u | some [_, _, d] in decisions; d.decision == "undecided"; some u in d.unknowns} | {u |
		some [a, _, d] in decisions
		d.decision in {"explicit_deny", "implicit_deny"}
		u := c.maybe[a]
	}
}

# request is the request of one of a call's actions on `resource`, with the call's `context`
# when it has one (the condition keys it settles: lib/conditions.rego).
request(c, action, resource) := object.union(
	{"action": lower(action), "resource": resource},
	object.filter(c, {"context"}),
)

# call_resource is the resource an action of the call touches: the call's `resource`, unless
# its `resources` names another for that action (awslogs' PutLogEvents writes to a log stream
# of the group that CreateLogStream names).
call_resource(c, action) := object.get(object.get(c, "resources", {}), action, c.resource)

# not_authorized is the message part for denied actions, in AWS's words. Actions denied the
# same way on the same resource (`resource`, unless a denied action names its own) are named
# together (explicit denies first).
not_authorized(role_text, denied, resource) := sprintf("%s is not authorized to perform: %s", [
	role_text,
	concat("; ", [group_text(actions, key) | some key, actions in denied_groups(denied, resource)]),
])

denied_groups(denied, resource) := {key: actions |
	some key in {denied_key(x, resource) | some x in denied}
	actions := [x.action | some x in denied; denied_key(x, resource) == key]
}

denied_key(x, resource) := [x.decision.decision, x.decision.part, object.get(x, "resource", resource)]

group_text(actions, key) := sprintf("%s%s %s", [
	concat(", ", actions), on_resource(key[2]),
	denied_text({"decision": key[0], "part": key[1]}, allowed_subject(actions)),
])

allowed_subject(actions) := sprintf("the %s action", [actions[0]]) if {
	count(actions) == 1
} else := "these actions"

on_resource(resource) := "" if {
	resource == null
} else := sprintf(" on resource: %s", [data.fargate_preflight.lib.model.show(resource)])
