package fargate_preflight.rules.fg106_test

import rego.v1

deny_for(changes) := result if {
	w := data.fargate_preflight.lib.calls_test.world(changes)
	m := data.fargate_preflight.lib.calls_test.managed
	result := data.fargate_preflight.rules.fg106.deny with input as w with data.fargate_preflight.aws.managed_policies as m
}

undecided_for(changes) := result if {
	w := data.fargate_preflight.lib.calls_test.world(changes)
	m := data.fargate_preflight.lib.calls_test.managed
	result := data.fargate_preflight.rules.fg106.undecided with input as w with data.fargate_preflight.aws.managed_policies as m
}

# summary: what a user reads of each finding, and where.
summary(findings) := {[f.resource, f.need, f.location.line, f.message] | some f in findings}

refs(undecided) := {[u.unknown.ref, u.service, u.rules] | some u in undecided}

test_execution_role_present if {
	deny_for({}) == set()
}

test_needed_but_missing if {
	summary(deny_for({"task_definitions": {"Td": {"execution_role": null}}})) == {["Td", null, 20, concat("", [
		"service Service: task definition Td names no execution role, but the Fargate agent needs one for ",
		"awslogs log group /ecs/app (container app), private ECR image ",
		"123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1 (container app), secret DB_PASSWORD (container app)",
	])]}
}

test_not_needed_for_a_public_image_without_logs_or_secrets if {
	c := data.fargate_preflight.lib.calls_test.container({"image": "public.ecr.aws/nginx/nginx:1", "log_driver": null, "secrets": []})
	deny_for({"task_definitions": {"Td": {"execution_role": null, "containers": [c]}}}) == set()
}
