# METADATA
# description: |
#   Path selection (RULES.md section 2): for every analysed service × task subnet × need,
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

mount_targets[fs] contains id if {
	some id, mt in input.efs_mount_targets
	fs := mt.file_system
	is_string(fs)
}

gateway_services := {"s3", "dynamodb"}

# --- names for messages ----------------------------------------------------------------

name_of(collection, id) := input[collection][id].name if {
	input[collection][id]
} else := data.fargate_preflight.lib.needs.show(id)

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

route_target_text(r) := sprintf("%s %s", [r.target_type, name_of(route_target_collection[r.target_type], r.target)]) if {
	r.target_type in {"igw", "nat"}
} else := sprintf("%s %s (%s)", [r.target_type, data.fargate_preflight.lib.needs.show(r.target), object.get(route_type_label, r.target_type, r.target_type)])

# --- routes ----------------------------------------------------------------------------

# default_route is the IPv4 route a public AWS address takes: the 0.0.0.0/0 route (AWS
# routes by longest prefix, and only a /0 route covers every public address).
default_route(rt) := rt.routes[min(indexes)] if {
	indexes := {i | some i, r in rt.routes; r.destination == "0.0.0.0/0"}
	count(indexes) > 0
}

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
route_analysis[subnet_id] := analyse_subnet(input.subnets[subnet_id]) if {
	some subnet_id in task_subnet_ids
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

analyse_default_route(rt, r) := route_state("broken", rt, r, sprintf("0.0.0.0/0 -> %s", [route_target_text(r)]), "the route is a blackhole (its target no longer exists)") if {
	r.state == "blackhole"
} else := undecided_route(r.target_type) if {
	data.fargate_preflight.lib.model.is_unknown(r.target_type)
} else := object.union(route_state("igw", rt, r, sprintf("0.0.0.0/0 -> %s", [route_target_text(r)]), null), {"igw": r.target}) if {
	r.target_type == "igw"
} else := analyse_nat(rt, r) if {
	r.target_type == "nat"
} else := route_state("out-of-scope", rt, r, sprintf("0.0.0.0/0 -> %s", [route_target_text(r)]), "the path leaves the scanned inputs")

# A NAT gateway reaches the internet only when it is public, available, and its own subnet's
# default route is an internet gateway.
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
} else := broken_nat(rt, r, sprintf("NAT gateway %s has private connectivity (it cannot reach the internet)", [nat.name])) if {
	nat.connectivity == "private"
} else := undecided_route(nat_subnet) if {
	nat_subnet := data.fargate_preflight.lib.model.lookup("subnets", nat.subnet, nat.source)
	data.fargate_preflight.lib.model.is_unknown(nat_subnet)
} else := nat_upstream(rt, r, nat, input.subnets[nat.subnet])

nat_upstream(rt, r, nat, nat_subnet) := undecided_route(nat_rt) if {
	nat_rt := data.fargate_preflight.lib.model.lookup("route_tables", nat_subnet.route_table, nat_subnet.source)
	data.fargate_preflight.lib.model.is_unknown(nat_rt)
} else := nat_via(rt, r, nat, nat_subnet, input.route_tables[nat_subnet.route_table])

nat_via(rt, r, nat, nat_subnet, nat_rt) := object.union(
	route_state("nat", rt, r, sprintf("0.0.0.0/0 -> nat %s -> igw %s", [nat.name, name_of("internet_gateways", up.target)]), null),
	{"nat": r.target, "igw": up.target},
) if {
	up := default_route(nat_rt)
	up.target_type == "igw"
	object.get(up, "state", "active") == "active"
} else := undecided_route(up.target_type) if {
	up := default_route(nat_rt)
	data.fargate_preflight.lib.model.is_unknown(up.target_type)
} else := undecided_route(u) if {
	not default_route(nat_rt)
	u := unknown_destination(nat_rt)
} else := broken_nat(rt, r, sprintf("NAT gateway %s is in subnet %s whose route table %s has %s, not a default route to an internet gateway", [nat.name, nat_subnet.name, nat_rt.name, upstream_text(nat_rt)]))

upstream_text(nat_rt) := sprintf("0.0.0.0/0 -> %s (blackhole)", [route_target_text(up)]) if {
	up := default_route(nat_rt)
	up.state == "blackhole"
} else := sprintf("0.0.0.0/0 -> %s", [route_target_text(up)]) if {
	up := default_route(nat_rt)
} else := "no default route"

