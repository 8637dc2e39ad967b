# METADATA
# description: |
#   The AWS API calls a task makes, with the role that makes them (docs/reasoning.md §1 and
#   "How IAM checks are decided"): the Fargate agent's calls with the execution role (image
#   pull, awslogs, secrets, environment files), ECS Exec's with the task role, and declared
#   application calls.
#   A call is {"rule", "endpoint", "actions", "resource", "what", "source"}; its
#   resource is a request resource of lib/iam.rego (ARN, "*", null or an unknown). A call may
#   also have `resources` (another resource for some actions), `maybe` (actions that may not
#   be needed) and `context` (the request's condition keys, lib/conditions.rego). The image
#   layer download has `presigned`: AWS's own principal makes it (lib/callers.rego).
package fargate_preflight.lib.calls

import rego.v1

# agent[task definition id] is the set of calls the Fargate agent makes for its tasks.
agent[td_id] := value if {
	some td_id, td in input.task_definitions
	data.fargate_preflight.lib.taskdef.fargate_compatible(td)
	value := agent_calls(td)
}

agent_calls(td) := (ecr_calls(td) | log_calls(td)) | (secret_calls(td) | environment_file_calls(td))

call(rule, endpoint, actions, resource, what, src) := {
	"rule": rule,
	"endpoint": endpoint,
	"actions": actions,
	"resource": resource,
	"what": what,
	"source": src,
}

containers(td) := data.fargate_preflight.lib.needs.containers(td)

# --- image pull (FG103) ------------------------------------------------------------------

ecr_calls(td) := {c |
	some container in containers(td)

	# the deploy region, when unsettled, matches as any region
	region := open_text(data.fargate_preflight.lib.needs.private_ecr_region(container.image))
	what := sprintf("private ECR image %s (container %s)", [
		data.fargate_preflight.lib.model.pattern_text(container.image),
		data.fargate_preflight.lib.model.show(container.name),
	])
	some c in [
		call("FG103", "ecr.api", ["ecr:GetAuthorizationToken"], "*", what, container.source),
		call(
			"FG103", "ecr.dkr", ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
			repository_arn(container.image, region), what, container.source,
		),
		# The layers come from S3 through URLs that ECR presigns with AWS's own credentials:
		# the execution role needs no S3 permission, but an S3 endpoint policy must let the
		# download through for that AWS-owned principal (FG102 only, lib/callers.rego).
		object.union(
			call(
				"FG102", "s3", ["s3:GetObject"],
				sprintf("arn:aws:s3:::prod-%s-starport-layer-bucket/*", [region]), what, container.source,
			),
			{"presigned": true},
		),
	]
}

# repository_arn is the ECR repository of an image: ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO:TAG.
# An image with unsettled parts in its repository name is an unknown resource.
repository_arn(image, region) := arn if {
	text := data.fargate_preflight.lib.model.pattern_text(image)
	labels := split(text, ".")
	account := labels[0]
	path := substring(text, indexof(text, "/") + 1, -1)
	without_digest := split(path, "@")
	without_tag := split(without_digest[0], ":")
	repo := without_tag[0]
	settled_except_account(image, repo)
	arn := sprintf("arn:%s:ecr:%s:%s:repository/%s", [partition(text), region, account, repo])
} else := image

# A `*` in a repository name that stands for the account id (CDK's asset repositories) is a
# pattern that matches the same way the role's policy names it.
settled_except_account(_, repo) if not contains(repo, "*")

settled_except_account(image, _) if data.fargate_preflight.lib.model.settled_but_deployment(image)

# (A call's result is put in a variable before it is indexed by position: regorus takes about
# 30 µs for `split(x, "/")[0]`, a microsecond for `parts[0]`.)
partition(host) := "aws-cn" if {
	parts := split(host, "/")
	contains(parts[0], ".amazonaws.com.cn")
} else := "aws"

# --- awslogs (FG104) -----------------------------------------------------------------------

