# METADATA
# description: |
#   The Service Connect proxy's logs (lib/service_connect.rego): a need of the service, and an
#   awslogs call checked against its task definition's execution role (FG104, FG106).
package fargate_preflight.lib.service_connect_test

import rego.v1

src(line) := data.fargate_preflight.lib.paths_test.src(line)

unknown(ref, line) := data.fargate_preflight.lib.paths_test.unknown(ref, line)

# proxy_log is the service's service_connect_log, as the sources write it, with `fields`
# replaced.
proxy_log(fields) := object.union(object.remove(proxy_log_base, object.keys(fields)), fields)

proxy_log_base := {
	"enabled": true, "log_driver": "awslogs",
	"log_options": {"awslogs-group": "/ecs/proxy", "awslogs-region": "us-west-2", "awslogs-stream-prefix": "proxy"},
	"source": src(70),
}

with_proxy_log(model, sid, log) := object.union(model, {"services": {sid: {"service_connect_log": log}}})

# --- needs -----------------------------------------------------------------------------

needs_world := data.fargate_preflight.lib.paths_test.world

proxy_needs(log) := {n |
	m := with_proxy_log(needs_world, "Service", log)
	some n in data.fargate_preflight.lib.needs.by_service.Service with input as m
	n.source == src(70)
}

test_proxy_logs_in_another_region_need_logs_there if {
	proxy_needs(proxy_log({})) == {{
		"need": "logs", "kind": "internet", "port": 443, "region": "us-west-2", "caller": "agent",
		"reason": "awslogs log group /ecs/proxy (Service Connect proxy)", "source": src(70), "target": null,
	}}
}

test_proxy_logs_without_awslogs_region_are_in_the_tasks_region if {
	log := proxy_log({"log_options": {"awslogs-group": "/ecs/proxy"}})
	{[n.need, n.kind, n.region] | some n in proxy_needs(log)} == {["logs", "endpoint", "us-east-1"]}
}

test_proxy_logs_with_unsettled_options_keep_the_region_unknown if {
	options := unknown("Parameter ProxyLogOptions", 8)
	{[n.need, n.region] | some n in proxy_needs(proxy_log({"log_options": options}))} == {["logs", options]}
}

test_no_need_when_service_connect_is_off_or_the_driver_is_another if {
	proxy_needs(proxy_log({"enabled": false})) == set()
	proxy_needs(proxy_log({"log_driver": "awsfirelens"})) == set()
	proxy_needs(null) == set()
}

proxy_undecided(log) := {[u.unknown.ref, u.service, u.rules] |
	m := with_proxy_log(needs_world, "Service", log)
	some u in data.fargate_preflight.lib.needs.undecided with input as m
}

test_unsettled_switch_or_driver_is_undecided if {
	rules := data.fargate_preflight.lib.needs.container_rules
	enabled := unknown("Parameter UseServiceConnect", 6)
	proxy_needs(proxy_log({"enabled": enabled})) == set()
	proxy_undecided(proxy_log({"enabled": enabled})) == {["Parameter UseServiceConnect", "Service", rules]}
	driver := unknown("Parameter ProxyLogDriver", 7)
	proxy_undecided(proxy_log({"log_driver": driver})) == {["Parameter ProxyLogDriver", "Service", rules]}
	proxy_undecided(proxy_log({"enabled": enabled, "log_driver": driver})) == {
		["Parameter UseServiceConnect", "Service", rules],
		["Parameter ProxyLogDriver", "Service", rules],
	}

	# another driver needs nothing, whether Service Connect is on or not
	proxy_undecided(proxy_log({"enabled": enabled, "log_driver": "splunk"})) == set()
	proxy_undecided(proxy_log({"enabled": false, "log_driver": driver})) == set()
}

# --- execution role (FG104, FG106) ---------------------------------------------------

calls_world(changes) := with_proxy_log(data.fargate_preflight.lib.calls_test.world(changes), "Svc", proxy_log({}))

fg104(model) := {[f.service, f.location.line, f.message] |
	some f in data.fargate_preflight.rules.fg104.deny with input as model
		with data.fargate_preflight.aws.managed_policies as data.fargate_preflight.lib.calls_test.managed
}

# an execution role that may write only to the containers' group
app_logs_only := {"roles": {"ExecRole": data.fargate_preflight.lib.calls_test.role(
	"ExecRole", 40, [data.fargate_preflight.lib.calls_test.inline(
		"logs",
		[
			data.fargate_preflight.lib.calls_test.statement("secretsmanager:GetSecretValue", "*"),
			data.fargate_preflight.lib.calls_test.statement(["logs:CreateLogStream", "logs:PutLogEvents"], "arn:aws:logs:*:*:log-group:/ecs/app:*"),
		],
		41,
	)],
	[],
)}}

