# METADATA
# title: A verdict depends on a value the inputs do not settle
# description: |
#   Some check could not reach a verdict because a value is not in the scanned inputs: a
#   parameter without default, an unresolved Fn::ImportValue, a subnet, role or VPC defined
#   elsewhere, an unknown region, DNS servers of a VPC's DHCP option set that may not forward to
#   the Route 53 Resolver. One note per unsettled value, at that value, listing the checks and
#   services it blocked. Never an error: the scanner does not guess.
# custom:
#   id: FG801
#   level: note
#   remediation: >-
#     Give the value (--parameter, --region) or scan the template that defines it, so the blocked
#     checks can run. A Terraform plan takes no --parameter (its variables are set when it is
#     made): scan the plan or template that creates the value, or the plan with its .tf files; a
#     value that Terraform knows only after apply is settled by no plan: write it in the
#     configuration as a value the plan knows, or check it after apply with scan-aws.
#   tags: [coverage]
#   examples:
#     failing: |
#       Parameters:
#         PrivateSubnetIds: {Type: "List<AWS::EC2::Subnet::Id>"}   # no Default
#       Service:
#         Type: AWS::ECS::Service
#         Properties:
#           NetworkConfiguration:
#             AwsvpcConfiguration: {Subnets: !Ref PrivateSubnetIds}
#     passing: |
#       Resources:
#         PrivateSubnetA: {Type: AWS::EC2::Subnet, Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.1.0/24}}
#         Service:
#           Type: AWS::ECS::Service
#           Properties:
#             NetworkConfiguration:
#               AwsvpcConfiguration: {Subnets: [!Ref PrivateSubnetA]}
package fargate_preflight.rules.fg801

import rego.v1

# METADATA
# entrypoint: true
deny contains entry if {
	some ref, entries in by_ref
	first := first_unknown(entries)
	rules := sort({r | some e in entries; some r in e.rules})
	services := sort({e.service | some e in entries; e.service != null})
	entry := data.fargate_preflight.lib.result.finding({
		"resource": ref,
		"service": only_service(services),
		"need": null,
		"message": sprintf(
			"%s is not settled (%s): it blocks %s%s",
			[ref, first.unknown, concat(", ", rules), for_services(services)],
		),
		"fix": object.get(first, "fix", fix_at(object.get(first, "settled_by", ref), first.source)),
		"hop": null,
		"source": first.source,
	})
}

# A call the live scan could not make (access denied, throttled) is a coverage gap: what it
# returns is missing, so the checks that need it cannot be settled. A gap whose ref an unsettled
# value already names is reported there, with the checks it blocked.
deny contains entry if {
	some g in input.coverage_gaps
	ref := gap_ref(g)
	not by_ref[ref]
	entry := data.fargate_preflight.lib.result.finding({
		"resource": ref,
		"service": null,
		"need": null,
		"message": sprintf(
			"%s could not be read (%s): what it returns is missing from this scan, so checks that need it are not settled",
			[ref, g.error],
		),
		"fix": fix(ref),
		"hop": null,
		"source": g.source,
	})
}

gap_ref(g) := sprintf("%s in account %s region %s", [g.api, g.account, g.region])

# by_ref groups the undecided entries of every package by the unsettled value's ref.
by_ref[ref] contains u if {
	some u in unsettled
	ref := u.unknown.ref
}

# An unsettled value that waits for another (a CloudFormation condition on a parameter:
# scanner/worlds.py) names it as `settled_by`: the fix is the one that settles that value.

# The same ref may be reached from several places; report the first by location.
first_unknown(entries) := first if {
	[_, _, first] := min({[e.unknown.source.file, e.unknown.source.line, e.unknown] | some e in entries})
}

only_service(services) := services[0] if {
	count(services) == 1
} else := null

for_services(services) := "" if {
	count(services) == 0
} else := sprintf(" for %s", [data.fargate_preflight.lib.model.runner(services[0])]) if {
	count(services) == 1
} else := sprintf(" for services %s", [concat(", ", services)])

# Parameter refs read "Parameter NAME" or "Parameter NAME of FILE" (several templates):
# --parameter takes the same FILE:NAME=VALUE.
fix(ref) := sprintf(
	"Pass --parameter %s=VALUE, the value it deploys with, so these checks can run.",
	[parameter_flag(parts)],
) if {
	startswith(ref, "Parameter ")
	parts := split(trim_prefix(ref, "Parameter "), " of ")
} else := "Pass --region (or set AWS_REGION) so these checks can run." if {
	ref in {"AWS::Region", "AWS::Partition", "AWS::URLSuffix"}
} else := sprintf(
	"Allow %s to the scanning role (docs/examples/iam-readonly-policy.json), or scan again if it was throttled.",
	[gap.api],
) if {
	some gap in input.coverage_gaps
	gap_ref(gap) == ref
} else := generic_fix

# A live scan has no template to add: what it did not read is in another account or region, or
# not read by the exporter. A Terraform plan takes no --parameter (its variables are set when it
# is made): its values come from what creates them (the Terraform reader gives its own fixes
# for values known only after apply and for .tf files the plan needs).
fix_at(ref, src) := found if {
	found := fix(ref)
	found != generic_fix
} else := live_fix if {
	startswith(src.file, "aws://")
} else := terraform_fix if {
	terraform_source(src)
} else := generic_fix

# terraform_source: a .tf file, or a plan's JSON (where the reader points without .tf files).
terraform_source(src) if endswith(src.file, ".tf")

