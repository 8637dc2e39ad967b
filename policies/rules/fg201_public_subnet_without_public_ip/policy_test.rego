package fargate_preflight.rules.fg201_test

import rego.v1

world := data.fargate_preflight.lib.paths_test.world

in_subnets(model, subnets) := data.fargate_preflight.lib.paths_test.in_subnets(model, subnets)

public := in_subnets(world, ["PublicSubnetA"])

findings(model) := fs if {
	fs := data.fargate_preflight.rules.fg201.deny with input as model
}

test_igw_without_public_ip_fires_per_need if {
	{f.need | some f in findings(public)} == {"ecr.api", "ecr.dkr", "s3", "logs"}
	some f in findings(public)
	f.need == "ecr.dkr"
	f == {
		"resource": "Service",
		"service": "Service",
		"need": "ecr.dkr",
		"message": "service Service cannot reach ecr.dkr: task subnet PublicSubnetA -> route table PublicRT: 0.0.0.0/0 -> igw InternetGateway, but assignPublicIp is DISABLED",
		"fix": "Set assignPublicIp to ENABLED in the service's network configuration, or move the tasks to private subnets whose default route is a NAT gateway, or add an interface endpoint for ecr.dkr.",
		"hop": {
			"from": "subnet PublicSubnetA", "via": "route table PublicRT",
			"to": "0.0.0.0/0 -> igw InternetGateway", "detail": "assignPublicIp is DISABLED",
		},
		"location": {"file": "stack.yaml", "line": 60},
		"level": null,
	}
}

test_failing_subnets_are_aggregated_in_one_finding if {
	m := object.union(in_subnets(world, ["PublicSubnetA", "PublicSubnetB"]), {"subnets": {"PublicSubnetB": data.fargate_preflight.lib.paths_test.subnet("PublicSubnetB", "10.0.5.0/24", "PublicRT", 15)}})
	fs := {f | some f in findings(m); f.need == "logs"}
	count(fs) == 1
	some f in fs
	f.message == "service Service cannot reach logs: task subnets PublicSubnetA, PublicSubnetB -> route table PublicRT: 0.0.0.0/0 -> igw InternetGateway, but assignPublicIp is DISABLED"
}

test_docker_hub_image_fix_names_no_endpoint if {
	c := object.union(data.fargate_preflight.lib.paths_test.container("app", "nginx", 51), {"log_driver": null})
	m := object.union(public, {"task_definitions": {"TaskDef": {"containers": [c]}}})
	some f in findings(m)
	f.need == "registry-1.docker.io"
	f.fix == "Set assignPublicIp to ENABLED in the service's network configuration, or move the tasks to private subnets whose default route is a NAT gateway."
}

test_public_ip_enabled_is_silent if {
	count(findings(data.fargate_preflight.lib.paths_test.public_ip(public))) == 0
}

test_private_subnet_behind_nat_is_silent if {
	count(findings(world)) == 0
}

test_interface_endpoint_serves_despite_igw if {
	eps := {"LogsEndpoint": data.fargate_preflight.lib.paths_test.interface_endpoint("LogsEndpoint", "logs", 72)}
	m := data.fargate_preflight.lib.paths_test.with_endpoints(public, eps)
	{f.need | some f in findings(m)} == {"ecr.api", "ecr.dkr", "s3"}
}

test_igw_with_ipv6_route_is_fg206_not_fg201 if {
	v6 := {
		"destination": null, "destination_ipv6": "::/0", "destination_prefix_list": null,
		"target_type": "igw", "target": "InternetGateway", "state": "active", "source": data.fargate_preflight.lib.paths_test.src(26),
	}
	rt := world.route_tables.PublicRT
	m := object.union(public, {"route_tables": {"PublicRT": {"routes": array.concat(rt.routes, [v6])}}})
	count(findings(m)) == 0
}

# A public IP alone would not help when the internet gateway is another VPC's: FG201 (first in
# AWS's order) says so, and its fix names both.
test_igw_of_another_vpc_is_named_too if {
	m := object.union(public, data.fargate_preflight.lib.paths_test.other_vpc_igw)
	some f in findings(m)
	f.need == "logs"
	f.hop.detail == concat("", ["assignPublicIp is DISABLED, and ", data.fargate_preflight.lib.paths_test.igw_elsewhere_detail])
	f.fix == concat(" ", [
		"Set assignPublicIp to ENABLED in the service's network configuration, or move the tasks to private subnets whose default route is a NAT gateway, or add an interface endpoint for logs.",
		data.fargate_preflight.lib.paths_test.igw_elsewhere_fix,
	])
}
