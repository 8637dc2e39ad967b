package fargate_preflight.lib.iam_terraform_test

import rego.v1

# Terraform attributes of resources the same apply creates, in a policy and in a request
# (lib/rego has the other cases).

src := {"file": "iam.tf", "line": 7, "pointer": ""}

allow(action, resource) := {"Effect": "Allow", "Action": action, "Resource": resource}

deny(action, resource) := {"Effect": "Deny", "Action": action, "Resource": resource}

req(action, resource) := {"action": action, "resource": resource}

decision(statements, request) := data.fargate_preflight.lib.iam.decide(
	[{"name": "P", "document": {"Version": "2012-10-17", "Statement": statements}, "source": src}],
	request, null,
).decision

# nothing known of it
attribute(ref) := {"unknown": sprintf("%s is known only after apply", [ref]), "ref": ref, "source": src}

# only the account unsettled: `"${aws_cloudwatch_log_group.app.arn}:*"` of a group of the plan
account_unknown(partial) := {"unknown": "u", "ref": "AWS::AccountId", "source": src, "partial": partial}

streams := "arn:aws:logs:us-east-1:*:log-group:/ecs/app:log-stream:app/web/*"

# [statements, request, expected decision]
cases := [
	# a repository's `arn` and `repository_url`, a parameter's `arn` and `name`, name one resource
	[[allow("ecr:BatchGetImage", attribute("aws_ecr_repository.app.arn"))], req("ecr:batchgetimage", attribute("aws_ecr_repository.app.repository_url")), "allow"],
	[[allow("ecr:BatchGetImage", attribute("aws_ecr_repository.other.arn"))], req("ecr:batchgetimage", attribute("aws_ecr_repository.app.repository_url")), "undecided"],
	[[allow("ssm:GetParameters", attribute("module.m.aws_ssm_parameter.p[0].arn"))], req("ssm:getparameters", attribute("module.m.aws_ssm_parameter.p[0].name")), "allow"],
	# a log group's ARN does not cover its streams
	[[allow("logs:PutLogEvents", attribute("aws_cloudwatch_log_group.app.arn"))], req("logs:putlogevents", attribute("aws_cloudwatch_log_group.app.name")), "undecided"],
	# a literal `*` beside a part only the account leaves open stays a wildcard
	# (`${aws_cloudwatch_log_group.app.arn}:*`), in an Allow and in a Deny
	[[allow("logs:PutLogEvents", account_unknown("arn:aws:logs:us-east-1:*:log-group:/ecs/app:*"))], req("logs:putlogevents", streams), "allow"],
	[[allow("logs:*", "*"), deny("logs:PutLogEvents", account_unknown("arn:aws:logs:us-east-1:*:log-group:/ecs/app:*"))], req("logs:putlogevents", streams), "explicit_deny"],
	[[allow("logs:PutLogEvents", account_unknown("arn:aws:logs:us-east-1:*:log-group:/ecs/other:*"))], req("logs:putlogevents", streams), "implicit_deny"],
]

test_terraform_attributes if {
	wrong := [[i, got, c[2]] |
		some i, c in cases
		got := decision(c[0], c[1])
		got != c[2]
	]
	wrong == []
	count(cases) == 7
}
