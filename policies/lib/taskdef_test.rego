package fargate_preflight.lib.taskdef_test

import rego.v1

src := {"file": "t.json", "line": 1, "pointer": ""}

svc(fields) := object.union(
	{
		"id": "Web", "name": "Web", "kind": "service", "source": src, "cluster": "Cluster",
		"task_definition": "App", "launch_type": null, "capacity_provider_strategy": null,
	},
	fields,
)

cluster(strategy) := {"id": "Cluster", "name": "Cluster", "source": src, "default_capacity_provider_strategy": strategy}

provider(name) := {"capacity_provider": name, "weight": 1, "base": 0}

fargate_only := [provider("FARGATE"), provider("FARGATE_SPOT")]

mixed := [provider("FARGATE"), provider("MyAsgProvider")]

launched(service, clusters) if {
	data.fargate_preflight.lib.taskdef.launched_on_fargate(service) with input as {"clusters": clusters}
}

test_fargate_compatible if {
	data.fargate_preflight.lib.taskdef.fargate_compatible({"requires_compatibilities": ["FARGATE"]})
	data.fargate_preflight.lib.taskdef.fargate_compatible({"requires_compatibilities": ["EC2", "FARGATE"]})
}

test_not_fargate_compatible if {
	not data.fargate_preflight.lib.taskdef.fargate_compatible({"requires_compatibilities": []})
	not data.fargate_preflight.lib.taskdef.fargate_compatible({"requires_compatibilities": ["EC2"]})
	not data.fargate_preflight.lib.taskdef.fargate_compatible({"requires_compatibilities": ["EXTERNAL"]})
}

test_launched_by_launch_type if {
	launched(svc({"launch_type": "FARGATE"}), {})
	not launched(svc({"launch_type": "EC2"}), {"Cluster": cluster(fargate_only)})
	not launched(svc({"launch_type": "EXTERNAL"}), {})
}

test_launched_by_own_strategy if {
	launched(svc({"capacity_provider_strategy": fargate_only}), {})
	launched(svc({"capacity_provider_strategy": [provider("FARGATE_SPOT")]}), {"Cluster": cluster(mixed)})
	not launched(svc({"capacity_provider_strategy": mixed}), {"Cluster": cluster(fargate_only)})
}

test_launched_by_cluster_default_strategy if {
	launched(svc({}), {"Cluster": cluster(fargate_only)})
	launched(svc({"capacity_provider_strategy": []}), {"Cluster": cluster(fargate_only)})
	not launched(svc({}), {"Cluster": cluster(mixed)})
	not launched(svc({}), {"Cluster": cluster([])})
}

test_not_launched_without_launch_type_or_strategy if {
	not launched(svc({}), {})
	not launched(svc({"cluster": null}), {})
	not launched(svc({"cluster": "Other"}), {"Cluster": cluster(fargate_only)})
}

test_task_definition_in_the_inputs if {
	td := {"id": "App", "name": "App", "family": "app", "source": src}
	result := data.fargate_preflight.lib.taskdef.task_definition(svc({})) with input as {"task_definitions": {"App": td}}
	result == td
}

test_task_definition_outside_the_inputs if {
	tds := {"App": {"id": "App"}}
	not data.fargate_preflight.lib.taskdef.task_definition(svc({"task_definition": "app:4"})) with input as {"task_definitions": tds}
	unknown := {"unknown": "task definition app:4 is not in the scanned inputs", "ref": "task definition app:4", "source": src}
	not data.fargate_preflight.lib.taskdef.task_definition(svc({"task_definition": unknown})) with input as {"task_definitions": tds}
}

test_analysed_are_the_services_launched_on_fargate if {
	services := {
		"Web": svc({"launch_type": "FARGATE"}),
		"Spot": svc({"id": "Spot", "capacity_provider_strategy": [provider("FARGATE_SPOT")]}),
		"Default": svc({"id": "Default"}),
		"Ec2": svc({"id": "Ec2", "launch_type": "EC2"}),
		"Mixed": svc({"id": "Mixed", "capacity_provider_strategy": mixed}),
	}
	result := data.fargate_preflight.lib.taskdef.analysed with input as {"services": services, "clusters": {"Cluster": cluster(fargate_only)}}
	result == {"Web", "Spot", "Default"}
}

# On a cluster the inputs do not have, a service without a launch type or strategy runs on
# Fargate only if its task definition runs nowhere else.
definitions(compatibilities) := {"App": {"requires_compatibilities": compatibilities}}

test_launched_on_an_unknown_cluster_by_a_fargate_only_task_definition if {
	data.fargate_preflight.lib.taskdef.launched_on_fargate(svc({})) with input as {"clusters": {}, "task_definitions": definitions(["FARGATE"])}
	not data.fargate_preflight.lib.taskdef.launched_on_fargate(svc({})) with input as {"clusters": {}, "task_definitions": definitions(["EC2", "FARGATE"])}
	not data.fargate_preflight.lib.taskdef.launched_on_fargate(svc({})) with input as {"clusters": {"Cluster": cluster([])}, "task_definitions": definitions(["FARGATE"])}
}
