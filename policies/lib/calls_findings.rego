# The rules' side of lib/calls.rego (its package's description is there): the finding of a
# check that denied some of a call's actions, with its fix, and the undecided entries of the
# checks. Uses calls.rego; the rules read it.
package fargate_preflight.lib.calls

import rego.v1

# denial_finding is the finding of a check that denied some of the call's actions.
denial_finding(x, service, role_kind, fix) := data.fargate_preflight.lib.result.finding({
	"resource": x.role.name,
	"service": service,
	"need": x.call.endpoint,
	"message": sprintf("%s: %s (needed for %s)", [
		data.fargate_preflight.lib.taskdef.subject(service, input.task_definitions[x.td]),
		data.fargate_preflight.lib.iam.not_authorized(
			sprintf("%s %s", [role_kind, x.role.name]),
			x.result.denied, x.call.resource,
		),
		x.call.what,
	]),
	"fix": denial_fix(x, role_kind, fix),
	"hop": null,
	"source": x.role.source,
})

# denial_fix is `fix` (the rule's Allow) where no policy allows; where a Deny statement denies,
# an Allow cannot help (an explicit deny overrides any Allow), so the fix names that Deny.
denial_fix(x, role_kind, fix) := concat(" ", array.concat(narrow, allow)) if {
	denials := {[d.decision.part, d.decision.policy] | some d in x.result.denied; d.decision.decision == "explicit_deny"}
	count(denials) > 0
	narrow := [narrow_deny(x, role_kind, part, policy) | some [part, policy] in denials]
	allow := [fix | not_allowed(x)]
} else := fix

not_allowed(x) if {
	some d in x.result.denied
	d.decision.decision != "explicit_deny"
}

narrow_deny(x, role_kind, part, policy) := sprintf(
	"Narrow the Deny statements of %s so that they do not cover %s (an explicit deny overrides any Allow).",
	[
		deny_holder(x, role_kind, part, policy),
		concat(", ", sort({d.action | some d in x.result.denied; d.decision.policy == policy; d.decision.part == part})),
	],
)

deny_holder(x, role_kind, "boundary", policy) := sprintf(
	"%s (the permissions boundary of %s %s)",
	[policy, role_kind, x.role.name],
)

deny_holder(_, _, "identity", policy) := policy

deny_holder(_, _, "key", policy) := policy

# check_unknowns are the undecided entries (lib/result.rego) of the checks of one rule.
check_unknowns(checks, rule) := {{"unknown": u, "service": service, "rules": [rule]} |
	some x in checks
	x.call.rule == rule
	some u in x.result.unknowns
	some service in services_of(x)
}

services_of(x) := {input.services[x.service].name} if {
	x.service
} else := data.fargate_preflight.lib.taskdef.services_running(x.td)
