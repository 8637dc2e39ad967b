# METADATA
# description: The one finding builder, so every finding has the same shape.
package fargate_preflight.lib.result

import rego.v1

# finding returns a finding with every key present; see docs/policies.md.
finding(f) := {
	"resource": f.resource,
	"service": object.get(f, "service", null),
	"need": object.get(f, "need", null),
	"message": f.message,
	"fix": f.fix,
	"hop": object.get(f, "hop", null),
	"location": {"file": f.source.file, "line": f.source.line},
	"level": object.get(f, "level", null),
}

# field names the setting a fix asks for in the language its source is written in:
# CloudFormation (`ExecutionRoleArn`), Terraform (`execution_role_arn`), or the ECS API's JSON
# (`executionRoleArn`: ECS task-definition and service files, and a live account).
field(src, names) := names[syntax(src)]

syntax(src) := "terraform" if {
	endswith(src.file, ".tf")
} else := "terraform" if {
	startswith(object.get(src, "pointer", ""), "/resource/")
} else := "cloudformation" if {
	startswith(object.get(src, "pointer", ""), "/Resources/")
} else := "cloudformation" if {
	some suffix in [".yaml", ".yml", ".template"]
	endswith(src.file, suffix)
} else := "api"

# The settings the fixes name.
execution_role := {"cloudformation": "ExecutionRoleArn", "terraform": "execution_role_arn", "api": "executionRoleArn"}

task_role := {"cloudformation": "TaskRoleArn", "terraform": "task_role_arn", "api": "taskRoleArn"}

route_tables := {"cloudformation": "RouteTableIds", "terraform": "route_table_ids", "api": "route tables"}

service_security_groups := {
	"cloudformation": "AwsvpcConfiguration.SecurityGroups",
	"terraform": "network_configuration.security_groups",
	"api": "networkConfiguration.awsvpcConfiguration.securityGroups",
}

dns_support := {"cloudformation": "EnableDnsSupport", "terraform": "enable_dns_support", "api": "enableDnsSupport"}

dns_hostnames := {
	"cloudformation": "EnableDnsHostnames",
	"terraform": "enable_dns_hostnames",
	"api": "enableDnsHostnames",
}

private_dns := {"cloudformation": "PrivateDnsEnabled", "terraform": "private_dns_enabled", "api": "privateDnsEnabled"}

# Container definitions: Terraform's container_definitions is the ECS API's JSON.
init_process := {
	"cloudformation": "LinuxParameters.InitProcessEnabled",
	"terraform": "linuxParameters.initProcessEnabled",
	"api": "linuxParameters.initProcessEnabled",
}

readonly_root := {
	"cloudformation": "ReadonlyRootFilesystem",
	"terraform": "readonlyRootFilesystem",
	"api": "readonlyRootFilesystem",
}
