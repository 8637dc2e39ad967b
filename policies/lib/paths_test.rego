# METADATA
# description: |
#   Path selection, one case per way each step picks or refuses a path. The `world` model
#   below (a VPC with public, private-behind-NAT and isolated subnets) is also the base the
#   FG2xx/FG5xx/FG801 rule tests patch with object.union.
package fargate_preflight.lib.paths_test

import rego.v1

# --- the shared world --------------------------------------------------------------------

src(line) := {"file": "stack.yaml", "line": line, "pointer": ""}

route(dest, type, target, line) := {
	"destination": dest, "destination_ipv6": null, "destination_prefix_list": null,
	"target_type": type, "target": target, "state": "active", "source": src(line),
}

local_route := route("10.0.0.0/16", "local", "local", 1)

route_table(id, routes, line) := {"id": id, "name": id, "vpc": "Vpc", "routes": routes, "source": src(line)}

subnet(id, cidr, rt, line) := {
	"id": id, "name": id, "vpc": "Vpc", "cidr": cidr,
	"route_table": rt, "nacl": "Vpc/default-nacl", "source": src(line),
}

interface_endpoint(id, service, line) := {
	"id": id, "name": id, "vpc": "Vpc", "service": service, "service_region": "us-east-1",
	"type": "Interface", "private_dns": true, "subnets": ["IsolatedSubnetA", "IsolatedSubnetB"],
	"security_groups": ["EndpointSG"], "route_tables": [], "prefix_list": null,
	"policy": null, "state": "available", "source": src(line),
}

gateway_endpoint(id, service, route_tables, line) := {
	"id": id, "name": id, "vpc": "Vpc", "service": service, "service_region": "us-east-1",
	"type": "Gateway", "private_dns": false, "subnets": [], "security_groups": [],
	"route_tables": route_tables, "prefix_list": "pl-63a5400a", "policy": null,
	"state": "available", "source": src(line),
}

ecr_image := "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1"

container(name, image, line) := {
	"name": name, "image": image, "essential": true,
	"log_driver": "awslogs",
	"log_options": {"awslogs-group": "/app", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "app"},
	"secrets": [], "repository_credentials": null, "environment_names": [],
	"readonly_root_filesystem": false, "init_process_enabled": false, "mount_points": [],
	"source": src(line),
}

nacl_allow_all(egress) := {
	"rule_number": 100, "egress": egress, "protocol": "-1", "action": "allow",
	"cidr": "0.0.0.0/0", "ipv6_cidr": null, "from_port": null, "to_port": null, "source": src(2),
}

sg_rule(protocol, from, to, peer) := object.union(
	{
		"protocol": protocol, "from_port": from, "to_port": to, "cidr": null, "ipv6_cidr": null,
		"security_group": null, "prefix_list": null, "source": src(43),
	},
	peer,
)

# A security group with the given ingress and CloudFormation's default egress (all to 0.0.0.0/0).
security_group(id, ingress, line) := {
	"id": id, "name": id, "vpc": "Vpc", "ingress": ingress,
	"egress": [sg_rule("-1", null, null, {"cidr": "0.0.0.0/0"})], "source": src(line),
}

unknown(ref, line) := {"unknown": sprintf("%s has no value", [ref]), "ref": ref, "source": src(line)}

