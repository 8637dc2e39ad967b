# METADATA
# description: |
#   Path selection (docs/reasoning.md §2): for every analysed service × task subnet × need,
#   the path AWS would use, in AWS's order: an interface endpoint with private DNS, a
#   gateway endpoint on the subnet's route table, the default route (internet gateway with
#   a public IP, or a working NAT gateway); otherwise no path and the one reason for it.
#   Outputs (docs/policies.md "The path contract"):
#   - selected: the chosen paths, read by the FG3xx/FG4xx/FG102 rules;
#   - no_path / failures[service][need][rule]: why a need has no path (FG201–FG205, FG502,
#     FG503), with the failing hop;
#   - out_of_scope / leaves_scope[service][need]: paths that leave what the inputs show (FG206);
#   - verdicts: every service × need × subnet with a one-line path, for the text report;
#   - undecided: what an unknown value kept from being decided.
#   Values that do not settle a step make it undecided only when that step matters: an
#   unknown NAT gateway does not matter when an interface endpoint serves the need.
package fargate_preflight.lib.paths

import rego.v1

# The package spans several files, each using only the ones before it: paths.rego (indexes,
# names, task subnets), paths_analysis.rego (where each task subnet's default route leads,
# through NAT and internet gateways), paths_causes.rego (why a need has no path, as its
# failing hop says it), paths_decisions.rego (the decision per task subnet × need),
# paths_outputs.rego (what the rules read), paths_targets.rego (declared targets).
# The OPA engine pushes one module at a time and OPA compiles each against those already
# stored, so the files must not refer to each other in a cycle (`opa check` of paths.rego
# alone with the other lib files must pass).

# --- indexes (built once; every later lookup is by id) --------------------------------

# Endpoints that no longer exist (live scans) carry no traffic.
gone_states := {"deleted", "deleting", "failed", "rejected", "expired"}

usable_endpoint(ep) if {
	not object.get(ep, "state", null) in gone_states
}

# vpc_key identifies a VPC by id, or an unknown VPC by its ref: two references to the same
# unsettled value (one `Fn::ImportValue`) are the same VPC.
vpc_key(v) := v if {
	is_string(v)
} else := sprintf("?%s", [v.ref]) if {
	data.fargate_preflight.lib.model.is_unknown(v)
}

interface_endpoints[vpc][service] contains id if {
	some id, ep in input.vpc_endpoints
	ep.type == "Interface"
	usable_endpoint(ep)
	vpc := vpc_key(ep.vpc)
	service := ep.service
	is_string(service)
	not inbound_only(ep, vpc)
}

# inbound_only: an S3 (or DynamoDB) interface endpoint whose private DNS answers only
# on-premises clients through a Route 53 Resolver inbound endpoint: the VPC's own traffic
# resolves the service's public addresses and takes the gateway endpoint (docs/reasoning.md §1).
# Left unset, AWS turns the option on when the VPC has that gateway endpoint.
inbound_only(ep, _) if ep.private_dns_inbound_only == true

inbound_only(ep, vpc) if {
	object.get(ep, "private_dns_inbound_only", null) == null
	ep.private_dns == true
	ep.service in gateway_services
	count(object.get(gateway_endpoints, [vpc, ep.service], set())) > 0
}

gateway_endpoints[vpc][service] contains id if {
	some id, ep in input.vpc_endpoints
	ep.type == "Gateway"
	usable_endpoint(ep)
	vpc := vpc_key(ep.vpc)
	service := ep.service
	is_string(service)
}

gateway_on_route_table[rt][service] contains id if {
	some id, ep in input.vpc_endpoints
	ep.type == "Gateway"
	usable_endpoint(ep)
	is_array(ep.route_tables)
	some rt in ep.route_tables
	is_string(rt)
	service := ep.service
	is_string(service)
}

# Gateway endpoints whose route tables are (partly) unknown: any route table might be one.
gateway_unsettled[vpc][service] contains id if {
	some id, ep in input.vpc_endpoints
	ep.type == "Gateway"
	usable_endpoint(ep)
	some u in unknown_route_tables(ep)
	vpc := vpc_key(ep.vpc)
	service := ep.service
	is_string(service)
}

