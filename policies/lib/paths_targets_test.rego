# METADATA
# description: |
#   Declared targets (a security group or an IPv4 CIDR, and a port): the need each one makes,
#   the path chosen for it, and the FG202/FG401/FG403/FG301/FG303 verdicts it leads to. One case
#   per way a target is reached, refused or left open.
package fargate_preflight.lib.paths_targets_test

import rego.v1

world := data.fargate_preflight.lib.paths_test.world

src(line) := data.fargate_preflight.lib.paths_test.src(line)

sg_rule(protocol, from, to, peer) := data.fargate_preflight.lib.paths_test.sg_rule(protocol, from, to, peer)

# declared is the world's service with the given declared needs (the shape of docs/model.md).
declared(needs) := object.union(world, {"declared_needs": needs})

target(sg, cidr, port, line) := {
	"service": "Service", "endpoint": null, "actions": [], "resources": null,
	"target_security_group": sg, "target_cidr": cidr, "port": port,
	"source": {"file": ".fargate-preflight.yaml", "line": line, "pointer": ""},
}

database_sg(ingress) := {"DatabaseSG": {
	"id": "DatabaseSG", "name": "DatabaseSG", "vpc": "Vpc", "ingress": ingress,
	"egress": [sg_rule("-1", null, null, {"cidr": "0.0.0.0/0"})], "source": src(45),
}}

with_groups(model, groups) := object.union(model, {"security_groups": groups})

open_db := with_groups(
	declared([target("DatabaseSG", null, 5432, 3)]),
	database_sg([sg_rule("6", 5432, 5432, {"security_group": "TaskSG"})]),
)

closed_db := with_groups(declared([target("DatabaseSG", null, 5432, 3)]), database_sg([]))

verdicts_of(model) := data.fargate_preflight.lib.paths_test.verdicts_of(model)

reasons(model) := data.fargate_preflight.lib.paths_test.reasons(model)

undecided_refs(model) := data.fargate_preflight.lib.paths_test.undecided_refs(model)

# The findings about declared targets of the rules a target's path meets, as [rule, need].
# (Each rule by its own path: `data.fargate_preflight.rules[r]` would evaluate every rule.)
on_target(rule, fs) := {[rule, f.need] | some f in fs; startswith(f.need, "target:")}

sg_findings(model) := fs if {
	fg401 := data.fargate_preflight.rules.fg401.deny with input as model
	fg403 := data.fargate_preflight.rules.fg403.deny with input as model
	fs := on_target("fg401", fg401) | on_target("fg403", fg403)
}

fg303_findings(model) := fs if {
	fg303 := data.fargate_preflight.rules.fg303.deny with input as model
	fs := on_target("fg303", fg303)
}

route_findings(model) := fs if {
	fg202 := data.fargate_preflight.rules.fg202.deny with input as model
	fs := on_target("fg202", fg202)
}

db := "target:DatabaseSG:5432"

# --- the need ---------------------------------------------------------------------------

test_a_declared_group_is_a_target_need_named_by_group_and_port if {
	ns := data.fargate_preflight.lib.needs.by_service.Service with input as open_db
	some n in ns
	n.need == db
	n.kind == "target"
	n.port == 5432
	n.caller == "app"
	n.target.security_group == "DatabaseSG"
	n.source.line == 3
}

test_a_declared_cidr_is_named_by_cidr_and_port if {
	ns := data.fargate_preflight.lib.needs.by_service.Service with input as declared([target(null, "10.0.3.0/24", 6379, 4)])
	{n.need | some n in ns; n.kind == "target"} == {"target:10.0.3.0/24:6379"}
}

# --- paths ------------------------------------------------------------------------------

test_group_in_the_task_vpc_is_reached_over_the_local_route if {
	verdicts_of(open_db)[db] == ["PrivateSubnetA", "local route to security group DatabaseSG", "ok"]
	p := [x | some x in data.fargate_preflight.lib.paths.selected with input as open_db; x.need == db][0]
	p.kind == "target"
	p.destinations == [{"subnet": null, "cidr": "10.0.0.0/16"}]
	p.security_groups == ["DatabaseSG"]
	p.hop.to == "declared target DatabaseSG"
	sg_findings(open_db) == set()
}

