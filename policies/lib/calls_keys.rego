# The KMS keys of a task's secrets (its package's description is in calls.rego). Secrets
# Manager and SSM Parameter Store decrypt a secret or SecureString parameter with its KMS key
# for the caller, so the execution role that reads it needs kms:Decrypt on a customer managed
# key ("Required only if your key uses a custom KMS key and not the default key", ECS Developer
# Guide, "Required IAM permissions for Amazon ECS secrets"; docs/reasoning.md §3). Uses
# calls.rego; calls_roles.rego checks these calls against the execution role (rules/fg105).
package fargate_preflight.lib.calls

import rego.v1

# secret_key_calls[task definition id]: kms:Decrypt on the customer managed key of each secret
# or parameter the task definition reads that the inputs define (`secrets`, docs/model.md). Not
# in `agent`: the task makes no KMS call itself (no endpoint, no endpoint policy, FG102).
secret_key_calls[td_id] := calls if {
	count(object.get(input, "secrets", {})) > 0
	some td_id, _ in agent
	calls := {c |
		some container in containers(input.task_definitions[td_id])
		some [value_from, what, service] in secret_refs(container)
		c := key_call(secret_call(value_from, what, container.source, service))
	}
	count(calls) > 0
}

# key_call: the call on the key of the secret that `read` (a secret_call) reads, when the
# inputs define the secret and settle that its key may be customer managed; with the request
# context Secrets Manager or SSM gives KMS (`context`, lib/conditions.rego).
key_call(read) := object.union_n([
	call("FG105", read.endpoint, ["kms:Decrypt"], resource, what, read.source),
	{"context": key_context(read, secret), "key": shown},
	unsettled_key(key, resource),
]) if {
	secret := defined_secret(read.resource)
	key := secret.kms_key_id
	not default_key(key)
	holder := [sprintf("the KMS key of %s %s", [secret_kind[read.endpoint], secret.name]), "FG105"]
	resource := key_arn(key, secret.source, holder)
	shown := key_shown(key, resource)
	what := sprintf("%s, whose %s %s is encrypted with KMS key %s", [
		read.what, secret_kind[read.endpoint], secret.name, shown,
	])
}

secret_kind := {"secretsmanager": "Secrets Manager secret", "ssm": "SSM parameter"}

secret_service := {"secretsmanager": "Secrets Manager", "ssm": "SSM Parameter Store"}

# default_key: no key (the service's AWS managed key), or the AWS managed key by its alias
# (`alias/aws/secretsmanager`, `alias/aws/ssm`, or the alias's ARN: `alias/aws/` names only
# AWS managed keys). Its key policy lets every principal of the account use it through the
# service: no permission of the role is needed.
default_key(null) := true

default_key(key) if {
	regex.match(`^(arn:[^:]+:kms:[^:]*:[^:]*:)?alias/aws/`, data.fargate_preflight.lib.model.pattern_text(key))
}

# unsettled_key: a key the inputs do not settle (a parameter: it may be an AWS managed key's
# alias) is not known to need kms:Decrypt: a denial is that unknown (a call's `maybe`), not an
# error. A key of the inputs, an id or a key ARN, or an alias outside `alias/aws/`, is a
# customer managed key.
unsettled_key(key, resource) := {"maybe": {"kms:Decrypt": key}} if {
	data.fargate_preflight.lib.model.is_unknown(key)
	not data.fargate_preflight.lib.kms.key_of(resource)
	not regex.match(`^arn:[^:]+:kms:[^:]*:[^:]*:key/`, object.get(key, "partial", ""))
} else := {}

# key_shown: a key of the inputs by its name, another as the secret names it.
key_shown(key, resource) := data.fargate_preflight.lib.kms.key_of(resource).name if {
	data.fargate_preflight.lib.kms.key_of(resource)
} else := data.fargate_preflight.lib.model.show(key)

# --- which secret ------------------------------------------------------------------------------

# defined_secret: the one secret or parameter of the inputs that the request resource of a
# secret_call names: by the same reference (`!Ref Secret`, `aws_secretsmanager_secret.db.arn`),
# or by its ARN or name as far as they are settled (`aws_ssm_parameter.p.name` or `.arn`, a
# live scan's ARNs). Another value names a secret the inputs do not define: its key is not
# checked (the default key is the common case, docs/reasoning.md §3).
defined_secret(r) := found[0] if {
	found := [s | some s in object.get(input, "secrets", {}); same_secret(s.arn, r)]
	count(found) == 1
}

