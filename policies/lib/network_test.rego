package fargate_preflight.lib.network_test

import rego.v1

# Each table row is one case; a test lists the rows whose result differs from `want`, so a
# failing test can be evaluated to see which case broke and what it gave.
# Tests bind `with` values to a local first (`w := world`): regorus 0.9.1 loses the value of an
# expression when a rule it uses is also referenced inside the `with` value.

src(line) := {"file": "network.yaml", "line": line, "pointer": ""}

public := data.fargate_preflight.lib.network.public

unknown_cidr := {"unknown": "parameter AllowedCidr has no value", "ref": "Parameter AllowedCidr", "source": src(900)}

unknown_nacl := {"unknown": "network ACL acl-0123 is not in the scanned inputs", "ref": "network ACL acl-0123", "source": src(901)}

# ---------------------------------------------------------------------------------------------
# CIDRs

test_ipv4_range if {
	bad := {[c, got] |
		some c in [
			{"cidr": "10.1.2.3/16", "want": [167837696, 167903231]},
			{"cidr": "0.0.0.0/0", "want": [0, 4294967295]},
			{"cidr": "10.0.0.5", "want": [167772165, 167772165]},
			{"cidr": "255.255.255.255/32", "want": [4294967295, 4294967295]},
			{"cidr": "300.0.0.0/8", "want": "undefined"},
			{"cidr": "10.0.0.0/33", "want": "undefined"},
			{"cidr": "010.0.0.0/8", "want": "undefined"},
			{"cidr": "::/0", "want": "undefined"},
			{"cidr": null, "want": "undefined"},
		]
		got := range_or_undefined(c.cidr)
		got != c.want
	}
	bad == set()
}

range_or_undefined(c) := r if {
	r := data.fargate_preflight.lib.network.ipv4_range(c)
} else := "undefined"

test_cidr_contains_and_overlaps if {
	cases := [
		{"a": "10.0.0.0/8", "b": "10.1.0.0/16", "contains": true, "overlaps": true},
		{"a": "10.1.0.0/16", "b": "10.0.0.0/8", "contains": false, "overlaps": true},
		{"a": "10.0.0.0/16", "b": "10.0.0.0/16", "contains": true, "overlaps": true},
		{"a": "0.0.0.0/0", "b": "52.94.0.0/22", "contains": true, "overlaps": true},
		{"a": "10.0.0.0/16", "b": "10.1.0.0/16", "contains": false, "overlaps": false},
		{"a": "::/0", "b": "10.0.0.0/8", "contains": false, "overlaps": false},
		{"a": "10.0.0.0/8", "b": "::/0", "contains": false, "overlaps": false},
		{"a": "2001:db8::/32", "b": "2001:db8:1::/48", "contains": true, "overlaps": true},
		{"a": "2001:db8:1::/48", "b": "2001:db8::/32", "contains": false, "overlaps": true},
	]
	contained := {[c.a, c.b] | some c in cases; data.fargate_preflight.lib.network.cidr_contains(c.a, c.b)}
	contained == {[c.a, c.b] | some c in cases; c.contains}
	overlaps := {[c.a, c.b] | some c in cases; data.fargate_preflight.lib.network.cidr_overlaps(c.a, c.b)}
	overlaps == {[c.a, c.b] | some c in cases; c.overlaps}
}

test_cidr_coverage if {
	bad := {[c, got] |
		some c in [
			{"rule": "0.0.0.0/0", "dest": public, "want": "covers"},
			{"rule": "10.0.0.0/8", "dest": public, "want": "none"},
			{"rule": "172.16.5.0/24", "dest": public, "want": "none"},
			{"rule": "100.64.0.0/10", "dest": public, "want": "none"},
			{"rule": "52.0.0.0/8", "dest": public, "want": "partial"},
			{"rule": "0.0.0.0/1", "dest": public, "want": "partial"},
			{"rule": "::/0", "dest": public, "want": "none"},
			{"rule": "10.0.0.0/16", "dest": "10.0.3.0/24", "want": "covers"},
			{"rule": "10.0.3.0/25", "dest": "10.0.3.0/24", "want": "partial"},
			{"rule": "10.1.0.0/16", "dest": "10.0.3.0/24", "want": "none"},
			{"rule": "0.0.0.0/0", "dest": "10.0.3.0/24", "want": "covers"},
		]
		got := data.fargate_preflight.lib.network.cidr_coverage(c.rule, c.dest)
		got != c.want
	}
	bad == set()
}

# ---------------------------------------------------------------------------------------------
# Network ACLs

entry(n, egress, action, cidr, protocol, ports) := {
	"rule_number": n, "egress": egress, "protocol": protocol, "action": action,
	"cidr": cidr, "ipv6_cidr": null, "from_port": ports[0], "to_port": ports[1], "source": src(n),
}

in_all(n, action, cidr) := entry(n, false, action, cidr, "-1", [null, null])

in_tcp(n, action, cidr, ports) := entry(n, false, action, cidr, "6", ports)

out_tcp(n, action, cidr, ports) := entry(n, true, action, cidr, "6", ports)

in_ipv6(n, action, cidr) := object.union(in_all(n, action, null), {"ipv6_cidr": cidr})

nacl(entries) := {"id": "Nacl", "name": "AppNacl", "vpc": "Vpc", "is_default": false, "source": src(1), "entries": entries}

