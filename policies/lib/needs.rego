# METADATA
# description: |
#   What each analysed service needs to reach over the network (docs/reasoning.md §1).
#   `by_service[service_id]` is a set of
#   {"need", "kind", "port", "region", "caller", "reason", "source", "target"}:
#   need is an endpoint service name (`ecr.dkr`), a registry host (`registry-1.docker.io`)
#   or `efs:<file system name>`; kind is "endpoint" (an AWS service in the deploy region,
#   reachable through an endpoint or the internet), "internet" (a registry, or an AWS
#   service in another region) or "target" (EFS mount targets, `target` = file system id);
#   region is a string, an unknown, or null for registries.
#   `undecided` lists needs that could not be inferred (an image from a parameter without
#   default, a task definition or role not in the inputs, ...).
package fargate_preflight.lib.needs

import rego.v1

# The endpoint services behind a private ECR image: the registry API, the Docker registry,
# and S3 for the image layers.
ecr_services := ["ecr.api", "ecr.dkr", "s3"]

# Fargate platform 1.4.0+ talks to ECS through the agent's own channel and takes task-role
# credentials from 169.254.170.2: demanding these endpoints is a false positive.
never_needed := {"ecs", "ecs-agent", "ecs-telemetry"}

# The verdicts an unknown need (or its path) blocks, by kind of need.
blocked_rules := {
	"endpoint": [
		"FG102", "FG201", "FG202", "FG203", "FG205", "FG206",
		"FG301", "FG302", "FG303", "FG401", "FG402", "FG502",
	],
	"internet": ["FG201", "FG202", "FG203", "FG206", "FG301", "FG302", "FG303", "FG401"],
	"target": ["FG202", "FG301", "FG302", "FG303", "FG401", "FG403"],
}

# An unknown need blocks every path verdict, whatever it would have been.
all_path_rules := sort({r | some rules in blocked_rules; some r in rules})

# by_service maps each analysed service id to the set of its needs.
by_service[sid] := ns if {
	some sid in data.fargate_preflight.lib.taskdef.analysed
	svc := input.services[sid]
	td_needs := object.get(task_definition_needs, [svc.task_definition], set())
	own := (exec_needs(svc) | service_connect_log_needs(svc)) | declared_endpoint_needs(sid)
	ns := (td_needs | own) | declared_target_needs(sid)
}

# task_definition_needs holds the needs of each task definition an analysed service runs,
# computed once however many services share it.
task_definition_needs[td_id] := ns if {
	some sid in data.fargate_preflight.lib.taskdef.analysed
	td_id := input.services[sid].task_definition
	td := input.task_definitions[td_id]
	ns := ((container_needs(td) | volume_needs(td)) | app_needs(td)) | proxy_needs(td)
}

need(name, kind, port, region, caller, reason, src, target) := {
	"need": name,
	"kind": kind,
	"port": port,
	"region": region,
	"caller": caller,
	"reason": reason,
	"source": src,
	"target": target,
}

# Endpoints serve only their own region: a need in another region than the deploy region
# can only be met over the internet. When either region is unknown it stays "endpoint" and
# path selection decides whether the difference matters.
kind_for_region(region) := "internet" if {
	is_string(region)
	is_string(input.region)
	region != input.region
} else := "endpoint"

# local_kind is the kind of a need in the deploy region itself.
local_kind := kind_for_region(input.region)

containers(td) := td.containers if {
	is_array(td.containers)
} else := []

container_needs(td) := {n |
	some c in containers(td)
	agent_needs := ((image_needs(c) | log_needs(c)) | secret_needs(c)) | repository_credential_needs(c)
	some n in (agent_needs | environment_file_needs(c))
}

# --- images -------------------------------------------------------------------------

# private_ecr_region is the region of a private ECR image, from its host:
# ACCOUNT.dkr.ecr[-fips].REGION.amazonaws.com[.cn] or the dual-stack ACCOUNT.dkr-ecr.REGION.on.aws.
# (Split, not a regex: regorus compiles a pattern on every call, about 140 µs.)
private_ecr_region(image) := region_label(image, labels[3]) if {
	labels := split(data.fargate_preflight.lib.model.pattern_text(image), ".")
	labels[1] == "dkr"
	labels[2] in {"ecr", "ecr-fips"}
	labels[4] == "amazonaws"
	amazonaws_host_end(labels)
	is_account(labels[0])
} else := region_label(image, labels[2]) if {
	labels := split(data.fargate_preflight.lib.model.pattern_text(image), ".")
	labels[1] == "dkr-ecr"
	labels[3] == "on"
	startswith(labels[4], "aws/")
	is_account(labels[0])
}

