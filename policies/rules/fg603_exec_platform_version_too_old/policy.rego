# METADATA
# title: ECS Exec needs Fargate platform version 1.4.0 or later
# description: |
#   ECS Exec works on Linux Fargate tasks from platform version 1.4.0. A service or task that
#   pins an older version (1.3.0 and earlier) cannot start exec sessions. `LATEST` or no version
#   means 1.4.0 or later; Windows tasks are not concerned.
# custom:
#   id: FG603
#   level: error
#   remediation: Set PlatformVersion to LATEST (or 1.4.0 or later), or remove it.
#   tags: [ecs-exec, service]
#   examples:
#     failing: |
#       Service:
#         Type: AWS::ECS::Service
#         Properties:
#           LaunchType: FARGATE
#           EnableExecuteCommand: true
#           PlatformVersion: 1.3.0
#     passing: |
#       Service:
#         Type: AWS::ECS::Service
#         Properties:
#           LaunchType: FARGATE
#           EnableExecuteCommand: true
#           PlatformVersion: LATEST
package fargate_preflight.rules.fg603

import rego.v1

# METADATA
# entrypoint: true
deny contains entry if {
	some sid in data.fargate_preflight.lib.taskdef.exec_services
	svc := input.services[sid]
	older_than_1_4(svc.platform_version)
	td := data.fargate_preflight.lib.taskdef.task_definition(svc)
	td.os_family == "LINUX"
	entry := data.fargate_preflight.lib.result.finding({
		"resource": svc.name,
		"service": svc.name,
		"need": null,
		"message": sprintf("%s %s has ECS Exec on with platform version %s; ECS Exec needs 1.4.0 or later", [
			svc.kind, svc.name, svc.platform_version,
		]),
		"fix": "Set the platform version to LATEST (or 1.4.0 or later), or remove it.",
		"hop": null,
		"source": svc.source,
	})
}

# older_than_1_4: "1.3.0", "1.2", "1.0.0": every Linux version before 1.4.0 ("LATEST" is not).
older_than_1_4(version) if {
	[major, minor] := numeric_parts(version)
	major == 1
	minor < 4
}

older_than_1_4(version) if {
	[major, _] := numeric_parts(version)
	major < 1
}

numeric_parts(version) := [to_number(parts[0]), to_number(parts[1])] if {
	is_string(version)
	parts := split(trim_prefix(lower(version), "v"), ".")
	count(parts) >= 2
	every p in array.slice(parts, 0, 2) {
		p != ""
		trim_left(p, "0123456789") == ""
	}
}
