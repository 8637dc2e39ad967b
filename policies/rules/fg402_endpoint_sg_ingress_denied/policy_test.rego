package fargate_preflight.rules.fg402_test

import rego.v1

# A VPC with private task subnets, an endpoint subnet and a public NAT subnet, every NACL and
# group open; each case changes one thing (object.union merges `changes` into it).

src(line) := {"file": "network.yaml", "line": line, "pointer": ""}

unknown_cidr := {"unknown": "parameter ProbeCidr has no value", "ref": "Parameter ProbeCidr", "source": src(900)}

entry(n, egress, action, cidr, protocol, ports) := {
	"rule_number": n, "egress": egress, "protocol": protocol, "action": action,
	"cidr": cidr, "ipv6_cidr": null, "from_port": ports[0], "to_port": ports[1], "source": src(n),
}

all_traffic(n, egress, action, cidr) := entry(n, egress, action, cidr, "-1", [null, null])

open_entries := [all_traffic(100, false, "allow", "0.0.0.0/0"), all_traffic(100, true, "allow", "0.0.0.0/0")]

nacl(name, line) := {"id": name, "name": name, "vpc": "Vpc", "is_default": false, "source": src(line), "entries": open_entries}

sg_rule(protocol, ports, peer, line) := object.union(
	{
		"protocol": protocol, "from_port": ports[0], "to_port": ports[1], "cidr": null,
		"ipv6_cidr": null, "security_group": null, "prefix_list": null, "source": src(line),
	},
	peer,
)

group(id, line, egress, ingress) := {"id": id, "name": id, "vpc": "Vpc", "source": src(line), "egress": egress, "ingress": ingress}

subnet(id, cidr, nacl_id, line) := {"id": id, "name": id, "vpc": "Vpc", "cidr": cidr, "route_table": "Rt", "nacl": nacl_id, "source": src(line)}

base := {
	"services": {"Svc": {
		"id": "Svc", "name": "Service", "kind": "service", "source": src(1),
		"cluster": null, "task_definition": "Td", "launch_type": "FARGATE",
		"capacity_provider_strategy": null, "platform_version": null, "enable_execute_command": false,
		"network": {"subnets": ["PrivateA"], "security_groups": ["TaskSg"], "assign_public_ip": "DISABLED"},
	}},
	"task_definitions": {"Td": {"id": "Td", "name": "Td", "source": src(2), "os_family": "LINUX"}},
	"vpcs": {"Vpc": {
		"id": "Vpc", "name": "Vpc", "source": src(3), "cidr_blocks": ["10.0.0.0/16"],
		"default_security_group": "Vpc/default-sg", "default_nacl": "Vpc/default-nacl",
	}},
	"subnets": {
		"PrivateA": subnet("PrivateA", "10.0.1.0/24", "PrivateNacl", 10),
		"PrivateB": subnet("PrivateB", "10.0.2.0/24", "PrivateNacl", 11),
		"EndpointA": subnet("EndpointA", "10.0.3.0/24", "EndpointNacl", 12),
		"PublicA": subnet("PublicA", "10.0.0.0/24", "PublicNacl", 13),
	},
	"nacls": {
		"PrivateNacl": nacl("PrivateNacl", 20),
		"EndpointNacl": nacl("EndpointNacl", 21),
		"PublicNacl": nacl("PublicNacl", 22),
	},
	"nat_gateways": {"Nat": {"id": "Nat", "name": "Nat", "source": src(30), "subnet": "PublicA", "connectivity": "public", "state": "available"}},
	"vpc_endpoints": {"LogsEndpoint": {"id": "LogsEndpoint", "name": "LogsEndpoint", "source": src(40), "type": "Interface"}},
	"security_groups": {
		"TaskSg": group("TaskSg", 50, [sg_rule("-1", [null, null], {"cidr": "0.0.0.0/0"}, 51)], []),
		"EndpointSg": group("EndpointSg", 55, [], [sg_rule("6", [443, 443], {"security_group": "TaskSg"}, 56)]),
		"EfsSg": group("EfsSg", 60, [], [sg_rule("6", [2049, 2049], {"security_group": "TaskSg"}, 61)]),
		"Vpc/default-sg": group(
			"Vpc/default-sg", 65,
			[sg_rule("-1", [null, null], {"cidr": "0.0.0.0/0"}, 66)],
			[sg_rule("-1", [null, null], {"security_group": "Vpc/default-sg"}, 67)],
		),
	},
	"prefix_lists": {"pl-s3": {"id": "pl-s3", "name": "pl-s3", "service": "s3", "region": "eu-west-1", "cidrs": null, "source": src(70)}},
}