unknown_route_tables(ep) := {ep.route_tables} if {
	data.fargate_preflight.lib.model.is_unknown(ep.route_tables)
} else := rts if {
	rts := {rt |
		some rt in ep.route_tables
		data.fargate_preflight.lib.model.is_unknown(rt)
	}
}

# open_endpoints[vpc] are the endpoints whose service or type the inputs do not settle (a
# parameter; a live VPC whose endpoints could not be listed): one of them may be the endpoint a
# need has no path without, so such a need is undecided, not failed (paths_decisions.rego).
open_endpoints[vpc] contains id if {
	some id, ep in input.vpc_endpoints
	usable_endpoint(ep)
	open_part(ep)
	vpc := vpc_key(ep.vpc)
}

# open_part is the unsettled service or type of an endpoint.
open_part(ep) := ep.service if {
	data.fargate_preflight.lib.model.is_unknown(ep.service)
} else := ep.type if {
	data.fargate_preflight.lib.model.is_unknown(ep.type)
}

mount_targets[fs] contains id if {
	some id, mt in input.efs_mount_targets
	fs := mt.file_system
	is_string(fs)
}

gateway_services := {"s3", "dynamodb"}

# --- names for messages ----------------------------------------------------------------

name_of(collection, id) := name if {
	name := input[collection][id].name
} else := data.fargate_preflight.lib.model.show(id)

route_type_label := {
	"igw": "igw",
	"nat": "nat",
	"tgw": "transit gateway",
	"vgw": "virtual private gateway",
	"pcx": "VPC peering connection",
	"eni": "network interface",
	"vpce": "gateway load balancer endpoint",
	"instance": "instance",
	"cgw": "customer gateway",
	"lgw": "local gateway",
	"carrier": "carrier gateway",
	"eigw": "egress-only internet gateway",
	"local": "local",
}

route_target_collection := {"igw": "internet_gateways", "nat": "nat_gateways", "eigw": "internet_gateways"}

route_target_text(r) := sprintf("%s %s", [r.target_type, target_name]) if {
	r.target_type in {"igw", "nat"}
	target_name := name_of(route_target_collection[r.target_type], r.target)
} else := sprintf("%s %s (%s)", [
	r.target_type,
	data.fargate_preflight.lib.model.show(r.target),
	object.get(route_type_label, r.target_type, r.target_type),
])

# plural gives "subnet" for one item, "subnets" for more.
plural(word, items) := word if {
	count(items) == 1
} else := sprintf("%ss", [word])

# --- the service's task subnets --------------------------------------------------------

network(svc) := svc.network if {
	is_object(svc.network)
	not data.fargate_preflight.lib.model.is_unknown(svc.network)
}

# (An unknown `network` has no `subnets`: the same as through network(svc), without its calls.)
listed_subnets(svc) := subnets if {
	subnets := svc.network.subnets
	is_array(subnets)
}

# Subnets that cannot be judged: the list itself, an element, or an id not in the inputs.
# unsettled_subnets maps a label for the report (the id, or the unknown's ref) to the unknown.
unsettled_subnets(svc) := {data.fargate_preflight.lib.model.show(u): u} if {
	u := network(svc).subnets
	data.fargate_preflight.lib.model.is_unknown(u)
} else := unknowns if {
	found := {[subnet_label(ref), u] |
		some ref in listed_subnets(svc)
		u := data.fargate_preflight.lib.model.lookup("subnets", ref, data.fargate_preflight.lib.model.network_source(svc))
		data.fargate_preflight.lib.model.is_unknown(u)
	}

	# Two elements may be one unsettled value read twice (`!Select [0, !Split [",",
	# !ImportValue X]]` and `!Select [1, ...]`): one label, the first of its places.
	unknowns := {label: places[0] |
		some [label, _] in found
		places := sort([pair[1] | some pair in found; pair[0] == label])
	}
}

subnet_label(ref) := ref if {
	is_string(ref)
} else := data.fargate_preflight.lib.model.show(ref)

# The need identity a path is chosen for: needs that differ only in who calls or why share
# a path.
need_key(n) := {"need": n.need, "kind": n.kind, "port": n.port, "region": n.region, "target": n.target}