world := {
	"model_version": 1,
	"region": "us-east-1",
	"vpcs": {"Vpc": {
		"id": "Vpc", "name": "Vpc", "cidr_blocks": ["10.0.0.0/16"], "ipv6": false,
		"enable_dns_support": true, "enable_dns_hostnames": true,
		"main_route_table": "Vpc/main-route-table", "default_nacl": "Vpc/default-nacl",
		"default_security_group": "Vpc/default-sg", "source": src(2),
	}},
	"subnets": {
		"PublicSubnetA": subnet("PublicSubnetA", "10.0.0.0/24", "PublicRT", 10),
		"PrivateSubnetA": subnet("PrivateSubnetA", "10.0.1.0/24", "PrivateRT", 11),
		"PrivateSubnetB": subnet("PrivateSubnetB", "10.0.2.0/24", "PrivateRT", 12),
		"IsolatedSubnetA": subnet("IsolatedSubnetA", "10.0.3.0/24", "IsolatedRT", 13),
		"IsolatedSubnetB": subnet("IsolatedSubnetB", "10.0.4.0/24", "IsolatedRT", 14),
	},
	"route_tables": {
		"Vpc/main-route-table": route_table("Vpc/main-route-table", [local_route], 2),
		"PublicRT": route_table("PublicRT", [local_route, route("0.0.0.0/0", "igw", "InternetGateway", 21)], 20),
		"PrivateRT": route_table("PrivateRT", [local_route, route("0.0.0.0/0", "nat", "NatGatewayA", 23)], 22),
		"IsolatedRT": route_table("IsolatedRT", [local_route], 24),
	},
	"nacls": {"Vpc/default-nacl": {
		"id": "Vpc/default-nacl", "name": "Vpc/default-nacl", "vpc": "Vpc", "is_default": true,
		"entries": [nacl_allow_all(false), nacl_allow_all(true)], "source": src(2),
	}},
	"security_groups": {
		"Vpc/default-sg": security_group("Vpc/default-sg", [sg_rule("-1", null, null, {"security_group": "Vpc/default-sg"})], 2),
		"TaskSG": security_group("TaskSG", [], 40),
		"EndpointSG": security_group("EndpointSG", [sg_rule("6", 443, 443, {"cidr": "10.0.0.0/16"})], 41),
		"EfsSG": security_group("EfsSG", [sg_rule("6", 2049, 2049, {"security_group": "TaskSG"})], 42),
	},
	"nat_gateways": {"NatGatewayA": {
		"id": "NatGatewayA", "name": "NatGatewayA", "subnet": "PublicSubnetA",
		"connectivity": "public", "state": "available", "source": src(30),
	}},
	"internet_gateways": {"InternetGateway": {
		"id": "InternetGateway", "name": "InternetGateway", "vpc": "Vpc",
		"egress_only": false, "source": src(31),
	}},
	"vpc_endpoints": {},
	"prefix_lists": {},
	"roles": {},
	"managed_policies": {},
	"clusters": {},
	"task_definitions": {"TaskDef": {
		"id": "TaskDef", "name": "TaskDef", "family": "app", "network_mode": "awsvpc",
		"requires_compatibilities": ["FARGATE"], "os_family": "LINUX", "cpu": 256, "memory": 512,
		"cpu_raw": "256", "memory_raw": "512", "task_role": null, "execution_role": null,
		"task_role_arn": null, "execution_role_arn": null,
		"containers": [container("app", ecr_image, 51)], "volumes": [], "source": src(50),
	}},
	"services": {"Service": {
		"id": "Service", "name": "Service", "kind": "service", "cluster": null,
		"task_definition": "TaskDef", "launch_type": "FARGATE", "capacity_provider_strategy": null,
		"platform_version": null, "enable_execute_command": false,
		"network": {"subnets": ["PrivateSubnetA"], "security_groups": ["TaskSG"], "assign_public_ip": "DISABLED"},
		"source": src(60),
	}},
	"efs_file_systems": {},
	"efs_mount_targets": {},
	"declared_needs": [],
}

# in_subnets puts the service in the given subnets.
in_subnets(model, subnets) := object.union(model, {"services": {"Service": {"network": {"subnets": subnets}}}})

public_ip(model) := object.union(model, {"services": {"Service": {"network": {"assign_public_ip": "ENABLED"}}}})

# The isolated-VPC pattern: no NAT, interface endpoints for ECR and logs, an S3 gateway
# endpoint on the isolated route table.
isolated_endpoints := {
	"EcrApiEndpoint": interface_endpoint("EcrApiEndpoint", "ecr.api", 70),
	"EcrDkrEndpoint": interface_endpoint("EcrDkrEndpoint", "ecr.dkr", 71),
	"LogsEndpoint": interface_endpoint("LogsEndpoint", "logs", 72),
	"S3Endpoint": gateway_endpoint("S3Endpoint", "s3", ["IsolatedRT"], 73),
}

