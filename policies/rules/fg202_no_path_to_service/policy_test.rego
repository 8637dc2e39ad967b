package fargate_preflight.rules.fg202_test

import rego.v1

world := data.fargate_preflight.lib.paths_test.world

isolated_no_endpoints := data.fargate_preflight.lib.paths_test.in_subnets(world, ["IsolatedSubnetA"])

findings(model) := fs if {
	fs := data.fargate_preflight.rules.fg202.deny with input as model
}

with_containers(model, containers) := object.union(model, {"task_definitions": {"TaskDef": {"containers": containers}}})

test_isolated_subnet_without_endpoints_fires_per_need if {
	fs := findings(isolated_no_endpoints)
	{f.need | some f in fs} == {"ecr.api", "ecr.dkr", "s3", "logs"}
	some f in fs
	f.need == "ecr.dkr"
	f == {
		"resource": "IsolatedRT",
		"service": "Service",
		"need": "ecr.dkr",
		"message": "service Service cannot reach ecr.dkr: task subnet IsolatedSubnetA -> route table IsolatedRT: no default route and no ecr.dkr interface endpoint",
		"fix": "Add interface endpoints ecr.api, ecr.dkr and logs and an s3 gateway endpoint, or a NAT gateway.",
		"hop": {
			"from": "subnet IsolatedSubnetA", "via": "route table IsolatedRT",
			"to": "no default route", "detail": "no ecr.dkr interface endpoint",
		},
		"location": {"file": "stack.yaml", "line": 24},
		"level": null,
	}
}

test_fix_names_only_what_is_missing if {
	eps := {
		"EcrApiEndpoint": data.fargate_preflight.lib.paths_test.interface_endpoint("EcrApiEndpoint", "ecr.api", 70),
		"LogsEndpoint": data.fargate_preflight.lib.paths_test.interface_endpoint("LogsEndpoint", "logs", 72),
	}
	fs := findings(data.fargate_preflight.lib.paths_test.with_endpoints(isolated_no_endpoints, eps))
	{[f.need, f.fix] | some f in fs} == {
		["ecr.dkr", "Add an interface endpoint for ecr.dkr and an s3 gateway endpoint, or a NAT gateway."],
		["s3", "Add an interface endpoint for ecr.dkr and an s3 gateway endpoint, or a NAT gateway."],
	}
}

test_docker_hub_image_in_isolated_subnet if {
	c := object.union(data.fargate_preflight.lib.paths_test.container("app", "nginx", 51), {"log_driver": null})
	fs := findings(with_containers(data.fargate_preflight.lib.paths_test.isolated, [c]))
	{[f.need, f.message, f.fix] | some f in fs} == {[
		"registry-1.docker.io",
		"service Service cannot reach registry-1.docker.io: task subnet IsolatedSubnetA -> route table IsolatedRT: no default route and registry-1.docker.io is reachable only over the internet",
		"Add a NAT gateway (registry-1.docker.io is reachable only over the internet).",
	]}
}

test_docker_hub_and_ecr_fix_names_both if {
	containers := [
		object.union(data.fargate_preflight.lib.paths_test.container("app", "nginx", 51), {"log_driver": null}),
		data.fargate_preflight.lib.paths_test.container("side", data.fargate_preflight.lib.paths_test.ecr_image, 52),
	]
	fs := findings(with_containers(isolated_no_endpoints, containers))
	{f.fix | some f in fs} == {"Add a NAT gateway (registry-1.docker.io is reachable only over the internet); for the AWS services alone, interface endpoints ecr.api, ecr.dkr and logs and an s3 gateway endpoint would also do."}
}

test_cross_region_log_group_in_isolated_vpc if {
	c := object.union(data.fargate_preflight.lib.paths_test.container("app", data.fargate_preflight.lib.paths_test.ecr_image, 51), {"log_options": {"awslogs-region": "eu-west-1"}})
	fs := findings(with_containers(data.fargate_preflight.lib.paths_test.isolated, [c]))
	{[f.need, f.fix] | some f in fs} == {["logs", "Add a NAT gateway (logs is reachable only over the internet)."]}
}