test_group_that_admits_nobody_is_fg403 if {
	sg_findings(closed_db) == {["fg403", db]}
	[f.message | some f in data.fargate_preflight.rules.fg403.deny with input as closed_db] == [concat("", [
		"service Service cannot reach target:DatabaseSG:5432: security group DatabaseSG of declared ",
		"target DatabaseSG allows no inbound TCP 5432 from the task (security group TaskSG or ",
		"subnet PrivateSubnetA (10.0.1.0/24))",
	])]
}

test_task_group_without_egress_to_the_target_is_fg401 if {
	m := with_groups(open_db, {"TaskSG": {"egress": [sg_rule("6", 443, 443, {"cidr": "0.0.0.0/0"})]}})
	sg_findings(m) == {["fg401", db]}
}

test_egress_naming_the_target_group_is_enough if {
	m := with_groups(open_db, {"TaskSG": {"egress": [sg_rule("6", 5432, 5432, {"security_group": "DatabaseSG"})]}})
	sg_findings(m) == set()
}

test_group_not_in_the_inputs_is_undecided if {
	m := declared([target("sg-0123456789abcdef0", null, 5432, 3)])
	verdicts_of(m)["target:sg-0123456789abcdef0:5432"][2] == "undecided"
	undecided_refs(m) == {["security group sg-0123456789abcdef0", "Service"]}
	sg_findings(m) == set()
}

test_group_of_another_vpc_is_undecided_not_an_error if {
	m := object.union(open_db, {"security_groups": {"DatabaseSG": {"vpc": "OtherVpc"}}})
	undecided_refs(m) == {["declared target DatabaseSG", "Service"]}
	sg_findings(m) == set()
}

test_cidr_in_a_subnet_of_the_vpc_checks_that_subnet_nacl if {
	deny_db := {"Db": {
		"id": "Db", "name": "DbNacl", "vpc": "Vpc", "is_default": false, "source": src(80),
		"entries": [data.fargate_preflight.lib.paths_test.nacl_allow_all(true)],
	}}
	m := object.union(declared([target(null, "10.0.3.0/24", 5432, 4)]), {
		"nacls": deny_db,
		"subnets": {"IsolatedSubnetA": {"nacl": "Db"}},
	})
	verdicts_of(m)["target:10.0.3.0/24:5432"] == ["PrivateSubnetA", "local route to 10.0.3.0/24", "ok"]
	fg303_findings(m) == {["fg303", "target:10.0.3.0/24:5432"]}
}

test_cidr_outside_the_vpc_without_any_route_is_fg202 if {
	m := data.fargate_preflight.lib.paths_test.in_subnets(declared([target(null, "192.168.0.0/16", 5432, 4)]), ["IsolatedSubnetA"])
	["target:192.168.0.0/16:5432", "IsolatedSubnetA", "FG202"] in reasons(m)
	{f.fix | some f in data.fargate_preflight.rules.fg202.deny with input as m} == {concat("", [
		"Add a route to 192.168.0.0/16 (a peering connection, transit gateway or VPN); ",
		"Add interface endpoints ecr.api, ecr.dkr and logs and an s3 gateway endpoint, or a NAT gateway.",
	])}
}

test_cidr_outside_the_vpc_behind_a_route_is_undecided_not_an_error if {
	# the private subnet's default route (NAT) covers it, but what lies beyond is not in the inputs
	m := declared([target(null, "192.168.0.0/16", 5432, 4)])
	undecided_refs(m) == {["declared target 192.168.0.0/16", "Service"]}
	route_findings(m) == set()
}

test_cidr_partly_in_the_vpc_is_undecided if {
	m := data.fargate_preflight.lib.paths_test.in_subnets(declared([target(null, "10.0.0.0/8", 5432, 4)]), ["IsolatedSubnetA"])
	undecided_refs(m) == {["declared target 10.0.0.0/8", "Service"]}
	reasons(m) == {[n, "IsolatedSubnetA", "FG202"] | some n in ["ecr.api", "ecr.dkr", "s3", "logs"]}
}

# A subnet whose CIDR does not parse (a hand-edited Terraform plan: the readers of plans take
# it as given) holds no target; before, net.cidr_contains on it stopped regorus (exit 3).
test_a_subnet_cidr_that_does_not_parse_holds_no_target if {
	m := object.union(declared([target(null, "10.0.3.0/24", 5432, 4)]), {"subnets": {"PublicSubnetA": {"cidr": "10.0.9.0/255.255.255.0"}}})
	verdicts_of(m)["target:10.0.3.0/24:5432"] == ["PrivateSubnetA", "local route to 10.0.3.0/24", "ok"]
}
