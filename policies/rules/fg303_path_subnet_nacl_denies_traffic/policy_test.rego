package fargate_preflight.rules.fg303_test

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
	result := data.fargate_preflight.rules.fg303.deny with input as w with data.fargate_preflight.lib.paths.selected as p
}

undecided_for(changes, paths) := result if {
	w := object.union(base, changes)

	# regal ignore:pointless-reassignment
	p := paths
	result := data.fargate_preflight.rules.fg303.undecided with input as w with data.fargate_preflight.lib.paths.selected as p
}

# refs: the unsettled values a rule reported, without their text.
refs(undecided) := {[u.unknown.ref, u.service, u.rules] | some u in undecided}

test_fires_when_the_endpoint_subnet_admits_only_itself if {
	entries := [entry(100, false, "allow", "10.0.3.0/24", "6", [443, 443]), all_traffic(100, true, "allow", "0.0.0.0/0")]
	deny_for({"nacls": {"EndpointNacl": {"entries": entries}}}, [interface_path]) == {{
		"resource": "EndpointNacl",
		"service": "Service",
		"need": "logs",
		"message": "service Service cannot reach logs: endpoint subnet EndpointA network ACL EndpointNacl has no entry that allows inbound TCP 443 from task subnet PrivateA (10.0.1.0/24), so the final * rule denies it",
		"fix": "Add an inbound entry to network ACL EndpointNacl that allows TCP 443 from 10.0.1.0/24.",
		"hop": {
			"from": "endpoint subnet EndpointA",
			"via": "network ACL EndpointNacl",
			"to": "task subnet PrivateA (10.0.1.0/24)",
			"detail": "no entry allows inbound TCP 443 from task subnet PrivateA (10.0.1.0/24), so the final * rule denies it",
		},
		"location": {"file": "network.yaml", "line": 21},
		"level": null,
	}}
}

test_fires_when_the_endpoint_subnet_denies_the_replies if {
	entries := array.concat([entry(90, true, "deny", "10.0.1.0/24", "6", [1024, 65535])], open_entries)
	[f.message | some f in deny_for({"nacls": {"EndpointNacl": {"entries": entries}}}, [interface_path])] == ["service Service cannot reach logs: endpoint subnet EndpointA network ACL EndpointNacl rule 90 denies outbound TCP 32768-60999 to task subnet PrivateA (10.0.1.0/24) (return traffic)"]
}

test_fires_for_each_of_the_four_nat_flows if {
	cases := [
		[[entry(90, false, "deny", "10.0.1.0/24", "6", [443, 443])], "rule 90 denies inbound TCP 443 from task subnet PrivateA (10.0.1.0/24)"],
		[[entry(90, true, "deny", "10.0.0.0/16", "6", [1024, 65535])], "rule 90 denies outbound TCP 32768-60999 to task subnet PrivateA (10.0.1.0/24) (return traffic)"],
		[[entry(90, true, "deny", "0.0.0.0/0", "6", [443, 443])], "rule 90 denies outbound TCP 443 to 0.0.0.0/0"],
		[[entry(90, false, "deny", "0.0.0.0/0", "6", [1024, 65535])], "rule 90 denies inbound TCP 1024-65535 from 0.0.0.0/0 (return traffic)"],
	]
	got := [public_nacl_messages(array.concat(c[0], open_entries)) | some c in cases]
	got == [[sprintf("service Service cannot reach ecr.dkr: NAT gateway subnet PublicA network ACL PublicNacl %s", [c[1]])] | some c in cases]
}

public_nacl_messages(entries) := messages if {
	findings := deny_for({"nacls": {"PublicNacl": {"entries": entries}}}, [internet_path])
	messages := [f.message | some f in findings]
}

# Field test 22, case 97: replies to the NAT gateway come back on 1024-65535, and each
# connection takes its port at random from all of it; allowing only 32768-65535 fails the
# connections that take a lower one. Every rule and port is settled: an error, not FG801.
test_fires_when_nat_return_ports_are_only_partly_open if {
	entries := [entry(100, false, "allow", "0.0.0.0/0", "6", [32768, 65535]), entry(110, false, "allow", "10.0.0.0/16", "-1", [null, null]), all_traffic(100, true, "allow", "0.0.0.0/0")]
	deny_for({"nacls": {"PublicNacl": {"entries": entries}}}, [internet_path]) == {{
		"resource": "PublicNacl",
		"service": "Service",
		"need": "ecr.dkr",
		"message": "service Service cannot reach ecr.dkr: NAT gateway subnet PublicA network ACL PublicNacl has no entry that allows ports 1024-32767 of inbound TCP 1024-65535 from 0.0.0.0/0 (return traffic), so the final * rule denies them; each connection takes a random port of 1024-65535, so some fail",
		"fix": "Add an inbound entry to network ACL PublicNacl that allows TCP 1024-32767 from 0.0.0.0/0, or widen rule 100 to ports 1024-65535. All of 1024-65535 must be allowed: each connection takes its port at random from that range.",
		"hop": {
			"from": "NAT gateway subnet PublicA",
			"via": "network ACL PublicNacl",
			"to": "0.0.0.0/0",
			"detail": "no entry allows ports 1024-32767 of inbound TCP 1024-65535 from 0.0.0.0/0 (return traffic), so the final * rule denies them; each connection takes a random port of 1024-65535, so some fail",
		},
		"location": {"file": "network.yaml", "line": 100},
		"level": null,
	}}
	undecided_for({"nacls": {"PublicNacl": {"entries": entries}}}, [internet_path]) == set()
}