isolated := object.union(in_subnets(world, ["IsolatedSubnetA"]), {"vpc_endpoints": isolated_endpoints})

with_endpoints(model, endpoints) := object.union(model, {"vpc_endpoints": endpoints})

with_route_tables(model, tables) := object.union(model, {"route_tables": tables})

# verdicts_of is {need: [subnet, path, verdict]} for a one-service model, easy to compare.
verdicts_of(model) := {v.need: [v.subnet, v.path, v.verdict] |
	some v in data.fargate_preflight.lib.paths.verdicts with input as model
}

verdict_set(model) := {[v.need, v.subnet, v.path, v.verdict] |
	some v in data.fargate_preflight.lib.paths.verdicts with input as model
}

reasons(model) := {[e.need, e.subnet, e.rule] | some e in data.fargate_preflight.lib.paths.no_path with input as model}

selected_of(model) := {p.need: p | some p in data.fargate_preflight.lib.paths.selected with input as model}

undecided_refs(model) := {[u.unknown.ref, u.service] | some u in data.fargate_preflight.lib.paths.undecided with input as model}

ecr_and_logs := {"ecr.api", "ecr.dkr", "s3", "logs"}

nat_path := "nat NatGatewayA -> igw InternetGateway"

# --- step 3: NAT and internet gateway ------------------------------------------------------

test_private_subnet_behind_public_nat_is_ok if {
	verdicts_of(world) == {n: ["PrivateSubnetA", nat_path, "ok"] | some n in ecr_and_logs}
	count(reasons(world)) == 0
}

test_nat_path_contract_shape if {
	selected_of(world)["ecr.dkr"] == {
		"service": "Service", "need": "ecr.dkr", "port": 443, "subnet": "PrivateSubnetA",
		"kind": "internet", "endpoint": null, "nat_gateway": "NatGatewayA",
		"destinations": [{"subnet": null, "cidr": "0.0.0.0/0"}],
		"security_groups": [], "prefix_list": null,
		"hop": {
			"from": "subnet PrivateSubnetA", "via": "route table PrivateRT",
			"to": "0.0.0.0/0 -> nat NatGatewayA -> igw InternetGateway", "detail": "",
		},
	}
}

test_public_subnet_without_public_ip_is_fg201 if {
	m := in_subnets(world, ["PublicSubnetA"])
	reasons(m) == {[n, "PublicSubnetA", "FG201"] | some n in ecr_and_logs}
	verdicts_of(m)["ecr.dkr"] == ["PublicSubnetA", "none", "fail"]
}

test_public_subnet_with_public_ip_is_ok if {
	m := public_ip(in_subnets(world, ["PublicSubnetA"]))
	verdicts_of(m) == {n: ["PublicSubnetA", "igw InternetGateway (public IP)", "ok"] | some n in ecr_and_logs}
	selected_of(m).logs.kind == "internet"
	selected_of(m).logs.nat_gateway == null
}

test_unknown_public_ip_is_undecided if {
	m := object.union(in_subnets(world, ["PublicSubnetA"]), {"services": {"Service": {"network": {"assign_public_ip": unknown("Parameter AssignPublicIp", 5)}}}})
	count(reasons(m)) == 0
	undecided_refs(m) == {["Parameter AssignPublicIp", "Service"]}
}

test_nat_in_private_subnet_is_fg203 if {
	m := object.union(world, {"nat_gateways": {"NatGatewayA": {"subnet": "PrivateSubnetB"}}})
	reasons(m) == {[n, "PrivateSubnetA", "FG203"] | some n in ecr_and_logs}
	some e in data.fargate_preflight.lib.paths.no_path with input as m
	e.need == "ecr.dkr"
	e.hop == {
		"from": "subnet PrivateSubnetA", "via": "route table PrivateRT", "to": "0.0.0.0/0 -> nat NatGatewayA",
		"detail": "NAT gateway NatGatewayA is in subnet PrivateSubnetB whose route table PrivateRT has 0.0.0.0/0 -> nat NatGatewayA, not a default route to an internet gateway",
	}
}

