# METADATA
# title: Default route to a NAT gateway that cannot reach the internet
# description: |
#   The task subnet's default route targets a NAT gateway that cannot carry the traffic out:
#   it is not available (deleted, failed, pending), the route is a blackhole, or its subnet's
#   route table has no default route, a blackhole one, or one back to the NAT gateway itself,
#   or sends it to an internet gateway although it has private connectivity (the internet
#   gateway drops a private NAT gateway's traffic). A NAT subnet's default route to a transit
#   gateway, VPN gateway, peering connection, network interface or firewall endpoint is FG206.
#   A route to an internet gateway attached to another VPC is a blackhole too (AWS refuses it:
#   "belong to different networks"), from the task subnet (tasks with a public IP; without one,
#   FG201 says both) or from the NAT gateway's subnet: the message names both VPCs.
# custom:
#   id: FG203
#   level: error
#   remediation: >-
#     Route 0.0.0.0/0 to a public, available NAT gateway that sits in a public subnet (one whose
#     default route is an internet gateway).
#   tags: [routing, nat]
#   examples:
#     failing: |
#       NatGateway:
#         Type: AWS::EC2::NatGateway
#         Properties:
#           SubnetId: !Ref PrivateSubnetB   # its route table has no route to the internet gateway
#           AllocationId: !GetAtt NatEip.AllocationId
#     passing: |
#       NatGateway:
#         Type: AWS::EC2::NatGateway
#         Properties:
#           SubnetId: !Ref PublicSubnetA    # 0.0.0.0/0 -> InternetGateway
#           AllocationId: !GetAtt NatEip.AllocationId
package fargate_preflight.rules.fg203

import rego.v1

# METADATA
# entrypoint: true
deny contains entry if {
	some sid, by_need in data.fargate_preflight.lib.paths.failures
	some need, by_rule in by_need
	entries := by_rule.FG203
	first := data.fargate_preflight.lib.paths.first_entry(entries)
	resource := data.fargate_preflight.lib.paths.name_of("route_tables", first.route_table)
	f := data.fargate_preflight.lib.paths.no_path_finding(sid, need, entries, resource, first.route.source, fix(entries))
	entry := data.fargate_preflight.lib.result.finding(f)
}

# Entries that name their own fix (an internet gateway attached to another VPC) give it; the
# others get the NAT gateway one.
fix(entries) := concat(" ", array.concat(nat_fix(entries), data.fargate_preflight.lib.paths.entry_fixes(entries)))

nat_fix(entries) := [concat(" ", [
	sprintf("Point the 0.0.0.0/0 route of route table %s at a public, available NAT gateway", [concat(", ", tables)]),
	"in a subnet whose default route is an internet gateway.",
])] if {
	tables := sort({data.fargate_preflight.lib.paths.name_of("route_tables", e.route_table) |
		some e in entries
		not is_string(e.fix)
	})
	count(tables) > 0
} else := []
