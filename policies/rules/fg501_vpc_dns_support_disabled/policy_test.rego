package fargate_preflight.rules.fg501_test

import rego.v1

world := data.fargate_preflight.lib.paths_test.world

findings(model) := fs if {
	fs := data.fargate_preflight.rules.fg501.deny with input as model
}

undecided(model) := {[u.unknown.ref, u.service, u.rules] | some u in data.fargate_preflight.rules.fg501.undecided with input as model}

dns_off := object.union(world, {"vpcs": {"Vpc": {"enable_dns_support": false}}})

test_dns_support_off_fires_once_per_service if {
	m := data.fargate_preflight.lib.paths_test.in_subnets(dns_off, ["PrivateSubnetA", "PrivateSubnetB"])
	findings(m) == {{
		"resource": "Vpc",
		"service": "Service",
		"need": null,
		"message": "VPC Vpc has enableDnsSupport false: tasks of service Service cannot resolve any name, so image pulls and all AWS calls fail",
		"fix": "Set EnableDnsSupport to true on VPC Vpc.",
		"hop": null,
		"location": {"file": "stack.yaml", "line": 2},
		"level": null,
	}}
}

test_fires_in_addition_to_path_verdicts if {
	count(findings(dns_off)) == 1
	some v in data.fargate_preflight.lib.paths.verdicts with input as dns_off
	v.need == "ecr.dkr"
	v.verdict == "ok"
}

test_one_finding_per_service if {
	other := object.union(world.services.Service, {"id": "Other", "name": "Other"})
	m := object.union(dns_off, {"services": {"Other": other}})
	{f.service | some f in findings(m)} == {"Service", "Other"}
}

test_dns_support_on_is_silent if {
	count(findings(world)) == 0
	count(undecided(world)) == 0
}

test_hostnames_off_alone_is_silent if {
	count(findings(object.union(world, {"vpcs": {"Vpc": {"enable_dns_hostnames": false}}}))) == 0
}

test_vpc_not_in_inputs_is_undecided if {
	m := object.union(world, {"subnets": {"PrivateSubnetA": {"vpc": "vpc-0abc"}}})
	count(findings(m)) == 0
	undecided(m) == {["VPC vpc-0abc", "Service", ["FG501"]]}
}

test_unknown_dns_support_is_undecided if {
	u := data.fargate_preflight.lib.paths_test.unknown("Parameter EnableDns", 9)
	m := object.union(world, {"vpcs": {"Vpc": {"enable_dns_support": u}}})
	undecided(m) == {["Parameter EnableDns", "Service", ["FG501"]]}
}

test_service_without_network_is_silent if {
	count(findings(object.union(dns_off, {"services": {"Service": {"network": null}}}))) == 0
}
