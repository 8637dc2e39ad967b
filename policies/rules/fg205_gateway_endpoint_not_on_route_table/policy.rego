# METADATA
# title: Gateway endpoint not associated with the task subnet's route table
# description: |
#   The VPC has a gateway endpoint (S3 or DynamoDB) for a service the task needs, but the task
#   subnet's route table is not one of its route tables, and the subnet has no other path: the
#   endpoint's prefix-list route is missing, so the traffic has nowhere to go (for a private ECR
#   image, the layer download from S3 fails).
# custom:
#   id: FG205
#   level: error
#   remediation: Add the task subnet's route table to the gateway endpoint's RouteTableIds.
#   tags: [routing, endpoints]
#   examples:
#     failing: |
#       S3Endpoint:
#         Type: AWS::EC2::VPCEndpoint
#         Properties:
#           VpcId: !Ref Vpc
#           ServiceName: !Sub com.amazonaws.${AWS::Region}.s3
#           RouteTableIds: [!Ref PublicRT]   # tasks run in subnets of IsolatedRT
#     passing: |
#       S3Endpoint:
#         Type: AWS::EC2::VPCEndpoint
#         Properties:
#           VpcId: !Ref Vpc
#           ServiceName: !Sub com.amazonaws.${AWS::Region}.s3
#           RouteTableIds: [!Ref PublicRT, !Ref IsolatedRT]
package fargate_preflight.rules.fg205

import rego.v1

# METADATA
# entrypoint: true
deny contains entry if {
	some sid, by_need in data.fargate_preflight.lib.paths.failures
	some need, by_rule in by_need
	entries := by_rule.FG205
	ep := input.vpc_endpoints[data.fargate_preflight.lib.paths.first_entry(entries).endpoint]
	tables := sort({data.fargate_preflight.lib.paths.name_of("route_tables", e.route_table) | some e in entries})
	setting := data.fargate_preflight.lib.result.field(ep.source, data.fargate_preflight.lib.result.route_tables)
	fix := sprintf("Add route table %s to the %s of gateway endpoint %s.", [concat(", ", tables), setting, ep.name])
	f := data.fargate_preflight.lib.paths.no_path_finding(sid, need, entries, ep.name, ep.source, fix)
	entry := data.fargate_preflight.lib.result.finding(f)
}
