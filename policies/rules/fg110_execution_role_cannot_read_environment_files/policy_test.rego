package fargate_preflight.rules.fg110_test

import rego.v1

deny_for(changes) := result if {
	w := data.fargate_preflight.lib.calls_test.world(changes)
	m := data.fargate_preflight.lib.calls_test.managed
	result := data.fargate_preflight.rules.fg110.deny with input as w with data.fargate_preflight.aws.managed_policies as m
}

undecided_for(changes) := result if {
	w := data.fargate_preflight.lib.calls_test.world(changes)
	m := data.fargate_preflight.lib.calls_test.managed
	result := data.fargate_preflight.rules.fg110.undecided with input as w with data.fargate_preflight.aws.managed_policies as m
}

file := "arn:aws:s3:::app-config/prod/app.env"

# with_files puts the environment files in the container and the statements in the execution
# role (beside AmazonECSTaskExecutionRolePolicy).
with_files(files, statements) := object.union(
	{"task_definitions": {"Td": data.fargate_preflight.lib.calls_test.task_definition({"containers": [
		data.fargate_preflight.lib.calls_test.container({"environment_files": files}),
	]})}},
	{"roles": {"ExecRole": data.fargate_preflight.lib.calls_test.role(
		"ExecRole", 40,
		[data.fargate_preflight.lib.calls_test.inline("files", statements, 45)],
		[data.fargate_preflight.lib.calls_test.execution_policy],
	)}},
)

read := data.fargate_preflight.lib.calls_test.statement("s3:GetObject", "arn:aws:s3:::app-config/*")

locate := data.fargate_preflight.lib.calls_test.statement("s3:GetBucketLocation", "arn:aws:s3:::app-config")

test_silent_without_environment_files if {
	deny_for({}) == set()
}

test_silent_when_the_role_reads_the_file_and_locates_its_bucket if {
	deny_for(with_files([file], [read, locate])) == set()
}

test_fires_when_the_execution_role_has_only_the_managed_policy if {
	{[f.resource, f.need, f.location.line, f.message] | some f in deny_for(with_files([file], []))} == {
		["ExecRole", "s3", 40, concat("", [
			"service Service: task definition Td: execution role ExecRole is not authorized to perform: ",
			"s3:GetObject on resource: ", file, " because no identity-based policy allows the s3:GetObject ",
			"action (needed for environment file ", file, " (container app))",
		])],
		["ExecRole", "s3", 40, concat("", [
			"service Service: task definition Td: execution role ExecRole is not authorized to perform: ",
			"s3:GetBucketLocation on resource: arn:aws:s3:::app-config because no identity-based policy ",
			"allows the s3:GetBucketLocation action (needed for environment file ", file, " (container app))",
		])],
	}
}

test_fires_for_the_bucket_location_alone if {
	[f] := [x | some x in deny_for(with_files([file], [read]))]
	f.fix == "Allow s3:GetBucketLocation on arn:aws:s3:::app-config for execution role ExecRole."
}

# An unsettled file may or may not be in the bucket the role reads: undecided. With no
# statement for s3:GetObject at all, it is denied whatever the file is.
test_an_unsettled_file_is_undecided_when_a_statement_might_cover_it if {
	unsettled := {"unknown": "parameter EnvFile has no default", "ref": "Parameter EnvFile", "source": {"file": "app.yaml", "line": 3, "pointer": ""}}
	deny_for(with_files([unsettled], [read, locate])) == set()
	{[u.unknown.ref, u.rules] | some u in undecided_for(with_files([unsettled], [read, locate]))} == {["Parameter EnvFile", ["FG110"]]}
	count(deny_for(with_files([unsettled], []))) == 2
}

# A file in a bucket the inputs do not settle (`!Sub "arn:aws:s3:::${ConfigBucketName}/prod.env"`):
# s3:GetBucketLocation is asked on its bucket, which the policy's bucket may be (a note that
# reaches FG801), but an object pattern never is. Before, it was asked on the object's ARN: a
# false FG110 for `arn:aws:s3:::*/prod.env`, and none for a policy on `...:::config-*/prod.env`.
test_the_bucket_of_a_file_known_in_part if {
	unsettled := {
		"unknown": "parameter ConfigBucketName has no default", "ref": "Parameter ConfigBucketName",
		"source": {"file": "app.yaml", "line": 3, "pointer": ""}, "partial": "arn:aws:s3:::*/prod.env",
	}
	w := with_files([unsettled], [read, locate])
	deny_for(w) == set()
	{[u.unknown.partial, u.rules] | some u in undecided_for(w)} == {["arn:aws:s3:::*", ["FG110"]], ["arn:aws:s3:::*/prod.env", ["FG110"]]}
	notes := data.fargate_preflight.rules.fg801.deny with input as data.fargate_preflight.lib.calls_test.world(w)
		with data.fargate_preflight.aws.managed_policies as data.fargate_preflight.lib.calls_test.managed
	{f.message | some f in notes} == {"Parameter ConfigBucketName is not settled (parameter ConfigBucketName has no default): it blocks FG110 for service Service"}

	object_pattern := data.fargate_preflight.lib.calls_test.statement("s3:GetBucketLocation", "arn:aws:s3:::*/prod.env")
	{[f.message] | some f in deny_for(with_files([unsettled], [read, object_pattern]))} == {[concat("", [
		"service Service: task definition Td: execution role ExecRole is not authorized to perform: ",
		"s3:GetBucketLocation on resource: arn:aws:s3:::* because no identity-based policy allows the ",
		"s3:GetBucketLocation action (needed for environment file arn:aws:s3:::*/prod.env (container app))",
	])]}
}
