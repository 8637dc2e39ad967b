# METADATA
# title: Task role cannot use the cluster's ECS Exec configuration
# description: |
#   When the cluster's executeCommandConfiguration names a KMS key, or logs sessions with
#   Logging OVERRIDE to CloudWatch Logs or S3, the SSM agent in the task uses the task role for
#   it: kms:Decrypt on the key; logs:CreateLogStream, DescribeLogGroups and DescribeLogStreams
#   on the log group and PutLogEvents on its log streams; s3:PutObject on the bucket's objects,
#   and s3:GetEncryptionConfiguration on the bucket when s3EncryptionEnabled is true (the agent
#   reads the bucket's encryption only then). Without them the session fails to start or its
#   transcript is lost. For a key the inputs define, its key policy decides too: it grants the
#   task role, or lets IAM policies decide (the account's root), or refuses the role whatever
#   they allow.
# custom:
#   id: FG605
#   level: error
#   remediation: >-
#     Allow the task role what the cluster's exec configuration uses: kms:Decrypt on the key
#     (and in the key policy, when it does not let IAM policies decide), the four CloudWatch
#     Logs actions on the log group, s3:PutObject on the bucket's objects (and, with
#     s3EncryptionEnabled, s3:GetEncryptionConfiguration on the bucket).
#   tags: [ecs-exec, iam, task-role]
#   examples:
#     failing: |
#       Cluster:
#         Type: AWS::ECS::Cluster
#         Properties:
#           Configuration:
#             ExecuteCommandConfiguration: {KmsKeyId: !Ref ExecKey, Logging: DEFAULT}
#       # the task role does not allow kms:Decrypt
#     passing: |
#       TaskRole:
#         Type: AWS::IAM::Role
#         Properties:
#           Policies:
#             - PolicyName: exec-kms
#               PolicyDocument: {Statement: [{Effect: Allow, Action: kms:Decrypt, Resource: !GetAtt ExecKey.Arn}]}
package fargate_preflight.rules.fg605

import rego.v1

# METADATA
# entrypoint: true
deny contains entry if {
	some x in data.fargate_preflight.lib.calls.task_role_checks
	x.call.rule == "FG605"
	count(x.result.denied) > 0
	fix := allow_fix(x)
	entry := data.fargate_preflight.lib.calls.denial_finding(x, input.services[x.service].name, "task role", fix)
}

deny contains entry if {
	some sid, checks in without_role
	svc := input.services[sid]
	needed_for := concat(", ", sort({x.call.what | some x in checks}))
	td := input.task_definitions[min({x.td | some x in checks})]
	entry := data.fargate_preflight.lib.result.finding({
		"resource": td.name,
		"service": svc.name,
		"need": null,
		"message": sprintf("%s names no task role, but ECS Exec needs one for %s", [
			data.fargate_preflight.lib.taskdef.subject(svc.name, td),
			needed_for,
		]),
		"fix": sprintf(
			"Set the task definition's task role (%s) to a role that allows what the cluster's exec configuration uses.",
			[data.fargate_preflight.lib.result.field(td.source, data.fargate_preflight.lib.result.task_role)],
		),
		"hop": null,
		"source": td.source,
	})
}

# allow_fix: where the key policy of a key of the inputs neither grants the role nor lets IAM
# policies decide (lib/kms.rego), an Allow in the role's policies cannot help.
allow_fix(x) := sprintf(
	concat(" ", [
		"Allow %s to task role %s in the key policy of KMS key %s: name the role's ARN as Principal, or the",
		"account's root (arn:aws:iam::ACCOUNT:root, as the default key policy does) so that the role's IAM",
		"policies decide, and allow it there too.",
	]),
	[concat(", ", actions), x.role.name, data.fargate_preflight.lib.kms.key_of(x.call.resource).name],
) if {
	actions := [d.action | some d in x.result.denied; d.decision.part == "key"; d.decision.decision == "implicit_deny"]
	count(actions) > 0
} else := sprintf("Allow %s on %s for task role %s.", [
	concat(", ", actions),
	data.fargate_preflight.lib.model.show(x.call.resource), x.role.name,
]) if {
	actions := [d.action | some d in x.result.denied]
}

without_role[sid] contains x if {
	some x in data.fargate_preflight.lib.calls.task_role_checks
	x.call.rule == "FG605"
	x.role == null
	sid := x.service
}

undecided contains u if {
	some u in data.fargate_preflight.lib.calls.check_unknowns(data.fargate_preflight.lib.calls.task_role_checks, "FG605")
}

# Whether the cluster's exec logging is OVERRIDE (and so what the task role must allow for it)
# is not settled: its `logging`, or the whole exec configuration (whose KMS key is then not
# settled either). (The services the checks above analyse, as calls.task_role_checks takes them.)
undecided contains entry if {
	some sid in data.fargate_preflight.lib.taskdef.exec_services
	svc := input.services[sid]
	config := object.get(input.clusters, [svc.cluster, "execute_command_configuration"], null)
	overrides := data.fargate_preflight.lib.taskdef.overrides_logging(config)
	is_object(overrides)
	entry := {"unknown": overrides.unknown, "service": svc.name, "rules": ["FG605"]}
}
