package fargate_preflight.rules.fg203_test

import rego.v1

world := data.fargate_preflight.lib.paths_test.world

findings(model) := fs if {
	fs := data.fargate_preflight.rules.fg203.deny with input as model
}

with_nat(fields) := object.union(world, {"nat_gateways": {"NatGatewayA": fields}})

all_needs := {"ecr.api", "ecr.dkr", "s3", "logs"}

test_nat_in_private_subnet if {
	fs := findings(with_nat({"subnet": "PrivateSubnetB"}))
	{f.need | some f in fs} == all_needs
	some f in fs
	f.need == "s3"
	f == {
		"resource": "PrivateRT",
		"service": "Service",
		"need": "s3",
		"message": "service Service cannot reach s3: task subnet PrivateSubnetA -> route table PrivateRT: 0.0.0.0/0 -> nat NatGatewayA, but NAT gateway NatGatewayA is in subnet PrivateSubnetB whose route table PrivateRT has 0.0.0.0/0 -> nat NatGatewayA, not a default route to an internet gateway",
		"fix": "Point the 0.0.0.0/0 route of route table PrivateRT at a public, available NAT gateway in a subnet whose default route is an internet gateway.",
		"hop": {
			"from": "subnet PrivateSubnetA", "via": "route table PrivateRT", "to": "0.0.0.0/0 -> nat NatGatewayA",
			"detail": "NAT gateway NatGatewayA is in subnet PrivateSubnetB whose route table PrivateRT has 0.0.0.0/0 -> nat NatGatewayA, not a default route to an internet gateway",
		},
		"location": {"file": "stack.yaml", "line": 23},
		"level": null,
	}
}

test_nat_in_isolated_subnet if {
	some f in findings(with_nat({"subnet": "IsolatedSubnetA"}))
	f.need == "logs"
	f.message == "service Service cannot reach logs: task subnet PrivateSubnetA -> route table PrivateRT: 0.0.0.0/0 -> nat NatGatewayA, but NAT gateway NatGatewayA is in subnet IsolatedSubnetA whose route table IsolatedRT has no default route, not a default route to an internet gateway"
}

test_deleted_nat if {
	some f in findings(with_nat({"state": "deleted"}))
	f.need == "ecr.api"
	f.hop.detail == "NAT gateway NatGatewayA is deleted"
}

test_failed_nat if {
	{f.need | some f in findings(with_nat({"state": "failed"}))} == all_needs
}

test_private_nat if {
	some f in findings(with_nat({"connectivity": "private"}))
	f.need == "ecr.api"
	f.hop.detail == "NAT gateway NatGatewayA has private connectivity, and route table PublicRT of its subnet PublicSubnetA sends 0.0.0.0/0 to igw InternetGateway, which drops a private NAT gateway's traffic"
}

test_blackhole_route if {
	blackhole := object.union(data.fargate_preflight.lib.paths_test.route("0.0.0.0/0", "nat", "NatGatewayA", 23), {"state": "blackhole"})
	m := data.fargate_preflight.lib.paths_test.with_route_tables(world, {"PrivateRT": {"routes": [data.fargate_preflight.lib.paths_test.local_route, blackhole]}})
	some f in findings(m)
	f.need == "ecr.dkr"
	f.message == "service Service cannot reach ecr.dkr: task subnet PrivateSubnetA -> route table PrivateRT: 0.0.0.0/0 -> nat NatGatewayA, but the route is a blackhole (its target no longer exists)"
}

test_working_nat_is_silent if {
	count(findings(world)) == 0
}

test_pending_state_unknown_is_silent if {
	u := data.fargate_preflight.lib.paths_test.unknown("Parameter NatState", 8)
	count(findings(with_nat({"state": u}))) == 0
}

test_broken_nat_with_endpoints_is_silent_for_those_needs if {
	m := object.union(with_nat({"subnet": "PrivateSubnetB"}), {"vpc_endpoints": {"S3Endpoint": data.fargate_preflight.lib.paths_test.gateway_endpoint("S3Endpoint", "s3", ["PrivateRT"], 73)}})
	{f.need | some f in findings(m)} == {"ecr.api", "ecr.dkr", "logs"}
}

# An internet gateway attached to another VPC: the route carries nothing, and the fix is the
# gateway's, not a NAT gateway's.
test_igw_of_another_vpc_with_public_ip if {
	m := object.union(
		data.fargate_preflight.lib.paths_test.public_ip(data.fargate_preflight.lib.paths_test.in_subnets(world, ["PublicSubnetA"])),
		data.fargate_preflight.lib.paths_test.other_vpc_igw,
	)
	some f in findings(m)
	f.need == "ecr.api"
	f.resource == "PublicRT"
	f.location == {"file": "stack.yaml", "line": 21}
	f.message == concat("", [
		"service Service cannot reach ecr.api: task subnet PublicSubnetA -> route table PublicRT: 0.0.0.0/0 -> igw InternetGateway, but ",
		data.fargate_preflight.lib.paths_test.igw_elsewhere_detail,
	])
	f.fix == data.fargate_preflight.lib.paths_test.igw_elsewhere_fix
}

# One subnet behind a NAT gateway in a private subnet, one whose gateway is another VPC's: both fixes.
test_fix_names_each_broken_route if {
	base := data.fargate_preflight.lib.paths_test.in_subnets(world, ["PrivateSubnetA", "PublicSubnetA"])
	m := object.union(data.fargate_preflight.lib.paths_test.public_ip(base), {
		"internet_gateways": {"InternetGateway": {"vpc": "OtherVpc"}},
		"nat_gateways": {"NatGatewayA": {"subnet": "PrivateSubnetB"}},
	})
	some f in findings(m)
	f.need == "logs"
	f.fix == concat(" ", [
		"Point the 0.0.0.0/0 route of route table PrivateRT at a public, available NAT gateway in a subnet whose default route is an internet gateway.",
		data.fargate_preflight.lib.paths_test.igw_elsewhere_fix,
	])
}
