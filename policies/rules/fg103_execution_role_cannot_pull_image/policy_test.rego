package fargate_preflight.rules.fg103_test

import rego.v1

deny_for(changes) := result if {
	w := data.fargate_preflight.lib.calls_test.world(changes)
	m := data.fargate_preflight.lib.calls_test.managed
	result := data.fargate_preflight.rules.fg103.deny with input as w with data.fargate_preflight.aws.managed_policies as m
}

undecided_for(changes) := result if {
	w := data.fargate_preflight.lib.calls_test.world(changes)
	m := data.fargate_preflight.lib.calls_test.managed
	result := data.fargate_preflight.rules.fg103.undecided with input as w with data.fargate_preflight.aws.managed_policies as m
}

# summary: what a user reads of each finding, and where.
summary(findings) := {[f.resource, f.need, f.location.line, f.message] | some f in findings}

refs(undecided) := {[u.unknown.ref, u.service, u.rules] | some u in undecided}

pull_what := "private ECR image 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1 (container app)"

exec_role(inline, managed) := {"roles": {"ExecRole": data.fargate_preflight.lib.calls_test.role("ExecRole", 40, inline, managed)}}

test_allowed_by_the_managed_policy if {
	deny_for({}) == set()
}

test_no_policy_allows_the_pull if {
	summary(deny_for(exec_role([], []))) == {
		["ExecRole", "ecr.api", 40, concat("", [
			"service Service: task definition Td: execution role ExecRole is not authorized to perform: ",
			"ecr:GetAuthorizationToken on resource: * because no identity-based policy allows the ",
			"ecr:GetAuthorizationToken action (needed for ", pull_what, ")",
		])],
		["ExecRole", "ecr.dkr", 40, concat("", [
			"service Service: task definition Td: execution role ExecRole is not authorized to perform: ",
			"ecr:BatchGetImage, ecr:GetDownloadUrlForLayer on resource: ",
			"arn:aws:ecr:us-east-1:123456789012:repository/app because no identity-based policy allows ",
			"these actions (needed for ", pull_what, ")",
		])],
	}
}

test_another_repository_only if {
	other := data.fargate_preflight.lib.calls_test.inline(
		"pull", [
			data.fargate_preflight.lib.calls_test.statement("ecr:GetAuthorizationToken", "*"),
			data.fargate_preflight.lib.calls_test.statement(["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], "arn:aws:ecr:us-east-1:123456789012:repository/other"),
		],
		41,
	)
	{[f.need, f.resource] | some f in deny_for(exec_role([other], []))} == {["ecr.dkr", "ExecRole"]}
}

test_nearest_correct_variant_scoped_to_the_repository if {
	scoped := data.fargate_preflight.lib.calls_test.inline(
		"pull", [
			data.fargate_preflight.lib.calls_test.statement("ecr:GetAuthorizationToken", "*"),
			data.fargate_preflight.lib.calls_test.statement(["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], "arn:aws:ecr:*:123456789012:repository/app"),
		],
		41,
	)
	deny_for(exec_role([scoped], [])) == set()
}

test_explicit_deny_wins if {
	denying := data.fargate_preflight.lib.calls_test.inline("deny", [{"Effect": "Deny", "Action": "ecr:BatchGetImage", "Resource": "*"}], 42)
	[f] := [x | some x in deny_for(exec_role([denying], [data.fargate_preflight.lib.calls_test.execution_policy]))]
	contains(f.message, "ecr:BatchGetImage on resource: arn:aws:ecr:us-east-1:123456789012:repository/app with an explicit deny in an identity-based policy")
	not contains(f.message, "GetDownloadUrlForLayer")
	f.fix == "Narrow the Deny statements of inline policy deny of role ExecRole so that they do not cover ecr:BatchGetImage (an explicit deny overrides any Allow)."
}

test_explicit_deny_and_no_allow_have_both_fixes if {
	denying := data.fargate_preflight.lib.calls_test.inline("deny", [{"Effect": "Deny", "Action": "ecr:BatchGetImage", "Resource": "*"}], 42)
	fixes := {f.need: f.fix | some f in deny_for(exec_role([denying], []))}
	fixes["ecr.dkr"] == concat(" ", [
		"Narrow the Deny statements of inline policy deny of role ExecRole so that they do not cover ecr:BatchGetImage (an explicit deny overrides any Allow).",
		"Allow ecr:BatchGetImage, ecr:GetDownloadUrlForLayer on arn:aws:ecr:us-east-1:123456789012:repository/app for execution role ExecRole (AmazonECSTaskExecutionRolePolicy allows the ECR pull actions).",
	])
	startswith(fixes["ecr.api"], "Allow ecr:GetAuthorizationToken on * for")
}

test_unknown_managed_policy_is_undecided if {
	w := exec_role([], ["arn:aws:iam::123456789012:policy/pull"])
	deny_for(w) == set()
	refs(undecided_for(w)) == {["managed policy arn:aws:iam::123456789012:policy/pull", "Service", ["FG103"]]}
}

test_role_not_in_the_inputs_is_undecided if {
	w := {"task_definitions": {"Td": {"execution_role": "arn:aws:iam::123456789012:role/exec"}}}
	deny_for(w) == set()
	refs(undecided_for(w)) == {["IAM role arn:aws:iam::123456789012:role/exec", "Service", ["FG103"]]}
}

test_no_execution_role_is_fg106_not_fg103 if {
	deny_for({"task_definitions": {"Td": {"execution_role": null}}}) == set()
}

test_a_deny_of_the_permissions_boundary_is_named_as_such if {
	boundary := {"Mp": {"name": "Guard", "source": data.fargate_preflight.lib.calls_test.src(43), "document": {
		"Version": "2012-10-17",
		"Statement": [
			{"Effect": "Allow", "Action": "*", "Resource": "*"},
			{"Effect": "Deny", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
		],
	}}}
	role := object.union(
		data.fargate_preflight.lib.calls_test.role("ExecRole", 40, [], [data.fargate_preflight.lib.calls_test.execution_policy]),
		{"permissions_boundary": "Mp"},
	)
	w := object.union(data.fargate_preflight.lib.calls_test.world({"roles": {"ExecRole": role}}), {"managed_policies": boundary})
	fixes := {f.need: f.fix | some f in data.fargate_preflight.rules.fg103.deny with input as w with data.fargate_preflight.aws.managed_policies as data.fargate_preflight.lib.calls_test.managed}
	fixes == {"ecr.api": concat("", [
		"Narrow the Deny statements of managed policy Guard (the permissions boundary of execution role ExecRole) ",
		"so that they do not cover ecr:GetAuthorizationToken (an explicit deny overrides any Allow).",
	])}
}
