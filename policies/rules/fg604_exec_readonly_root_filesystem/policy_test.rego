package fargate_preflight.rules.fg604_test

import rego.v1

deny_for(changes) := result if {
	w := data.fargate_preflight.lib.calls_test.world(changes)
	m := data.fargate_preflight.lib.calls_test.managed
	result := data.fargate_preflight.rules.fg604.deny with input as w with data.fargate_preflight.aws.managed_policies as m
}

undecided_for(changes) := result if {
	w := data.fargate_preflight.lib.calls_test.world(changes)
	m := data.fargate_preflight.lib.calls_test.managed
	result := data.fargate_preflight.rules.fg604.undecided with input as w with data.fargate_preflight.aws.managed_policies as m
}

# summary: what a user reads of each finding, and where.
summary(findings) := {[f.resource, f.need, f.location.line, f.message] | some f in findings}

refs(undecided) := {[u.unknown.ref, u.service, u.rules] | some u in undecided}

readonly(mounts) := object.union(data.fargate_preflight.lib.calls_test.exec_on, {"task_definitions": {"Td": {"containers": [data.fargate_preflight.lib.calls_test.container({"readonly_root_filesystem": true, "mount_points": mounts})]}}})

mount(path, ro) := {"source_volume": "v", "container_path": path, "read_only": ro}

test_readonly_root if {
	[f] := [x | some x in deny_for(readonly([]))]
	[f.level, f.location.line] == ["error", 30]
	f.message == "service Service: task definition Td: container app has a read-only root file system, so the ECS Exec agent cannot write its files and exec sessions fail"
}

test_workaround_volumes_make_it_a_note if {
	[f] := [x | some x in deny_for(readonly([mount("/var/lib/amazon/ssm", false), mount("/var/log/amazon/ssm", false), mount("/managed-agents", false)]))]
	f.level == "note"
	[g] := [x | some x in deny_for(readonly([mount("/var/lib/amazon/ssm", false), mount("/var/log/amazon/ssm", true), mount("/managed-agents", false)]))]
	g.level == "error"
}

test_writable_root if {
	deny_for(data.fargate_preflight.lib.calls_test.exec_on) == set()
}
