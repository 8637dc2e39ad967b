package fargate_preflight.rules.fg705_test

import rego.v1

svc_src := {"file": "service.json", "line": 2, "pointer": ""}

src(line) := {"file": "network.yaml", "line": line, "pointer": ""}

svc(name, subnets, security_groups, fields) := object.union(
	{
		"id": name, "name": name, "kind": "service", "source": svc_src, "cluster": null,
		"task_definition": "App", "launch_type": "FARGATE", "capacity_provider_strategy": null,
		"network": {"subnets": subnets, "security_groups": security_groups, "assign_public_ip": "DISABLED"},
	},
	fields,
)

network := {
	"vpcs": {
		"VpcA": {"id": "VpcA", "name": "VpcA", "source": src(1)},
		"VpcB": {"id": "VpcB", "name": "VpcB", "source": src(2)},
	},
	"subnets": {
		"SubnetA1": {"id": "SubnetA1", "name": "SubnetA1", "vpc": "VpcA", "source": src(10)},
		"SubnetA2": {"id": "SubnetA2", "name": "SubnetA2", "vpc": "VpcA", "source": src(11)},
		"SubnetB1": {"id": "SubnetB1", "name": "SubnetB1", "vpc": "VpcB", "source": src(12)},
		"SubnetX1": {"id": "SubnetX1", "name": "SubnetX1", "vpc": "vpc-0aaa1111", "source": src(13)},
		"SubnetX2": {"id": "SubnetX2", "name": "SubnetX2", "vpc": "vpc-0aaa1111", "source": src(14)},
		"SubnetS1": {"id": "SubnetS1", "name": "SubnetS1", "vpc": "SharedVpc", "source": src(16)},
		"SubnetS2": {"id": "SubnetS2", "name": "SubnetS2", "vpc": "SharedVpc", "source": src(17)},
		"SubnetU": {"id": "SubnetU", "name": "SubnetU", "vpc": unknown_vpc, "source": src(15)},
	},
	"security_groups": {
		"SgA": {"id": "SgA", "name": "SgA", "vpc": "VpcA", "source": src(20)},
		"SgB": {"id": "SgB", "name": "SgB", "vpc": "VpcB", "source": src(21)},
		"SgY": {"id": "SgY", "name": "SgY", "vpc": "vpc-0bbb2222", "source": src(22)},
	},
	"clusters": {},
}

unknown_vpc := {"unknown": "parameter VpcId has no value", "ref": "Parameter VpcId", "source": src(30)}

unknown_subnets := {"unknown": "parameter Subnets has no value", "ref": "Parameter Subnets", "source": src(31)}

deny_for(service) := result if {
	result := data.fargate_preflight.rules.fg705.deny with input as object.union(network, {"services": {service.id: service}})
}

undecided_for(service) := result if {
	result := data.fargate_preflight.rules.fg705.undecided with input as object.union(network, {"services": {service.id: service}})
}

test_fires_for_a_security_group_of_another_vpc if {
	deny_for(svc("Web", ["SubnetA1", "SubnetA2"], ["SgB"], {})) == {{
		"resource": "Web",
		"service": "Web",
		"need": null,
		"message": "service Web: its subnets and security groups are not all in one VPC (security group SgB in VPC VpcB, subnet SubnetA1 in VPC VpcA, subnet SubnetA2 in VPC VpcA)",
		"fix": "Use subnets and security groups of one VPC in the network configuration.",
		"hop": null,
		"location": {"file": "service.json", "line": 2},
		"level": null,
	}}
}

test_fires_for_subnets_of_two_vpcs if {
	{f.message | some f in deny_for(svc("Job", ["SubnetA1", "SubnetB1"], [], {"kind": "task"}))} == {"task Job: its subnets and security groups are not all in one VPC (subnet SubnetA1 in VPC VpcA, subnet SubnetB1 in VPC VpcB)"}
}

test_fires_for_two_aws_vpc_ids_outside_the_inputs if {
	{f.message | some f in deny_for(svc("Web", ["SubnetX1"], ["SgY"], {}))} == {"service Web: its subnets and security groups are not all in one VPC (security group SgY in VPC vpc-0bbb2222, subnet SubnetX1 in VPC vpc-0aaa1111)"}
}

test_silent_when_all_in_one_vpc if {
	service := svc("Web", ["SubnetA1", "SubnetA2"], ["SgA"], {})
	count(deny_for(service)) == 0
	count(undecided_for(service)) == 0
}

test_silent_for_one_aws_vpc_id_outside_the_inputs if {
	service := svc("Web", ["SubnetX1", "SubnetX2"], [], {})
	count(deny_for(service)) == 0
	count(undecided_for(service)) == 0
}

test_silent_for_a_single_subnet if {
	service := svc("Web", ["SubnetA1"], [], {})
	count(deny_for(service)) == 0
	count(undecided_for(service)) == 0
	count(undecided_for(svc("Web", ["subnet-0123"], [], {}))) == 0
	count(undecided_for(svc("Web", ["SubnetU"], [], {}))) == 0
}

test_silent_for_one_vpc_reference_outside_the_inputs if {
	service := svc("Web", ["SubnetS1", "SubnetS2"], [], {})
	count(deny_for(service)) == 0
	count(undecided_for(service)) == 0
}

test_silent_when_not_launched_on_fargate if {
	service := svc("Web", ["SubnetA1"], ["SgB"], {"launch_type": "EC2"})
	count(deny_for(service)) == 0
	count(undecided_for(svc("Web", ["subnet-1"], ["sg-1"], {"launch_type": "EC2"}))) == 0
}

test_silent_without_network if {
	count(deny_for(svc("Web", [], [], {"network": null}))) == 0
}

test_ids_outside_the_inputs_are_undecided if {
	service := svc("Web", ["subnet-085a02b9ae9f3e86e"], ["SgA"], {})
	count(deny_for(service)) == 0
	undecided_for(service) == {{
		"unknown": {
			"unknown": "subnet subnet-085a02b9ae9f3e86e is not in the scanned inputs",
			"ref": "subnet subnet-085a02b9ae9f3e86e",
			"source": svc_src,
		},
		"service": "Web",
		"rules": ["FG705"],
	}}
}

test_unknown_vpc_is_undecided if {
	service := svc("Web", ["SubnetU"], ["SgA"], {})
	count(deny_for(service)) == 0
	undecided_for(service) == {{"unknown": unknown_vpc, "service": "Web", "rules": ["FG705"]}}
}

test_vpc_outside_the_inputs_against_one_inside_is_undecided if {
	service := svc("Web", ["SubnetX1"], ["SgA"], {})
	count(deny_for(service)) == 0
	{u.unknown.ref | some u in undecided_for(service)} == {"VPC vpc-0aaa1111"}
}

test_subnet_list_from_a_parameter_is_undecided if {
	service := svc("Web", unknown_subnets, [], {})
	count(deny_for(service)) == 0
	undecided_for(service) == {{"unknown": unknown_subnets, "service": "Web", "rules": ["FG705"]}}
}

test_a_settled_conflict_is_not_undecided if {
	service := svc("Web", ["SubnetA1", "SubnetU", "subnet-1"], ["SgB"], {})
	count(deny_for(service)) == 1
	count(undecided_for(service)) == 0
}