# summary: the verdict, the rule numbers that decided, and the refs of the unknowns.
summary(v) := [v.verdict, [e.rule | some e in v.entries], [u.ref | some u in v.unknowns]]

nacl_summary(c) := summary(data.fargate_preflight.lib.network.nacl_verdict(c.nacl, c.egress, c.ports[0], c.ports[1], c.dest))

failing(cases) := {[c.name, got] |
	some c in cases
	got := nacl_summary(c)
	got != c.want
}

inbound_443_public(name, entries, want) := {"name": name, "nacl": nacl(entries), "egress": false, "ports": [443, 443], "dest": public, "want": want}

test_nacl_first_match_order if {
	failing([
		inbound_443_public("allow all", [in_all(100, "allow", "0.0.0.0/0")], ["allow", [100], []]),
		inbound_443_public("no entries: the * rule denies", [], ["deny", ["*"], []]),
		inbound_443_public("lower rule number wins, whatever the list order", [in_all(200, "allow", "0.0.0.0/0"), in_all(100, "deny", "0.0.0.0/0")], ["deny", [100], []]),
		inbound_443_public("allow before deny", [in_all(100, "allow", "0.0.0.0/0"), in_all(200, "deny", "0.0.0.0/0")], ["allow", [100], []]),
		inbound_443_public("other ports do not match", [in_tcp(50, "deny", "0.0.0.0/0", [22, 22]), in_all(100, "allow", "0.0.0.0/0")], ["allow", [100], []]),
		inbound_443_public("UDP does not match TCP", [entry(100, false, "allow", "0.0.0.0/0", "17", [0, 65535])], ["deny", ["*"], []]),
		inbound_443_public("outbound entries do not match inbound", [entry(100, true, "allow", "0.0.0.0/0", "-1", [null, null])], ["deny", ["*"], []]),
		inbound_443_public("TCP with ports covering 443", [in_tcp(100, "allow", "0.0.0.0/0", [0, 65535])], ["allow", [100], []]),
	]) == set()
}

test_nacl_public_destination if {
	failing([
		inbound_443_public("a private deny never matches", [in_all(50, "deny", "10.0.0.0/8"), in_all(100, "allow", "0.0.0.0/0")], ["allow", [100], []]),
		inbound_443_public("a shared-range deny never matches", [in_all(50, "deny", "100.64.0.0/10"), in_all(100, "allow", "0.0.0.0/0")], ["allow", [100], []]),
		inbound_443_public("a private allow never matches", [in_all(50, "allow", "10.0.0.0/8")], ["deny", ["*"], []]),
		inbound_443_public("a narrower public deny that decides is undecided", [in_all(50, "deny", "52.0.0.0/8"), in_all(100, "allow", "0.0.0.0/0")], ["undecided", [], ["network ACL AppNacl inbound rule 50"]]),
		inbound_443_public("a narrower public allow alone is undecided", [in_all(50, "allow", "52.0.0.0/8")], ["undecided", [], ["network ACL AppNacl inbound rule 50"]]),
		inbound_443_public("a narrower allow settled the same way by a later entry", [in_all(50, "allow", "52.0.0.0/8"), in_all(100, "allow", "0.0.0.0/0")], ["allow", [50, 100], []]),
		inbound_443_public("a narrower deny settled the same way by the * rule", [in_all(50, "deny", "52.0.0.0/8")], ["deny", [50, "*"], []]),
		inbound_443_public("a block spanning private and public space is partial", [in_all(50, "deny", "0.0.0.0/1"), in_all(100, "allow", "0.0.0.0/0")], ["undecided", [], ["network ACL AppNacl inbound rule 50"]]),
		inbound_443_public("an IPv6 allow is ignored", [in_ipv6(100, "allow", "::/0")], ["deny", ["*"], []]),
		inbound_443_public("an IPv6 deny is ignored", [in_ipv6(50, "deny", "::/0"), in_all(100, "allow", "0.0.0.0/0")], ["allow", [100], []]),
	]) == set()
}

return_traffic(name, entries, ports, want) := {"name": name, "nacl": nacl(entries), "egress": false, "ports": ports, "dest": public, "want": want}

test_nacl_port_ranges if {
	failing([
		return_traffic("deny of the whole range", [in_tcp(90, "deny", "0.0.0.0/0", [1024, 65535]), in_all(100, "allow", "0.0.0.0/0")], [32768, 60999], ["deny", [90], []]),
		return_traffic("allow of the whole range", [in_tcp(100, "allow", "0.0.0.0/0", [1024, 65535])], [32768, 60999], ["allow", [100], []]),
		return_traffic("allow of part of the range, rest to *", [in_tcp(90, "allow", "0.0.0.0/0", [1024, 40000])], [32768, 60999], ["deny", ["*"], []]),
		return_traffic("two allows covering the range", [in_tcp(90, "allow", "0.0.0.0/0", [1024, 40000]), in_tcp(91, "allow", "0.0.0.0/0", [40001, 65535])], [32768, 60999], ["allow", [90, 91], []]),
		return_traffic("partial deny then * deny", [in_tcp(90, "deny", "0.0.0.0/0", [32768, 40000])], [32768, 60999], ["deny", [90, "*"], []]),
		return_traffic("partial deny then allow", [in_tcp(90, "deny", "0.0.0.0/0", [1024, 2000]), in_all(100, "allow", "0.0.0.0/0")], [1024, 65535], ["deny", [90], []]),
		return_traffic("Windows range inside an allow of 49152-65535", [in_tcp(100, "allow", "0.0.0.0/0", [49152, 65535])], [49152, 65535], ["allow", [100], []]),
		return_traffic("Linux range only partly inside 49152-65535", [in_tcp(100, "allow", "0.0.0.0/0", [49152, 65535])], [32768, 60999], ["deny", ["*"], []]),
		return_traffic("ports denied everywhere deny, whatever an unknown decides elsewhere", [in_tcp(50, "deny", unknown_cidr, [40000, 65535]), in_tcp(100, "allow", "0.0.0.0/0", [40000, 65535])], [32768, 60999], ["deny", ["*"], []]),
		return_traffic("some ports allowed only from part of the addresses", [in_tcp(100, "allow", "0.0.0.0/0", [40000, 65535]), in_tcp(110, "allow", "52.0.0.0/8", [1024, 39999])], [32768, 60999], ["undecided", [], ["network ACL AppNacl inbound rule 110"]]),
	]) == set()
}

