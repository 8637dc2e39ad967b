# Path selection tests, continued (the shared `world` and helpers are in paths_test.rego):
# the NAT gateway's own way out, judged as a task subnet's is (docs/reasoning.md §2), and
# regional NAT gateways.
package fargate_preflight.lib.paths_test

import rego.v1

# --- the NAT gateway's subnet ----------------------------------------------------------------

# The NAT gateway's subnet's routes are judged as a task subnet's are (docs/reasoning.md §2).
with_public_routes(model, routes) := with_route_tables(model, {"PublicRT": {"routes": array.concat([local_route], routes)}})

private_nat(model) := object.union(model, {"nat_gateways": {"NatGatewayA": {"connectivity": "private"}}})

scope_entries(model) := {e.need: [e.hop.to, e.source.line] | some e in data.fargate_preflight.lib.paths.out_of_scope with input as model}

test_nat_subnet_default_route_beyond_the_inputs_is_out_of_scope if {
	every c in [
		["tgw", "tgw-0abc", "tgw tgw-0abc (transit gateway)"],
		["vgw", "Vgw", "vgw Vgw (virtual private gateway)"],
		["pcx", "pcx-0abc", "pcx pcx-0abc (VPC peering connection)"],
		["eni", "eni-0abc", "eni eni-0abc (network interface)"],
		["vpce", "vpce-0abc", "vpce vpce-0abc (gateway load balancer endpoint)"],
	] {
		every m in [world, private_nat(world)] {
			leaves_scope_from_nat_subnet(with_public_routes(m, [route("0.0.0.0/0", c[0], c[1], 21)]), c[2])
		}
	}
}

leaves_scope_from_nat_subnet(n, shown) if {
	count(reasons(n)) == 0
	count(data.fargate_preflight.lib.paths.selected) == 0 with input as n
	verdicts_of(n) == {need: ["PrivateSubnetA", sprintf("nat NatGatewayA -> %s (out of scope)", [shown]), "out-of-scope"] | some need in ecr_and_logs}
	scope_entries(n) == {need: [sprintf("0.0.0.0/0 -> nat NatGatewayA -> %s", [shown]), 21] | some need in ecr_and_logs}
}

test_nat_subnet_firewall_endpoint_not_settled_is_out_of_scope if {
	n := with_public_routes(world, [route("0.0.0.0/0", "vpce", unknown("Fn::GetAtt Firewall.EndpointIds", 9), 21)])
	count(reasons(n)) == 0
	verdicts_of(n)["ecr.dkr"] == ["PrivateSubnetA", "nat NatGatewayA -> vpce <Fn::GetAtt Firewall.EndpointIds> (gateway load balancer endpoint) (out of scope)", "out-of-scope"]
}

test_nat_subnet_default_route_of_unsettled_type_is_undecided if {
	n := with_public_routes(world, [route("0.0.0.0/0", unknown("Fn::ImportValue net:Gateway", 9), "gw", 21)])
	count(reasons(n)) == 0
	undecided_refs(n) == {["Fn::ImportValue net:Gateway", "Service"]}
}

test_private_nat_whose_subnet_routes_to_the_internet_gateway_is_fg203 if {
	m := private_nat(world)
	reasons(m) == {[n, "PrivateSubnetA", "FG203"] | some n in ecr_and_logs}
	some e in data.fargate_preflight.lib.paths.no_path with input as m
	e.need == "logs"
	e.hop.detail == "NAT gateway NatGatewayA has private connectivity, and route table PublicRT of its subnet PublicSubnetA sends 0.0.0.0/0 to igw InternetGateway, which drops a private NAT gateway's traffic"
}

test_private_nat_without_a_default_route_is_fg203 if {
	m := with_public_routes(private_nat(world), [])
	reasons(m) == {[n, "PrivateSubnetA", "FG203"] | some n in ecr_and_logs}
	some e in data.fargate_preflight.lib.paths.no_path with input as m
	e.need == "logs"
	e.hop.detail == "NAT gateway NatGatewayA is in subnet PublicSubnetA whose route table PublicRT has no default route, not a default route to an internet gateway"
}

