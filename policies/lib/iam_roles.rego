# The IAM evaluator, continued (the package's description is in iam.rego): trust policies, the
# roles of a task definition and the checks of their calls. Uses iam.rego; iam.rego may not
# use this file.
package fargate_preflight.lib.iam

import rego.v1

# --- trust policies (FG107) ---------------------------------------------------------------------

ecs_tasks := "ecs-tasks.amazonaws.com"

# The condition keys AWS recommends against the confused deputy: settled offline (the task's
# account and cluster are not known, RULES.md FG107).
deputy_keys := {"aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid"}

# trust_decision says whether ecs-tasks.amazonaws.com may assume the role:
# {"decision": "allow"|"explicit_deny"|"implicit_deny"|"undecided", "unknowns"}.
trust_decision(role) := {"decision": "undecided", "unknowns": {role.trust_policy}} if {
	data.fargate_preflight.lib.model.is_unknown(role.trust_policy)
} else := {"decision": "explicit_deny", "unknowns": set()} if {
	some m in trust_matches(role, "Deny")
	m.match == "yes"
} else := {"decision": "allow", "unknowns": set()} if {
	some m in trust_matches(role, "Allow")
	m.match == "yes"
} else := {"decision": "undecided", "unknowns": us} if {
	us := {m.unknown | some m in trust_matches(role, "Allow"); m.match == "maybe"}
	count(us) > 0
} else := {"decision": "implicit_deny", "unknowns": set()}

trust_matches(role, effect) := [m |
	p := {"name": sprintf("trust policy of role %s", [role.name]), "source": role.source}
	some i, st in statements(role.trust_policy)
	st.Effect == effect
	m := trust_statement(p, i, st)
	m.match != "no"
]

trust_statement(p, i, st) := {"match": match, "unknown": unknown} if {
	parts := [
		action_match(st, {"action": "sts:assumerole"}, st.Effect),
		service_principal(st),
		trust_condition(st, p, i),
	]
	match := combine([x[0] | some x in parts])
	unknown := first_unknown([x[1] | some x in parts])
}

service_principal(st) := yes if {
	st.Principal == "*"
} else := yes if {
	some x in as_list(object.get(st.Principal, "AWS", []))
	x == "*"
} else := yes if {
	some x in as_list(object.get(st.Principal, "Service", []))
	is_string(x)
	glob.match(escape(lower(x)), [], ecs_tasks)
} else := ["maybe", x] if {
	some x in as_list(object.get(st.Principal, "Service", []))
	data.fargate_preflight.lib.model.is_unknown(x)
} else := no

trust_condition(st, p, i) := ["maybe", {
	"unknown": sprintf("a Condition on %s depends on the request's context", [concat(", ", sort(others))]),
	"ref": sprintf("Condition of statement %d of %s", [i + 1, p.name]),
	"source": p.source,
}] if {
	others := {k |
		some keys in object.get(st, "Condition", {})
		some key, _ in keys
		k := lower(key)
		not k in deputy_keys
	}
	count(others) > 0
} else := yes

# --- the roles of a task definition, and the calls they make ---------------------------------

# role_of is the task definition's task or execution role: the role object, an unknown when
# it is not in the inputs or not settled, or null when the task definition names none.
role_of(td, which) := null if {
	object.get(td, which, null) == null
} else := data.fargate_preflight.lib.model.lookup("roles", td[which], td.source)

# checked_role is what `check` needs of a role: its prepared policies (role_policies), or
# the role itself when it is not in the inputs. Computed once for all of a role's calls.
checked_role(role) := role if {
	data.fargate_preflight.lib.model.is_unknown(role)
} else := role_policies(role)

# check says which of a call's actions the role (given by checked_role) may not perform:
# {"denied": [{"action", "decision"}], "unknowns": set of unknowns}. A role that is not in the
# inputs settles nothing.
check(role, c) := {"denied": [], "unknowns": {role}} if {
	data.fargate_preflight.lib.model.is_unknown(role)
} else := {"denied": denied, "unknowns": unknowns} if {
	decisions := [[action, role_decision(role, {"action": lower(action), "resource": c.resource})] |
		some action in c.actions
	]
	denied := [{"action": a, "decision": d} | some [a, d] in decisions; d.decision in {"explicit_deny", "implicit_deny"}]
	unknowns := {u | some [_, d] in decisions; d.decision == "undecided"; some u in d.unknowns}
}

# not_authorized is the message part for denied actions, in AWS's words.
# Actions denied the same way are named together (explicit denies first).
not_authorized(role_text, denied, resource) := sprintf("%s is not authorized to perform: %s", [
	role_text,
	concat("; ", [group_text(actions, key, resource) | some key, actions in denied_groups(denied)]),
])

denied_groups(denied) := {key: actions |
	some key in {[x.decision.decision, x.decision.part] | some x in denied}
	actions := [x.action | some x in denied; [x.decision.decision, x.decision.part] == key]
}

group_text(actions, key, resource) := sprintf("%s%s %s", [
	concat(", ", actions), on_resource(resource),
	denied_text({"decision": key[0], "part": key[1]}, allowed_subject(actions)),
])

allowed_subject(actions) := sprintf("the %s action", [actions[0]]) if {
	count(actions) == 1
} else := "these actions"

on_resource(resource) := "" if {
	resource == null
} else := sprintf(" on resource: %s", [data.fargate_preflight.lib.needs.show(resource)])