to_subnet(name, entries, want) := {"name": name, "nacl": nacl(entries), "egress": true, "ports": [443, 443], "dest": "10.0.3.0/24", "want": want}

test_nacl_cidr_destination if {
	failing([
		to_subnet("VPC CIDR covers the subnet", [out_tcp(100, "allow", "10.0.0.0/16", [443, 443])], ["allow", [100], []]),
		to_subnet("half of the subnet", [out_tcp(100, "allow", "10.0.3.0/25", [443, 443])], ["undecided", [], ["network ACL AppNacl outbound rule 100"]]),
		to_subnet("both halves", [out_tcp(100, "allow", "10.0.3.0/25", [443, 443]), out_tcp(101, "allow", "10.0.3.128/25", [443, 443])], ["allow", [100, 101], []]),
		to_subnet("another subnet", [out_tcp(100, "allow", "10.1.0.0/16", [443, 443])], ["deny", ["*"], []]),
		to_subnet("deny of a wider block", [out_tcp(50, "deny", "10.0.0.0/8", [0, 65535]), out_tcp(100, "allow", "0.0.0.0/0", [443, 443])], ["deny", [50], []]),
		to_subnet("inbound entries do not match outbound", [in_all(100, "allow", "0.0.0.0/0")], ["deny", ["*"], []]),
	]) == set()
}

test_nacl_unknowns if {
	failing([
		inbound_443_public("an unknown CIDR before the decider", [in_all(50, "deny", unknown_cidr), in_all(100, "allow", "0.0.0.0/0")], ["undecided", [], ["Parameter AllowedCidr"]]),
		inbound_443_public("an unknown CIDR after the decider", [in_all(50, "allow", "0.0.0.0/0"), in_all(100, "deny", unknown_cidr)], ["allow", [50], []]),
		inbound_443_public("an unknown rule number", [object.union(in_all(50, "deny", "0.0.0.0/0"), {"rule_number": unknown_cidr}), in_all(100, "allow", "0.0.0.0/0")], ["undecided", [], ["Parameter AllowedCidr"]]),
		inbound_443_public("an unknown action", [object.union(in_all(50, "deny", "0.0.0.0/0"), {"action": unknown_cidr})], ["undecided", [], ["Parameter AllowedCidr"]]),
		inbound_443_public("an unknown port that cannot matter", [in_tcp(50, "deny", "10.0.0.0/8", [unknown_cidr, 443]), in_all(100, "allow", "0.0.0.0/0")], ["allow", [100], []]),
		inbound_443_public("an unknown entry", [unknown_cidr, in_all(100, "allow", "0.0.0.0/0")], ["undecided", [], ["Parameter AllowedCidr"]]),
		{"name": "an unknown NACL", "nacl": unknown_nacl, "egress": false, "ports": [443, 443], "dest": public, "want": ["undecided", [], ["network ACL acl-0123"]]},
		{"name": "unknown entries", "nacl": nacl(unknown_cidr), "egress": false, "ports": [443, 443], "dest": public, "want": ["undecided", [], ["Parameter AllowedCidr"]]},
		{"name": "an unknown destination", "nacl": nacl([]), "egress": true, "ports": [443, 443], "dest": unknown_cidr, "want": ["undecided", [], ["Parameter AllowedCidr"]]},
		{"name": "a destination that is no IPv4 CIDR", "nacl": nacl([]), "egress": true, "ports": [443, 443], "dest": "fd00::/8", "want": ["undecided", [], ["CIDR fd00::/8"]]},
	]) == set()
}

test_nacl_verdict_names_the_deciding_entry if {
	v := data.fargate_preflight.lib.network.nacl_verdict(nacl([in_tcp(90, "deny", "0.0.0.0/0", [1024, 65535])]), false, 32768, 60999, public)
	v.verdict == "deny"
	[e.rule | some e in v.entries] == [90]
	v.entries[0].source == src(90)
}

