# METADATA
# title: Service subnets and security groups in different VPCs
# description: |
#   The subnets and security groups of a service's or task's awsvpc network configuration must all
#   belong to one VPC; ECS cannot attach a task's network interface otherwise, and the tasks never
#   start.
# custom:
#   id: FG705
#   level: error
#   remediation: Use subnets and security groups of the same VPC in the service's network configuration.
#   tags: [service, network]
#   examples:
#     failing: |
#       Service:
#         Type: AWS::ECS::Service
#         Properties:
#           LaunchType: FARGATE
#           NetworkConfiguration:
#             AwsvpcConfiguration:
#               Subnets: [!Ref SubnetInVpcA]
#               SecurityGroups: [!Ref SecurityGroupInVpcB]
#     passing: |
#       Service:
#         Type: AWS::ECS::Service
#         Properties:
#           LaunchType: FARGATE
#           NetworkConfiguration:
#             AwsvpcConfiguration:
#               Subnets: [!Ref SubnetInVpcA]
#               SecurityGroups: [!Ref SecurityGroupInVpcA]
package fargate_preflight.rules.fg705

import rego.v1

# METADATA
# entrypoint: true
deny contains entry if {
	some id, members in service_members
	svc := input.services[id]
	conflict(members)
	placed := {sprintf("%s in VPC %s", [m.label, vpc_label(m.vpc)]) | some m in members; is_string(m.vpc)}
	entry := data.fargate_preflight.lib.result.finding({
		"resource": svc.name,
		"service": svc.name,
		"message": sprintf(
			"%s %s: its subnets and security groups are not all in one VPC (%s)",
			[svc.kind, svc.name, concat(", ", sort(placed))],
		),
		"fix": "Use subnets and security groups of one VPC in the network configuration.",
		"source": svc.source,
	})
}

# undecided: no two members are known to be in different VPCs, but the VPC of some member is
# unsettled (a subnet or security group outside the inputs, an unknown VPC, a subnet list from a
# parameter).
undecided contains entry if {
	some id, members in service_members
	some m in members
	count(m.unknowns) > 0 # most services have none: no pairs to compare then
	not conflict(members)
	svc := input.services[id]
	some unknown in undecidable_unknowns(members)
	entry := {"unknown": unknown, "service": svc.name, "rules": ["FG705"]}
}

# service_members[service id] are the network members of each analysed service, built once.
service_members[id] := value if {
	some id in data.fargate_preflight.lib.taskdef.analysed
	value := network_members(input.services[id])
}

# conflict: two members are known to be in different VPCs. Members in one VPC (the common case)
# settle it without comparing every pair.
conflict(members) if {
	count({m.vpc | some m in members}) > 1
	some a in members
	some b in members
	different_vpcs(a.vpc, b.vpc)
}

# undecidable_unknowns are the unknowns of the members whose VPC cannot be compared with another
# member's; a subnet list from a parameter may itself span VPCs.
undecidable_unknowns(members) := {u |
	some i, a in members
	some j, b in members
	i != j
	not comparable(a.vpc, b.vpc)
	some m in [a, b]
	some u in m.unknowns
} | {u |
	some m in members
	m.many
	some u in m.unknowns
}

# network_members are the subnets and security groups of the service, each with its VPC id (or
# null when unsettled) and the unknowns that keep it from being settled.
network_members(svc) := array.concat(
	members_of(svc, "subnets", "subnet"),
	members_of(svc, "security_groups", "security group"),
)

members_of(svc, collection, kind) := members if {
	is_array(svc.network[collection])
	src := data.fargate_preflight.lib.model.network_source(svc)
	members := [member(kind, collection, ref, src) | some ref in svc.network[collection]]
}

members_of(svc, collection, kind) := [{
	"label": sprintf("%ss", [kind]),
	"vpc": null,
	"unknowns": {svc.network[collection]},
	"many": true,
}] if {
	data.fargate_preflight.lib.model.is_unknown(svc.network[collection])
}

member(kind, _, ref, _) := {"label": kind, "vpc": null, "unknowns": {ref}, "many": false} if {
	data.fargate_preflight.lib.model.is_unknown(ref)
}

member(kind, collection, ref, src) := {
	"label": sprintf("%s %s", [kind, ref]),
	"vpc": null,
	"unknowns": {data.fargate_preflight.lib.model.missing(collection, ref, src)},
	"many": false,
} if {
	is_string(ref)
	not input[collection][ref]
}

member(kind, collection, ref, _) := {
	"label": sprintf("%s %s", [kind, obj.name]),
	"vpc": vpc_of(obj),
	"unknowns": vpc_unknowns(obj),
	"many": false,
} if {
	is_string(ref)
	obj := input[collection][ref]
}

vpc_of(obj) := obj.vpc if is_string(obj.vpc)

vpc_of(obj) := null if not is_string(obj.vpc)

vpc_unknowns(obj) := set() if input.vpcs[obj.vpc]

vpc_unknowns(obj) := {data.fargate_preflight.lib.model.missing("vpcs", obj.vpc, obj.source)} if {
	is_string(obj.vpc)
	not input.vpcs[obj.vpc]
}

vpc_unknowns(obj) := {obj.vpc} if data.fargate_preflight.lib.model.is_unknown(obj.vpc)

vpc_unknowns(obj) := set() if obj.vpc == null

# comparable: whether two VPC ids name the same VPC is known. Ids of VPCs in the inputs are; so
# are two AWS VPC ids (vpc-0abc...); a VPC outside the inputs against one inside is not.
comparable(a, b) if {
	is_string(a)
	a == b
}

comparable(a, b) if {
	input.vpcs[a]
	input.vpcs[b]
}

comparable(a, b) if {
	aws_vpc_id(a)
	aws_vpc_id(b)
}

different_vpcs(a, b) if {
	is_string(a)
	is_string(b)
	a != b
	comparable(a, b)
}

# aws_vpc_id: `vpc-` and one or more lowercase hex digits (^vpc-[0-9a-f]+$ without a regex,
# which regorus compiles on every call).
aws_vpc_id(id) if {
	is_string(id)
	startswith(id, "vpc-")
	digits := substring(id, 4, -1)
	digits != ""
	trim_left(digits, "0123456789abcdef") == ""
}

vpc_label(id) := input.vpcs[id].name

vpc_label(id) := id if not input.vpcs[id]
