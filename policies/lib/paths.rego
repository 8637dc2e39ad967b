# METADATA
# description: |
#   Path selection (docs/reasoning.md §2): for every analysed service × task subnet × need,
#   the path AWS would use, in AWS's order: an interface endpoint with private DNS, a
#   gateway endpoint on the subnet's route table, the default route (internet gateway with
#   a public IP, or a working NAT gateway); otherwise no path and the one reason for it.
#   Outputs (docs/policies.md "The path contract"):
#   - selected: the chosen paths, read by the FG3xx/FG4xx/FG102 rules;
#   - no_path / failures[service][need][rule]: why a need has no path (FG201–FG205, FG502,
#     FG503), with the failing hop;
#   - out_of_scope / leaves_scope[service][need]: paths that leave what the inputs show (FG206);
#   - verdicts: every service × need × subnet with a one-line path, for the text report;
#   - undecided: what an unknown value kept from being decided.
#   Values that do not settle a step make it undecided only when that step matters: an
#   unknown NAT gateway does not matter when an interface endpoint serves the need.
package fargate_preflight.lib.paths

import rego.v1

# The package spans three files, each using only the ones before it: paths.rego (indexes,
# names, route analysis, task subnets), paths_decisions.rego (the decision per task subnet ×
# need), paths_outputs.rego (what the rules read). The OPA engine pushes one module at a time
# and OPA compiles each against those already stored, so the files must not refer to each
# other in a cycle (`opa check` of paths.rego alone with the other lib files must pass).

# --- indexes (built once; every later lookup is by id) --------------------------------

# Endpoints that no longer exist (live scans) carry no traffic.
gone_states := {"deleted", "deleting", "failed", "rejected", "expired"}

usable_endpoint(ep) if {
	not object.get(ep, "state", null) in gone_states
}

# vpc_key identifies a VPC by id, or an unknown VPC by its ref: two references to the same
# unsettled value (one `Fn::ImportValue`) are the same VPC.
vpc_key(v) := v if {
	is_string(v)
} else := sprintf("?%s", [v.ref]) if {
	data.fargate_preflight.lib.model.is_unknown(v)
}

interface_endpoints[vpc][service] contains id if {
	some id, ep in input.vpc_endpoints
	ep.type == "Interface"
	usable_endpoint(ep)
	vpc := vpc_key(ep.vpc)
	service := ep.service
	is_string(service)
	not inbound_only(ep, vpc)
}

# inbound_only: an S3 (or DynamoDB) interface endpoint whose private DNS answers only
# on-premises clients through a Route 53 Resolver inbound endpoint: the VPC's own traffic
# resolves the service's public addresses and takes the gateway endpoint (docs/reasoning.md §1).
# Left unset, AWS turns the option on when the VPC has that gateway endpoint.
inbound_only(ep, _) if ep.private_dns_inbound_only == true

inbound_only(ep, vpc) if {
	object.get(ep, "private_dns_inbound_only", null) == null
	ep.private_dns == true
	ep.service in gateway_services
	count(object.get(gateway_endpoints, [vpc, ep.service], set())) > 0
}

gateway_endpoints[vpc][service] contains id if {
	some id, ep in input.vpc_endpoints
	ep.type == "Gateway"
	usable_endpoint(ep)
	vpc := vpc_key(ep.vpc)
	service := ep.service
	is_string(service)
}

gateway_on_route_table[rt][service] contains id if {
	some id, ep in input.vpc_endpoints
	ep.type == "Gateway"
	usable_endpoint(ep)
	is_array(ep.route_tables)
	some rt in ep.route_tables
	is_string(rt)
	service := ep.service
	is_string(service)
}

# Gateway endpoints whose route tables are (partly) unknown: any route table might be one.
gateway_unsettled[vpc][service] contains id if {
	some id, ep in input.vpc_endpoints
	ep.type == "Gateway"
	usable_endpoint(ep)
	some u in unknown_route_tables(ep)
	vpc := vpc_key(ep.vpc)
	service := ep.service
	is_string(service)
}

