# CIDR blocks as address ranges, for network.rego (same package, described there): parsing,
# containment and overlap, and how much of a destination a rule's CIDR covers. This file is
# named to load before network.rego and network_flows.rego and uses neither.
package fargate_preflight.lib.network

import rego.v1

# public stands for an AWS service's public addresses (see the package description).
public := "public"

max_ipv4 := 4294967295

# Address blocks that never hold an AWS service's public addresses: "this network", RFC 1918
# private, RFC 6598 shared, loopback, link-local, multicast and reserved.
not_public_cidrs := [
	"0.0.0.0/8",
	"10.0.0.0/8",
	"100.64.0.0/10",
	"127.0.0.0/8",
	"169.254.0.0/16",
	"172.16.0.0/12",
	"192.168.0.0/16",
	"224.0.0.0/4",
	"240.0.0.0/4",
]

not_public_ranges := [ipv4_range(c) | some c in not_public_cidrs]

# Octets and prefix lengths as written in a canonical CIDR, by text: parsing through these
# tables keeps malformed text (leading zeros, 256, letters) undefined, where to_number would
# abort the whole regorus evaluation, and costs far less than a regex per call.
octet_values[text] := i if {
	some i in numbers.range(0, 255)
	text := sprintf("%d", [i])
}

prefix_values[text] := i if {
	some i in numbers.range(0, 32)
	text := sprintf("%d", [i])
}

is_ipv4_cidr(c) if ipv4_range(c)

is_ipv6_cidr(c) if {
	is_string(c)
	contains(c, ":")
	net.cidr_is_valid(c)
}

# ipv4_range returns [first, last] address of an IPv4 CIDR as integers (host bits ignored).
# A parse costs regorus some 35 microseconds, and the NACL and security group checks ask for
# the same few CIDRs thousands of times: the input's are parsed once, into input_ranges.
ipv4_range(c) := r if {
	r := input_ranges[c]
} else := parse_ipv4_range(c)

# A comprehension: regorus 0.9.1 fails on this as a partial object rule ("not an object").
# regal ignore:prefer-set-or-object-rule
input_ranges := {c: r | some c in input_cidrs; r := parse_ipv4_range(c)}

# input_cidrs: the IPv4 CIDRs the policies compare (a value that is not one fails to parse).
# (`some .. in` an unknown or null is an error in regorus, so each list is checked first.)
input_cidrs contains c if some c in not_public_cidrs

input_cidrs contains entry if {
	some subnet in input.subnets
	entry := subnet.cidr
}

input_cidrs contains c if {
	some vpc in input.vpcs
	is_array(vpc.cidr_blocks)
	some c in vpc.cidr_blocks
}

input_cidrs contains entry if {
	some nacl in input.nacls
	is_array(nacl.entries)
	some e in nacl.entries
	entry := e.cidr
}

input_cidrs contains entry if {
	some sg in input.security_groups
	some direction in ["ingress", "egress"]
	is_array(sg[direction])
	some r in sg[direction]
	entry := r.cidr
}

input_cidrs contains c if {
	some pl in input.prefix_lists
	is_array(pl.cidrs)
	some c in pl.cidrs
}

input_cidrs contains entry if {
	some n in input.declared_needs
	entry := n.target_cidr
}

parse_ipv4_range(c) := [first, (first + size) - 1] if {
	is_string(c)
	parts := split(c, "/")
	o := [object.get(octet_values, x, -1) | some x in split(parts[0], ".")]
	count(o) == 4
	every v in o {
		v >= 0
	}
	address := (((((o[0] * 256) + o[1]) * 256) + o[2]) * 256) + o[3]
	host_bits := 32 - prefix_length(parts)
	size := bits.lsh(1, host_bits)
	first := bits.lsh(bits.rsh(address, host_bits), host_bits)
}

prefix_length(parts) := prefix_values[parts[1]] if count(parts) == 2

prefix_length(parts) := 32 if count(parts) == 1

range_contains(outer, inner) if {
	outer[0] <= inner[0]
	inner[1] <= outer[1]
}

ranges_overlap(a, b) if {
	a[0] <= b[1]
	b[0] <= a[1]
}

# cidr_contains holds when `outer` contains `inner`; an IPv4 and an IPv6 block never do.
cidr_contains(outer, inner) if {
	range_contains(ipv4_range(outer), ipv4_range(inner))
} else if {
	is_ipv6_cidr(outer)
	is_ipv6_cidr(inner)
	net.cidr_contains(outer, inner)
}

# cidr_overlaps: CIDR blocks overlap exactly when one contains the other.
cidr_overlaps(a, b) if {
	cidr_contains(a, b)
} else if {
	cidr_contains(b, a)
}

# in_not_public holds for an address range inside a block that is never public.
in_not_public(r) if {
	some np in not_public_ranges
	range_contains(np, r)
}

# destination_range is the address range a destination stands for.
destination_range(dest) := [0, max_ipv4] if dest == public

else := ipv4_range(dest)

# valid_destination: `public` or a parsable IPv4 CIDR (the paths analysed are IPv4 only).
# (An else chain: a second definition would parse `public` as a CIDR on every call.)
valid_destination(dest) if {
	dest == public
} else if {
	is_ipv4_cidr(dest)
}

# cidr_coverage says how much of a destination an IPv4 rule CIDR covers: "covers", "partial"
# or "none". IPv6 and unparsable rule CIDRs never match an IPv4 destination.
cidr_coverage(rule_cidr, dest) := "covers" if {
	range_contains(ipv4_range(rule_cidr), destination_range(dest))
} else := "none" if {
	dest == public
	in_not_public(ipv4_range(rule_cidr))
} else := "partial" if {
	ranges_overlap(ipv4_range(rule_cidr), destination_range(dest))
} else := "none"