log_calls(td) := {c |
	some container in containers(td)
	stream := awslogs_stream(data.fargate_preflight.lib.needs.log_options(container), container)
	c := awslogs_call(container, sprintf("container %s", [data.fargate_preflight.lib.model.show(container.name)]), stream)
}

# awslogs_call: the awslogs driver's call on its group for what writes with log configuration
# `log` (a container, or the Service Connect proxy), named `who`, to the log streams `stream`.
awslogs_call(log, who, stream) := object.union(call, create_group_maybe(log)) if {
	log.log_driver == "awslogs"
	options := data.fargate_preflight.lib.needs.log_options(log)
	group := options["awslogs-group"]
	region := data.fargate_preflight.lib.needs.log_region(log)
	what := sprintf("awslogs log group %s (%s)", [data.fargate_preflight.lib.model.show(group), who])
	call := log_call("FG104", log_actions(options, log), region, group, stream, what, log.source)
}

# service_agent[service id]: the agent's calls for what ECS adds to the service's tasks: the
# Service Connect proxy's awslogs, on streams `PREFIX/<proxy container>/<task id>` (ECS names
# the proxy's container, so any name under the prefix).
service_agent[sid] := {c} if {
	some sid in data.fargate_preflight.lib.taskdef.analysed
	log := data.fargate_preflight.lib.service_connect.log(input.services[sid])
	c := awslogs_call(log, "Service Connect proxy", proxy_stream(data.fargate_preflight.lib.needs.log_options(log)))
}

proxy_stream(options) := sprintf("%s/*", [prefix]) if {
	prefix := options["awslogs-stream-prefix"]
	is_string(prefix)
} else := "*"

# log_call: a call on a log group whose logs:CreateLogStream and logs:PutLogEvents are on the
# log streams `stream` names (the Service Authorization Reference lists PutLogEvents on the
# log-stream resource type; IAM denies CreateLogStream "on resource:
# arn:aws:logs:REGION:ACCOUNT:log-group:NAME:log-stream:STREAM"); a policy on
# `log-group:NAME:*` covers them too, as does CloudFormation's `!Sub "${Group.Arn}:*"`
# (`log-group:NAME:*:*`).
log_call(rule, actions, region, group, stream, what, src) := object.union(
	call(rule, "logs", actions, log_group_arn(region, group), what, src),
	{"resources": {
		"logs:CreateLogStream": log_stream_arn(region, group, stream),
		"logs:PutLogEvents": log_stream_arn(region, group, stream),
	}},
)

# awslogs_stream: the streams a Fargate task writes, `PREFIX/CONTAINER/TASK-ID` (the task id is
# not known before it runs), when the prefix and the container's name are settled.
awslogs_stream(options, container) := sprintf("%s/%s/*", [prefix, container.name]) if {
	prefix := options["awslogs-stream-prefix"]
	is_string(prefix)
	is_string(container.name)
} else := "*"

# With awslogs-create-group, the log driver calls logs:CreateLogGroup only when
# CreateLogStream finds no group (moby's awslogs driver, which Fargate's shim-loggers run): a
# group the inputs create, or that a live scan found in the account, exists before any task
# starts.
log_actions(options, container) := ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"] if {
	lower(options["awslogs-create-group"]) == "true"
	object.get(container, "log_group_in_inputs", false) != true
} else := ["logs:CreateLogStream", "logs:PutLogEvents"]

# When whether the group exists is unsettled (a live scan could not look it up), CreateLogGroup
# may not be needed: a denial of it is that unknown, not an error (a call's `maybe`, lib/iam_roles.rego).
create_group_maybe(container) := {"maybe": {"logs:CreateLogGroup": exists}} if {
	exists := container.log_group_in_inputs
	data.fargate_preflight.lib.model.is_unknown(exists)
} else := {}

