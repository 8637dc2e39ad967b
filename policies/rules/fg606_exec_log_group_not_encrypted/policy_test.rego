package fargate_preflight.rules.fg606_test

import rego.v1

# The cluster of the test world logs ECS Exec sessions to CloudWatch Logs, with `log` as its
# logConfiguration (and `logging`), and the inputs define the log group ExecLogs (`group`).
world(logging, log, group) := object.union_n([
	data.fargate_preflight.lib.calls_test.exec_on,
	{"clusters": {"Cluster": {"execute_command_configuration": {"logging": logging, "logConfiguration": log}}}},
	{"log_groups": {"ExecLogs": object.union(
		{"id": "ExecLogs", "name": "ExecLogs", "source": data.fargate_preflight.lib.calls_test.src(30), "group_name": name, "kms_key_id": null},
		group,
	)}},
])

deny_for(changes) := result if {
	w := data.fargate_preflight.lib.calls_test.world(changes)
	result := data.fargate_preflight.rules.fg606.deny with input as w
}

undecided_for(changes) := result if {
	w := data.fargate_preflight.lib.calls_test.world(changes)
	result := data.fargate_preflight.rules.fg606.undecided with input as w
}

summary(findings) := {[f.resource, f.service, f.location.line, f.message] | some f in findings}

refs(undecided) := {[u.unknown.ref, u.service, u.rules] | some u in undecided}

# `!Ref ExecLogs` of a group without LogGroupName: only deployment names it (docs/model.md)
name := {"unknown": "u", "ref": "Ref ExecLogs", "source": data.fargate_preflight.lib.calls_test.src(40), "identity": "<#ExecLogs>"}

encrypted(flag) := {"cloudWatchLogGroupName": name, "cloudWatchEncryptionEnabled": flag}

parameter(p) := {"unknown": sprintf("parameter %s has no value", [p]), "ref": sprintf("Parameter %s", [p]), "source": data.fargate_preflight.lib.calls_test.src(3)}

test_encryption_required_of_a_group_without_key if {
	summary(deny_for(world("OVERRIDE", encrypted(true), {}))) == {["ExecLogs", "Service", 30, concat("", [
		"service Service: task definition Td: the cluster's ECS Exec logging requires an encrypted log group ",
		"(cloudWatchEncryptionEnabled), but log group ExecLogs has no KMS key, so the SSM agent refuses every ",
		"session (\"encryption is not set up on the selected CloudWatch Logs log group\")",
	])]}
	count(deny_for(world("override", encrypted("true"), {}))) == 1
	undecided_for(world("OVERRIDE", encrypted(true), {})) == set()

	# by its name
	by_name := world("OVERRIDE", {"cloudWatchLogGroupName": "/exec", "cloudWatchEncryptionEnabled": true}, {"group_name": "/exec"})
	count(deny_for(by_name)) == 1
}

test_nothing_without_the_three if {
	key := {"unknown": "u", "ref": "Fn::GetAtt LogsKey.Arn", "source": data.fargate_preflight.lib.calls_test.src(31), "partial": "arn:aws:kms:us-east-1:*:key/*"}
	cases := [
		world("OVERRIDE", encrypted(true), {"kms_key_id": "arn:aws:kms:us-east-1:123456789012:key/1"}),
		world("OVERRIDE", encrypted(true), {"kms_key_id": key}),
		world("OVERRIDE", encrypted(false), {}),
		world("OVERRIDE", {"cloudWatchLogGroupName": name}, {}),
		world("DEFAULT", encrypted(true), {}),
		world("NONE", encrypted(true), {}),
		# another group: not one of the inputs
		world("OVERRIDE", {"cloudWatchLogGroupName": "/other", "cloudWatchEncryptionEnabled": true}, {"group_name": "/exec"}),
		world("OVERRIDE", {"cloudWatchLogGroupName": {"unknown": "u", "ref": "Ref Other", "source": data.fargate_preflight.lib.calls_test.src(41), "identity": "<#Other>"}, "cloudWatchEncryptionEnabled": true}, {}),
	]
	every w in cases {
		deny_for(w) == set()
		undecided_for(w) == set()
	}
}

test_exec_off_or_on_ec2 if {
	w := world("OVERRIDE", encrypted(true), {})
	deny_for(object.union(w, {"services": {"Svc": {"enable_execute_command": false}}})) == set()
	deny_for(object.union(w, {"services": {"Svc": {"launch_type": "EC2"}}})) == set()
}

test_unsettled_values_are_undecided if {
	flag := parameter("Encrypt")
	deny_for(world("OVERRIDE", encrypted(flag), {})) == set()
	refs(undecided_for(world("OVERRIDE", encrypted(flag), {}))) == {["Parameter Encrypt", "Service", ["FG606"]]}

	logging := parameter("Logging")
	deny_for(world(logging, encrypted(true), {})) == set()
	refs(undecided_for(world(logging, encrypted(true), {}))) == {["Parameter Logging", "Service", ["FG606"]]}

	# a key a parameter or condition gives: maybe none
	key := parameter("LogsKey")
	deny_for(world("OVERRIDE", encrypted(true), {"kms_key_id": key})) == set()
	refs(undecided_for(world("OVERRIDE", encrypted(true), {"kms_key_id": key}))) == {["Parameter LogsKey", "Service", ["FG606"]]}

	# a settled "no" wins over an unsettled value
	undecided_for(world("OVERRIDE", encrypted(false), {"kms_key_id": key})) == set()
	undecided_for(world("DEFAULT", encrypted(flag), {})) == set()
}

# `logging` known only after apply (a Terraform unknown), as a parameter's; any case of
# OVERRIDE is OVERRIDE. A whole exec configuration a condition may leave out names no group of
# the inputs (as an unsettled group name: not checked).
test_unsettled_or_lower_case_logging if {
	after_apply := {"unknown": "known after apply", "ref": "aws_ecs_cluster.main.configuration[0].execute_command_configuration[0].logging", "source": data.fargate_preflight.lib.calls_test.src(9)}
	deny_for(world(after_apply, encrypted(true), {})) == set()
	refs(undecided_for(world(after_apply, encrypted(true), {}))) == {[after_apply.ref, "Service", ["FG606"]]}

	count(deny_for(world("override", encrypted(true), {}))) == 1

	conditional := object.union_n([
		data.fargate_preflight.lib.calls_test.exec_on,
		{"clusters": {"Cluster": {"execute_command_configuration": parameter("Audit")}}},
		{"log_groups": world("OVERRIDE", encrypted(true), {}).log_groups},
	])
	deny_for(conditional) == set()
	undecided_for(conditional) == set()
}
