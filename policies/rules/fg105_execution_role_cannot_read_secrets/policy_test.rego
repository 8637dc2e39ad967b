package fargate_preflight.rules.fg105_test

import rego.v1

deny_for(changes) := result if {
	w := data.fargate_preflight.lib.calls_test.world(changes)
	m := data.fargate_preflight.lib.calls_test.managed
	result := data.fargate_preflight.rules.fg105.deny with input as w with data.fargate_preflight.aws.managed_policies as m
}

undecided_for(changes) := result if {
	w := data.fargate_preflight.lib.calls_test.world(changes)
	m := data.fargate_preflight.lib.calls_test.managed
	result := data.fargate_preflight.rules.fg105.undecided with input as w with data.fargate_preflight.aws.managed_policies as m
}

# summary: what a user reads of each finding, and where.
summary(findings) := {[f.resource, f.need, f.location.line, f.message] | some f in findings}

refs(undecided) := {[u.unknown.ref, u.service, u.rules] | some u in undecided}

exec_role(inline) := {"roles": {"ExecRole": data.fargate_preflight.lib.calls_test.role("ExecRole", 40, inline, [data.fargate_preflight.lib.calls_test.execution_policy])}}

test_allowed_by_the_inline_policy if {
	deny_for({}) == set()
}

test_managed_policy_alone_does_not_read_secrets if {
	summary(deny_for(exec_role([]))) == {["ExecRole", "secretsmanager", 40, concat("", [
		"service Service: task definition Td: execution role ExecRole is not authorized to perform: ",
		"secretsmanager:GetSecretValue on resource: ", data.fargate_preflight.lib.calls_test.secret_arn, " because no identity-based policy ",
		"allows the secretsmanager:GetSecretValue action (needed for secret DB_PASSWORD (container app))",
	])]}
}

test_parameter_by_name if {
	c := data.fargate_preflight.lib.calls_test.container({"secrets": [{"name": "HOST", "value_from": "/app/host"}]})
	ssm := data.fargate_preflight.lib.calls_test.inline("ssm", [data.fargate_preflight.lib.calls_test.statement("ssm:GetParameters", "arn:aws:ssm:us-east-1:123456789012:parameter/app/*")], 41)
	deny_for(object.union(exec_role([ssm]), {"task_definitions": {"Td": {"containers": [c]}}})) == set()
	[f] := [x | some x in deny_for(object.union(exec_role([]), {"task_definitions": {"Td": {"containers": [c]}}}))]
	f.need == "ssm"
	contains(f.message, "ssm:GetParameters on resource: arn:aws:ssm:us-east-1:*:parameter/app/host because")
}

test_repository_credentials if {
	c := data.fargate_preflight.lib.calls_test.container({"image": "ghcr.io/org/app:1", "secrets": [], "repository_credentials": "arn:aws:secretsmanager:us-east-1:123456789012:secret:ghcr-x1Y2z3"})
	[f] := [x | some x in deny_for({"task_definitions": {"Td": {"containers": [c]}}})]
	contains(f.message, "(needed for repository credentials (container app))")
}

# A secret whose service nothing settles (neither its known parts nor the resource it comes
# from name one) is a note for FG105, never a guessed Secrets Manager denial; one named by a
# Terraform attribute of an aws_ssm_parameter is read with ssm:GetParameters.
test_secret_of_unsettled_service_is_undecided if {
	opaque := {"unknown": "u", "ref": "Parameter Arn", "source": data.fargate_preflight.lib.calls_test.src(3)}
	c := data.fargate_preflight.lib.calls_test.container({"secrets": [{"name": "A", "value_from": opaque}]})
	changes := object.union(exec_role([]), {"task_definitions": {"Td": {"containers": [c]}}})
	deny_for(changes) == set()
	refs(undecided_for(changes)) == {["Parameter Arn", "Service", ["FG105"]]}
}

test_terraform_parameter_attribute_is_read_from_ssm if {
	arn := {"unknown": "u", "ref": "aws_ssm_parameter.token.arn", "source": data.fargate_preflight.lib.calls_test.src(3)}
	c := data.fargate_preflight.lib.calls_test.container({"secrets": [{"name": "T", "value_from": arn}]})
	ssm := data.fargate_preflight.lib.calls_test.inline("ssm", [data.fargate_preflight.lib.calls_test.statement("ssm:GetParameters", [arn])], 41)
	deny_for(object.union(exec_role([ssm]), {"task_definitions": {"Td": {"containers": [c]}}})) == set()
	[f] := [x | some x in deny_for(object.union(exec_role([]), {"task_definitions": {"Td": {"containers": [c]}}}))]
	f.need == "ssm"
	contains(f.message, "not authorized to perform: ssm:GetParameters on resource: <aws_ssm_parameter.token.arn>")
}
