# METADATA
# title: Missing or invalid Fargate CPU/memory
# description: |
#   A Fargate-compatible task definition needs task-level cpu and memory, and the pair must be one
#   that Fargate offers (for example cpu 256 with memory 512, 1024 or 2048 MiB); Windows
#   containers take cpu 1024, 2048 or 4096 only. Otherwise ECS rejects the task definition
#   when it is registered, or the task when it is run. An operating system family the inputs do
#   not settle decides a size only Linux takes: FG801 names it.
# custom:
#   id: FG702
#   level: error
#   remediation: >-
#     Set task-level cpu and memory to a pair Fargate supports (cpu 256 with memory 512, 1024
#     or 2048; cpu 512 with 1024 to 4096 in steps of 1024; and so on).
#   tags: [task-definition]
#   examples:
#     failing: |
#       TaskDefinition:
#         Type: AWS::ECS::TaskDefinition
#         Properties:
#           RequiresCompatibilities: [FARGATE]
#           NetworkMode: awsvpc
#           Cpu: "256"
#           Memory: "4 GB"
#     passing: |
#       TaskDefinition:
#         Type: AWS::ECS::TaskDefinition
#         Properties:
#           RequiresCompatibilities: [FARGATE]
#           NetworkMode: awsvpc
#           Cpu: ".25 vcpu"
#           Memory: "2 GB"
package fargate_preflight.rules.fg702

import rego.v1

# fargate_sizes are the task sizes Fargate offers (docs/rules/FG702.md): CPU units -> valid MiB.
fargate_sizes := {
	256: {"memory": {512, 1024, 2048}, "text": "512, 1024 or 2048 MiB"},
	512: steps(1024, 4096, 1024),
	1024: steps(2048, 8192, 1024),
	2048: steps(4096, 16384, 1024),
	4096: steps(8192, 30720, 1024),
	8192: steps(16384, 61440, 4096),
	16384: steps(32768, 122880, 8192),
}

steps(first, last, step) := {
	"memory": {m | some m in numbers.range_step(first, last, step)},
	"text": sprintf("%d to %d MiB in steps of %d", [first, last, step]),
}

cpu_sizes_text := "256, 512, 1024, 2048, 4096, 8192 or 16384"

# METADATA
# entrypoint: true
deny contains entry if {
	some td in input.task_definitions
	data.fargate_preflight.lib.taskdef.fargate_compatible(td)
	problems := size_problems(td)
	count(problems) > 0
	some service in services_running(td.id)
	entry := data.fargate_preflight.lib.result.finding({
		"resource": td.name,
		"service": service,
		"message": sprintf("%s: %s", [subject(service, td), concat("; ", sort(problems))]),
		"fix": fix(td),
		"source": td.source,
	})
}

# undecided: whether the task definition is Fargate-compatible, or its size, is unsettled.
undecided contains {"unknown": unknown, "service": service, "rules": ["FG702"]} if {
	some td in input.task_definitions
	some unknown in blocking_unknowns(td)
	some service in services_running(td.id)
}

# blocking_unknowns are the unsettled values the verdict waits for: a settled size problem
# waits only for Fargate compatibility; a size that is not wrong yet waits for its unknowns too,
# and for an unsettled operating system family when Windows would not take the size.
blocking_unknowns(td) := compatibility_unknowns(td) if count(size_problems(td)) > 0

blocking_unknowns(td) := (compatibility_unknowns(td) | size_unknowns(td)) | os_unknowns(td) if {
	count(size_problems(td)) == 0
	count(size_unknowns(td) | os_unknowns(td)) > 0
}

# size_problems are what is wrong with the task size, as far as the settled values tell.
size_problems(td) := (missing(td) | unreadable(td)) | off_table(td)

missing(td) := {sprintf("task-level %s is missing (Fargate requires it)", [field]) |
	some field in ["cpu", "memory"]
	td[field] == null
	object.get(td, sprintf("%s_raw", [field]), null) == null
}

unreadable(td) := {sprintf("%s %s is not a value ECS can read (%s)", [field, json.marshal(td[raw]), hint]) |
	some field, hint in readable_units
	raw := sprintf("%s_raw", [field])
	td[field] == null
	is_string(td[raw])
}

