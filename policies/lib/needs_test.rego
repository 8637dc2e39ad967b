# METADATA
# description: Needs inference (docs/reasoning.md §1), one case per row of the needs table.
package fargate_preflight.lib.needs_test

import rego.v1

world := data.fargate_preflight.lib.paths_test.world

src(line) := data.fargate_preflight.lib.paths_test.src(line)

unknown(ref, line) := data.fargate_preflight.lib.paths_test.unknown(ref, line)

ecr_image := data.fargate_preflight.lib.paths_test.ecr_image

# with_containers replaces the task definition's containers.
with_containers(containers) := object.union(world, {"task_definitions": {"TaskDef": {"containers": containers}}})

# plain is a container with neither logs nor secrets.
plain(name, image, line) := object.union(
	object.remove(data.fargate_preflight.lib.paths_test.container(name, image, line), ["log_options"]),
	{"log_driver": null, "log_options": {}},
)

needs_of(model) := ns if {
	ns := data.fargate_preflight.lib.needs.by_service.Service with input as model
}

# summary is [need, kind, region, caller] per need: what path selection reads.
summary(model) := {[n.need, n.kind, n.region, n.caller] | some n in needs_of(model)}

endpoint_map := {
	"sns": "sns", "sqs": "sqs", "s3": "s3", "ecr": "ecr.api", "ecs": "ecs", "sts": "sts",
	"elasticfilesystem": "elasticfilesystem", "ssmmessages": "ssmmessages",
	"secretsmanager": "secretsmanager", "dynamodb": "dynamodb", "kinesis": "kinesis", "ssm": "ssm",
}

with_task_role(model, statements) := object.union(model, {
	"task_definitions": {"TaskDef": {"task_role": "TaskRole"}},
	"roles": {"TaskRole": {
		"id": "TaskRole", "name": "TaskRole", "arn": "arn:aws:iam::123456789012:role/TaskRole",
		"trust_policy": {}, "managed_policy_arns": [], "permissions_boundary": null,
		"inline_policies": [{"name": "app", "document": {"Version": "2012-10-17", "Statement": statements}, "source": src(90)}],
		"source": src(89),
	}},
})

app_summary(model) := {[n.need, n.caller, n.reason] |
	some n in data.fargate_preflight.lib.needs.by_service.Service with input as model
		with data.fargate_preflight.aws.endpoint_for_prefix as endpoint_map
	n.caller == "app"
}

undecided_refs(model) := {[u.unknown.ref, u.service] | some u in data.fargate_preflight.lib.needs.undecided with input as model}

# --- images --------------------------------------------------------------------------

test_private_ecr_image_needs_ecr_and_s3_in_its_region if {
	needs_of(with_containers([plain("app", ecr_image, 51)])) == {
	{
		"need": n, "kind": "endpoint", "port": 443, "region": "us-east-1", "caller": "agent",
		"reason": "private ECR image 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1 (container app)",
		"source": src(51), "target": null,
	} |
		some n in ["ecr.api", "ecr.dkr", "s3"]
	}
}