test_nacl_partial_unknown_text if {
	v := data.fargate_preflight.lib.network.nacl_verdict(nacl([in_all(50, "deny", "52.0.0.0/8"), in_all(100, "allow", "0.0.0.0/0")]), false, 443, 443, public)
	v.unknowns == [{
		"unknown": "network ACL AppNacl inbound rule 50 (deny all traffic from 52.0.0.0/8) covers only part of inbound TCP 443 from the AWS service's public addresses, which are not in the inputs, and the rest is decided the other way",
		"ref": "network ACL AppNacl inbound rule 50",
		"source": src(50),
		"fix": "The AWS service's addresses are not in the inputs, so whether 52.0.0.0/8 holds the ones the tasks reach cannot be settled: in network ACL AppNacl, allow the traffic from 0.0.0.0/0 instead (ahead of any narrower entry).",
	}]

	# a CIDR the inputs hold (part of a subnet) gets no such fix
	v2 := data.fargate_preflight.lib.network.nacl_verdict(nacl([out_tcp(100, "allow", "10.0.3.0/25", [443, 443])]), true, 443, 443, "10.0.3.0/24")
	object.keys(v2.unknowns[0]) == {"unknown", "ref", "source"}
}

# An entry that covers every address but only some of the ports: each connection takes its
# port at random from the whole range, so the flow is denied, and the verdict names the denied
# ports and the entries that allow the others (field test 22: this was an FG801 note).
test_nacl_partial_ports_deny_and_name_the_denied_ports if {
	v := data.fargate_preflight.lib.network.nacl_verdict(nacl([in_tcp(110, "allow", "0.0.0.0/0", [49152, 65535])]), false, 32768, 60999, "10.0.1.0/24")
	v.verdict == "deny"
	v.denied_ports == [[32768, 49151]]
	[e.rule | some e in v.entries] == ["*"]
	[e.rule | some e in v.allowing] == [110]
	v.unknowns == []
}

# A deny of some ports before an allow of all: the denied ports are the deny's; two denied
# stretches are both named.
test_nacl_partial_ports_denied_by_a_rule_or_in_two_stretches if {
	first := data.fargate_preflight.lib.network.nacl_verdict(nacl([in_tcp(90, "deny", "0.0.0.0/0", [1024, 2000]), in_all(100, "allow", "0.0.0.0/0")]), false, 1024, 65535, public)
	[first.verdict, first.denied_ports, [e.rule | some e in first.entries], [e.rule | some e in first.allowing]] == ["deny", [[1024, 2000]], [90], [100]]
	two := data.fargate_preflight.lib.network.nacl_verdict(nacl([in_tcp(100, "allow", "0.0.0.0/0", [40000, 50000])]), false, 32768, 60999, public)
	two.denied_ports == [[32768, 39999], [50001, 60999]]
	one := data.fargate_preflight.lib.network.nacl_verdict(nacl([in_tcp(100, "allow", "0.0.0.0/0", [1025, 65535])]), false, 1024, 65535, public)
	one.denied_ports == [[1024, 1024]]
}

# ---------------------------------------------------------------------------------------------
# Security groups

rule(protocol, ports, peer) := object.union(
	{
		"protocol": protocol, "from_port": ports[0], "to_port": ports[1],
		"cidr": null, "ipv6_cidr": null, "security_group": null, "prefix_list": null, "source": src(500),
	},
	peer,
)

tcp443(peer) := rule("6", [443, 443], peer)

group(id, egress, ingress) := {"id": id, "name": id, "vpc": "Vpc", "source": src(400), "egress": egress, "ingress": ingress}

prefix_lists := {
	"pl-s3": {"id": "pl-s3", "name": "pl-s3", "service": "s3", "region": "eu-west-1", "cidrs": null, "source": src(600)},
	"pl-ddb": {"id": "pl-ddb", "name": "pl-ddb", "service": "dynamodb", "region": "eu-west-1", "cidrs": null, "source": src(601)},
	"pl-all": {"id": "pl-all", "name": "pl-all", "service": null, "region": "eu-west-1", "cidrs": ["0.0.0.0/0"], "source": src(602)},
	"pl-corp": {"id": "pl-corp", "name": "pl-corp", "service": null, "region": "eu-west-1", "cidrs": null, "source": src(603)},
}

sg_summary(c) := s if {
	groups := {g.id: g | some g in c.groups}
	v := data.fargate_preflight.lib.network.sg_verdict(c.ids, c.direction, 443, c.peer, src(700)) with input as {"security_groups": groups, "prefix_lists": prefix_lists}
	s := [v.verdict, [[e.security_group, e.rule.source.line] | some e in v.entries], [u.ref | some u in v.unknowns]]
}

failing_sg(cases) := {[c.name, got] |
	some c in cases
	got := sg_summary(c)
	got != c.want
}

egress(name, groups, peer, want) := {"name": name, "ids": [g.id | some g in groups], "groups": groups, "direction": "egress", "peer": peer, "want": want}

