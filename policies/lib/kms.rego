# METADATA
# description: |
#   KMS key policies (docs/reasoning.md §3, "KMS keys"): whether a role may use a KMS key of the
#   inputs (`kms_keys`, docs/model.md) is decided by its key policy and the role's IAM policies
#   together. A key policy statement that names the role (its ARN, or `*`) grants it on its own;
#   one that names the role's account (its root ARN or id) lets the account's IAM policies
#   decide ("To use an IAM policy to allow access to a KMS key, the key policy must explicitly
#   allow it", KMS Developer Guide, "KMS key access and permissions"); an explicit Deny in
#   either wins. A key that is not in the inputs, or has the default key policy (null), is
#   decided by the IAM policies alone, as lib/iam_roles.rego `check` does.
package fargate_preflight.lib.kms

import rego.v1

# check is lib/iam_roles.rego `check` for a call on a KMS key: `role` as checked_role gives it,
# `caller` the principal the key policy sees (lib/iam_roles.rego `caller`).
check(role, caller, c) := {"denied": denied, "unknowns": unknowns} if {
	not data.fargate_preflight.lib.model.is_unknown(role)
	key := key_of(c.resource)
	key.policy != null
	decisions := [[action, d] |
		some action in c.actions
		d := decision(role, caller, data.fargate_preflight.lib.iam.request(c, action, c.resource), key)
	]
	denied := [{"action": a, "decision": d, "resource": c.resource} |
		some [a, d] in decisions
		d.decision in {"explicit_deny", "implicit_deny"}
	]
	unknowns := {u | some [_, d] in decisions; d.decision == "undecided"; some u in d.unknowns}
} else := data.fargate_preflight.lib.iam.check(role, c)

# key_policy_fix: the fix of a check `x` (lib/calls_roles.rego) whose key policy neither grants
# the role nor lets IAM policies decide: an Allow in the role's policies cannot help.
key_policy_fix(x, role_kind) := sprintf(
	concat(" ", [
		"Allow %s to %s %s in the key policy of KMS key %s: name the role's ARN as Principal, or the",
		"account's root (arn:aws:iam::ACCOUNT:root, as the default key policy does) so that the role's IAM",
		"policies decide, and allow it there too.",
	]),
	[concat(", ", actions), role_kind, x.role.name, key_of(x.call.resource).name],
) if {
	actions := [d.action | some d in x.result.denied; d.decision.part == "key"; d.decision.decision == "implicit_deny"]
	count(actions) > 0
}

# key_of is the key of the inputs that a request resource names: by its ARN, or by the token of
# a key the inputs create (`identity`, docs/model.md: `!Ref Key`, `!GetAtt Key.Arn`).
key_of(resource) := keys[0] if {
	keys := [k | some k in object.get(input, "kms_keys", {}); same_key(k.arn, resource)]
	count(keys) == 1
}

same_key(arn, resource) if {
	is_string(arn)
	arn == resource
}

same_key(arn, resource) if {
	own := key_token(arn)
	own == key_token(resource)
}

key_token(v) := tokens[0] if {
	text := data.fargate_preflight.lib.partial_arn.identity(v)
	tokens := regex.find_n(`<#[^<>]*>`, text, -1)
	count(tokens) == 1
}

# decision is the verdict on one request, as lib/iam_roles.rego role_decision gives it (with
# `part` "key" when the key policy decides).
decision(role, _, req, key) := undecided({key.policy}) if {
	data.fargate_preflight.lib.model.is_unknown(key.policy)
	data.fargate_preflight.lib.iam.role_decision(role, req).decision != "explicit_deny"
} else := data.fargate_preflight.lib.iam.role_decision(role, req) if {
	data.fargate_preflight.lib.model.is_unknown(key.policy)
}

decision(role, caller, req, key) := key_verdict(role, caller, req, key_policy(key)) if {
	not data.fargate_preflight.lib.model.is_unknown(key.policy)
}

undecided(unknowns) := {"decision": "undecided", "policy": null, "unknowns": unknowns, "part": "key"}

outcome(decision, policy, part) := {"decision": decision, "policy": policy, "unknowns": set(), "part": part}

# key_policy: the key policy prepared for the IAM evaluator (lib/iam.rego `prepare`) whole, and
# as its Allow statements that grant principals directly and those that delegate to IAM.
key_policy(key) := {
	"name": name,
	"all": prepared(entry, sts),
	"direct": prepared(entry, direct),
	"delegating": prepared(entry, delegating),
} if {
	name := sprintf("key policy of KMS key %s", [key.name])
	entry := {"name": name, "source": key.source}
	sts := data.fargate_preflight.lib.iam.statements(key.policy)
	direct := [s | some st in sts; s := direct_statement(st)]
	delegating := [s | some st in sts; s := delegating_statement(st)]
}

prepared(entry, sts) := data.fargate_preflight.lib.iam.prepare([object.union(entry, {"document": {"Statement": sts}})])