terraform_source(src) if endswith(src.file, ".tf.json")

terraform_source(src) if {
	some prefix in {"/planned_values/", "/resource_changes/", "/prior_state/", "/configuration/"}
	startswith(object.get(src, "pointer", ""), prefix)
}

terraform_fix := concat(" ", [
	"Scan the plan or template that creates it too, or check it in the account with",
	"`fargate-preflight scan-aws`, so these checks can run.",
])

live_fix := concat(" ", [
	"Scan the account and region that hold it too (--region, --org-role),",
	"or check it by hand: this scan did not read it.",
])

generic_fix := "Scan the template or file that defines it too, or pass its value, so these checks can run."

parameter_flag(parts) := sprintf("%s:%s", [parts[1], parts[0]]) if {
	count(parts) == 2
} else := parts[0]

# Every package that may define `undecided`. A package that does not define it (or does not
# exist) contributes nothing; fg801 itself is not listed.
unsettled contains u if {
	some u in data.fargate_preflight.lib.paths.undecided
}

# Name resolution (lib/dns.rego): a need that a path rule fails is an error already, since DNS
# does not repair a closed path.
unsettled contains u if {
	some [pair, u] in data.fargate_preflight.lib.dns.passing
	not path_failing[pair]
}

unsettled contains u if {
	some u in data.fargate_preflight.rules.fg101.undecided
}

unsettled contains u if {
	some u in data.fargate_preflight.rules.fg102.undecided
}

unsettled contains u if {
	some u in data.fargate_preflight.rules.fg103.undecided
}

unsettled contains u if {
	some u in data.fargate_preflight.rules.fg104.undecided
}

unsettled contains u if {
	some u in data.fargate_preflight.rules.fg105.undecided
}

unsettled contains u if {
	some u in data.fargate_preflight.rules.fg106.undecided
}

unsettled contains u if {
	some u in data.fargate_preflight.rules.fg107.undecided
}

unsettled contains u if {
	some u in data.fargate_preflight.rules.fg108.undecided
}

unsettled contains u if {
	some u in data.fargate_preflight.rules.fg109.undecided
}

unsettled contains u if {
	some u in data.fargate_preflight.rules.fg110.undecided
}

unsettled contains u if {
	some u in data.fargate_preflight.rules.fg201.undecided
}

unsettled contains u if {
	some u in data.fargate_preflight.rules.fg202.undecided
}

unsettled contains u if {
	some u in data.fargate_preflight.rules.fg203.undecided
}

unsettled contains u if {
	some u in data.fargate_preflight.rules.fg204.undecided
}

unsettled contains u if {
	some u in data.fargate_preflight.rules.fg205.undecided
}

unsettled contains u if {
	some u in data.fargate_preflight.rules.fg206.undecided
}

unsettled contains u if {
	some u in data.fargate_preflight.rules.fg301.undecided
}

unsettled contains u if {
	some u in data.fargate_preflight.rules.fg302.undecided
}

unsettled contains u if {
	some u in data.fargate_preflight.rules.fg303.undecided
}

unsettled contains u if {
	some u in data.fargate_preflight.rules.fg401.undecided
}

unsettled contains u if {
	some u in data.fargate_preflight.rules.fg402.undecided
}

unsettled contains u if {
	some u in data.fargate_preflight.rules.fg403.undecided
}

unsettled contains u if {
	some u in data.fargate_preflight.rules.fg404.undecided
}

unsettled contains u if {
	some u in data.fargate_preflight.rules.fg501.undecided
}

unsettled contains u if {
	some u in data.fargate_preflight.rules.fg502.undecided
}

unsettled contains u if {
	some u in data.fargate_preflight.rules.fg503.undecided
}

unsettled contains u if {
	some u in data.fargate_preflight.rules.fg601.undecided
}

unsettled contains u if {
	some u in data.fargate_preflight.rules.fg602.undecided
}

unsettled contains u if {
	some u in data.fargate_preflight.rules.fg603.undecided
}

unsettled contains u if {
	some u in data.fargate_preflight.rules.fg604.undecided
}

unsettled contains u if {
	some u in data.fargate_preflight.rules.fg605.undecided
}

unsettled contains u if {
	some u in data.fargate_preflight.rules.fg606.undecided
}

unsettled contains u if {
	some u in data.fargate_preflight.rules.fg701.undecided
}

unsettled contains u if {
	some u in data.fargate_preflight.rules.fg702.undecided
}

unsettled contains u if {
	some u in data.fargate_preflight.rules.fg703.undecided
}

unsettled contains u if {
	some u in data.fargate_preflight.rules.fg704.undecided
}

unsettled contains u if {
	some u in data.fargate_preflight.rules.fg705.undecided
}

# [service, need] of the rules that judge a chosen path.
path_failing contains pair if {
	some f in path_findings
	pair := [f.service, f.need]
}

path_findings contains f if some f in data.fargate_preflight.rules.fg102.deny

path_findings contains f if some f in data.fargate_preflight.rules.fg301.deny

path_findings contains f if some f in data.fargate_preflight.rules.fg302.deny

path_findings contains f if some f in data.fargate_preflight.rules.fg303.deny

path_findings contains f if some f in data.fargate_preflight.rules.fg401.deny

path_findings contains f if some f in data.fargate_preflight.rules.fg402.deny

path_findings contains f if some f in data.fargate_preflight.rules.fg403.deny