test_deleted_nat_is_fg203 if {
	m := object.union(world, {"nat_gateways": {"NatGatewayA": {"state": "deleted"}}})
	reasons(m) == {[n, "PrivateSubnetA", "FG203"] | some n in ecr_and_logs}
	some e in data.fargate_preflight.lib.paths.no_path with input as m
	e.hop.detail == "NAT gateway NatGatewayA is deleted"
}

test_private_connectivity_nat_is_fg203 if {
	m := object.union(world, {"nat_gateways": {"NatGatewayA": {"connectivity": "private"}}})
	reasons(m) == {[n, "PrivateSubnetA", "FG203"] | some n in ecr_and_logs}
}

test_blackhole_route_is_fg203 if {
	blackhole := object.union(route("0.0.0.0/0", "nat", "NatGatewayA", 23), {"state": "blackhole"})
	m := with_route_tables(world, {"PrivateRT": {"routes": [local_route, blackhole]}})
	reasons(m) == {[n, "PrivateSubnetA", "FG203"] | some n in ecr_and_logs}
	some e in data.fargate_preflight.lib.paths.no_path with input as m
	e.hop.detail == "the route is a blackhole (its target no longer exists)"
}

test_nat_whose_igw_route_is_a_blackhole_is_fg203 if {
	blackhole := object.union(route("0.0.0.0/0", "igw", "InternetGateway", 21), {"state": "blackhole"})
	m := with_route_tables(world, {"PublicRT": {"routes": [local_route, blackhole]}})
	reasons(m) == {[n, "PrivateSubnetA", "FG203"] | some n in ecr_and_logs}
	some e in data.fargate_preflight.lib.paths.no_path with input as m
	e.hop.detail == "NAT gateway NatGatewayA is in subnet PublicSubnetA whose route table PublicRT has 0.0.0.0/0 -> igw InternetGateway (blackhole), not a default route to an internet gateway"
}

test_nat_whose_subnet_route_table_is_unknown_is_undecided if {
	m := object.union(world, {"subnets": {"PublicSubnetA": {"route_table": unknown("Fn::ImportValue net:PublicRT", 7)}}})
	count(reasons(m)) == 0
	undecided_refs(m) == {["Fn::ImportValue net:PublicRT", "Service"]}
}

test_unknown_destination_without_default_route_is_undecided if {
	routes := [local_route, route(unknown("Parameter PeerCidr", 8), "pcx", "Peering", 23), route(unknown("Parameter OtherCidr", 9), "pcx", "Peering", 24)]
	m := with_route_tables(in_subnets(world, ["IsolatedSubnetA"]), {"IsolatedRT": {"routes": routes}})
	count(reasons(m)) == 0
	undecided_refs(m) == {["Parameter PeerCidr", "Service"]}
}

test_nat_not_in_inputs_is_undecided if {
	m := with_route_tables(world, {"PrivateRT": {"routes": [local_route, route("0.0.0.0/0", "nat", "nat-0abc", 23)]}})
	count(reasons(m)) == 0
	undecided_refs(m) == {["NAT gateway nat-0abc", "Service"]}
}

test_transit_gateway_is_out_of_scope if {
	m := with_route_tables(world, {"PrivateRT": {"routes": [local_route, route("0.0.0.0/0", "tgw", "tgw-0abc", 23)]}})
	verdicts_of(m) == {n: ["PrivateSubnetA", "tgw tgw-0abc (transit gateway) (out of scope)", "out-of-scope"] | some n in ecr_and_logs}
	count(reasons(m)) == 0
	count(data.fargate_preflight.lib.paths.selected) == 0 with input as m
}

