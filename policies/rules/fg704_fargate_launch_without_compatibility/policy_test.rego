package fargate_preflight.rules.fg704_test

import rego.v1

src := {"file": "td.json", "line": 4, "pointer": ""}

svc_src := {"file": "run.json", "line": 1, "pointer": ""}

td(fields) := object.union(
	{
		"id": "App", "name": "App", "family": "app", "source": src,
		"network_mode": "awsvpc", "requires_compatibilities": ["EC2"],
	},
	fields,
)

svc(name, fields) := object.union(
	{
		"id": name, "name": name, "kind": "service", "source": svc_src, "cluster": null,
		"task_definition": "App", "launch_type": "FARGATE", "capacity_provider_strategy": null,
	},
	fields,
)

unknown_compat := {"unknown": "parameter Compat has no value", "ref": "Parameter Compat", "source": src}

deny_for(tds, services) := result if {
	result := data.fargate_preflight.rules.fg704.deny with input as {"task_definitions": tds, "services": services, "clusters": {}}
}

undecided_for(tds, services) := result if {
	result := data.fargate_preflight.rules.fg704.undecided with input as {"task_definitions": tds, "services": services, "clusters": {}}
}

test_fires_for_launch_type_fargate if {
	deny_for({"App": td({})}, {"Web": svc("Web", {})}) == {{
		"resource": "App",
		"service": "Web",
		"need": null,
		"message": "service Web runs on Fargate (launchType FARGATE) but its task definition App does not list FARGATE in requiresCompatibilities (it lists EC2)",
		"fix": "Add FARGATE to requiresCompatibilities of task definition App (Fargate also needs networkMode awsvpc and task-level cpu and memory), or launch service Web on EC2.",
		"hop": null,
		"location": {"file": "td.json", "line": 4},
		"level": null,
	}}
}

test_fires_for_a_fargate_capacity_provider_strategy if {
	strategy := [{"capacity_provider": "FARGATE_SPOT", "weight": 1, "base": 0}]
	findings := deny_for(
		{"App": td({"requires_compatibilities": []})},
		{"Job": svc("Job", {"kind": "task", "launch_type": null, "capacity_provider_strategy": strategy})},
	)
	{f.message | some f in findings} == {"task Job runs on Fargate (capacity provider strategy) but its task definition App does not list FARGATE in requiresCompatibilities (it lists none)"}
}

test_silent_when_the_task_definition_lists_fargate if {
	count(deny_for({"App": td({"requires_compatibilities": ["EC2", "FARGATE"]})}, {"Web": svc("Web", {})})) == 0
}

test_silent_when_not_launched_on_fargate if {
	count(deny_for({"App": td({})}, {"Web": svc("Web", {"launch_type": "EC2"})})) == 0
	count(undecided_for({}, {"Web": svc("Web", {"launch_type": "EC2", "task_definition": "Missing"})})) == 0
}

test_missing_task_definition_is_undecided if {
	count(deny_for({}, {"Web": svc("Web", {"task_definition": "app:4"})})) == 0
	undecided_for({}, {"Web": svc("Web", {"task_definition": "app:4"})}) == {{
		"unknown": {
			"unknown": "task definition app:4 is not in the scanned inputs",
			"ref": "task definition app:4",
			"source": svc_src,
		},
		"service": "Web",
		"rules": ["FG704"],
	}}
}

test_unknown_task_definition_reference_is_undecided if {
	ref := {"unknown": "task definition app:4 is not in the scanned inputs", "ref": "task definition app:4", "source": svc_src}
	undecided_for({}, {"Web": svc("Web", {"task_definition": ref})}) == {{"unknown": ref, "service": "Web", "rules": ["FG704"]}}
}

test_unknown_compatibility_is_undecided if {
	tds := {"App": td({"requires_compatibilities": ["EC2", unknown_compat]})}
	count(deny_for(tds, {"Web": svc("Web", {})})) == 0
	undecided_for(tds, {"Web": svc("Web", {})}) == {{"unknown": unknown_compat, "service": "Web", "rules": ["FG704"]}}
	whole := {"App": td({"requires_compatibilities": unknown_compat})}
	count(deny_for(whole, {"Web": svc("Web", {})})) == 0
	undecided_for(whole, {"Web": svc("Web", {})}) == {{"unknown": unknown_compat, "service": "Web", "rules": ["FG704"]}}
}

test_unknown_compatibility_next_to_fargate_is_settled if {
	tds := {"App": td({"requires_compatibilities": ["FARGATE", unknown_compat]})}
	count(deny_for(tds, {"Web": svc("Web", {})})) == 0
	count(undecided_for(tds, {"Web": svc("Web", {})})) == 0
}
