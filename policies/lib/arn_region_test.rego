# METADATA
# description: The regions of application needs (lib/arn_region.rego), through needs inference.
package fargate_preflight.lib.arn_region_test

import rego.v1

with_task_role(model, statements) := data.fargate_preflight.lib.needs_test.with_task_role(model, statements)

with_containers(containers) := data.fargate_preflight.lib.needs_test.with_containers(containers)

unknown(ref, line) := data.fargate_preflight.lib.needs_test.unknown(ref, line)

managed(line, statements) := data.fargate_preflight.lib.needs_test.managed(line, statements)

endpoint_map := data.fargate_preflight.lib.needs_test.endpoint_map

# app_regions is [need, kind, region] per application need: where path selection looks.
app_regions(model) := {[n.need, n.kind, n.region] |
	some n in data.fargate_preflight.lib.needs.by_service.Service with input as model
		with data.fargate_preflight.aws.endpoint_for_prefix as endpoint_map
	n.caller == "app"
}

test_app_needs_are_in_the_regions_their_resource_arns_name if {
	m := with_task_role(with_containers([]), [
		# a replica table in eu-west-1 beside one in the deploy region; the queue is not a table
		{"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Query"], "Resource": [
			"arn:aws:dynamodb:eu-west-1:123456789012:table/sessions",
			"arn:aws:dynamodb:us-east-1:123456789012:table/orders",
			"arn:aws:sqs:ap-south-1:123456789012:jobs",
		]},
		# `*` in the region field, no region field (a bucket), an access point in another region
		{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:*:123456789012:jobs"},
		{"Effect": "Allow", "Action": "s3:GetObject", "Resource": [
			"arn:aws:s3:::bucket/*",
			"arn:aws:s3:eu-central-1:123456789012:accesspoint/reports/object/*",
		]},
		# a region pattern: the deploy region when it matches, else the pattern's regions
		{"Effect": "Allow", "Action": "kinesis:PutRecord", "Resource": [
			"arn:aws:kinesis:us-*:123456789012:stream/a",
			"arn:aws:kinesis:eu-*:123456789012:stream/b",
		]},
		# no resource of the service (a role's ARN for sts), NotResource: the deploy region
		{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::123456789012:role/x"},
		{"Effect": "Allow", "Action": "sns:Publish", "NotResource": "arn:aws:sns:eu-west-1:123456789012:t"},
	])
	app_regions(m) == {
		["dynamodb", "internet", "eu-west-1"],
		["dynamodb", "endpoint", "us-east-1"],
		["sqs", "endpoint", "us-east-1"],
		["s3", "endpoint", "us-east-1"],
		["s3", "internet", "eu-central-1"],
		["kinesis", "endpoint", "us-east-1"],
		["kinesis", "internet", "eu-*"],
		["sts", "endpoint", "us-east-1"],
		["sns", "endpoint", "us-east-1"],
	}
}

partial(ref, text, deploy) := object.union(unknown(ref, 8), {"partial": text, "deploy_region": deploy})

test_an_unsettled_resource_region_is_not_taken_for_the_deploy_region if {
	table := "arn:aws:dynamodb:*:*:table/t"
	m := with_task_role(with_containers([]), [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": [
		# resources of the inputs are created in the deploy region
		unknown("Fn::GetAtt Table.Arn", 20),
		unknown("aws_dynamodb_table.t.arn", 21),
		unknown("module.data.aws_dynamodb_table.t.arn", 22),
		partial("Fn::GetAtt Table.Arn", "*/index/*", false),
		# ${AWS::Region}, or only the account unsettled (the `*` region is the policy's own)
		partial("Parameter Name", table, true),
		partial("AWS::AccountId", table, false),
		# a region written out, whatever else is unsettled
		partial("Parameter Name", "arn:aws:dynamodb:eu-west-1:*:table/*", false),
		# not settled: a parameter's ARN, an import, a region parameter
		unknown("Parameter TableArn", 2),
		unknown("Fn::ImportValue shared-TableArn", 23),
		partial("Parameter OtherRegion", table, false),
	]}])
	app_regions(m) == {
		["dynamodb", "endpoint", "us-east-1"],
		["dynamodb", "internet", "eu-west-1"],
		["dynamodb", "endpoint", unknown("Parameter TableArn", 2)],
		["dynamodb", "endpoint", unknown("Fn::ImportValue shared-TableArn", 23)],
		["dynamodb", "endpoint", partial("Parameter OtherRegion", table, false)],
	}
}

test_an_aws_managed_broad_statement_keeps_the_deploy_region if {
	aws := "arn:aws:iam::aws:policy/SecretsManagerReadWrite"
	m := object.union(with_task_role(with_containers([]), []), {
		"roles": {"TaskRole": {"managed_policy_arns": [aws]}},
		"managed_policies": {aws: managed(90, [{"Effect": "Allow", "Resource": "*", "Action": [
			"secretsmanager:*", "cloudformation:DescribeChangeSet", "ec2:DescribeSubnets",
			"kms:ListKeys", "lambda:ListFunctions",
		]}])},
	})
	app_regions(m) == {["secretsmanager", "endpoint", "us-east-1"]}
}

test_a_number_names_no_resource if {
	m := with_task_role(with_containers([]), [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": [5]}])
	app_regions(m) == {["sqs", "endpoint", "us-east-1"]}
}