# log_group_arn: `arn:aws:logs:REGION:ACCOUNT:log-group:NAME:*` (docs/reasoning.md §3), in the
# task's own account (`task_account`); an unsettled group name is an unknown resource, an unsettled
# region matches any.
log_group_arn(region, group) := named(group, log_groups(region), ":*")

# log_stream_arn: streams of the group, `arn:aws:logs:REGION:ACCOUNT:log-group:NAME:log-stream:STREAM`.
log_stream_arn(region, group, stream) := named(group, log_groups(region), sprintf(":log-stream:%s", [stream]))

log_groups(region) := sprintf("arn:aws:logs:%s:%s:log-group:", [open_text(region), task_account])

# named: the ARN `before` NAME `after` of name `v`; for an unsettled name, its unknown with that
# ARN as `partial` and `identity` (docs/model.md) from its own (lib/iam.rego,
# unsettled_request_match, identity_match), or as it is when it has neither.
named(v, before, after) := concat("", [before, v, after]) if {
	is_string(v)
} else := object.union(v, made) if {
	made := {k: concat("", [before, v[k], after]) | some k in ["partial", "identity"]; is_string(v[k])}
	count(made) > 0
} else := v

open_text(value) := value if {
	is_string(value)
} else := "*"

# task_account is the account the tasks run in, where the agent's calls name a resource without an
# account (a log group, a secret or parameter by name, a KMS key by id): the model's `account`
# (a live scan), else any account (`*`: the inputs do not name it, docs/reasoning.md §3).
task_account := open_text(object.get(input, "account", null))

# --- environment files (FG110) --------------------------------------------------------------

# The agent reads each environment file with the execution role: s3:GetObject on the object
# (arn:aws:s3:::BUCKET/KEY) and s3:GetBucketLocation on its bucket.
environment_file_calls(td) := {c |
	some container in containers(td)
	some file in data.fargate_preflight.lib.needs.environment_files(container)
	what := sprintf(
		"environment file %s (container %s)",
		[data.fargate_preflight.lib.model.show(file), data.fargate_preflight.lib.model.show(container.name)],
	)
	some c in [
		call("FG110", "s3", ["s3:GetObject"], file, what, container.source),
		call("FG110", "s3", ["s3:GetBucketLocation"], bucket_of(file), what, container.source),
	]
}

# bucket_of is the bucket ARN of an object ARN: the part before the first `/` (a bucket's name
# holds none). Of an object ARN known in part, the bucket known as far (`arn:aws:s3:::*` of
# `arn:aws:s3:::*/prod.env`), marked `bucket`: its unsettled parts hold no `/` either
# (lib/iam.rego, unsettled_request_match). Of one not known at all, the bucket is not either.
bucket_of(object_arn) := parts[0] if {
	is_string(object_arn)
	parts := split(object_arn, "/")
} else := object.union_n([object_arn, cut, {"bucket": true}]) if {
	startswith(split(object_arn.partial, "/")[0], "arn:")
	cut := {k: split(object_arn[k], "/")[0] | some k in ["partial", "identity"]; is_string(object_arn[k])}
} else := object_arn

# --- secrets (FG105) -------------------------------------------------------------------------

secret_calls(td) := {c |
	some container in containers(td)
	some [value_from, what, service] in secret_refs(container)
	c := secret_call(value_from, what, container.source, service)
}

# [value, what, service]: a secret is a Secrets Manager secret or an SSM parameter, repository
# credentials always a Secrets Manager secret.
secret_refs(container) := array.concat(
	[[s.value_from, sprintf("secret %s (container %s)", [s.name, name]), null] |
		name := data.fargate_preflight.lib.model.show(container.name)
		is_array(container.secrets)
		some s in container.secrets
	],
	[[container.repository_credentials, sprintf("repository credentials (container %s)", [name]), "secretsmanager"] |
		name := data.fargate_preflight.lib.model.show(container.name)
		container.repository_credentials != null
	],
)