unknown_route_tables(ep) := {ep.route_tables} if {
	data.fargate_preflight.lib.model.is_unknown(ep.route_tables)
} else := rts if {
	rts := {rt |
		some rt in ep.route_tables
		data.fargate_preflight.lib.model.is_unknown(rt)
	}
}

# open_endpoints[vpc] are the endpoints whose service or type the inputs do not settle (a
# parameter; a live VPC whose endpoints could not be listed): one of them may be the endpoint a
# need has no path without, so such a need is undecided, not failed (paths_decisions.rego).
open_endpoints[vpc] contains id if {
	some id, ep in input.vpc_endpoints
	usable_endpoint(ep)
	open_part(ep)
	vpc := vpc_key(ep.vpc)
}

# open_part is the unsettled service or type of an endpoint.
open_part(ep) := ep.service if {
	data.fargate_preflight.lib.model.is_unknown(ep.service)
} else := ep.type if {
	data.fargate_preflight.lib.model.is_unknown(ep.type)
}

mount_targets[fs] contains id if {
	some id, mt in input.efs_mount_targets
	fs := mt.file_system
	is_string(fs)
}

gateway_services := {"s3", "dynamodb"}

# --- names for messages ----------------------------------------------------------------

name_of(collection, id) := name if {
	name := input[collection][id].name
} else := data.fargate_preflight.lib.model.show(id)

route_type_label := {
	"igw": "igw",
	"nat": "nat",
	"tgw": "transit gateway",
	"vgw": "virtual private gateway",
	"pcx": "VPC peering connection",
	"eni": "network interface",
	"vpce": "gateway load balancer endpoint",
	"instance": "instance",
	"cgw": "customer gateway",
	"lgw": "local gateway",
	"carrier": "carrier gateway",
	"eigw": "egress-only internet gateway",
	"local": "local",
}

route_target_collection := {"igw": "internet_gateways", "nat": "nat_gateways", "eigw": "internet_gateways"}

route_target_text(r) := sprintf("%s %s", [r.target_type, target_name]) if {
	r.target_type in {"igw", "nat"}
	target_name := name_of(route_target_collection[r.target_type], r.target)
} else := sprintf("%s %s (%s)", [
	r.target_type,
	data.fargate_preflight.lib.model.show(r.target),
	object.get(route_type_label, r.target_type, r.target_type),
])

# plural gives "subnet" for one item, "subnets" for more.
plural(word, items) := word if {
	count(items) == 1
} else := sprintf("%ss", [word])

# --- routes ----------------------------------------------------------------------------

# default_route is the IPv4 route a public AWS address takes: the 0.0.0.0/0 route (AWS
# routes by longest prefix, and only a /0 route covers every public address).
default_route(rt) := rt.routes[min(indexes)] if {
	indexes := {i | some i, r in rt.routes; r.destination == "0.0.0.0/0"}
	count(indexes) > 0
}

# specific_public_route is the first route narrower than 0.0.0.0/0 that takes part of the
# public address space (where AWS services' addresses are) somewhere the 0.0.0.0/0 route does
# not: AWS routes by longest prefix, so the path depends on the service's address, which is not
# in the inputs. Routes to private ranges (a transit gateway to 10.0.0.0/8) never matter.
specific_public_route(rt) := rt.routes[min(indexes)] if {
	zero := default_or_null(rt)
	indexes := {i |
		some i, r in rt.routes
		is_string(r.destination)
		r.destination != "0.0.0.0/0"
		r.target_type != "local"
		range := data.fargate_preflight.lib.network.ipv4_range(r.destination)
		not data.fargate_preflight.lib.network.in_not_public(range)
		not same_target(r, zero)
	}
	count(indexes) > 0
}

default_or_null(rt) := r if {
	r := default_route(rt)
} else := null

same_target(r, zero) if {
	zero != null
	r.target_type == zero.target_type
	r.target == zero.target
}

