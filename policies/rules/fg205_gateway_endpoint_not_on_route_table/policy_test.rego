package fargate_preflight.rules.fg205_test

import rego.v1

isolated := data.fargate_preflight.lib.paths_test.isolated

findings(model) := fs if {
	fs := data.fargate_preflight.rules.fg205.deny with input as model
}

elsewhere := data.fargate_preflight.lib.paths_test.with_endpoints(isolated, {"S3Endpoint": {"route_tables": ["PublicRT"]}})

test_gateway_endpoint_on_another_route_table if {
	findings(elsewhere) == {{
		"resource": "S3Endpoint",
		"service": "Service",
		"need": "s3",
		"message": "service Service cannot reach s3: task subnet IsolatedSubnetA -> route table IsolatedRT: no default route, and gateway endpoint S3Endpoint (s3) is not associated with route table IsolatedRT",
		"fix": "Add route table IsolatedRT to the RouteTableIds of gateway endpoint S3Endpoint.",
		"hop": {
			"from": "subnet IsolatedSubnetA", "via": "route table IsolatedRT", "to": "no default route",
			"detail": "gateway endpoint S3Endpoint (s3) is not associated with route table IsolatedRT",
		},
		"location": {"file": "stack.yaml", "line": 73},
		"level": null,
	}}
}

test_gateway_endpoint_without_route_tables if {
	m := data.fargate_preflight.lib.paths_test.with_endpoints(isolated, {"S3Endpoint": {"route_tables": []}})
	{f.need | some f in findings(m)} == {"s3"}
}

test_associated_gateway_endpoint_is_silent if {
	count(findings(isolated)) == 0
}

test_nat_path_is_silent if {
	m := data.fargate_preflight.lib.paths_test.in_subnets(elsewhere, ["PrivateSubnetA"])
	count(findings(m)) == 0
}

# An S3 interface endpoint that answers the VPC's own resolvers serves the tasks; one left to
# AWS's default beside a gateway endpoint answers only inbound resolvers, so the gateway
# endpoint missing from the route table still breaks the path.
test_s3_interface_endpoint_for_all_resolvers_is_silent if {
	ep := data.fargate_preflight.lib.paths_test.s3_interface({"private_dns_inbound_only": false})
	m := data.fargate_preflight.lib.paths_test.with_endpoints(elsewhere, {"S3Interface": ep})
	count(findings(m)) == 0
}

test_s3_interface_endpoint_for_inbound_resolvers_is_no_path if {
	ep := data.fargate_preflight.lib.paths_test.s3_interface({})
	m := data.fargate_preflight.lib.paths_test.with_endpoints(elsewhere, {"S3Interface": ep})
	{f.need | some f in findings(m)} == {"s3"}
}

test_igw_without_public_ip_is_fg201_not_fg205 if {
	m := data.fargate_preflight.lib.paths_test.in_subnets(elsewhere, ["PublicSubnetA"])
	m2 := data.fargate_preflight.lib.paths_test.with_endpoints(m, {"S3Endpoint": {"route_tables": ["IsolatedRT"]}})
	count(findings(m2)) == 0
	{f.need | some f in data.fargate_preflight.rules.fg201.deny} == {"s3"} with input as m2
}
