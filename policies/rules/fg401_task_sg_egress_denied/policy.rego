# METADATA
# title: Task security groups allow no egress to the destination
# description: |
#   Some egress rule of the task's security groups must allow TCP on the needed port to the
#   destination: an interface endpoint's security group or its subnets' CIDRs, a gateway
#   endpoint's prefix list or 0.0.0.0/0, 0.0.0.0/0 for the internet, or the target's security
#   group or CIDR. An AWS service's public addresses are not in the inputs, so a narrower public
#   CIDR leaves the verdict open rather than failing it.
# custom:
#   id: FG401
#   level: error
#   remediation: >-
#     Add an egress rule to the task's security group that allows TCP on the needed port to the
#     destination (the endpoint's security group, the prefix list, or 0.0.0.0/0).
#   tags: [network, security-group]
#   examples:
#     failing: |
#       TaskSecurityGroup:
#         Type: AWS::EC2::SecurityGroup
#         Properties:
#           GroupDescription: tasks
#           VpcId: !Ref Vpc
#           SecurityGroupEgress:
#             - IpProtocol: tcp
#               FromPort: 5432
#               ToPort: 5432
#               CidrIp: 10.0.0.0/16
#     passing: |
#       TaskSecurityGroup:
#         Type: AWS::EC2::SecurityGroup
#         Properties:
#           GroupDescription: tasks
#           VpcId: !Ref Vpc
#           SecurityGroupEgress:
#             - IpProtocol: tcp
#               FromPort: 443
#               ToPort: 443
#               CidrIp: 0.0.0.0/0
package fargate_preflight.rules.fg401

import rego.v1

# checks_of: the task's groups must let TCP on the port out to each destination of the path.
checks_of(shape) := [check |
	some dest in destinations(shape)
	check := {
		"ref_source": null,
		"hop": {"subnet": shape.subnet, "port": shape.port, "sg_ids": shape.task_sg_ids, "dest": dest},
		"key": data.fargate_preflight.lib.network.sg_key(shape.task_sg_ids, "egress", shape.port, dest.peer),
	}
]

# Checks are keyed by a view of the shape (lib/network_flows.rego `shapes`): only the fields
# checks_of reads (the task's groups among them), so shapes that differ elsewhere (return
# ports, NAT gateway) share the check.
view_of(shape) := {
	"subnet": shape.subnet,
	"port": shape.port,
	"task_sg_ids": shape.task_sg_ids,
	"kind": shape.kind,
	"destinations": shape.destinations,
	"prefix_list": shape.prefix_list,
	"security_groups": shape.security_groups,
}

views contains value if {
	some shape in data.fargate_preflight.lib.network.shapes
	value := view_of(shape)
}

view_checks[view] := value if {
	some view in views
	value := checks_of(view)
}

# destinations: what an egress rule may name to let the traffic out (docs/rules/FG401.md), as
# {peer, path, d}: the words for messages (label, fix_target) are built from `path` and `d`
# only for the hops that fail.
destinations(path) := [{
	"peer": {"cidr": data.fargate_preflight.lib.network.public},
	"path": {"kind": "internet"},
	"d": null,
}] if {
	path.kind == "internet"
}

destinations(path) := [{
	"peer": {"cidr": data.fargate_preflight.lib.network.public, "prefix_list": path.prefix_list},
	"path": {"kind": "gateway", "prefix_list": path.prefix_list},
	"d": null,
}] if {
	path.kind == "gateway"
}

destinations(path) := dests if {
	path.kind in {"interface", "target"}
	dests := [{
		"peer": {"cidr": d.cidr, "security_groups": path.security_groups},
		"path": {"kind": path.kind, "security_groups": path.security_groups},
		"d": d,
	} |
		some d in path.destinations
	]
}

# dest_label: how messages name a destination.
dest_label(dest) := "0.0.0.0/0" if {
	dest.path.kind == "internet"
} else := gateway_label(dest.path.prefix_list) if {
	dest.path.kind == "gateway"
} else := peer_label(dest.path.security_groups, dest.d)

# dest_fix_target: what the fix tells the egress rule to name.
dest_fix_target(dest) := "0.0.0.0/0" if {
	dest.path.kind == "internet"
} else := gateway_label(dest.path.prefix_list) if {
	dest.path.kind == "gateway"
} else := fix_target(dest.path.security_groups, dest.d)

gateway_label(pl) := sprintf("prefix list %s or 0.0.0.0/0", [name]) if {
	is_string(pl)
	name := data.fargate_preflight.lib.network.object_name("prefix_lists", pl)
}

else := "0.0.0.0/0"

peer_label(sgs, d) := sprintf("%s or %s", [groups, label]) if {
	is_array(sgs)
	count(sgs) > 0
	groups := data.fargate_preflight.lib.network.sg_names(sgs)
	label := data.fargate_preflight.lib.network.destination_label(d)
} else := data.fargate_preflight.lib.network.destination_label(d)

# fix_target: naming the target's security group admits every one of its interfaces at once.
fix_target(sgs, d) := data.fargate_preflight.lib.network.sg_names(sgs) if {
	is_array(sgs)
	count(sgs) > 0
} else := text if {
	label := data.fargate_preflight.lib.network.destination_label(d)
	text := data.fargate_preflight.lib.network.remote_cidr_text({"remote": d.cidr, "label": label})
}

keys contains entry if {
	some view_checks_of_one in view_checks
	some check in view_checks_of_one
	entry := check.key
}

# verdicts: one per set of groups, port and peer, however many paths ask it.
verdicts[key] := verdict if {
	some key in keys
	verdict := data.fargate_preflight.lib.network.sg_key_verdict(key)
}

# failing_hops: each denied hop once, however many services cross it.
failing_hops contains entry if {
	some view_checks_of_one in view_checks
	some check in view_checks_of_one
	verdicts[check.key].verdict == "deny"
	entry := check.hop
}

explanations[h] := value if {
	some h in failing_hops
	label := dest_label(h.dest)
	sg_text := data.fargate_preflight.lib.network.sg_names(h.sg_ids)
	first := input.security_groups[h.sg_ids[0]]
	value := {
		"text": sprintf("%s %s no outbound TCP %d to %s", [sg_text, allow_word(h.sg_ids), h.port, label]),
		"fix": sprintf(
			"Add an egress rule to security group %s that allows TCP %d to %s.",
			[first.name, h.port, dest_fix_target(h.dest)],
		),
		"resource": first.name,
		"source": first.source,
		"hop": {
			"from": sprintf("subnet %s", [data.fargate_preflight.lib.network.object_name("subnets", h.subnet)]),
			"via": sg_text,
			"to": label,
			"detail": sprintf("no egress rule allows TCP %d", [h.port]),
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

allow_word(sg_ids) := "allows" if count(sg_ids) == 1

else := "allow"

# METADATA
# entrypoint: true
deny contains entry if {
	some f in data.fargate_preflight.lib.network.grouped_findings(failures)
	entry := data.fargate_preflight.lib.result.finding(f)
}

# undecided: a group missing from the inputs is located at what referenced it (the endpoint,
# else the service).
undecided contains entry if {
	some [use, view] in open_uses
	some check in view_checks[view]
	verdict := verdicts[check.key]
	verdict.verdict == "undecided"
	some u in verdict.unknowns
	by_reference := data.fargate_preflight.lib.network.with_source(u, check.ref_source)
	located := data.fargate_preflight.lib.network.with_source(by_reference, use.source)
	entry := {
		"unknown": located, "service": use.service, "rules": ["FG401"],
		"path": {"need": use.need, "subnet": view.subnet},
	}
}
