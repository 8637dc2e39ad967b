# Path selection, continued (the package's description is in paths.rego): where each task
# subnet's IPv4 default route leads (route_analysis), through NAT gateways and internet
# gateways. Uses paths.rego only; paths_decisions.rego reads route_analysis.
package fargate_preflight.lib.paths

import rego.v1

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
} else := object.union(
	route_state("igw", rt, r, default_to(r), null),
	{"igw": r.target, "attachment": igw_attachment(rt, r)},
) if {
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
} else := nat_to_igw(rt, r, nat, nat_subnet, nat_rt, up) if {
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

# nat_to_igw: the NAT gateway's subnet sends 0.0.0.0/0 to internet gateway `up`, which carries
# a public NAT gateway's traffic when it is attached to the subnet's VPC.
nat_to_igw(rt, r, nat, nat_subnet, nat_rt, up) := broken_nat(rt, r, sprintf(
	concat("", [
		"NAT gateway %s has private connectivity, and route table %s of its subnet %s sends ",
		"0.0.0.0/0 to %s, which drops a private NAT gateway's traffic",
	]),
	[nat.name, nat_rt.name, nat_subnet.name, route_target_text(up)],
)) if {
	nat.connectivity == "private"
} else := object.union(
	route_state("nat", rt, r, sprintf("%s -> %s", [default_to(r), route_target_text(up)]), null),
	{"nat": r.target, "igw": up.target},
) if {
	igw_attachment(nat_rt, up).state == "attached"
} else := igw_unusable(rt, r, igw_attachment(nat_rt, up), sprintf(
	"NAT gateway %s is in subnet %s whose route table %s has %s, and ",
	[nat.name, nat_subnet.name, nat_rt.name, default_to(up)],
))

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
# routes to it is in its VPC; a VPC known only by an unsettled value is matched by vpc_key, as
# igw_attachment does (one `Fn::ImportValue` on both sides is one VPC).
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
	igw := min({id | some id, g in input.internet_gateways; vpc_key(g.vpc) == vpc_key(rt.vpc); g.egress_only == false})
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

# igw_attachment says whether the internet gateway that route r of route table rt targets
# carries the traffic: only when it is attached to the route table's VPC (CreateRoute takes "an
# internet gateway attached to your VPC"; one of another VPC is refused, "belong to different
# networks", and a detached one leaves the route a blackhole). {"state": "attached"};
# "undecided" with the unknown when the inputs do not say where it is attached (no attachment
# in them: it may be in another stack or made by hand); "elsewhere" with the detail and fix. A
# gateway not in the inputs (a literal id) counts as attached: AWS took the route to it.
igw_attachment(rt, r) := {"state": "attached"} if {
	not input.internet_gateways[r.target]
} else := {"state": "attached"} if {
	vpc_key(input.internet_gateways[r.target].vpc) == vpc_key(rt.vpc)
} else := {"state": "undecided", "unknown": unattached_igw(rt, input.internet_gateways[r.target])} if {
	input.internet_gateways[r.target].vpc == null
} else := {"state": "undecided", "unknown": unknowns[0]} if {
	unknowns := [u |
		some u in [input.internet_gateways[r.target].vpc, rt.vpc]
		data.fargate_preflight.lib.model.is_unknown(u)
	]
	count(unknowns) > 0
} else := igw_elsewhere(rt, input.internet_gateways[r.target])

igw_elsewhere(rt, igw) := {
	"state": "elsewhere",
	"detail": sprintf(
		concat("", [
			"internet gateway %s is attached to VPC %s, not to VPC %s of the subnet and its ",
			"route table, so the route carries nothing",
		]),
		[igw.name, name_of("vpcs", igw.vpc), name_of("vpcs", rt.vpc)],
	),
	"fix": sprintf(
		concat("", [
			"Point the 0.0.0.0/0 route of route table %s at an internet gateway attached to VPC %s, ",
			"or attach %s to VPC %s instead of VPC %s.",
		]),
		[rt.name, name_of("vpcs", rt.vpc), igw.name, name_of("vpcs", rt.vpc), name_of("vpcs", igw.vpc)],
	),
}

unattached_igw(rt, igw) := {
	"unknown": sprintf(
		concat("", [
			"no attachment of internet gateway %s to a VPC is in the scanned inputs; it may be in ",
			"another stack or made by hand, and without one the route to it carries nothing",
		]),
		[igw.name],
	),
	"ref": sprintf("attachment of internet gateway %s", [igw.name]),
	"source": igw.source,
	"fix": sprintf(
		concat("", [
			"Scan the template or configuration that attaches internet gateway %s to VPC %s (an ",
			"AWS::EC2::VPCGatewayAttachment, an aws_internet_gateway_attachment or aws_internet_gateway's vpc_id) ",
			"with this one, or add that attachment.",
		]),
		[igw.name, name_of("vpcs", rt.vpc)],
	),
}

# igw_unusable is the state of a route whose way out goes through an internet gateway that
# igw_attachment did not find attached: undecided, or broken with `lead` + why and the fix.
igw_unusable(rt, r, a, lead) := undecided_route(a.unknown) if a.state == "undecided"

else := object.union(route_state("broken", rt, r, default_to(r), concat("", [lead, a.detail])), {"fix": a.fix}) if {
	a.state == "elsewhere"
}
