package fargate_preflight.rules.fg301_test

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
	result := data.fargate_preflight.rules.fg301.deny with input as w with data.fargate_preflight.lib.paths.selected as p
}

undecided_for(changes, paths) := result if {
	w := object.union(base, changes)

	# regal ignore:pointless-reassignment
	p := paths
	result := data.fargate_preflight.rules.fg301.undecided with input as w with data.fargate_preflight.lib.paths.selected as p
}

# refs: the unsettled values a rule reported, without their text.
refs(undecided) := {[u.unknown.ref, u.service, u.rules] | some u in undecided}

out_443_only_to_vpc := [all_traffic(100, false, "allow", "0.0.0.0/0"), entry(100, true, "allow", "10.0.0.0/16", "6", [443, 443])]

test_fires_when_no_entry_allows_443_to_the_internet if {
	deny_for({"nacls": {"PrivateNacl": {"entries": out_443_only_to_vpc}}}, [internet_path]) == {{
		"resource": "PrivateNacl",
		"service": "Service",
		"need": "ecr.dkr",
		"message": "service Service cannot reach ecr.dkr: task subnet PrivateA network ACL PrivateNacl has no entry that allows outbound TCP 443 to 0.0.0.0/0, so the final * rule denies it",
		"fix": "Add an outbound entry to network ACL PrivateNacl that allows TCP 443 to 0.0.0.0/0.",
		"hop": {
			"from": "subnet PrivateA",
			"via": "network ACL PrivateNacl",
			"to": "0.0.0.0/0",
			"detail": "no entry allows outbound TCP 443 to 0.0.0.0/0, so the final * rule denies it",
		},
		"location": {"file": "network.yaml", "line": 20},
		"level": null,
	}}
}

test_fires_on_an_explicit_deny_of_the_endpoint_subnet if {
	entries := array.concat([entry(90, true, "deny", "10.0.3.0/24", "6", [443, 443])], open_entries)
	findings := deny_for({"nacls": {"PrivateNacl": {"entries": entries}}}, [interface_path])
	[[f.message, f.fix, f.location.line] | some f in findings] == [[
		"service Service cannot reach logs: task subnet PrivateA network ACL PrivateNacl rule 90 denies outbound TCP 443 to subnet EndpointA (10.0.3.0/24)",
		"Add an outbound entry to network ACL PrivateNacl that allows TCP 443 to 10.0.3.0/24 with a rule number below 90, or remove or narrow rule 90.",
		90,
	]]
}

test_fires_for_a_gateway_path_and_for_efs if {
	entries := [all_traffic(100, false, "allow", "0.0.0.0/0")]
	findings := deny_for({"nacls": {"PrivateNacl": {"entries": entries}}}, [gateway_path, efs_path])
	{[f.need, f.message] | some f in findings} == {
		["s3", "service Service cannot reach s3: task subnet PrivateA network ACL PrivateNacl has no entry that allows outbound TCP 443 to 0.0.0.0/0, so the final * rule denies it"],
		["efs:Files", "service Service cannot reach efs:Files: task subnet PrivateA network ACL PrivateNacl has no entry that allows outbound TCP 2049 to subnet EndpointA (10.0.3.0/24), so the final * rule denies it"],
	}
}

test_one_finding_names_every_failing_task_subnet if {
	changes := {
		"subnets": {"PrivateB": {"nacl": "OtherNacl"}},
		"nacls": {"PrivateNacl": {"entries": out_443_only_to_vpc}, "OtherNacl": object.union(nacl("OtherNacl", 23), {"entries": []})},
	}
	findings := deny_for(changes, [internet_path, object.union(internet_path, {"subnet": "PrivateB"})])
	[f.message | some f in findings] == ["service Service cannot reach ecr.dkr: task subnet PrivateA network ACL PrivateNacl has no entry that allows outbound TCP 443 to 0.0.0.0/0, so the final * rule denies it; task subnet PrivateB network ACL OtherNacl has no entry that allows outbound TCP 443 to 0.0.0.0/0, so the final * rule denies it"]
}