test_private_ecr_image_of_another_region_needs_internet if {
	m := with_containers([plain("app", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app@sha256:abc", 51)])
	summary(m) == {[n, "internet", "eu-west-1", "agent"] | some n in ["ecr.api", "ecr.dkr", "s3"]}
}

test_fips_and_dual_stack_ecr_hosts_are_private_ecr if {
	m := with_containers([
		plain("a", "123456789012.dkr.ecr-fips.us-east-1.amazonaws.com/app:1", 51),
		plain("b", "123456789012.dkr-ecr.us-east-1.on.aws/app:1", 52),
	])
	summary(m) == {[n, "endpoint", "us-east-1", "agent"] | some n in ["ecr.api", "ecr.dkr", "s3"]}
}

test_china_ecr_host_is_private_ecr if {
	m := with_containers([plain("app", "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/app:1", 51)])
	summary(m) == {[n, "internet", "cn-north-1", "agent"] | some n in ["ecr.api", "ecr.dkr", "s3"]}
}

test_hosts_that_only_look_like_ecr_are_other_registries if {
	every image in [
		"12345.dkr.ecr.us-east-1.amazonaws.com/app",
		"123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.io/app",
		"123456789012.dkr.ecr.us-east-1.example.com/app",
	] {
		[n.kind | some n in needs_of(with_containers([plain("app", image, 51)]))] == ["internet"]
	}
}

test_other_registries_need_internet_only if {
	images := {
		"nginx": "registry-1.docker.io",
		"nginx:1.27": "registry-1.docker.io",
		"amazon/aws-cli": "registry-1.docker.io",
		"docker.io/library/nginx": "registry-1.docker.io",
		"public.ecr.aws/nginx/nginx:latest": "public.ecr.aws",
		"ghcr.io/org/app:1": "ghcr.io",
		"quay.io/prometheus/node-exporter": "quay.io",
		"localhost:5000/app": "localhost:5000",
		"localhost/app": "localhost",
	}
	every image, host in images {
		summary(with_containers([plain("app", image, 51)])) == {[host, "internet", null, "agent"]}
	}
}

test_unknown_image_is_undecided_not_guessed if {
	m := with_containers([plain("app", unknown("Parameter Image", 3), 51)])
	count(needs_of(m)) == 0
	some u in data.fargate_preflight.lib.needs.undecided with input as m
	u == {
		"unknown": unknown("Parameter Image", 3), "service": "Service",
		"rules": [
			"FG102", "FG201", "FG202", "FG203", "FG205", "FG206", "FG301",
			"FG302", "FG303", "FG401", "FG402", "FG502",
		],
	}
}

test_ecr_image_with_unsettled_account_is_still_private_ecr if {
	image := object.union(unknown("AWS::AccountId", 3), {"partial": "*.dkr.ecr.us-east-1.amazonaws.com/app:1"})
	m := with_containers([plain("app", image, 51)])
	summary(m) == {
		["ecr.api", "endpoint", "us-east-1", "agent"],
		["ecr.dkr", "endpoint", "us-east-1", "agent"],
		["s3", "endpoint", "us-east-1", "agent"],
	}
	count(data.fargate_preflight.lib.needs.undecided) == 0 with input as m
}

test_image_with_unsettled_region_is_undecided if {
	image := object.union(unknown("Parameter Region", 3), {"partial": "123456789012.dkr.ecr.*.amazonaws.com/app:1"})
	m := with_containers([plain("app", image, 51)])
	count(needs_of(m)) == 0
	count(data.fargate_preflight.lib.needs.undecided) == 1 with input as m
}

# Without --region, an image in the deploy region (`deploy_region`) needs ECR there: the
# region is the model's unknown, which the deploy region's endpoints share.
test_image_in_the_unsettled_deploy_region_needs_ecr_there if {
	region := unknown("AWS::Region", 1)
	image := object.union(unknown("AWS::Region", 3), {"partial": "*.dkr.ecr.*.amazonaws.com*/app:1", "deploy_region": true})
	m := object.union(with_containers([plain("app", image, 51)]), {"region": region})
	summary(m) == {[n, "endpoint", region, "agent"] | some n in {"ecr.api", "ecr.dkr", "s3"}}
	count(data.fargate_preflight.lib.needs.undecided) == 0 with input as m
}

test_secret_in_the_unsettled_deploy_region_needs_secrets_manager_there if {
	region := unknown("AWS::Region", 1)
	partial := "arn:*:secretsmanager:*:*:secret:app/db-*"
	secret := object.union(unknown("Ref DbSecret", 7), {"partial": partial, "deploy_region": true})
	c := object.union(plain("app", "nginx", 51), {"secrets": [{"name": "DB", "value_from": secret}]})
	m := object.union(with_containers([c]), {"region": region})
	["secretsmanager", "endpoint", region, "agent"] in summary(m)
}

# --- logs ----------------------------------------------------------------------------

test_awslogs_needs_logs_in_its_region if {
	c := data.fargate_preflight.lib.paths_test.container("app", "nginx", 51)
	summary(with_containers([c])) == {["registry-1.docker.io", "internet", null, "agent"], ["logs", "endpoint", "us-east-1", "agent"]}
	some n in needs_of(with_containers([c]))
	n.need == "logs"
	n.reason == "awslogs log group /app (container app)"
}

test_awslogs_without_region_uses_the_deploy_region if {
	c := object.union(plain("app", "nginx", 51), {"log_driver": "awslogs", "log_options": {"awslogs-group": "/app"}})
	["logs", "endpoint", "us-east-1", "agent"] in summary(with_containers([c]))
}

test_cross_region_log_group_needs_internet if {
	c := object.union(plain("app", "nginx", 51), {"log_driver": "awslogs", "log_options": {"awslogs-region": "eu-west-1"}})
	["logs", "internet", "eu-west-1", "agent"] in summary(with_containers([c]))
}

test_unknown_log_region_stays_unknown if {
	r := unknown("Parameter LogRegion", 6)
	c := object.union(plain("app", "nginx", 51), {"log_driver": "awslogs", "log_options": {"awslogs-region": r}})
	["logs", "endpoint", r, "agent"] in summary(with_containers([c]))
}

test_unknown_deploy_region_stays_unknown if {
	r := unknown("AWS::Region", 1)
	c := object.union(plain("app", "nginx", 51), {"log_driver": "awslogs", "log_options": {"awslogs-group": "/app"}})
	m := object.union(with_containers([c]), {"region": r})
	["logs", "endpoint", r, "agent"] in summary(m)
}

test_other_log_drivers_need_no_logs_endpoint if {
	c := object.union(plain("app", "nginx", 51), {"log_driver": "awsfirelens"})
	summary(with_containers([c])) == {["registry-1.docker.io", "internet", null, "agent"]}
}

# --- secrets -------------------------------------------------------------------------

test_secrets_need_their_service_by_arn if {
	c := object.union(plain("app", "nginx", 51), {"secrets": [
		{"name": "DB", "value_from": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"},
		{"name": "KEY", "value_from": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf:password::"},
		{"name": "P", "value_from": "arn:aws:ssm:eu-west-1:123456789012:parameter/app/p"},
		{"name": "Q", "value_from": "/app/q"},
		{"name": "R", "value_from": "plain-name"},
	]})
	summary(with_containers([c])) == {
		["registry-1.docker.io", "internet", null, "agent"],
		["secretsmanager", "endpoint", "us-east-1", "agent"],
		["ssm", "internet", "eu-west-1", "agent"],
		["ssm", "endpoint", "us-east-1", "agent"],
	}
}

test_unknown_secret_is_undecided if {
	c := object.union(plain("app", "nginx", 51), {"secrets": [{"name": "DB", "value_from": unknown("Parameter DbSecretArn", 7)}]})
	undecided_refs(with_containers([c])) == {["Parameter DbSecretArn", "Service"]}
}

# A secret of the inputs (`Ref DbSecret`, `aws_secretsmanager_secret.db.arn`): its ARN is
# unsettled only in the account and the name's suffix, so it still names service and region.
test_secret_of_the_inputs_needs_its_service_in_its_region if {
	partial := "arn:aws:secretsmanager:eu-west-1:*:secret:app/db-*"
	c := object.union(plain("app", "nginx", 51), {"secrets": [{"name": "DB", "value_from": object.union(unknown("Ref DbSecret", 7), {"partial": partial})}]})
	summary(with_containers([c])) == {
		["registry-1.docker.io", "internet", null, "agent"],
		["secretsmanager", "internet", "eu-west-1", "agent"],
	}
	undecided_refs(with_containers([c])) == set()
}

# A Terraform plan names an ARN only apply settles by the attribute it comes from: the
# resource's type names the service, in the deploy region (the provider's).
test_secret_named_by_a_terraform_attribute_needs_its_service if {
	parameter := unknown("aws_ssm_parameter.token.arn", 7)
	secret := unknown("module.db.aws_secretsmanager_secret.this[\"a.b\"].id", 8)
	c := object.union(plain("app", "nginx", 51), {"secrets": [
		{"name": "T", "value_from": parameter},
		{"name": "DB", "value_from": secret},
	]})
	summary(with_containers([c])) == {
		["registry-1.docker.io", "internet", null, "agent"],
		["ssm", "endpoint", "us-east-1", "agent"],
		["secretsmanager", "endpoint", "us-east-1", "agent"],
	}
	undecided_refs(with_containers([c])) == set()
}

test_secret_with_unsettled_region_is_undecided if {
	partial := "arn:aws:secretsmanager:*:*:secret:app/db-*"
	c := object.union(plain("app", "nginx", 51), {"secrets": [{"name": "DB", "value_from": object.union(unknown("Ref DbSecret", 7), {"partial": partial})}]})
	summary(with_containers([c])) == {["registry-1.docker.io", "internet", null, "agent"]}
	undecided_refs(with_containers([c])) == {["Ref DbSecret", "Service"]}
}

test_repository_credentials_need_secrets_manager if {
	c := object.union(plain("app", "ghcr.io/org/app", 51), {"repository_credentials": "arn:aws:secretsmanager:us-east-1:123456789012:secret:ghcr"})
	summary(with_containers([c])) == {["ghcr.io", "internet", null, "agent"], ["secretsmanager", "endpoint", "us-east-1", "agent"]}
}

# Repository credentials may name a secret of the task's region by its name (ECS API
# Reference, RepositoryCredentials); `secrets` name a parameter so (before: both an SSM
# parameter).
test_repository_credentials_by_name_need_secrets_manager if {
	c := object.union(plain("app", "ghcr.io/org/app", 51), {"repository_credentials": "ghcr"})
	summary(with_containers([c])) == {["ghcr.io", "internet", null, "agent"], ["secretsmanager", "endpoint", "us-east-1", "agent"]}
}

# Repository credentials by `!Ref Secret` or `!Sub` with ${AWS::AccountId}: the secret's ARN
# names Secrets Manager and its region, as for `secrets` (before: no need, a missed FG402).
# One no known part settles is undecided.
test_unsettled_repository_credentials_need_secrets_manager if {
	partial := "arn:aws:secretsmanager:eu-west-1:*:secret:ghcr-*"
	c := object.union(plain("app", "ghcr.io/org/app", 51), {"repository_credentials": object.union(unknown("Ref GhcrSecret", 7), {"partial": partial})})
	summary(with_containers([c])) == {["ghcr.io", "internet", null, "agent"], ["secretsmanager", "internet", "eu-west-1", "agent"]}
	undecided_refs(with_containers([c])) == set()

	opaque := object.union(plain("app", "ghcr.io/org/app", 51), {"repository_credentials": unknown("Parameter Credentials", 7)})
	summary(with_containers([opaque])) == {["ghcr.io", "internet", null, "agent"]}
	undecided_refs(with_containers([opaque])) == {["Parameter Credentials", "Service"]}
}

# --- ECS Exec, EFS -------------------------------------------------------------------

test_ecs_exec_needs_ssmmessages_only if {
	m := object.union(with_containers([plain("app", ecr_image, 51)]), {"services": {"Service": {"enable_execute_command": true}}})
	summary(m) == {
		["ecr.api", "endpoint", "us-east-1", "agent"],
		["ecr.dkr", "endpoint", "us-east-1", "agent"],
		["s3", "endpoint", "us-east-1", "agent"],
		["ssmmessages", "endpoint", "us-east-1", "exec"],
	}
}

test_efs_volume_needs_its_mount_targets if {
	m := object.union(data.fargate_preflight.lib.paths_test.efs_world, {"task_definitions": {"TaskDef": {"containers": []}}})
	needs_of(m) == {{
		"need": "efs:FileSystem", "kind": "target", "port": 2049, "region": "us-east-1",
		"caller": "agent", "reason": "EFS volume data (file system FileSystem)",
		"source": src(55), "target": "FileSystem",
	}}
}

test_efs_file_system_not_in_inputs_is_undecided if {
	m := object.union(world, {"task_definitions": {"TaskDef": {
		"containers": [],
		"volumes": [{"name": "data", "efs": {"file_system": "fs-0abc", "iam": "DISABLED", "transit_encryption": "ENABLED"}, "source": src(55)}],
	}}})
	count(needs_of(m)) == 0
	undecided_refs(m) == {["EFS file system fs-0abc", "Service"]}
}

# --- application calls ---------------------------------------------------------------

test_task_role_actions_create_app_needs if {
	m := with_task_role(with_containers([]), [
		{"Effect": "Allow", "Action": ["sns:Publish", "SQS:SendMessage"], "Resource": "*"},
		{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/*"},
	])
	app_summary(m) == {
		["sns", "app", "task role TaskRole allows sns actions"],
		["sqs", "app", "task role TaskRole allows sqs actions"],
		["s3", "app", "task role TaskRole allows s3 actions"],
	}
}

test_statements_that_create_no_needs if {
	m := with_task_role(with_containers([]), [
		{"Effect": "Allow", "Action": "*", "Resource": "*"},
		{"Effect": "Allow", "Action": "*:Get*", "Resource": "*"},
		{"Effect": "Deny", "Action": "sns:Publish", "Resource": "*"},
		{"Effect": "Allow", "NotAction": "sqs:*", "Resource": "*"},
		{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
	])
	count(app_summary(m)) == 0
}

test_an_aws_managed_statement_naming_many_services_creates_needs_only_for_those_it_grants_whole if {
	# as a live scan reads them: the AWS managed policies in the model
	aws := "arn:aws:iam::aws:policy/"
	m := object.union(with_task_role(with_containers([]), [
		# the role's own statement names what the application calls, however many services
		{"Effect": "Allow", "Resource": "*", "Action": ["sns:Publish", "sqs:SendMessage", "kinesis:PutRecord", "ssm:GetParameter"]},
	]), {
		"roles": {"TaskRole": {"managed_policy_arns": [concat("", [aws, "SecretsManagerReadWrite"]), concat("", [aws, "ReadOnlyAccess"]), concat("", [aws, "AmazonS3ReadOnlyAccess"])]}},
		"managed_policies": {
			# the first statement of SecretsManagerReadWrite, shortened: for the console
			concat("", [aws, "SecretsManagerReadWrite"]): managed(90, [{"Effect": "Allow", "Resource": "*", "Action": [
				"secretsmanager:*", "cloudformation:DescribeChangeSet", "ec2:DescribeSubnets",
				"kms:ListKeys", "lambda:ListFunctions",
			]}]),
			# ReadOnlyAccess, shortened: no service whole
			concat("", [aws, "ReadOnlyAccess"]): managed(91, [{"Effect": "Allow", "Resource": "*", "Action": ["dynamodb:Get*", "s3:List*", "sts:Get*", "ecr:Describe*"]}]),
			# three services or fewer are not broad
			concat("", [aws, "AmazonS3ReadOnlyAccess"]): managed(92, [{"Effect": "Allow", "Resource": "*", "Action": ["s3:Get*", "s3:List*"]}]),
		},
	})
	{n[0] | some n in app_summary(m)} == {"sns", "sqs", "kinesis", "ssm", "secretsmanager", "s3"}
}

managed(line, statements) := {"document": {"Statement": statements}, "source": src(line)}

test_agent_actions_on_the_task_role_are_not_application_calls if {
	m := with_task_role(with_containers([]), [
		{"Effect": "Allow", "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"], "Resource": "*"},
		{"Effect": "Allow", "Action": ["ssmmessages:CreateControlChannel", "ssmmessages:OpenDataChannel"], "Resource": "*"},
	])
	count(app_summary(m)) == 0
}

test_efs_api_actions_are_application_calls if {
	m := with_task_role(with_containers([]), [
		{"Effect": "Allow", "Action": "elasticfilesystem:DescribeFileSystems", "Resource": "*"},
	])
	app_summary(m) == {["elasticfilesystem", "app", "task role TaskRole allows elasticfilesystem actions"]}
}

test_never_ecs_endpoints_even_when_the_role_calls_ecs if {
	m := with_task_role(with_containers([]), [{"Effect": "Allow", "Action": ["ecs:DescribeTasks", "sts:AssumeRole"], "Resource": "*"}])
	app_summary(m) == {["sts", "app", "task role TaskRole allows sts actions"]}
}

test_customer_managed_policy_creates_app_needs if {
	m := object.union(with_task_role(with_containers([]), []), {
		"roles": {"TaskRole": {"managed_policy_arns": ["AppPolicy", "arn:aws:iam::aws:policy/AmazonSQSFullAccess"]}},
		"managed_policies": {"AppPolicy": {
			"id": "AppPolicy", "name": "AppPolicy", "arn": "arn:aws:iam::123456789012:policy/app",
			"document": {"Statement": {"Effect": "Allow", "Action": "sns:Publish", "Resource": "*"}},
			"source": src(95),
		}},
	})
	app_summary(m) == {["sns", "app", "task role TaskRole allows sns actions"]}
}

# --- App Mesh proxy ------------------------------------------------------------------

with_proxy(proxy) := object.union(with_containers([]), {"task_definitions": {"TaskDef": {"proxy_configuration": proxy}}})

test_app_mesh_proxy_needs_envoy_management if {
	m := with_proxy({"type": "APPMESH", "container_name": "envoy", "source": src(60)})
	needs_of(m) == {{
		"need": "appmesh-envoy-management", "kind": "endpoint", "port": 443, "region": "us-east-1",
		"caller": "proxy", "reason": "App Mesh Envoy proxy (container envoy)", "source": src(60), "target": null,
	}}
}

test_a_proxy_without_a_settled_type_is_app_mesh_the_only_type if {
	every t in [null, unknown("Parameter ProxyType", 4)] {
		summary(with_proxy({"type": t, "container_name": unknown("Parameter Envoy", 5), "source": src(60)})) == {
			["appmesh-envoy-management", "endpoint", "us-east-1", "proxy"],
		}
	}
	reasons := {n.reason | some n in needs_of(with_proxy({"type": null, "container_name": unknown("Parameter Envoy", 5), "source": src(60)}))}
	reasons == {"App Mesh Envoy proxy (container <Parameter Envoy>)"}
}

test_no_proxy_need_without_app_mesh if {
	count(needs_of(with_proxy(null))) == 0
	count(needs_of(with_proxy({"type": "OTHER", "container_name": "envoy", "source": src(60)}))) == 0
	count(needs_of(with_containers([]))) == 0
}

test_task_role_not_in_inputs_is_undecided if {
	m := object.union(world, {"task_definitions": {"TaskDef": {"task_role": unknown("role arn:aws:iam::123456789012:role/x", 50)}}})
	undecided_refs(m) == {["role arn:aws:iam::123456789012:role/x", "Service"]}
}

test_task_definition_not_in_inputs_is_undecided if {
	m := object.union(world, {"services": {"Service": {"task_definition": "app:3"}}})
	count(needs_of(m)) == 0
	undecided_refs(m) == {["task definition app:3", "Service"]}
}

test_declared_endpoint_need if {
	m := object.union(with_containers([]), {"declared_needs": [
		{"service": "Service", "endpoint": "sns", "actions": ["sns:Publish"], "resources": null, "target_security_group": null, "target_cidr": null, "port": null, "source": src(99)},
		{"service": "Other", "endpoint": "sqs", "actions": [], "resources": null, "target_security_group": null, "target_cidr": null, "port": null, "source": src(99)},
	]})
	summary(m) == {["sns", "endpoint", "us-east-1", "app"]}
}

test_services_not_launched_on_fargate_have_no_needs if {
	m := object.union(world, {"services": {"Service": {"launch_type": "EC2"}}})
	not data.fargate_preflight.lib.needs.by_service.Service with input as m
}

test_containers_known_only_after_apply_are_undecided if {
	m := object.union(world, {"task_definitions": {"TaskDef": {"containers": unknown("aws_ecs_task_definition.app container_definitions", 7)}}})
	count(needs_of(m)) == 0
	some u in data.fargate_preflight.lib.needs.undecided with input as m
	u.unknown == unknown("aws_ecs_task_definition.app container_definitions", 7)
}

# --- environment files ---------------------------------------------------------------

test_environment_files_need_s3_in_the_deploy_region if {
	c := object.union(plain("app", "nginx", 51), {"environment_files": ["arn:aws:s3:::app-config/app.env"]})
	summary(with_containers([c])) == {
		["registry-1.docker.io", "internet", null, "agent"],
		["s3", "endpoint", "us-east-1", "agent"],
	}
	{n.reason | some n in needs_of(with_containers([c])); n.need == "s3"} == {
		"environment file arn:aws:s3:::app-config/app.env (container app)",
	}
}