public_route_unknown(rt, r) := {
	"unknown": sprintf(
		concat("", [
			"route table %s sends %s, where AWS services' public addresses may be, to %s: ",
			"which route a service's address takes is not in the inputs",
		]),
		[rt.name, r.destination, target_text(r)],
	),
	"ref": sprintf("route %s of route table %s", [r.destination, rt.name]),
	"source": r.source,
	"fix": sprintf(
		concat("", [
			"Send 0.0.0.0/0 and %s of route table %s to the same target, ",
			"or check by hand which route the AWS services' addresses take.",
		]),
		[r.destination, rt.name],
	),
}

target_text(r) := sprintf("%s %s", [r.target_type, r.target]) if is_string(r.target)

else := sprintf("%v", [r.target_type])

# A route whose destination is unknown might be the default route (the first one is named).
unknown_destination(rt) := rt.routes[min(indexes)].destination if {
	indexes := {i | some i, r in rt.routes; data.fargate_preflight.lib.model.is_unknown(r.destination)}
	count(indexes) > 0
}

ipv6_default_route(rt) := rt.routes[min(indexes)] if {
	indexes := {i |
		some i, r in rt.routes
		r.destination_ipv6 == "::/0"
		r.target_type in {"igw", "eigw"}
		object.get(r, "state", "active") != "blackhole"
	}
	count(indexes) > 0
}

# route_analysis describes, per task subnet, where its default route leads:
# state "igw" | "nat" (a working NAT gateway) | "broken" (FG203) | "none" | "out-of-scope" |
# "undecided" (with the unknown).
route_analysis[subnet_id] := value if {
	some subnet_id in task_subnet_ids
	value := analyse_subnet(input.subnets[subnet_id])
}

task_subnet_ids contains ref if {
	some sid in data.fargate_preflight.lib.taskdef.analysed
	some ref in listed_subnets(input.services[sid])
	is_string(ref)
	input.subnets[ref]
}

analyse_subnet(subnet) := undecided_route(rt) if {
	rt := data.fargate_preflight.lib.model.lookup("route_tables", subnet.route_table, subnet.source)
	data.fargate_preflight.lib.model.is_unknown(rt)
} else := undecided_route(public_route_unknown(rt, r)) if {
	rt := input.route_tables[subnet.route_table]
	r := specific_public_route(rt)
} else := analyse_default_route(rt, r) if {
	rt := input.route_tables[subnet.route_table]
	r := default_route(rt)
} else := undecided_route(u) if {
	rt := input.route_tables[subnet.route_table]
	u := unknown_destination(rt)
} else := route_state("none", input.route_tables[subnet.route_table], null, "no default route", null)

undecided_route(u) := {"state": "undecided", "unknown": u}

route_state(state, rt, r, to, detail) := {
	"state": state,
	"route_table": rt.id,
	"via": sprintf("route table %s", [rt.name]),
	"to": to,
	"detail": detail,
	"route": r,
	"beyond": trim_prefix(to, "0.0.0.0/0 -> "),
}

analyse_default_route(rt, r) := route_state(
	"broken", rt, r, default_to(r),
	"the route is a blackhole (its target no longer exists)",
) if {
	r.state == "blackhole"
} else := undecided_route(r.target_type) if {
	data.fargate_preflight.lib.model.is_unknown(r.target_type)
} else := object.union(route_state("igw", rt, r, default_to(r), null), {"igw": r.target}) if {
	r.target_type == "igw"
} else := analyse_nat(rt, r) if {
	r.target_type == "nat"
} else := route_state("out-of-scope", rt, r, default_to(r), "the path leaves the scanned inputs")

# default_to is how a message shows the default route: "0.0.0.0/0 -> nat NatGatewayA".
default_to(r) := sprintf("0.0.0.0/0 -> %s", [route_target_text(r)])

# A NAT gateway reaches the internet when it is available and public and its own traffic to
# public addresses goes to an internet gateway. A zonal one's subnet route table is judged as a
# task subnet's is: a narrower public route elsewhere is undecided, and a default route to a
# transit gateway, VPN gateway, peering connection, network interface or firewall endpoint
# leaves the inputs (for a private NAT gateway too, which is made for such routes; an internet
# gateway drops its traffic). A regional one has no subnet (regional_nat).
analyse_nat(rt, r) := undecided_route(nat) if {
	nat := data.fargate_preflight.lib.model.lookup("nat_gateways", r.target, r.source)
	data.fargate_preflight.lib.model.is_unknown(nat)
} else := nat_verdict(rt, r, input.nat_gateways[r.target])