# key_verdict: an explicit Deny (the key policy's, the role's identity policies', its
# boundary's) wins. Else the role is allowed when the key policy grants it directly (and the
# boundary allows: a permissions boundary limits what a resource-based policy grants a role,
# IAM User Guide, "Policy evaluation logic"), or when the key policy lets IAM policies decide
# and they allow.
key_verdict(role, caller, req, kp) := outcome("explicit_deny", kp.name, "key") if {
	some h in data.fargate_preflight.lib.iam.hits(kp.all, "Deny", req, caller)
	h[0] == "yes"
} else := identity if {
	identity := data.fargate_preflight.lib.iam.role_decision(role, req)
	identity.decision == "explicit_deny"
} else := boundary if {
	boundary := boundary_decision(role, req)
	boundary.decision == "explicit_deny"
} else := combined(granted, denies, ways) if {
	ways := {
		"identity": data.fargate_preflight.lib.iam.role_decision(role, req),
		"boundary": boundary_decision(role, req),
		"direct": allows(kp.direct, req, caller),
		"delegated": allows(kp.delegating, req, caller),
	}
	granted := any_of(all_of(ways.direct, ways.boundary), all_of(ways.delegated, ways.identity))
	from_role := deny_unknowns(role.identity, req, null) | boundary_denies(role, req)
	denies := deny_unknowns(kp.all, req, caller) | from_role
}

# allows: the verdict of the Allow statements of prepared policies.
allows(policies, req, caller) := data.fargate_preflight.lib.iam.allow_verdict(hits) if {
	hits := data.fargate_preflight.lib.iam.hits(policies, "Allow", req, caller)
}

boundary_decision(role, req) := {"decision": "allow", "policy": null, "unknowns": set(), "part": "boundary"} if {
	role.boundary == null
} else := object.union(data.fargate_preflight.lib.iam.decide_prepared(role.boundary, req, null), {"part": "boundary"})

boundary_denies(role, req) := set() if {
	role.boundary == null
} else := deny_unknowns(role.boundary, req, null)

# deny_unknowns: what the Deny statements that may apply wait for, and the policies not in the
# inputs (which may deny anything).
deny_unknowns(policies, req, caller) := {h[1] |
	some h in data.fargate_preflight.lib.iam.hits(policies, "Deny", req, caller)
	h[0] == "maybe"
} | policies.unresolved

# combined: granted by either way (`granted`, with the Deny statements that may apply) or not;
# a denial says which part refused: the boundary when the key policy may grant the role, the
# key policy when it neither grants the role nor lets IAM policies decide ("no resource-based
# policy allows"), else the identity policies (or the boundary) as they decide.
combined(granted, denies, ways) := outcome("allow", null, "key") if {
	granted.decision == "allow"
	count(denies) == 0
} else := undecided(granted.unknowns | denies) if {
	granted.decision in {"allow", "undecided"}
} else := outcome("implicit_deny", null, "boundary") if {
	ways.direct.decision != "implicit_deny"
} else := outcome("implicit_deny", null, "key") if {
	ways.delegated.decision == "implicit_deny"
} else := ways.identity

# all_of and any_of join two verdicts ("allow", "undecided" or "implicit_deny").
all_of(a, b) := {"decision": "implicit_deny", "unknowns": set()} if {
	"implicit_deny" in {a.decision, b.decision}
} else := {"decision": "undecided", "unknowns": (a.unknowns | b.unknowns)} if {
	"undecided" in {a.decision, b.decision}
} else := {"decision": "allow", "unknowns": set()}

any_of(a, b) := {"decision": "allow", "unknowns": set()} if {
	"allow" in {a.decision, b.decision}
} else := {"decision": "undecided", "unknowns": (a.unknowns | b.unknowns)} if {
	"undecided" in {a.decision, b.decision}
} else := {"decision": "implicit_deny", "unknowns": set()}

# direct_statement: an Allow statement with the principals that grant on their own (a role ARN,
# `*`, an unsettled value that may be either); undefined when it names accounts only.
# delegating_statement: one with the account principals only (the account's root ARN or id:
# "IAM policies of the account decide", not access for every role of it).
direct_statement(st) := st if {
	st.Effect == "Allow"
	not aws_principals(st)
} else := object.union(st, {"Principal": {"AWS": others}}) if {
	st.Effect == "Allow"
	others := [x | some x in aws_principals(st); not is_account(x)]
	count(others) > 0
}

delegating_statement(st) := object.union(st, {"Principal": {"AWS": accounts}}) if {
	st.Effect == "Allow"
	accounts := [x | some x in aws_principals(st); is_account(x)]
	count(accounts) > 0
}

# aws_principals: the AWS principals of a statement's Principal map (one unsettled Principal
# is one unsettled principal); undefined for `*`, NotPrincipal, or no Principal.
aws_principals(st) := [st.Principal] if {
	data.fargate_preflight.lib.model.is_unknown(st.Principal)
} else := data.fargate_preflight.lib.iam.as_list(st.Principal.AWS) if {
	is_object(st.Principal)
}

# (lib/principals.rego account: null for the stack's own account, not known offline)
is_account(x) if type_name(data.fargate_preflight.lib.principals.account(x)) in {"null", "string"}