# A Secrets Manager ARN may end with a JSON key, version stage and id: the secret is its
# first seven fields. Repository credentials may name a secret of the task's region by its
# name alone (ECS API Reference, RepositoryCredentials). Any other string is an SSM parameter
# (an ARN, or a name in the region: ECS API Reference, Secret).
secret_call(value_from, what, src, service) := call(
	"FG105", "secretsmanager", ["secretsmanager:GetSecretValue"],
	secret_arn(concat(":", array.slice(fields, 0, 7))), what, src,
) if {
	is_string(value_from)
	fields := split(value_from, ":")
	count(fields) >= 7
	fields[2] == "secretsmanager"
} else := call(
	"FG105", "secretsmanager", ["secretsmanager:GetSecretValue"],
	concat("", [secret_name_arn(value_from), data.fargate_preflight.lib.secret_arn.unknown_suffix]), what, src,
) if {
	service == "secretsmanager"
	is_string(value_from)
	not startswith(value_from, "arn:")
} else := call("FG105", "ssm", ["ssm:GetParameters"], value_from, what, src) if {
	is_string(value_from)
	startswith(value_from, "arn:")
} else := call("FG105", "ssm", ["ssm:GetParameters"], parameter_arn(value_from), what, src) if {
	is_string(value_from)
} else := call("FG105", svc, actions, secret_request(secret_of(value_from), svc), what, src) if {
	# an unsettled ARN: the service its known parts name (CDK: a parameter of the same stack),
	# or that of the resource it comes from (Terraform: `aws_ssm_parameter.token.arn`), or
	# the only one it can be. Without any, no call: its service is not settled (FG801,
	# unsettled_secrets), never a guess.
	svc := unsettled_secret_service(value_from, service)
	actions := secret_actions[svc]
}

# secret_arn is the full ARN of a secret (`arn:...:secret:NAME-AbCdEf`) that IAM authorizes
# GetSecretValue on. A partial ARN, without the hyphen and six random characters Secrets
# Manager adds after the name, stands for `NAME-??????` (lib/secret_arn.rego).
# A name that ends with a hyphen and six characters is read as a full ARN, as Secrets Manager
# reads it ("Finding a secret from a partial ARN").
secret_arn(arn) := arn if {
	fields := split(arn, ":")
	name := fields[6]
	count(name) > 7
	substring(name, count(name) - 7, 1) == "-"
} else := concat("", [arn, data.fargate_preflight.lib.secret_arn.unknown_suffix])

# secret_name_arn is the ARN of a secret of the task's region and account named NAME, without the six
# characters.
secret_name_arn(name) := sprintf(
	"arn:aws:secretsmanager:%s:%s:secret:%s",
	[open_text(input.region), task_account, name],
)

# secret_of: an unsettled Secrets Manager ARN whose known parts end with a JSON key, version
# stage and id (`...:secret:db-*:password::`) names the secret by its first seven fields.
secret_of(value_from) := object.union(value_from, {"partial": concat(":", array.slice(fields, 0, 7))}) if {
	fields := split(value_from.partial, ":")
	count(fields) > 7
	fields[2] == "secretsmanager"
} else := value_from

# secret_request: an ARN whose only unsettled parts are its region and account (`${AWS::AccountId}`,
# `${AWS::Region}` without --region) is requested as the ARN with `*` there, as a name is
# (secret_name_arn): a Secrets Manager one for the secret's full ARN (secret_arn). Another
# unsettled value stays an unknown resource.
secret_request(v, svc) := secret_arn(arn) if {
	svc == "secretsmanager"
	arn := open_arn(v)
} else := arn if {
	svc == "ssm"
	arn := open_arn(v)
} else := object.union(v, full) if {
	# a partial ARN written with values the inputs name (`secret:${AWS::StackName}/db`: it has
	# an `identity`, docs/model.md) stands for the full ARN, in its `partial` and `identity` alike
	svc == "secretsmanager"
	secret_fields(v.identity)
	secret_fields(v.partial)
	full := {k: secret_arn(v[k]) | some k in ["partial", "identity"]}
} else := v

