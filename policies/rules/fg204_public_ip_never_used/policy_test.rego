package fargate_preflight.rules.fg204_test

import rego.v1

world := data.fargate_preflight.lib.paths_test.world

public_ip(model) := data.fargate_preflight.lib.paths_test.public_ip(model)

in_subnets(model, subnets) := data.fargate_preflight.lib.paths_test.in_subnets(model, subnets)

findings(model) := fs if {
	fs := data.fargate_preflight.rules.fg204.deny with input as model
}

undecided(model) := {[u.unknown.ref, u.service, u.rules] | some u in data.fargate_preflight.rules.fg204.undecided with input as model}

test_public_ip_on_nat_subnet if {
	findings(public_ip(world)) == {{
		"resource": "Service",
		"service": "Service",
		"need": null,
		"message": "service Service has assignPublicIp ENABLED, but tasks in these subnets never use the public IP: task subnet PrivateSubnetA -> route table PrivateRT: 0.0.0.0/0 -> nat NatGatewayA -> igw InternetGateway",
		"fix": "Set assignPublicIp to DISABLED in the service's network configuration, or place the tasks in public subnets (default route to an internet gateway) if they are meant to use the public IP.",
		"hop": {
			"from": "subnet PrivateSubnetA", "via": "route table PrivateRT",
			"to": "0.0.0.0/0 -> nat NatGatewayA -> igw InternetGateway",
			"detail": "assignPublicIp is ENABLED but the default route is not an internet gateway",
		},
		"location": {"file": "stack.yaml", "line": 60},
		"level": null,
	}}
}

test_names_only_the_non_public_subnets if {
	m := public_ip(in_subnets(world, ["PublicSubnetA", "PrivateSubnetA", "PrivateSubnetB", "IsolatedSubnetA"]))
	some f in findings(m)
	f.message == "service Service has assignPublicIp ENABLED, but tasks in these subnets never use the public IP: task subnet IsolatedSubnetA -> route table IsolatedRT: no default route; task subnets PrivateSubnetA, PrivateSubnetB -> route table PrivateRT: 0.0.0.0/0 -> nat NatGatewayA -> igw InternetGateway"
}

test_public_ip_with_transit_gateway_route if {
	tgw := data.fargate_preflight.lib.paths_test.route("0.0.0.0/0", "tgw", "tgw-0abc", 23)
	m := data.fargate_preflight.lib.paths_test.with_route_tables(public_ip(world), {"PrivateRT": {"routes": [data.fargate_preflight.lib.paths_test.local_route, tgw]}})
	count(findings(m)) == 1
}

test_public_ip_on_public_subnet_is_silent if {
	count(findings(public_ip(in_subnets(world, ["PublicSubnetA"])))) == 0
}

test_no_public_ip_is_silent if {
	count(findings(world)) == 0
}

test_unknown_route_table_is_undecided if {
	m := object.union(public_ip(world), {"subnets": {"PrivateSubnetA": {"route_table": "rtb-0abc"}}})
	count(findings(m)) == 0
	undecided(m) == {["route table rtb-0abc", "Service", ["FG204"]]}
}

test_unknown_public_ip_is_undecided if {
	u := data.fargate_preflight.lib.paths_test.unknown("Parameter AssignPublicIp", 5)
	m := object.union(world, {"services": {"Service": {"network": {"assign_public_ip": u}}}})
	count(findings(m)) == 0
	undecided(m) == {["Parameter AssignPublicIp", "Service", ["FG204"]]}
}

test_unknown_route_table_without_public_ip_is_not_undecided if {
	m := object.union(world, {"subnets": {"PrivateSubnetA": {"route_table": "rtb-0abc"}}})
	count(undecided(m)) == 0
}
