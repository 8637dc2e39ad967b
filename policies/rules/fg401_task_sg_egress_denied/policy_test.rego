package fargate_preflight.rules.fg401_test

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
	result := data.fargate_preflight.rules.fg401.deny with input as w with data.fargate_preflight.lib.paths.selected as p
}

undecided_for(changes, paths) := result if {
	w := object.union(base, changes)

	# regal ignore:pointless-reassignment
	p := paths
	result := data.fargate_preflight.rules.fg401.undecided with input as w with data.fargate_preflight.lib.paths.selected as p
}

# refs: the unsettled values a rule reported, without their text.
refs(undecided) := {[u.unknown.ref, u.service, u.rules] | some u in undecided}

db_only := {"security_groups": {"TaskSg": {"egress": [sg_rule("6", [5432, 5432], {"cidr": "10.0.0.0/16"}, 52)]}}}

test_fires_when_no_egress_rule_reaches_the_internet if {
	deny_for(db_only, [internet_path]) == {{
		"resource": "TaskSg",
		"service": "Service",
		"need": "ecr.dkr",
		"message": "service Service cannot reach ecr.dkr: security group TaskSg allows no outbound TCP 443 to 0.0.0.0/0",
		"fix": "Add an egress rule to security group TaskSg that allows TCP 443 to 0.0.0.0/0.",
		"hop": {
			"from": "subnet PrivateA",
			"via": "security group TaskSg",
			"to": "0.0.0.0/0",
			"detail": "no egress rule allows TCP 443",
		},
		"location": {"file": "network.yaml", "line": 50},
		"level": null,
	}}
}

test_fires_for_interface_gateway_and_efs_paths if {
	findings := deny_for(db_only, [interface_path, gateway_path, efs_path])
	{[f.need, f.message, f.fix] | some f in findings} == {
		[
			"logs",
			"service Service cannot reach logs: security group TaskSg allows no outbound TCP 443 to security group EndpointSg or subnet EndpointA (10.0.3.0/24)",
			"Add an egress rule to security group TaskSg that allows TCP 443 to security group EndpointSg.",
		],
		[
			"s3",
			"service Service cannot reach s3: security group TaskSg allows no outbound TCP 443 to prefix list pl-s3 or 0.0.0.0/0",
			"Add an egress rule to security group TaskSg that allows TCP 443 to prefix list pl-s3 or 0.0.0.0/0.",
		],
		[
			"efs:Files",
			"service Service cannot reach efs:Files: security group TaskSg allows no outbound TCP 2049 to security group EfsSg or subnet EndpointA (10.0.3.0/24)",
			"Add an egress rule to security group TaskSg that allows TCP 2049 to security group EfsSg.",
		],
	}
}

test_fires_when_the_egress_covers_only_one_endpoint_subnet if {
	changes := {"security_groups": {"TaskSg": {"egress": [sg_rule("6", [443, 443], {"cidr": "10.0.3.0/24"}, 52)]}}}
	p := object.union(interface_path, {"destinations": [{"subnet": "EndpointA", "cidr": "10.0.3.0/24"}, {"subnet": "PublicA", "cidr": "10.0.0.0/24"}]})
	[f.message | some f in deny_for(changes, [p])] == ["service Service cannot reach logs: security group TaskSg allows no outbound TCP 443 to security group EndpointSg or subnet PublicA (10.0.0.0/24)"]
}

test_silent_when_egress_names_the_endpoint_group_or_covers_its_subnet if {
	by_group := {"security_groups": {"TaskSg": {"egress": [sg_rule("6", [443, 443], {"security_group": "EndpointSg"}, 52)]}}}
	deny_for(by_group, [interface_path]) == set()
	by_cidr := {"security_groups": {"TaskSg": {"egress": [sg_rule("6", [0, 65535], {"cidr": "10.0.0.0/16"}, 52)]}}}
	deny_for(by_cidr, [interface_path]) == set()
}

test_silent_when_egress_names_the_prefix_list if {
	changes := {"security_groups": {"TaskSg": {"egress": [sg_rule("6", [443, 443], {"prefix_list": "pl-s3"}, 52)]}}}
	deny_for(changes, [gateway_path]) == set()
	undecided_for(changes, [gateway_path]) == set()
	count(deny_for(changes, [internet_path])) == 1
}

test_silent_with_the_default_egress_rule if {
	deny_for({}, [internet_path, interface_path, gateway_path, efs_path]) == set()
	undecided_for({}, [internet_path, interface_path, gateway_path, efs_path]) == set()
}

test_uses_the_vpc_default_group_when_the_service_names_none if {
	no_groups := {"services": {"Svc": {"network": {"security_groups": []}}}}
	deny_for(no_groups, [internet_path]) == set()
	locked := object.union(no_groups, {"security_groups": {"Vpc/default-sg": {"egress": []}}})
	[[f.resource, f.message] | some f in deny_for(locked, [internet_path])] == [[
		"Vpc/default-sg",
		"service Service cannot reach ecr.dkr: security group Vpc/default-sg allows no outbound TCP 443 to 0.0.0.0/0",
	]]
}

test_a_private_cidr_never_reaches_the_internet if {
	changes := {"security_groups": {"TaskSg": {"egress": [sg_rule("-1", [null, null], {"cidr": "10.0.0.0/8"}, 52)]}}}
	count(deny_for(changes, [internet_path])) == 1
	undecided_for(changes, [internet_path]) == set()
}

test_undecided_when_a_narrower_public_cidr_decides if {
	changes := {"security_groups": {"TaskSg": {"egress": [sg_rule("6", [443, 443], {"cidr": "52.94.0.0/16"}, 52)]}}}
	deny_for(changes, [internet_path]) == set()
	refs(undecided_for(changes, [internet_path])) == {["security group TaskSg egress rule 52.94.0.0/16", "Service", ["FG401"]]}
}

# A CloudFormation gateway endpoint does not name its prefix list, and an AWS-managed list's
# ID (S3's pl-63a5400a in us-east-1) is not in the inputs: whose addresses it holds is not
# settled, and the entry names the path (the text report's row) and how to settle it.
test_undecided_when_egress_names_a_prefix_list_not_in_the_inputs if {
	changes := {"security_groups": {"TaskSg": {"egress": [sg_rule("6", [443, 443], {"prefix_list": "pl-63a5400a"}, 52)]}}}
	cfn_gateway := path("gateway", {"need": "s3", "endpoint": "S3Endpoint", "prefix_list": null})
	deny_for(changes, [cfn_gateway]) == set()
	[entry] := [u | some u in undecided_for(changes, [cfn_gateway])]
	entry.unknown.ref == "prefix list pl-63a5400a"
	entry.unknown.source == src(52)
	entry.path == {"need": "s3", "subnet": "PrivateA"}
	contains(entry.unknown.unknown, "its ID does not say whose addresses it holds")
	startswith(entry.unknown.fix, "Make sure pl-63a5400a is the destination's list")
	contains(entry.unknown.fix, "scan-aws")
	contains(entry.unknown.fix, "allow the traffic to 0.0.0.0/0 instead")
}

test_undecided_when_a_task_group_is_not_in_the_inputs if {
	changes := {"services": {"Svc": {"network": {"security_groups": ["sg-0123"]}}}}
	deny_for(changes, [internet_path]) == set()
	refs(undecided_for(changes, [internet_path])) == {["security group sg-0123", "Service", ["FG401"]]}
}
