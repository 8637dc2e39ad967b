# METADATA
# description: |
#   Network ACL and security-group reasoning (RULES.md section 1), as pure functions over
#   model objects. Every verdict is an object
#     {"verdict": "allow" | "deny" | "undecided", "entries": [...], "unknowns": [...]}
#   where `entries` are what decided (NACL: the annotated entries, the implicit `*` deny
#   included; SG: the covering rule) and `unknowns` are the unknown objects (docs/model.md)
#   that kept an "undecided" verdict open, so rules can name the deciding entry and its source
#   and hand the unknowns to FG801.
#
#   Destinations and sources of a flow are IPv4 CIDRs, or `public`: the public addresses of an
#   AWS service (internet and gateway-endpoint paths), which the inputs do not contain. Against
#   `public` an entry counts only when it covers 0.0.0.0/0; a CIDR inside a non-public block
#   never matches; any other CIDR covers part of it (undecided when it decides).
#
#   Main functions:
#     cidr_contains(outer, inner), cidr_overlaps(a, b)        IPv4 and IPv6, never across families
#     nacl_verdict(nacl, egress, port_from, port_to, dest)    first-match over one direction
#     nacl_flow_verdict(nacl, flow)                           the same for a flow object (below)
#     sg_egress_verdict(sg_ids, port, destination, ref_source)
#     sg_ingress_verdict(sg_ids, port, source, ref_source)    any rule of any group allows
#   A flow is {"egress": bool, "ports": [from, to], "remote": CIDR | public | unknown,
#   "label": "how messages name the remote side", "return": bool (return traffic)}.
#
#   For the FG3xx/FG4xx rules it also gives `uses` (each selected path with the shape its
#   checks depend on, so services sharing a subnet share the work), verdict keys whose
#   verdicts the rules keep in partial rules (evaluated once per key), and grouped_findings
#   (one finding per service x need).
package fargate_preflight.lib.network

import rego.v1

# public stands for an AWS service's public addresses (see the package description).
public := "public"

max_ipv4 := 4294967295

all_ports := [0, 65535]

# Protocols that carry a TCP flow: all protocols, or TCP.
tcp_protocols := {"-1", "6"}

# Ephemeral ports the initiator of a connection receives return traffic on.
linux_task_return_ports := [32768, 60999]

windows_task_return_ports := [49152, 65535]

nat_gateway_return_ports := [1024, 65535]

# An unknown os_family could be either, so return traffic must reach both ranges.
either_task_return_ports := [32768, 65535]

# Address blocks that never hold an AWS service's public addresses: "this network", RFC 1918
# private, RFC 6598 shared, loopback, link-local, multicast and reserved.
not_public_cidrs := [
	"0.0.0.0/8",
	"10.0.0.0/8",
	"100.64.0.0/10",
	"127.0.0.0/8",
	"169.254.0.0/16",
	"172.16.0.0/12",
	"192.168.0.0/16",
	"224.0.0.0/4",
	"240.0.0.0/4",
]

not_public_ranges := [ipv4_range(c) | some c in not_public_cidrs]

# The implicit last NACL rule; 32767 sorts it after every numbered rule (1-32766).
star_order := 32767

# ---------------------------------------------------------------------------------------------
# CIDRs

# Octets and prefix lengths as written in a canonical CIDR, by text: parsing through these
# tables keeps malformed text (leading zeros, 256, letters) undefined, where to_number would
# abort the whole regorus evaluation, and costs far less than a regex per call.
octet_values[text] := i if {
	some i in numbers.range(0, 255)
	text := sprintf("%d", [i])
}

prefix_values[text] := i if {
	some i in numbers.range(0, 32)
	text := sprintf("%d", [i])
}

is_ipv4_cidr(c) if ipv4_range(c)

is_ipv6_cidr(c) if {
	is_string(c)
	contains(c, ":")
	net.cidr_is_valid(c)
}

# ipv4_range returns [first, last] address of an IPv4 CIDR as integers (host bits ignored).
ipv4_range(c) := [first, (first + size) - 1] if {
	is_string(c)
	parts := split(c, "/")
	o := [object.get(octet_values, x, -1) | some x in split(parts[0], ".")]
	count(o) == 4
	every v in o {
		v >= 0
	}
	address := (((((o[0] * 256) + o[1]) * 256) + o[2]) * 256) + o[3]
	host_bits := 32 - prefix_length(parts)
	size := bits.lsh(1, host_bits)
	first := bits.lsh(bits.rsh(address, host_bits), host_bits)
}

prefix_length(parts) := prefix_values[parts[1]] if count(parts) == 2

prefix_length(parts) := 32 if count(parts) == 1

range_contains(outer, inner) if {
	outer[0] <= inner[0]
	inner[1] <= outer[1]
}

ranges_overlap(a, b) if {
	a[0] <= b[1]
	b[0] <= a[1]
}

