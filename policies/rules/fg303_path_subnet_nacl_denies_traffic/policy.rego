# METADATA
# title: Network ACL of another subnet on the path denies the traffic
# description: |
#   The network ACL of every other subnet the traffic crosses must allow it both ways: an
#   interface endpoint's or EFS mount target's subnet must allow inbound TCP on the port from
#   the task subnet and outbound replies to the task's ephemeral ports; a NAT gateway's subnet
#   must allow inbound 443 from the task subnet, outbound replies to the task, outbound 443 to
#   0.0.0.0/0 and inbound replies on 1024-65535 from 0.0.0.0/0 (a regional NAT gateway has no
#   subnet). Traffic between two network interfaces of one subnet is not filtered by network ACLs.
# custom:
#   id: FG303
#   level: error
#   remediation: >-
#     Add entries to that subnet's network ACL allowing the traffic in both directions (the port
#     from the task subnet, and the replies to its ephemeral ports), numbered below any entry
#     that denies it.
#   tags: [network, nacl]
#   examples:
#     failing: |
#       EndpointNaclIn:
#         Type: AWS::EC2::NetworkAclEntry
#         Properties:
#           NetworkAclId: !Ref EndpointNacl
#           RuleNumber: 100
#           Protocol: 6
#           RuleAction: allow
#           CidrBlock: 10.0.3.0/24
#           PortRange: {From: 443, To: 443}
#       # the tasks are in 10.0.1.0/24: their 443 to the endpoint hits the * deny
#     passing: |
#       EndpointNaclIn:
#         Type: AWS::EC2::NetworkAclEntry
#         Properties:
#           NetworkAclId: !Ref EndpointNacl
#           RuleNumber: 100
#           Protocol: 6
#           RuleAction: allow
#           CidrBlock: 10.0.0.0/16
#           PortRange: {From: 443, To: 443}
package fargate_preflight.rules.fg303

import rego.v1

# checks_of: the flows each other subnet on the path must pass (docs/reasoning.md §2).
checks_of(shape) := [check |
	task_subnet := data.fargate_preflight.lib.model.lookup("subnets", shape.subnet, null)
	some other in other_subnet_hops(shape, task_subnet)
	nacl := data.fargate_preflight.lib.network.subnet_nacl(other.subnet)
	some flow in other.flows
	key := data.fargate_preflight.lib.network.nacl_key(data.fargate_preflight.lib.network.nacl_ref(nacl), flow)
	check := {"key": key, "hop": [other.role, other.subnet_id, key, flow]}
]

# Checks are keyed by a view of the shape (lib/network_flows.rego `shapes`): only the fields
# checks_of reads. Services with their own security groups have shapes of their own, but the
# NACL checks of one subnet and destination are the same for all of them, so each view is
# checked once.
view_of(shape) := {
	"subnet": shape.subnet,
	"port": shape.port,
	"return_ports": shape.return_ports,
	"kind": shape.kind,
	"destinations": shape.destinations,
	"endpoint": shape.endpoint,
	"nat_gateway": shape.nat_gateway,
}

views contains value if {
	some shape in data.fargate_preflight.lib.network.shapes
	value := view_of(shape)
}

view_checks[view] := value if {
	some view in views
	value := checks_of(view)
}

# other_subnet_hops: endpoint ENI subnets and target subnets outside the task subnet
# (with the two flows between them), and the NAT gateway's subnet (with its four flows).
other_subnet_hops(path, task_subnet) := hops if {
	path.kind in {"interface", "target"}
	src := reference_source(path)
	hops := [{
		"role": role_name(path.kind),
		"subnet_id": d.subnet,
		"subnet": data.fargate_preflight.lib.model.lookup("subnets", d.subnet, src),
		"flows": task_facing_flows(path, task_subnet),
	} |
		some d in path.destinations
		is_string(d.subnet)
		d.subnet != path.subnet
	]
}

other_subnet_hops(path, task_subnet) := [{
	"role": "NAT gateway subnet",
	"subnet_id": nat_subnet_id(nat),
	"subnet": nat_subnet(nat),
	"flows": array.concat(nat_task_flows(path, task_subnet, nat), internet_flows(path)),
}] if {
	path.kind == "internet"
	path.nat_gateway != null
	nat := data.fargate_preflight.lib.model.lookup("nat_gateways", path.nat_gateway, null)

	# a regional NAT gateway has no subnet, so no network ACL of its own
	object.get(nat, "availability_mode", "zonal") != "regional"
}

role_name("interface") := "endpoint subnet"

role_name("target") := "target subnet"

# A subnet missing from the inputs was referenced by the endpoint, or (for a target) by the
# service, whose location `undecided` fills in.
reference_source(path) := src if {
	src := input.vpc_endpoints[path.endpoint].source
} else := null

