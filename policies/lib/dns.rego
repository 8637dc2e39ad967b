# METADATA
# description: |
#   Which DNS servers a VPC's tasks ask (docs/reasoning.md §1, "DNS servers"). Every need the
#   tasks reach by name (an AWS service or registry, an EFS file system) resolves that name
#   first; an interface endpoint's private DNS name resolves to its ENIs only through the
#   Route 53 Resolver ("VPC endpoints only support Amazon-provided DNS through Amazon Route
#   53"). A VPC whose DHCP option set gives other DNS servers (also beside AmazonProvidedDNS:
#   which server a task's resolver asks is not documented), none, or one the inputs do not
#   settle leaves each path verdict that would otherwise pass undecided (FG801), at the option
#   set. A VPC with no option set at all (`null`) is taken to use the Resolver: AWS gives
#   instances built on the Nitro System 169.254.169.253 then. A verdict that fails stays an
#   error: DNS does not repair a missing path (rules/fg801 leaves out what a path rule fails).
package fargate_preflight.lib.dns

import rego.v1

# The names of the Route 53 Resolver in a DHCP option set: AmazonProvidedDNS, and its
# addresses (169.254.169.253; the base of the VPC's primary IPv4 CIDR plus two).
resolver_address := "169.254.169.253"

amazon_provided := "AmazonProvidedDNS"

# The path verdicts that pass, of a need reached by name, whose VPC's DNS servers are not
# settled to be the Route 53 Resolver: [service name, need] -> what they wait for, in the shape
# of a rule's `undecided`. rules/fg801 leaves out those a path rule (FG102, FG3xx, FG4xx)
# fails: that need is an error already.
passing contains item if {
	some [sid, ref, key], r in data.fargate_preflight.lib.paths.all_decisions
	r.verdict == "ok"
	by_name(key)
	u := vpc_unknowns[input.subnets[ref].vpc]
	svc := input.services[sid]
	entry := {"unknown": u, "service": svc.name, "rules": data.fargate_preflight.lib.needs.blocked_rules[key.kind]}
	item := [[svc.name, key.need], entry]
}

by_name(key) if key.kind in {"endpoint", "internet"}

by_name(key) if {
	key.kind == "target"
	startswith(key.need, "efs:")
}

# vpc_unknowns[VPC id] is what the name resolution of its tasks waits for; absent when its DNS
# server is the Route 53 Resolver alone, and when its DNS support is off (FG501 is the error).
vpc_unknowns[id] := u if {
	some id, vpc in input.vpcs
	vpc.enable_dns_support != false
	u := vpc_unknown(vpc)
}

# vpc_unknown: the option set the inputs do not settle, its server list or one of its servers
# that they do not settle, or its servers when they are not the Route 53 Resolver alone, as
# one unsettled value.
vpc_unknown(vpc) := options if {
	options := object.get(vpc, "dhcp_options", amazon_provided)
	data.fargate_preflight.lib.model.is_unknown(options)
} else := servers if {
	servers := vpc.dhcp_options.domain_name_servers
	data.fargate_preflight.lib.model.is_unknown(servers)
} else := server if {
	some server in vpc.dhcp_options.domain_name_servers
	data.fargate_preflight.lib.model.is_unknown(server)
} else := servers_unknown(vpc, vpc.dhcp_options) if {
	servers := vpc.dhcp_options.domain_name_servers
	is_array(servers)
	not resolver_only(vpc, servers)
}

resolver_only(vpc, servers) if {
	count(servers) > 0
	every s in servers {
		resolver(vpc, s)
	}
}

resolver(_, s) if s in {amazon_provided, resolver_address}

resolver(vpc, s) if {
	is_string(s)
	is_array(vpc.cidr_blocks)
	first := data.fargate_preflight.lib.network.ipv4_range(vpc.cidr_blocks[0])[0]
	data.fargate_preflight.lib.network.ipv4_range(s) == [first + 2, first + 2]
}

servers_unknown(vpc, options) := {
	"unknown": servers_text(options.domain_name_servers, others, resolver_text(vpc)),
	"ref": sprintf("DHCP option set %s", [options.name]),
	"source": options.source,
	"fix": servers_fix(options, others, resolver_text(vpc)),
} if {
	others := [s | some s in options.domain_name_servers; not resolver(vpc, s)]
}

resolver_text(vpc) := sprintf("%s or %s", [resolver_address, dotted(base + 2)]) if {
	is_array(vpc.cidr_blocks)
	base := data.fargate_preflight.lib.network.ipv4_range(vpc.cidr_blocks[0])[0]
} else := sprintf("%s, or the base of VPC %s's CIDR plus two", [resolver_address, vpc.name])

dotted(n) := sprintf("%d.%d.%d.%d", [
	bits.rsh(n, 24),
	bits.and(bits.rsh(n, 16), 255),
	bits.and(bits.rsh(n, 8), 255),
	bits.and(n, 255),
])

# forward agrees with the servers it follows.
forward(others) := "forwards" if count(others) == 1

else := "forward"

servers_text(servers, others, r53) := concat(" ", [
	"it gives no DNS servers, and which one Fargate tasks get then is not documented",
]) if {
	count(servers) == 0
} else := sprintf(
	concat(" ", [
		"it gives the DNS servers %s%s: whether the tasks resolve the names of the AWS services and",
		"interface endpoints they reach depends on %s forwarding those queries to the Route 53",
		"Resolver (%s)",
	]),
	[
		concat(", ", others),
		beside(servers, others),
		concat(", ", others),
		r53,
	],
)

# beside names AmazonProvidedDNS listed with other servers: which one a task's resolver asks is
# not documented (glibc asks them in order and moves on when one does not answer; musl asks all
# at once and takes the first answer).
beside(servers, others) := sprintf(" beside %s, and a task's resolver may ask either", [amazon_provided]) if {
	count(others) < count(servers)
} else := sprintf(", not %s", [amazon_provided])

# The setting a fix names, in the language of the option set's source.
servers_setting := {
	"cloudformation": "DomainNameServers",
	"terraform": "domain_name_servers",
	"api": "domain-name-servers",
}

servers_fix(options, others, r53) := sprintf("Set the %s of DHCP option set %s to %s.", [
	data.fargate_preflight.lib.result.field(options.source, servers_setting),
	options.name,
	amazon_provided,
]) if {
	count(others) == 0
} else := sprintf(
	concat(" ", [
		"Make %s the only %s of DHCP option set %s, or make sure %s %s the names",
		"the tasks resolve (*.amazonaws.com, and the private DNS names of interface endpoints) to the",
		"Route 53 Resolver (%s).",
	]),
	[
		amazon_provided,
		data.fargate_preflight.lib.result.field(options.source, servers_setting),
		options.name,
		concat(", ", others),
		forward(others),
		r53,
	],
)
