package fargate_preflight.lib.result_test

import rego.v1

names := data.fargate_preflight.lib.result.task_role

field(file, pointer) := data.fargate_preflight.lib.result.field({"file": file, "line": 1, "pointer": pointer}, names)

test_fix_names_the_setting_in_the_source_language if {
	field("stack.yaml", "/Resources/TaskDefinition") == "TaskRoleArn"
	field("cdk.out/App.template.json", "/Resources/TaskDefinition") == "TaskRoleArn"
	field("network.yml", "") == "TaskRoleArn"
	field("modules/app/ecs.tf", "/resource/aws_ecs_task_definition/app") == "task_role_arn"
	field("plan.json", "/resource/aws_ecs_task_definition/app") == "task_role_arn"
	field("taskdef.json", "") == "taskRoleArn"
	field("aws://123456789012/us-east-1/ecs/task-definition/app:3", "") == "taskRoleArn"
}
