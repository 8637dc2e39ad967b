# METADATA
# title: Task role does not allow a declared action
# description: |
#   A need declared with actions (in .fargate-preflight.yaml or the resource's Metadata) is
#   checked against the task role's identity policies and permissions boundary, as AWS decides:
#   an explicit Deny wins, then an Allow, else the implicit deny. The message uses AWS's own
#   words, so it reads like the AuthorizationError the application would get.
# custom:
#   id: FG101
#   level: error
#   remediation: >-
#     Allow the action in a policy of the task role (and in its permissions boundary), or
#     remove the Deny that covers it.
#   tags: [iam, task-role]
#   examples:
#     failing: |
#       Service:
#         Type: AWS::ECS::Service
#         Metadata:
#           fargate-preflight:
#             needs: [{service: sns, actions: ["sns:ListTopics"]}]
#       TaskRole:
#         Type: AWS::IAM::Role
#         Properties:
#           Policies:
#             - PolicyName: publish
#               PolicyDocument: {Statement: [{Effect: Allow, Action: sns:Publish, Resource: "*"}]}
#     passing: |
#       TaskRole:
#         Type: AWS::IAM::Role
#         Properties:
#           Policies:
#             - PolicyName: sns
#               PolicyDocument: {Statement: [{Effect: Allow, Action: ["sns:Publish", "sns:ListTopics"], Resource: "*"}]}
package fargate_preflight.rules.fg101

import rego.v1

# METADATA
# entrypoint: true
deny contains entry if {
	some x in data.fargate_preflight.lib.calls.task_role_checks
	x.call.rule == "FG101"
	count(x.result.denied) > 0
	service := input.services[x.service].name
	fix := sprintf("Allow %s for task role %s (%s), or narrow the Deny that covers it.", [
		concat(", ", [d.action | some d in x.result.denied]), x.role.name,
		"identity policy and permissions boundary",
	])
	entry := data.fargate_preflight.lib.calls.denial_finding(x, service, "task role", fix)
}

undecided contains u if {
	some u in data.fargate_preflight.lib.calls.check_unknowns(data.fargate_preflight.lib.calls.task_role_checks, "FG101")
}
