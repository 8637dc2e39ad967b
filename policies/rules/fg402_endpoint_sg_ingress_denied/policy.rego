# METADATA
# title: Interface endpoint security groups admit no traffic from the task
# description: |
#   An interface endpoint's network interfaces carry its security groups: some ingress rule must
#   allow TCP 443 from the task, by naming one of the task's security groups or a CIDR that
#   contains the task's subnet. An endpoint created without security groups gets the VPC's
#   default group, which admits only members of that same group.
# custom:
#   id: FG402
#   level: error
#   remediation: >-
#     Add an ingress rule to the endpoint's security group that allows TCP 443 from the task's
#     security group (or from the VPC CIDR). An endpoint on the VPC's default group: give it a
#     security group of its own (SecurityGroupIds) that does.
#   tags: [network, security-group, vpc-endpoint]
#   examples:
#     failing: |
#       EcrDkrEndpoint:
#         Type: AWS::EC2::VPCEndpoint
#         Properties:
#           VpcEndpointType: Interface
#           ServiceName: !Sub com.amazonaws.${AWS::Region}.ecr.dkr
#           VpcId: !Ref Vpc
#           PrivateDnsEnabled: true
#           SubnetIds: [!Ref EndpointSubnetA]
#           # no SecurityGroupIds: the VPC default group admits only its own members
#     passing: |
#       EndpointSecurityGroup:
#         Type: AWS::EC2::SecurityGroup
#         Properties:
#           GroupDescription: interface endpoints
#           VpcId: !Ref Vpc
#           SecurityGroupIngress:
#             - IpProtocol: tcp
#               FromPort: 443
#               ToPort: 443
#               SourceSecurityGroupId: !Ref TaskSecurityGroup
#       EcrDkrEndpoint:
#         Type: AWS::EC2::VPCEndpoint
#         Properties:
#           VpcEndpointType: Interface
#           ServiceName: !Sub com.amazonaws.${AWS::Region}.ecr.dkr
#           VpcId: !Ref Vpc
#           PrivateDnsEnabled: true
#           SubnetIds: [!Ref EndpointSubnetA]
#           SecurityGroupIds: [!Ref EndpointSecurityGroup]
package fargate_preflight.rules.fg402

import rego.v1

# checks_of: the endpoint's groups must let TCP 443 in from the task (its groups or subnet).
checks_of(shape) := [check |
	peer := data.fargate_preflight.lib.network.task_source(shape.task_sg_ids, shape.subnet)
	ref_source := object.get(input.vpc_endpoints, [shape.endpoint, "source"], null)
	check := {
		"ref_source": ref_source,
		"hop": {
			"subnet": shape.subnet, "port": shape.port, "sg_ids": shape.security_groups,
			"task_sg_ids": shape.task_sg_ids,
			"endpoint": shape.endpoint_name, "endpoint_id": shape.endpoint,
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
	"endpoint": shape.endpoint,
	"endpoint_name": shape.endpoint_name,
	"security_groups": shape.security_groups,
}

# checked: the shapes this rule looks at.
checked(shape) if {
	shape.kind == "interface"
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
	value := object.union(
		{
			"text": sprintf(
				"%s of interface endpoint %s %s no inbound TCP %d from the task (%s)",
				[sg_text, h.endpoint, allow_word(h.sg_ids), h.port, task.label],
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
				"to": sprintf("interface endpoint %s", [h.endpoint]),
				"detail": sprintf("no ingress rule allows TCP %d from the task", [h.port]),
			},
		},
		default_group_words(h, first, task),
	)
}

# default_group_words: an interface endpoint created without security groups gets its VPC's
# default group, whose inbound rule admits only that group's members; the usual fix is a group
# of the endpoint's own, given where the endpoint is defined.
default_group_words(h, first, task) := {
	"text": sprintf(
		concat("", [
			"interface endpoint %s has no security group of its own, so it uses VPC %s's default ",
			"security group %s, which allows no inbound TCP %d from the task (%s)",
		]),
		[h.endpoint, data.fargate_preflight.lib.network.object_name("vpcs", vpc_id), first.name, h.port, task.label],
	),
	"fix": sprintf(
		concat("", [
			"Give interface endpoint %s a security group of its own that allows TCP %d from %s ",
			"(CloudFormation SecurityGroupIds, Terraform security_group_ids), or add that ingress ",
			"rule to security group %s.",
		]),
		[h.endpoint, h.port, task.fix_source, first.name],
	),
	"resource": h.endpoint,
	"source": endpoint.source,
} if {
	count(h.sg_ids) == 1
	some vpc_id, vpc in input.vpcs
	vpc.default_security_group == first.id
	endpoint := input.vpc_endpoints[h.endpoint_id]
} else := {}

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
		"unknown": located, "service": use.service, "rules": ["FG402"],
		"path": {"need": use.need, "subnet": view.subnet},
	}
}