# AWS routes by longest prefix: a narrower route over public addresses decides where part of
# them go, and an AWS service's address is not in the inputs.
test_narrower_public_route_elsewhere_is_undecided if {
	halves := [route("0.0.0.0/1", "tgw", "tgw-0abc", 24), route("128.0.0.0/1", "tgw", "tgw-0abc", 25)]
	m := with_route_tables(world, {"PrivateRT": {"routes": array.concat([local_route, route("0.0.0.0/0", "nat", "NatGatewayA", 23)], halves)}})
	count(reasons(m)) == 0
	undecided_refs(m) == {["route 0.0.0.0/1 of route table PrivateRT", "Service"]}
}

test_public_halves_without_a_default_route_are_undecided_not_fg202 if {
	halves := [route("0.0.0.0/1", "nat", "NatGatewayA", 24), route("128.0.0.0/1", "nat", "NatGatewayA", 25)]
	m := with_route_tables(world, {"PrivateRT": {"routes": array.concat([local_route], halves)}})
	count(reasons(m)) == 0
	undecided_refs(m) == {["route 0.0.0.0/1 of route table PrivateRT", "Service"]}
}

test_narrower_routes_to_private_ranges_or_the_same_target_do_not_matter if {
	others := [
		route("10.0.0.0/8", "tgw", "tgw-0abc", 24), route("192.168.0.0/16", "pcx", "pcx-0abc", 25),
		route("52.0.0.0/8", "nat", "NatGatewayA", 26),
	]
	m := with_route_tables(world, {"PrivateRT": {"routes": array.concat([local_route, route("0.0.0.0/0", "nat", "NatGatewayA", 23)], others)}})
	verdicts_of(m) == {n: ["PrivateSubnetA", nat_path, "ok"] | some n in ecr_and_logs}
}

test_no_default_route_and_no_endpoint_is_fg202 if {
	m := in_subnets(world, ["IsolatedSubnetA"])
	reasons(m) == {[n, "IsolatedSubnetA", "FG202"] | some n in ecr_and_logs}
	texts := {e.need: e.text | some e in data.fargate_preflight.lib.paths.no_path with input as m}
	texts["ecr.dkr"] == "route table IsolatedRT: no default route and no ecr.dkr interface endpoint"
	texts.s3 == "route table IsolatedRT: no default route and no s3 gateway endpoint on route table IsolatedRT and no s3 interface endpoint"
}

test_ipv6_default_route_is_out_of_scope_not_an_error if {
	v6 := {
		"destination": null, "destination_ipv6": "::/0", "destination_prefix_list": null,
		"target_type": "eigw", "target": "EgressOnlyIgw", "state": "active", "source": src(25),
	}
	m := with_route_tables(in_subnets(world, ["IsolatedSubnetA"]), {"IsolatedRT": {"routes": [local_route, v6]}})
	count(reasons(m)) == 0
	verdicts_of(m)["ecr.dkr"] == ["IsolatedSubnetA", "::/0 -> eigw EgressOnlyIgw (egress-only internet gateway) (IPv6, not analysed)", "out-of-scope"]
}

# --- several subnets, unknown subnets ------------------------------------------------------

test_each_subnet_is_judged if {
	m := in_subnets(world, ["PrivateSubnetA", "IsolatedSubnetA"])
	reasons(m) == {[n, "IsolatedSubnetA", "FG202"] | some n in ecr_and_logs}
	verdict_set(m) == {[n, "PrivateSubnetA", nat_path, "ok"] | some n in ecr_and_logs} | {[n, "IsolatedSubnetA", "none", "fail"] | some n in ecr_and_logs}
}

test_unknown_subnets_are_only_undecided if {
	m := in_subnets(world, unknown("Parameter PrivateSubnetIds", 4))
	count(reasons(m)) == 0
	count(data.fargate_preflight.lib.paths.selected) == 0 with input as m
	undecided_refs(m) == {["Parameter PrivateSubnetIds", "Service"]}
	verdicts_of(m)["ecr.dkr"] == ["<Parameter PrivateSubnetIds>", "undecided: Parameter PrivateSubnetIds", "undecided"]
}

