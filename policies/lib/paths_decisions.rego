# Path selection, continued (the package's description is in paths.rego): how each task
# subnet × need is decided, in AWS's order (steps 1 to 4 of docs/reasoning.md §2), and how EFS
# mount targets are reached. Uses paths.rego only; paths_outputs.rego reads the decisions.
package fargate_preflight.lib.paths

import rego.v1

# --- decisions -------------------------------------------------------------------------

# need_keys[service id] is the set of the service's need keys.
need_keys[sid] := keys if {
	some sid, ns in data.fargate_preflight.lib.needs.by_service
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
in_subnet[ref][key] := value if {
	some ref, keys in subnet_needs
	some key in keys
	value := decide(input.subnets[ref], key)
}

# decisions[[service id, subnet id, need key]] is the decision for one service's tasks.
decisions[[sid, ref, key]] := value if {
	some sid, keys in need_keys
	svc := input.services[sid]
	some ref in listed_subnets(svc)
	input.subnets[ref]
	some key in keys
	r := in_subnet[ref][key]
	value := for_service(svc, r)
}

for_service(svc, r) := r if {
	r.verdict != "igw"
} else := r.public if {
	network(svc).assign_public_ip == "ENABLED"
} else := undecided_result(network(svc).assign_public_ip) if {
	data.fargate_preflight.lib.model.is_unknown(network(svc).assign_public_ip)
} else := r.private

# Declared targets (an object `target`) are decided in paths_targets.rego, a later file: its
# rule is read by full path, which OPA compiles before that file is pushed.
decide(subnet, key) := r if {
	key.kind == "target"
	is_object(key.target)
	r := data.fargate_preflight.lib.paths.declared_target_decisions[subnet.id][key]
} else := target_decision(subnet, key) if {
	key.kind == "target"
} else := route_decision(subnet, key, interface_summary(subnet, key))

# Steps 1 and 2 only for AWS services in the deploy region (kind "endpoint"); a registry
# or another region's service is reachable only over the internet.
route_decision(subnet, key, ifc) := ok(
	interface_path(subnet, key, ep),
	sprintf("interface endpoint %s", [ep.name]),
) if {
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
subnet_cidr(id, src) := cidr if {
	cidr := input.subnets[id].cidr
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
	hop(
		subnet,
		sprintf("route table %s", [name_of("route_tables", subnet.route_table)]),
		sprintf("gateway endpoint %s", [ep.name]),
		"",
	),
)

# --- step 3: the default route; step 4: no path -----------------------------------------

default_route_step(_, _, _, ra) := undecided_result(ra.unknown) if {
	ra.state == "undecided"
}

# An internet gateway works only for tasks with a public IP: both outcomes are kept, and
# `for_service` picks one.
default_route_step(subnet, key, ifc, ra) := {
	"verdict": "igw",
	"public": igw_public(subnet, key, ifc, ra),
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

# igw_public: with a public IP, the path works when the internet gateway is attached to the
# subnet's VPC; one attached to another VPC is a broken route (FG203 in no_path_result's order).
igw_public(subnet, key, ifc, ra) := ok(
	path(key, subnet, "internet", {}, hop(subnet, ra.via, ra.to, "public IP")),
	sprintf("%s (public IP)", [ra.beyond]),
) if {
	ra.attachment.state == "attached"
} else := undecided_result(ra.attachment.unknown) if {
	ra.attachment.state == "undecided"
} else := no_path_result(subnet, key, ifc, object.union(
	ra,
	{"state": "broken", "detail": ra.attachment.detail, "fix": ra.attachment.fix},
))

# no_path_result: IPv6 leaves the analysed scope (FG206, never an error) unless the subnet has
# no IPv6 block; otherwise the first of FG201, FG203, FG205, FG502, FG503, FG202 that holds.
no_path_result(subnet, key, ifc, ra) := object.union(
	out_of_scope_result(
		subnet, ra, to, "IPv6 paths are not analysed",
		sprintf("%s: %s, and IPv6 paths are not analysed", [ra.via, to]),
		sprintf("::/0 -> %s (IPv6, not analysed)", [route_target_text(r6)]),
		r6.source,
	),
	{"ipv6_route": r6.target_type},
) if {
	not without_ipv6(subnet)
	r6 := ipv6_default_route(input.route_tables[ra.route_table])
	to := sprintf("no IPv4 path; ::/0 -> %s", [route_target_text(r6)])
} else := undecided_result(u) if {
	u := open_endpoint_unknown(subnet, key)
} else := fail("FG201", subnet, ra, ", but ", fg201_detail(ra.attachment), null) if {
	ra.state == "igw"
} else := fail("FG203", subnet, ra, ", but ", ra.detail, null) if {
	ra.state == "broken"
} else := fail("FG205", subnet, ra, ", and ", fg205_detail(subnet, key, ep), ep.id) if {
	key.kind == "endpoint"
	key.need in gateway_services
	ids := sort(object.get(gateway_endpoints, [vpc_key(subnet.vpc), key.need], set()))
	count(ids) > 0
	ep := input.vpc_endpoints[ids[0]]
} else := fail("FG502", subnet, ra, ", and ", fg502_detail(key, ep), ep.id) if {
	ep := input.vpc_endpoints[ifc.private_dns_off]
} else := fail("FG503", subnet, ra, ", and ", fg503_detail(subnet, key, ep), ep.id) if {
	ep := input.vpc_endpoints[ifc.vpc_dns_off]
} else := fail("FG202", subnet, ra, " and ", fg202_detail(subnet, key, ra), null)

# open_endpoint_unknown is the unsettled service or type of an endpoint of the task VPC that
# may be the one the need lacks (paths.rego: open_endpoints).
open_endpoint_unknown(subnet, key) := min(unknowns) if {
	key.kind == "endpoint"
	unknowns := {open_part(ep) |
		some id in open_endpoints[vpc_key(subnet.vpc)]
		ep := input.vpc_endpoints[id]
		open_may_serve(ep, subnet, key)
	}
	count(unknowns) > 0
}

open_may_serve(ep, subnet, key) if {
	service_may_be(ep.service, key.need)
	region_match(ep.service_region, key.region) != "no"
	type_may_serve(ep, subnet, key)
}

service_may_be(service, _) if data.fargate_preflight.lib.model.is_unknown(service)

service_may_be(service, need) if service == need

type_may_serve(ep, _, _) if ep.type == "Interface"

type_may_serve(ep, _, _) if data.fargate_preflight.lib.model.is_unknown(ep.type)

type_may_serve(ep, subnet, key) if {
	ep.type == "Gateway"
	key.need in gateway_services
	subnet.route_table in as_id_list(ep.route_tables)
}

type_may_serve(ep, _, key) if {
	ep.type == "Gateway"
	key.need in gateway_services
	some rt in as_id_list(ep.route_tables)
	data.fargate_preflight.lib.model.is_unknown(rt)
}

fail(rule, subnet, ra, connector, detail, endpoint) := {
	"verdict": "fail",
	"path_text": "none",
	"rule": rule,
	"route_table": ra.route_table,
	"hop": hop(subnet, ra.via, ra.to, detail),
	"text": sprintf("%s: %s%s%s", [ra.via, ra.to, connector, detail]),
	"endpoint": endpoint,
	"route": ra.route,
	"fix": object.get(ra, "fix", object.get(ra, ["attachment", "fix"], null)),
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
} else := decision if {
	decision := zone_decision(subnet, key)
} else := ok(
	target_path(subnet, key, ids),
	sprintf("EFS mount targets in %s %s", [plural("subnet", names), concat(", ", names)]),
) if {
	ids := mount_targets_in_vpc(key.target, subnet.vpc)
	count(ids) > 0
	names := [name_of("subnets", input.efs_mount_targets[id].subnet) | some id in ids]
} else := no_mount_target(subnet, key, sprintf(
	"%s has no mount target in VPC %s",
	[efs_name(key), name_of("vpcs", subnet.vpc)],
))

# The file system's DNS name gives the mount target of the client's availability zone: with
# none there, the mount fails ("Failed to resolve"). zone_decision: when the task subnet's zone
# and the mount targets' are known and none of theirs is the task's as written, FG202 if all are
# given by name, or all by their index in the region's list (`!Select [1, !GetAZs ""]`: the
# list's zones are distinct); else, a name and an index may be the same zone, so it is not
# settled: the unknown of the first zone given by index.
zone_decision(subnet, key) := decision if {
	ids := mount_targets_in_vpc(key.target, subnet.vpc)
	count(ids) > 0
	zones := array.concat([subnet_zone(subnet.id)], [subnet_zone(input.efs_mount_targets[id].subnet) | some id in ids])
	keys := [k | some z in zones; k := zone_key(z)]
	count(keys) == count(zones)
	others := {k | some k in array.slice(keys, 1, count(keys))}
	task := keys[0]
	not task in others
	decision := zone_verdict(subnet, key, zones, others)
}

zone_verdict(subnet, key, zones, others) := no_mount_target(subnet, key, sprintf(
	"%s has no mount target in availability zone %s (only in %s), so its DNS name does not resolve there",
	[efs_name(key), zone_key(zones[0]), concat(", ", sort(others))],
)) if {
	count({is_string(z) | some z in zones}) == 1
} else := undecided_result(min(indexed)) if {
	# (a comprehension in an else value is not scheduled by regorus 0.9)
	indexed := {z | some z in zones; not is_string(z)}
}

subnet_zone(id) := object.get(input.subnets, [id, "availability_zone"], null)

# A zone's name, or the ref of its index in the region's zones (the model's unknown for
# `Fn::Select [1, Fn::GetAZs]`); undefined when the inputs do not settle it.
zone_key(zone) := zone if {
	is_string(zone)
} else := zone.ref if {
	is_object(zone)
	startswith(object.get(zone, "ref", ""), "Fn::Select [")
	endswith(zone.ref, ", Fn::GetAZs]")
}

efs_name(key) := sprintf("EFS file system %s", [name_of("efs_file_systems", key.target)])

# no_mount_target fails a target need (FG202): no mount target of the file system in the task
# VPC, or in the task subnet's availability zone (`detail` says which).
no_mount_target(subnet, key, detail) := {
	"verdict": "fail",
	"path_text": "none",
	"rule": "FG202",
	"route_table": subnet.route_table,
	"hop": hop(subnet, "local route", efs_name(key), detail),
	"text": sprintf("local route: %s", [detail]),
	"endpoint": null,
	"route": null,
}

# Mount targets are usually created beside their file system; when none is in the inputs
# they are elsewhere, not absent.
mount_targets_unknown(fs) := {
	"unknown": sprintf(
		"the mount targets of EFS file system %s are not in the scanned inputs",
		[name_of("efs_file_systems", fs)],
	),
	"ref": sprintf("mount targets of EFS file system %s", [fs]),
	"source": input.efs_file_systems[fs].source,
} if {
	# `not`, not a count of object.get(...): with no mount target in the input at all, regorus
	# renders the multi-value rule undefined (OPA: {}), and the count with it
	not mount_targets[fs]
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
