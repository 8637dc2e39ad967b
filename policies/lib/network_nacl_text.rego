# How the FG3xx rules word a denied NACL flow: its message, hop detail, fix and location. Same
# package as network.rego and network_flows.rego; this file only uses those (OPA loads them in
# name order).
package fargate_preflight.lib.network

import rego.v1

# flow_text: "outbound TCP 443 to 0.0.0.0/0", "inbound TCP 32768-60999 from ... (return traffic)".
flow_text(flow) := sprintf("%s TCP %s %s %s%s", [
	direction_word(flow.egress), ports_text(flow.ports), to_or_from(flow.egress),
	flow.label, return_suffix(flow),
])

return_suffix(flow) := " (return traffic)" if flow.return

else := ""

# remote_cidr_text is how a fix names the remote side: its CIDR.
remote_cidr_text(flow) := cidr_text(flow.remote) if is_string(flow.remote)

else := flow.label

# denying_entries are the explicit deny entries of a deny verdict (the `*` rule excluded).
denying_entries(verdict) := [e | some e in verdict.entries; e.rule != "*"]

# A verdict that denies only some ports of the flow (lib/network.rego combine_blocks) names
# them in `denied_ports`; the flow's other ports are allowed.
partly_denied(verdict) if is_array(verdict.denied_ports)

# denied_flow_text: the flow, or "ports 1024-32767 of" the flow when only those are denied.
denied_flow_text(verdict, flow) := sprintf("ports %s of %s", [ranges_text(verdict.denied_ports), flow_text(flow)]) if {
	partly_denied(verdict)
} else := flow_text(flow)

# random_port_text says why a partly denied range fails: each connection takes a port of it.
random_port_text(verdict, flow) := sprintf(
	"; each connection takes a random port of %s, so some fail",
	[ports_text(flow.ports)],
) if {
	partly_denied(verdict)
} else := ""

# nacl_denial_text: "network ACL PrivateNacl rule 90 denies inbound TCP ... (return traffic)".
nacl_denial_text(nacl, verdict, flow) := text if {
	count(denying_entries(verdict)) == 0
	text := sprintf("network ACL %s has no entry that allows %s, so the final * rule denies %s%s", [
		nacl.name, denied_flow_text(verdict, flow), them_or_it(verdict), random_port_text(verdict, flow),
	])
} else := sprintf("network ACL %s %s", [nacl.name, nacl_deny_detail(verdict, flow)])

# nacl_deny_detail is the hop detail: "rule 90 denies ..." without the NACL name.
nacl_deny_detail(verdict, flow) := text if {
	count(denying_entries(verdict)) == 0
	text := sprintf("no entry allows %s, so the final * rule denies %s%s", [
		denied_flow_text(verdict, flow), them_or_it(verdict), random_port_text(verdict, flow),
	])
} else := sprintf("rule %v denies %s%s", [
	verdict.entries[0].rule, denied_flow_text(verdict, flow),
	random_port_text(verdict, flow),
]) if {
	count(verdict.entries) == 1
} else := sprintf("rules %s deny %s%s", [
	rule_list_text(verdict.entries), denied_flow_text(verdict, flow),
	random_port_text(verdict, flow),
])

them_or_it(verdict) := "them" if partly_denied(verdict)

else := "it"

# rule_list_text: "90 and *", "90, 100 and *".
rule_list_text(entries) := text if {
	labels := [sprintf("%v", [e.rule]) | some e in entries]
	last := count(labels) - 1
	text := concat(" and ", [concat(", ", array.slice(labels, 0, last)), labels[last]])
}

# fix_ports_text: the ports an entry must allow, the denied ones when only some are.
fix_ports_text(verdict, flow) := ranges_text(verdict.denied_ports) if partly_denied(verdict)

else := ports_text(flow.ports)

# nacl_fix says which entry to add (below the first deny) or remove; for a partly denied range
# also which entry to widen instead, and why all of the range must be allowed.
nacl_fix(nacl, verdict, flow) := text if {
	count(denying_entries(verdict)) == 0
	text := sprintf("Add an %s entry to network ACL %s that allows TCP %s %s %s%s.%s", [
		direction_word(flow.egress), nacl.name, fix_ports_text(verdict, flow),
		to_or_from(flow.egress), remote_cidr_text(flow), widen_text(verdict, flow),
		whole_range_text(verdict, flow),
	])
} else := text if {
	rule := denying_entries(verdict)[0].rule
	text := sprintf(
		concat("", [
			"Add an %s entry to network ACL %s that allows TCP %s %s %s ",
			"with a rule number below %v, or remove or narrow rule %v.%s",
		]),
		[
			direction_word(flow.egress), nacl.name, fix_ports_text(verdict, flow),
			to_or_from(flow.egress), remote_cidr_text(flow), rule, rule,
			whole_range_text(verdict, flow),
		],
	)
}

# widen_text: ", or widen rule 110 to ports 1024-65535" when one entry allows the other ports.
widen_text(verdict, flow) := sprintf(", or widen rule %v to ports %s", [
	verdict.allowing[0].rule,
	ports_text(flow.ports),
]) if {
	partly_denied(verdict)
	count(verdict.allowing) == 1
} else := ""

whole_range_text(verdict, flow) := sprintf(
	" All of %s must be allowed: each connection takes its port at random from that range.",
	[ports_text(flow.ports)],
) if {
	partly_denied(verdict)
} else := ""

# nacl_deny_source is where the user must change something: the first denying entry; else the
# entry that allows only part of the range (to widen); else the NACL (to add an entry).
nacl_deny_source(nacl, verdict) := denying_entries(verdict)[0].source if {
	count(denying_entries(verdict)) > 0
} else := verdict.allowing[0].source if {
	partly_denied(verdict)
	count(verdict.allowing) == 1
} else := nacl.source
