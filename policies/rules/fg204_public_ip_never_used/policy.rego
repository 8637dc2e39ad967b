# METADATA
# title: Public IP on a subnet without an internet gateway route
# description: |
#   The service assigns public IPs, but the task subnet's default route is not an internet
#   gateway (a NAT gateway, no default route, or a route out of the analysed scope): the public
#   IP is never used, and the setting suggests the subnet is not the one intended.
# custom:
#   id: FG204
#   level: warning
#   remediation: >-
#     Set assignPublicIp to DISABLED for tasks in private subnets, or place the tasks in public
#     subnets if they are meant to use the public IP.
#   tags: [routing]
#   examples:
#     failing: |
#       Service:
#         Type: AWS::ECS::Service
#         Properties:
#           NetworkConfiguration:
#             AwsvpcConfiguration:
#               AssignPublicIp: ENABLED
#               Subnets: [!Ref PrivateSubnetA]   # 0.0.0.0/0 -> NatGateway
#     passing: |
#       Service:
#         Type: AWS::ECS::Service
#         Properties:
#           NetworkConfiguration:
#             AwsvpcConfiguration:
#               AssignPublicIp: DISABLED
#               Subnets: [!Ref PrivateSubnetA]
package fargate_preflight.rules.fg204

import rego.v1

# METADATA
# entrypoint: true
deny contains entry if {
	some sid in data.fargate_preflight.lib.taskdef.analysed
	svc := input.services[sid]
	svc.network.assign_public_ip == "ENABLED"
	entries := not_public(svc)
	count(entries) > 0
	texts := data.fargate_preflight.lib.paths.hop_texts(entries)
	first := data.fargate_preflight.lib.paths.first_entry(entries)
	entry := data.fargate_preflight.lib.result.finding({
		"resource": svc.name,
		"service": svc.name,
		"need": null,
		"message": sprintf(
			"%s %s has assignPublicIp ENABLED, but tasks in these subnets never use the public IP: %s",
			[svc.kind, svc.name, concat("; ", texts)],
		),
		"fix": fix,
		"hop": first.hop,
		"source": svc.source,
	})
}

fix := concat(" ", [
	"Set assignPublicIp to DISABLED in the service's network configuration, or place the tasks in public",
	"subnets (default route to an internet gateway) if they are meant to use the public IP.",
])

# not_public lists the task subnets whose default route is known and is not an internet gateway.
not_public(svc) := {entry |
	some ref in data.fargate_preflight.lib.paths.listed_subnets(svc)
	ra := data.fargate_preflight.lib.paths.route_analysis[ref]
	not ra.state in {"igw", "undecided"}
	subnet := input.subnets[ref]
	entry := {
		"subnet_name": subnet.name,
		"text": sprintf("%s: %s", [ra.via, ra.to]),
		"hop": data.fargate_preflight.lib.paths.hop(
			subnet, ra.via, ra.to,
			"assignPublicIp is ENABLED but the default route is not an internet gateway",
		),
	}
}

undecided contains entry if {
	some sid in data.fargate_preflight.lib.taskdef.analysed
	svc := input.services[sid]
	public_ip_possible(svc.network.assign_public_ip)
	some u in unsettled_routes(svc)
	entry := {"unknown": u, "service": svc.name, "rules": ["FG204"]}
}

# An unknown assignPublicIp blocks FG204 wherever the default route is not an igw.
undecided contains entry if {
	some sid in data.fargate_preflight.lib.taskdef.analysed
	svc := input.services[sid]
	data.fargate_preflight.lib.model.is_unknown(svc.network.assign_public_ip)
	count(not_public(svc)) > 0
	entry := {"unknown": svc.network.assign_public_ip, "service": svc.name, "rules": ["FG204"]}
}

public_ip_possible("ENABLED") := true

public_ip_possible(v) if data.fargate_preflight.lib.model.is_unknown(v)

unsettled_routes(svc) := {ra.unknown |
	some ref in data.fargate_preflight.lib.paths.listed_subnets(svc)
	ra := data.fargate_preflight.lib.paths.route_analysis[ref]
	ra.state == "undecided"
} | {u | some u in data.fargate_preflight.lib.paths.unsettled_subnets(svc)}
