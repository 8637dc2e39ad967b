package fargate_preflight.lib.iam_cfn_test

import rego.v1

# CloudFormation attributes of resources the template creates, in a policy and in a request
# (scanner/sources/cfn/cursor.py gives them; lib/iam_test.rego has the other cases).

src := {"file": "t.yaml", "line": 7, "pointer": ""}

allow(action, resource) := {"Effect": "Allow", "Action": action, "Resource": resource}

deny(action, resource) := {"Effect": "Deny", "Action": action, "Resource": resource}

req(action, resource) := {"action": action, "resource": resource}

decision(statements, request) := data.fargate_preflight.lib.iam.decide(
	[{"name": "P", "document": {"Version": "2012-10-17", "Statement": statements}, "source": src}],
	request, null,
).decision

# an attribute of a resource whose name deployment makes up, with what its type settles
attribute(ref, partial) := {"unknown": sprintf("%s is only known after deployment", [ref]), "ref": ref, "source": src, "partial": partial}

# `!GetAtt LogGroup.Arn` of a group named /ecs/app without --region: only the deploy region
# (and the account) unsettled, matched like `${AWS::Region}`
by_region(partial) := {"unknown": "u", "ref": "AWS::Region", "source": src, "partial": partial, "deploy_region": true}

streams := "arn:aws:logs:us-east-1:*:log-group:/ecs/app:log-stream:app/web/*"

repositories := "arn:aws:ecr:us-east-1:*:repository/*"

images := "*.dkr.ecr.us-east-1.amazonaws.com/*"

# [statements, request, expected decision]
cases := [
	# `!GetAtt Repo.Arn` names the repository of the image `!GetAtt Repo.RepositoryUri`
	[[allow("ecr:BatchGetImage", attribute("Fn::GetAtt Repo.Arn", repositories))], req("ecr:batchgetimage", attribute("Fn::GetAtt Repo.RepositoryUri", images)), "allow"],
	[[allow("ecr:BatchGetImage", attribute("Fn::GetAtt Other.Arn", repositories))], req("ecr:batchgetimage", attribute("Fn::GetAtt Repo.RepositoryUri", images)), "undecided"],
	# a named group's `Fn::GetAtt Arn` (`log-group:NAME:*`, its streams), also with `:*` after
	# it (`!Sub "${LogGroup.Arn}:*"`), in an Allow and a Deny; another group's does not
	[[allow("logs:PutLogEvents", by_region("arn:*:logs:*:*:log-group:/ecs/app:*"))], req("logs:putlogevents", streams), "allow"],
	[[allow("logs:PutLogEvents", by_region("arn:*:logs:*:*:log-group:/ecs/app:*:*"))], req("logs:putlogevents", streams), "allow"],
	[[allow("logs:*", "*"), deny("logs:PutLogEvents", by_region("arn:*:logs:*:*:log-group:/ecs/app:*"))], req("logs:putlogevents", streams), "explicit_deny"],
	[[allow("logs:PutLogEvents", by_region("arn:*:logs:*:*:log-group:/ecs/other:*"))], req("logs:putlogevents", streams), "implicit_deny"],
	# a group whose name deployment makes up may be the task's
	[[allow("logs:PutLogEvents", attribute("Fn::GetAtt AuditGroup.Arn", "arn:aws:logs:us-east-1:*:log-group:*:*"))], req("logs:putlogevents", streams), "undecided"],
]

test_cloudformation_attributes if {
	wrong := [[i, got, c[2]] |
		some i, c in cases
		got := decision(c[0], c[1])
		got != c[2]
	]
	wrong == []
	count(cases) == 7
}
