package fargate_preflight.rules.fg503_test

import rego.v1

world := data.fargate_preflight.lib.paths_test.world

isolated := data.fargate_preflight.lib.paths_test.isolated

findings(model) := fs if {
	fs := data.fargate_preflight.rules.fg503.deny with input as model
}

undecided(model) := {[u.unknown.ref, u.service, u.rules] | some u in data.fargate_preflight.rules.fg503.undecided with input as model}

hostnames_off(model) := object.union(model, {"vpcs": {"Vpc": {"enable_dns_hostnames": false}}})

test_hostnames_off_without_other_path_names_the_hop if {
	fs := findings(hostnames_off(isolated))
	{f.need | some f in fs} == {"ecr.api", "ecr.dkr", "logs"}
	some f in fs
	f.need == "ecr.dkr"
	f == {
		"resource": "EcrDkrEndpoint",
		"service": "Service",
		"need": "ecr.dkr",
		"message": "service Service cannot reach ecr.dkr: task subnet IsolatedSubnetA -> route table IsolatedRT: no default route, and interface endpoint EcrDkrEndpoint (ecr.dkr) has private DNS on but VPC Vpc lacks enableDnsHostnames or enableDnsSupport",
		"fix": "Set EnableDnsSupport and EnableDnsHostnames to true on VPC Vpc.",
		"hop": {
			"from": "subnet IsolatedSubnetA", "via": "route table IsolatedRT", "to": "no default route",
			"detail": "interface endpoint EcrDkrEndpoint (ecr.dkr) has private DNS on but VPC Vpc lacks enableDnsHostnames or enableDnsSupport",
		},
		"location": {"file": "stack.yaml", "line": 71},
		"level": null,
	}
}

test_hostnames_off_with_nat_still_fails_to_deploy if {
	m := hostnames_off(data.fargate_preflight.lib.paths_test.in_subnets(isolated, ["PrivateSubnetA"]))
	{[f.service, f.need] | some f in findings(m)} == {["Service", "ecr.api"], ["Service", "ecr.dkr"], ["Service", "logs"]}
	some f in findings(m)
	f.need == "logs"
	f == {
		"resource": "LogsEndpoint",
		"service": "Service",
		"need": "logs",
		"message": "interface endpoint LogsEndpoint (logs) has private DNS on, but VPC Vpc has enableDnsHostnames false: CloudFormation fails to create the endpoint, and service Service cannot use it",
		"fix": "Set EnableDnsSupport and EnableDnsHostnames to true on VPC Vpc.",
		"hop": {"from": "interface endpoint LogsEndpoint", "via": "private DNS", "to": "VPC Vpc", "detail": "enableDnsHostnames false"},
		"location": {"file": "stack.yaml", "line": 72},
		"level": null,
	}
}

test_endpoint_no_service_needs_gets_one_finding_without_service if {
	ep := data.fargate_preflight.lib.paths_test.interface_endpoint("SnsEndpoint", "sns", 75)
	m := hostnames_off(data.fargate_preflight.lib.paths_test.with_endpoints(world, {"SnsEndpoint": ep}))
	findings(m) == {{
		"resource": "SnsEndpoint",
		"service": null,
		"need": "sns",
		"message": "interface endpoint SnsEndpoint (sns) has private DNS on, but VPC Vpc has enableDnsHostnames false: CloudFormation fails to create the endpoint",
		"fix": "Set EnableDnsSupport and EnableDnsHostnames to true on VPC Vpc.",
		"hop": {"from": "interface endpoint SnsEndpoint", "via": "private DNS", "to": "VPC Vpc", "detail": "enableDnsHostnames false"},
		"location": {"file": "stack.yaml", "line": 75},
		"level": null,
	}}
}

test_dns_support_off_names_both if {
	m := object.union(isolated, {"vpcs": {"Vpc": {"enable_dns_support": false, "enable_dns_hostnames": false}}})
	m2 := data.fargate_preflight.lib.paths_test.in_subnets(m, ["PrivateSubnetA"])
	some f in findings(m2)
	f.need == "logs"
	f.hop.detail == "enableDnsSupport and enableDnsHostnames false"
}

test_vpc_dns_on_is_silent if {
	count(findings(isolated)) == 0
}

test_private_dns_off_is_silent if {
	m := data.fargate_preflight.lib.paths_test.with_endpoints(hostnames_off(isolated), {
		"EcrApiEndpoint": {"private_dns": false},
		"EcrDkrEndpoint": {"private_dns": false},
		"LogsEndpoint": {"private_dns": false},
	})
	count(findings(m)) == 0
}

test_vpc_not_in_inputs_is_undecided if {
	m := data.fargate_preflight.lib.paths_test.with_endpoints(world, {"LogsEndpoint": object.union(
		data.fargate_preflight.lib.paths_test.interface_endpoint("LogsEndpoint", "logs", 72),
		{"vpc": "vpc-0abc"},
	)})
	count(findings(m)) == 0
	undecided(m) == {["VPC vpc-0abc", null, ["FG503"]]}
}

test_unknown_hostnames_is_undecided_for_the_needing_service if {
	u := data.fargate_preflight.lib.paths_test.unknown("Parameter DnsHostnames", 9)
	m := object.union(isolated, {"vpcs": {"Vpc": {"enable_dns_hostnames": u}}})
	count(findings(m)) == 0
	undecided(m) == {["Parameter DnsHostnames", "Service", ["FG503"]]}
}
