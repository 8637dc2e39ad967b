# METADATA
# title: Target security groups admit no traffic from the task
# description: |
#   A target the task connects to (an EFS mount target on TCP 2049, or a declared target
#   security group) must have an ingress rule allowing TCP on that port from the task, by
#   naming one of the task's security groups or a CIDR that contains the task's subnet.
# custom:
#   id: FG403
#   level: error
#   remediation: >-
#     Add an ingress rule to the target's security group that allows TCP on the port from the
#     task's security group.
#   tags: [network, security-group, efs]
#   examples:
#     failing: |
#       EfsSecurityGroup:
#         Type: AWS::EC2::SecurityGroup
#         Properties:
#           GroupDescription: EFS mount targets
#           VpcId: !Ref Vpc
#           SecurityGroupIngress:
#             - IpProtocol: tcp
#               FromPort: 2049
#               ToPort: 2049
#               SourceSecurityGroupId: !Ref BastionSecurityGroup
#     passing: |
#       EfsSecurityGroup:
#         Type: AWS::EC2::SecurityGroup
#         Properties:
#           GroupDescription: EFS mount targets
#           VpcId: !Ref Vpc
#           SecurityGroupIngress:
#             - IpProtocol: tcp
#               FromPort: 2049
#               ToPort: 2049
#               SourceSecurityGroupId: !Ref TaskSecurityGroup
package fargate_preflight.rules.fg403

import rego.v1

# checks_of: the target's groups must let TCP on the port in from the task (its groups or
# subnet).
checks_of(shape) := [check |
	peer := data.fargate_preflight.lib.network.task_source(shape.task_sg_ids, shape.subnet)
	check := {
		"ref_source": null,
		"hop": {
			"subnet": shape.subnet, "port": shape.port, "sg_ids": shape.security_groups,
			"task_sg_ids": shape.task_sg_ids,
			"target": shape.target,
		},
		"key": data.fargate_preflight.lib.network.sg_key(shape.security_groups, "ingress", shape.port, peer),
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
	"target": shape.target,
	"security_groups": shape.security_groups,
}

# checked: the shapes this rule looks at.
checked(shape) if {
	shape.kind == "target"
	count(shape.security_groups) > 0
}

views contains value if {
	some shape in data.fargate_preflight.lib.network.shapes
	checked(shape)
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
	task := data.fargate_preflight.lib.network.task_peer(h.task_sg_ids, h.subnet)
	sg_text := data.fargate_preflight.lib.network.sg_names(h.sg_ids)
	first := input.security_groups[h.sg_ids[0]]
	value := {
		"text": sprintf(
			"%s of %s %s no inbound TCP %d from the task (%s)",
			[sg_text, h.target, allow_word(h.sg_ids), h.port, task.label],
		),
		"fix": sprintf(
			"Add an ingress rule to security group %s that allows TCP %d from %s.",
			[first.name, h.port, task.fix_source],
		),
		"resource": first.name,
		"source": first.source,
		"hop": {
			"from": sprintf("subnet %s", [data.fargate_preflight.lib.network.object_name("subnets", h.subnet)]),
			"via": sg_text,
			"to": h.target,
			"detail": sprintf("no ingress rule allows TCP %d from the task", [h.port]),
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
	checked(shape)
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
		"unknown": located, "service": use.service, "rules": ["FG403"],
		"path": {"need": use.need, "subnet": view.subnet},
	}
}
