# METADATA
# title: Execution role cannot read the task's environment files
# description: |
#   The Fargate agent downloads each `environmentFiles` object from S3 with the execution role
#   before the container starts: s3:GetObject on the file and s3:GetBucketLocation on its
#   bucket. AmazonECSTaskExecutionRolePolicy grants neither. Without them the task fails with
#   ResourceInitializationError: failed to download env files.
# custom:
#   id: FG110
#   level: error
#   remediation: >-
#     Allow s3:GetObject on the file and s3:GetBucketLocation on its bucket for the execution
#     role (and kms:Decrypt when the bucket uses a customer managed key).
#   tags: [iam, execution-role, s3]
#   examples:
#     failing: |
#       ContainerDefinitions:
#         - Name: app
#           EnvironmentFiles:
#             - {Type: s3, Value: arn:aws:s3:::app-config/prod.env}
#       # the execution role has only AmazonECSTaskExecutionRolePolicy
#     passing: |
#       ExecutionRole:
#         Type: AWS::IAM::Role
#         Properties:
#           Policies:
#             - PolicyName: environment-files
#               PolicyDocument:
#                 Statement:
#                   - Effect: Allow
#                     Action: s3:GetObject
#                     Resource: arn:aws:s3:::app-config/prod.env
#                   - Effect: Allow
#                     Action: s3:GetBucketLocation
#                     Resource: arn:aws:s3:::app-config
package fargate_preflight.rules.fg110

import rego.v1

# METADATA
# entrypoint: true
deny contains entry if {
	some x in data.fargate_preflight.lib.calls.execution_checks
	x.call.rule == "FG110"
	count(x.result.denied) > 0
	some service in data.fargate_preflight.lib.taskdef.services_running(x.td)
	fix := sprintf("Allow %s on %s for execution role %s.", [
		concat(", ", x.call.actions), data.fargate_preflight.lib.model.show(x.call.resource), x.role.name,
	])
	entry := data.fargate_preflight.lib.calls.denial_finding(x, service, "execution role", fix)
}

undecided contains u if {
	some u in data.fargate_preflight.lib.calls.check_unknowns(data.fargate_preflight.lib.calls.execution_checks, "FG110")
}
