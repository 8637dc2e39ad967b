package fargate_preflight.lib.identity_test

import rego.v1

# Unknowns that carry which value each unsettled part is (docs/model.md `identity`; lib/partial_arn.rego,
# compared), as scanner/sources/cfn/ gives them: the name CloudFormation makes up for a resource of
# the template (`<#X>`: no other resource's), a stack's name or parameter (`<=...>`: the same
# value wherever that stack uses it). The helpers are lib/iam_test.rego's.

src := data.fargate_preflight.lib.iam_test.src

allow(action, resource) := data.fargate_preflight.lib.iam_test.allow(action, resource)

req(action, resource) := data.fargate_preflight.lib.iam_test.req(action, resource)

decision(statements, request) := data.fargate_preflight.lib.iam_test.decision(statements, request)

endpoint_decision(principal, caller_arn) := data.fargate_preflight.lib.iam_test.endpoint_decision(principal, caller_arn)

# an unknown of ref `ref`, its `partial` the identity's tokens as `*` (none for a bare name)
known_as(ref, identity) := object.union(
	{"unknown": sprintf("%s is only known after deployment", [ref]), "ref": ref, "source": src, "identity": identity},
	partial_of(identity),
)

partial_of(identity) := {} if {
	regex.match(`^<[#=][^<>]*>$`, identity)
} else := {"partial": regex.replace(identity, `<[#=][^<>]*>`, "*")}

# `!GetAtt X.Arn` of an unnamed log group, and the streams of the group the task names by `!Ref Y`
# (lib/calls.rego, named, builds the request from `<#Y>`)
group_arn(logical) := known_as(sprintf("Fn::GetAtt %s.Arn", [logical]), sprintf("arn:aws:logs:us-east-1:*:log-group:<#%s>:*", [logical]))

streams_of(logical) := known_as(sprintf("Ref %s", [logical]), sprintf("arn:aws:logs:us-east-1:*:log-group:<#%s>:log-stream:app/web/*", [logical]))

bucket_arn(logical, after) := known_as(sprintf("Fn::GetAtt %s.Arn", [logical]), sprintf("arn:aws:s3:::<#%s>%s", [logical, after]))

# `/ecs/${AWS::StackName}` of stack `stack`
stack_streams(stack) := known_as(
	sprintf("AWS::StackName %s", [stack]),
	sprintf("arn:aws:logs:us-east-1:*:log-group:/ecs/<=AWS%%3A%%3AStackName%%20%s>:log-stream:app/web/*", [stack]),
)

stack_group(stack) := known_as(
	sprintf("AWS::StackName %s", [stack]),
	sprintf("arn:*:logs:us-east-1:*:log-group:/ecs/<=AWS%%3A%%3AStackName%%20%s>:*", [stack]),
)

role_arn(logical) := known_as(sprintf("Fn::GetAtt %s.Arn", [logical]), sprintf("arn:aws:iam::*:role/<#%s>", [logical]))

