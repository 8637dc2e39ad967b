# Path selection, continued (the package's description is in paths.rego): declared targets,
# a security group or an IPv4 CIDR and a port (docs/model.md "Declared needs"). Uses paths.rego
# and paths_decisions.rego, whose `decide` reads `declared_target_decisions`.
package fargate_preflight.lib.paths

import rego.v1

# --- declared targets: a security group or an IPv4 CIDR, and a port ----------------------

# A group or CIDR in the task VPC is reached over the local route; a CIDR that no route
# (not even in part) covers has no path (FG202); anything beyond the VPC (peering, transit
# gateway, VPN, internet) leaves what the inputs show, so it stays undecided (FG801), never
# an error.
declared_target_decisions[ref][key] := decision if {
	some ref, keys in subnet_needs
	some key in keys
	key.kind == "target"
	is_object(key.target)
	decision := declared_target_decision(input.subnets[ref], key, key.target)
}

declared_target_decision(subnet, key, t) := group_target_decision(subnet, key, t) if {
	is_string(t.security_group)
} else := cidr_target_decision(subnet, key, t)

group_target_decision(subnet, key, t) := undecided_result(sg) if {
	sg := data.fargate_preflight.lib.model.lookup("security_groups", t.security_group, t.source)
	data.fargate_preflight.lib.model.is_unknown(sg)
} else := undecided_result(vpc) if {
	vpc := input.security_groups[t.security_group].vpc
	data.fargate_preflight.lib.model.is_unknown(vpc)
} else := ok(
	declared_target_path(subnet, key, vpc_destinations(subnet), [sg.id], sg.name),
	sprintf("local route to security group %s", [sg.name]),
) if {
	sg := input.security_groups[t.security_group]
	vpc_key(sg.vpc) == vpc_key(subnet.vpc)
} else := undecided_result(beyond_vpc(subnet, t))

cidr_target_decision(subnet, key, t) := undecided_result(u) if {
	u := vpc_cidrs_unknown(subnet)
} else := ok(
	declared_target_path(subnet, key, [{"subnet": subnet_holding(subnet, t.cidr), "cidr": t.cidr}], [], t.cidr),
	sprintf("local route to %s", [t.cidr]),
) if {
	some block in input.vpcs[subnet.vpc].cidr_blocks
	data.fargate_preflight.lib.network.cidr_contains(block, t.cidr)
} else := undecided_result(rt) if {
	rt := data.fargate_preflight.lib.model.lookup("route_tables", subnet.route_table, subnet.source)
	data.fargate_preflight.lib.model.is_unknown(rt)
} else := undecided_result(u) if {
	u := unknown_destination(input.route_tables[subnet.route_table])
} else := no_route_to(subnet, input.route_tables[subnet.route_table], t.cidr) if {
	rt := input.route_tables[subnet.route_table]
	every r in rt.routes {
		not overlaps(r.destination, t.cidr)
	}
} else := undecided_result(beyond_vpc(subnet, t))

# (network.rego parses each block itself: regorus's net.cidr_contains stops the whole
# evaluation at a block it cannot parse, such as an unchecked value of a Terraform plan.)
overlaps(destination, cidr) if data.fargate_preflight.lib.network.cidr_overlaps(destination, cidr)

declared_target_path(subnet, key, destinations, groups, label) := path(
	key, subnet, "target",
	{"destinations": destinations, "security_groups": groups},
	hop(subnet, "local route", sprintf("declared target %s", [label]), ""),
)

# vpc_destinations: where a security group's interfaces may be, the task VPC's CIDR blocks.
vpc_destinations(subnet) := destinations if {
	blocks := input.vpcs[subnet.vpc].cidr_blocks
	is_array(blocks)
	destinations := [{"subnet": null, "cidr": c} | some c in blocks]
} else := [{"subnet": null, "cidr": vpc_cidrs_unknown(subnet)}]

vpc_cidrs_unknown(subnet) := vpc if {
	vpc := data.fargate_preflight.lib.model.lookup("vpcs", subnet.vpc, subnet.source)
	data.fargate_preflight.lib.model.is_unknown(vpc)
} else := blocks if {
	blocks := input.vpcs[subnet.vpc].cidr_blocks
	data.fargate_preflight.lib.model.is_unknown(blocks)
}

# subnet_holding: the subnet of the task VPC whose CIDR holds the target (its NACL is on the
# path, FG303), or null.
subnet_holding(subnet, cidr) := min(ids) if {
	ids := {id |
		some id, s in input.subnets
		vpc_key(s.vpc) == vpc_key(subnet.vpc)
		data.fargate_preflight.lib.network.cidr_contains(s.cidr, cidr)
	}
	count(ids) > 0
} else := null

beyond_vpc(subnet, t) := {
	"unknown": sprintf(
		"declared target %s is outside VPC %s: paths between networks are not analysed",
		[t.label, name_of("vpcs", subnet.vpc)],
	),
	"ref": sprintf("declared target %s", [t.label]),
	"source": t.source,
}

no_route_to(subnet, rt, cidr) := {
	"verdict": "fail",
	"path_text": "none",
	"rule": "FG202",
	"route_table": rt.id,
	"hop": hop(subnet, via, cidr, detail),
	"text": sprintf("%s: %s", [via, detail]),
	"endpoint": null,
	"route": null,
} if {
	via := sprintf("route table %s", [rt.name])
	detail := sprintf("no route covers %s (it is outside the VPC)", [cidr])
}