path(kind, fields) := object.union(
	{
		"service": "Svc", "need": "logs", "port": 443, "subnet": "PrivateA", "kind": kind,
		"endpoint": null, "nat_gateway": null,
		"destinations": [{"subnet": null, "cidr": "0.0.0.0/0"}],
		"security_groups": [], "prefix_list": null,
		"hop": {"from": "subnet PrivateA", "via": "", "to": "", "detail": ""},
	},
	fields,
)

internet_path := path("internet", {"need": "ecr.dkr", "nat_gateway": "Nat"})

interface_path := path("interface", {
	"endpoint": "LogsEndpoint",
	"destinations": [{"subnet": "EndpointA", "cidr": "10.0.3.0/24"}],
	"security_groups": ["EndpointSg"],
})

gateway_path := path("gateway", {"need": "s3", "endpoint": "S3Endpoint", "prefix_list": "pl-s3"})

efs_path := path("target", {
	"need": "efs:Files", "port": 2049,
	"destinations": [{"subnet": "EndpointA", "cidr": "10.0.3.0/24"}],
	"security_groups": ["EfsSg"],
	"hop": {"from": "subnet PrivateA", "via": "local route", "to": "EFS mount targets of Files", "detail": ""},
})

# Values given to `with` are bound to locals first: regorus 0.9.1 loses an expression's value
# when a rule it uses is also referenced inside the `with` value.
deny_for(changes, paths) := result if {
	w := object.union(base, changes)

	# regal ignore:pointless-reassignment
	p := paths
	result := data.fargate_preflight.rules.fg402.deny with input as w with data.fargate_preflight.lib.paths.selected as p
}

undecided_for(changes, paths) := result if {
	w := object.union(base, changes)

	# regal ignore:pointless-reassignment
	p := paths
	result := data.fargate_preflight.rules.fg402.undecided with input as w with data.fargate_preflight.lib.paths.selected as p
}

# refs: the unsettled values a rule reported, without their text.
refs(undecided) := {[u.unknown.ref, u.service, u.rules] | some u in undecided}

from_bastion := {"security_groups": {"EndpointSg": {"ingress": [sg_rule("6", [443, 443], {"security_group": "BastionSg"}, 56)]}}}

test_fires_when_the_endpoint_group_admits_another_group if {
	deny_for(from_bastion, [interface_path]) == {{
		"resource": "EndpointSg",
		"service": "Service",
		"need": "logs",
		"message": "service Service cannot reach logs: security group EndpointSg of interface endpoint LogsEndpoint allows no inbound TCP 443 from the task (security group TaskSg or subnet PrivateA (10.0.1.0/24))",
		"fix": "Add an ingress rule to security group EndpointSg that allows TCP 443 from security group TaskSg.",
		"hop": {
			"from": "subnet PrivateA",
			"via": "security group EndpointSg",
			"to": "interface endpoint LogsEndpoint",
			"detail": "no ingress rule allows TCP 443 from the task",
		},
		"location": {"file": "network.yaml", "line": 55},
		"level": null,
	}}
}