# region_label is the region a host or ARN names; its `*` is the deploy region when the unknown
# says so (`deploy_region`: `${AWS::Region}`, a repository of the inputs, without --region),
# else undefined.
region_label(_, label) := label if {
	label != "*"
}

region_label(v, "*") := input.region if {
	is_object(v)
	v.deploy_region == true
}

# The host ends at the first "/": "com/app:1", or "com" then "cn/app:1" (or "com*/app:1"
# for an unsettled AWS::URLSuffix).
amazonaws_host_end(labels) if startswith(labels[5], "com/")

amazonaws_host_end(labels) if startswith(labels[5], "com*/")

amazonaws_host_end(labels) if {
	labels[5] == "com"
	startswith(labels[6], "cn/")
}

is_account(s) if {
	count(s) == 12
	trim_left(s, "0123456789") == ""
}

# An account id the inputs do not settle (`${AWS::AccountId}`) does not change the path.
is_account("*") := true

image_needs(c) := ns if {
	region := private_ecr_region(c.image)
	name := data.fargate_preflight.lib.model.show(c.name) # a name may be unsettled
	image := data.fargate_preflight.lib.model.pattern_text(c.image)
	reason := sprintf("private ECR image %s (container %s)", [image, name])
	ns := {need(s, kind_for_region(region), 443, region, "agent", reason, c.source, null) | some s in ecr_services}
} else := {need(host, "internet", 443, null, "agent", reason, c.source, null)} if {
	is_string(c.image)
	c.image != ""
	host := registry_host(c.image)
	reason := sprintf("image %s from %s (container %s)", [c.image, host, data.fargate_preflight.lib.model.show(c.name)])
} else := set()

# registry_host is the registry an image reference names; Docker Hub when the first path
# component is not a host name (`nginx`, `amazon/aws-cli`).
registry_host(image) := docker_hub if {
	parts := split(image, "/")
	count(parts) > 1
	looks_like_host(parts[0])
	parts[0] in {"docker.io", "index.docker.io"}
} else := parts[0] if {
	parts := split(image, "/")
	count(parts) > 1
	looks_like_host(parts[0])
} else := docker_hub

docker_hub := "registry-1.docker.io"

looks_like_host(s) if contains(s, ".")

looks_like_host(s) if contains(s, ":")

looks_like_host("localhost") := true

# --- logs ---------------------------------------------------------------------------

log_needs(c) := log_needs_of(c, sprintf("container %s", [data.fargate_preflight.lib.model.show(c.name)]))

# log_needs_of: the need of what writes with log configuration `c` (a container, or the
# Service Connect proxy: lib/service_connect.rego), named `who` in messages.
log_needs_of(c, who) := {need("logs", kind_for_region(region), 443, region, "agent", reason, c.source, null)} if {
	c.log_driver == "awslogs"
	region := log_region(c)
	group := object.get(log_options(c), "awslogs-group", "(no awslogs-group)")
	reason := sprintf("awslogs log group %s (%s)", [data.fargate_preflight.lib.model.show(group), who])
} else := set()

service_connect_log_needs(svc) := log_needs_of(log, "Service Connect proxy") if {
	log := data.fargate_preflight.lib.service_connect.log(svc)
} else := set()

log_options(c) := c.log_options if {
	is_object(c.log_options)
	not data.fargate_preflight.lib.model.is_unknown(c.log_options)
} else := {}

# An unknown awslogs-region (or unknown options) stays unknown; absent, ECS uses the
# task's region.
log_region(c) := c.log_options if {
	data.fargate_preflight.lib.model.is_unknown(c.log_options)
} else := log_options(c)["awslogs-region"] if {
	log_options(c)["awslogs-region"]
} else := input.region

# --- secrets ------------------------------------------------------------------------

secret_needs(c) := {n |
	is_array(c.secrets)
	some s in c.secrets
	name := data.fargate_preflight.lib.model.show(c.name)
	n := value_from_need(s.value_from, "ssm", sprintf("secret %s (container %s)", [s.name, name]), c.source)
}