# cidr_contains holds when `outer` contains `inner`; an IPv4 and an IPv6 block never do.
cidr_contains(outer, inner) if range_contains(ipv4_range(outer), ipv4_range(inner))

cidr_contains(outer, inner) if {
	is_ipv6_cidr(outer)
	is_ipv6_cidr(inner)
	net.cidr_contains(outer, inner)
}

# cidr_overlaps: CIDR blocks overlap exactly when one contains the other.
cidr_overlaps(a, b) if cidr_contains(a, b)

cidr_overlaps(a, b) if cidr_contains(b, a)

# in_not_public holds for an address range inside a block that is never public.
in_not_public(r) if {
	some np in not_public_ranges
	range_contains(np, r)
}

# destination_range is the address range a destination stands for.
destination_range(dest) := [0, max_ipv4] if dest == public

destination_range(dest) := ipv4_range(dest) if dest != public

# valid_destination: `public` or a parsable IPv4 CIDR (the paths analysed are IPv4 only).
valid_destination(dest) if dest == public

valid_destination(dest) if is_ipv4_cidr(dest)

# cidr_coverage says how much of a destination an IPv4 rule CIDR covers: "covers", "partial"
# or "none". IPv6 and unparsable rule CIDRs never match an IPv4 destination.
cidr_coverage(rule_cidr, dest) := "covers" if {
	range_contains(ipv4_range(rule_cidr), destination_range(dest))
} else := "none" if {
	dest == public
	in_not_public(ipv4_range(rule_cidr))
} else := "partial" if {
	ranges_overlap(ipv4_range(rule_cidr), destination_range(dest))
} else := "none"

# ---------------------------------------------------------------------------------------------
# Verdict builders

undecided(unknowns) := {"verdict": "undecided", "entries": [], "unknowns": unknowns}

# first_unknown returns the first unknown of a list of values, or null.
first_unknown(values) := us[0] if {
	us := [v | some v in values; data.fargate_preflight.lib.model.is_unknown(v)]
	count(us) > 0
} else := null

# invalid_destination describes a destination that is neither `public` nor an IPv4 CIDR.
invalid_destination(dest) := {
	"unknown": sprintf("%v is not an IPv4 CIDR block, so the traffic to it cannot be analysed", [dest]),
	"ref": sprintf("CIDR %v", [dest]),
	"source": null,
}

# ---------------------------------------------------------------------------------------------
# Network ACLs

# nacl_verdict decides a TCP flow through one direction of a NACL: `egress` true for outbound,
# ports port_from-port_to, remote side `dest` (IPv4 CIDR or `public`). Entries are walked by
# rule number, the implicit `*` deny last. The flow is allowed only when first-match
# evaluation allows every address of `dest` on every port, denied when it denies all of them;
# a mix (an entry covering part of the addresses or ports, settled differently by a later
# entry), or an unknown entry that might come first, is undecided.
nacl_verdict(nacl, egress, port_from, port_to, dest) := undecided([nacl]) if {
	data.fargate_preflight.lib.model.is_unknown(nacl)
} else := undecided([dest]) if {
	data.fargate_preflight.lib.model.is_unknown(dest)
} else := undecided([invalid_destination(dest)]) if {
	not valid_destination(dest)
} else := undecided([nacl.entries]) if {
	data.fargate_preflight.lib.model.is_unknown(nacl.entries)
} else := first_match_verdict(nacl, egress, [port_from, port_to], dest)

nacl_flow_verdict(nacl, flow) := nacl_verdict(nacl, flow.egress, flow.ports[0], flow.ports[1], flow.remote)

# first_match_verdict: a fast path when the first candidate entry covers the whole flow,
# else first-match per elementary block of addresses x ports.
first_match_verdict(nacl, egress, ports, dest) := verdict_of_entries([first]) if {
	cands := candidates(nacl, egress, ports, dest)
	every c in cands {
		is_number(c.order)
	}
	first := lowest(array.concat(cands, [star_entry(nacl)]))
	first.unknown == null
	range_contains(first.range, destination_range(dest))
	range_contains(first.ports, ports)
} else := sampled_verdict(nacl, egress, ports, dest)

# lowest is the candidate with the lowest rule number (array position breaks ties).
lowest(cands) := c if {
	m := min({[c.order, c.index] | some c in cands})
	some c in cands
	[c.order, c.index] == m
}

verdict_of_entries(entries) := {"verdict": entries[0].action, "entries": entries, "unknowns": []}

# star_entry is the implicit final deny, annotated like a real entry.
star_entry(nacl) := {
	"rule": "*", "order": star_order, "index": 0, "action": "deny",
	"range": [0, max_ipv4], "ports": all_ports, "unknown": null,
	"cidr": "0.0.0.0/0", "protocol": "-1", "source": nacl.source,
}