broken_nat(rt, r, detail) := route_state("broken", rt, r, sprintf("0.0.0.0/0 -> %s", [route_target_text(r)]), detail)

# --- the service's task subnets --------------------------------------------------------

network(svc) := svc.network if {
	is_object(svc.network)
	not data.fargate_preflight.lib.model.is_unknown(svc.network)
}

listed_subnets(svc) := network(svc).subnets if {
	is_array(network(svc).subnets)
}

# Subnets that cannot be judged: the list itself, an element, or an id not in the inputs.
# unsettled_subnets maps a label for the report (the id, or the unknown's ref) to the unknown.
unsettled_subnets(svc) := {data.fargate_preflight.lib.needs.show(u): u} if {
	u := network(svc).subnets
	data.fargate_preflight.lib.model.is_unknown(u)
} else := unknowns if {
	unknowns := {label: u |
		some ref in listed_subnets(svc)
		u := data.fargate_preflight.lib.model.lookup("subnets", ref, svc.source)
		data.fargate_preflight.lib.model.is_unknown(u)
		label := subnet_label(ref)
	}
}

subnet_label(ref) := ref if {
	is_string(ref)
} else := data.fargate_preflight.lib.needs.show(ref)

# The need identity a path is chosen for: needs that differ only in who calls or why share
# a path.
need_key(n) := {"need": n.need, "kind": n.kind, "port": n.port, "region": n.region, "target": n.target}

# --- decisions -------------------------------------------------------------------------

# need_keys[service id] is the set of the service's need keys.
need_keys[sid] := keys if {
	some sid, ns in data.fargate_preflight.lib.needs.needs
	keys := {need_key(n) | some n in ns}
}

# subnet_needs[task subnet id] is the set of need keys that some service needs from it.
subnet_needs[ref] contains key if {
	some sid, keys in need_keys
	some ref in listed_subnets(input.services[sid])
	input.subnets[ref]
	some key in keys
}

# in_subnet[task subnet id][need key] is the decision for any task in that subnet: the
# path depends on the subnet, its VPC and route tables, not on the service, except for
# assignPublicIp (verdict "igw", settled per service in `decisions`). Many services share
# subnets, so each pair is decided once.
in_subnet[ref][key] := decide(input.subnets[ref], key) if {
	some ref, keys in subnet_needs
	some key in keys
}

# decisions[[service id, subnet id, need key]] is the decision for one service's tasks.
decisions[[sid, ref, key]] := for_service(svc, r) if {
	some sid, keys in need_keys
	svc := input.services[sid]
	some ref in listed_subnets(svc)
	input.subnets[ref]
	some key in keys
	r := in_subnet[ref][key]
}

for_service(svc, r) := r if {
	r.verdict != "igw"
} else := r.public if {
	network(svc).assign_public_ip == "ENABLED"
} else := undecided_result(network(svc).assign_public_ip) if {
	data.fargate_preflight.lib.model.is_unknown(network(svc).assign_public_ip)
} else := r.private

decide(subnet, key) := target_decision(subnet, key) if {
	key.kind == "target"
} else := route_decision(subnet, key, interface_summary(subnet, key))

# Steps 1 and 2 only for AWS services in the deploy region (kind "endpoint"); a registry
# or another region's service is reachable only over the internet.
route_decision(subnet, key, ifc) := ok(interface_path(subnet, key, ep), sprintf("interface endpoint %s", [ep.name])) if {
	ifc.usable != null
	ep := input.vpc_endpoints[ifc.usable]
} else := undecided_result(ifc.undecided) if {
	ifc.undecided != null
} else := r if {
	key.kind == "endpoint"
	r := gateway_step(subnet, key)
} else := default_route_step(subnet, key, ifc, route_analysis[subnet.id])

# Every decision has a verdict and a one-line `path_text` for the text report; a failing or
# out-of-scope one also has `text`, the hop as a message prints it.
ok(path, path_text) := {"verdict": "ok", "path": path, "path_text": path_text}

undecided_result(u) := {"verdict": "undecided", "unknown": u, "path_text": sprintf("undecided: %s", [u.ref])}

out_of_scope_result(subnet, ra, to, detail, text, path_text, src) := {
	"verdict": "out-of-scope",
	"route_table": ra.route_table,
	"hop": hop(subnet, ra.via, to, detail),
	"text": text,
	"path_text": path_text,
	"source": src,
}