test_sg_egress_to_public if {
	failing_sg([
		egress("all traffic to 0.0.0.0/0", [group("Task", [rule("-1", [null, null], {"cidr": "0.0.0.0/0"})], [])], {"cidr": public}, ["allow", [["Task", 500]], []]),
		egress("a private CIDR never matches", [group("Task", [tcp443({"cidr": "10.0.0.0/8"})], [])], {"cidr": public}, ["deny", [], []]),
		egress("a narrower public CIDR is undecided", [group("Task", [tcp443({"cidr": "52.0.0.0/8"})], [])], {"cidr": public}, ["undecided", [], ["security group Task egress rule 52.0.0.0/8"]]),
		egress("an IPv6 rule never matches", [group("Task", [tcp443({"ipv6_cidr": "::/0"})], [])], {"cidr": public}, ["deny", [], []]),
		egress("another port", [group("Task", [rule("6", [80, 80], {"cidr": "0.0.0.0/0"})], [])], {"cidr": public}, ["deny", [], []]),
		egress("UDP", [group("Task", [rule("17", [443, 443], {"cidr": "0.0.0.0/0"})], [])], {"cidr": public}, ["deny", [], []]),
		egress("a port range containing 443", [group("Task", [rule("6", [0, 65535], {"cidr": "0.0.0.0/0"})], [])], {"cidr": public}, ["allow", [["Task", 500]], []]),
		egress("any group allows", [group("A", [tcp443({"cidr": "10.0.0.0/8"})], []), group("B", [tcp443({"cidr": "0.0.0.0/0"})], [])], {"cidr": public}, ["allow", [["B", 500]], []]),
		egress("no rules at all", [group("Task", [], [])], {"cidr": public}, ["deny", [], []]),
	]) == set()
}

# Field test 22 (W1, case 101): the note for a narrower public CIDR said "Scan the template or
# file that defines it too, or pass its value"; nothing settles it, and the fix says what to do.
test_sg_partial_public_cidr_fix if {
	groups := {"Task": group("Task", [tcp443({"cidr": "52.0.0.0/8"})], [])}
	v := data.fargate_preflight.lib.network.sg_verdict(["Task"], "egress", 443, {"cidr": public}, src(700)) with input as {"security_groups": groups, "prefix_lists": {}}
	v.unknowns == [{
		"unknown": "security group Task egress rule for 52.0.0.0/8 covers only part of the AWS service's public addresses, which are not in the inputs",
		"ref": "security group Task egress rule 52.0.0.0/8",
		"source": src(500),
		"fix": "The AWS service's addresses are not in the inputs, so whether 52.0.0.0/8 holds the ones the tasks reach cannot be settled: in security group Task, allow the traffic to 0.0.0.0/0 instead, or, for an S3 or DynamoDB gateway endpoint, to the endpoint's prefix list.",
	}]
}

test_sg_egress_to_endpoint_and_prefix_list if {
	failing_sg([
		egress("names the endpoint group", [group("Task", [tcp443({"security_group": "Endpoint"})], [])], {"cidr": "10.0.3.0/24", "security_groups": ["Endpoint"]}, ["allow", [["Task", 500]], []]),
		egress("names another group", [group("Task", [tcp443({"security_group": "Db"})], [])], {"cidr": "10.0.3.0/24", "security_groups": ["Endpoint"]}, ["deny", [], []]),
		egress("CIDR covering the endpoint subnet", [group("Task", [tcp443({"cidr": "10.0.0.0/16"})], [])], {"cidr": "10.0.3.0/24", "security_groups": ["Endpoint"]}, ["allow", [["Task", 500]], []]),
		egress("CIDR covering half the endpoint subnet", [group("Task", [tcp443({"cidr": "10.0.3.0/25"})], [])], {"cidr": "10.0.3.0/24", "security_groups": ["Endpoint"]}, ["undecided", [], ["security group Task egress rule 10.0.3.0/25"]]),
		egress("the gateway endpoint's prefix list", [group("Task", [tcp443({"prefix_list": "pl-s3"})], [])], {"cidr": public, "prefix_list": "pl-s3"}, ["allow", [["Task", 500]], []]),
		egress("another service's prefix list", [group("Task", [tcp443({"prefix_list": "pl-ddb"})], [])], {"cidr": public, "prefix_list": "pl-s3"}, ["deny", [], []]),
		egress("a customer list holding 0.0.0.0/0", [group("Task", [tcp443({"prefix_list": "pl-all"})], [])], {"cidr": public, "prefix_list": "pl-s3"}, ["allow", [["Task", 500]], []]),
		egress("a customer list without entries", [group("Task", [tcp443({"prefix_list": "pl-corp"})], [])], {"cidr": public, "prefix_list": "pl-s3"}, ["undecided", [], ["prefix list pl-corp"]]),
		egress("a prefix list not in the inputs", [group("Task", [tcp443({"prefix_list": "pl-0abc"})], [])], {"cidr": public, "prefix_list": "pl-s3"}, ["undecided", [], ["prefix list pl-0abc"]]),
	]) == set()
}

# A prefix list the inputs do not define: which addresses it holds is not known offline, and
# the fix says how to settle it for the rule's direction; a live scan read every list its rules
# name, so there it is only missing (FG801 gives the live scan's fix).
test_sg_prefix_list_not_in_the_inputs if {
	egress_rule := tcp443({"prefix_list": "pl-0abc"})
	out := data.fargate_preflight.lib.network.unlisted_prefix_list(egress_rule, "egress")
	out.ref == "prefix list pl-0abc"
	out.source == src(500)
	out.unknown == "prefix list pl-0abc is not in the scanned inputs, and its ID does not say whose addresses it holds: an AWS service's (S3's, DynamoDB's) or the account's own"
	contains(out.fix, "; allow the traffic to 0.0.0.0/0 instead; ")
	back := data.fargate_preflight.lib.network.unlisted_prefix_list(egress_rule, "ingress")
	contains(back.fix, "; admit the task's security group or subnet CIDRs instead; ")
	live_rule := object.union(egress_rule, {"source": {"file": "aws://123456789012/eu-west-1/sg-1", "line": 0}})
	live := data.fargate_preflight.lib.network.unlisted_prefix_list(live_rule, "egress")
	live.unknown == "prefix list pl-0abc is not in the scanned inputs"
	not live.fix
}