# candidates are the entries of one direction that could decide some part of the flow,
# annotated: order (rule number or null), range, ports (null when unknown), unknown.
candidates(nacl, egress, ports, dest) := cands if {
	d := destination_range(dest)
	cands := [c |
		some c in direction_entries(nacl, egress)
		could_apply(c, ports, d, dest)
	]
}

# direction_entries are a NACL's annotated entries that may apply to one direction. For a
# NACL of the inputs they come from nacl_index, built once per evaluation.
direction_entries(nacl, egress) := entries if {
	nacl == input.nacls[nacl.id]
	entries := nacl_index[nacl.id][direction_word(egress)]
} else := entries if {
	entries := [c |
		some i, e in nacl.entries
		c := annotate(e, i)
		direction_could_match(c.egress, egress)
	]
}

nacl_index[id] := index if {
	some id, nacl in input.nacls
	is_array(nacl.entries)
	annotated := [annotate(e, i) | some i, e in nacl.entries]
	index := {
		"outbound": [c | some c in annotated; direction_could_match(c.egress, true)],
		"inbound": [c | some c in annotated; direction_could_match(c.egress, false)],
	}
}

annotate(e, i) := {
	"rule": "?", "order": null, "index": i, "action": null, "egress": e,
	"range": null, "ports": null, "unknown": e, "opaque": true,
	"cidr": e, "protocol": e, "source": null,
} if {
	data.fargate_preflight.lib.model.is_unknown(e)
} else := {
	"rule": object.get(e, "rule_number", "?"),
	"order": number_or_null(object.get(e, "rule_number", null)),
	"index": i,
	"action": object.get(e, "action", null),
	"egress": object.get(e, "egress", null),
	"range": ipv4_range_or_null(object.get(e, "cidr", null)),
	"ports": entry_ports(e),
	"unknown": entry_unknown(e),
	"opaque": false,
	"cidr": object.get(e, "cidr", null),
	"protocol": object.get(e, "protocol", null),
	"source": object.get(e, "source", null),
}

# entry_unknown is the first unsettled field of a NACL entry, or null. (Entry fields are
# scalars, so an object is an unknown.)
entry_unknown(e) := us[0] if {
	us := [v |
		some k in ["rule_number", "egress", "protocol", "action", "cidr", "from_port", "to_port"]
		v := object.get(e, k, null)
		is_object(v)
	]
	count(us) > 0
} else := null

number_or_null(n) := n if is_number(n)

else := null

ipv4_range_or_null(c) := r if {
	r := ipv4_range(c)
} else := null

# entry_ports is an entry's port range; null when a bound is unknown. Null bounds mean all.
entry_ports(e) := all_ports if e.protocol == "-1"

else := null if {
	some k in ["from_port", "to_port"]
	data.fargate_preflight.lib.model.is_unknown(object.get(e, k, null))
} else := [low_port(object.get(e, "from_port", null)), high_port(object.get(e, "to_port", null))]

low_port(p) := p if is_number(p)

else := 0

high_port(p) := p if is_number(p)

else := 65535

# could_apply: an opaque (unknown) entry might match anything; any other needs a protocol
# that may be TCP, ports that may overlap and an address block that may overlap.
could_apply(c, _, _, _) if c.opaque

could_apply(c, ports, d, dest) if {
	not c.opaque
	protocol_could_be_tcp(c.protocol)
	ports_could_overlap(c.ports, ports)
	address_could_overlap(c.cidr, c.range, d, dest)
}

direction_could_match(entry_egress, egress) if entry_egress == egress

direction_could_match(entry_egress, _) if data.fargate_preflight.lib.model.is_unknown(entry_egress)

protocol_could_be_tcp(p) if p in tcp_protocols

protocol_could_be_tcp(p) if data.fargate_preflight.lib.model.is_unknown(p)

# An entry whose ports are unsettled (null) might overlap any flow.
ports_could_overlap(entry_ports, _) if not is_array(entry_ports)

ports_could_overlap(entry_ports, ports) if ranges_overlap(entry_ports, ports)

# An IPv6 entry (cidr null) never matches; an unknown CIDR might.
address_could_overlap(cidr, _, _, _) if data.fargate_preflight.lib.model.is_unknown(cidr)

address_could_overlap(_, r, d, dest) if {
	is_array(r)
	ranges_overlap(r, d)
	not public_only_in_not_public(r, dest)
}

public_only_in_not_public(r, dest) if {
	dest == public
	in_not_public(r)
}

# sampled_verdict splits the flow into blocks of addresses and ports inside which every entry
# either matches everywhere or nowhere, and runs first-match on each block.
sampled_verdict(nacl, egress, ports, dest) := v if {
	cands := array.concat(candidates(nacl, egress, ports, dest), [star_entry(nacl)])
	results := [block_result(cands, a, p) |
		some a in address_blocks(cands, dest)
		some p in port_blocks(cands, ports)
	]
	v := combine_blocks(nacl, results, egress, ports, dest)
}

