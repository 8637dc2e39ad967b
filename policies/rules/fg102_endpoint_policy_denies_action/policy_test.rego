package fargate_preflight.rules.fg102_test

import rego.v1

deny_for(changes) := result if {
	w := data.fargate_preflight.lib.calls_test.world(changes)
	m := data.fargate_preflight.lib.calls_test.managed
	result := data.fargate_preflight.rules.fg102.deny with input as w with data.fargate_preflight.aws.managed_policies as m
}

undecided_for(changes) := result if {
	w := data.fargate_preflight.lib.calls_test.world(changes)
	m := data.fargate_preflight.lib.calls_test.managed
	result := data.fargate_preflight.rules.fg102.undecided with input as w with data.fargate_preflight.aws.managed_policies as m
}

# summary: what a user reads of each finding, and where.
summary(findings) := {[f.resource, f.need, f.location.line, f.message] | some f in findings}

refs(undecided) := {[u.unknown.ref, u.service, u.rules] | some u in undecided}

endpoint(id, service, policy) := {
	"id": id, "name": id, "source": data.fargate_preflight.lib.calls_test.src(60), "vpc": "Vpc", "service": service, "type": "Interface",
	"private_dns": true, "subnets": [], "security_groups": [], "route_tables": [], "prefix_list": null, "policy": policy, "state": "available",
}

selected(need, ep) := {"service": "Svc", "need": need, "kind": "interface", "endpoint": ep, "subnet": "A"}

deny_with(changes, paths) := result if {
	w := data.fargate_preflight.lib.calls_test.world(changes)
	m := data.fargate_preflight.lib.calls_test.managed

	# regal ignore:pointless-reassignment
	p := paths
	result := data.fargate_preflight.rules.fg102.deny with input as w
		with data.fargate_preflight.aws.managed_policies as m
		with data.fargate_preflight.lib.paths.selected as p
}

undecided_with(changes, paths) := result if {
	w := data.fargate_preflight.lib.calls_test.world(changes)
	m := data.fargate_preflight.lib.calls_test.managed

	# regal ignore:pointless-reassignment
	p := paths
	result := data.fargate_preflight.rules.fg102.undecided with input as w
		with data.fargate_preflight.aws.managed_policies as m
		with data.fargate_preflight.lib.paths.selected as p
}