test_subnet_not_in_inputs_is_undecided if {
	m := in_subnets(world, ["subnet-0123", "PrivateSubnetA"])
	count(reasons(m)) == 0
	undecided_refs(m) == {["subnet subnet-0123", "Service"]}
	verdict_set(m) == {[n, "PrivateSubnetA", nat_path, "ok"] | some n in ecr_and_logs} | {[n, "subnet-0123", "undecided: subnet subnet-0123", "undecided"] | some n in ecr_and_logs}
}

test_unknown_route_table_is_undecided if {
	m := object.union(world, {"subnets": {"PrivateSubnetA": {"route_table": "rtb-0abc"}}})
	undecided_refs(m) == {["route table rtb-0abc", "Service"]}
}

test_unknown_route_table_does_not_matter_with_an_interface_endpoint if {
	m := object.union(isolated, {"subnets": {"IsolatedSubnetA": {"route_table": "rtb-0abc"}}})
	undecided_refs(m) == {["route table rtb-0abc", "Service"]}
	verdicts_of(m)["ecr.dkr"] == ["IsolatedSubnetA", "interface endpoint EcrDkrEndpoint", "ok"]
	verdicts_of(m).s3 == ["IsolatedSubnetA", "undecided: route table rtb-0abc", "undecided"]
}

test_service_without_network_gets_no_paths if {
	m := object.union(world, {"services": {"Service": {"network": null}}})
	count(data.fargate_preflight.lib.paths.verdicts) == 0 with input as m
	count(data.fargate_preflight.lib.paths.undecided) == 0 with input as m
}

test_service_not_on_fargate_gets_no_paths if {
	m := object.union(world, {"services": {"Service": {"launch_type": "EC2"}}})
	count(data.fargate_preflight.lib.paths.verdicts) == 0 with input as m
}

# --- EFS targets ---------------------------------------------------------------------------

efs_world := object.union(world, {
	"efs_file_systems": {"FileSystem": {"id": "FileSystem", "name": "FileSystem", "source": src(80)}},
	"efs_mount_targets": {
		"MountTargetA": {"id": "MountTargetA", "name": "MountTargetA", "file_system": "FileSystem", "subnet": "PrivateSubnetA", "security_groups": ["EfsSG"], "source": src(81)},
		"MountTargetB": {"id": "MountTargetB", "name": "MountTargetB", "file_system": "FileSystem", "subnet": "PrivateSubnetB", "security_groups": ["EfsSG"], "source": src(82)},
	},
	"task_definitions": {"TaskDef": {"volumes": [{"name": "data", "efs": {"file_system": "FileSystem", "iam": "DISABLED", "transit_encryption": "ENABLED"}, "source": src(55)}]}},
})

test_efs_target_path if {
	selected_of(efs_world)["efs:FileSystem"] == {
		"service": "Service", "need": "efs:FileSystem", "port": 2049, "subnet": "PrivateSubnetA",
		"kind": "target", "endpoint": null, "nat_gateway": null,
		"destinations": [
			{"subnet": "PrivateSubnetA", "cidr": "10.0.1.0/24"},
			{"subnet": "PrivateSubnetB", "cidr": "10.0.2.0/24"},
		],
		"security_groups": ["EfsSG"], "prefix_list": null,
		"hop": {"from": "subnet PrivateSubnetA", "via": "local route", "to": "EFS mount targets of FileSystem", "detail": ""},
	}
}

test_efs_without_mount_target_in_the_vpc_is_fg202 if {
	m := object.union(efs_world, {
		"vpcs": {"Other": {"id": "Other", "name": "Other"}},
		"subnets": {"PrivateSubnetA": {"vpc": "Other"}, "PrivateSubnetB": {"vpc": "Other"}},
		"services": {"Service": {"network": {"subnets": ["IsolatedSubnetA"]}}},
	})
	some e in data.fargate_preflight.lib.paths.no_path with input as m
	e.need == "efs:FileSystem"
	e.rule == "FG202"
	e.text == "local route: EFS file system FileSystem has no mount target in VPC Vpc"
}