address_blocks(cands, dest) := bs if {
	dest != public
	bs := blocks(destination_range(dest), [c.range | some c in cands; is_array(c.range)])
} else := bs if {
	cuts := array.concat([c.range | some c in cands; is_array(c.range)], not_public_ranges)
	bs := [b | some b in blocks([0, max_ipv4], cuts); not in_not_public(b)]
}

# (Comprehensions passed to a call sit in the body: regorus cannot schedule them in a head.)
port_blocks(cands, ports) := bs if {
	# regal ignore:unconditional-assignment
	bs := blocks(ports, [c.ports | some c in cands; is_array(c.ports)])
}

# blocks cuts range `whole` at every bound of `cuts` that falls inside it.
blocks(whole, cuts) := bs if {
	inner := {b |
		some r in cuts
		some b in [r[0], r[1] + 1]
		whole[0] < b
		b <= whole[1]
	}
	bounds := sort({whole[0], whole[1] + 1} | inner)
	bs := [[bounds[i], bounds[i + 1] - 1] | some i in numbers.range(0, count(bounds) - 2)]
}

# block_result is first-match on one block: the lowest known entry that matches it decides,
# unless an entry with an unknown part might match and come first.
block_result(cands, a, p) := {"action": "undecided", "entry": blocker, "unknown": blocker.unknown} if {
	decider := lowest([c | some c in cands; c.unknown == null; block_matches(c, a, p)])
	blockers := [c |
		some c in cands
		c.unknown != null
		block_could_match(c, a, p)
		comes_before(c, decider)
	]
	count(blockers) > 0
	blocker := blockers[0]
} else := {"action": decider.action, "entry": decider, "unknown": null} if {
	decider := lowest([c | some c in cands; c.unknown == null; block_matches(c, a, p)])
}

block_matches(c, a, p) if {
	range_contains(c.range, a)
	range_contains(c.ports, p)
}

block_could_match(c, a, p) if {
	range_or_unknown_contains(c.range, a)
	range_or_unknown_contains(c.ports, p)
}

range_or_unknown_contains(r, _) if not is_array(r)

range_or_unknown_contains(r, x) if range_contains(r, x)

comes_before(c, _) if c.order == null

comes_before(c, decider) if c.order < decider.order

combine_blocks(nacl, results, egress, ports, dest) := {"verdict": "undecided", "entries": [], "unknowns": unknowns} if {
	unknowns := [u | some u in {r.unknown | some r in results; r.action == "undecided"}]
	count(unknowns) > 0
} else := verdict_of_entries(deciders(results)) if {
	count({r.action | some r in results}) == 1
} else := undecided([partial_unknown(nacl, first_real, egress, ports, dest)]) if {
	first_real := lowest([d | some d in deciders(results); d.rule != "*"])
}

# deciders are the entries that decided some block, by rule number (the `*` rule last).
deciders(results) := ds if {
	by_key := {[r.entry.order, r.entry.index]: r.entry | some r in results}

	# regal ignore:prefer-some-in-iteration
	ds := [by_key[key] | some key in sort(object.keys(by_key))]
}

# partial_unknown describes an entry that covers part of the flow while the rest is decided
# the other way: which address or port the traffic uses is not in the inputs.
partial_unknown(nacl, c, egress, ports, dest) := {
	"unknown": sprintf(
		concat("", [
			"network ACL %s %s rule %v (%s) covers only part of %s TCP %s %s %s, ",
			"and the rest is decided the other way",
		]),
		[
			nacl.name, direction_word(egress), c.rule, entry_text(c, egress),
			direction_word(egress), ports_text(ports), to_or_from(egress), destination_text(dest),
		],
	),
	"ref": sprintf("network ACL %s %s rule %v", [nacl.name, direction_word(egress), c.rule]),
	"source": c.source,
}

direction_word(true) := "outbound"

direction_word(false) := "inbound"

entry_text(c, egress) := sprintf("%s %s %s %s", [
	c.action, protocol_text(c.protocol, c.ports),
	to_or_from(egress), c.cidr,
])

protocol_text("-1", _) := "all traffic"

protocol_text("6", ports) := sprintf("TCP %s", [ports_text(ports)])

ports_text(ports) := sprintf("%d", [ports[0]]) if ports[0] == ports[1]

else := sprintf("%d-%d", [ports[0], ports[1]])

destination_text(dest) := "the AWS service's public addresses, which are not in the inputs" if dest == public

else := dest

# ---------------------------------------------------------------------------------------------
# Flow and NACL message text

# flow_text: "outbound TCP 443 to 0.0.0.0/0", "inbound TCP 32768-60999 from ... (return traffic)".
flow_text(flow) := sprintf("%s TCP %s %s %s%s", [
	direction_word(flow.egress), ports_text(flow.ports), to_or_from(flow.egress),
	flow.label, return_suffix(flow),
])