# Repository credentials are a Secrets Manager secret, also when unsettled: by its ARN (one of
# the inputs, `!Ref Secret`, names its region) or its name, as `secrets` are.
repository_credential_needs(c) := {n |
	c.repository_credentials != null
	image := data.fargate_preflight.lib.model.show(c.image)
	name := data.fargate_preflight.lib.model.show(c.name)
	reason := sprintf("repository credentials of image %s (container %s)", [image, name])
	n := value_from_need(c.repository_credentials, "secretsmanager", reason, c.source)
}

# A Secrets Manager secret or SSM parameter ARN names its service and region; a bare name
# is in the task's region, of service `by_name`: an SSM parameter for `secrets`, a Secrets
# Manager secret for repository credentials (ECS API Reference, Secret and
# RepositoryCredentials).
value_from_need(v, _, reason, src) := need(svc, kind_for_region(region), 443, region, "agent", reason, src, null) if {
	[svc, region] := value_from_service(v)
}

value_from_need(v, by_name, reason, src) := n if {
	is_string(v)
	not startswith(v, "arn:")
	n := need(by_name, local_kind, 443, input.region, "agent", reason, src, null)
}

# value_from_service is [service, region] of a secret or parameter ARN, also of one whose
# unsettled parts are only the account and the name (a secret of the inputs: docs/model.md,
# `partial`), and of an unsettled value that names the resource it comes from (in the
# deploy region).
value_from_service(v) := [svc, region] if {
	parts := split(data.fargate_preflight.lib.model.pattern_text(v), ":")
	count(parts) > 5
	parts[0] == "arn"
	svc := parts[2]
	svc in {"secretsmanager", "ssm"}
	region := region_label(v, arn_region(parts[3]))
} else := [svc, input.region] if {
	svc := secret_ref_service(v)
}

# secret_ref_service is the service of an unsettled value that a Terraform plan names by the
# attribute it comes from (`aws_ssm_parameter.token.arn`, also in a module or of a data
# source): its resource type's.
secret_ref_service(v) := svc if {
	is_string(v.ref)
	found := {s |
		some type, s in secret_resource_services
		resource_of_type(v.ref, type)
	}
	count(found) == 1
	some svc in found
}

secret_resource_services := {
	"aws_ssm_parameter": "ssm",
	"aws_secretsmanager_secret": "secretsmanager",
	"aws_secretsmanager_secret_version": "secretsmanager",
}

resource_of_type(ref, type) if startswith(ref, concat("", [type, "."]))

resource_of_type(ref, type) if contains(ref, concat("", [".", type, "."]))

arn_region(r) := r if {
	r != ""
} else := input.region

# --- environment files ----------------------------------------------------------------

# The Fargate agent downloads each `environmentFiles` object from S3 before the container
# starts. An S3 ARN names no region: the bucket is taken to be in the deploy region.
environment_file_needs(c) := {need("s3", local_kind, 443, input.region, "agent", reason, c.source, null) |
	some file in environment_files(c)
	reason := sprintf("environment file %s (container %s)", [
		data.fargate_preflight.lib.model.show(file),
		data.fargate_preflight.lib.model.show(c.name),
	])
}

environment_files(c) := c.environment_files if {
	is_array(c.environment_files)
} else := []

# --- ECS Exec -----------------------------------------------------------------------

exec_needs(svc) := {need(
	"ssmmessages", local_kind, 443, input.region,
	"exec", "ECS Exec (enableExecuteCommand)", svc.source, null,
)} if {
	svc.enable_execute_command == true
} else := set()

# --- EFS ----------------------------------------------------------------------------

volumes(td) := td.volumes if {
	is_array(td.volumes)
} else := []

# The Fargate agent mounts EFS volumes (NFS, TCP 2049) before the containers start.
volume_needs(td) := {need(name, "target", 2049, input.region, "agent", reason, v.source, fs_id) |
	some v in volumes(td)
	is_object(v.efs)
	fs_id := v.efs.file_system
	fs := input.efs_file_systems[fs_id]
	name := sprintf("efs:%s", [fs.name])
	reason := sprintf("EFS volume %s (file system %s)", [v.name, fs.name])
}

# --- App Mesh proxy -----------------------------------------------------------------

