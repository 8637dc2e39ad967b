package fargate_preflight.rules.fg603_test

import rego.v1

deny_for(changes) := result if {
	w := data.fargate_preflight.lib.calls_test.world(changes)
	m := data.fargate_preflight.lib.calls_test.managed
	result := data.fargate_preflight.rules.fg603.deny with input as w with data.fargate_preflight.aws.managed_policies as m
}

undecided_for(changes) := result if {
	w := data.fargate_preflight.lib.calls_test.world(changes)
	m := data.fargate_preflight.lib.calls_test.managed
	result := data.fargate_preflight.rules.fg603.undecided with input as w with data.fargate_preflight.aws.managed_policies as m
}

# summary: what a user reads of each finding, and where.
summary(findings) := {[f.resource, f.need, f.location.line, f.message] | some f in findings}

refs(undecided) := {[u.unknown.ref, u.service, u.rules] | some u in undecided}

version(v) := object.union(data.fargate_preflight.lib.calls_test.exec_on, {"services": {"Svc": {"platform_version": v}}})

test_versions if {
	summary(deny_for(version("1.3.0"))) == {["Service", null, 1, "service Service has ECS Exec on with platform version 1.3.0; ECS Exec needs 1.4.0 or later"]}
	count(deny_for(version("1.2"))) == 1
	deny_for(version("1.4.0")) == set()
	deny_for(version("LATEST")) == set()
	deny_for(version(null)) == set()
	deny_for(object.union(version("1.0.0"), {"task_definitions": {"Td": {"os_family": "WINDOWS_SERVER_2019_CORE"}}})) == set()
	deny_for({"services": {"Svc": {"platform_version": "1.3.0"}}}) == set()
}
