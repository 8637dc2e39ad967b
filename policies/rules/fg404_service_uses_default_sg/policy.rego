# METADATA
# title: Service names no security groups
# description: |
#   When an awsvpc network configuration names no security groups, ECS attaches the VPC's
#   default security group. Its rules are shared with everything else that falls back to it,
#   and its inbound rule admits only members of the same group, so the service's access is
#   whatever unrelated resources need. The network checks use the default group's rules.
# custom:
#   id: FG404
#   level: note
#   remediation: >-
#     Give the service its own security group in AwsvpcConfiguration.SecurityGroups, with only
#     the egress it needs.
#   tags: [network, security-group]
#   examples:
#     failing: |
#       Service:
#         Type: AWS::ECS::Service
#         Properties:
#           LaunchType: FARGATE
#           NetworkConfiguration:
#             AwsvpcConfiguration:
#               Subnets: [!Ref PrivateSubnetA]
#     passing: |
#       Service:
#         Type: AWS::ECS::Service
#         Properties:
#           LaunchType: FARGATE
#           NetworkConfiguration:
#             AwsvpcConfiguration:
#               Subnets: [!Ref PrivateSubnetA]
#               SecurityGroups: [!Ref ServiceSecurityGroup]
package fargate_preflight.rules.fg404

import rego.v1

# METADATA
# entrypoint: true
deny contains entry if {
	some id in data.fargate_preflight.lib.taskdef.analysed
	svc := input.services[id]
	svc.network.security_groups == []
	names := data.fargate_preflight.lib.result.service_security_groups
	setting := data.fargate_preflight.lib.result.field(svc.source, names)
	entry := data.fargate_preflight.lib.result.finding({
		"resource": svc.name,
		"service": svc.name,
		"message": sprintf(
			"%s %s names no security groups, so its tasks get %s",
			[svc.kind, svc.name, default_group_text(svc)],
		),
		"fix": sprintf(
			"Create a security group for %s with the egress it needs and list it in %s.",
			[svc.name, setting],
		),
		"source": svc.source,
	})
}

# default_group_text names the default group of the VPC of the service's first subnet.
default_group_text(svc) := sprintf("the default security group %s of VPC %s", [
	data.fargate_preflight.lib.network.object_name("security_groups", vpc.default_security_group),
	vpc.name,
]) if {
	is_array(svc.network.subnets)
	vpc := input.vpcs[input.subnets[svc.network.subnets[0]].vpc]
	is_string(vpc.default_security_group)
} else := "the VPC's default security group"