same_secret(arn, r) if {
	data.fargate_preflight.lib.model.is_unknown(arn)
	data.fargate_preflight.lib.model.is_unknown(r)
	not arn.ref in deployment_refs
	arn.ref == r.ref
}

same_secret(arn, r) if data.fargate_preflight.lib.partial_arn.same_resource(arn, r)

same_secret(arn, r) if same_text(known_arn(arn), known_arn(r))

deployment_refs := {"AWS::AccountId", "AWS::Region", "AWS::URLSuffix", "AWS::Partition"}

# known_arn: an ARN whose unsettled parts are at most its account and region (`*` there).
known_arn(v) := v if {
	is_string(v)
} else := v.partial if {
	data.fargate_preflight.lib.model.settled_but_deployment(v)
}

# same_text: two ARNs of one secret, an open account or region matching any; a secret named
# by a partial ARN (`...:secret:db-??????`, calls.rego secret_arn) is the secret of that name.
same_text(a, b) if {
	startswith(a, "arn:")
	[own, theirs] := filled(a, b)
	same_name(own, theirs)
}

filled(a, b) := [
	data.fargate_preflight.lib.partial_arn.fill_open_fields(b, a),
	data.fargate_preflight.lib.partial_arn.fill_open_fields(a, b),
]

same_name(a, b) if a == b

same_name(a, b) if partial_of(a, b)

same_name(a, b) if partial_of(b, a)

# partial_of: `partial` (`...:secret:db-??????`, or the partial ARN itself) names `full`.
partial_of(full, partial) if {
	endswith(partial, data.fargate_preflight.lib.secret_arn.unknown_suffix)
	count(full) == count(partial)
	startswith(full, trim_suffix(partial, "??????"))
}

partial_of(full, partial) if full == trim_suffix(partial, data.fargate_preflight.lib.secret_arn.unknown_suffix)

# --- the request context -----------------------------------------------------------------------

# key_context: what Secrets Manager or SSM gives KMS when it decrypts for the role: the service
# it calls through (kms:ViaService, `secretsmanager.REGION.amazonaws.com`), the encryption
# context (Secrets Manager's `SecretARN`, SSM's `PARAMETER_ARN`: the secret's or parameter's
# ARN), and, in a live scan, the role's account (kms:CallerAccount).
key_context(read, secret) := object.union(
	{
		"kms:viaservice": via_service(read.endpoint, read.resource),
		context_arn_key[read.endpoint]: context_arn(read, secret),
	},
	caller_account,
)

default caller_account := {}

caller_account := {"kms:calleraccount": input.account} if is_string(object.get(input, "account", null))

context_arn_key := {"secretsmanager": "kms:encryptioncontext:SecretARN", "ssm": "kms:encryptioncontext:PARAMETER_ARN"}

# via_service: the service's endpoint in the secret's region (the region its ARN names, else the
# deploy region); an unsettled region leaves it unsettled (the model's `region` unknown, with
# the pattern a condition may name it by: `!Sub secretsmanager.${AWS::Region}.amazonaws.com`).
via_service(svc, resource) := sprintf("%s.%s.%s", [svc, region, url_suffix(region)]) if {
	region := secret_region(resource)
} else := object.union(input.region, {"partial": sprintf("%s.*.amazonaws.com", [svc])})

secret_region(resource) := fields[3] if {
	fields := split(data.fargate_preflight.lib.model.pattern_text(resource), ":")
	count(fields) > 5
	regex.match(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`, fields[3])
} else := input.region if {
	is_string(input.region)
}

url_suffix(region) := "amazonaws.com.cn" if {
	startswith(region, "cn-")
} else := "amazonaws.com"

# context_arn: the secret's full ARN: a live scan's, else the request resource of its read,
# which the inputs may settle only in part (an open account, the six characters of a partial
# ARN: an unknown with that pattern).
context_arn(read, secret) := secret.arn if {
	settled_arn(secret.arn)
} else := read.resource if {
	settled_arn(read.resource)
} else := {
	"unknown": sprintf("the full ARN of %s is settled only in part", [secret.name]),
	"ref": sprintf("the ARN of %s", [secret.name]),
	"source": secret.source,
	"partial": read.resource,
} if {
	is_string(read.resource)
} else := read.resource

settled_arn(arn) if {
	is_string(arn)
	not contains(arn, "*")
	not endswith(arn, data.fargate_preflight.lib.secret_arn.unknown_suffix)
}