secret_fields(text) if {
	is_string(text)
	count(split(text, ":")) == 7
	startswith(text, "arn:")
}

# open_arn is the `partial` of such an ARN: `*` only as its whole region or account field.
open_arn(v) := v.partial if {
	data.fargate_preflight.lib.model.settled_but_deployment(v)
	fields := split(v.partial, ":")
	count(fields) > 5
	fields[0] == "arn"
	not contains(concat(":", array.slice(fields, 0, 3)), "*")
	not contains(concat(":", array.slice(fields, 5, count(fields))), "*")
	whole_or_none(fields[3])
	whole_or_none(fields[4])
}

whole_or_none("*") := true

whole_or_none(field) if not contains(field, "*")

secret_actions := {"ssm": ["ssm:GetParameters"], "secretsmanager": ["secretsmanager:GetSecretValue"]}

unsettled_secret_service(value_from, service) := service if {
	service != null
} else := svc if {
	fields := split(data.fargate_preflight.lib.model.pattern_text(value_from), ":")
	svc := fields[2]
	secret_actions[svc]
} else := data.fargate_preflight.lib.needs.secret_ref_service(value_from)

# unsettled_secrets are the secrets (of task definitions with an execution role) that are
# read from a service nothing settles: FG105 cannot be decided (rules/fg105 notes them).
unsettled_secrets contains {"td": td_id, "value_from": value_from} if {
	some td_id, _ in agent
	td := input.task_definitions[td_id]
	data.fargate_preflight.lib.iam.role_of(td, "execution_role") != null
	some container in containers(td)
	some [value_from, _, service] in secret_refs(container)
	data.fargate_preflight.lib.model.is_unknown(value_from)
	not unsettled_secret_service(value_from, service)
}

parameter_arn(name) := sprintf(
	"arn:aws:ssm:%s:%s:parameter/%s",
	[open_text(input.region), task_account, trim_prefix(name, "/")],
)

# --- ECS Exec (FG601, FG605) ------------------------------------------------------------------

exec_channels := call(
	"FG601", "ssmmessages",
	[
		"ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
		"ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel",
	],
	"*", "ECS Exec (enableExecuteCommand)", null,
)

# exec_configuration_calls are the task role's calls that the cluster's
# executeCommandConfiguration adds: its KMS key, and its CloudWatch Logs and S3 logging.
exec_configuration_calls(cluster) := {c |
	config := cluster.execute_command_configuration
	is_object(config)
	some c in array.concat(kms_calls(config, cluster.source), logging_calls(config))
}

kms_calls(config, source) := [call("FG605", "kms", ["kms:Decrypt"], resource, what, null)] if {
	config.kmsKeyId
	resource := key_arn(config.kmsKeyId, source, exec_key)
	what := sprintf("the cluster's ECS Exec KMS key %s", [data.fargate_preflight.lib.model.show(config.kmsKeyId)])
} else := []

# key_arn: the ARN of the key `kmsKeyId` names by its ARN or id; the id of a key of the inputs
# (`Ref Key`, docs/model.md `partial`) is a key's, never an alias's. An alias (`alias/NAME`, or
# its ARN) names a key the inputs do not settle: KMS authorizes kms:Decrypt on the key, not on
# the alias, so a policy on that key's ARN may or may not be the one (a live scan reads the key).
# `holder` says where the key is named, for the fix: [what names it, the rule it blocks].
key_arn(key, source, holder) := {
	"unknown": sprintf("KMS alias %s names a key that only AWS settles", [key]),
	"ref": sprintf("KMS alias %s", [key]),
	"source": source,
	"partial": sprintf("arn:aws:kms:%s:%s:key/*", [open_text(input.region), task_account]),
	"fix": sprintf(
		concat(" ", [
			"Name the key itself (its ARN or key id) as %s, or scan the",
			"account with scan-aws (which reads the key the alias names), so %s can be decided.",
		]),
		holder,
	),
} if {
	is_string(key)
	regex.match(`^(alias/|arn:[^:]+:kms:[^:]*:[^:]*:alias/)`, key)
} else := key if {
	is_string(key)
	startswith(key, "arn:")
} else := sprintf("arn:aws:kms:%s:%s:key/%s", [open_text(input.region), task_account, key]) if {
	is_string(key)
} else := named(key, sprintf("arn:aws:kms:%s:%s:key/", [open_text(input.region), task_account]), "") if {
	is_string(key.partial)
	not startswith(key.partial, "arn:")
} else := key

