# METADATA
# description: |
#   Network ACL and security-group reasoning (docs/reasoning.md §1), as pure functions over
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
#   For the FG3xx/FG4xx rules it also gives `shape_uses` (each selected path's shape, what
#   its checks depend on, with the services and needs that have it, so services sharing a
#   subnet share the work; each rule keys its checks by the fields it reads and joins the
#   services only of failing shapes), verdict keys whose verdicts the rules keep in partial
#   rules (evaluated once per key), and grouped_findings (one finding per service x need).
package fargate_preflight.lib.network

import rego.v1

# `public`, `max_ipv4` and the CIDR parsing and comparison this file uses are in cidr.rego
# (same package; OPA pushes that file first, so it must not refer to this one).

all_ports := [0, 65535]

# Protocols that carry a TCP flow: all protocols, or TCP.
tcp_protocols := {"-1", "6"}

# Ephemeral ports the initiator of a connection receives return traffic on (VPC User Guide,
# "Ephemeral ports"; for Linux the kernel's default ip_local_port_range, docs/reasoning.md §1).
linux_task_return_ports := [32768, 60999]

windows_task_return_ports := [49152, 65535]

nat_gateway_return_ports := [1024, 65535]

# An unknown os_family could be either: both ranges (network_flows.rego task_return_ports).
either_task_return_ports := [32768, 65535]

# The implicit last NACL rule; 32767 sorts it after every numbered rule (1-32766).
star_order := 32767

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
# evaluation allows every address of `dest` on every port, and denied when it denies every
# address on some of the ports: a connection's port is chosen from the whole range at run
# time, so a range that is only partly allowed fails some connections (the verdict then names
# the denied ports, `denied_ports`). A mix of addresses (an entry covering part of `dest`,
# settled differently by a later entry), or an unknown entry that might come first, is
# undecided: which address the traffic uses is not in the inputs.
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
could_apply(c, ports, d, dest) if {
	c.opaque
} else if {
	protocol_could_be_tcp(c.protocol)
	ports_could_overlap(c.ports, ports)
	address_could_overlap(c.cidr, c.range, d, dest)
}

direction_could_match(entry_egress, egress) if {
	entry_egress == egress
} else if {
	data.fargate_preflight.lib.model.is_unknown(entry_egress)
}

protocol_could_be_tcp(p) if {
	p in tcp_protocols
} else if {
	data.fargate_preflight.lib.model.is_unknown(p)
}

# An entry whose ports are unsettled (null) might overlap any flow.
ports_could_overlap(entry_ports, ports) if {
	not is_array(entry_ports)
} else if {
	ranges_overlap(entry_ports, ports)
}

