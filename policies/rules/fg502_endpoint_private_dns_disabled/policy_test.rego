package fargate_preflight.rules.fg502_test

import rego.v1

world := data.fargate_preflight.lib.paths_test.world

isolated := data.fargate_preflight.lib.paths_test.isolated

findings(model) := fs if {
	fs := data.fargate_preflight.rules.fg502.deny with input as model
}

dns_off_endpoint := object.union(data.fargate_preflight.lib.paths_test.interface_endpoint("EcrDkrEndpoint", "ecr.dkr", 71), {"private_dns": false})

test_private_dns_off_without_other_path_is_an_error if {
	m := data.fargate_preflight.lib.paths_test.with_endpoints(isolated, {"EcrDkrEndpoint": dns_off_endpoint})
	findings(m) == {{
		"resource": "EcrDkrEndpoint",
		"service": "Service",
		"need": "ecr.dkr",
		"message": "service Service cannot reach ecr.dkr: task subnet IsolatedSubnetA -> route table IsolatedRT: no default route, and interface endpoint EcrDkrEndpoint (ecr.dkr) has private DNS off, so the ecr.dkr hostname resolves to public addresses",
		"fix": "Set PrivateDnsEnabled to true on interface endpoint EcrDkrEndpoint (the VPC needs EnableDnsSupport and EnableDnsHostnames).",
		"hop": {
			"from": "subnet IsolatedSubnetA", "via": "route table IsolatedRT", "to": "no default route",
			"detail": "interface endpoint EcrDkrEndpoint (ecr.dkr) has private DNS off, so the ecr.dkr hostname resolves to public addresses",
		},
		"location": {"file": "stack.yaml", "line": 71},
		"level": null,
	}}
}

test_private_dns_off_with_nat_is_a_warning if {
	m := data.fargate_preflight.lib.paths_test.with_endpoints(world, {"EcrDkrEndpoint": dns_off_endpoint})
	findings(m) == {{
		"resource": "EcrDkrEndpoint",
		"service": "Service",
		"need": "ecr.dkr",
		"message": "service Service does not use interface endpoint EcrDkrEndpoint for ecr.dkr: its private DNS is off, so the ecr.dkr hostname resolves to public addresses and the traffic takes another path",
		"fix": "Set PrivateDnsEnabled to true on interface endpoint EcrDkrEndpoint (the VPC needs EnableDnsSupport and EnableDnsHostnames).",
		"hop": {"from": "subnet PrivateSubnetA", "via": "DNS", "to": "interface endpoint EcrDkrEndpoint", "detail": "PrivateDnsEnabled is false"},
		"location": {"file": "stack.yaml", "line": 71},
		"level": "warning",
	}}
}

test_error_wins_when_one_subnet_has_no_other_path if {
	m := data.fargate_preflight.lib.paths_test.in_subnets(
		data.fargate_preflight.lib.paths_test.with_endpoints(world, {"EcrDkrEndpoint": dns_off_endpoint}),
		["PrivateSubnetA", "IsolatedSubnetA"],
	)
	{[f.need, f.level] | some f in findings(m)} == {["ecr.dkr", null]}
}

test_private_dns_on_is_silent if {
	count(findings(isolated)) == 0
}

test_endpoint_of_an_unneeded_service_is_silent if {
	ep := object.union(data.fargate_preflight.lib.paths_test.interface_endpoint("SnsEndpoint", "sns", 75), {"private_dns": false})
	count(findings(data.fargate_preflight.lib.paths_test.with_endpoints(world, {"SnsEndpoint": ep}))) == 0
}

test_endpoint_of_another_region_is_silent if {
	ep := object.union(dns_off_endpoint, {"service_region": "eu-west-1"})
	count(findings(data.fargate_preflight.lib.paths_test.with_endpoints(world, {"EcrDkrEndpoint": ep}))) == 0
}

test_igw_without_public_ip_is_fg201_not_fg502 if {
	m := data.fargate_preflight.lib.paths_test.in_subnets(
		data.fargate_preflight.lib.paths_test.with_endpoints(world, {"EcrDkrEndpoint": dns_off_endpoint}),
		["PublicSubnetA"],
	)
	count(findings(m)) == 0
}
