package fargate_preflight.rules.fg302_test

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
	result := data.fargate_preflight.rules.fg302.deny with input as w with data.fargate_preflight.lib.paths.selected as p
}

undecided_for(changes, paths) := result if {
	w := object.union(base, changes)

	# regal ignore:pointless-reassignment
	p := paths
	result := data.fargate_preflight.rules.fg302.undecided with input as w with data.fargate_preflight.lib.paths.selected as p
}

# refs: the unsettled values a rule reported, without their text.
refs(undecided) := {[u.unknown.ref, u.service, u.rules] | some u in undecided}

deny_return := [
	entry(90, false, "deny", "0.0.0.0/0", "6", [1024, 65535]),
	all_traffic(100, false, "allow", "0.0.0.0/0"),
	all_traffic(100, true, "allow", "0.0.0.0/0"),
]

test_fires_when_return_traffic_from_the_internet_is_denied if {
	deny_for({"nacls": {"PrivateNacl": {"entries": deny_return}}}, [internet_path]) == {{
		"resource": "PrivateNacl",
		"service": "Service",
		"need": "ecr.dkr",
		"message": "service Service cannot reach ecr.dkr: task subnet PrivateA network ACL PrivateNacl rule 90 denies inbound TCP 32768-60999 from 0.0.0.0/0 (return traffic)",
		"fix": "Add an inbound entry to network ACL PrivateNacl that allows TCP 32768-60999 from 0.0.0.0/0 with a rule number below 90, or remove or narrow rule 90.",
		"hop": {
			"from": "0.0.0.0/0",
			"via": "network ACL PrivateNacl",
			"to": "subnet PrivateA",
			"detail": "rule 90 denies inbound TCP 32768-60999 from 0.0.0.0/0 (return traffic)",
		},
		"location": {"file": "network.yaml", "line": 90},
		"level": null,
	}}
}

test_fires_when_no_entry_admits_replies_from_the_endpoint_subnet if {
	entries := [all_traffic(100, true, "allow", "0.0.0.0/0"), entry(100, false, "allow", "10.0.0.0/16", "6", [443, 443])]
	findings := deny_for({"nacls": {"PrivateNacl": {"entries": entries}}}, [interface_path])
	[[f.message, f.location.line] | some f in findings] == [[
		"service Service cannot reach logs: task subnet PrivateA network ACL PrivateNacl has no entry that allows inbound TCP 32768-60999 from subnet EndpointA (10.0.3.0/24) (return traffic), so the final * rule denies it",
		20,
	]]
}

# An allow of 1024-48000 serves Linux's 32768-60999 only in part, Windows' 49152-65535 not at all.
allow_low_ports := [all_traffic(100, true, "allow", "0.0.0.0/0"), entry(100, false, "allow", "0.0.0.0/0", "6", [1024, 48000])]

test_fires_for_a_windows_task_outside_its_range if {
	changes := {"nacls": {"PrivateNacl": {"entries": allow_low_ports}}, "task_definitions": {"Td": {"os_family": "WINDOWS_SERVER_2019_FULL"}}}
	[f.message | some f in deny_for(changes, [internet_path])] == ["service Service cannot reach ecr.dkr: task subnet PrivateA network ACL PrivateNacl has no entry that allows inbound TCP 49152-65535 from 0.0.0.0/0 (return traffic), so the final * rule denies it"]
}

# Each connection takes its return port at random from all of 32768-60999: an allow of
# 1024-48000 fails those that take 48001-60999 (an error; FG801 was given before field test 22).
test_fires_when_only_part_of_the_linux_range_is_allowed if {
	changes := {"nacls": {"PrivateNacl": {"entries": allow_low_ports}}}
	[[f.message, f.fix, f.location] | some f in deny_for(changes, [internet_path])] == [[
		"service Service cannot reach ecr.dkr: task subnet PrivateA network ACL PrivateNacl has no entry that allows ports 48001-60999 of inbound TCP 32768-60999 from 0.0.0.0/0 (return traffic), so the final * rule denies them; each connection takes a random port of 32768-60999, so some fail",
		"Add an inbound entry to network ACL PrivateNacl that allows TCP 48001-60999 from 0.0.0.0/0, or widen rule 100 to ports 32768-60999. All of 32768-60999 must be allowed: each connection takes its port at random from that range.",
		{"file": "network.yaml", "line": 100},
	]]
	undecided_for(changes, [internet_path]) == set()
}