# The same range denied in part by an explicit rule ahead of an allow of all: that rule is named.
test_fires_when_a_rule_denies_part_of_the_nat_return_ports if {
	entries := array.concat([entry(90, false, "deny", "0.0.0.0/0", "6", [1024, 2000])], open_entries)
	[f.message | some f in deny_for({"nacls": {"PublicNacl": {"entries": entries}}}, [internet_path])] == ["service Service cannot reach ecr.dkr: NAT gateway subnet PublicA network ACL PublicNacl rule 90 denies ports 1024-2000 of inbound TCP 1024-65535 from 0.0.0.0/0 (return traffic); each connection takes a random port of 1024-65535, so some fail"]
	[f.fix | some f in deny_for({"nacls": {"PublicNacl": {"entries": entries}}}, [internet_path])] == ["Add an inbound entry to network ACL PublicNacl that allows TCP 1024-2000 from 0.0.0.0/0 with a rule number below 90, or remove or narrow rule 90. All of 1024-65535 must be allowed: each connection takes its port at random from that range."]
}

# What stays FG801: an allow of only part of the service's addresses, which the inputs do not
# hold (the ports are all covered).
test_undecided_when_nat_return_traffic_is_allowed_from_part_of_the_addresses if {
	entries := [entry(100, false, "allow", "52.0.0.0/8", "6", [1024, 65535]), entry(110, false, "allow", "10.0.0.0/16", "-1", [null, null]), all_traffic(100, true, "allow", "0.0.0.0/0")]
	deny_for({"nacls": {"PublicNacl": {"entries": entries}}}, [internet_path]) == set()
	refs(undecided_for({"nacls": {"PublicNacl": {"entries": entries}}}, [internet_path])) == {["network ACL PublicNacl inbound rule 100", "Service", ["FG303"]]}
}

test_fires_for_the_efs_mount_target_subnet if {
	entries := [entry(100, false, "allow", "10.0.0.0/16", "6", [443, 443]), all_traffic(100, true, "allow", "0.0.0.0/0")]
	[f.message | some f in deny_for({"nacls": {"EndpointNacl": {"entries": entries}}}, [efs_path])] == ["service Service cannot reach efs:Files: target subnet EndpointA network ACL EndpointNacl has no entry that allows inbound TCP 2049 from task subnet PrivateA (10.0.1.0/24), so the final * rule denies it"]
}

test_silent_when_every_flow_is_allowed if {
	deny_for({}, [interface_path, internet_path, efs_path, gateway_path]) == set()
	undecided_for({}, [interface_path, internet_path, efs_path, gateway_path]) == set()
}

test_silent_when_the_other_end_shares_the_task_subnet if {
	same := [{"subnet": "PrivateA", "cidr": "10.0.1.0/24"}]
	deny_for({"nacls": {"PrivateNacl": {"entries": []}}}, [object.union(interface_path, {"destinations": same}), object.union(efs_path, {"destinations": same})]) == set()
}

test_silent_for_a_gateway_path_and_an_internet_gateway_path if {
	# no other subnet on the path: a gateway endpoint is a route, an internet gateway no subnet
	changes := {"nacls": {"PublicNacl": {"entries": []}, "EndpointNacl": {"entries": []}}}
	deny_for(changes, [gateway_path, object.union(internet_path, {"nat_gateway": null})]) == set()
}

test_silent_for_a_regional_nat_gateway if {
	# it has no subnet, so no network ACL of its own (the task subnet's is FG301/FG302's)
	changes := {"nacls": {"PublicNacl": {"entries": []}}, "nat_gateways": {"Nat": {"subnet": null, "availability_mode": "regional"}}}
	deny_for(changes, [internet_path]) == set()
	undecided_for(changes, [internet_path]) == set()
	count(deny_for({"nacls": {"PublicNacl": {"entries": []}}}, [internet_path])) > 0
}

test_undecided_when_the_nat_gateway_is_not_in_the_inputs if {
	p := object.union(internet_path, {"nat_gateway": "nat-0123"})
	deny_for({}, [p]) == set()
	refs(undecided_for({}, [p])) == {["NAT gateway nat-0123", "Service", ["FG303"]]}
}

test_undecided_when_the_endpoint_subnet_is_not_in_the_inputs if {
	p := object.union(interface_path, {"destinations": [{"subnet": "subnet-0404", "cidr": "10.0.9.0/24"}]})
	deny_for({}, [p]) == set()
	refs(undecided_for({}, [p])) == {["subnet subnet-0404", "Service", ["FG303"]]}
}