# The file system's DNS name resolves to the mount target of the client's availability zone.
efs_in_zones(task_zone, target_zones) := object.union(in_subnets(efs_world, ["IsolatedSubnetA"]), {"subnets": {
	"IsolatedSubnetA": {"availability_zone": task_zone},
	"PrivateSubnetA": {"availability_zone": target_zones[0]},
	"PrivateSubnetB": {"availability_zone": target_zones[1]},
}})

test_efs_without_mount_target_in_the_task_zone_is_fg202 if {
	m := efs_in_zones("us-east-1a", ["us-east-1b", "us-east-1c"])
	some e in data.fargate_preflight.lib.paths.no_path with input as m
	e.rule == "FG202"
	e.text == "local route: EFS file system FileSystem has no mount target in availability zone us-east-1a (only in us-east-1b, us-east-1c), so its DNS name does not resolve there"
}

test_efs_zones_that_match_or_are_not_settled_are_ok if {
	verdicts_of(efs_in_zones("us-east-1a", ["us-east-1b", "us-east-1a"]))["efs:FileSystem"][2] == "ok"
	verdicts_of(efs_in_zones("us-east-1a", ["us-east-1b", null]))["efs:FileSystem"][2] == "ok"
	verdicts_of(efs_in_zones(null, ["us-east-1b", "us-east-1c"]))["efs:FileSystem"][2] == "ok"
}

# `!Select [N, !GetAZs ""]`: unknown, but the region's zones are distinct, so another index is
# another zone; an index and a name may be the same zone.
zone_index(n) := unknown(sprintf("Fn::Select [%d, Fn::GetAZs]", [n]), 7)

test_efs_zones_by_index_in_the_region_decide_too if {
	m := efs_in_zones(zone_index(1), [zone_index(0), zone_index(2)])
	some e in data.fargate_preflight.lib.paths.no_path with input as m
	e.rule == "FG202"
	e.text == "local route: EFS file system FileSystem has no mount target in availability zone Fn::Select [1, Fn::GetAZs] (only in Fn::Select [0, Fn::GetAZs], Fn::Select [2, Fn::GetAZs]), so its DNS name does not resolve there"
}

test_efs_zones_by_index_that_match_or_may_be_a_named_zone_are_ok if {
	verdicts_of(efs_in_zones(zone_index(1), [zone_index(0), zone_index(1)]))["efs:FileSystem"][2] == "ok"
	verdicts_of(efs_in_zones(zone_index(1), [zone_index(1), "us-east-1c"]))["efs:FileSystem"][2] == "ok"
	verdicts_of(efs_in_zones("us-east-1c", [zone_index(0), "us-east-1c"]))["efs:FileSystem"][2] == "ok"
	verdicts_of(efs_in_zones(unknown("Parameter Zone", 3), [zone_index(0), zone_index(2)]))["efs:FileSystem"][2] == "ok"
}

test_efs_zones_some_by_name_some_by_index_are_undecided if {
	# `us-east-1a` may or may not be the region's zone 0: a note, not a guess
	m := efs_in_zones("us-east-1a", [zone_index(0), zone_index(2)])
	undecided_refs(m) == {["Fn::Select [0, Fn::GetAZs]", "Service"]}
	undecided_refs(efs_in_zones(zone_index(1), [zone_index(0), "us-east-1c"])) == {["Fn::Select [0, Fn::GetAZs]", "Service"]}
}

test_efs_without_any_mount_target_is_undecided if {
	m := object.union(efs_world, {"efs_mount_targets": {"MountTargetA": {"file_system": "Other"}, "MountTargetB": {"file_system": "Other"}}})
	undecided_refs(m) == {["mount targets of EFS file system FileSystem", "Service"]}
}

# with no mount target at all in the input (a live scan refused DescribeMountTargets, a part of a
# large model): `mount_targets` has no entries, which regorus renders undefined, not {}
test_efs_without_any_mount_target_in_the_input_is_undecided if {
	m := object.union(object.remove(efs_world, ["efs_mount_targets"]), {"efs_mount_targets": {}})
	undecided_refs(m) == {["mount targets of EFS file system FileSystem", "Service"]}
}

