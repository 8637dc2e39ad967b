# METADATA
# title: Task in a public subnet without a public IP
# description: |
#   The task subnet's default route is an internet gateway, but the service does not assign
#   public IPs: the task has no address the internet gateway can translate, so image pulls,
#   log delivery and every AWS call time out. When the internet gateway is attached to
#   another VPC, the message and fix say so too: a public IP alone would not help.
# custom:
#   id: FG201
#   level: error
#   remediation: >-
#     Set assignPublicIp to ENABLED, or move the tasks to private subnets behind a NAT gateway
#     (or add VPC endpoints for what they need).
#   tags: [routing]
#   examples:
#     failing: |
#       PublicRoute:
#         Type: AWS::EC2::Route
#         Properties: {RouteTableId: !Ref PublicRT, DestinationCidrBlock: 0.0.0.0/0, GatewayId: !Ref InternetGateway}
#       Service:
#         Type: AWS::ECS::Service
#         Properties:
#           LaunchType: FARGATE
#           NetworkConfiguration:
#             AwsvpcConfiguration:
#               Subnets: [!Ref PublicSubnetA]
#     passing: |
#       Service:
#         Type: AWS::ECS::Service
#         Properties:
#           LaunchType: FARGATE
#           NetworkConfiguration:
#             AwsvpcConfiguration:
#               AssignPublicIp: ENABLED
#               Subnets: [!Ref PublicSubnetA]
package fargate_preflight.rules.fg201

import rego.v1

# METADATA
# entrypoint: true
deny contains entry if {
	some sid, by_need in data.fargate_preflight.lib.paths.failures
	some need, by_rule in by_need
	entries := by_rule.FG201
	svc := input.services[sid]
	f := data.fargate_preflight.lib.paths.no_path_finding(sid, need, entries, svc.name, svc.source, fix(entries))
	entry := data.fargate_preflight.lib.result.finding(f)
}

# The message names the failing hop; the fix also names the alternatives, and what else the
# route needs (an internet gateway attached to another VPC).
fix(entries) := concat(" ", array.concat([first_fix(entries)], data.fargate_preflight.lib.paths.entry_fixes(entries)))

first_fix(entries) := sprintf("%s, or add %s.", [base_fix, alternative]) if {
	first := data.fargate_preflight.lib.paths.first_entry(entries)
	alternative := data.fargate_preflight.lib.paths.endpoint_alternative(first.need_key)
} else := sprintf("%s.", [base_fix])

base_fix := concat(" ", [
	"Set assignPublicIp to ENABLED in the service's network configuration,",
	"or move the tasks to private subnets whose default route is a NAT gateway",
])
