# The network reasoning that builds on network.rego: security groups, the task side of a
# path, the selected paths as the FG3xx/FG4xx rules see them, and the memoised verdicts and
# grouped findings they share (NACL message text: network_nacl_text.rego). Same package as
# network.rego; this file only depends on that one and cidr.rego (OPA loads them in name
# order), never the other way round.
package fargate_preflight.lib.network

import rego.v1

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
# The common outcomes are settled part by part: a protocol or port that cannot match makes
# "none" without looking at the peer, and three "yes" make "covers". (The unknown of a "none"
# state is never read.)
rule_state(g, r, direction, port, peer) := {"state": "maybe", "unknown": r, "group": g.id, "rule": null} if {
	data.fargate_preflight.lib.model.is_unknown(r)
} else := {"state": "none", "unknown": null, "group": g.id, "rule": r} if {
	protocol_state(r).state == "no"
} else := {"state": "none", "unknown": null, "group": g.id, "rule": r} if {
	port_state(r, port).state == "no"
} else := {"state": "covers", "unknown": null, "group": g.id, "rule": r} if {
	protocol_state(r).state == "yes"
	port_state(r, port).state == "yes"
	peer_state(g, r, direction, peer).state == "yes"
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

coverage_state("partial", g, r, direction, cidr, dest) := maybe(object.union(
	{
		"unknown": sprintf(
			"security group %s %s rule for %s covers only part of %s",
			[g.name, direction, cidr, destination_text(dest)],
		),
		"ref": sprintf("security group %s %s rule %s", [g.name, direction, cidr]),
		"source": r.source,
	},
	public_partial_fix(
		dest, sprintf("security group %s", [g.name]), cidr, "to",
		", or, for an S3 or DynamoDB gateway endpoint, to the endpoint's prefix list",
	),
))

# A rule naming a prefix list matches the destination's prefix list; a list in the inputs with
# known CIDRs is judged by them; an AWS-managed list of another service holds none of the
# destination's addresses; any other list is not settled by the inputs.
prefix_list_peer_state(g, r, direction, peer) := yes if {
	r.prefix_list == object.get(peer, "prefix_list", null)
} else := maybe(peer.prefix_list) if {
	data.fargate_preflight.lib.model.is_unknown(peer.prefix_list)
} else := maybe(unlisted_prefix_list(r, direction)) if {
	not input.prefix_lists[r.prefix_list]
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

# unlisted_prefix_list: a prefix list the inputs do not define, by ID. An ID alone does not
# say whose addresses the list holds (an AWS-managed list names its service, as
# com.amazonaws.us-east-1.s3, only in the account), and the scanner keeps no table of IDs.
# A live scan reads the lists its rules name, so there the list was not read.
unlisted_prefix_list(r, direction) := missing if {
	startswith(object.get(r.source, "file", ""), "aws://")
	missing := data.fargate_preflight.lib.model.missing("prefix_lists", r.prefix_list, r.source)
} else := {
	"unknown": sprintf(
		concat("", [
			"prefix list %s is not in the scanned inputs, and its ID does not say whose addresses ",
			"it holds: an AWS service's (S3's, DynamoDB's) or the account's own",
		]),
		[r.prefix_list],
	),
	"ref": sprintf("prefix list %s", [r.prefix_list]),
	"source": r.source,
	"fix": sprintf(
		concat("", [
			"Make sure %s is the destination's list (for a gateway endpoint, ",
			"com.amazonaws.REGION.SERVICE of the deploy region). To have it checked: scan the ",
			"deployed account with scan-aws, which reads the prefix lists that rules name; %s; ",
			"or name a list the inputs define (in Terraform the gateway endpoint's prefix_list_id ",
			"or an aws_ec2_managed_prefix_list, in CloudFormation an AWS::EC2::PrefixList).",
		]),
		[r.prefix_list, other_peer[direction]],
	),
}

other_peer := {
	"egress": "allow the traffic to 0.0.0.0/0 instead",
	"ingress": "admit the task's security group or subnet CIDRs instead",
}

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

# task_return_ports is the ephemeral port range a task receives return traffic on. When the
# inputs do not settle the task's operating system family, it is either OS's range: the range
# that spans both, with the unknown that would settle it third ([32768, 65535, unknown]), so
# that a verdict that differs between the two can name it (os_verdict).
task_return_ports(svc) := windows_task_return_ports if {
	os_family := input.task_definitions[svc.task_definition].os_family
	is_string(os_family)
	startswith(upper(os_family), "WINDOWS")
} else := linux_task_return_ports if {
	is_string(input.task_definitions[svc.task_definition].os_family)
} else := array.concat(either_task_return_ports, [os_unknown]) if {
	os_unknown := input.task_definitions[svc.task_definition].os_family
	data.fargate_preflight.lib.model.is_unknown(os_unknown)
} else := array.concat(
	either_task_return_ports,
	[data.fargate_preflight.lib.model.lookup("task_definitions", svc.task_definition, svc.source)],
)

# task_security_group_ids: the service's groups, else (none named) its VPC's default group.
# (The usual case first: a function call costs regorus about 3 microseconds, and this runs for
# every selected path.)
task_security_group_ids(svc, subnet_id) := groups if {
	groups := svc.network.security_groups
	is_array(groups)
	count(groups) > 0
} else := svc.network.security_groups if {
	data.fargate_preflight.lib.model.is_unknown(svc.network.security_groups)
} else := default_security_group_ids(subnet_vpc(subnet_id, svc.source))

# task_peer is the task as the source of traffic another group admits: its security groups and
# its subnet's CIDR, with the words messages and fixes use for it.
# (A subnet missing from the inputs is reported without a location; see with_source.)
task_peer(sg_ids, subnet_id) := {
	"peer": task_source(sg_ids, subnet_id),
	"label": sprintf("%s or %s", [task_groups_text(sg_ids), subnet_label(subnet_id)]),
	"fix_source": task_fix_source(sg_ids, subnet),
} if {
	subnet := data.fargate_preflight.lib.model.lookup("subnets", subnet_id, null)
}

# task_source is task_peer's `peer` alone (what an ingress verdict depends on), without the
# words: checks build those only for the hops that fail.
task_source(sg_ids, subnet_id) := {"security_groups": sg_ids, "cidr": subnet_cidr(subnet)} if {
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

# shape_uses[shape] are the services and needs ({service, need, source}) of one shape: every
# selected path as its service sees it. The shape is what the NACL and security group checks
# depend on; services whose tasks share a subnet, groups and path share it, so a rule checks
# each shape once (or, keyed by the fields it reads, each view of it) and joins the services
# of failing shapes through this index. (Kept here rather than in the rule packages, whose
# whole documents the scanner reads back.)
shape_uses[shape] contains entry if {
	some path in data.fargate_preflight.lib.paths.selected
	svc := input.services[path.service]
	shape := {
		"subnet": path.subnet, "port": path.port, "kind": path.kind,
		"endpoint": path.endpoint, "nat_gateway": path.nat_gateway,
		"destinations": path.destinations, "security_groups": path.security_groups,
		"prefix_list": path.prefix_list,
		"task_sg_ids": task_security_group_ids(svc, path.subnet),
		"return_ports": return_ports_of[path.service],
		"endpoint_name": object_name("vpc_endpoints", path.endpoint),
		"target": target_text(path),
	}
	entry := {"service": svc.name, "need": path.need, "source": data.fargate_preflight.lib.model.network_source(svc)}
}

# return_ports_of[service id]: task_return_ports, once per service rather than per path.
return_ports_of[sid] := value if {
	some sid, svc in input.services
	value := task_return_ports(svc)
}

shapes contains shape if some shape, _ in shape_uses

# uses: the same, one entry per service and need with its shape.
uses contains value if {
	some shape, shape_uses_of_one in shape_uses
	some use in shape_uses_of_one
	value := object.union(use, {"shape": shape})
}

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

nacl_key_verdict(key) := os_verdict(nacl_of(key[0]), key[1], key[2], key[3]) if {
	count(key[2]) == 3
} else := nacl_verdict(nacl_of(key[0]), key[1], key[2][0], key[2][1], key[3])

# os_verdict: return traffic to a task whose operating system family is not settled is judged
# on both ranges when Linux's and Windows' give the same verdict; otherwise which OS the task
# runs (ports[2], the unknown) decides, with any unknown of either verdict.
os_verdict(nacl, egress, ports, remote) := nacl_verdict(nacl, egress, ports[0], ports[1], remote) if {
	linux_verdict(nacl, egress, remote).verdict == windows_verdict(nacl, egress, remote).verdict
} else := undecided(unknowns) if {
	others := {u |
		some v in [linux_verdict(nacl, egress, remote), windows_verdict(nacl, egress, remote)]
		some u in v.unknowns
	}
	unknowns := array.concat([ports[2]], [u | some u in others; u != ports[2]])
}

linux_verdict(nacl, egress, remote) := nacl_verdict(
	nacl, egress,
	linux_task_return_ports[0], linux_task_return_ports[1], remote,
)

windows_verdict(nacl, egress, remote) := nacl_verdict(
	nacl, egress,
	windows_task_return_ports[0], windows_task_return_ports[1], remote,
)

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
		"message": sprintf(
			"%s cannot reach %s: %s",
			[data.fargate_preflight.lib.model.runner(key[0]), key[1], concat("; ", texts)],
		),
		"fix": concat(" ", sort({x.fix | some x in group})),
		"hop": first.hop,
		"source": first.source,
	}
}
