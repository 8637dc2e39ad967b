# METADATA
# description: Lookups into the input model that turn a missing or unsettled value into an unknown.
package fargate_preflight.lib.model

import rego.v1

# is_unknown holds for an unknown value ({"unknown": why, "ref": key, "source": where}).
is_unknown(v) if {
	is_object(v)
	v.unknown
}

# settled_but_deployment holds for an unknown string whose only unsettled parts are the account
# and the deploy region (its ref names one of them only then: sources/cfn/cursor.py): its
# `partial` matches as a policy names the same resource, `*` for each of them.
settled_but_deployment(v) if {
	is_unknown(v)
	is_string(v.partial)
	v.ref in {"AWS::AccountId", "AWS::Region", "AWS::URLSuffix", "AWS::Partition"}
}

# network_source is where a service's network configuration is written: its own `source` when
# a source gives one (an ECS JSON file, whose service is the whole file), else the service's.
# Notes about subnets and groups missing from the inputs point there.
network_source(svc) := svc.network.source if {
	is_object(svc.network)
	is_object(svc.network.source)
} else := svc.source

# pattern_text is a string as it is; for a string with unsettled parts, its pattern with `*`
# for each part (docs/model.md: `partial`), which may still name an ECR host and region, or a
# secret's service and region.
pattern_text(v) := v if is_string(v)

pattern_text(v) := v.partial if {
	is_object(v)
	is_string(v.partial)
}

# show prints a value that may be unknown: an unknown string by what is known of it, `*` for
# each unsettled part (`*-container` for `${AWS::StackName}-container`), another unknown by its
# ref (`<Parameter Name>`), also one of which nothing is known (a KMS key's id: `*`).
show(v) := v if {
	is_string(v)
} else := v.partial if {
	is_unknown(v)
	is_string(v.partial)
	trim(v.partial, "*") != ""
} else := sprintf("<%s>", [v.ref]) if {
	is_unknown(v)
} else := sprintf("%v", [v])

# runner names a service or a standalone task (a run-task input, a scheduled task) by its name,
# as messages do: "service web", "task nightly".
runner(name) := sprintf("task %s", [name]) if {
	name in task_names
} else := sprintf("service %s", [name])

task_names contains entry if {
	some svc in input.services
	svc.kind == "task"
	entry := svc.name
}

# lookup returns the object `id` of `collection`, or an unknown saying it is not in the inputs.
# `src` is where the reference sits (used as the unknown's location). (One chain: the engines
# evaluate every definition of a function at each call, and this one is called everywhere.)
lookup(collection, id, src) := obj if {
	is_string(id)
	obj := input[collection][id]
} else := missing(collection, id, src) if {
	is_string(id)
} else := id if is_unknown(id)

# missing describes an object referenced by id that the inputs do not contain.
missing(collection, id, src) := {
	"unknown": sprintf("%s %s is not in the scanned inputs", [kind_name[collection], id]),
	"ref": sprintf("%s %s", [kind_name[collection], id]),
	"source": src,
}

kind_name := {
	"vpcs": "VPC",
	"subnets": "subnet",
	"route_tables": "route table",
	"nacls": "network ACL",
	"security_groups": "security group",
	"nat_gateways": "NAT gateway",
	"internet_gateways": "internet gateway",
	"vpc_endpoints": "VPC endpoint",
	"prefix_lists": "prefix list",
	"roles": "IAM role",
	"managed_policies": "managed policy",
	"clusters": "cluster",
	"task_definitions": "task definition",
	"services": "service",
	"efs_file_systems": "EFS file system",
	"efs_mount_targets": "EFS mount target",
}