test_sg_unknowns if {
	failing_sg([
		{"name": "a group not in the inputs", "ids": ["Task", "sg-0123"], "groups": [group("Task", [], [])], "direction": "egress", "peer": {"cidr": public}, "want": ["undecided", [], ["security group sg-0123"]]},
		{"name": "a group not in the inputs but another allows", "ids": ["sg-0123", "Task"], "groups": [group("Task", [tcp443({"cidr": "0.0.0.0/0"})], [])], "direction": "egress", "peer": {"cidr": public}, "want": ["allow", [["Task", 500]], []]},
		{"name": "an unknown list of groups", "ids": unknown_cidr, "groups": [], "direction": "egress", "peer": {"cidr": public}, "want": ["undecided", [], ["Parameter AllowedCidr"]]},
		egress("an unknown rule CIDR", [group("Task", [tcp443({"cidr": unknown_cidr})], [])], {"cidr": public}, ["undecided", [], ["Parameter AllowedCidr"]]),
		egress("an unknown protocol", [group("Task", [rule(unknown_cidr, [443, 443], {"cidr": "0.0.0.0/0"})], [])], {"cidr": public}, ["undecided", [], ["Parameter AllowedCidr"]]),
		egress("an unknown egress list", [group("Task", unknown_cidr, [])], {"cidr": public}, ["undecided", [], ["Parameter AllowedCidr"]]),
		egress("an unknown rule that another rule makes moot", [group("Task", [tcp443({"cidr": unknown_cidr}), tcp443({"cidr": "0.0.0.0/0"})], [])], {"cidr": public}, ["allow", [["Task", 500]], []]),
	]) == set()
}

ingress(name, groups, peer, want) := {"name": name, "ids": [g.id | some g in groups], "groups": groups, "direction": "ingress", "peer": peer, "want": want}

test_sg_ingress_from_task if {
	failing_sg([
		ingress("from the task group", [group("Endpoint", [], [tcp443({"security_group": "Task"})])], {"cidr": "10.0.1.0/24", "security_groups": ["Task"]}, ["allow", [["Endpoint", 500]], []]),
		ingress("egress rules do not admit", [group("Endpoint", [tcp443({"security_group": "Task"})], [])], {"cidr": "10.0.1.0/24", "security_groups": ["Task"]}, ["deny", [], []]),
		ingress("from the VPC CIDR", [group("Endpoint", [], [tcp443({"cidr": "10.0.0.0/16"})])], {"cidr": "10.0.1.0/24", "security_groups": ["Task"]}, ["allow", [["Endpoint", 500]], []]),
		ingress("from another subnet", [group("Endpoint", [], [tcp443({"cidr": "10.0.2.0/24"})])], {"cidr": "10.0.1.0/24", "security_groups": ["Task"]}, ["deny", [], []]),
		ingress("default group admits itself", [group("Vpc/default-sg", [], [rule("-1", [null, null], {"security_group": "Vpc/default-sg"})])], {"cidr": "10.0.1.0/24", "security_groups": ["Vpc/default-sg"]}, ["allow", [["Vpc/default-sg", 500]], []]),
		ingress("default group does not admit others", [group("Vpc/default-sg", [], [rule("-1", [null, null], {"security_group": "Vpc/default-sg"})])], {"cidr": "10.0.1.0/24", "security_groups": ["Task"]}, ["deny", [], []]),
		ingress("unknown task groups", [group("Endpoint", [], [tcp443({"security_group": "Task"})])], {"cidr": "10.0.1.0/24", "security_groups": unknown_cidr}, ["undecided", [], ["Parameter AllowedCidr"]]),
		ingress("one unknown task group", [group("Endpoint", [], [tcp443({"security_group": "Task"})])], {"cidr": "10.0.1.0/24", "security_groups": ["Other", unknown_cidr]}, ["undecided", [], ["Parameter AllowedCidr"]]),
		ingress("unknown task subnet CIDR", [group("Endpoint", [], [tcp443({"cidr": "10.0.0.0/16"})])], {"cidr": unknown_cidr, "security_groups": ["Task"]}, ["undecided", [], ["Parameter AllowedCidr"]]),
	]) == set()
}

test_sg_public_wrappers if {
	groups := {"Task": group("Task", [tcp443({"cidr": "0.0.0.0/0"})], [tcp443({"cidr": "0.0.0.0/0"})])}
	e := data.fargate_preflight.lib.network.sg_egress_verdict(["Task"], 443, {"cidr": public}, src(700)) with input as {"security_groups": groups}
	e.verdict == "allow"
	i := data.fargate_preflight.lib.network.sg_ingress_verdict(["Task"], 80, {"cidr": "10.0.1.0/24"}, src(700)) with input as {"security_groups": groups}
	i.verdict == "deny"
	m := data.fargate_preflight.lib.network.sg_egress_verdict(["sg-0123"], 443, {"cidr": public}, src(700)) with input as {"security_groups": groups}
	m.unknowns == [{"unknown": "security group sg-0123 is not in the scanned inputs", "ref": "security group sg-0123", "source": src(700)}]
}