# Field test 22 (W4, case 29): an endpoint without security groups of its own uses the VPC's
# default group; the fix was "Add an ingress rule to security group Vpc/default-sg", at the VPC.
test_fires_when_the_endpoint_has_the_vpc_default_group if {
	p := object.union(interface_path, {"security_groups": ["Vpc/default-sg"]})
	[[f.resource, f.message, f.fix, f.location, f.hop.via] | some f in deny_for({}, [p])] == [[
		"LogsEndpoint",
		"service Service cannot reach logs: interface endpoint LogsEndpoint has no security group of its own, so it uses VPC Vpc's default security group Vpc/default-sg, which allows no inbound TCP 443 from the task (security group TaskSg or subnet PrivateA (10.0.1.0/24))",
		"Give interface endpoint LogsEndpoint a security group of its own that allows TCP 443 from security group TaskSg (CloudFormation SecurityGroupIds, Terraform security_group_ids), or add that ingress rule to security group Vpc/default-sg.",
		{"file": "network.yaml", "line": 40}, # the endpoint
		"security group Vpc/default-sg",
	]]

	# with a group of its own besides the default one, the groups are named as usual
	both := object.union(interface_path, {"security_groups": ["Vpc/default-sg", "EndpointSg"]})
	[f.resource | some f in deny_for(from_bastion, [both])] == ["Vpc/default-sg"]
}

test_fires_once_naming_each_failing_task_subnet if {
	changes := object.union(from_bastion, {"services": {"Svc": {"network": {"subnets": ["PrivateA", "PrivateB"]}}}})
	paths := [interface_path, object.union(interface_path, {"subnet": "PrivateB"})]
	[f.message | some f in deny_for(changes, paths)] == ["service Service cannot reach logs: security group EndpointSg of interface endpoint LogsEndpoint allows no inbound TCP 443 from the task (security group TaskSg or subnet PrivateA (10.0.1.0/24)); security group EndpointSg of interface endpoint LogsEndpoint allows no inbound TCP 443 from the task (security group TaskSg or subnet PrivateB (10.0.2.0/24))"]
}

test_silent_when_the_endpoint_admits_the_task_group_or_its_subnet if {
	deny_for({}, [interface_path]) == set()
	by_cidr := {"security_groups": {"EndpointSg": {"ingress": [sg_rule("6", [443, 443], {"cidr": "10.0.0.0/16"}, 56)]}}}
	deny_for(by_cidr, [interface_path]) == set()
	undecided_for(by_cidr, [interface_path]) == set()
}

test_silent_when_task_and_endpoint_share_the_default_group if {
	changes := {"services": {"Svc": {"network": {"security_groups": []}}}}
	p := object.union(interface_path, {"security_groups": ["Vpc/default-sg"]})
	deny_for(changes, [p]) == set()
}

test_silent_for_paths_without_an_interface_endpoint if {
	deny_for(from_bastion, [internet_path, gateway_path, efs_path]) == set()
}

test_fires_when_the_admitted_cidr_misses_the_task_subnet if {
	changes := {"security_groups": {"EndpointSg": {"ingress": [sg_rule("6", [443, 443], {"cidr": "10.0.3.0/24"}, 56)]}}}
	count(deny_for(changes, [interface_path])) == 1
}

test_undecided_when_the_task_groups_are_a_parameter if {
	changes := {"services": {"Svc": {"network": {"security_groups": unknown_cidr}}}}
	deny_for(changes, [interface_path]) == set()
	refs(undecided_for(changes, [interface_path])) == {["Parameter ProbeCidr", "Service", ["FG402"]]}
}

test_undecided_when_the_endpoint_group_is_not_in_the_inputs if {
	p := object.union(interface_path, {"security_groups": ["sg-0e0e"]})
	deny_for({}, [p]) == set()
	refs(undecided_for({}, [p])) == {["security group sg-0e0e", "Service", ["FG402"]]}
}

test_undecided_locates_a_missing_endpoint_group_at_the_endpoint if {
	p := object.union(interface_path, {"security_groups": ["sg-0e0e"]})
	[u.unknown.source | some u in undecided_for({}, [p])] == [src(40)]
}
