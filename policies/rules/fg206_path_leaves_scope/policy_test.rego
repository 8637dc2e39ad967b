package fargate_preflight.rules.fg206_test

import rego.v1

world := data.fargate_preflight.lib.paths_test.world

findings(model) := fs if {
	fs := data.fargate_preflight.rules.fg206.deny with input as model
}

with_private_default(type, target) := data.fargate_preflight.lib.paths_test.with_route_tables(world, {"PrivateRT": {"routes": [
	data.fargate_preflight.lib.paths_test.local_route,
	data.fargate_preflight.lib.paths_test.route("0.0.0.0/0", type, target, 23),
]}})

tgw := with_private_default("tgw", "tgw-0abc")

test_transit_gateway_default_route_is_a_note_per_need if {
	fs := findings(tgw)
	{f.need | some f in fs} == {"ecr.api", "ecr.dkr", "s3", "logs"}
	some f in fs
	f.need == "logs"
	f == {
		"resource": "PrivateRT",
		"service": "Service",
		"need": "logs",
		"message": "service Service: the path to logs leaves the scanned inputs: task subnet PrivateSubnetA -> route table PrivateRT: 0.0.0.0/0 -> tgw tgw-0abc (transit gateway), beyond which the inputs end",
		"fix": "Check that the network beyond this route reaches logs (for example endpoints or a NAT gateway in the shared-services VPC), or scan the templates that define it.",
		"hop": {
			"from": "subnet PrivateSubnetA", "via": "route table PrivateRT",
			"to": "0.0.0.0/0 -> tgw tgw-0abc (transit gateway)", "detail": "the path leaves the scanned inputs",
		},
		"location": {"file": "stack.yaml", "line": 23},
		"level": null,
	}
}

test_transit_gateway_gives_no_error if {
	count(data.fargate_preflight.rules.fg201.deny) == 0 with input as tgw
	count(data.fargate_preflight.rules.fg202.deny) == 0 with input as tgw
	count(data.fargate_preflight.rules.fg203.deny) == 0 with input as tgw
	count(data.fargate_preflight.rules.fg205.deny) == 0 with input as tgw
	count(data.fargate_preflight.rules.fg502.deny) == 0 with input as tgw
	count(data.fargate_preflight.rules.fg503.deny) == 0 with input as tgw
}

test_other_out_of_scope_targets if {
	every type in ["vgw", "pcx", "eni", "vpce", "instance"] {
		count(findings(with_private_default(type, "x-1"))) == 4
	}
}

# The NAT gateway's subnet sends 0.0.0.0/0 on through a transit gateway (a central egress VPC,
# a private NAT gateway's usual way out): a note located at that route, never FG203.
nat_to_tgw(connectivity) := object.union(
	data.fargate_preflight.lib.paths_test.with_route_tables(world, {"PublicRT": {"routes": [
		data.fargate_preflight.lib.paths_test.local_route,
		data.fargate_preflight.lib.paths_test.route("0.0.0.0/0", "tgw", "tgw-0abc", 21),
	]}}),
	{"nat_gateways": {"NatGatewayA": {"connectivity": connectivity}}},
)

test_nat_subnet_route_to_a_transit_gateway_is_a_note if {
	every connectivity in ["public", "private"] {
		m := nat_to_tgw(connectivity)
		count(data.fargate_preflight.rules.fg203.deny) == 0 with input as m
		count(data.fargate_preflight.rules.fg303.deny) == 0 with input as m
		{[f.need, f.message, f.location.line] | some f in findings(m)} == {[
			need, sprintf(
				"service Service: the path to %s leaves the scanned inputs: task subnet PrivateSubnetA -> route table PrivateRT: 0.0.0.0/0 -> nat NatGatewayA -> tgw tgw-0abc (transit gateway), beyond which the inputs end",
				[need],
			),
			21,
		] |
			some need in {"ecr.api", "ecr.dkr", "s3", "logs"}
		}
	}
}

# IsolatedSubnetA with only ::/0 -> an egress-only internet gateway; `ipv6` is the subnet's
# model field (absent: not settled, as in a model of an earlier release).
ipv6_only(ipv6) := m if {
	v6 := {
		"destination": null, "destination_ipv6": "::/0", "destination_prefix_list": null,
		"target_type": "eigw", "target": "EgressOnlyIgw", "state": "active",
		"source": data.fargate_preflight.lib.paths_test.src(25),
	}
	routed := data.fargate_preflight.lib.paths_test.with_route_tables(
		data.fargate_preflight.lib.paths_test.in_subnets(world, ["IsolatedSubnetA"]),
		{"IsolatedRT": {"routes": [data.fargate_preflight.lib.paths_test.local_route, v6]}},
	)
	m := object.union(routed, {"subnets": {"IsolatedSubnetA": ipv6}})
}

test_ipv6_only_route_is_a_note if {
	every ipv6 in [{}, {"ipv6": true}, {"ipv6": {"unknown": "IPv6 block of IsolatedSubnetA", "ref": "x", "source": null}}] {
		m := ipv6_only(ipv6)
		count(data.fargate_preflight.rules.fg202.deny) == 0 with input as m
		{f.need | some f in findings(m)} == {"ecr.api", "ecr.dkr", "s3", "logs"}
	}
	some f in findings(ipv6_only({"ipv6": true}))
	f.need == "ecr.dkr"
	f.message == "service Service: the path to ecr.dkr leaves the scanned inputs: task subnet IsolatedSubnetA -> route table IsolatedRT: no IPv4 path; ::/0 -> eigw EgressOnlyIgw (egress-only internet gateway), and IPv6 paths are not analysed"
	f.location == {"file": "stack.yaml", "line": 25}

	# field test 22 (cases 23, 92): the fix spoke of a shared-services VPC behind the route
	f.fix == "IPv6 paths are not analysed: check that the tasks reach ecr.dkr over IPv6 through the ::/0 route (ecr.dkr must accept IPv6 connections), or give the task subnets an IPv4 path to it (interface endpoints, or a NAT gateway)."
}

# Field test 22, case 23: a subnet without an IPv6 block gives its tasks no IPv6 address, so
# the ::/0 route carries nothing and the need has no path at all (FG202, not FG206).
test_ipv6_route_of_a_subnet_without_ipv6_is_no_path if {
	m := ipv6_only({"ipv6": false})
	count(findings(m)) == 0
	fs := data.fargate_preflight.rules.fg202.deny with input as m
	{f.need | some f in fs} == {"ecr.api", "ecr.dkr", "s3", "logs"}
	some f in fs
	f.need == "ecr.dkr"
	f.message == "service Service cannot reach ecr.dkr: task subnet IsolatedSubnetA -> route table IsolatedRT: no default route and no ecr.dkr interface endpoint; ::/0 -> eigw EgressOnlyIgw (egress-only internet gateway) carries nothing, since the subnet has no IPv6 CIDR block"
	f.fix == "Add interface endpoints ecr.api, ecr.dkr and logs and an s3 gateway endpoint, or a NAT gateway."
	f.location == {"file": "stack.yaml", "line": 24}
}

test_endpoints_before_the_transit_gateway_are_silent if {
	m := data.fargate_preflight.lib.paths_test.with_endpoints(tgw, data.fargate_preflight.lib.paths_test.isolated_endpoints)
	m2 := data.fargate_preflight.lib.paths_test.with_endpoints(m, {"S3Endpoint": {"route_tables": ["PrivateRT"]}})
	count(findings(m2)) == 0
}

test_nat_is_silent if {
	count(findings(world)) == 0
}
