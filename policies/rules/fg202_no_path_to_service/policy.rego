# METADATA
# title: No network path to a needed service
# description: |
#   The task subnet has no default route (or only the local route) and the VPC has no
#   endpoint for a service the task needs, so the call cannot leave the VPC: image pulls fail
#   with CannotPullContainerError, secrets with ResourceInitializationError, SDK calls time out.
#   An EFS volume fails the same way when its file system has no mount target in the task VPC,
#   or none in the task subnet's availability zone (when the inputs give the zones): the file
#   system's DNS name resolves only to the mount target of the client's zone.
# custom:
#   id: FG202
#   level: error
#   remediation: >-
#     Add the VPC endpoints the task needs (interface endpoints, and an S3 gateway endpoint for
#     ECR image layers), or a default route to a NAT gateway. A subnet without a route-table
#     association uses the VPC's main route table: associate it with one that has a path.
#   tags: [routing, endpoints]
#   examples:
#     failing: |
#       IsolatedRT:
#         Type: AWS::EC2::RouteTable
#         Properties: {VpcId: !Ref Vpc}   # no 0.0.0.0/0 route, no endpoints
#       TaskDefinition:
#         Type: AWS::ECS::TaskDefinition
#         Properties:
#           ContainerDefinitions:
#             - Image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1
#     passing: |
#       EcrDkrEndpoint:
#         Type: AWS::EC2::VPCEndpoint
#         Properties:
#           VpcId: !Ref Vpc
#           ServiceName: !Sub com.amazonaws.${AWS::Region}.ecr.dkr
#           VpcEndpointType: Interface
#           PrivateDnsEnabled: true
#           SubnetIds: [!Ref IsolatedSubnetA]
#       # ... likewise ecr.api and logs, plus an s3 Gateway endpoint on IsolatedRT
package fargate_preflight.rules.fg202

import rego.v1

# METADATA
# entrypoint: true
deny contains entry if {
	some sid, by_need in data.fargate_preflight.lib.paths.failures
	some need, by_rule in by_need
	entries := by_rule.FG202
	first := data.fargate_preflight.lib.paths.first_entry(entries)
	place := what_to_change(first, input.services[sid])
	f := data.fargate_preflight.lib.paths.no_path_finding(sid, need, entries, place.name, where(first, place), fix(sid))
	entry := data.fargate_preflight.lib.result.finding(f)
}

# where: a subnet on its VPC's main route table is fixed by associating it with another, at
# the subnet (a CloudFormation or Terraform main route table has no line of its own).
where(e, place) := input.subnets[e.subnet].source if {
	unassociated(e)
} else := place.source

unassociated(e) if {
	e.need_key.kind != "target"
	data.fargate_preflight.lib.paths.on_main_route_table(input.subnets[e.subnet])
}

# A missing EFS mount target is added beside its file system; anything else is a route or
# endpoint for the task subnet's route table.
what_to_change(e, svc) := fs if {
	e.need_key.kind == "target"
	is_string(e.need_key.target)
	fs := input.efs_file_systems[e.need_key.target]
} else := input.route_tables[e.route_table] if {
	input.route_tables[e.route_table]
} else := svc

# fix names everything the service lacks, across its needs without a path; first, for task
# subnets on their VPC's main route table, a route table to associate them with.
fix(sid) := sprintf("%s; or %s%s.", [association, lower(substring(rest, 0, 1)), substring(rest, 1, -1)]) if {
	association := association_text(sid)
	rest := lacking_text(sid)
} else := sprintf("%s.", [lacking_text(sid)])

lacking_text(sid) := concat("; ", parts) if {
	keys := {e.need_key |
		some by_rule in data.fargate_preflight.lib.paths.failures[sid]
		some e in by_rule.FG202
	}
	parts := [p | some p in [mount_target_text(keys), route_text(keys), network_text(keys)]; p != ""]
}

# association_text: "Associate subnet B with a route table that has a path, such as
# PrivateRouteTable", for the service's failing subnets that have no association (and so use
# the VPC's main route table, as the message says).
association_text(sid) := sprintf(
	"Associate %s %s with a route table that has a path%s",
	[data.fargate_preflight.lib.paths.plural("subnet", names), joined(names), such_as(sid, vpc)],
) if {
	unassociated_entries := [e |
		some by_rule in data.fargate_preflight.lib.paths.failures[sid]
		some e in by_rule.FG202
		unassociated(e)
	]
	count(unassociated_entries) > 0
	names := sort({e.subnet_name | some e in unassociated_entries})
	vpc := input.subnets[unassociated_entries[0].subnet].vpc
}

