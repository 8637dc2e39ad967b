# Path selection tests, continued (the shared `world` and helpers are in paths_test.rego):
# step 3 through an internet gateway, which must be attached to the route table's VPC.
package fargate_preflight.lib.paths_test

import rego.v1

# An internet gateway carries traffic only for the VPC it is attached to: AWS refuses a route
# to one of another VPC ("belong to different networks"), and a detached one is a blackhole.
other_vpc_igw := {"internet_gateways": {"InternetGateway": {"vpc": "OtherVpc"}}}

unattached_igw := {"internet_gateways": {"InternetGateway": {"vpc": null}}}

igw_elsewhere_detail := "internet gateway InternetGateway is attached to VPC OtherVpc, not to VPC Vpc of the subnet and its route table, so the route carries nothing"

igw_elsewhere_fix := "Point the 0.0.0.0/0 route of route table PublicRT at an internet gateway attached to VPC Vpc, or attach InternetGateway to VPC Vpc instead of VPC OtherVpc."

test_public_ip_behind_an_igw_of_another_vpc_is_fg203 if {
	m := object.union(public_ip(in_subnets(world, ["PublicSubnetA"])), other_vpc_igw)
	reasons(m) == {[n, "PublicSubnetA", "FG203"] | some n in ecr_and_logs}
	some e in data.fargate_preflight.lib.paths.no_path with input as m
	e.need == "ecr.dkr"
	e.text == concat("", ["route table PublicRT: 0.0.0.0/0 -> igw InternetGateway, but ", igw_elsewhere_detail])
	e.fix == igw_elsewhere_fix
	e.route.source == src(21)
}

# FG201 comes first (AWS's order, docs/reasoning.md §2), and says the gateway is the other VPC's.
test_no_public_ip_behind_an_igw_of_another_vpc_is_fg201_naming_both if {
	m := object.union(in_subnets(world, ["PublicSubnetA"]), other_vpc_igw)
	reasons(m) == {[n, "PublicSubnetA", "FG201"] | some n in ecr_and_logs}
	some e in data.fargate_preflight.lib.paths.no_path with input as m
	e.hop.detail == concat("", ["assignPublicIp is DISABLED, and ", igw_elsewhere_detail])
	e.fix == igw_elsewhere_fix
}

test_public_ip_behind_an_unattached_igw_is_undecided if {
	m := object.union(public_ip(in_subnets(world, ["PublicSubnetA"])), unattached_igw)
	count(reasons(m)) == 0
	undecided_refs(m) == {["attachment of internet gateway InternetGateway", "Service"]}
	some u in data.fargate_preflight.lib.paths.undecided with input as m
	u.unknown.source == src(31)
	u.unknown.fix == "Scan the template or configuration that attaches internet gateway InternetGateway to VPC Vpc (an AWS::EC2::VPCGatewayAttachment, an aws_internet_gateway_attachment or aws_internet_gateway's vpc_id) with this one, or add that attachment."
}

# Without a public IP there is no path wherever the gateway is attached.
test_no_public_ip_behind_an_unattached_igw_is_fg201 if {
	m := object.union(in_subnets(world, ["PublicSubnetA"]), unattached_igw)
	reasons(m) == {[n, "PublicSubnetA", "FG201"] | some n in ecr_and_logs}
	some e in data.fargate_preflight.lib.paths.no_path with input as m
	e.hop.detail == "assignPublicIp is DISABLED"
}

test_igw_attached_to_an_unknown_vpc_is_undecided_unless_the_same_unknown if {
	vpc := unknown("Fn::ImportValue net:VpcId", 6)
	m := object.union(public_ip(in_subnets(world, ["PublicSubnetA"])), {"internet_gateways": {"InternetGateway": {"vpc": vpc}}})
	count(reasons(m)) == 0
	undecided_refs(m) == {["Fn::ImportValue net:VpcId", "Service"]}
	same := object.union(m, {"route_tables": {"PublicRT": {"vpc": vpc}}})
	verdicts_of(same)["ecr.dkr"] == ["PublicSubnetA", "igw InternetGateway (public IP)", "ok"]
}

# A gateway not in the inputs (a literal id): AWS took the route, so it is this VPC's.
test_igw_not_in_inputs_counts_as_attached if {
	m := with_route_tables(public_ip(in_subnets(world, ["PublicSubnetA"])), {"PublicRT": {"routes": [local_route, route("0.0.0.0/0", "igw", "igw-0abc", 21)]}})
	verdicts_of(m)["ecr.dkr"] == ["PublicSubnetA", "igw igw-0abc (public IP)", "ok"]
}

test_nat_whose_igw_is_attached_to_another_vpc_is_fg203 if {
	m := object.union(world, other_vpc_igw)
	reasons(m) == {[n, "PrivateSubnetA", "FG203"] | some n in ecr_and_logs}
	some e in data.fargate_preflight.lib.paths.no_path with input as m
	e.need == "logs"
	e.hop.detail == concat("", [
		"NAT gateway NatGatewayA is in subnet PublicSubnetA whose route table PublicRT has ",
		"0.0.0.0/0 -> igw InternetGateway, and ", igw_elsewhere_detail,
	])
	e.fix == igw_elsewhere_fix
}

test_nat_whose_igw_is_not_attached_is_undecided if {
	m := object.union(world, unattached_igw)
	count(reasons(m)) == 0
	undecided_refs(m) == {["attachment of internet gateway InternetGateway", "Service"]}
}