to_or_from(true) := "to"

to_or_from(false) := "from"

return_suffix(flow) := " (return traffic)" if flow.return

else := ""

# remote_cidr_text is how a fix names the remote side: its CIDR.
remote_cidr_text(flow) := "0.0.0.0/0" if flow.remote == public

else := flow.remote if is_string(flow.remote)

else := flow.label

# denying_entries are the explicit deny entries of a deny verdict (the `*` rule excluded).
denying_entries(verdict) := [e | some e in verdict.entries; e.rule != "*"]

# nacl_denial_text: "network ACL PrivateNacl rule 90 denies inbound TCP ... (return traffic)".
nacl_denial_text(nacl, verdict, flow) := text if {
	count(denying_entries(verdict)) == 0
	text := sprintf(
		"network ACL %s has no entry that allows %s, so the final * rule denies it",
		[nacl.name, flow_text(flow)],
	)
} else := sprintf("network ACL %s %s", [nacl.name, nacl_deny_detail(verdict, flow)])

# nacl_deny_detail is the hop detail: "rule 90 denies ..." without the NACL name.
nacl_deny_detail(verdict, flow) := text if {
	count(denying_entries(verdict)) == 0
	text := sprintf("no entry allows %s, so the final * rule denies it", [flow_text(flow)])
} else := sprintf("rule %v denies %s", [verdict.entries[0].rule, flow_text(flow)]) if {
	count(verdict.entries) == 1
} else := sprintf("rules %s deny %s", [rule_list_text(verdict.entries), flow_text(flow)])

# rule_list_text: "90 and *", "90, 100 and *".
rule_list_text(entries) := text if {
	labels := [sprintf("%v", [e.rule]) | some e in entries]
	last := count(labels) - 1
	text := concat(" and ", [concat(", ", array.slice(labels, 0, last)), labels[last]])
}

# nacl_fix says which entry to add (below the first deny) or remove.
nacl_fix(nacl, verdict, flow) := text if {
	count(denying_entries(verdict)) == 0
	text := sprintf("Add an %s entry to network ACL %s that allows TCP %s %s %s.", [
		direction_word(flow.egress), nacl.name, ports_text(flow.ports),
		to_or_from(flow.egress), remote_cidr_text(flow),
	])
} else := text if {
	rule := denying_entries(verdict)[0].rule
	text := sprintf(
		concat("", [
			"Add an %s entry to network ACL %s that allows TCP %s %s %s ",
			"with a rule number below %v, or remove or narrow rule %v.",
		]),
		[
			direction_word(flow.egress), nacl.name, ports_text(flow.ports),
			to_or_from(flow.egress), remote_cidr_text(flow), rule, rule,
		],
	)
}

# nacl_deny_source is where the user must change something: the first denying entry, else
# the NACL (where an allowing entry must be added).
nacl_deny_source(nacl, verdict) := denying_entries(verdict)[0].source if count(denying_entries(verdict)) > 0

else := nacl.source

# ---------------------------------------------------------------------------------------------
# Security groups

# sg_egress_verdict decides whether any egress rule of any of the groups `sg_ids` allows TCP
# `port` to `destination`, an object with any of
#   {"cidr": IPv4 CIDR | public | unknown, "security_groups": [ids] | unknown, "prefix_list": id}
# (a rule matches when it covers the CIDR, names one of the groups, or names the prefix list).
# `ref_source` locates the reference when a group is not in the inputs.
sg_egress_verdict(sg_ids, port, destination, ref_source) := sg_verdict(sg_ids, "egress", port, destination, ref_source)

# sg_ingress_verdict is the same for ingress rules and the traffic's source.
sg_ingress_verdict(sg_ids, port, source, ref_source) := sg_verdict(sg_ids, "ingress", port, source, ref_source)

sg_verdict(sg_ids, direction, port, peer, ref_source) := undecided([sg_ids]) if {
	data.fargate_preflight.lib.model.is_unknown(sg_ids)
} else := v if {
	is_array(sg_ids)
	groups := [data.fargate_preflight.lib.model.lookup("security_groups", id, ref_source) | some id in sg_ids]
	states := [s | some g in groups; some s in group_rule_states(g, direction, port, peer)]
	v := sg_combine(states)
}

sg_combine(states) := {"verdict": "allow", "entries": [covering[0]], "unknowns": []} if {
	covering := [{"security_group": s.group, "rule": s.rule} | some s in states; s.state == "covers"]
	count(covering) > 0
} else := undecided(unknowns) if {
	unknowns := [u | some u in {s.unknown | some s in states; s.state == "maybe"}]
	count(unknowns) > 0
} else := {"verdict": "deny", "entries": [], "unknowns": []}

