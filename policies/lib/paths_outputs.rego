# Path selection, continued (the package's description is in paths.rego): the outputs the
# rules read, and helpers that build the FG2xx/FG5xx findings from them. Uses paths.rego and
# paths_decisions.rego; neither may use this file.
package fargate_preflight.lib.paths

import rego.v1

# --- outputs ---------------------------------------------------------------------------

# all_decisions is `decisions` as one value. Iterating a partial object with a pattern key
# (`some [sid, ref, key], r in decisions`) makes OPA evaluate the rule again for each key
# (as the last profile found); a complete rule is evaluated once and then only read.
# regal ignore:pointless-reassignment
all_decisions := decisions

selected contains value if {
	some [sid, _, _], r in all_decisions
	r.verdict == "ok"
	value := object.union(r.path, {"service": sid})
}

no_path contains value if {
	some [sid, ref, key], r in all_decisions
	r.verdict == "fail"
	value := report_entry(sid, ref, key, r)
}

out_of_scope contains value if {
	some [sid, ref, key], r in all_decisions
	r.verdict == "out-of-scope"
	value := report_entry(sid, ref, key, r)
}

report_entry(sid, ref, key, r) := object.union(r, {
	"service": sid,
	"service_name": input.services[sid].name,
	"need": key.need,
	"need_key": key,
	"subnet": ref,
	"subnet_name": input.subnets[ref].name,
})

# failures[service id][need][rule] is the set of no-path entries, for the FG2xx/FG5xx rules.
failures[sid][need][rule] contains entry if {
	some entry in no_path
	sid := entry.service
	need := entry.need
	rule := entry.rule
}

leaves_scope[sid][need] contains entry if {
	some entry in out_of_scope
	sid := entry.service
	need := entry.need
}

# verdicts name the service and subnet by id, like `selected`.
verdicts contains entry if {
	some [sid, ref, key], r in all_decisions
	entry := {
		"service": sid,
		"need": key.need,
		"subnet": ref,
		"path": r.path_text,
		"verdict": r.verdict,
	}
}

verdicts contains entry if {
	some sid, ns in data.fargate_preflight.lib.needs.by_service
	svc := input.services[sid]
	some label, u in unsettled_subnets(svc)
	some n in ns
	entry := {
		"service": sid,
		"need": n.need,
		"subnet": label,
		"path": sprintf("undecided: %s", [u.ref]),
		"verdict": "undecided",
	}
}

undecided contains entry if {
	some [sid, _, key], r in all_decisions
	r.verdict == "undecided"
	svc := input.services[sid]
	rules := data.fargate_preflight.lib.needs.blocked_rules[key.kind]
	entry := {"unknown": r.unknown, "service": svc.name, "rules": rules}
}

undecided contains entry if {
	some sid, ns in data.fargate_preflight.lib.needs.by_service
	svc := input.services[sid]
	some u in unsettled_subnets(svc)
	rules := sort({r | some n in ns; some r in data.fargate_preflight.lib.needs.blocked_rules[n.kind]})
	count(rules) > 0
	entry := {"unknown": u, "service": svc.name, "rules": rules}
}

# Needs that could not be inferred are undecided paths too, so FG801 reads one set.
undecided contains entry if {
	some entry in data.fargate_preflight.lib.needs.undecided
}

# --- helpers for the FG2xx / FG5xx rules ------------------------------------------------

# subnet_groups joins the failing subnets of one service × need × rule that share a hop
# text: "task subnets A, B -> route table R: ...".
hop_texts(entries) := [text |
	some tail in sort({e.text | some e in entries})
	names := sort({e.subnet_name | some e in entries; e.text == tail})
	text := sprintf("task %s %s -> %s", [plural("subnet", names), concat(", ", names), tail])
]

# first_entry is the failing entry of the first subnet (by name): it gives the finding its
# hop, resource and location.
first_entry(entries) := min(firsts) if {
	first := min({e.subnet_name | some e in entries})
	firsts := {e | some e in entries; e.subnet_name == first}
}

# entry_fixes are the fixes that failing entries name themselves (an internet gateway attached
# to another VPC), for the rule's fix text.
entry_fixes(entries) := sort({e.fix | some e in entries; is_string(e.fix)})

# no_path_finding builds the one finding of a service × need × rule.
no_path_finding(sid, need, entries, resource, src, fix) := {
	"resource": resource,
	"service": input.services[sid].name,
	"need": need,
	"message": sprintf(
		"%s cannot reach %s: %s",
		[data.fargate_preflight.lib.model.runner(input.services[sid].name), need, concat("; ", hop_texts(entries))],
	),
	"fix": fix,
	"hop": first_entry(entries).hop,
	"source": src,
}

# private_dns_bypassed[service id][need] holds [endpoint id, task subnet id] for a need that
# has another path (or leaves the scope) while the endpoint's private DNS is off (FG502 warning).
private_dns_bypassed[sid][need] contains [ep_id, ref] if {
	some [sid, ref, key], r in all_decisions
	r.verdict in {"ok", "out-of-scope"}
	ep_id := private_dns_off_at[ref][key]
	need := key.need
}

# private_dns_off_at[task subnet id][need key] is the first interface endpoint with private DNS
# off for an endpoint need: it depends on the subnet (its VPC), not on the service, so each
# pair is looked at once rather than once per service.
private_dns_off_at[ref][key] := ep_id if {
	some ref, keys in subnet_needs
	some key in keys
	key.kind == "endpoint"
	ep_id := interface_summary(input.subnets[ref], key).private_dns_off
	ep_id != null
}

# task_vpcs[service id] is the set of VPC keys of the service's task subnets in the inputs.
task_vpcs[sid] contains vk if {
	some sid in data.fargate_preflight.lib.taskdef.analysed
	some ref in listed_subnets(input.services[sid])
	vk := vpc_key(input.subnets[ref].vpc)
}

# needed_in_vpc[vpc key][endpoint service] is the set of services that need that endpoint
# service from a task subnet in that VPC.
needed_in_vpc[vk][need] contains sid if {
	some sid, ns in data.fargate_preflight.lib.needs.by_service
	some vk in task_vpcs[sid]
	some n in ns
	n.kind == "endpoint"
	need := n.need
}

# endpoint_alternative names the endpoint that would serve a need without internet access.
endpoint_alternative(key) := sprintf("a gateway endpoint for %s", [key.need]) if {
	key.kind == "endpoint"
	key.need in gateway_services
} else := sprintf("an interface endpoint for %s", [key.need]) if {
	key.kind == "endpoint"
}
