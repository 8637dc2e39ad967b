# METADATA
# title: Execution role cannot read the task's secrets
# description: |
#   The Fargate agent reads `secrets` and `repositoryCredentials` with the execution role:
#   secretsmanager:GetSecretValue on a Secrets Manager secret, ssm:GetParameters on an SSM
#   parameter, and kms:Decrypt on the secret's or SecureString parameter's KMS key when the
#   inputs define it with a customer managed key (Secrets Manager and SSM decrypt with it for
#   the role; the key policy decides too, with the conditions of that request: kms:ViaService,
#   the encryption context). Without them the task fails with ResourceInitializationError.
# custom:
#   id: FG105
#   level: error
#   remediation: >-
#     Allow secretsmanager:GetSecretValue (or ssm:GetParameters) on the secret for the execution
#     role, and kms:Decrypt on its KMS key when the secret uses a customer managed key (in the
#     key policy too, when it does not let IAM policies decide).
#   tags: [iam, execution-role, secrets]
#   examples:
#     failing: |
#       ContainerDefinitions:
#         - Name: app
#           Secrets:
#             - {Name: DB_PASSWORD, ValueFrom: arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf}
#       # the execution role has only AmazonECSTaskExecutionRolePolicy
#     passing: |
#       ExecutionRole:
#         Type: AWS::IAM::Role
#         Properties:
#           Policies:
#             - PolicyName: secrets
#               PolicyDocument:
#                 Statement:
#                   - Effect: Allow
#                     Action: secretsmanager:GetSecretValue
#                     Resource: "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-*"
package fargate_preflight.rules.fg105

import rego.v1

# METADATA
# entrypoint: true
deny contains entry if {
	some x in data.fargate_preflight.lib.calls.execution_checks
	x.call.rule == "FG105"
	count(x.result.denied) > 0
	some service in data.fargate_preflight.lib.taskdef.services_running(x.td)
	entry := data.fargate_preflight.lib.calls.denial_finding(x, service, "execution role", allow_fix(x))
}

# allow_fix: where the key policy of a secret's key (lib/calls_keys.rego) refuses the role, the
# fix is in the key policy, whose statement must also allow the service that asks KMS for the
# role (kms:ViaService); else an Allow in the role's policies.
allow_fix(x) := concat(" ", [data.fargate_preflight.lib.kms.key_policy_fix(x, "execution role"), via_text(x.call)]) if {
	x.call.key
	data.fargate_preflight.lib.kms.key_policy_fix(x, "execution role")
} else := sprintf("Allow %s on %s for execution role %s.", [
	concat(", ", x.call.actions), data.fargate_preflight.lib.model.show(x.call.resource), x.role.name,
])

via_text(c) := sprintf("%s asks KMS for the role through %s (kms:ViaService): a Condition there must allow it.", [
	data.fargate_preflight.lib.calls.secret_service[c.endpoint], c.context["kms:viaservice"],
]) if {
	is_string(c.context["kms:viaservice"])
} else := sprintf("%s asks KMS for the role (kms:ViaService): a Condition there must allow it.", [
	data.fargate_preflight.lib.calls.secret_service[c.endpoint],
])

undecided contains u if {
	some u in data.fargate_preflight.lib.calls.check_unknowns(data.fargate_preflight.lib.calls.execution_checks, "FG105")
}

# A secret whose service is not settled (Secrets Manager or SSM Parameter Store) makes no call
# to check: a note, never a guessed denial.
undecided contains u if {
	some x in data.fargate_preflight.lib.calls.unsettled_secrets
	some service in data.fargate_preflight.lib.taskdef.services_running(x.td)
	u := {"unknown": x.value_from, "service": service, "rules": ["FG105"]}
}