test_silent_when_443_to_the_internet_is_allowed if {
	entries := [all_traffic(100, false, "allow", "0.0.0.0/0"), entry(100, true, "allow", "0.0.0.0/0", "6", [443, 443])]
	deny_for({"nacls": {"PrivateNacl": {"entries": entries}}}, [internet_path, gateway_path]) == set()
	undecided_for({"nacls": {"PrivateNacl": {"entries": entries}}}, [internet_path, gateway_path]) == set()
}

test_silent_when_a_private_deny_comes_first if {
	entries := array.concat([all_traffic(50, true, "deny", "10.0.0.0/8")], open_entries)
	deny_for({"nacls": {"PrivateNacl": {"entries": entries}}}, [internet_path]) == set()
	undecided_for({"nacls": {"PrivateNacl": {"entries": entries}}}, [internet_path]) == set()
}

test_silent_when_the_endpoint_shares_the_task_subnet if {
	same_subnet := object.union(interface_path, {"destinations": [{"subnet": "PrivateA", "cidr": "10.0.1.0/24"}]})
	deny_for({"nacls": {"PrivateNacl": {"entries": []}}}, [same_subnet]) == set()
}

test_silent_when_the_outbound_port_is_another if {
	entries := [all_traffic(100, false, "allow", "0.0.0.0/0"), entry(100, true, "allow", "0.0.0.0/0", "6", [443, 443])]
	deny_for({"nacls": {"PrivateNacl": {"entries": entries}}}, [internet_path]) == set()
	count(deny_for({"nacls": {"PrivateNacl": {"entries": entries}}}, [efs_path])) == 1
}

test_undecided_when_a_narrower_public_deny_decides if {
	entries := array.concat([all_traffic(50, true, "deny", "52.0.0.0/8")], open_entries)
	deny_for({"nacls": {"PrivateNacl": {"entries": entries}}}, [internet_path]) == set()
	refs(undecided_for({"nacls": {"PrivateNacl": {"entries": entries}}}, [internet_path])) == {["network ACL PrivateNacl outbound rule 50", "Service", ["FG301"]]}
}

test_undecided_when_the_nacl_is_not_in_the_inputs if {
	changes := {"subnets": {"PrivateA": {"nacl": "acl-0123"}}}
	deny_for(changes, [internet_path]) == set()
	refs(undecided_for(changes, [internet_path])) == {["network ACL acl-0123", "Service", ["FG301"]]}
}

test_undecided_when_an_entry_cidr_is_a_parameter if {
	entries := array.concat([all_traffic(50, true, "deny", unknown_cidr)], open_entries)
	deny_for({"nacls": {"PrivateNacl": {"entries": entries}}}, [interface_path]) == set()
	refs(undecided_for({"nacls": {"PrivateNacl": {"entries": entries}}}, [interface_path])) == {["Parameter ProbeCidr", "Service", ["FG301"]]}
}

test_each_service_sharing_the_subnet_gets_its_own_finding if {
	other := object.union(base.services.Svc, {"id": "Svc2", "name": "Other", "source": src(5)})
	changes := {"services": {"Svc2": other}, "nacls": {"PrivateNacl": {"entries": out_443_only_to_vpc}}}
	findings := deny_for(changes, [internet_path, object.union(internet_path, {"service": "Svc2"})])
	{[f.service, f.location.line] | some f in findings} == {["Service", 20], ["Other", 20]}
}

test_undecided_names_each_service_and_locates_a_missing_subnet_at_it if {
	other := object.union(base.services.Svc, {"id": "Svc2", "name": "Other", "source": src(5)})
	p := object.union(internet_path, {"subnet": "subnet-0404"})
	result := undecided_for({"services": {"Svc2": other}}, [p, object.union(p, {"service": "Svc2"})])
	{[u.service, u.unknown.ref, u.unknown.source.line] | some u in result} == {
		["Service", "subnet subnet-0404", 1],
		["Other", "subnet subnet-0404", 5],
	}
}
