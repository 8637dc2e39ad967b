# METADATA
# title: VPC DNS resolution disabled
# description: |
#   The task VPC has enableDnsSupport false: the Amazon-provided DNS server does not answer, so
#   tasks cannot resolve any name, and image pulls, log delivery and every AWS call fail
#   whatever the routes and endpoints.
# custom:
#   id: FG501
#   level: error
#   remediation: >-
#     Set EnableDnsSupport to true on the VPC (and EnableDnsHostnames, which interface endpoints
#     with private DNS also need).
#   tags: [dns]
#   examples:
#     failing: |
#       Vpc:
#         Type: AWS::EC2::VPC
#         Properties: {CidrBlock: 10.0.0.0/16, EnableDnsSupport: false}
#     passing: |
#       Vpc:
#         Type: AWS::EC2::VPC
#         Properties: {CidrBlock: 10.0.0.0/16, EnableDnsSupport: true, EnableDnsHostnames: true}
package fargate_preflight.rules.fg501

import rego.v1

# METADATA
# entrypoint: true
deny contains entry if {
	some [sid, vpc] in service_vpcs
	vpc.enable_dns_support == false
	svc := input.services[sid]
	setting := data.fargate_preflight.lib.result.field(vpc.source, data.fargate_preflight.lib.result.dns_support)
	entry := data.fargate_preflight.lib.result.finding({
		"resource": vpc.name,
		"service": svc.name,
		"need": null,
		"message": concat(" ", [
			sprintf(
				"VPC %s has enableDnsSupport false: tasks of %s %s cannot resolve any name,",
				[vpc.name, svc.kind, svc.name],
			),
			"so image pulls and all AWS calls fail",
		]),
		"fix": sprintf("Set %s to true on VPC %s.", [setting, vpc.name]),
		"hop": null,
		"source": vpc.source,
	})
}

undecided contains entry if {
	some [sid, vpc] in service_vpcs
	some u in [vpc, object.get(vpc, "enable_dns_support", null)]
	data.fargate_preflight.lib.model.is_unknown(u)
	svc := input.services[sid]
	entry := {"unknown": u, "service": svc.name, "rules": ["FG501"]}
}

# service_vpcs pairs each analysed service with the VPCs of its task subnets (the VPC object,
# or an unknown when it is not in the inputs).
service_vpcs contains [sid, vpc] if {
	some sid in data.fargate_preflight.lib.taskdef.analysed
	some ref in data.fargate_preflight.lib.paths.listed_subnets(input.services[sid])
	subnet := input.subnets[ref]
	vpc := data.fargate_preflight.lib.model.lookup("vpcs", subnet.vpc, subnet.source)
}
