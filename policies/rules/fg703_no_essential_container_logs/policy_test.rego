package fargate_preflight.rules.fg703_test

import rego.v1

src := {"file": "td.json", "line": 2, "pointer": ""}

container(name, line, fields) := object.union(
	{
		"name": name, "image": "nginx", "essential": true, "log_driver": null, "log_options": {},
		"source": {"file": "td.json", "line": line, "pointer": ""},
	},
	fields,
)

td(containers, fields) := object.union(
	{
		"id": "App", "name": "App", "family": "app", "source": src,
		"network_mode": "awsvpc", "requires_compatibilities": ["FARGATE"], "containers": containers,
	},
	fields,
)

svc(name, fields) := object.union(
	{
		"id": name, "name": name, "kind": "service", "source": src, "cluster": null,
		"task_definition": "App", "launch_type": "FARGATE", "capacity_provider_strategy": null,
	},
	fields,
)

unknown_driver := {"unknown": "parameter LogDriver has no value", "ref": "Parameter LogDriver", "source": src}

unknown_essential := {"unknown": "parameter Essential has no value", "ref": "Parameter Essential", "source": src}

deny_for(tdef) := result if {
	result := data.fargate_preflight.rules.fg703.deny with input as {"task_definitions": {"App": tdef}, "services": {}}
}

undecided_for(tdef) := result if {
	result := data.fargate_preflight.rules.fg703.undecided with input as {"task_definitions": {"App": tdef}, "services": {}}
}

test_fires_when_the_only_container_has_no_logs if {
	deny_for(td([container("app", 7, {})], {})) == {{
		"resource": "App",
		"service": null,
		"need": null,
		"message": "task definition App: no essential container has a log configuration (essential: app), so a failed task leaves no logs",
		"fix": "Add a logConfiguration (for example the awslogs driver) to essential container app.",
		"hop": null,
		"location": {"file": "td.json", "line": 7},
		"level": null,
	}}
}

# A container named by a parameter without value (`Name: !Ref ContainerName`): before, concat
# stopped regorus on it (exit 3).
test_an_unsettled_container_name_is_shown_by_its_ref if {
	name := {"unknown": "parameter ContainerName has no value", "ref": "Parameter ContainerName", "source": src}
	[finding] := [f | some f in deny_for(td([container(name, 7, {})], {}))]
	finding.message == "task definition App: no essential container has a log configuration (essential: <Parameter ContainerName>), so a failed task leaves no logs"
	finding.fix == "Add a logConfiguration (for example the awslogs driver) to essential container <Parameter ContainerName>."
}

test_fires_when_only_a_non_essential_container_logs if {
	containers := [
		container("sidecar", 5, {"essential": false, "log_driver": "awslogs"}),
		container("app", 9, {}),
		container("worker", 12, {}),
	]
	{[f.message, f.fix, f.location.line] | some f in deny_for(td(containers, {}))} == {[
		"task definition App: no essential container has a log configuration (essential: app, worker), so a failed task leaves no logs",
		"Add a logConfiguration (for example the awslogs driver) to essential container app or worker.",
		9,
	]}
}

test_fires_per_fargate_service if {
	findings := data.fargate_preflight.rules.fg703.deny with input as {
		"task_definitions": {"App": td([container("app", 7, {})], {})},
		"services": {"Web": svc("Web", {}), "Job": svc("Job", {"kind": "task"})},
	}
	{[f.service, f.message] | some f in findings} == {
		["Web", "service Web: task definition App: no essential container has a log configuration (essential: app), so a failed task leaves no logs"],
		["Job", "task Job: task definition App: no essential container has a log configuration (essential: app), so a failed task leaves no logs"],
	}
}

test_silent_when_an_essential_container_logs if {
	containers := [container("app", 7, {}), container("router", 9, {"log_driver": "awsfirelens"})]
	count(deny_for(td(containers, {}))) == 0
	count(undecided_for(td(containers, {}))) == 0
}

test_silent_when_not_fargate_compatible if {
	count(deny_for(td([container("app", 7, {})], {"requires_compatibilities": ["EC2"]}))) == 0
}

test_silent_without_essential_containers if {
	count(deny_for(td([container("app", 7, {"essential": false})], {}))) == 0
}

test_unknown_log_driver_is_undecided if {
	tdef := td([container("app", 7, {"log_driver": unknown_driver})], {})
	count(deny_for(tdef)) == 0
	undecided_for(tdef) == {{"unknown": unknown_driver, "service": null, "rules": ["FG703"]}}
}

test_unknown_essential_of_a_logging_container_is_undecided if {
	tdef := td(
		[container("app", 7, {}), container("router", 9, {"essential": unknown_essential, "log_driver": "awslogs"})],
		{},
	)
	count(deny_for(tdef)) == 0
	undecided_for(tdef) == {{"unknown": unknown_essential, "service": null, "rules": ["FG703"]}}
}

test_unknown_essential_without_logs_does_not_matter if {
	tdef := td([container("app", 7, {}), container("extra", 9, {"essential": unknown_essential})], {})
	{f.message | some f in deny_for(tdef)} == {"task definition App: no essential container has a log configuration (essential: app), so a failed task leaves no logs"}
	count(undecided_for(tdef)) == 0
}

test_unknown_compatibility_is_undecided if {
	unknown_compat := {"unknown": "x", "ref": "Parameter Compat", "source": src}
	tdef := td([container("app", 7, {})], {"requires_compatibilities": unknown_compat})
	count(deny_for(tdef)) == 0
	undecided_for(tdef) == {{"unknown": unknown_compat, "service": null, "rules": ["FG703"]}}
	logged := td([container("app", 7, {"log_driver": "awslogs"})], {"requires_compatibilities": unknown_compat})
	count(undecided_for(logged)) == 0
}