group_rule_states(g, direction, port, peer) := [{"state": "maybe", "unknown": g, "group": null, "rule": null}] if {
	data.fargate_preflight.lib.model.is_unknown(g)
} else := [{"state": "maybe", "unknown": g[direction], "group": g.id, "rule": null}] if {
	data.fargate_preflight.lib.model.is_unknown(g[direction])
} else := states if {
	states := [rule_state(g, r, direction, port, peer) | some r in g[direction]]
}

# rule_state: "covers" when protocol, port and peer all match, "none" when one cannot, else
# "maybe" with the first unknown that could make it match.
rule_state(g, r, direction, port, peer) := {"state": "maybe", "unknown": r, "group": g.id, "rule": null} if {
	data.fargate_preflight.lib.model.is_unknown(r)
} else := {"state": state, "unknown": first_open(parts), "group": g.id, "rule": r} if {
	parts := [protocol_state(r), port_state(r, port), peer_state(g, r, direction, peer)]
	state := combine_parts(parts)
}

combine_parts(parts) := "none" if {
	some p in parts
	p.state == "no"
} else := "covers" if {
	every p in parts {
		p.state == "yes"
	}
} else := "maybe"

first_open(parts) := u if {
	u := [p.unknown | some p in parts; p.state == "maybe"][0]
} else := null

yes := {"state": "yes", "unknown": null}

no := {"state": "no", "unknown": null}

maybe(u) := {"state": "maybe", "unknown": u}

protocol_state(r) := yes if r.protocol in tcp_protocols

else := maybe(r.protocol) if data.fargate_preflight.lib.model.is_unknown(r.protocol)

else := no

port_state(r, port) := yes if r.protocol == "-1"

else := maybe(u) if {
	u := first_unknown([r.from_port, r.to_port])
	u != null
} else := yes if {
	low_port(r.from_port) <= port
	port <= high_port(r.to_port)
} else := no

peer_state(g, r, direction, peer) := maybe(r.security_group) if {
	data.fargate_preflight.lib.model.is_unknown(r.security_group)
} else := security_group_peer_state(r.security_group, peer) if {
	is_string(r.security_group)
} else := maybe(r.cidr) if {
	data.fargate_preflight.lib.model.is_unknown(r.cidr)
} else := cidr_peer_state(g, r, direction, r.cidr, peer) if {
	is_string(r.cidr)
} else := maybe(r.prefix_list) if {
	data.fargate_preflight.lib.model.is_unknown(r.prefix_list)
} else := prefix_list_peer_state(g, r, direction, peer) if {
	is_string(r.prefix_list)
} else := no

security_group_peer_state(sg, peer) := maybe(peer.security_groups) if {
	data.fargate_preflight.lib.model.is_unknown(peer.security_groups)
} else := yes if {
	sg in object.get(peer, "security_groups", [])
} else := maybe(u) if {
	# one of the peer's groups is unsettled and might be this one
	u := first_unknown(object.get(peer, "security_groups", []))
	u != null
} else := no

cidr_peer_state(g, r, direction, cidr, peer) := maybe(peer.cidr) if {
	data.fargate_preflight.lib.model.is_unknown(peer.cidr)
} else := no if {
	object.get(peer, "cidr", null) == null
} else := maybe(invalid_destination(peer.cidr)) if {
	not valid_destination(peer.cidr)
} else := coverage_state(cidr_coverage(cidr, peer.cidr), g, r, direction, cidr, peer.cidr)

coverage_state("covers", _, _, _, _, _) := yes

coverage_state("none", _, _, _, _, _) := no

coverage_state("partial", g, r, direction, cidr, dest) := maybe({
	"unknown": sprintf(
		"security group %s %s rule for %s covers only part of %s",
		[g.name, direction, cidr, destination_text(dest)],
	),
	"ref": sprintf("security group %s %s rule %s", [g.name, direction, cidr]),
	"source": r.source,
})

# A rule naming a prefix list matches the destination's prefix list; a list in the inputs with
# known CIDRs is judged by them; an AWS-managed list of another service holds none of the
# destination's addresses; any other list is not settled by the inputs.
prefix_list_peer_state(g, r, direction, peer) := yes if {
	r.prefix_list == object.get(peer, "prefix_list", null)
} else := maybe(peer.prefix_list) if {
	data.fargate_preflight.lib.model.is_unknown(peer.prefix_list)
} else := maybe(pl) if {
	pl := data.fargate_preflight.lib.model.lookup("prefix_lists", r.prefix_list, r.source)
	data.fargate_preflight.lib.model.is_unknown(pl)
} else := prefix_list_cidrs_state(g, r, direction, input.prefix_lists[r.prefix_list], peer) if {
	is_array(input.prefix_lists[r.prefix_list].cidrs)
} else := no if {
	is_string(input.prefix_lists[r.prefix_list].service)
} else := maybe({
	"unknown": sprintf(
		"the entries of prefix list %s are not in the scanned inputs",
		[input.prefix_lists[r.prefix_list].name],
	),
	"ref": sprintf("prefix list %s", [r.prefix_list]),
	"source": input.prefix_lists[r.prefix_list].source,
})