sns_deny := {"Statement": [
	{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
	{"Effect": "Deny", "Principal": "*", "Action": "sns:ListTopics", "Resource": "*"},
]}

# The seed article's second failure: an explicit deny in the SNS endpoint's policy.
test_seed_explicit_deny_in_endpoint_policy if {
	w := {
		"vpc_endpoints": {"SnsEndpoint": endpoint("SnsEndpoint", "sns", sns_deny)},
		"declared_needs": [data.fargate_preflight.lib.calls_test.declared("sns", ["sns:ListTopics"], null)],
	}
	summary(deny_with(w, {selected("sns", "SnsEndpoint")})) == {["SnsEndpoint", "sns", 60, concat("", [
		"service Service cannot call sns through VPC endpoint SnsEndpoint: task role TaskRole is not authorized to ",
		"perform: sns:ListTopics with an explicit deny in a VPC endpoint policy (needed for the declared need sns)",
	])]}
	[f] := [x | some x in deny_with(w, {selected("sns", "SnsEndpoint")})]
	f.hop == {"from": "service Service", "via": "VPC endpoint SnsEndpoint", "to": "sns", "detail": "endpoint policy"}
}

test_default_policy_allows_all if {
	w := {
		"vpc_endpoints": {"SnsEndpoint": endpoint("SnsEndpoint", "sns", null)},
		"declared_needs": [data.fargate_preflight.lib.calls_test.declared("sns", ["sns:ListTopics"], null)],
	}
	deny_with(w, {selected("sns", "SnsEndpoint")}) == set()
}

s3_bucket_only := {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::my-app-bucket/*"}]}

test_s3_gateway_policy_forgets_the_layer_bucket if {
	w := {"vpc_endpoints": {"S3": endpoint("S3", "s3", s3_bucket_only)}}
	found := deny_with(w, {object.union(selected("s3", "S3"), {"kind": "gateway"})})
	summary(found) == {["S3", "s3", 60, concat("", [
		"service Service cannot call s3 through VPC endpoint S3: ECR's presigned layer download (signed with ",
		"AWS's own credentials, not execution role ExecRole) is not authorized to ",
		"perform: s3:GetObject on resource: arn:aws:s3:::prod-us-east-1-starport-layer-bucket/* because no ",
		"statement of the VPC endpoint policy allows the s3:GetObject action (needed for private ECR image ",
		"123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1 (container app))",
	])]}

	# the fix names the resource and the principal the download has (before: "for execution
	# role ExecRole", which a user who followed it turned into a policy that still denies)
	{f.fix | some f in found} == {concat("", [
		"Allow s3:GetObject on arn:aws:s3:::prod-us-east-1-starport-layer-bucket/* for Principal \"*\" ",
		"(with no principal or account condition: ECR presigns the layer URLs with AWS's own credentials) ",
		"in the policy of VPC endpoint S3, or narrow the Deny that covers it.",
	])}
	with_layers := {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": [
		"arn:aws:s3:::my-app-bucket/*", "arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*",
	]}]}
	deny_with({"vpc_endpoints": {"S3": endpoint("S3", "s3", with_layers)}}, {selected("s3", "S3")}) == set()
}

test_role_principal_not_known_offline_is_undecided if {
	only_role := {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:role/ExecRole"}, "Action": "logs:*", "Resource": "*"}]}
	w := {"vpc_endpoints": {"Logs": endpoint("Logs", "logs", only_role)}}
	deny_with(w, {selected("logs", "Logs")}) == set()
	refs(undecided_with(w, {selected("logs", "Logs")})) == {["Fn::GetAtt ExecRole.Arn", "Service", ["FG102"]]}
}

# The execution role's RoleName settles its ARN but for the account: a policy that allows only
# another role cannot allow it, whatever the account (before: an FG801 note, the field test's
# ep06); one that names the role itself waits for the account.
test_role_principal_of_another_role_when_the_account_is_unknown if {
	exec_arn := {"unknown": "known after deployment", "ref": "Fn::GetAtt ExecRole.Arn", "source": data.fargate_preflight.lib.calls_test.src(40), "partial": "arn:aws:iam::*:role/api-exec"}
	td := data.fargate_preflight.lib.calls_test.task_definition({"execution_role_arn": exec_arn})
	other := {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:role/other"}, "Action": "logs:*", "Resource": "*"}]}
	w := {"vpc_endpoints": {"Logs": endpoint("Logs", "logs", other)}, "task_definitions": {"Td": td}}
	summary(deny_with(w, {selected("logs", "Logs")})) == {["Logs", "logs", 60, concat("", [
		"service Service cannot call logs through VPC endpoint Logs: execution role ExecRole is not authorized to ",
		"perform: logs:CreateLogStream, logs:PutLogEvents on resource: ",
		"arn:aws:logs:us-east-1:*:log-group:/ecs/app:log-stream:app/app/* because no statement of the VPC endpoint policy ",
		"allows these actions (needed for awslogs log group /ecs/app (container app))",
	])]}
	undecided_with(w, {selected("logs", "Logs")}) == set()

	itself := {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:role/api-exec"}, "Action": "logs:*", "Resource": "*"}]}
	w2 := object.union(w, {"vpc_endpoints": {"Logs": endpoint("Logs", "logs", itself)}})
	deny_with(w2, {selected("logs", "Logs")}) == set()
	refs(undecided_with(w2, {selected("logs", "Logs")})) == {["Fn::GetAtt ExecRole.Arn", "Service", ["FG102"]]}
}

# A role ARN the task definition names as it is settles the caller's account: an account
# principal of another account does not match it (before: the account was left unknown, which
# matches every account principal, and the FG102 was missed). Unknown, it still matches.
test_account_principal_of_another_account if {
	other_account := {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "999999999999"}, "Action": "logs:*", "Resource": "*"}]}
	w := {"vpc_endpoints": {"Logs": endpoint("Logs", "logs", other_account)}}
	deny_with(w, {selected("logs", "Logs")}) == set()

	td := data.fargate_preflight.lib.calls_test.task_definition({"execution_role_arn": "arn:aws:iam::123456789012:role/ExecRole"})
	literal := object.union(w, {"task_definitions": {"Td": td}})
	summary(deny_with(literal, {selected("logs", "Logs")})) == {["Logs", "logs", 60, concat("", [
		"service Service cannot call logs through VPC endpoint Logs: execution role ExecRole is not authorized to ",
		"perform: logs:CreateLogStream, logs:PutLogEvents on resource: ",
		"arn:aws:logs:us-east-1:*:log-group:/ecs/app:log-stream:app/app/* because no statement of the VPC endpoint policy ",
		"allows these actions (needed for awslogs log group /ecs/app (container app))",
	])]}

	same_account := {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "logs:*", "Resource": "*"}]}
	ok := object.union(literal, {"vpc_endpoints": {"Logs": endpoint("Logs", "logs", same_account)}})
	deny_with(ok, {selected("logs", "Logs")}) == set()
}

test_inferred_need_only_when_nothing_of_the_service_is_allowed if {
	endpoints := {"Sns": endpoint("Sns", "sns", {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:*", "Resource": "*"}]})}
	needs := {"Svc": {{"need": "sns", "kind": "endpoint", "port": 443, "region": "us-east-1", "caller": "app", "reason": "task role TaskRole allows sns actions", "source": data.fargate_preflight.lib.calls_test.src(55), "target": null}}}
	w := data.fargate_preflight.lib.calls_test.world({"vpc_endpoints": endpoints})
	m := data.fargate_preflight.lib.calls_test.managed
	result := data.fargate_preflight.rules.fg102.deny with input as w
		with data.fargate_preflight.aws.managed_policies as m
		with data.fargate_preflight.lib.paths.selected as {selected("sns", "Sns")}
		with data.fargate_preflight.lib.needs.by_service as needs
		with data.fargate_preflight.aws.endpoint_for_prefix as {"sns": "sns"}
	[f] := [x | some x in result]
	contains(f.message, "task role TaskRole is not authorized to perform: sns:* because no statement of the VPC endpoint policy allows the sns:* action (needed for task role TaskRole allows sns actions)")
}

test_app_mesh_proxy_checked_as_a_task_role_call if {
	endpoints := {"Mesh": endpoint("Mesh", "appmesh-envoy-management", {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:*", "Resource": "*"}]})}
	needs := {"Svc": {{
		"need": "appmesh-envoy-management", "kind": "endpoint", "port": 443, "region": "us-east-1", "caller": "proxy",
		"reason": "App Mesh Envoy proxy (container envoy)", "source": data.fargate_preflight.lib.calls_test.src(56), "target": null,
	}}}
	w := data.fargate_preflight.lib.calls_test.world({"vpc_endpoints": endpoints})
	m := data.fargate_preflight.lib.calls_test.managed
	result := data.fargate_preflight.rules.fg102.deny with input as w
		with data.fargate_preflight.aws.managed_policies as m
		with data.fargate_preflight.lib.paths.selected as {selected("appmesh-envoy-management", "Mesh")}
		with data.fargate_preflight.lib.needs.by_service as needs
		with data.fargate_preflight.aws.endpoint_for_prefix as {"appmesh": "appmesh-envoy-management"}
	[f] := [x | some x in result]
	f.resource == "Mesh"
	f.need == "appmesh-envoy-management"
	contains(f.message, "task role TaskRole is not authorized to perform: appmesh:* because no statement of the VPC endpoint policy allows the appmesh:* action (needed for App Mesh Envoy proxy (container envoy))")
}