# An IPv6 entry (cidr null) never matches; an unknown CIDR might.
address_could_overlap(cidr, r, d, dest) if {
	data.fargate_preflight.lib.model.is_unknown(cidr)
} else if {
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
block_result(cands, a, p) := {"action": "undecided", "entry": blocker, "unknown": blocker.unknown, "ports": p} if {
	decider := lowest([c | some c in cands; c.unknown == null; block_matches(c, a, p)])
	blockers := [c |
		some c in cands
		c.unknown != null
		block_could_match(c, a, p)
		comes_before(c, decider)
	]
	count(blockers) > 0
	blocker := blockers[0]
} else := {"action": decider.action, "entry": decider, "unknown": null, "ports": p} if {
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

comes_before(c, decider) if {
	c.order == null
} else if {
	c.order < decider.order
}

# combine_blocks: ports that first-match denies at every address deny the flow, whatever the
# other ports give (some connections take them); else an unknown that might decide a block
# leaves it undecided; else one action for every block decides; else some ports are allowed
# at some addresses only, and which address the traffic uses is not in the inputs.
combine_blocks(nacl, results, egress, ports, dest) := partial_deny(results, denied) if {
	denied := denied_port_blocks(results)
	count(denied) > 0
	some r in results
	r.action != "deny"
} else := {"verdict": "undecided", "entries": [], "unknowns": unknowns} if {
	unknowns := [u | some u in {r.unknown | some r in results; r.action == "undecided"}]
	count(unknowns) > 0
} else := verdict_of_entries(deciders(results)) if {
	count({r.action | some r in results}) == 1
} else := undecided([partial_unknown(nacl, first_real, egress, ports, dest)]) if {
	first_real := lowest([d |
		some d in deciders(results)
		d.rule != "*"
		not covers_destination(d.range, dest)
	])
} else := undecided([partial_unknown(nacl, first_real, egress, ports, dest)]) if {
	first_real := lowest([d | some d in deciders(results); d.rule != "*"])
}

# denied_port_blocks are the port blocks that first-match denies at every address.
denied_port_blocks(results) := denied if {
	open := {r.ports | some r in results; r.action != "deny"}
	denied := {r.ports | some r in results; r.action == "deny"; not open[r.ports]}
}

# partial_deny: the entries that deny those ports (the `*` rule last), the entries that allow
# other ports (`allowing`), and the denied ports merged into ranges (`denied_ports`).
partial_deny(results, denied) := {
	"verdict": "deny",
	"entries": deciders([r | some r in results; denied[r.ports]]),
	"allowing": deciders([r | some r in results; r.action == "allow"]),
	"unknowns": [],
	"denied_ports": port_ranges(denied),
}

# port_ranges merges disjoint port blocks into the fewest ranges, in order.
port_ranges(blocks) := merged if {
	rs := sort(blocks)
	starts := [i | some i, _ in rs; not joins_previous(rs, i)]
	merged := [[rs[start][0], rs[range_end(starts, k, count(rs))][1]] | some k, start in starts]
}

joins_previous(rs, i) if {
	i > 0
	rs[i - 1][1] + 1 == rs[i][0]
}

range_end(starts, k, n) := starts[k + 1] - 1 if k + 1 < count(starts)

else := n - 1

# deciders are the entries that decided some block, by rule number (the `*` rule last).
deciders(results) := ds if {
	by_key := {[r.entry.order, r.entry.index]: r.entry | some r in results}

	# regal ignore:prefer-some-in-iteration
	ds := [by_key[key] | some key in sort(object.keys(by_key))]
}

# partial_unknown describes an entry that covers part of the flow's addresses while the rest
# is decided the other way: which address the traffic uses is not in the inputs.
partial_unknown(nacl, c, egress, ports, dest) := object.union_n([
	partial_ref(nacl, c, egress),
	{"unknown": sprintf(
		concat("", [
			"network ACL %s %s rule %v (%s) covers only part of %s TCP %s %s %s, ",
			"and the rest is decided the other way",
		]),
		[
			nacl.name, direction_word(egress), c.rule, entry_text(c, egress),
			direction_word(egress), ports_text(ports), to_or_from(egress), destination_text(dest),
		],
	)},
	public_partial_fix(
		dest, sprintf("network ACL %s", [nacl.name]), c.cidr, to_or_from(egress),
		" (ahead of any narrower entry)",
	),
])

# public_partial_fix: no file or value settles which of an AWS service's addresses a narrower
# public CIDR holds (a rule of a security group or network ACL); the fix is to name them all:
# "allow the traffic to 0.0.0.0/0 instead" (`to_from` "to"), and then `also`.
public_partial_fix(dest, holder, cidr, to_from, also) := {"fix": sprintf(
	concat("", [
		"The AWS service's addresses are not in the inputs, so whether %s holds the ones the ",
		"tasks reach cannot be settled: in %s, allow the traffic %s 0.0.0.0/0 instead%s.",
	]),
	[cidr, holder, to_from, also],
)} if {
	dest == public
} else := {}

# denied_text: "port 2049 is", "ports 32768-49151 are", "ports 1024-2000 and 3000-4000 are".
denied_text(ranges) := sprintf("port %s is", [ranges_text(ranges)]) if {
	count(ranges) == 1
	ranges[0][0] == ranges[0][1]
} else := sprintf("ports %s are", [ranges_text(ranges)])

ranges_text(ranges) := concat(" and ", [ports_text(r) | some r in ranges])

partial_ref(nacl, c, egress) := {
	"ref": sprintf("network ACL %s %s rule %v", [nacl.name, direction_word(egress), c.rule]),
	"source": c.source,
}

# cidr_text is what a rule names for a destination: the service's addresses are in 0.0.0.0/0.
cidr_text(dest) := "0.0.0.0/0" if dest == public

else := destination_text(dest)

covers_destination(r, dest) if {
	dest == public
	r == [0, max_ipv4]
} else if {
	dest != public
	range_contains(r, destination_range(dest))
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

# to_or_from is the preposition of a flow direction in messages.
to_or_from(true) := "to"

to_or_from(false) := "from"