prefix_list_cidrs_state(g, r, direction, pl, peer) := state if {
	# regal ignore:unconditional-assignment
	state := best_state([cidr_peer_state(g, r, direction, c, peer) | some c in pl.cidrs])
}

best_state(states) := yes if {
	some s in states
	s.state == "yes"
} else := maybe(u) if {
	u := [s.unknown | some s in states; s.state == "maybe"][0]
} else := no

# sg_names: "security group TaskSG" or "security groups A and B" (ids when not in the inputs).
sg_names(sg_ids) := sprintf("security group %s", [object_name("security_groups", sg_ids[0])]) if count(sg_ids) == 1

else := text if {
	text := sprintf("security groups %s", [names_text([object_name("security_groups", id) | some id in sg_ids])])
}

names_text(names) := names[0] if count(names) == 1

else := concat(" and ", [concat(", ", array.slice(names, 0, count(names) - 1)), names[count(names) - 1]])

# object_name is the name a message prints for a referenced object.
# (Values that may be undefined sit in the body: regorus does not fall through to `else` when
# only the head's value is undefined.)
object_name(collection, id) := name if {
	name := input[collection][id].name
} else := id if {
	is_string(id)
} else := "(unknown)"

# ---------------------------------------------------------------------------------------------
# The task side of a path

# task_return_ports is the ephemeral port range a task receives return traffic on.
task_return_ports(svc) := windows_task_return_ports if {
	os_family := input.task_definitions[svc.task_definition].os_family
	is_string(os_family)
	startswith(upper(os_family), "WINDOWS")
} else := linux_task_return_ports if {
	is_string(input.task_definitions[svc.task_definition].os_family)
} else := either_task_return_ports

# task_security_group_ids: the service's groups, else (none named) its VPC's default group.
task_security_group_ids(svc, subnet_id) := svc.network.security_groups if {
	data.fargate_preflight.lib.model.is_unknown(svc.network.security_groups)
} else := svc.network.security_groups if {
	is_array(svc.network.security_groups)
	count(svc.network.security_groups) > 0
} else := default_security_group_ids(subnet_vpc(subnet_id, svc.source))

# task_peer is the task as the source of traffic another group admits: its security groups and
# its subnet's CIDR, with the words messages and fixes use for it.
# (A subnet missing from the inputs is reported without a location; see with_source.)
task_peer(sg_ids, subnet_id) := {
	"peer": {"security_groups": sg_ids, "cidr": subnet_cidr(subnet)},
	"label": sprintf("%s or %s", [task_groups_text(sg_ids), subnet_label(subnet_id)]),
	"fix_source": task_fix_source(sg_ids, subnet),
} if {
	subnet := data.fargate_preflight.lib.model.lookup("subnets", subnet_id, null)
}

task_groups_text(sg_ids) := sg_names(sg_ids) if {
	is_array(sg_ids)
	count(sg_ids) > 0
} else := "its security groups"

# task_fix_source: naming the task's own group admits every task, whatever subnet it lands in.
task_fix_source(sg_ids, subnet) := sprintf("security group %s", [object_name("security_groups", sg_ids[0])]) if {
	is_array(sg_ids)
	is_string(sg_ids[0])
} else := subnet.cidr if {
	is_string(subnet.cidr)
} else := "the task's security group"

subnet_vpc(subnet_id, src) := vpc if {
	subnet := data.fargate_preflight.lib.model.lookup("subnets", subnet_id, src)
	not data.fargate_preflight.lib.model.is_unknown(subnet)
	vpc := data.fargate_preflight.lib.model.lookup("vpcs", subnet.vpc, subnet.source)
} else := data.fargate_preflight.lib.model.lookup("subnets", subnet_id, src)

default_security_group_ids(vpc) := vpc if data.fargate_preflight.lib.model.is_unknown(vpc)

else := [vpc.default_security_group]

# subnet_nacl is the NACL of a subnet object (an unknown subnet stays unknown).
subnet_nacl(subnet) := subnet if data.fargate_preflight.lib.model.is_unknown(subnet)

else := data.fargate_preflight.lib.model.lookup("nacls", subnet.nacl, subnet.source)

# subnet_cidr is a subnet's CIDR, or the unknown that stands for it.
subnet_cidr(subnet) := subnet if data.fargate_preflight.lib.model.is_unknown(subnet)

else := subnet.cidr

# subnet_label: "subnet PrivateSubnetA (10.0.1.0/24)".
subnet_label(subnet_id) := sprintf("subnet %s (%s)", [subnet.name, subnet.cidr]) if {
	subnet := input.subnets[subnet_id]
	is_string(subnet.cidr)
} else := sprintf("subnet %s", [object_name("subnets", subnet_id)])

