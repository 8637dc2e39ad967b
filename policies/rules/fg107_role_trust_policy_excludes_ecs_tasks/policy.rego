# METADATA
# title: Task or execution role cannot be assumed by ECS tasks
# description: |
#   A task role or execution role must trust the service principal ecs-tasks.amazonaws.com
#   with sts:AssumeRole. Conditions on aws:SourceAccount, aws:SourceArn and aws:SourceOrgID
#   (AWS's recommended hardening) are decided for the task's own account and cluster: a positive
#   operator that names them is met, a negated one is not (a Deny on "not my account" does not
#   deny the task). An aws:SourceArn whose region, or a live role's account, is not the task's
#   never names it (an Allow only for arn:aws:ecs:eu-west-1:...:* in a us-east-1 stack does not
#   let the task assume the role). Where that rests on a value the inputs do not settle and would deny, and for
#   any other condition key, the verdict cannot be decided offline (FG801). A live scan that
#   does not find the role in its own account (iam:GetRole: NoSuchEntity) reports it too: a
#   role that does not exist cannot be assumed.
# custom:
#   id: FG107
#   level: error
#   remediation: >-
#     Add a trust policy statement that allows the service principal ecs-tasks.amazonaws.com
#     to perform sts:AssumeRole.
#   tags: [iam, trust-policy]
#   examples:
#     failing: |
#       TaskRole:
#         Type: AWS::IAM::Role
#         Properties:
#           AssumeRolePolicyDocument:
#             Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}]
#     passing: |
#       TaskRole:
#         Type: AWS::IAM::Role
#         Properties:
#           AssumeRolePolicyDocument:
#             Statement: [{Effect: Allow, Principal: {Service: ecs-tasks.amazonaws.com}, Action: sts:AssumeRole}]
package fargate_preflight.rules.fg107

import rego.v1

# METADATA
# entrypoint: true
deny contains entry if {
	some [td_id, kind, role] in roles_used
	d := trust[role.id]
	reason := why(d.decision, role)
	td := input.task_definitions[td_id]
	some service in data.fargate_preflight.lib.taskdef.services_running(td_id)
	entry := data.fargate_preflight.lib.result.finding({
		"resource": role.name,
		"service": service,
		"need": null,
		"message": sprintf("%s: %s %s cannot be assumed by ecs-tasks.amazonaws.com: %s", [
			data.fargate_preflight.lib.taskdef.subject(service, td), kind, role.name, reason,
		]),
		"fix": fix(d.decision, role),
		"hop": null,
		"source": role.source,
	})
}

undecided contains {"unknown": u, "service": service, "rules": ["FG107"]} if {
	some [td_id, _, role] in roles_used
	d := trust[role.id]
	some u in d.unknowns
	some service in data.fargate_preflight.lib.taskdef.services_running(td_id)
}

kind_text := {"task_role": "task role", "execution_role": "execution role"}

why(decision, _) := denials[decision]

why("does_not_exist", role) := sprintf(
	"it does not exist in account %s (iam:GetRole: NoSuchEntity), so no task can start",
	[data.fargate_preflight.lib.iam.role_account(role.arn)],
)

denials := {
	"explicit_deny": "a statement of its trust policy denies it",
	"implicit_deny": "no statement of its trust policy allows it",
}

fix("does_not_exist", role) := sprintf(
	"Create role %s, trusting ecs-tasks.amazonaws.com, or name an existing role in the task definition.",
	[role.name],
)

fix(decision, role) := sprintf(
	"Allow the service principal ecs-tasks.amazonaws.com to perform sts:AssumeRole in the trust policy of role %s.",
	[role.name],
) if decision != "does_not_exist"

# trust[role id] is the role's trust decision, computed once however many task definitions use
# it, and once for all the roles that share a trust policy without Condition.
trust[key] := value if {
	some [_, _, role] in roles_used
	value := trust_of(role)
	key := role.id
}

trust_of(role) := {"decision": "does_not_exist", "unknowns": set()} if {
	data.fargate_preflight.lib.iam.does_not_exist(role)
} else := by_document[role.trust_policy] if {
	by_document[role.trust_policy]
} else := data.fargate_preflight.lib.iam.trust_decision(role)

by_document[doc] := value if {
	some doc in {role.trust_policy | some [_, _, role] in roles_used}
	data.fargate_preflight.lib.iam.trust_without_condition(doc)
	value := data.fargate_preflight.lib.iam.trust_decision({"trust_policy": doc})
}

# roles_used holds [task definition id, kind of role, role object] for the roles (in the inputs) of
# each Fargate-compatible task definition.
roles_used contains [td_id, kind, role] if {
	some td_id, td in input.task_definitions
	data.fargate_preflight.lib.taskdef.fargate_compatible(td)
	some field, kind in kind_text
	role := data.fargate_preflight.lib.iam.role_of(td, field)
	role != null
	not data.fargate_preflight.lib.model.is_unknown(role)
}