path(key, subnet, kind, fields, hop) := object.union(
	{
		"need": key.need, "port": key.port, "subnet": subnet.id, "kind": kind,
		"endpoint": null, "nat_gateway": null,
		"destinations": [{"subnet": null, "cidr": "0.0.0.0/0"}],
		"security_groups": [], "prefix_list": null, "hop": hop,
	},
	fields,
)

hop(subnet, via, to, detail) := {"from": sprintf("subnet %s", [subnet.name]), "via": via, "to": to, "detail": detail}

# --- step 1: interface endpoint with private DNS ---------------------------------------

# interface_summary says what the VPC's interface endpoints for the need are: the first
# usable one, the unknown that keeps one open, and the first with private DNS off (FG502)
# or in a VPC without DNS support/hostnames (FG503); null where there is none.
interface_summary(subnet, key) := summary if {
	key.kind == "endpoint"
	candidates := object.get(interface_endpoints, [vpc_key(subnet.vpc), key.need], set())
	count(candidates) > 0
	statuses := {id: interface_status(input.vpc_endpoints[id], subnet, key) | some id in candidates}
	summary := {
		"usable": first_with(statuses, "usable"),
		"undecided": first_unknown(statuses),
		"private_dns_off": first_with(statuses, "private_dns_off"),
		"vpc_dns_off": first_with(statuses, "vpc_dns_off"),
	}
} else := no_interface_endpoint

no_interface_endpoint := {"usable": null, "undecided": null, "private_dns_off": null, "vpc_dns_off": null}

first_with(statuses, wanted) := min(ids) if {
	ids := {id | some id, s in statuses; s.status == wanted}
	count(ids) > 0
} else := null

first_unknown(statuses) := statuses[min(ids)].unknown if {
	ids := {id | some id, s in statuses; s.status == "undecided"}
	count(ids) > 0
} else := null

interface_path(subnet, key, ep) := path(
	key, subnet, "interface",
	{
		"endpoint": ep.id,
		"destinations": endpoint_destinations(ep),
		"security_groups": as_id_list(ep.security_groups),
	},
	hop(subnet, "local route", sprintf("interface endpoint %s", [ep.name]), ""),
)

endpoint_destinations(ep) := [{"subnet": null, "cidr": ep.subnets}] if {
	data.fargate_preflight.lib.model.is_unknown(ep.subnets)
} else := destinations if {
	destinations := [{"subnet": s, "cidr": subnet_cidr(s, ep.source)} | some s in ep.subnets]
}

# subnet_cidr is the subnet's CIDR, or an unknown when the subnet is not in the inputs.
subnet_cidr(id, src) := input.subnets[id].cidr if {
	input.subnets[id]
} else := data.fargate_preflight.lib.model.lookup("subnets", id, src)

as_id_list(v) := [v] if {
	data.fargate_preflight.lib.model.is_unknown(v)
} else := v if {
	is_array(v)
} else := []

# interface_status: "usable", "private_dns_off" (FG502), "vpc_dns_off" (FG503),
# "other_region", or "undecided" with the unknown that keeps it open.
interface_status(ep, subnet, key) := region_status(ep, subnet, key, region_match(ep.service_region, key.region))

region_status(_, _, _, "no") := status("other_region", null)

region_status(ep, subnet, key, match) := status("private_dns_off", null) if {
	match != "no"
	ep.private_dns == false
} else := status("undecided", region_unknown(ep.service_region, key.region)) if {
	match == "unknown"
} else := status("undecided", ep.private_dns) if {
	match == "yes"
	data.fargate_preflight.lib.model.is_unknown(ep.private_dns)
} else := vpc_dns_status(data.fargate_preflight.lib.model.lookup("vpcs", subnet.vpc, subnet.source)) if {
	match == "yes"
}

status(s, u) := {"status": s, "unknown": u}

vpc_dns_status(vpc) := status("undecided", vpc) if {
	data.fargate_preflight.lib.model.is_unknown(vpc)
} else := status("undecided", unknowns[0]) if {
	unknowns := [u |
		some u in [vpc.enable_dns_support, vpc.enable_dns_hostnames]
		data.fargate_preflight.lib.model.is_unknown(u)
	]
	count(unknowns) > 0
} else := status("usable", null) if {
	vpc.enable_dns_support == true
	vpc.enable_dns_hostnames == true
} else := status("vpc_dns_off", null)