# An App Mesh Envoy sidecar (`proxyConfiguration`) gets its configuration from the App Mesh
# Envoy management service of the task's region (appmesh:StreamAggregatedResources, with the
# task role). APPMESH is the only proxy type ECS takes: also when the type is not given or
# not settled.
proxy_needs(td) := {need(
	"appmesh-envoy-management", local_kind, 443, input.region,
	"proxy", reason, proxy.source, null,
)} if {
	proxy := object.get(td, "proxy_configuration", null)
	is_object(proxy)
	appmesh_proxy(proxy.type)
	reason := sprintf("App Mesh Envoy proxy (container %s)", [data.fargate_preflight.lib.model.show(proxy.container_name)])
} else := set()

appmesh_proxy("APPMESH") := true

appmesh_proxy(null) := true

appmesh_proxy(t) if data.fargate_preflight.lib.model.is_unknown(t)

# --- application calls --------------------------------------------------------------

# Only statements that name a service's prefix create a need: `Action: "*"` says nothing
# about what the application calls. Neither does a statement of an AWS managed policy that
# names more than `broad_services` services (ReadOnlyAccess names hundreds, the first statement
# of SecretsManagerReadWrite ten, for the console and tooling): it creates needs only for the
# services it grants whole (`secretsmanager:*`). The role's own policies say what it calls.
# A need is in each region the statement's resources of that service name (endpoints serve
# only their own region): a DynamoDB table in eu-west-1 is not reached through a us-east-1
# gateway endpoint.
app_needs(td) := {need(ep, kind_for_region(region), 443, region, "app", reason, p.source, null) |
	role := input.roles[td.task_role]
	some p in role_policies(role)
	some st in data.fargate_preflight.lib.iam.statements(p.document)
	st.Effect == "Allow"
	actions := data.fargate_preflight.lib.iam.as_list(object.get(st, "Action", []))
	some prefix in called_prefixes(actions, object.get(p, "arn", ""))
	ep := data.fargate_preflight.aws.endpoint_for_prefix[prefix]
	not ep in never_needed
	some region in data.fargate_preflight.lib.arn_region.statement_regions(st, prefix)
	reason := sprintf("task role %s allows %s actions", [role.name, prefix])
}

broad_services := 3

called_prefixes(actions, arn) := prefixes if {
	prefixes := {prefix | some action in actions; prefix := app_prefix(action)}
	not broad(prefixes, arn)
} else := wholes if {
	# (a comprehension as the else value itself is not scheduled by regorus 0.9)
	wholes := {prefix | some action in actions; prefix := whole_service(action)}
}

broad(prefixes, arn) if {
	count(prefixes) > broad_services
	is_string(arn)
	regex.match(`^arn:aws[a-z-]*:iam::aws:policy/`, arn)
}

# whole_service is the prefix of an action that names every action of its service (`sqs:*`).
whole_service(action) := prefix if {
	prefix := app_prefix(action)
	endswith(action, ":*")
}

# app_prefix is the service prefix of an action an application sends (the action a string:
# an unsettled one names no service).
app_prefix(action) := prefix if {
	prefix := action_prefix(action)
	not agent_action(lower(action))
}

# Actions that no application call sends to an AWS endpoint: the channels of ECS Exec's SSM
# agent (the exec need covers them when exec is on) and EFS client authorization, which the
# mount target checks over NFS (the EFS volume need covers it).
agent_action(action) if {
	startswith(action, "ssmmessages:")
} else if {
	startswith(action, "elasticfilesystem:client")
}

role_policies(role) := {p | some p in object.get(role, "inline_policies", [])} | managed_policies(role)

managed_policies(role) := {{"document": m.document, "source": m.source, "arn": ref} |
	some ref in object.get(role, "managed_policy_arns", [])
	is_string(ref)
	m := input.managed_policies[ref]
}

action_prefix(action) := prefix if {
	is_string(action)
	parts := split(lower(action), ":")
	count(parts) == 2
	prefix := parts[0]
	prefix != ""
	not contains(prefix, "*")
	not contains(prefix, "?")
}

# --- declared needs -----------------------------------------------------------------

declared_by_service[sid] contains d if {
	some d in input.declared_needs
	sid := d.service
	is_string(sid)
}

declared_endpoint_needs(sid) := {need(d.endpoint, local_kind, port, input.region, "app", reason, d.source, null) |
	some d in object.get(declared_by_service, sid, set())
	is_string(d.endpoint)
	port := port_or_https(object.get(d, "port", null))
	reason := "declared need"
}