test_execution_role_must_write_the_proxy_logs if {
	fg104(calls_world(app_logs_only)) == {["Service", 40, concat("", [
		"service Service: task definition Td: execution role ExecRole is not authorized to perform: ",
		"logs:CreateLogStream, logs:PutLogEvents on resource: arn:aws:logs:us-west-2:*:log-group:/ecs/proxy:log-stream:proxy/* ",
		"because no identity-based policy allows these actions ",
		"(needed for awslogs log group /ecs/proxy (Service Connect proxy))",
	])]}

	# AmazonECSTaskExecutionRolePolicy allows them on any group
	fg104(calls_world({})) == set()
}

test_the_proxys_streams_are_any_under_its_prefix if {
	streams := data.fargate_preflight.lib.calls_test.statement(
		["logs:CreateLogStream", "logs:PutLogEvents"],
		["arn:aws:logs:*:*:log-group:/ecs/app:*", "arn:aws:logs:us-west-2:*:log-group:/ecs/proxy:log-stream:proxy/*"],
	)
	group := data.fargate_preflight.lib.calls_test.statement("logs:CreateLogStream", "arn:aws:logs:us-west-2:*:log-group:/ecs/proxy:*")
	role := data.fargate_preflight.lib.calls_test.role(
		"ExecRole", 40, [data.fargate_preflight.lib.calls_test.inline("logs", [data.fargate_preflight.lib.calls_test.statement("secretsmanager:GetSecretValue", "*"), streams, group], 41)],
		[],
	)
	fg104(calls_world({"roles": {"ExecRole": role}})) == set()
}

test_only_the_service_with_the_proxy_log_is_named if {
	other := {"services": {"Other": object.union(data.fargate_preflight.lib.calls_test.base.services.Svc, {"id": "Other", "name": "Other"})}}
	{s | some [s, _, _] in fg104(calls_world(object.union(app_logs_only, other)))} == {"Service"}
}

test_no_execution_role_is_fg106_for_the_proxy_logs if {
	public := data.fargate_preflight.lib.calls_test.container({"image": "public.ecr.aws/nginx/nginx:1", "log_driver": null, "secrets": []})
	m := calls_world({"task_definitions": {"Td": {"execution_role": null, "containers": [public]}}})
	{f.message | some f in data.fargate_preflight.rules.fg106.deny with input as m} == {concat("", [
		"service Service: task definition Td names no execution role, but the Fargate agent needs one for ",
		"awslogs log group /ecs/proxy (Service Connect proxy)",
	])}
}

# The logs endpoint's policy sees the proxy's calls too (FG102).
test_logs_endpoint_policy_covers_the_proxy_logs if {
	policy := {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "logs:*", "Resource": "arn:aws:logs:*:*:log-group:/ecs/app:*"}]}
	ep := endpoint(policy)
	here := proxy_log({"log_options": {"awslogs-group": "/ecs/proxy", "awslogs-stream-prefix": "proxy"}})
	m := with_proxy_log(data.fargate_preflight.lib.calls_test.world({"vpc_endpoints": {"Logs": ep}}), "Svc", here)
	p := {{"service": "Svc", "need": "logs", "kind": "interface", "endpoint": "Logs", "subnet": "A"}}
	found := {f.message |
		some f in data.fargate_preflight.rules.fg102.deny with input as m
			with data.fargate_preflight.aws.managed_policies as data.fargate_preflight.lib.calls_test.managed
			with data.fargate_preflight.lib.paths.selected as p
	}
	found == {concat("", [
		"service Service cannot call logs through VPC endpoint Logs: execution role ExecRole is not authorized to ",
		"perform: logs:CreateLogStream, logs:PutLogEvents on resource: ",
		"arn:aws:logs:us-east-1:*:log-group:/ecs/proxy:log-stream:proxy/* because no statement of the VPC endpoint policy ",
		"allows these actions (needed for awslogs log group /ecs/proxy (Service Connect proxy))",
	])}
}

endpoint(policy) := {
	"id": "Logs", "name": "Logs", "source": data.fargate_preflight.lib.calls_test.src(60), "vpc": "Vpc", "service": "logs", "type": "Interface",
	"private_dns": true, "subnets": [], "security_groups": [], "route_tables": [], "prefix_list": null, "policy": policy, "state": "available",
}