# region_match compares an endpoint's region with a need's: "yes", "no" or "unknown".
# The same unsettled value (e.g. AWS::Region on both sides) is the same region.
region_match(a, b) := "yes" if {
	is_string(a)
	a == b
} else := "no" if {
	is_string(a)
	is_string(b)
} else := "yes" if {
	data.fargate_preflight.lib.model.is_unknown(a)
	data.fargate_preflight.lib.model.is_unknown(b)
	a.ref == b.ref
} else := "no" if {
	a == null
} else := "unknown"

region_unknown(a, b) := a if {
	data.fargate_preflight.lib.model.is_unknown(a)
} else := b

# --- step 2: gateway endpoint on the task subnet's route table -------------------------

gateway_step(subnet, key) := ok(gateway_path(subnet, key, ep), sprintf("gateway endpoint %s", [ep.name])) if {
	key.need in gateway_services
	usable := sort([id |
		some id in object.get(gateway_on_route_table, [subnet.route_table, key.need], set())
		region_match(input.vpc_endpoints[id].service_region, key.region) == "yes"
	])
	count(usable) > 0
	ep := input.vpc_endpoints[usable[0]]
} else := undecided_result(min(unknowns)) if {
	key.need in gateway_services
	unknowns := {region_unknown(ep.service_region, key.region) |
		some id in object.get(gateway_on_route_table, [subnet.route_table, key.need], set())
		ep := input.vpc_endpoints[id]
		region_match(ep.service_region, key.region) == "unknown"
	}
	count(unknowns) > 0
} else := undecided_result(u) if {
	key.need in gateway_services
	count(object.get(gateway_endpoints, [vpc_key(subnet.vpc), key.need], set())) > 0
	u := data.fargate_preflight.lib.model.lookup("route_tables", subnet.route_table, subnet.source)
	data.fargate_preflight.lib.model.is_unknown(u)
} else := undecided_result(min(unknowns)) if {
	key.need in gateway_services
	unknowns := {u |
		some id in object.get(gateway_unsettled, [vpc_key(subnet.vpc), key.need], set())
		some u in unknown_route_tables(input.vpc_endpoints[id])
	}
	count(unknowns) > 0
}

gateway_path(subnet, key, ep) := path(
	key, subnet, "gateway",
	{"endpoint": ep.id, "prefix_list": object.get(ep, "prefix_list", null)},
	hop(subnet, sprintf("route table %s", [name_of("route_tables", subnet.route_table)]), sprintf("gateway endpoint %s", [ep.name]), ""),
)

# --- step 3: the default route; step 4: no path -----------------------------------------

default_route_step(_, _, _, ra) := undecided_result(ra.unknown) if {
	ra.state == "undecided"
}

# An internet gateway works only for tasks with a public IP: both outcomes are kept, and
# `for_service` picks one.
default_route_step(subnet, key, ifc, ra) := {
	"verdict": "igw",
	"public": ok(
		path(key, subnet, "internet", {}, hop(subnet, ra.via, ra.to, "public IP")),
		sprintf("%s (public IP)", [ra.beyond]),
	),
	"private": no_path_result(subnet, key, ifc, ra),
} if {
	ra.state == "igw"
}

default_route_step(subnet, key, _, ra) := ok(
	path(key, subnet, "internet", {"nat_gateway": ra.nat}, hop(subnet, ra.via, ra.to, "")),
	ra.beyond,
) if {
	ra.state == "nat"
}

default_route_step(subnet, _, _, ra) := out_of_scope_result(
	subnet, ra, ra.to, ra.detail,
	sprintf("%s: %s, beyond which the inputs end", [ra.via, ra.to]),
	sprintf("%s (out of scope)", [ra.beyond]),
	ra.route.source,
) if {
	ra.state == "out-of-scope"
}

default_route_step(subnet, key, ifc, ra) := no_path_result(subnet, key, ifc, ra) if {
	ra.state in {"broken", "none"}
}