test_efs_without_mount_target_in_vpc if {
	m := object.union(data.fargate_preflight.lib.paths_test.efs_world, {
		"vpcs": {"Other": {"id": "Other", "name": "Other"}},
		"subnets": {"PrivateSubnetA": {"vpc": "Other"}, "PrivateSubnetB": {"vpc": "Other"}},
		"services": {"Service": {"network": {"subnets": ["PublicSubnetA"]}}},
		"task_definitions": {"TaskDef": {"containers": []}},
	})
	{[f.need, f.resource, f.fix] | some f in findings(m)} == {[
		"efs:FileSystem", "FileSystem",
		"Add a mount target of EFS file system FileSystem in the task VPC, in each availability zone of the task subnets.",
	]}
}

test_isolated_vpc_pattern_is_silent if {
	count(findings(data.fargate_preflight.lib.paths_test.isolated)) == 0
}

test_nat_is_silent if {
	count(findings(world)) == 0
}

test_transit_gateway_default_route_is_silent if {
	tgw := data.fargate_preflight.lib.paths_test.route("0.0.0.0/0", "tgw", "tgw-0abc", 25)
	m := data.fargate_preflight.lib.paths_test.with_route_tables(isolated_no_endpoints, {"IsolatedRT": {"routes": [data.fargate_preflight.lib.paths_test.local_route, tgw]}})
	count(findings(m)) == 0
}

test_unknown_subnets_are_silent if {
	u := data.fargate_preflight.lib.paths_test.unknown("Parameter PrivateSubnetIds", 4)
	count(findings(data.fargate_preflight.lib.paths_test.in_subnets(world, u))) == 0
}

# Field test 22, case 80: PrivateSubnetB has no route-table association, so it uses the VPC's
# main route table (no default route) while PrivateSubnetA's PrivateRT routes to a NAT gateway.
# The fix was "Add interface endpoints ... or a NAT gateway", at the VPC.
test_a_subnet_on_the_main_route_table_is_told_to_associate_one_with_a_path if {
	m := object.union(
		data.fargate_preflight.lib.paths_test.in_subnets(world, ["PrivateSubnetA", "PrivateSubnetB"]),
		{"subnets": {"PrivateSubnetB": {"route_table": "Vpc/main-route-table"}}},
	)
	fs := findings(m)
	{f.need | some f in fs} == {"ecr.api", "ecr.dkr", "s3", "logs"}
	some f in fs
	f.need == "ecr.dkr"
	f.message == "service Service cannot reach ecr.dkr: task subnet PrivateSubnetB -> route table Vpc/main-route-table: no default route and no ecr.dkr interface endpoint; the subnet has no route-table association, so it uses the VPC's main route table"
	f.fix == "Associate subnet PrivateSubnetB with a route table that has a path, such as PrivateRT; or add interface endpoints ecr.api, ecr.dkr and logs and an s3 gateway endpoint, or a NAT gateway."
	f.location == {"file": "stack.yaml", "line": 12} # the subnet, where the association goes
}

# With no other task subnet on a path, a route table of the VPC whose default route goes to a
# NAT gateway is named; with none, no table is.
test_the_route_table_to_associate_is_one_with_a_nat_route_or_none if {
	alone := object.union(
		data.fargate_preflight.lib.paths_test.in_subnets(world, ["PrivateSubnetB"]),
		{"subnets": {"PrivateSubnetB": {"route_table": "Vpc/main-route-table"}}},
	)
	{f.fix | some f in findings(alone)} == {"Associate subnet PrivateSubnetB with a route table that has a path, such as PrivateRT; or add interface endpoints ecr.api, ecr.dkr and logs and an s3 gateway endpoint, or a NAT gateway."}
	no_nat := object.union(alone, {"route_tables": {"PrivateRT": {"routes": [data.fargate_preflight.lib.paths_test.local_route]}}})
	{f.fix | some f in findings(no_nat)} == {"Associate subnet PrivateSubnetB with a route table that has a path; or add interface endpoints ecr.api, ecr.dkr and logs and an s3 gateway endpoint, or a NAT gateway."}
}
