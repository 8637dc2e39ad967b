package fargate_preflight.rules.fg701_test

import rego.v1

src := {"file": "td.json", "line": 1, "pointer": ""}

td(fields) := object.union(
	{
		"id": "App", "name": "App", "family": "app", "source": src,
		"network_mode": "awsvpc", "requires_compatibilities": ["FARGATE"],
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

unknown_mode := {"unknown": "parameter Mode has no value", "ref": "Parameter Mode", "source": src}

unknown_compat := {"unknown": "parameter Compat has no value", "ref": "Parameter Compat", "source": src}

deny_for(tds, services) := result if {
	result := data.fargate_preflight.rules.fg701.deny with input as {"task_definitions": tds, "services": services}
}

undecided_for(tds, services) := result if {
	result := data.fargate_preflight.rules.fg701.undecided with input as {"task_definitions": tds, "services": services}
}

test_fires_for_bridge_without_service if {
	deny_for({"App": td({"network_mode": "bridge"})}, {}) == {{
		"resource": "App",
		"service": null,
		"need": null,
		"message": "task definition App lists FARGATE in requiresCompatibilities but its networkMode is bridge; Fargate supports only awsvpc",
		"fix": "Set networkMode to awsvpc (without networkMode, ECS uses bridge).",
		"hop": null,
		"location": {"file": "td.json", "line": 1},
		"level": null,
	}}
}

test_points_at_the_network_mode_where_it_is_written if {
	mode_src := {"file": "td.json", "line": 3, "pointer": "/networkMode"}
	findings := deny_for({"App": td({"network_mode": "bridge", "network_mode_source": mode_src})}, {})
	{f.location | some f in findings} == {{"file": "td.json", "line": 3}}
}

test_fires_once_per_fargate_service_running_it if {
	findings := deny_for(
		{"App": td({"network_mode": "host", "requires_compatibilities": ["EC2", "FARGATE"]})},
		{
			"Web": svc("Web", {}),
			"Worker": svc("Worker", {"kind": "task"}),
			"OnEc2": svc("OnEc2", {"launch_type": "EC2"}),
		},
	)
	{[f.service, f.message] | some f in findings} == {
		["Web", "service Web: task definition App lists FARGATE in requiresCompatibilities but its networkMode is host; Fargate supports only awsvpc"],
		["Worker", "task Worker: task definition App lists FARGATE in requiresCompatibilities but its networkMode is host; Fargate supports only awsvpc"],
	}
}

test_fires_with_service_null_when_only_ec2_services_run_it if {
	findings := deny_for(
		{"App": td({"network_mode": "none", "requires_compatibilities": ["EC2", "FARGATE"]})},
		{"OnEc2": svc("OnEc2", {"launch_type": "EC2"})},
	)
	{[f.resource, f.service] | some f in findings} == {["App", null]}
}

test_silent_for_awsvpc if {
	count(deny_for({"App": td({})}, {"Web": svc("Web", {})})) == 0
}

test_silent_when_not_fargate_compatible if {
	count(deny_for({"App": td({"network_mode": "bridge", "requires_compatibilities": ["EC2"]})}, {})) == 0
	count(deny_for({"App": td({"network_mode": "bridge", "requires_compatibilities": []})}, {})) == 0
	count(undecided_for({"App": td({"network_mode": "bridge", "requires_compatibilities": []})}, {})) == 0
}

test_unknown_network_mode_is_undecided if {
	tds := {"App": td({"network_mode": unknown_mode})}
	count(deny_for(tds, {"Web": svc("Web", {})})) == 0
	undecided_for(tds, {"Web": svc("Web", {})}) == {{"unknown": unknown_mode, "service": "Web", "rules": ["FG701"]}}
}

test_unknown_compatibility_is_undecided if {
	whole := {"App": td({"network_mode": "bridge", "requires_compatibilities": unknown_compat})}
	count(deny_for(whole, {})) == 0
	undecided_for(whole, {}) == {{"unknown": unknown_compat, "service": null, "rules": ["FG701"]}}

	element := {"App": td({"network_mode": "bridge", "requires_compatibilities": ["EC2", unknown_compat]})}
	count(deny_for(element, {})) == 0
	undecided_for(element, {}) == {{"unknown": unknown_compat, "service": null, "rules": ["FG701"]}}
}

test_both_unknown_lists_both if {
	tds := {"App": td({"network_mode": unknown_mode, "requires_compatibilities": unknown_compat})}
	{u.unknown.ref | some u in undecided_for(tds, {})} == {"Parameter Mode", "Parameter Compat"}
}

test_unknown_compatibility_with_awsvpc_is_settled if {
	tds := {"App": td({"requires_compatibilities": unknown_compat})}
	count(deny_for(tds, {})) == 0
	count(undecided_for(tds, {})) == 0
}