# no_path_result: IPv6 leaves the analysed scope (FG206, never an error); otherwise the first
# of FG201, FG203, FG205, FG502, FG503, FG202 whose condition holds.
no_path_result(subnet, key, ifc, ra) := out_of_scope_result(
	subnet, ra, to, "IPv6 paths are not analysed",
	sprintf("%s: %s, and IPv6 paths are not analysed", [ra.via, to]),
	sprintf("::/0 -> %s (IPv6, not analysed)", [route_target_text(r6)]),
	r6.source,
) if {
	r6 := ipv6_default_route(input.route_tables[ra.route_table])
	to := sprintf("no IPv4 path; ::/0 -> %s", [route_target_text(r6)])
} else := fail("FG201", subnet, ra, ", but ", "assignPublicIp is DISABLED", null) if {
	ra.state == "igw"
} else := fail("FG203", subnet, ra, ", but ", ra.detail, null) if {
	ra.state == "broken"
} else := fail("FG205", subnet, ra, ", and ", detail, ep.id) if {
	key.kind == "endpoint"
	key.need in gateway_services
	ids := sort(object.get(gateway_endpoints, [vpc_key(subnet.vpc), key.need], set()))
	count(ids) > 0
	ep := input.vpc_endpoints[ids[0]]
	detail := sprintf("gateway endpoint %s (%s) is not associated with route table %s", [ep.name, key.need, name_of("route_tables", subnet.route_table)])
} else := fail("FG502", subnet, ra, ", and ", detail, ep.id) if {
	ep := input.vpc_endpoints[ifc.private_dns_off]
	detail := sprintf("interface endpoint %s (%s) has private DNS off, so the %s hostname resolves to public addresses", [ep.name, key.need, key.need])
} else := fail("FG503", subnet, ra, ", and ", detail, ep.id) if {
	ep := input.vpc_endpoints[ifc.vpc_dns_off]
	detail := sprintf("interface endpoint %s (%s) has private DNS on but VPC %s lacks enableDnsHostnames or enableDnsSupport", [ep.name, key.need, name_of("vpcs", subnet.vpc)])
} else := fail("FG202", subnet, ra, " and ", nothing_for(subnet, key), null)

# nothing_for says what is missing for a need that has no path at all.
nothing_for(subnet, key) := sprintf("no %s gateway endpoint on route table %s and no %s interface endpoint", [key.need, name_of("route_tables", subnet.route_table), key.need]) if {
	key.kind == "endpoint"
	key.need in gateway_services
} else := sprintf("no %s interface endpoint", [key.need]) if {
	key.kind == "endpoint"
} else := sprintf("%s is reachable only over the internet", [key.need]) if {
	key.region == null
} else := sprintf("%s in %s is reachable only over the internet (endpoints serve only their own region)", [key.need, key.region])

fail(rule, subnet, ra, connector, detail, endpoint) := {
	"verdict": "fail",
	"path_text": "none",
	"rule": rule,
	"route_table": ra.route_table,
	"hop": hop(subnet, ra.via, ra.to, detail),
	"text": sprintf("%s: %s%s%s", [ra.via, ra.to, connector, detail]),
	"endpoint": endpoint,
	"route": ra.route,
}

# --- targets: EFS mount targets, through the VPC's local route --------------------------

target_decision(subnet, key) := undecided_result(u) if {
	u := mount_targets_unknown(key.target)
} else := undecided_result(min(unknowns)) if {
	# a mount target whose subnet (or that subnet's VPC) is unknown might be in the task VPC
	unknowns := {u |
		some id in mount_targets[key.target]
		mt := input.efs_mount_targets[id]
		some u in [
			data.fargate_preflight.lib.model.lookup("subnets", mt.subnet, mt.source),
			object.get(input.subnets, [mt.subnet, "vpc"], null),
		]
		data.fargate_preflight.lib.model.is_unknown(u)
	}
	count(unknowns) > 0
} else := ok(target_path(subnet, key, ids), sprintf("EFS mount targets in %s %s", [plural("subnet", names), concat(", ", names)])) if {
	ids := mount_targets_in_vpc(key.target, subnet.vpc)
	count(ids) > 0
	names := [name_of("subnets", input.efs_mount_targets[id].subnet) | some id in ids]
} else := {
	"verdict": "fail",
	"path_text": "none",
	"rule": "FG202",
	"route_table": subnet.route_table,
	"hop": hop(subnet, "local route", sprintf("EFS file system %s", [name_of("efs_file_systems", key.target)]), detail),
	"text": sprintf("local route: %s", [detail]),
	"endpoint": null,
	"route": null,
} if {
	detail := sprintf("EFS file system %s has no mount target in VPC %s", [name_of("efs_file_systems", key.target), name_of("vpcs", subnet.vpc)])
}