# such_as names a route table of the VPC that has a path: one the service's other task subnets
# use with every need on a path, else one whose default route goes to a NAT gateway.
such_as(sid, vpc) := sprintf(", such as %s", [min(names)]) if {
	names := {data.fargate_preflight.lib.paths.name_of("route_tables", subnet.route_table) |
		some v in data.fargate_preflight.lib.paths.verdicts
		v.service == sid
		subnet := input.subnets[v.subnet]
		subnet.vpc == vpc
		not data.fargate_preflight.lib.paths.on_main_route_table(subnet)
		not failing_subnets(sid)[v.subnet]
	}
	count(names) > 0
} else := sprintf(", such as %s", [min(names)]) if {
	names := {rt.name |
		some rt in input.route_tables
		rt.vpc == vpc
		rt.id != input.vpcs[vpc].main_route_table
		some r in rt.routes
		r.destination == "0.0.0.0/0"
		r.target_type == "nat"
		object.get(r, "state", "active") == "active"
	}
	count(names) > 0
} else := ""

failing_subnets(sid) := {v.subnet |
	some v in data.fargate_preflight.lib.paths.verdicts
	v.service == sid
	v.verdict != "ok"
}

mount_target_text(keys) := sprintf(
	"Add a mount target of EFS file system %s in the task VPC, in each availability zone of the task subnets",
	[joined(names)],
) if {
	names := sort({data.fargate_preflight.lib.paths.name_of("efs_file_systems", k.target) |
		some k in keys
		k.kind == "target"
		is_string(k.target)
	})
	count(names) > 0
} else := ""

# Declared CIDR targets outside the VPC need a route (peering, transit gateway or VPN).
route_text(keys) := sprintf("Add a route to %s (a peering connection, transit gateway or VPN)", [joined(cidrs)]) if {
	cidrs := sort({k.target.cidr |
		some k in keys
		k.kind == "target"
		is_object(k.target)
	})
	count(cidrs) > 0
} else := ""

network_text(keys) := sprintf("Add %s, or a NAT gateway", [endpoints]) if {
	count(internet_only(keys)) == 0
	endpoints := endpoints_text(keys)
} else := sprintf(
	"Add a NAT gateway (%s reachable only over the internet); for the AWS services alone, %s would also do",
	[is_are(internet_only(keys)), endpoints],
) if {
	endpoints := endpoints_text(keys)
} else := sprintf("Add a NAT gateway (%s reachable only over the internet)", [is_are(internet_only(keys))]) if {
	count(internet_only(keys)) > 0
} else := ""

internet_only(keys) := sort({k.need | some k in keys; k.kind == "internet"})

endpoints_text(keys) := text if {
	interface := sort({k.need |
		some k in keys
		k.kind == "endpoint"
		not k.need in data.fargate_preflight.lib.paths.gateway_services
	})
	gateway := sort({k.need |
		some k in keys
		k.kind == "endpoint"
		k.need in data.fargate_preflight.lib.paths.gateway_services
	})
	texts := [t | some t in [interface_text(interface), gateway_text(gateway)]; t != ""]
	count(texts) > 0
	text := concat(" and ", texts)
}

interface_text(names) := sprintf("an interface endpoint for %s", [names[0]]) if {
	count(names) == 1
} else := sprintf("interface endpoints %s", [joined(names)]) if {
	count(names) > 1
} else := ""

gateway_text(names) := sprintf("%s %s gateway endpoint", [article(names[0]), names[0]]) if {
	count(names) == 1
} else := sprintf("%s gateway endpoints", [joined(names)]) if {
	count(names) > 1
} else := ""

# "an s3", "a dynamodb": the article follows how the name is read.
article(name) := "an" if {
	name == "s3"
} else := "a"

is_are(names) := sprintf("%s is", [names[0]]) if {
	count(names) == 1
} else := sprintf("%s are", [joined(names)])

# joined reads a list out: "a", "a and b", "a, b and c".
joined(items) := items[0] if {
	count(items) == 1
} else := sprintf("%s and %s", [concat(", ", array.slice(items, 0, count(items) - 1)), items[count(items) - 1]])