# task_facing_flows: in on the port from the task subnet, out to its ephemeral ports.
task_facing_flows(path, task_subnet) := [
	{
		"egress": false, "ports": [path.port, path.port],
		"remote": data.fargate_preflight.lib.network.subnet_cidr(task_subnet),
		"label": task_label(path), "return": false,
	},
	{
		"egress": true, "ports": path.return_ports,
		"remote": data.fargate_preflight.lib.network.subnet_cidr(task_subnet),
		"label": task_label(path), "return": true,
	},
]

task_label(path) := sprintf("task %s", [data.fargate_preflight.lib.network.subnet_label(path.subnet)])

nat_subnet_id(nat) := nat.subnet if not data.fargate_preflight.lib.model.is_unknown(nat)

else := null

nat_subnet(nat) := nat if data.fargate_preflight.lib.model.is_unknown(nat)

else := data.fargate_preflight.lib.model.lookup("subnets", nat.subnet, nat.source)

# A NAT gateway in the task subnet cannot happen (that subnet's default route would be the
# internet gateway), but if it did the task-facing flows would not be filtered.
nat_task_flows(path, task_subnet, nat) := [] if nat_subnet_id(nat) == path.subnet

else := task_facing_flows(path, task_subnet)

# internet_flows: the NAT gateway's own traffic to and from the AWS service's public addresses.
internet_flows(path) := [
	{
		"egress": true, "ports": [path.port, path.port],
		"remote": data.fargate_preflight.lib.network.public, "label": "0.0.0.0/0", "return": false,
	},
	{
		"egress": false, "ports": data.fargate_preflight.lib.network.nat_gateway_return_ports,
		"remote": data.fargate_preflight.lib.network.public, "label": "0.0.0.0/0", "return": true,
	},
]

keys contains entry if {
	some view_checks_of_one in view_checks
	some check in view_checks_of_one
	entry := check.key
}

# verdicts: one per NACL and flow, however many paths ask it.
verdicts[key] := verdict if {
	some key in keys
	verdict := data.fargate_preflight.lib.network.nacl_key_verdict(key)
}

# failing_hops: each denied hop ([subnet role, subnet, verdict key, flow]) once, however many
# services cross it.
failing_hops contains entry if {
	some view_checks_of_one in view_checks
	some check in view_checks_of_one
	verdicts[check.key].verdict == "deny"
	entry := check.hop
}

explanations[hop] := value if {
	some hop in failing_hops
	key := hop[2]
	flow := hop[3]
	verdict := verdicts[key]
	nacl := data.fargate_preflight.lib.network.nacl_of(key[0])
	subnet_name := data.fargate_preflight.lib.network.object_name("subnets", hop[1])
	denial := data.fargate_preflight.lib.network.nacl_denial_text(nacl, verdict, flow)
	value := {
		"text": sprintf("%s %s %s", [hop[0], subnet_name, denial]),
		"fix": data.fargate_preflight.lib.network.nacl_fix(nacl, verdict, flow),
		"resource": nacl.name,
		"source": data.fargate_preflight.lib.network.nacl_deny_source(nacl, verdict),
		"hop": {
			"from": sprintf("%s %s", [hop[0], subnet_name]),
			"via": sprintf("network ACL %s", [nacl.name]),
			"to": flow.label,
			"detail": data.fargate_preflight.lib.network.nacl_deny_detail(verdict, flow),
		},
	}
}

# open_views have a check that is denied or not settled; only their services are looked at.
open_views contains view if {
	some view, view_checks_of_one in view_checks
	some check in view_checks_of_one
	verdicts[check.key].verdict != "allow"
}

open_uses contains [use, view] if {
	some shape, uses in data.fargate_preflight.lib.network.shape_uses
	view := view_of(shape)
	open_views[view]
	some use in uses
}

failures contains value if {
	some [use, view] in open_uses
	some check in view_checks[view]
	verdicts[check.key].verdict == "deny"
	who := {"service": use.service, "need": use.need}
	value := object.union(explanations[check.hop], who)
}

# METADATA
# entrypoint: true
deny contains entry if {
	some f in data.fargate_preflight.lib.network.grouped_findings(failures)
	entry := data.fargate_preflight.lib.result.finding(f)
}

# undecided: an object missing from the inputs is reported without a location when the path
# itself referenced it (a task subnet, a NAT gateway); the service's location is used.
undecided contains entry if {
	some [use, view] in open_uses
	some check in view_checks[view]
	verdict := verdicts[check.key]
	verdict.verdict == "undecided"
	some u in verdict.unknowns
	located := data.fargate_preflight.lib.network.with_source(u, use.source)
	entry := {
		"unknown": located, "service": use.service, "rules": ["FG303"],
		"path": {"need": use.need, "subnet": view.subnet},
	}
}
