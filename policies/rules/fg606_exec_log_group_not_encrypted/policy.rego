# METADATA
# title: ECS Exec logging requires encryption, but its log group has no KMS key
# description: |
#   When the cluster's executeCommandConfiguration logs sessions to CloudWatch Logs (Logging
#   OVERRIDE) with cloudWatchEncryptionEnabled, the SSM agent in the task checks before each
#   session that the log group is encrypted with a KMS key, and refuses the session when it is
#   not ("We couldn't start the session because encryption is not set up on the selected
#   CloudWatch Logs log group"). Checked for a log group the inputs define, or a live scan reads;
#   one a template's inputs do not define (an existing group) is not checked yet.
# custom:
#   id: FG606
#   level: error
#   remediation: >-
#     Give the log group a KMS key (KmsKeyId, kms_key_id; the key policy must let CloudWatch
#     Logs use it), or set cloudWatchEncryptionEnabled to false.
#   tags: [ecs-exec, logging]
#   examples:
#     failing: |
#       ExecLogs:
#         Type: AWS::Logs::LogGroup
#       Cluster:
#         Type: AWS::ECS::Cluster
#         Properties:
#           Configuration:
#             ExecuteCommandConfiguration:
#               Logging: OVERRIDE
#               LogConfiguration: {CloudWatchLogGroupName: !Ref ExecLogs, CloudWatchEncryptionEnabled: true}
#     passing: |
#       ExecLogs:
#         Type: AWS::Logs::LogGroup
#         Properties: {KmsKeyId: !GetAtt LogsKey.Arn}
package fargate_preflight.rules.fg606

import rego.v1

# METADATA
# entrypoint: true
deny contains entry if {
	some x in exec_groups
	count(x.unsettled) == 0
	svc := input.services[x.service]
	td := data.fargate_preflight.lib.taskdef.task_definition(svc)
	entry := data.fargate_preflight.lib.result.finding({
		"resource": x.group.name,
		"service": svc.name,
		"need": null,
		"message": sprintf(
			concat(" ", [
				"%s: the cluster's ECS Exec logging requires an encrypted log group",
				"(cloudWatchEncryptionEnabled), but log group %s has no KMS key, so the SSM agent",
				"refuses every session (\"encryption is not set up on the selected CloudWatch Logs log group\")",
			]),
			[data.fargate_preflight.lib.taskdef.subject(svc.name, td), x.group.name],
		),
		"fix": sprintf(
			concat(" ", [
				"Give log group %s a KMS key (KmsKeyId, kms_key_id; its key policy must let CloudWatch Logs",
				"use it), or set the cluster's cloudWatchEncryptionEnabled to false.",
			]),
			[x.group.name],
		),
		"hop": null,
		"source": x.group.source,
	})
}

# What the inputs do not settle: whether the cluster logs to the group, requires encryption, or
# whether the group has a key.
undecided contains entry if {
	some x in exec_groups
	count(x.unsettled) > 0
	entry := {"unknown": x.unsettled[0], "service": input.services[x.service].name, "rules": ["FG606"]}
}

# exec_groups: each analysed service with ECS Exec on whose cluster logs sessions to a log group
# of the inputs (`log_groups`), where nothing settled rules FG606 out; `unsettled` lists the
# values that would decide (none: encryption is required and the group has no key).
exec_groups contains {"service": sid, "group": group, "unsettled": unsettled} if {
	some sid in data.fargate_preflight.lib.taskdef.exec_services
	config := object.get(input.clusters, [input.services[sid].cluster, "execute_command_configuration"], null)
	is_object(config)
	log := object.get(config, "logConfiguration", {})
	some group in object.get(input, "log_groups", {})
	same_group(group.group_name, log.cloudWatchLogGroupName)
	states := [
		data.fargate_preflight.lib.taskdef.overrides_logging(config),
		encryption_required(object.get(log, "cloudWatchEncryptionEnabled", false)),
		without_key(group.kms_key_id),
	]
	every s in states {
		s != "no"
	}
	unsettled := [s.unknown | some s in states; s != "yes"]
}

# Each condition of FG606 is "yes", "no" or, unsettled, {"unknown": the value} (as
# lib/taskdef.rego's overrides_logging, the first).
# (CloudFormation takes "true" for true.)
encryption_required(flag) := unsettled(flag) if {
	data.fargate_preflight.lib.model.is_unknown(flag)
} else := "yes" if {
	lower(sprintf("%v", [flag])) == "true"
} else := "no"

# A key the group names, also one that only deployment settles (`!GetAtt Key.Arn`: its known
# parts), is a key; a value the inputs do not settle at all (a parameter, a condition that may
# leave it out) may be none.
without_key(key) := "yes" if {
	key == null
} else := "no" if {
	is_string(key)
	key != ""
} else := "no" if {
	trim(data.fargate_preflight.lib.model.pattern_text(key), "*") != ""
} else := unsettled(key) if {
	data.fargate_preflight.lib.model.is_unknown(key)
} else := "yes"

unsettled(value) := {"unknown": value}

# same_group: the cluster's log group name names the group: the same name, or the same value
# the inputs settle only at deployment (its `identity`, docs/model.md: `!Ref Group`).
same_group(name, logged) if {
	is_string(name)
	name == logged
}

same_group(name, logged) if {
	own := data.fargate_preflight.lib.partial_arn.identity(name)
	own == data.fargate_preflight.lib.partial_arn.identity(logged)
}