# A declared target (a security group or an IPv4 CIDR, and a port) is named
# `target:<group or CIDR>:<port>`; its `target` tells path selection what to reach.
declared_target_needs(sid) := {need(name, "target", d.port, input.region, "app", "declared need", d.source, t) |
	some d in object.get(declared_by_service, sid, set())
	is_number(d.port)
	t := declared_target(d)
	name := sprintf("target:%s:%d", [t.label, d.port])
}

declared_target(d) := {"security_group": sg, "cidr": null, "label": group_label(sg), "source": d.source} if {
	sg := object.get(d, "target_security_group", null)
	is_string(sg)
} else := {"security_group": null, "cidr": cidr, "label": cidr, "source": d.source} if {
	cidr := object.get(d, "target_cidr", null)
	is_string(cidr)
}

group_label(id) := name if {
	name := input.security_groups[id].name
} else := id

port_or_https(p) := p if {
	is_number(p)
} else := 443

# --- what could not be inferred -----------------------------------------------------

# undecided: each unknown a need would be inferred from, with the verdicts it blocks (the
# rules of the kinds of need it could have produced).
undecided contains entry if {
	some sid in data.fargate_preflight.lib.taskdef.analysed
	svc := input.services[sid]
	some [u, rules] in unsettled(svc)
	entry := {"unknown": u, "service": svc.name, "rules": rules}
}

# Images, logs and secrets give endpoint or internet needs, never targets.
container_rules := sort({r | some kind in ["endpoint", "internet"]; some r in blocked_rules[kind]})

unsettled(svc) := (task_definition_unknown(svc) | service_unsettled(svc)) | task_definition_unsettled(svc)

# The service's own settings: ECS Exec, and its Service Connect proxy's log configuration
# (lib/service_connect.rego).
service_unsettled(svc) := exec_unknown(svc) | data.fargate_preflight.lib.service_connect.unsettled(svc, container_rules)

task_definition_unknown(svc) := {[u, all_path_rules] |
	u := data.fargate_preflight.lib.model.lookup("task_definitions", svc.task_definition, svc.source)
	data.fargate_preflight.lib.model.is_unknown(u)
}

exec_unknown(svc) := {[svc.enable_execute_command, blocked_rules.endpoint] |
	data.fargate_preflight.lib.model.is_unknown(svc.enable_execute_command)
}

task_definition_unsettled(svc) := (container_unsettled(td) | volume_unsettled(td)) | role_unsettled(td) if {
	td := data.fargate_preflight.lib.taskdef.task_definition(svc)
} else := set()

container_unsettled(td) := {[td.containers, container_rules]} if {
	# Container definitions only known after apply (a Terraform plan): no need is known.
	data.fargate_preflight.lib.model.is_unknown(td.containers)
} else := rows if {
	rows := {[u, container_rules] |
		some c in containers(td)
		some u in container_values(c)
		data.fargate_preflight.lib.model.is_unknown(u)
		not settled_value(c, u)
	}
}

# An image whose unsettled part is only the account is still a private ECR image in a known
# region; a secret's ARN whose unsettled parts are the account and the name still names its
# service and region.
settled_value(c, u) if {
	u == c.image
	private_ecr_region(u)
}

settled_value(_, u) if value_from_service(u)

# The container fields a need is inferred from; secrets may be an unknown list or hold
# unknown ARNs.
container_values(c) := {
	object.get(c, "image", null), object.get(c, "log_driver", null),
	object.get(c, "repository_credentials", null), object.get(c, "secrets", []),
} | {s.value_from | is_array(c.secrets); some s in c.secrets}

volume_unsettled(td) := {[u, blocked_rules.target] |
	some v in volumes(td)
	is_object(v.efs)
	u := data.fargate_preflight.lib.model.lookup("efs_file_systems", v.efs.file_system, v.source)
	data.fargate_preflight.lib.model.is_unknown(u)
}

# Without the task role's policies the application's calls are unknown.
role_unsettled(td) := {[u, blocked_rules.endpoint] |
	td.task_role != null
	u := data.fargate_preflight.lib.model.lookup("roles", td.task_role, td.source)
	data.fargate_preflight.lib.model.is_unknown(u)
}
