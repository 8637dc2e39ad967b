# Path selection tests, continued (the shared `world` and helpers are in paths_test.rego):
# steps 1 and 2, interface and gateway endpoints.
package fargate_preflight.lib.paths_test

import rego.v1

# --- steps 1 and 2: endpoints --------------------------------------------------------------

test_isolated_vpc_pattern_uses_its_endpoints if {
	verdicts_of(isolated) == {
		"ecr.api": ["IsolatedSubnetA", "interface endpoint EcrApiEndpoint", "ok"],
		"ecr.dkr": ["IsolatedSubnetA", "interface endpoint EcrDkrEndpoint", "ok"],
		"logs": ["IsolatedSubnetA", "interface endpoint LogsEndpoint", "ok"],
		"s3": ["IsolatedSubnetA", "gateway endpoint S3Endpoint", "ok"],
	}
	count(reasons(isolated)) == 0
	count(undecided_refs(isolated)) == 0
}

test_isolated_vpc_pattern_demands_no_ecs_endpoints if {
	needs := {n.need | some n in data.fargate_preflight.lib.needs.by_service.Service} with input as isolated
	needs == ecr_and_logs
}

test_interface_path_contract_shape if {
	selected_of(isolated)["ecr.dkr"] == {
		"service": "Service", "need": "ecr.dkr", "port": 443, "subnet": "IsolatedSubnetA",
		"kind": "interface", "endpoint": "EcrDkrEndpoint", "nat_gateway": null,
		"destinations": [
			{"subnet": "IsolatedSubnetA", "cidr": "10.0.3.0/24"},
			{"subnet": "IsolatedSubnetB", "cidr": "10.0.4.0/24"},
		],
		"security_groups": ["EndpointSG"], "prefix_list": null,
		"hop": {"from": "subnet IsolatedSubnetA", "via": "local route", "to": "interface endpoint EcrDkrEndpoint", "detail": ""},
	}
}

test_gateway_path_contract_shape if {
	selected_of(isolated).s3 == {
		"service": "Service", "need": "s3", "port": 443, "subnet": "IsolatedSubnetA",
		"kind": "gateway", "endpoint": "S3Endpoint", "nat_gateway": null,
		"destinations": [{"subnet": null, "cidr": "0.0.0.0/0"}],
		"security_groups": [], "prefix_list": "pl-63a5400a",
		"hop": {"from": "subnet IsolatedSubnetA", "via": "route table IsolatedRT", "to": "gateway endpoint S3Endpoint", "detail": ""},
	}
}

test_interface_endpoint_wins_over_nat if {
	m := with_endpoints(world, {"EcrDkrEndpoint": interface_endpoint("EcrDkrEndpoint", "ecr.dkr", 71)})
	verdicts_of(m)["ecr.dkr"] == ["PrivateSubnetA", "interface endpoint EcrDkrEndpoint", "ok"]
	verdicts_of(m)["ecr.api"] == ["PrivateSubnetA", nat_path, "ok"]
}

test_endpoint_subnet_not_in_inputs_is_an_unknown_destination if {
	ep := object.union(interface_endpoint("EcrDkrEndpoint", "ecr.dkr", 71), {"subnets": ["subnet-0abc"]})
	p := selected_of(with_endpoints(isolated, {"EcrDkrEndpoint": ep}))["ecr.dkr"]
	p.destinations == [{"subnet": "subnet-0abc", "cidr": {
		"unknown": "subnet subnet-0abc is not in the scanned inputs",
		"ref": "subnet subnet-0abc", "source": src(71),
	}}]
}

test_gateway_endpoint_on_another_route_table_is_fg205 if {
	m := with_endpoints(isolated, {"S3Endpoint": {"route_tables": ["PrivateRT"]}})
	reasons(m) == {["s3", "IsolatedSubnetA", "FG205"]}
	some e in data.fargate_preflight.lib.paths.no_path with input as m
	e.endpoint == "S3Endpoint"
	e.text == "route table IsolatedRT: no default route, and gateway endpoint S3Endpoint (s3) is not associated with route table IsolatedRT"
}

# An S3 interface endpoint whose private DNS serves only on-premises resolvers: the VPC's own
# traffic takes the gateway endpoint, whatever the interface endpoint's security group says.
s3_interface(extra) := object.union(interface_endpoint("S3Interface", "s3", 74), extra)

test_s3_interface_endpoint_for_inbound_resolvers_only_leaves_the_gateway_path if {
	m := with_endpoints(isolated, {"S3Interface": s3_interface({"private_dns_inbound_only": true})})
	verdicts_of(m).s3 == ["IsolatedSubnetA", "gateway endpoint S3Endpoint", "ok"]
}

test_s3_interface_endpoint_left_unset_beside_a_gateway_endpoint_is_for_inbound_only if {
	m := with_endpoints(isolated, {
		"S3Interface": s3_interface({}),
		"S3Endpoint": {"route_tables": ["PrivateRT"]},
	})
	reasons(m) == {["s3", "IsolatedSubnetA", "FG205"]}
}

test_s3_interface_endpoint_for_all_resolvers_serves_the_vpc if {
	m := with_endpoints(isolated, {
		"S3Interface": s3_interface({"private_dns_inbound_only": false}),
		"S3Endpoint": {"route_tables": ["PrivateRT"]},
	})
	verdicts_of(m).s3 == ["IsolatedSubnetA", "interface endpoint S3Interface", "ok"]
}