test_efs_mount_target_in_an_unknown_subnet_is_undecided if {
	m := object.union(efs_world, {"efs_mount_targets": {"MountTargetB": {"subnet": "subnet-0abc"}}})
	undecided_refs(m) == {["subnet subnet-0abc", "Service"]}
	verdicts_of(m)["efs:FileSystem"] == ["PrivateSubnetA", "undecided: subnet subnet-0abc", "undecided"]
}

test_two_unknown_vpc_attributes_name_the_first if {
	m := object.union(isolated, {"vpcs": {"Vpc": {
		"enable_dns_support": unknown("Parameter DnsSupport", 5),
		"enable_dns_hostnames": unknown("Parameter DnsHostnames", 6),
	}}})
	undecided_refs(m) == {["Parameter DnsSupport", "Service"]}
}

test_two_gateway_endpoints_with_unknown_route_tables if {
	m := with_endpoints(in_subnets(world, ["IsolatedSubnetA"]), {
		"S3EndpointA": gateway_endpoint("S3EndpointA", "s3", unknown("Parameter RouteTablesA", 3), 73),
		"S3EndpointB": gateway_endpoint("S3EndpointB", "s3", [unknown("Parameter RouteTablesB", 4)], 74),
	})
	undecided_refs(m) == {["Parameter RouteTablesA", "Service"]}
}

# --- endpoints whose service or type is unsettled -------------------------------------------

# isolated, with the ecr.dkr endpoint's service a parameter: it may be the ecr.dkr endpoint, and
# as an interface endpoint it might serve s3 too; ecr.api and logs have theirs.
open_service := with_endpoints(isolated, {
	"EcrDkrEndpoint": {"service": unknown("Parameter Svc", 5)},
	"S3Endpoint": {"route_tables": ["PrivateRT"]},
})

test_an_endpoint_of_unsettled_service_leaves_a_missing_endpoint_undecided if {
	verdicts_of(open_service) == {
		"ecr.api": ["IsolatedSubnetA", "interface endpoint EcrApiEndpoint", "ok"],
		"logs": ["IsolatedSubnetA", "interface endpoint LogsEndpoint", "ok"],
		"ecr.dkr": ["IsolatedSubnetA", "undecided: Parameter Svc", "undecided"],
		"s3": ["IsolatedSubnetA", "undecided: Parameter Svc", "undecided"],
	}
	count(reasons(open_service)) == 0
}

test_a_gateway_endpoint_of_unsettled_service_counts_only_on_its_route_tables if {
	m := with_endpoints(open_service, {"EcrDkrEndpoint": {"type": "Gateway", "route_tables": ["PrivateRT"]}})
	reasons(m) == {["ecr.dkr", "IsolatedSubnetA", "FG202"], ["s3", "IsolatedSubnetA", "FG205"]}
	on_table := with_endpoints(m, {"EcrDkrEndpoint": {"route_tables": ["IsolatedRT"]}})
	reasons(on_table) == {["ecr.dkr", "IsolatedSubnetA", "FG202"]}
	verdicts_of(on_table).s3 == ["IsolatedSubnetA", "undecided: Parameter Svc", "undecided"]
}

test_an_endpoint_of_unsettled_type_may_be_the_interface_endpoint if {
	m := with_endpoints(open_service, {"EcrDkrEndpoint": {"service": "ecr.dkr", "type": unknown("Parameter Type", 6)}})
	verdicts_of(m)["ecr.dkr"] == ["IsolatedSubnetA", "undecided: Parameter Type", "undecided"]
	verdicts_of(m).s3 == ["IsolatedSubnetA", "none", "fail"]
}

test_a_need_with_a_path_stays_ok_beside_an_endpoint_of_unsettled_service if {
	m := in_subnets(
		with_endpoints(world, {"Open": object.union(
			interface_endpoint("Open", "ecr.dkr", 75),
			{"service": unknown("Parameter Svc", 5)},
		)}),
		["PrivateSubnetA"],
	)
	verdicts_of(m) == {n: ["PrivateSubnetA", nat_path, "ok"] | some n in ecr_and_logs}
}
