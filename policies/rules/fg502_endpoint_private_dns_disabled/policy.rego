# METADATA
# title: Interface endpoint with private DNS off
# description: |
#   An interface endpoint for a service the task needs exists in the VPC, but PrivateDnsEnabled
#   is false: the service's default hostname still resolves to public addresses, so the task
#   ignores the endpoint. An error when the task has no other path; a warning when the
#   traffic takes another path (NAT, internet gateway) and the endpoint is unused.
# custom:
#   id: FG502
#   level: error
#   remediation: >-
#     Set PrivateDnsEnabled to true on the interface endpoint (the VPC needs EnableDnsSupport and
#     EnableDnsHostnames).
#   tags: [endpoints, dns]
#   examples:
#     failing: |
#       EcrDkrEndpoint:
#         Type: AWS::EC2::VPCEndpoint
#         Properties:
#           VpcId: !Ref Vpc
#           ServiceName: !Sub com.amazonaws.${AWS::Region}.ecr.dkr
#           VpcEndpointType: Interface     # PrivateDnsEnabled defaults to false
#           SubnetIds: [!Ref IsolatedSubnetA]
#     passing: |
#       EcrDkrEndpoint:
#         Type: AWS::EC2::VPCEndpoint
#         Properties:
#           VpcId: !Ref Vpc
#           ServiceName: !Sub com.amazonaws.${AWS::Region}.ecr.dkr
#           VpcEndpointType: Interface
#           PrivateDnsEnabled: true
#           SubnetIds: [!Ref IsolatedSubnetA]
package fargate_preflight.rules.fg502

import rego.v1

# No other path: the endpoint was the only way, and it is not used.
# METADATA
# entrypoint: true
deny contains entry if {
	some sid, by_need in data.fargate_preflight.lib.paths.failures
	some need, by_rule in by_need
	entries := by_rule.FG502
	ep := input.vpc_endpoints[data.fargate_preflight.lib.paths.first_entry(entries).endpoint]
	f := data.fargate_preflight.lib.paths.no_path_finding(sid, need, entries, ep.name, ep.source, fix(ep))
	entry := data.fargate_preflight.lib.result.finding(f)
}

# Another path carries the traffic: the endpoint is unused, which works but is not what its
# author meant (and breaks as soon as that other path goes).
deny contains entry if {
	some sid, by_need in data.fargate_preflight.lib.paths.private_dns_bypassed
	some need, pairs in by_need
	not data.fargate_preflight.lib.paths.failures[sid][need].FG502
	[ep_id, ref] := min(pairs)
	ep := input.vpc_endpoints[ep_id]
	svc := input.services[sid]
	subnet := input.subnets[ref]
	entry := data.fargate_preflight.lib.result.finding({
		"resource": ep.name,
		"service": svc.name,
		"need": need,
		"message": concat(" ", [
			sprintf(
				"%s %s does not use interface endpoint %s for %s: its private DNS is off,",
				[svc.kind, svc.name, ep.name, need],
			),
			sprintf("so the %s hostname resolves to public addresses and the traffic takes another path", [need]),
		]),
		"fix": fix(ep),
		"hop": data.fargate_preflight.lib.paths.hop(
			subnet, "DNS",
			sprintf("interface endpoint %s", [ep.name]),
			"PrivateDnsEnabled is false",
		),
		"source": ep.source,
		"level": "warning",
	})
}

fix(ep) := sprintf(
	"Set %s to true on interface endpoint %s (the VPC needs %s and %s).",
	[private_dns, ep.name, support, hostnames],
) if {
	private_dns := data.fargate_preflight.lib.result.field(ep.source, data.fargate_preflight.lib.result.private_dns)
	support := data.fargate_preflight.lib.result.field(ep.source, data.fargate_preflight.lib.result.dns_support)
	hostnames := data.fargate_preflight.lib.result.field(ep.source, data.fargate_preflight.lib.result.dns_hostnames)
}