test_sg_names if {
	groups := {"A": group("A", [], []), "B": group("B", [], []), "C": group("C", [], [])}
	data.fargate_preflight.lib.network.sg_names(["A"]) == "security group A" with input as {"security_groups": groups}
	data.fargate_preflight.lib.network.sg_names(["A", "sg-9"]) == "security groups A and sg-9" with input as {"security_groups": groups}
	data.fargate_preflight.lib.network.sg_names(["A", "B", "C"]) == "security groups A, B and C" with input as {"security_groups": groups}
}

# ---------------------------------------------------------------------------------------------
# The task side of a path

world := {
	"vpcs": {"Vpc": {"id": "Vpc", "name": "Vpc", "source": src(2), "default_security_group": "Vpc/default-sg"}},
	"subnets": {
		"TaskA": {"id": "TaskA", "name": "TaskA", "vpc": "Vpc", "cidr": "10.0.1.0/24", "nacl": "Nacl", "route_table": "Rt", "source": src(3)},
		"EndpointA": {"id": "EndpointA", "name": "EndpointA", "vpc": "Vpc", "cidr": "10.0.3.0/24", "nacl": "Nacl", "route_table": "Rt", "source": src(4)},
		"Orphan": {"id": "Orphan", "name": "Orphan", "vpc": "vpc-0999", "cidr": "10.9.0.0/24", "nacl": "acl-0123", "route_table": "Rt", "source": src(5)},
	},
	"nacls": {"Nacl": nacl([])},
	"task_definitions": {
		"Linux": {"id": "Linux", "name": "Linux", "os_family": "LINUX", "source": src(6)},
		"Windows": {"id": "Windows", "name": "Windows", "os_family": "WINDOWS_SERVER_2022_CORE", "source": src(7)},
		"Unsettled": {"id": "Unsettled", "name": "Unsettled", "os_family": unknown_cidr, "source": src(8)},
	},
}

svc(td, sgs) := {"id": "Web", "name": "Web", "kind": "service", "source": src(9), "task_definition": td, "network": {"subnets": ["TaskA"], "security_groups": sgs, "assign_public_ip": "DISABLED"}}

test_task_return_ports if {
	# regal ignore:pointless-reassignment
	w := world
	data.fargate_preflight.lib.network.task_return_ports(svc("Linux", [])) == [32768, 60999] with input as w
	data.fargate_preflight.lib.network.task_return_ports(svc("Windows", [])) == [49152, 65535] with input as w

	# either OS's range, with the unknown that settles which
	data.fargate_preflight.lib.network.task_return_ports(svc("Unsettled", [])) == [32768, 65535, unknown_cidr] with input as w
	missing := data.fargate_preflight.lib.network.task_return_ports(svc("td-0missing", [])) with input as w
	[missing[0], missing[1], missing[2].ref] == [32768, 65535, "task definition td-0missing"]
}

test_task_security_group_ids if {
	# regal ignore:pointless-reassignment
	w := world
	data.fargate_preflight.lib.network.task_security_group_ids(svc("Linux", ["AppSg"]), "TaskA") == ["AppSg"] with input as w
	data.fargate_preflight.lib.network.task_security_group_ids(svc("Linux", []), "TaskA") == ["Vpc/default-sg"] with input as w
	data.fargate_preflight.lib.network.task_security_group_ids(svc("Linux", unknown_cidr), "TaskA") == unknown_cidr with input as w
	missing_vpc := data.fargate_preflight.lib.network.task_security_group_ids(svc("Linux", []), "Orphan") with input as w
	missing_vpc.ref == "VPC vpc-0999"
	missing_subnet := data.fargate_preflight.lib.network.task_security_group_ids(svc("Linux", []), "subnet-0404") with input as w
	missing_subnet.ref == "subnet subnet-0404"
}

test_task_peer if {
	# regal ignore:pointless-reassignment
	w := world
	p := data.fargate_preflight.lib.network.task_peer(["Vpc/default-sg"], "TaskA") with input as w
	p == {
		"peer": {"security_groups": ["Vpc/default-sg"], "cidr": "10.0.1.0/24"},
		"label": "security group Vpc/default-sg or subnet TaskA (10.0.1.0/24)",
		"fix_source": "security group Vpc/default-sg",
	}
}

test_subnet_nacl if {
	# regal ignore:pointless-reassignment
	w := world
	data.fargate_preflight.lib.network.subnet_nacl(world.subnets.TaskA) == nacl([]) with input as w
	orphan := data.fargate_preflight.lib.network.subnet_nacl(world.subnets.Orphan) with input as w
	orphan.ref == "network ACL acl-0123"
	data.fargate_preflight.lib.network.subnet_nacl(unknown_cidr) == unknown_cidr
}

path(kind, destinations) := {
	"service": "Web", "need": "logs", "port": 443, "subnet": "TaskA", "kind": kind,
	"endpoint": null, "nat_gateway": null, "destinations": destinations,
	"security_groups": [], "prefix_list": null, "hop": {"from": "", "via": "", "to": "", "detail": ""},
}