nat_verdict(rt, r, nat) := undecided_route(nat.state) if {
	data.fargate_preflight.lib.model.is_unknown(nat.state)
} else := broken_nat(rt, r, sprintf("NAT gateway %s is %s", [nat.name, nat.state])) if {
	nat.state != "available"
} else := undecided_route(nat.connectivity) if {
	data.fargate_preflight.lib.model.is_unknown(nat.connectivity)
} else := undecided_route(mode) if {
	mode := object.get(nat, "availability_mode", "zonal")
	data.fargate_preflight.lib.model.is_unknown(mode)
} else := regional_nat(rt, r, nat) if {
	nat.availability_mode == "regional"
} else := undecided_route(nat_subnet) if {
	nat_subnet := data.fargate_preflight.lib.model.lookup("subnets", nat.subnet, nat.source)
	data.fargate_preflight.lib.model.is_unknown(nat_subnet)
} else := nat_upstream(rt, r, nat, input.subnets[nat.subnet])

nat_upstream(rt, r, nat, nat_subnet) := undecided_route(nat_rt) if {
	nat_rt := data.fargate_preflight.lib.model.lookup("route_tables", nat_subnet.route_table, nat_subnet.source)
	data.fargate_preflight.lib.model.is_unknown(nat_rt)
} else := nat_via(rt, r, nat, nat_subnet, input.route_tables[nat_subnet.route_table])

nat_via(rt, r, nat, nat_subnet, nat_rt) := undecided_route(public_route_unknown(nat_rt, up)) if {
	up := specific_public_route(nat_rt)
} else := nat_default(rt, r, nat, nat_subnet, nat_rt, up) if {
	up := default_route(nat_rt)
} else := undecided_route(u) if {
	u := unknown_destination(nat_rt)
} else := broken_nat(rt, r, nat_route_detail(nat, nat_subnet, nat_rt, "no default route"))

# nat_default judges the NAT gateway's subnet's default route `up`.
nat_default(rt, r, nat, nat_subnet, nat_rt, up) := broken_nat(rt, r, nat_route_detail(
	nat, nat_subnet, nat_rt,
	sprintf("0.0.0.0/0 -> %s (blackhole)", [route_target_text(up)]),
)) if {
	up.state == "blackhole"
} else := undecided_route(up.target_type) if {
	data.fargate_preflight.lib.model.is_unknown(up.target_type)
} else := broken_nat(rt, r, sprintf(
	concat("", [
		"NAT gateway %s has private connectivity, and route table %s of its subnet %s sends ",
		"0.0.0.0/0 to %s, which drops a private NAT gateway's traffic",
	]),
	[nat.name, nat_rt.name, nat_subnet.name, route_target_text(up)],
)) if {
	up.target_type == "igw"
	nat.connectivity == "private"
} else := object.union(
	route_state("nat", rt, r, sprintf("%s -> %s", [default_to(r), route_target_text(up)]), null),
	{"nat": r.target, "igw": up.target},
) if {
	up.target_type == "igw"
} else := broken_nat(rt, r, nat_route_detail(nat, nat_subnet, nat_rt, default_to(up))) if {
	up.target_type == "nat"
	up.target == r.target
} else := undecided_route(chained_nat_unknown(nat, nat_rt, up)) if {
	up.target_type == "nat"
} else := route_state(
	"out-of-scope", rt, up, sprintf("%s -> %s", [default_to(r), route_target_text(up)]),
	"the path leaves the scanned inputs",
)

nat_route_detail(nat, nat_subnet, nat_rt, upstream) := sprintf(
	"NAT gateway %s is in subnet %s whose route table %s has %s, not a default route to an internet gateway",
	[nat.name, nat_subnet.name, nat_rt.name, upstream],
)