# Two resources of the template are two names, one resource one name, and what follows the name
# counts. Before: the first, and both with the wrong suffix, undecided (FG801); the next two
# allowed (a reference to the bucket covered its objects, and its objects the bucket).
# [statements, request, expected decision]
cases := [
	# k03: the policy on another unnamed group than the task's
	[[allow("logs:PutLogEvents", group_arn("AuditGroup"))], req("logs:putlogevents", streams_of("AppGroup")), "implicit_deny"],
	[[allow("logs:PutLogEvents", group_arn("AppGroup"))], req("logs:putlogevents", streams_of("AppGroup")), "allow"],
	# ECS Exec's unnamed bucket: s3:PutObject on its objects, s3:GetEncryptionConfiguration on it
	[[allow("s3:PutObject", bucket_arn("ExecBucket", ""))], req("s3:putobject", bucket_arn("ExecBucket", "/exec*")), "implicit_deny"],
	[[allow("s3:GetEncryptionConfiguration", bucket_arn("ExecBucket", "/*"))], req("s3:getencryptionconfiguration", bucket_arn("ExecBucket", "")), "implicit_deny"],
	[[allow("s3:PutObject", bucket_arn("ExecBucket", "/*"))], req("s3:putobject", bucket_arn("ExecBucket", "/exec*")), "allow"],
	[[allow("s3:GetEncryptionConfiguration", bucket_arn("ExecBucket", ""))], req("s3:getencryptionconfiguration", bucket_arn("ExecBucket", "")), "allow"],
	[[allow("s3:PutObject", bucket_arn("Other", "/*"))], req("s3:putobject", bucket_arn("ExecBucket", "/exec*")), "implicit_deny"],
	# n01: one stack's name on both sides; another stack's may be the same or not
	[[allow("logs:PutLogEvents", stack_group("a.yaml"))], req("logs:putlogevents", stack_streams("a.yaml")), "allow"],
	[[allow("logs:PutLogEvents", stack_group("b.yaml"))], req("logs:putlogevents", stack_streams("a.yaml")), "undecided"],
	# a group named by the stack's name is not one whose name CloudFormation makes up
	[[allow("logs:PutLogEvents", group_arn("AuditGroup"))], req("logs:putlogevents", stack_streams("a.yaml")), "undecided"],
	# a policy value whose known parts start with a wildcard (`*:log-stream:*`: a piece of
	# `!GetAtt Group.Arn` and `:log-stream:*`, no identity) may name the group's streams
	# (before: "names no logs resource", implicit_deny, a false FG104; field test 18, g10)
	[[allow("logs:PutLogEvents", {"unknown": "a piece", "ref": "Fn::Split ':*' of Fn::GetAtt G.Arn", "source": src, "partial": "*:log-stream:*"})], req("logs:putlogevents", streams_of("G")), "undecided"],
	# an identity that no longer agrees with the partial (an ARN made without it) is not read
	[[allow("logs:PutLogEvents", group_arn("AuditGroup"))], req("logs:putlogevents", object.union(streams_of("AppGroup"), {"partial": "arn:aws:logs:us-east-1:*:log-group:*"})), "undecided"],
]

test_identities_of_resources if {
	wrong := [[i, got, c[2]] |
		some i, c in cases
		got := decision(c[0], c[1])
		got != c[2]
	]
	wrong == []
	count(cases) == 12
}

# n05: an endpoint policy whose only principal is another role of the template (before: undecided)
test_identities_of_roles if {
	endpoint_decision({"AWS": role_arn("TaskRole")}, role_arn("ExecRole")) == "implicit_deny"
	endpoint_decision({"AWS": role_arn("ExecRole")}, role_arn("ExecRole")) == "allow"
	endpoint_decision({"AWS": [role_arn("TaskRole"), role_arn("ExecRole")]}, role_arn("ExecRole")) == "allow"
	endpoint_decision({"AWS": "arn:aws:iam::123456789012:role/orders-exec"}, role_arn("ExecRole")) == "undecided"
}

test_compared if {
	data.fargate_preflight.lib.partial_arn.compared(group_arn("A"), streams_of("B")) == [
		"arn:aws:logs:us-east-1:-:log-group:<#A>:*",
		"arn:aws:logs:us-east-1:-:log-group:<#B>:log-stream:app/web/*",
		false,
	]
	data.fargate_preflight.lib.partial_arn.compared(stack_group("b.yaml"), stack_streams("a.yaml")) == [
		"arn:*:logs:us-east-1:-:log-group:/ecs/*:*",
		"arn:aws:logs:us-east-1:-:log-group:/ecs/*:log-stream:app/web/*",
		true,
	]
}

# A pattern without wildcards matches its own text only (lib/partial_arn.rego, fits).
test_a_pattern_without_wildcards if {
	not data.fargate_preflight.lib.partial_arn.may_match("arn:aws:s3:::logs", "arn:aws:s3:::*/exec*")
	not data.fargate_preflight.lib.partial_arn.may_match("arn:aws:s3:::logs", "arn:aws:s3:::l*x")
	data.fargate_preflight.lib.partial_arn.may_match("arn:aws:s3:::logs", "arn:aws:s3:::l*s")
	data.fargate_preflight.lib.partial_arn.may_match("arn:aws:s3:::logs", "arn:aws:s3:::*")
}