test_s3_interface_endpoint_without_a_gateway_endpoint_serves_the_vpc if {
	endpoints := object.union(
		object.remove(isolated_endpoints, ["S3Endpoint"]),
		{"S3Interface": s3_interface({})},
	)
	m := object.union(in_subnets(world, ["IsolatedSubnetA"]), {"vpc_endpoints": endpoints})
	verdicts_of(m).s3 == ["IsolatedSubnetA", "interface endpoint S3Interface", "ok"]
}

test_private_dns_off_without_other_path_is_fg502 if {
	m := with_endpoints(isolated, {"EcrDkrEndpoint": {"private_dns": false}})
	reasons(m) == {["ecr.dkr", "IsolatedSubnetA", "FG502"]}
}

test_private_dns_off_with_nat_takes_the_nat if {
	m := with_endpoints(world, {"EcrDkrEndpoint": object.union(interface_endpoint("EcrDkrEndpoint", "ecr.dkr", 71), {"private_dns": false})})
	verdicts_of(m)["ecr.dkr"] == ["PrivateSubnetA", nat_path, "ok"]
	count(reasons(m)) == 0
}

test_vpc_hostnames_off_with_private_dns_is_fg503 if {
	m := object.union(isolated, {"vpcs": {"Vpc": {"enable_dns_hostnames": false}}})
	reasons(m) == {[n, "IsolatedSubnetA", "FG503"] | some n in {"ecr.api", "ecr.dkr", "logs"}}
	verdicts_of(m).s3 == ["IsolatedSubnetA", "gateway endpoint S3Endpoint", "ok"]
}

test_dns_support_off_skips_interface_endpoints if {
	m := object.union(isolated, {"vpcs": {"Vpc": {"enable_dns_support": false}}})
	reasons(m) == {[n, "IsolatedSubnetA", "FG503"] | some n in {"ecr.api", "ecr.dkr", "logs"}}
}

test_deleted_endpoint_does_not_serve if {
	m := with_endpoints(isolated, {"EcrDkrEndpoint": {"state": "deleted"}})
	reasons(m) == {["ecr.dkr", "IsolatedSubnetA", "FG202"]}
}

test_cross_region_ecr_image_does_not_use_the_local_endpoints if {
	c := container("app", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1", 51)
	m := object.union(isolated, {"task_definitions": {"TaskDef": {"containers": [c]}}})
	reasons(m) == {[n, "IsolatedSubnetA", "FG202"] | some n in ["ecr.api", "ecr.dkr", "s3"]}
}

test_endpoint_of_another_region_does_not_serve if {
	m := with_endpoints(isolated, {"LogsEndpoint": {"service_region": "eu-west-1"}})
	reasons(m) == {["logs", "IsolatedSubnetA", "FG202"]}
}

test_unknown_endpoint_region_is_undecided if {
	m := with_endpoints(isolated, {"LogsEndpoint": {"service_region": unknown("AWS::Region", 1)}})
	count(reasons(m)) == 0
	undecided_refs(m) == {["AWS::Region", "Service"]}
}

test_same_unknown_region_on_both_sides_matches if {
	r := unknown("AWS::Region", 1)
	m := object.union(
		with_endpoints(isolated, {"LogsEndpoint": {"service_region": r}}),
		{"task_definitions": {"TaskDef": {"containers": [object.union(container("app", ecr_image, 51), {"log_options": {"awslogs-region": r}})]}}},
	)
	verdicts_of(m).logs == ["IsolatedSubnetA", "interface endpoint LogsEndpoint", "ok"]
}

test_cross_region_log_group_needs_internet if {
	c := object.union(container("app", ecr_image, 51), {"log_options": {"awslogs-region": "eu-west-1"}})
	m := object.union(isolated, {"task_definitions": {"TaskDef": {"containers": [c]}}})
	reasons(m) == {["logs", "IsolatedSubnetA", "FG202"]}
	verdicts_of(object.union(m, {"services": {"Service": {"network": {"subnets": ["PrivateSubnetA"]}}}})).logs == ["PrivateSubnetA", nat_path, "ok"]
	some e in data.fargate_preflight.lib.paths.no_path with input as m
	e.text == "route table IsolatedRT: no default route and logs in eu-west-1 is reachable only over the internet (endpoints serve only their own region)"
}

test_docker_hub_image_in_isolated_subnet_is_fg202 if {
	c := object.union(container("app", "nginx:1.27", 51), {"log_driver": null, "log_options": {}})
	m := object.union(isolated, {"task_definitions": {"TaskDef": {"containers": [c]}}})
	reasons(m) == {["registry-1.docker.io", "IsolatedSubnetA", "FG202"]}
	some e in data.fargate_preflight.lib.paths.no_path with input as m
	e.text == "route table IsolatedRT: no default route and registry-1.docker.io is reachable only over the internet"
}

test_gateway_endpoint_with_unknown_route_tables_is_undecided if {
	m := with_endpoints(in_subnets(world, ["IsolatedSubnetA"]), {"S3Endpoint": gateway_endpoint("S3Endpoint", "s3", unknown("Parameter RouteTables", 3), 73)})
	undecided_refs(m) == {["Parameter RouteTables", "Service"]}
	reasons(m) == {[n, "IsolatedSubnetA", "FG202"] | some n in {"ecr.api", "ecr.dkr", "logs"}}
}