# same_subnet holds for a destination in the task subnet: NACLs do not filter that traffic.
same_subnet(path, _, d) if d.subnet == path.subnet

same_subnet(_, task_subnet, d) if {
	d.subnet == null
	cidr_contains(task_subnet.cidr, d.cidr)
}

# path_remotes are the remote sides the task subnet's NACL sees on a path: the public
# addresses for gateway and internet paths, else each destination outside the task subnet.
path_remotes(path, task_subnet) := [{"remote": public, "label": "0.0.0.0/0"}] if path.kind in {"gateway", "internet"}

else := remotes if {
	remotes := [{"remote": d.cidr, "label": destination_label(d)} |
		some d in path.destinations
		not same_subnet(path, task_subnet, d)
	]
}

destination_label(d) := subnet_label(d.subnet) if is_string(d.subnet)

else := d.cidr if is_string(d.cidr)

else := "an unknown CIDR"

# ---------------------------------------------------------------------------------------------
# The selected paths as the rules see them

# uses: every selected path as its service sees it. Its shape is what the NACL and security
# group checks depend on; services whose tasks share a subnet, groups and path share it, so a
# rule checks each shape once and each service only looks its shape up. (Kept here rather
# than in the rule packages, whose whole documents the scanner reads back.)
uses contains {"service": svc.name, "need": path.need, "source": svc.source, "shape": shape} if {
	some path in data.fargate_preflight.lib.paths.selected
	svc := input.services[path.service]
	shape := object.union(object.remove(path, ["service", "need", "hop"]), {
		"task_sg_ids": task_security_group_ids(svc, path.subnet),
		"return_ports": task_return_ports(svc),
		"endpoint_name": object_name("vpc_endpoints", path.endpoint),
		"target": target_text(path),
	})
}

shapes contains use.shape if some use in uses

# target_text names a target as path selection did ("EFS mount targets of Files").
target_text(path) := path.hop.to if {
	path.kind == "target"
	is_string(path.hop.to)
	path.hop.to != ""
} else := sprintf("target %s", [path.need]) if {
	path.kind == "target"
} else := null

# ---------------------------------------------------------------------------------------------
# Shared by the rules: memoised verdicts and one finding per service x need

# nacl_ref names a NACL for a verdict key: its id, or the unknown that stands for it.
nacl_ref(nacl) := nacl if data.fargate_preflight.lib.model.is_unknown(nacl)

else := nacl.id

nacl_of(ref) := input.nacls[ref] if is_string(ref)

else := ref

# nacl_key: what a NACL verdict depends on. Rules keep one verdict per key in a partial rule
# (which the engines evaluate once), so paths asking the same of one NACL share it.
nacl_key(ref, flow) := [ref, flow.egress, flow.ports, flow.remote]

nacl_key_verdict(key) := nacl_verdict(nacl_of(key[0]), key[1], key[2][0], key[2][1], key[3])

# sg_key: what an SG verdict depends on; missing groups are reported without a source (the
# rule fills in the service's, see with_source), so services can share the verdict.
sg_key(sg_ids, direction, port, peer) := [sg_ids, direction, port, peer]

sg_key_verdict(key) := sg_verdict(key[0], key[1], key[2], key[3], null)

# with_source gives an unknown without a location the location of the reference.
with_source(u, src) := object.union(u, {"source": src}) if u.source == null

else := u

# grouped_findings turns failure records into one finding input per service x need. Sorting
# makes the groups contiguous, so this stays linear where grouping by comprehension (or a
# multi-value rule, which OPA and regorus render differently when empty) would not.
grouped_findings(failures) := set() if {
	count(failures) == 0
} else := findings if {
	fs := [f | some f in failures]
	order := sort([[f.service, f.need, i] | some i, f in fs])
	starts := [k | some k in numbers.range(0, count(order) - 1); starts_group(order, k)]
	bounds := array.concat(starts, [count(order)])
	findings := {group_finding([order[b][0], order[b][1]], group) |
		some k in numbers.range(0, count(starts) - 1)
		b := bounds[k]
		group := [fs[order[j][2]] | some j in numbers.range(b, bounds[k + 1] - 1)]
	}
}

starts_group(_, 0) := true

starts_group(order, k) if {
	k > 0
	[order[k][0], order[k][1]] != [order[k - 1][0], order[k - 1][1]]
}

# group_finding builds the finding input for one service x need from its failure records
# {service, need, text, fix, resource, source, hop}: every failing hop, in a stable order.
group_finding(key, group) := f if {
	texts := sort({x.text | some x in group})
	first := [x | some x in group; x.text == texts[0]][0]
	f := {
		"resource": first.resource,
		"service": key[0],
		"need": key[1],
		"message": sprintf("service %s cannot reach %s: %s", [key[0], key[1], concat("; ", texts)]),
		"fix": concat(" ", sort({x.fix | some x in group})),
		"hop": first.hop,
		"source": first.source,
	}
}
