# METADATA
# title: Path leaves the analysed scope
# description: |
#   The task subnet's default route, or that of the subnet of the NAT gateway it goes to, goes
#   to a transit gateway, virtual private gateway, peering connection, network interface or
#   firewall endpoint: what lies beyond (a shared-services or inspection VPC) is not in the
#   inputs, so the scanner cannot tell whether the need is reachable. Or only an IPv6 route
#   (::/0) leaves the subnet, and IPv6 paths are not analysed; a subnet that has no IPv6 block
#   gives its tasks no IPv6 address, so there the route carries nothing (FG202).
# custom:
#   id: FG206
#   level: note
#   remediation: >-
#     Check that the network beyond the route reaches the service (e.g. endpoints or NAT in the
#     shared-services VPC), or scan those templates too. For an IPv6 route, check that the
#     service accepts IPv6, or give the subnets an IPv4 path.
#   tags: [routing, coverage]
#   examples:
#     failing: |
#       DefaultRoute:
#         Type: AWS::EC2::Route
#         Properties: {RouteTableId: !Ref PrivateRT, DestinationCidrBlock: 0.0.0.0/0, TransitGatewayId: tgw-0abc}
#     passing: |
#       DefaultRoute:
#         Type: AWS::EC2::Route
#         Properties: {RouteTableId: !Ref PrivateRT, DestinationCidrBlock: 0.0.0.0/0, NatGatewayId: !Ref NatGateway}
package fargate_preflight.rules.fg206

import rego.v1

# METADATA
# entrypoint: true
deny contains entry if {
	some sid, by_need in data.fargate_preflight.lib.paths.leaves_scope
	some need, entries in by_need
	svc := input.services[sid]
	first := data.fargate_preflight.lib.paths.first_entry(entries)
	texts := data.fargate_preflight.lib.paths.hop_texts(entries)
	entry := data.fargate_preflight.lib.result.finding({
		"resource": data.fargate_preflight.lib.paths.name_of("route_tables", first.route_table),
		"service": svc.name,
		"need": need,
		"message": sprintf(
			"%s %s: the path to %s leaves the scanned inputs: %s",
			[svc.kind, svc.name, need, concat("; ", texts)],
		),
		"fix": fix(first, need),
		"hop": first.hop,
		"source": first.source,
	})
}

# An IPv6 route (to an internet or egress-only internet gateway) has nothing beyond it to scan:
# what is open is whether the service answers over IPv6.
fix(first, need) := sprintf(
	concat("", [
		"IPv6 paths are not analysed: check that the tasks reach %s over IPv6 through the ::/0 route ",
		"(%s must accept IPv6 connections), or give the task subnets an IPv4 path to it ",
		"(interface endpoints, or a NAT gateway).",
	]),
	[need, need],
) if {
	is_string(first.ipv6_route)
} else := concat(" ", [
	sprintf("Check that the network beyond this route reaches %s", [need]),
	"(for example endpoints or a NAT gateway in the shared-services VPC), or scan the templates that define it.",
])