# A NAT gateway behind another one: the second one's way out is not followed.
chained_nat_unknown(nat, nat_rt, up) := {
	"unknown": sprintf(
		"NAT gateway %s sends its traffic to another NAT gateway, %s (route table %s), whose way out is not followed",
		[nat.name, name_of("nat_gateways", up.target), nat_rt.name],
	),
	"ref": sprintf("route 0.0.0.0/0 of route table %s", [nat_rt.name]),
	"source": up.source,
	"fix": sprintf(
		"Send 0.0.0.0/0 of route table %s to an internet gateway, or check by hand that %s reaches the internet.",
		[nat_rt.name, name_of("nat_gateways", up.target)],
	),
}

# A regional NAT gateway has no subnet: AWS gives it a route table of its own whose 0.0.0.0/0
# goes to the internet gateway attached to the VPC, and it has public connectivity only (VPC
# User Guide, "Regional NAT gateways for automatic multi-AZ expansion"). The route table that
# routes to it is in its VPC.
regional_nat(rt, r, nat) := broken_nat(
	rt, r,
	sprintf("NAT gateway %s is regional and has private connectivity: a regional one is public only", [nat.name]),
) if {
	nat.connectivity == "private"
} else := object.union(
	route_state(
		"nat", rt, r,
		sprintf("%s (regional) -> igw %s", [default_to(r), name_of("internet_gateways", igw)]),
		null,
	),
	{"nat": r.target, "igw": igw},
) if {
	igw := min({id | some id, g in input.internet_gateways; g.vpc == rt.vpc; g.egress_only == false})
} else := undecided_route(regional_igw_unknown(rt, nat))

# No internet gateway attached to the VPC in the inputs: it may be in another stack.
regional_igw_unknown(rt, nat) := {
	"unknown": sprintf(
		concat("", [
			"NAT gateway %s is regional: it reaches the internet through the internet gateway ",
			"attached to VPC %s, and the inputs attach none to it",
		]),
		[nat.name, name_of("vpcs", rt.vpc)],
	),
	"ref": sprintf("internet gateway of VPC %s", [name_of("vpcs", rt.vpc)]),
	"source": nat.source,
	"fix": sprintf(
		concat("", [
			"Attach an internet gateway to VPC %s (a regional NAT gateway sends 0.0.0.0/0 to it), ",
			"or scan the template that attaches it.",
		]),
		[name_of("vpcs", rt.vpc)],
	),
}

broken_nat(rt, r, detail) := route_state("broken", rt, r, default_to(r), detail)

# --- the service's task subnets --------------------------------------------------------

network(svc) := svc.network if {
	is_object(svc.network)
	not data.fargate_preflight.lib.model.is_unknown(svc.network)
}

# (An unknown `network` has no `subnets`: the same as through network(svc), without its calls.)
listed_subnets(svc) := subnets if {
	subnets := svc.network.subnets
	is_array(subnets)
}

# Subnets that cannot be judged: the list itself, an element, or an id not in the inputs.
# unsettled_subnets maps a label for the report (the id, or the unknown's ref) to the unknown.
unsettled_subnets(svc) := {data.fargate_preflight.lib.model.show(u): u} if {
	u := network(svc).subnets
	data.fargate_preflight.lib.model.is_unknown(u)
} else := unknowns if {
	found := {[subnet_label(ref), u] |
		some ref in listed_subnets(svc)
		u := data.fargate_preflight.lib.model.lookup("subnets", ref, data.fargate_preflight.lib.model.network_source(svc))
		data.fargate_preflight.lib.model.is_unknown(u)
	}

	# Two elements may be one unsettled value read twice (`!Select [0, !Split [",",
	# !ImportValue X]]` and `!Select [1, ...]`): one label, the first of its places.
	unknowns := {label: places[0] |
		some [label, _] in found
		places := sort([pair[1] | some pair in found; pair[0] == label])
	}
}

subnet_label(ref) := ref if {
	is_string(ref)
} else := data.fargate_preflight.lib.model.show(ref)

# The need identity a path is chosen for: needs that differ only in who calls or why share
# a path.
need_key(n) := {"need": n.need, "kind": n.kind, "port": n.port, "region": n.region, "target": n.target}