# Field test 22, case 36: a Windows task (49152-65535) in a subnet that admits 32768-60999.
test_fires_for_a_windows_task_in_a_linux_range if {
	entries := [all_traffic(100, true, "allow", "0.0.0.0/0"), entry(100, false, "allow", "0.0.0.0/0", "6", [32768, 60999])]
	changes := {"nacls": {"PrivateNacl": {"entries": entries}}, "task_definitions": {"Td": {"os_family": "WINDOWS_SERVER_2022_CORE"}}}
	[f.hop.detail | some f in deny_for(changes, [internet_path])] == ["no entry allows ports 61000-65535 of inbound TCP 49152-65535 from 0.0.0.0/0 (return traffic), so the final * rule denies them; each connection takes a random port of 49152-65535, so some fail"]
}

# A task whose operating system family the inputs do not settle takes Linux's or Windows'
# range: a NACL that admits one of them only is not settled (that unknown decides), one that
# denies part of both is an error, one that admits both is silent.
os_unknown := {"unknown": "parameter OsFamily has no value", "ref": "Parameter OsFamily", "source": src(901)}

return_entries(ports) := [all_traffic(100, true, "allow", "0.0.0.0/0"), entry(100, false, "allow", "0.0.0.0/0", "6", ports)]

test_an_unsettled_os_family_decides_only_where_the_two_ranges_differ if {
	unsettled := {"task_definitions": {"Td": {"os_family": os_unknown}}}
	linux_only := object.union(unsettled, {"nacls": {"PrivateNacl": {"entries": return_entries([32768, 60999])}}})
	deny_for(linux_only, [internet_path]) == set()
	refs(undecided_for(linux_only, [internet_path])) == {["Parameter OsFamily", "Service", ["FG302"]]}

	windows_only := object.union(unsettled, {"nacls": {"PrivateNacl": {"entries": return_entries([49152, 65535])}}})
	refs(undecided_for(windows_only, [internet_path])) == {["Parameter OsFamily", "Service", ["FG302"]]}

	middle := object.union(unsettled, {"nacls": {"PrivateNacl": {"entries": return_entries([40000, 50000])}}})
	[f.hop.detail | some f in deny_for(middle, [internet_path])] == ["no entry allows ports 32768-39999 and 50001-65535 of inbound TCP 32768-65535 from 0.0.0.0/0 (return traffic), so the final * rule denies them; each connection takes a random port of 32768-65535, so some fail"]
	undecided_for(middle, [internet_path]) == set()

	both := object.union(unsettled, {"nacls": {"PrivateNacl": {"entries": return_entries([1024, 65535])}}})
	deny_for(both, [internet_path]) == set()
	undecided_for(both, [internet_path]) == set()
}

test_silent_when_1024_65535_is_allowed_back if {
	entries := [all_traffic(100, true, "allow", "0.0.0.0/0"), entry(100, false, "allow", "0.0.0.0/0", "6", [1024, 65535])]
	deny_for({"nacls": {"PrivateNacl": {"entries": entries}}}, [internet_path, gateway_path, interface_path]) == set()
	undecided_for({"nacls": {"PrivateNacl": {"entries": entries}}}, [internet_path, gateway_path, interface_path]) == set()
}

test_silent_when_a_private_deny_comes_first if {
	entries := array.concat([entry(50, false, "deny", "172.16.0.0/12", "6", [0, 65535])], open_entries)
	deny_for({"nacls": {"PrivateNacl": {"entries": entries}}}, [internet_path]) == set()
	undecided_for({"nacls": {"PrivateNacl": {"entries": entries}}}, [internet_path]) == set()
}

test_silent_when_the_endpoint_shares_the_task_subnet if {
	same_subnet := object.union(interface_path, {"destinations": [{"subnet": "PrivateA", "cidr": "10.0.1.0/24"}]})
	deny_for({"nacls": {"PrivateNacl": {"entries": deny_return}}}, [same_subnet]) == set()
}

test_ipv6_entries_do_not_admit_ipv4_replies if {
	v6 := object.union(entry(100, false, "allow", null, "-1", [null, null]), {"ipv6_cidr": "::/0"})
	entries := [all_traffic(100, true, "allow", "0.0.0.0/0"), v6]
	count(deny_for({"nacls": {"PrivateNacl": {"entries": entries}}}, [internet_path])) == 1
}

test_undecided_when_the_task_subnet_is_not_in_the_inputs if {
	p := object.union(internet_path, {"subnet": "subnet-0404"})
	deny_for({}, [p]) == set()
	refs(undecided_for({}, [p])) == {["subnet subnet-0404", "Service", ["FG302"]]}
}
