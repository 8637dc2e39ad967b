# METADATA
# title: Task subnet network ACL denies the return traffic
# description: |
#   Network ACLs are stateless: the task subnet's network ACL must also allow the replies,
#   inbound TCP from the destination to the task's ephemeral ports (32768-60999 on Linux,
#   49152-65535 on Windows), every port of the range. For internet and gateway-endpoint paths
#   only an entry covering 0.0.0.0/0 settles the verdict, since the AWS service's public
#   addresses are not in the inputs.
# custom:
#   id: FG302
#   level: error
#   remediation: >-
#     Add an inbound entry that allows TCP 1024-65535 (at least the task's ephemeral ports) from
#     the destination, numbered below any entry that denies it.
#   tags: [network, nacl]
#   examples:
#     failing: |
#       PrivateNaclIn:
#         Type: AWS::EC2::NetworkAclEntry
#         Properties:
#           NetworkAclId: !Ref PrivateNacl
#           RuleNumber: 100
#           Protocol: 6
#           RuleAction: allow
#           CidrBlock: 10.0.0.0/16
#           PortRange: {From: 443, To: 443}
#       # replies from ECR (through the NAT gateway) to ports 32768-60999 hit the * deny
#     passing: |
#       PrivateNaclIn:
#         Type: AWS::EC2::NetworkAclEntry
#         Properties:
#           NetworkAclId: !Ref PrivateNacl
#           RuleNumber: 100
#           Protocol: 6
#           RuleAction: allow
#           CidrBlock: 0.0.0.0/0
#           PortRange: {From: 1024, To: 65535}
package fargate_preflight.rules.fg302

import rego.v1

# checks_of: one inbound return flow per remote side of the path that the task subnet's NACL
# filters (destinations inside the task subnet are not filtered).
checks_of(shape) := [check |
	subnet := data.fargate_preflight.lib.model.lookup("subnets", shape.subnet, null)
	nacl := data.fargate_preflight.lib.network.subnet_nacl(subnet)
	some remote in data.fargate_preflight.lib.network.path_remotes(shape, subnet)
	flow := {
		"egress": false, "ports": shape.return_ports,
		"remote": remote.remote, "label": remote.label, "return": true,
	}
	key := data.fargate_preflight.lib.network.nacl_key(data.fargate_preflight.lib.network.nacl_ref(nacl), flow)
	check := {"key": key, "hop": ["task subnet", shape.subnet, key, flow]}
]

# Checks are keyed by a view of the shape (lib/network_flows.rego `shapes`): only the fields
# checks_of reads. Services with their own security groups have shapes of their own, but the
# NACL checks of one subnet and destination are the same for all of them, so each view is
# checked once.
view_of(shape) := {
	"subnet": shape.subnet,
	"return_ports": shape.return_ports,
	"kind": shape.kind,
	"destinations": shape.destinations,
}

views contains value if {
	some shape in data.fargate_preflight.lib.network.shapes
	value := view_of(shape)
}

view_checks[view] := value if {
	some view in views
	value := checks_of(view)
}

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
			"from": flow.label,
			"via": sprintf("network ACL %s", [nacl.name]),
			"to": sprintf("subnet %s", [subnet_name]),
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
		"unknown": located, "service": use.service, "rules": ["FG302"],
		"path": {"need": use.need, "subnet": view.subnet},
	}
}
