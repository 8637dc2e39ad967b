package fargate_preflight.rules.fg702_test

import rego.v1

src := {"file": "td.json", "line": 3, "pointer": ""}

td(fields) := object.union(
	{
		"id": "App", "name": "App", "family": "app", "source": src,
		"network_mode": "awsvpc", "requires_compatibilities": ["FARGATE"],
		"cpu": 256, "cpu_raw": "256", "memory": 512, "memory_raw": "512",
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

unknown_cpu := {"unknown": "parameter Cpu has no value", "ref": "Parameter Cpu", "source": src}

unknown_memory := {"unknown": "parameter Memory has no value", "ref": "Parameter Memory", "source": src}

deny_for(fields) := result if {
	result := data.fargate_preflight.rules.fg702.deny with input as {"task_definitions": {"App": td(fields)}, "services": {}}
}

messages_for(fields) := {f.message | some f in deny_for(fields)}

undecided_for(fields) := result if {
	result := data.fargate_preflight.rules.fg702.undecided with input as {"task_definitions": {"App": td(fields)}, "services": {}}
}

# Every pair of the table in docs/rules/FG702.md, and its neighbours that are not in it.
valid_pairs := [
	[256, 512], [256, 1024], [256, 2048],
	[512, 1024], [512, 2048], [512, 3072], [512, 4096],
	[1024, 2048], [1024, 5120], [1024, 8192],
	[2048, 4096], [2048, 9216], [2048, 16384],
	[4096, 8192], [4096, 17408], [4096, 30720],
	[8192, 16384], [8192, 20480], [8192, 61440],
	[16384, 32768], [16384, 40960], [16384, 122880],
]

invalid_pairs := [
	[256, 256], [256, 1536], [256, 3072],
	[512, 512], [512, 1536], [512, 5120],
	[1024, 1024], [1024, 2560], [1024, 9216],
	[2048, 3072], [2048, 17408],
	[4096, 7168], [4096, 31744],
	[8192, 15360], [8192, 17408], [8192, 65536],
	[16384, 28672], [16384, 36864], [16384, 131072],
]

test_every_table_pair_is_silent if {
	every pair in valid_pairs {
		count(deny_for({"cpu": pair[0], "memory": pair[1]})) == 0
	}
}

test_every_neighbour_pair_fires if {
	every pair in invalid_pairs {
		count(deny_for({"cpu": pair[0], "memory": pair[1]})) == 1
	}
}

test_fires_for_memory_off_the_table if {
	deny_for({"memory": 4096, "memory_raw": "4 GB"}) == {{
		"resource": "App",
		"service": null,
		"need": null,
		"message": "task definition App: memory 4096 MiB is not valid with cpu 256 (valid: 512, 1024 or 2048 MiB)",
		"fix": "With cpu 256, set memory to 512, 1024 or 2048 MiB.",
		"hop": null,
		"location": {"file": "td.json", "line": 3},
		"level": null,
	}}
}

test_fires_with_steps_in_the_message if {
	{[f.message, f.fix] | some f in deny_for({"cpu": 8192, "memory": 18432})} == {[
		"task definition App: memory 18432 MiB is not valid with cpu 8192 (valid: 16384 to 61440 MiB in steps of 4096)",
		"With cpu 8192, set memory to 16384 to 61440 MiB in steps of 4096.",
	]}
}

test_fires_for_cpu_off_the_table if {
	{[f.message, f.fix] | some f in deny_for({"cpu": 300, "cpu_raw": "300"})} == {[
		"task definition App: cpu 300 is not a Fargate CPU size (256, 512, 1024, 2048, 4096, 8192 or 16384)",
		"Set task-level cpu to 256, 512, 1024, 2048, 4096, 8192 or 16384, and memory to a size Fargate offers with it (for cpu 256: 512, 1024 or 2048 MiB).",
	]}
}

test_fires_for_missing_cpu_and_memory if {
	messages_for({"cpu": null, "cpu_raw": null, "memory": null, "memory_raw": null}) == {
		"task definition App: task-level cpu is missing (Fargate requires it); task-level memory is missing (Fargate requires it)",
	}
	messages_for({"memory": null, "memory_raw": null}) == {"task definition App: task-level memory is missing (Fargate requires it)"}
}

test_fires_for_unreadable_values if {
	messages_for({"cpu": null, "cpu_raw": "0.3 vcpu"}) == {
		`task definition App: cpu "0.3 vcpu" is not a value ECS can read (CPU units like 1024, or vCPUs like 1 vcpu)`,
	}
	messages_for({"memory": null, "memory_raw": "1 GiB"}) == {
		`task definition App: memory "1 GiB" is not a value ECS can read (MiB like 2048, or GB like 2 GB)`,
	}
}

test_fires_per_fargate_service if {
	findings := data.fargate_preflight.rules.fg702.deny with input as {
		"task_definitions": {"App": td({"memory": 4096})},
		"services": {"Web": svc("Web", {}), "Batch": svc("Batch", {"launch_type": "EC2"})},
	}
	{[f.service, f.message] | some f in findings} == {[
		"Web",
		"service Web: task definition App: memory 4096 MiB is not valid with cpu 256 (valid: 512, 1024 or 2048 MiB)",
	]}
}

test_silent_when_not_fargate_compatible if {
	count(deny_for({"requires_compatibilities": ["EC2"], "cpu": null, "cpu_raw": null})) == 0
	count(deny_for({"requires_compatibilities": [], "memory": 100})) == 0
}

test_unknown_cpu_is_undecided if {
	fields := {"cpu": unknown_cpu, "cpu_raw": unknown_cpu}
	count(deny_for(fields)) == 0
	undecided_for(fields) == {{"unknown": unknown_cpu, "service": null, "rules": ["FG702"]}}
}

test_unknown_memory_with_known_cpu_is_undecided if {
	fields := {"memory": unknown_memory, "memory_raw": null}
	count(deny_for(fields)) == 0
	undecided_for(fields) == {{"unknown": unknown_memory, "service": null, "rules": ["FG702"]}}
}

test_settled_problem_wins_over_unknown if {
	fields := {"cpu": 300, "cpu_raw": "300", "memory": unknown_memory, "memory_raw": unknown_memory}
	messages_for(fields) == {"task definition App: cpu 300 is not a Fargate CPU size (256, 512, 1024, 2048, 4096, 8192 or 16384)"}
	count(undecided_for(fields)) == 0
}

test_unknown_compatibility_with_bad_size_is_undecided if {
	unknown_compat := {"unknown": "x", "ref": "Parameter Compat", "source": src}
	fields := {"requires_compatibilities": unknown_compat, "memory": 4096}
	count(deny_for(fields)) == 0
	undecided_for(fields) == {{"unknown": unknown_compat, "service": null, "rules": ["FG702"]}}
}

test_unknown_compatibility_with_good_size_is_settled if {
	unknown_compat := {"unknown": "x", "ref": "Parameter Compat", "source": src}
	count(undecided_for({"requires_compatibilities": unknown_compat})) == 0
	count(undecided_for({"requires_compatibilities": ["EC2", unknown_compat]})) == 0
}

# Windows containers on Fargate take 1, 2 or 4 vCPUs (the ECS developer guide's task size
# table): 256 and 512 are too small, 8192 and 16384 are Linux only.
test_windows_takes_one_to_four_vcpus if {
	messages_for({"os_family": "WINDOWS_SERVER_2019_CORE"}) == {"task definition App: cpu 256 is not offered for Windows containers on Fargate (1024, 2048 or 4096)"}
	{f.fix | some f in deny_for({"os_family": "WINDOWS_SERVER_2022_FULL", "cpu": 8192, "memory": 16384})} == {"For Windows containers, set task-level cpu to 1024, 2048 or 4096, and memory to a size Fargate offers with it (for cpu 1024: 2048 to 8192 MiB in steps of 1024)."}
	count(deny_for({"os_family": "WINDOWS_SERVER_2019_CORE", "cpu": 1024, "memory": 2048})) == 0
	count(deny_for({"os_family": "LINUX"})) == 0
}

unknown_os := {"unknown": "parameter OsFamily has no value", "ref": "Parameter OsFamily", "source": src}

# An unsettled operating system family decides a size Linux takes and Windows does not
# (256, 512, 8192, 16384 CPU units): FG702 waits for it. A size both take, or one neither
# takes, does not depend on it.
test_unknown_os_family_with_a_linux_only_size_is_undecided if {
	every cpu_memory in [[256, 512], [512, 1024], [8192, 16384], [16384, 32768]] {
		fields := {"os_family": unknown_os, "cpu": cpu_memory[0], "memory": cpu_memory[1]}
		count(deny_for(fields)) == 0
		undecided_for(fields) == {{"unknown": unknown_os, "service": null, "rules": ["FG702"]}}
	}
}

test_unknown_os_family_with_a_size_both_take_is_settled if {
	fields := {"os_family": unknown_os, "cpu": 1024, "memory": 2048}
	count(deny_for(fields)) == 0
	count(undecided_for(fields)) == 0
}

test_unknown_os_family_with_a_size_neither_takes_fails if {
	fields := {"os_family": unknown_os, "cpu": 512, "memory": 512}
	messages_for(fields) == {"task definition App: memory 512 MiB is not valid with cpu 512 (valid: 1024 to 4096 MiB in steps of 1024)"}
	count(undecided_for(fields)) == 0
}

test_unknown_os_family_waits_with_an_unknown_memory if {
	fields := {"os_family": unknown_os, "memory": unknown_memory, "memory_raw": unknown_memory}
	count(deny_for(fields)) == 0
	undecided_for(fields) == {
		{"unknown": unknown_os, "service": null, "rules": ["FG702"]},
		{"unknown": unknown_memory, "service": null, "rules": ["FG702"]},
	}
}
