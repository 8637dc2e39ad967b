# The DNS servers of a VPC's DHCP option set (lib/dns.rego), on paths_test.rego's isolated VPC:
# its endpoint paths pass, unless the servers are not settled to be the Route 53 Resolver.
package fargate_preflight.lib.paths_test

import rego.v1

with_dhcp(model, options) := object.union(model, {"vpcs": {"Vpc": {"dhcp_options": options}}})

dhcp(servers) := {"name": "Dhcp", "domain_name_servers": servers, "source": src(90)}

# what FG801 gathers from lib/dns.rego: the passing verdicts that no path rule fails
dns_undecided(model) := {u |
	passing := data.fargate_preflight.lib.dns.passing with input as model
	failing := data.fargate_preflight.rules.fg801.path_failing with input as model
	some [pair, u] in passing
	not pair in failing
}

endpoint_rules := data.fargate_preflight.lib.needs.blocked_rules.endpoint

test_custom_dns_servers_leave_every_passing_endpoint_path_undecided if {
	dns_undecided(with_dhcp(isolated, dhcp(["10.0.0.53"]))) == {{
		"unknown": {
			"unknown": concat("", [
				"it gives the DNS servers 10.0.0.53, not AmazonProvidedDNS: whether the tasks resolve the names ",
				"of the AWS services and interface endpoints they reach depends on 10.0.0.53 forwarding those ",
				"queries to the Route 53 Resolver (169.254.169.253 or 10.0.0.2)",
			]),
			"ref": "DHCP option set Dhcp",
			"source": src(90),
			"fix": concat("", [
				"Make AmazonProvidedDNS the only DomainNameServers of DHCP option set Dhcp, or make sure ",
				"10.0.0.53 forwards the names the tasks resolve (*.amazonaws.com, and the private DNS names ",
				"of interface endpoints) to the Route 53 Resolver (169.254.169.253 or 10.0.0.2).",
			]),
		},
		"service": "Service",
		"rules": endpoint_rules,
	}}
}

test_custom_dns_servers_give_one_fg801_note_at_the_option_set if {
	notes := data.fargate_preflight.rules.fg801.deny with input as with_dhcp(isolated, dhcp(["10.0.0.53", "10.0.0.54"]))
	count(notes) == 1
	some n in notes
	n.resource == "DHCP option set Dhcp"
	n.service == "Service"
	n.location == {"file": "stack.yaml", "line": 90}
	contains(n.fix, "or make sure 10.0.0.53, 10.0.0.54 forward the names")
}

test_the_route_53_resolver_alone_settles_name_resolution if {
	every servers in [["AmazonProvidedDNS"], ["169.254.169.253"], ["10.0.0.2"], ["AmazonProvidedDNS", "10.0.0.2"]] {
		count(dns_undecided(with_dhcp(isolated, dhcp(servers)))) == 0
	}
}

test_no_dhcp_options_field_is_the_regions_default_set if {
	count(dns_undecided(isolated)) == 0
}

test_amazon_provided_dns_beside_another_server_is_not_settled if {
	{e.unknown.unknown | some e in dns_undecided(with_dhcp(isolated, dhcp(["AmazonProvidedDNS", "10.0.0.53"])))} == {concat("", [
		"it gives the DNS servers 10.0.0.53 beside AmazonProvidedDNS, and a task's resolver may ask either: ",
		"whether the tasks resolve the names of the AWS services and interface endpoints they reach depends ",
		"on 10.0.0.53 forwarding those queries to the Route 53 Resolver (169.254.169.253 or 10.0.0.2)",
	])}
}

test_an_option_set_without_dns_servers_is_not_settled if {
	{[e.unknown.unknown, e.unknown.fix] | some e in dns_undecided(with_dhcp(isolated, dhcp([])))} == {[
		"it gives no DNS servers, and which one Fargate tasks get then is not documented",
		"Set the DomainNameServers of DHCP option set Dhcp to AmazonProvidedDNS.",
	]}
}

test_no_option_set_is_taken_as_the_resolver if {
	count(dns_undecided(with_dhcp(isolated, null))) == 0
}

test_an_unsettled_option_set_or_server_is_that_unknown if {
	u := unknown("Parameter DhcpOptionsId", 5)
	{e.unknown | some e in dns_undecided(with_dhcp(isolated, u))} == {u}
	{e.unknown | some e in dns_undecided(with_dhcp(isolated, dhcp(u)))} == {u}
	{e.unknown | some e in dns_undecided(with_dhcp(isolated, dhcp(["AmazonProvidedDNS", u])))} == {u}
}

test_a_failing_path_stays_an_error_and_gets_no_dns_note if {
	# no egress from the task: FG401 for every need, and no need left to note
	m := object.union(with_dhcp(isolated, dhcp(["10.0.0.53"])), {"security_groups": {"TaskSG": {"egress": []}}})
	count(data.fargate_preflight.rules.fg401.deny) == 4 with input as m
	count(dns_undecided(m)) == 0
}

test_no_dns_note_where_dns_support_is_off if {
	m := with_dhcp(object.union(isolated, {"vpcs": {"Vpc": {"enable_dns_support": false}}}), dhcp(["10.0.0.53"]))
	count(dns_undecided(m)) == 0
}

test_a_need_without_a_path_gets_no_dns_note if {
	m := with_dhcp(object.union(object.remove(isolated, ["vpc_endpoints"]), {"vpc_endpoints": {}}), dhcp(["10.0.0.53"]))
	count(reasons(m)) == 4
	count(dns_undecided(m)) == 0
}