readable_units := {
	"cpu": "CPU units like 1024, or vCPUs like 1 vcpu",
	"memory": "MiB like 2048, or GB like 2 GB",
}

off_table(td) := ({sprintf("cpu %d is not a Fargate CPU size (%s)", [td.cpu, cpu_sizes_text]) |
	is_number(td.cpu)
	not fargate_sizes[td.cpu]
} | {sprintf("memory %d MiB is not valid with cpu %d (valid: %s)", [td.memory, td.cpu, size.text]) |
	is_number(td.memory)
	size := fargate_sizes[td.cpu]
	not td.memory in size.memory
}) | {problem |
	windows(td)
	some problem in windows_problems(td)
}

# windows_problems: what a Fargate size that Linux takes lacks for Windows containers. (Windows
# takes a subset of the Linux sizes, so a size wrong for Linux is wrong for both.)
windows_problems(td) := {problem |
	fargate_sizes[td.cpu]
	not td.cpu in windows_cpu_sizes
	problem := sprintf("cpu %d is not offered for Windows containers on Fargate (%s)", [td.cpu, windows_cpu_text])
}

# Windows containers on Fargate take at least 1 vCPU, and 8 and 16 vCPUs are Linux only.
windows_cpu_sizes := {1024, 2048, 4096}

windows_cpu_text := "1024, 2048 or 4096"

windows(td) if {
	is_string(td.os_family)
	startswith(upper(td.os_family), "WINDOWS")
}

fix(td) := sprintf(
	"For Windows containers, set task-level cpu to %s, and memory to a size Fargate offers with it (for cpu 1024: %s).",
	[windows_cpu_text, fargate_sizes[1024].text],
) if {
	windows(td)
	not td.cpu in windows_cpu_sizes
} else := sprintf("With cpu %d, set memory to %s.", [td.cpu, fargate_sizes[td.cpu].text]) if {
	fargate_sizes[td.cpu]
} else := sprintf(
	"Set task-level cpu to %s, and memory to a size Fargate offers with it (for cpu 256: %s).",
	[cpu_sizes_text, fargate_sizes[256].text],
)

# os_unknowns: an unsettled operating system family (runtimePlatform), when the size is one
# Linux takes and Windows does not.
os_unknowns(td) := {td.os_family} if {
	data.fargate_preflight.lib.model.is_unknown(td.os_family)
	count(windows_problems(td)) > 0
} else := set()

# size_unknowns are the unsettled cpu and memory values.
size_unknowns(td) := {value |
	some field, value in td
	field in {"cpu", "memory", "cpu_raw", "memory_raw"}
	data.fargate_preflight.lib.model.is_unknown(value)
}

# compatibility_unknowns is empty for a Fargate-compatible task definition, holds the unsettled
# requiresCompatibilities values when one of them may be FARGATE, and is undefined otherwise.
compatibility_unknowns(td) := set() if data.fargate_preflight.lib.taskdef.fargate_compatible(td)

compatibility_unknowns(td) := unknowns if {
	not data.fargate_preflight.lib.taskdef.fargate_compatible(td)
	unknowns := unsettled_compatibilities(td.requires_compatibilities)
	count(unknowns) > 0
}

unsettled_compatibilities(values) := {values} if data.fargate_preflight.lib.model.is_unknown(values)

unsettled_compatibilities(values) := unknowns if {
	is_array(values)
	unknowns := {c | some c in values; data.fargate_preflight.lib.model.is_unknown(c)}
}

# services_running are the names of the analysed services that run the task definition, or
# {null} when none does: a finding names each service it breaks (docs/output.md, `service`).
services_running(td_id) := names if {
	names := {svc.name |
		some id in data.fargate_preflight.lib.taskdef.analysed
		svc := input.services[id]
		svc.task_definition == td_id
	}
	count(names) > 0
} else := {null}

subject(null, td) := sprintf("task definition %s", [td.name])

subject(service, td) := sprintf(
	"%s: task definition %s",
	[data.fargate_preflight.lib.model.runner(service), td.name],
) if service != null