# Mount targets are usually created beside their file system; when none is in the inputs
# they are elsewhere, not absent.
mount_targets_unknown(fs) := {
	"unknown": sprintf("the mount targets of EFS file system %s are not in the scanned inputs", [name_of("efs_file_systems", fs)]),
	"ref": sprintf("mount targets of EFS file system %s", [fs]),
	"source": input.efs_file_systems[fs].source,
} if {
	count(object.get(mount_targets, fs, set())) == 0
}

mount_targets_in_vpc(fs, vpc) := sort([id |
	some id in mount_targets[fs]
	vpc_key(input.subnets[input.efs_mount_targets[id].subnet].vpc) == vpc_key(vpc)
])

target_path(subnet, key, ids) := path(
	key, subnet, "target",
	{
		"destinations": [{"subnet": mt.subnet, "cidr": input.subnets[mt.subnet].cidr} |
			some id in ids
			mt := input.efs_mount_targets[id]
		],
		"security_groups": sort({sg |
			some id in ids
			some sg in as_id_list(input.efs_mount_targets[id].security_groups)
		}),
	},
	hop(subnet, "local route", sprintf("EFS mount targets of %s", [name_of("efs_file_systems", key.target)]), ""),
)

# --- outputs ---------------------------------------------------------------------------

selected contains object.union(r.path, {"service": sid}) if {
	some [sid, _, _], r in decisions
	r.verdict == "ok"
}

no_path contains report_entry(sid, ref, key, r) if {
	some [sid, ref, key], r in decisions
	r.verdict == "fail"
}

out_of_scope contains report_entry(sid, ref, key, r) if {
	some [sid, ref, key], r in decisions
	r.verdict == "out-of-scope"
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
verdicts contains {
	"service": sid,
	"need": key.need,
	"subnet": ref,
	"path": r.path_text,
	"verdict": r.verdict,
} if {
	some [sid, ref, key], r in decisions
}

verdicts contains {
	"service": sid,
	"need": n.need,
	"subnet": label,
	"path": sprintf("undecided: %s", [u.ref]),
	"verdict": "undecided",
} if {
	some sid, ns in data.fargate_preflight.lib.needs.needs
	svc := input.services[sid]
	some label, u in unsettled_subnets(svc)
	some n in ns
}

undecided contains {"unknown": r.unknown, "service": input.services[sid].name, "rules": data.fargate_preflight.lib.needs.blocked_rules[key.kind]} if {
	some [sid, _, key], r in decisions
	r.verdict == "undecided"
}

undecided contains {"unknown": u, "service": svc.name, "rules": rules} if {
	some sid, ns in data.fargate_preflight.lib.needs.needs
	svc := input.services[sid]
	some u in unsettled_subnets(svc)
	rules := sort({r | some n in ns; some r in data.fargate_preflight.lib.needs.blocked_rules[n.kind]})
	count(rules) > 0
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

plural(word, items) := word if {
	count(items) == 1
} else := sprintf("%ss", [word])

# first_entry is the failing entry of the first subnet (by name): it gives the finding its
# hop, resource and location.
first_entry(entries) := min(firsts) if {
	first := min({e.subnet_name | some e in entries})
	firsts := {e | some e in entries; e.subnet_name == first}
}

# no_path_finding builds the one finding of a service × need × rule.
no_path_finding(sid, need, entries, resource, src, fix) := {
	"resource": resource,
	"service": input.services[sid].name,
	"need": need,
	"message": sprintf("service %s cannot reach %s: %s", [input.services[sid].name, need, concat("; ", hop_texts(entries))]),
	"fix": fix,
	"hop": first_entry(entries).hop,
	"source": src,
}

# private_dns_bypassed[service id][need] holds [endpoint id, task subnet id] for a need that
# has another path (or leaves the scope) while the endpoint's private DNS is off (FG502 warning).
private_dns_bypassed[sid][need] contains [ep_id, ref] if {
	some [sid, ref, key], r in decisions
	r.verdict in {"ok", "out-of-scope"}
	key.kind == "endpoint"
	ep_id := interface_summary(input.subnets[ref], key).private_dns_off
	ep_id != null
	need := key.need
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
	some sid, ns in data.fargate_preflight.lib.needs.needs
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