# 0.0.0.0/1 and 128.0.0.0/1 to the internet gateway, or half the addresses to a VPN beside
# 0.0.0.0/0 -> igw: which route an AWS service's address takes is not in the inputs.
test_nat_subnet_narrower_public_routes_are_undecided if {
	every routes in [
		[route("0.0.0.0/1", "igw", "InternetGateway", 21), route("128.0.0.0/1", "igw", "InternetGateway", 22)],
		[route("0.0.0.0/0", "igw", "InternetGateway", 21), route("0.0.0.0/1", "vgw", "Vgw", 22)],
	] {
		m := with_public_routes(world, routes)
		count(reasons(m)) == 0
		undecided_refs(m) == {["route 0.0.0.0/1 of route table PublicRT", "Service"]}
		{u.unknown.fix | some u in data.fargate_preflight.lib.paths.undecided with input as m} == {"Send 0.0.0.0/0 and 0.0.0.0/1 of route table PublicRT to the same target, or check by hand which route the AWS services' addresses take."}
	}
}

test_nat_subnet_routes_to_private_ranges_do_not_matter if {
	m := with_public_routes(world, [route("0.0.0.0/0", "igw", "InternetGateway", 21), route("10.0.0.0/8", "tgw", "tgw-0abc", 22)])
	verdicts_of(m) == {n: ["PrivateSubnetA", nat_path, "ok"] | some n in ecr_and_logs}
}

test_nat_behind_another_nat_is_undecided if {
	other := {"id": "NatGatewayB", "name": "NatGatewayB", "subnet": "PublicSubnetA", "connectivity": "public", "state": "available", "source": src(32)}
	m := object.union(
		with_public_routes(world, [route("0.0.0.0/0", "nat", "NatGatewayB", 21)]),
		{"nat_gateways": {"NatGatewayB": other}},
	)
	count(reasons(m)) == 0
	undecided_refs(m) == {["route 0.0.0.0/0 of route table PublicRT", "Service"]}
}

# --- regional NAT gateways: no subnet, the VPC's internet gateway ---------------------------

regional := object.union(world, {"nat_gateways": {"NatGatewayA": {"subnet": null, "availability_mode": "regional"}}})

test_regional_nat_reaches_the_vpcs_internet_gateway if {
	verdicts_of(regional) == {n: ["PrivateSubnetA", "nat NatGatewayA (regional) -> igw InternetGateway", "ok"] | some n in ecr_and_logs}
	selected_of(regional).logs.nat_gateway == "NatGatewayA"
	selected_of(regional).logs.hop.to == "0.0.0.0/0 -> nat NatGatewayA (regional) -> igw InternetGateway"
}

test_regional_nat_without_an_internet_gateway_in_the_inputs_is_undecided if {
	every igw in [null, {"vpc": "OtherVpc"}, {"vpc": null}, {"egress_only": true}] {
		m := regional_with_igw(igw)
		count(reasons(m)) == 0
		undecided_refs(m) == {["internet gateway of VPC Vpc", "Service"]}
		{u.unknown.source | some u in data.fargate_preflight.lib.paths.undecided with input as m} == {src(30)}
	}
}

# A VPC known only by an unsettled value: the gateway attached to it is the route table's when
# both name it by the same reference (vpc_key, as for a route to the gateway; before, the two
# unknowns differed by where they are written and the verdict was FG801), not otherwise.
test_regional_nat_in_a_vpc_given_by_the_same_unknown_reaches_its_internet_gateway if {
	m := regional_with_igw({"vpc": unknown("Fn::ImportValue net:VpcId", 6)})
	same := object.union(m, {"route_tables": {"PrivateRT": {"vpc": unknown("Fn::ImportValue net:VpcId", 22)}}})
	verdicts_of(same) == {n: ["PrivateSubnetA", "nat NatGatewayA (regional) -> igw InternetGateway", "ok"] | some n in ecr_and_logs}
	other := object.union(m, {"route_tables": {"PrivateRT": {"vpc": unknown("Fn::ImportValue net:OtherVpcId", 22)}}})
	count(reasons(other)) == 0
	undecided_refs(other) == {["internet gateway of VPC <Fn::ImportValue net:OtherVpcId>", "Service"]}
	undecided_refs(m) == {["internet gateway of VPC Vpc", "Service"]}
}

# regional_with_igw is `regional` without the internet gateway (null) or with it patched.
regional_with_igw(null) := json.remove(regional, ["internet_gateways/InternetGateway"])

regional_with_igw(patch) := object.union(regional, {"internet_gateways": {"InternetGateway": patch}}) if patch != null

test_regional_nat_with_private_connectivity_is_fg203 if {
	m := private_nat(regional)
	reasons(m) == {[n, "PrivateSubnetA", "FG203"] | some n in ecr_and_logs}
}

test_regional_nat_mode_not_settled_is_undecided if {
	m := object.union(world, {"nat_gateways": {"NatGatewayA": {"availability_mode": unknown("Parameter NatMode", 6)}}})
	count(reasons(m)) == 0
	undecided_refs(m) == {["Parameter NatMode", "Service"]}
}
