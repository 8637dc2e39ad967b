package fargate_preflight.rules.fg602_test

import rego.v1

deny_for(changes) := result if {
	w := data.fargate_preflight.lib.calls_test.world(changes)
	m := data.fargate_preflight.lib.calls_test.managed
	result := data.fargate_preflight.rules.fg602.deny with input as w with data.fargate_preflight.aws.managed_policies as m
}

undecided_for(changes) := result if {
	w := data.fargate_preflight.lib.calls_test.world(changes)
	m := data.fargate_preflight.lib.calls_test.managed
	result := data.fargate_preflight.rules.fg602.undecided with input as w with data.fargate_preflight.aws.managed_policies as m
}

# summary: what a user reads of each finding, and where.
summary(findings) := {[f.resource, f.need, f.location.line, f.message] | some f in findings}

refs(undecided) := {[u.unknown.ref, u.service, u.rules] | some u in undecided}

test_init_process_on if {
	deny_for(data.fargate_preflight.lib.calls_test.exec_on) == set()
}

test_init_process_off if {
	c := data.fargate_preflight.lib.calls_test.container({"init_process_enabled": false})
	w := object.union(data.fargate_preflight.lib.calls_test.exec_on, {"task_definitions": {"Td": {"containers": [c]}}})
	summary(deny_for(w)) == {["Td", null, 30, concat("", [
		"service Service: task definition Td: container app has no init process ",
		"(linuxParameters.initProcessEnabled), so ECS Exec sessions leave orphaned processes",
	])]}
	deny_for({"task_definitions": {"Td": {"containers": [c]}}}) == set()
}

# A container whose name the inputs do not settle (`${AWS::StackName}-app`) is named by what is
# known of it, not printed as the unknown object.
test_a_container_name_not_settled if {
	name := {"unknown": "the stack name is not given", "ref": "AWS::StackName", "partial": "*-app", "source": {}}
	c := data.fargate_preflight.lib.calls_test.container({"init_process_enabled": false, "name": name})
	w := object.union(data.fargate_preflight.lib.calls_test.exec_on, {"task_definitions": {"Td": {"containers": [c]}}})
	[f] := [finding | some finding in deny_for(w)]
	startswith(f.message, "service Service: task definition Td: container *-app has no init process")
	f.fix == "Set LinuxParameters.InitProcessEnabled to true on container *-app."
}