test_path_remotes if {
	# regal ignore:pointless-reassignment
	w := world
	task := world.subnets.TaskA
	internet := data.fargate_preflight.lib.network.path_remotes(path("internet", [{"subnet": null, "cidr": "0.0.0.0/0"}]), task) with input as w
	internet == [{"remote": public, "label": "0.0.0.0/0"}]
	gateway := data.fargate_preflight.lib.network.path_remotes(path("gateway", [{"subnet": null, "cidr": "0.0.0.0/0"}]), task) with input as w
	gateway == [{"remote": public, "label": "0.0.0.0/0"}]

	# the ENI in the task subnet is not behind a NACL
	interface := data.fargate_preflight.lib.network.path_remotes(path("interface", [{"subnet": "EndpointA", "cidr": "10.0.3.0/24"}, {"subnet": "TaskA", "cidr": "10.0.1.0/24"}]), task) with input as w
	interface == [{"remote": "10.0.3.0/24", "label": "subnet EndpointA (10.0.3.0/24)"}]

	# a target CIDR inside the task subnet is not filtered either
	target := data.fargate_preflight.lib.network.path_remotes(path("target", [{"subnet": null, "cidr": "10.0.1.128/25"}, {"subnet": null, "cidr": "10.8.0.0/16"}]), task) with input as w
	target == [{"remote": "10.8.0.0/16", "label": "10.8.0.0/16"}]
}

test_group_finding_names_every_failing_hop_in_order if {
	group := {
		{"service": "Web", "need": "logs", "text": "b fails", "fix": "Fix b.", "resource": "B", "source": src(2), "hop": {"from": "b"}},
		{"service": "Web", "need": "logs", "text": "a fails", "fix": "Fix a.", "resource": "A", "source": src(1), "hop": {"from": "a"}},
	}
	data.fargate_preflight.lib.network.group_finding(["Web", "logs"], group) == {
		"resource": "A", "service": "Web", "need": "logs",
		"message": "service Web cannot reach logs: a fails; b fails",
		"fix": "Fix a. Fix b.", "hop": {"from": "a"}, "source": src(1),
	}
}

test_verdict_keys if {
	flow := {"egress": false, "ports": [32768, 60999], "remote": public, "label": "0.0.0.0/0", "return": true}
	data.fargate_preflight.lib.network.nacl_key("Nacl", flow) == ["Nacl", false, [32768, 60999], public]
	data.fargate_preflight.lib.network.nacl_ref(nacl([])) == "Nacl"
	data.fargate_preflight.lib.network.nacl_ref(unknown_nacl) == unknown_nacl

	# the same key gives the verdict of the NACL it names
	w := {"nacls": {"Nacl": nacl([in_tcp(90, "deny", "0.0.0.0/0", [1024, 65535])])}}
	v := data.fargate_preflight.lib.network.nacl_key_verdict(["Nacl", false, [32768, 60999], public]) with input as w
	[v.verdict, [e.rule | some e in v.entries]] == ["deny", [90]]
}

test_sg_key_verdict_leaves_missing_groups_to_be_located if {
	v := data.fargate_preflight.lib.network.sg_key_verdict([["sg-0123"], "egress", 443, {"cidr": public}]) with input as {"security_groups": {}}
	[u.source | some u in v.unknowns] == [null]
	data.fargate_preflight.lib.network.with_source(v.unknowns[0], src(9)).source == src(9)
	data.fargate_preflight.lib.network.with_source(unknown_cidr, src(9)).source == src(900)
}

test_grouped_findings_one_per_service_and_need if {
	failures := {
		{"service": "Web", "need": "s3", "text": "c fails", "fix": "Fix c.", "resource": "C", "source": src(3), "hop": null},
		{"service": "Web", "need": "logs", "text": "b fails", "fix": "Fix b.", "resource": "B", "source": src(2), "hop": null},
		{"service": "Api", "need": "logs", "text": "d fails", "fix": "Fix d.", "resource": "D", "source": src(4), "hop": null},
		{"service": "Web", "need": "logs", "text": "a fails", "fix": "Fix a.", "resource": "A", "source": src(1), "hop": null},
	}
	{[f.service, f.need, f.message, f.resource] | some f in data.fargate_preflight.lib.network.grouped_findings(failures)} == {
		["Api", "logs", "service Api cannot reach logs: d fails", "D"],
		["Web", "logs", "service Web cannot reach logs: a fails; b fails", "A"],
		["Web", "s3", "service Web cannot reach s3: c fails", "C"],
	}
	data.fargate_preflight.lib.network.grouped_findings(set()) == set()
}

test_uses_share_a_shape_between_services_in_one_subnet if {
	w := object.union(world, {"services": {
		"Web": svc("Linux", ["AppSg"]),
		"Api": object.union(svc("Linux", ["AppSg"]), {"id": "Api", "name": "Api"}),
		"Win": object.union(svc("Windows", ["AppSg"]), {"id": "Win", "name": "Win"}),
	}})
	p := path("internet", [{"subnet": null, "cidr": "0.0.0.0/0"}])
	paths := {p, object.union(p, {"service": "Api", "need": "s3"}), object.union(p, {"service": "Win"})}
	uses := data.fargate_preflight.lib.network.uses with input as w with data.fargate_preflight.lib.paths.selected as paths
	{[u.service, u.need] | some u in uses} == {["Web", "logs"], ["Api", "s3"], ["Win", "logs"]}

	# Web and Api share one shape; the Windows task's return ports make its own
	count({u.shape | some u in uses}) == 2
	{u.shape.return_ports | some u in uses} == {[32768, 60999], [49152, 65535]}
}
