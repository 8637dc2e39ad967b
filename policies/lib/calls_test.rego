package fargate_preflight.lib.calls_test

import rego.v1

# The world the IAM and ECS Exec rule tests start from: one Fargate service whose task pulls a
# private ECR image, logs with awslogs and reads a secret, with roles that allow all of it.
# Each case changes one thing (object.union merges `changes` into it; lists are replaced).

src(line) := {"file": "app.yaml", "line": line, "pointer": ""}

image := "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1"

secret_arn := "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"

execution_policy := "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"

# The snapshot entry the tests rely on (scanner/data/managed_policies.json has the real one).
managed := {execution_policy: {"name": "AmazonECSTaskExecutionRolePolicy", "document": {"Statement": [{
	"Effect": "Allow",
	"Action": [
		"ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer",
		"ecr:BatchGetImage", "logs:CreateLogStream", "logs:PutLogEvents",
	],
	"Resource": "*",
}]}}}

trust := {"Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}

statement(actions, resource) := {"Effect": "Allow", "Action": actions, "Resource": resource}

inline(name, statements, line) := {"name": name, "document": {"Version": "2012-10-17", "Statement": statements}, "source": src(line)}

exec_channels := [
	"ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
	"ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel",
]

role(id, line, inline_policies, managed_arns) := {
	"id": id, "name": id, "source": src(line), "arn": {"unknown": "known after deployment", "ref": sprintf("Fn::GetAtt %s.Arn", [id]), "source": src(line)},
	"trust_policy": trust, "inline_policies": inline_policies, "managed_policy_arns": managed_arns, "permissions_boundary": null,
}

container(fields) := object.union(
	{
		"name": "app", "image": image, "essential": true, "log_driver": "awslogs",
		"log_options": {"awslogs-group": "/ecs/app", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "app"},
		"secrets": [{"name": "DB_PASSWORD", "value_from": secret_arn}], "repository_credentials": null,
		"environment_names": ["STAGE"], "readonly_root_filesystem": false, "init_process_enabled": true,
		"mount_points": [], "source": src(30),
	},
	fields,
)

task_definition(fields) := object.union(
	{
		"id": "Td", "name": "Td", "family": "app", "source": src(20), "network_mode": "awsvpc",
		"requires_compatibilities": ["FARGATE"], "os_family": "LINUX", "cpu": 256, "memory": 512,
		"task_role": "TaskRole", "execution_role": "ExecRole", "task_role_arn": null, "execution_role_arn": null,
		"containers": [container({})], "volumes": [],
	},
	fields,
)

base := {
	"region": "us-east-1",
	"services": {"Svc": {
		"id": "Svc", "name": "Service", "kind": "service", "source": src(1),
		"cluster": "Cluster", "task_definition": "Td", "launch_type": "FARGATE",
		"capacity_provider_strategy": null, "platform_version": null, "enable_execute_command": false,
		"network": null,
	}},
	"clusters": {"Cluster": {"id": "Cluster", "name": "Cluster", "source": src(5), "default_capacity_provider_strategy": [], "execute_command_configuration": null}},
	"task_definitions": {"Td": task_definition({})},
	"roles": {
		"ExecRole": role("ExecRole", 40, [inline("secrets", [statement("secretsmanager:GetSecretValue", secret_arn)], 45)], [execution_policy]),
		"TaskRole": role("TaskRole", 50, [inline("app", [statement(["sns:Publish"], "*"), statement(exec_channels, "*")], 55)], []),
	},
	"managed_policies": {},
	"declared_needs": [],
	"vpc_endpoints": {},
	"subnets": {},
}

world(changes) := object.union(base, changes)

# exec_on turns ECS Exec on for the service.
exec_on := {"services": {"Svc": {"enable_execute_command": true}}}

declared(endpoint, actions, resources) := {
	"service": "Svc", "endpoint": endpoint, "actions": actions, "resources": resources,
	"target_security_group": null, "target_cidr": null, "port": null, "source": src(2),
}

# --- the calls themselves -----------------------------------------------------------------

agent_calls(changes) := calls if {
	w := world(changes)
	calls := data.fargate_preflight.lib.calls.agent.Td with input as w
}

# The bucket of a file known in part is known as far, and marked (lib/iam.rego: its ARN holds
# no `/`); before, it was the object's ARN (a false FG110 for `arn:aws:s3:::*/prod.env`). The
# bucket of a file not known at all is not known either.
test_environment_files_are_read_with_the_execution_role if {
	bucket_param := {"unknown": "parameter Bucket has no default", "ref": "Parameter Bucket", "source": src(4)}
	c := container({"environment_files": [
		"arn:aws:s3:::app-config/prod/app.env",
		{"unknown": "parameter EnvFile has no default", "ref": "Parameter EnvFile", "source": src(3)},
		object.union(bucket_param, {"partial": "arn:aws:s3:::*/prod/app.env"}),
	]})
	calls := agent_calls({"task_definitions": {"Td": task_definition({"containers": [c]})}})
	{[c2.rule, c2.actions, c2.resource] | some c2 in calls; c2.rule == "FG110"} == {
		["FG110", ["s3:GetObject"], "arn:aws:s3:::app-config/prod/app.env"],
		["FG110", ["s3:GetBucketLocation"], "arn:aws:s3:::app-config"],
		["FG110", ["s3:GetObject"], c.environment_files[1]],
		["FG110", ["s3:GetBucketLocation"], c.environment_files[1]],
		["FG110", ["s3:GetObject"], c.environment_files[2]],
		["FG110", ["s3:GetBucketLocation"], object.union(bucket_param, {"partial": "arn:aws:s3:::*", "bucket": true})],
	}
}

test_agent_calls_of_the_base_task if {
	{[c.rule, c.endpoint, c.resource] | some c in agent_calls({})} == {
		["FG103", "ecr.api", "*"],
		["FG103", "ecr.dkr", "arn:aws:ecr:us-east-1:123456789012:repository/app"],
		["FG102", "s3", "arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*"],
		["FG104", "logs", "arn:aws:logs:us-east-1:*:log-group:/ecs/app:*"],
		["FG105", "secretsmanager", secret_arn],
	}
}

test_secret_json_key_and_parameter_names if {
	c := container({"secrets": [
		{"name": "A", "value_from": concat("", [secret_arn, ":password::"])},
		{"name": "B", "value_from": "/app/db-host"},
		{"name": "C", "value_from": "arn:aws:ssm:eu-west-1:123456789012:parameter/x"},
	]})
	calls := agent_calls({"task_definitions": {"Td": {"containers": [c]}}})
	{[x.endpoint, x.resource] | some x in calls; x.rule == "FG105"} == {
		["secretsmanager", secret_arn],
		["ssm", "arn:aws:ssm:us-east-1:*:parameter/app/db-host"],
		["ssm", "arn:aws:ssm:eu-west-1:123456789012:parameter/x"],
	}
}

# IAM authorizes GetSecretValue on the secret's full ARN: a partial ARN, without the hyphen and
# six random characters after the name, asks for `NAME-??????` (lib/iam.rego); a name that ends
# with a hyphen and six characters is read as a full ARN, as Secrets Manager reads it.
# Repository credentials may name a secret of the task's region by its name (before: an SSM
# parameter, checked with ssm:GetParameters).
test_partial_secret_arns_and_names if {
	c := container({"image": "ghcr.io/org/app:1", "repository_credentials": "ghcr", "secrets": [
		{"name": "A", "value_from": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db"},
		{"name": "B", "value_from": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db:password::"},
		{"name": "C", "value_from": "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-secret"},
	]})
	calls := agent_calls({"task_definitions": {"Td": {"containers": [c]}}})
	{[x.endpoint, x.actions, x.resource] | some x in calls; x.rule == "FG105"} == {
		["secretsmanager", ["secretsmanager:GetSecretValue"], "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-??????"],
		["secretsmanager", ["secretsmanager:GetSecretValue"], "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-secret"],
		["secretsmanager", ["secretsmanager:GetSecretValue"], "arn:aws:secretsmanager:us-east-1:*:secret:ghcr-??????"],
	}
}

# An unsettled secret ARN with a JSON key names the secret by its first seven fields, as a
# settled one does (before: the fix said to allow `...:secret:db-*:password::`).
test_unsettled_secret_arn_with_a_json_key_names_the_secret if {
	keyed := {"unknown": "u", "ref": "Ref Db", "source": src(3), "partial": "arn:aws:secretsmanager:us-east-1:*:secret:db-*:password::"}
	c := container({"secrets": [{"name": "A", "value_from": keyed}]})
	[call] := [x | some x in agent_calls({"task_definitions": {"Td": {"containers": [c]}}}); x.rule == "FG105"]
	call.resource.partial == "arn:aws:secretsmanager:us-east-1:*:secret:db-*"
}

# An unsettled ARN is read by the service its known parts name (CDK: a parameter or secret of
# the same stack) or, in a Terraform plan, that of the resource it comes from; with neither,
# no service is settled and no call is checked (before: always a secret, a false FG105 for a
# parameter the role may read with ssm:GetParameters).
test_unsettled_secret_arns_by_their_known_parts if {
	parameter := {"unknown": "u", "ref": "Ref Cfg", "source": src(3), "partial": "arn:aws:ssm:us-east-1:123456789012:parameter/*"}
	secret := {"unknown": "u", "ref": "Ref Db", "source": src(3), "partial": "arn:aws:secretsmanager:us-east-1:*:secret:db-*"}
	tf_parameter := {"unknown": "u", "ref": "aws_ssm_parameter.token.arn", "source": src(3)}
	tf_version := {"unknown": "u", "ref": "module.db[\"a\"].aws_secretsmanager_secret_version.this[0].arn", "source": src(3)}
	opaque := {"unknown": "u", "ref": "Parameter Arn", "source": src(3)}
	credentials := {"unknown": "u", "ref": "Parameter Credentials", "source": src(3)}
	c := container({"repository_credentials": credentials, "secrets": [
		{"name": "A", "value_from": parameter},
		{"name": "B", "value_from": secret},
		{"name": "C", "value_from": opaque},
		{"name": "D", "value_from": tf_parameter},
		{"name": "E", "value_from": tf_version},
	]})
	w := world({"task_definitions": {"Td": {"containers": [c]}}})
	calls := agent_calls({"task_definitions": {"Td": {"containers": [c]}}})
	{[x.endpoint, x.actions, x.resource.ref] | some x in calls; x.rule == "FG105"} == {
		["ssm", ["ssm:GetParameters"], "Ref Cfg"],
		["secretsmanager", ["secretsmanager:GetSecretValue"], "Ref Db"],
		["ssm", ["ssm:GetParameters"], "aws_ssm_parameter.token.arn"],
		["secretsmanager", ["secretsmanager:GetSecretValue"], "module.db[\"a\"].aws_secretsmanager_secret_version.this[0].arn"],
		# repository credentials are always a Secrets Manager secret
		["secretsmanager", ["secretsmanager:GetSecretValue"], "Parameter Credentials"],
	}
	data.fargate_preflight.lib.calls.unsettled_secrets == {{"td": "Td", "value_from": opaque}} with input as w
}

# An ARN unsettled only in its account (and region): `!Sub arn:...:${AWS::AccountId}:secret:db`
# is requested as the ARN with `*` there, as a name is (before: an unknown resource, FG801).
# One unsettled in its partition too stays unknown.
test_secret_arns_unsettled_in_the_account_only if {
	by_account := {"unknown": "u", "ref": "AWS::AccountId", "source": src(3), "partial": "arn:aws:secretsmanager:us-east-1:*:secret:ghcr"}
	parameter := {"unknown": "u", "ref": "AWS::Region", "source": src(3), "partial": "arn:aws:ssm:*:*:parameter/app/p"}
	partition := {"unknown": "u", "ref": "AWS::Partition", "source": src(3), "partial": "arn:*:secretsmanager:*:*:secret:db"}
	c := container({"repository_credentials": by_account, "secrets": [
		{"name": "P", "value_from": parameter},
		{"name": "Q", "value_from": partition},
	]})
	calls := agent_calls({"task_definitions": {"Td": {"containers": [c]}}})
	{[x.endpoint, x.resource] | some x in calls; x.rule == "FG105"} == {
		["secretsmanager", "arn:aws:secretsmanager:us-east-1:*:secret:ghcr-??????"],
		["ssm", "arn:aws:ssm:*:*:parameter/app/p"],
		["secretsmanager", partition],
	}
}

# CreateLogStream and PutLogEvents are authorized on the stream (IAM's AccessDenied names
# `log-group:NAME:log-stream:STREAM` for both), CreateLogGroup on the group.
test_put_log_events_is_on_the_log_streams if {
	[c] := [x | some x in agent_calls({}); x.rule == "FG104"]
	[data.fargate_preflight.lib.iam.call_resource(c, a) | some a in c.actions] == [
		"arn:aws:logs:us-east-1:*:log-group:/ecs/app:log-stream:app/app/*",
		"arn:aws:logs:us-east-1:*:log-group:/ecs/app:log-stream:app/app/*",
	]
	created := container({"log_options": {"awslogs-group": "/ecs/app", "awslogs-create-group": "true", "awslogs-stream-prefix": "app"}})
	[g] := [x | some x in agent_calls({"task_definitions": {"Td": {"containers": [created]}}}); x.rule == "FG104"]
	data.fargate_preflight.lib.iam.call_resource(g, "logs:CreateLogGroup") == "arn:aws:logs:us-east-1:*:log-group:/ecs/app:*"
}

# A live model says the account the tasks run in (`account`): the resources the agent names
# without an account (an awslogs group, a secret or parameter by name, the ECS Exec KMS key by
# id) are in it (before: `*`, so a policy on another account's log group passed: field test
# 16, b06 and k08). Offline they stay in any account (`*`).
test_built_arns_are_in_the_live_account if {
	c := container({"repository_credentials": "ghcr", "secrets": [{"name": "H", "value_from": "/app/host"}]})
	changes := {
		"account": "123456789012",
		"task_definitions": {"Td": {"containers": [c]}},
		"services": {"Svc": {"enable_execute_command": true}},
		"clusters": {"Cluster": {"execute_command_configuration": {"kmsKeyId": "1234", "logging": "DEFAULT"}}},
	}
	w := world(changes)
	calls := agent_calls(changes)
	[logs] := [x | some x in calls; x.rule == "FG104"]
	[data.fargate_preflight.lib.iam.call_resource(logs, a) | some a in logs.actions] == [
		"arn:aws:logs:us-east-1:123456789012:log-group:/ecs/app:log-stream:app/app/*",
		"arn:aws:logs:us-east-1:123456789012:log-group:/ecs/app:log-stream:app/app/*",
	]
	logs.resource == "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/app:*"
	{x.resource | some x in calls; x.rule == "FG105"} == {
		"arn:aws:secretsmanager:us-east-1:123456789012:secret:ghcr-??????",
		"arn:aws:ssm:us-east-1:123456789012:parameter/app/host",
	}
	{x.call.resource | some x in data.fargate_preflight.lib.calls.task_role_checks; x.call.rule == "FG605"} == {
		"arn:aws:kms:us-east-1:123456789012:key/1234",
	} with input as w
}

test_log_group_creation_adds_its_action if {
	c := container({"log_options": {"awslogs-group": "/ecs/app", "awslogs-create-group": "True"}})
	calls := agent_calls({"task_definitions": {"Td": {"containers": [c]}}})
	[x.actions | some x in calls; x.rule == "FG104"] == [["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]]
}

# The driver creates the group only when CreateLogStream finds none: a group the inputs create
# needs no logs:CreateLogGroup (before: a false FG104 with awslogs-create-group on such a group).
test_log_group_of_the_inputs_needs_no_create_group if {
	c := container({
		"log_options": {"awslogs-group": "/ecs/app", "awslogs-create-group": "true"},
		"log_group_in_inputs": true,
	})
	calls := agent_calls({"task_definitions": {"Td": {"containers": [c]}}})
	[x.actions | some x in calls; x.rule == "FG104"] == [["logs:CreateLogStream", "logs:PutLogEvents"]]
}

test_docker_hub_image_makes_no_ecr_call if {
	calls := agent_calls({"task_definitions": {"Td": {"containers": [container({"image": "nginx:1", "secrets": []})]}}})
	{x.rule | some x in calls} == {"FG104"}
}

test_a_denied_action_that_may_not_be_needed_is_its_unknown if {
	# a live scan that could not look up the log group: CreateLogGroup may not be needed
	gap := {"unknown": "whether log group app exists is not known", "ref": "logs:DescribeLogGroups", "source": {"file": "aws://1/us-east-1/logs:DescribeLogGroups", "line": 1}}
	r := data.fargate_preflight.lib.iam_test.role([data.fargate_preflight.lib.iam_test.allow("logs:CreateLogStream", "*")], null)
	checked := data.fargate_preflight.lib.iam.checked_role(r)
		with data.fargate_preflight.aws.managed_policies as data.fargate_preflight.lib.iam_test.managed
		with input.managed_policies as {}
	c := object.union(data.fargate_preflight.lib.iam_test.call(["logs:CreateLogGroup", "logs:CreateLogStream"], "*"), {"maybe": {"logs:CreateLogGroup": gap}})
	data.fargate_preflight.lib.iam.check(checked, c) == {"denied": [], "unknowns": {gap}}
	denied := data.fargate_preflight.lib.iam.check(checked, data.fargate_preflight.lib.iam_test.call(["logs:CreateLogGroup", "logs:CreateLogStream"], "*"))
	[d.action | some d in denied.denied] == ["logs:CreateLogGroup"]
}
