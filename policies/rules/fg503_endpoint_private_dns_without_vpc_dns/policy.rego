# METADATA
# title: Private DNS endpoint in a VPC without DNS hostnames
# description: |
#   An interface endpoint has private DNS on, but its VPC lacks enableDnsHostnames (or
#   enableDnsSupport): AWS refuses private DNS there (in CloudFormation the endpoint fails to
#   create), and tasks cannot use the endpoint's private hostname.
# custom:
#   id: FG503
#   level: error
#   remediation: Set EnableDnsHostnames and EnableDnsSupport to true on the VPC.
#   tags: [endpoints, dns]
#   examples:
#     failing: |
#       Vpc:
#         Type: AWS::EC2::VPC
#         Properties: {CidrBlock: 10.0.0.0/16}   # EnableDnsHostnames defaults to false
#       EcrDkrEndpoint:
#         Type: AWS::EC2::VPCEndpoint
#         Properties:
#           VpcId: !Ref Vpc
#           ServiceName: !Sub com.amazonaws.${AWS::Region}.ecr.dkr
#           VpcEndpointType: Interface
#           PrivateDnsEnabled: true
#     passing: |
#       Vpc:
#         Type: AWS::EC2::VPC
#         Properties: {CidrBlock: 10.0.0.0/16, EnableDnsSupport: true, EnableDnsHostnames: true}
package fargate_preflight.rules.fg503

import rego.v1

# One finding per service that needs the endpoint's service from that VPC.
# METADATA
# entrypoint: true
deny contains entry if {
	some [ep, vpc] in misconfigured
	some sid in needers(ep)
	svc := input.services[sid]
	entry := data.fargate_preflight.lib.result.finding({
		"resource": ep.name,
		"service": svc.name,
		"need": ep.service,
		"message": message(sid, ep, vpc),
		"fix": fix(vpc),
		"hop": hop(sid, ep, vpc),
		"source": ep.source,
	})
}

# And one without a service when no analysed service needs it: the deployment still fails.
deny contains entry if {
	some [ep, vpc] in misconfigured
	count(needers(ep)) == 0
	entry := data.fargate_preflight.lib.result.finding({
		"resource": ep.name,
		"service": null,
		"need": ep.service,
		"message": creation_fails(ep, vpc),
		"fix": fix(vpc),
		"hop": endpoint_hop(ep, vpc),
		"source": ep.source,
	})
}

# misconfigured pairs each private-DNS interface endpoint with its VPC when the VPC's DNS
# attributes forbid private DNS.
misconfigured contains [ep, vpc] if {
	some ep in private_dns_endpoints
	vpc := input.vpcs[ep.vpc]
	count(missing(vpc)) > 0
}

private_dns_endpoints contains ep if {
	some ep in input.vpc_endpoints
	ep.type == "Interface"
	ep.private_dns == true
	data.fargate_preflight.lib.paths.usable_endpoint(ep)
}

needers(ep) := object.get(
	data.fargate_preflight.lib.paths.needed_in_vpc,
	[data.fargate_preflight.lib.paths.vpc_key(ep.vpc), ep.service],
	set(),
)

missing(vpc) := [name |
	some [name, value] in [["enableDnsSupport", vpc.enable_dns_support], ["enableDnsHostnames", vpc.enable_dns_hostnames]]
	value == false
]

missing_text(vpc) := sprintf("%s false", [concat(" and ", missing(vpc))])

fix(vpc) := sprintf("Set %s and %s to true on VPC %s.", [support, hostnames, vpc.name]) if {
	support := data.fargate_preflight.lib.result.field(vpc.source, data.fargate_preflight.lib.result.dns_support)
	hostnames := data.fargate_preflight.lib.result.field(vpc.source, data.fargate_preflight.lib.result.dns_hostnames)
}

# When this endpoint is why the need has no path, the message is the path's; otherwise it says
# what fails.
message(sid, ep, vpc) := path_finding.message if {
	entries := no_path_entries(sid, ep)
	count(entries) > 0
	path_finding := data.fargate_preflight.lib.paths.no_path_finding(sid, ep.service, entries, ep.name, ep.source, "")
} else := sprintf(
	"%s, and %s cannot use it",
	[creation_fails(ep, vpc), data.fargate_preflight.lib.model.runner(input.services[sid].name)],
)

creation_fails(ep, vpc) := sprintf(
	"interface endpoint %s (%s) has private DNS on, but VPC %s has %s: CloudFormation fails to create the endpoint",
	[ep.name, ep.service, vpc.name, missing_text(vpc)],
)

hop(sid, ep, vpc) := data.fargate_preflight.lib.paths.first_entry(entries).hop if {
	entries := no_path_entries(sid, ep)
	count(entries) > 0
} else := endpoint_hop(ep, vpc)

endpoint_hop(ep, vpc) := {
	"from": sprintf("interface endpoint %s", [ep.name]),
	"via": "private DNS",
	"to": sprintf("VPC %s", [vpc.name]),
	"detail": missing_text(vpc),
}

no_path_entries(sid, ep) := {e |
	some e in object.get(data.fargate_preflight.lib.paths.failures, [sid, ep.service, "FG503"], set())
	e.endpoint == ep.id
}

# A private-DNS endpoint in a VPC whose DNS attributes are not settled.
undecided contains {"unknown": u, "service": service, "rules": ["FG503"]} if {
	some ep in private_dns_endpoints
	some u in unsettled_vpc_dns(ep)
	some service in needer_names(ep)
}

unsettled_vpc_dns(ep) := {vpc} if {
	vpc := data.fargate_preflight.lib.model.lookup("vpcs", ep.vpc, ep.source)
	data.fargate_preflight.lib.model.is_unknown(vpc)
} else := unknowns if {
	vpc := input.vpcs[ep.vpc]
	unknowns := {u |
		some u in [vpc.enable_dns_support, vpc.enable_dns_hostnames]
		data.fargate_preflight.lib.model.is_unknown(u)
	}
}

needer_names(ep) := names if {
	count(needers(ep)) > 0
	names := {input.services[sid].name | some sid in needers(ep)}
} else := {null}