exec_key := ["the cluster's ECS Exec KMS key", "FG605"]

# (An unsettled `logging` leaves FG605 undecided: rules/fg605.)
logging_calls(config) := array.concat(cloudwatch_calls(log), s3_calls(log)) if {
	data.fargate_preflight.lib.taskdef.overrides_logging(config) == "yes"
	log := object.get(config, "logConfiguration", {})
} else := []

cloudwatch_calls(log) := [
	call("FG605", "logs", ["logs:DescribeLogGroups"], "*", what, null),
	log_call(
		"FG605", ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
		input.region, group, "*", what, null,
	),
] if {
	group := log.cloudWatchLogGroupName
	what := sprintf("ECS Exec logging to log group %s", [data.fargate_preflight.lib.model.show(group)])
} else := []

# The SSM agent uploads a session's log with s3:PutObject; it reads the bucket's encryption
# (GetBucketEncryption, s3:GetEncryptionConfiguration) only when s3EncryptionEnabled is true
# (amazon-ssm-agent, session/plugins/shell `validate`), and CDK grants it only then.
s3_calls(log) := array.concat(
	[call("FG605", "s3", ["s3:PutObject"], object_arn(bucket, object.get(log, "s3KeyPrefix", "")), what, null)],
	encryption_calls(object.get(log, "s3EncryptionEnabled", false), bucket_arn(bucket), what),
) if {
	bucket := log.s3BucketName
	what := sprintf("ECS Exec logging to S3 bucket %s", [data.fargate_preflight.lib.model.show(bucket)])
} else := []

# encryption_calls: s3:GetEncryptionConfiguration on the bucket when the flag is on; when it is
# unsettled, a denial of it is that unknown (a call's `maybe`), not an error.
encryption_calls(flag, bucket, what) := [encryption_call(bucket, what)] if {
	flag_on(flag)
} else := [object.union(encryption_call(bucket, what), {"maybe": {"s3:GetEncryptionConfiguration": flag}})] if {
	data.fargate_preflight.lib.model.is_unknown(flag)
} else := []

encryption_call(bucket, what) := call("FG605", "s3", ["s3:GetEncryptionConfiguration"], bucket, what, null)

# flag_on: a boolean of the exec configuration that is true (CloudFormation takes "true" too).
flag_on(flag) if lower(sprintf("%v", [flag])) == "true"

bucket_arn(bucket) := named(bucket, "arn:aws:s3:::", "")

object_arn(bucket, key_prefix) := named(bucket, "arn:aws:s3:::", sprintf("/%s*", [trim_suffix(key_prefix, "*")])) if {
	is_string(key_prefix)
} else := bucket if {
	not is_string(bucket)
} else := key_prefix

# --- declared application calls (FG101, FG102) -------------------------------------------------

# declared_calls are the service's declared needs with actions, one call per action set and
# resource (null: any resource of the service).
declared_calls(sid) := {call("FG101", d.endpoint, actions, resource, what, d.source) |
	some d in input.declared_needs
	d.service == sid
	count(object.get(d, "actions", [])) > 0
	actions := [a | some a in d.actions; is_string(a)]
	some resource in resources_of(d)
	what := sprintf("the declared need %s", [d.endpoint])
}

resources_of(d) := d.resources if {
	is_array(d.resources)
	count(d.resources) > 0
} else := [null]
