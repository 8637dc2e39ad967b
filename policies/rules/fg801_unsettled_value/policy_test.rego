package fargate_preflight.rules.fg801_test

import rego.v1

world := data.fargate_preflight.lib.paths_test.world

unknown(ref, line) := data.fargate_preflight.lib.paths_test.unknown(ref, line)

subnets_param := unknown("Parameter PrivateSubnetIds", 4)

findings_for(entries) := fs if {
	fs := data.fargate_preflight.rules.fg801.deny with data.fargate_preflight.rules.fg801.unsettled as entries
}

endpoint_rules := data.fargate_preflight.lib.needs.blocked_rules.endpoint

test_one_note_per_unsettled_value if {
	fs := findings_for({
		{"unknown": subnets_param, "service": "Service", "rules": ["FG202", "FG201"]},
		{"unknown": subnets_param, "service": "Service", "rules": ["FG705"]},
	})
	fs == {{
		"resource": "Parameter PrivateSubnetIds",
		"service": "Service",
		"need": null,
		"message": "Parameter PrivateSubnetIds is not settled (Parameter PrivateSubnetIds has no value): it blocks FG201, FG202, FG705 for service Service",
		"fix": "Pass --parameter PrivateSubnetIds=VALUE, the value it deploys with, so these checks can run.",
		"hop": null,
		"location": {"file": "stack.yaml", "line": 4},
		"level": null,
	}}
}

test_several_services_give_a_note_without_service if {
	fs := findings_for({
		{"unknown": subnets_param, "service": "Web", "rules": ["FG202"]},
		{"unknown": subnets_param, "service": "Api", "rules": ["FG202"]},
	})
	{[f.service, f.message] | some f in fs} == {[null, "Parameter PrivateSubnetIds is not settled (Parameter PrivateSubnetIds has no value): it blocks FG202 for services Api, Web"]}
}

test_no_service_and_first_location if {
	fs := findings_for({
		{"unknown": unknown("AWS::Region", 9), "service": null, "rules": ["FG503"]},
		{"unknown": unknown("AWS::Region", 3), "service": null, "rules": ["FG503"]},
	})
	{[f.service, f.location, f.fix] | some f in fs} == {[
		null, {"file": "stack.yaml", "line": 3},
		"Pass --region (or set AWS_REGION) so these checks can run.",
	]}
}

test_parameter_of_a_file_names_the_file_in_the_flag if {
	fs := findings_for({{"unknown": unknown("Parameter ImageUri of stacks/parent.yml", 6), "service": "Service", "rules": ["FG202"]}})
	{f.fix | some f in fs} == {"Pass --parameter stacks/parent.yml:ImageUri=VALUE, the value it deploys with, so these checks can run."}
}

test_distinct_values_give_distinct_notes if {
	fs := findings_for({
		{"unknown": subnets_param, "service": "Service", "rules": ["FG202"]},
		{"unknown": unknown("subnet subnet-0123", 60), "service": "Service", "rules": ["FG202"]},
	})
	{[f.resource, f.fix] | some f in fs} == {
		["Parameter PrivateSubnetIds", "Pass --parameter PrivateSubnetIds=VALUE, the value it deploys with, so these checks can run."],
		["subnet subnet-0123", "Scan the template or file that defines it too, or pass its value, so these checks can run."],
	}
}

test_a_terraform_value_has_no_value_to_pass if {
	# A plan takes no --parameter (field test 23, D6): a hard-coded ID in a .tf file or in a
	# plan without .tf files is settled by what creates it; a reader's own fix wins.
	tf := {"file": "infra/main.tf", "line": 67, "pointer": "/resource/aws_ecs_service/app"}
	plan := {"file": "plan.json", "line": 1, "pointer": "/planned_values/root_module/resources/3"}
	own := {"unknown": "x is known only after apply", "ref": "aws_x.y.z", "source": tf, "fix": "Own fix."}
	fs := findings_for({
		{"unknown": {"unknown": "not here", "ref": "subnet subnet-0aaa", "source": tf}, "service": "S", "rules": ["FG202"]},
		{"unknown": {"unknown": "not here", "ref": "security group sg-1", "source": plan}, "service": "S", "rules": ["FG705"]},
		{"unknown": own, "service": "S", "rules": ["FG202"]},
	})
	terraform := "Scan the plan or template that creates it too, or check it in the account with `fargate-preflight scan-aws`, so these checks can run."
	{[f.resource, f.fix] | some f in fs} == {
		["subnet subnet-0aaa", terraform],
		["security group sg-1", terraform],
		["aws_x.y.z", "Own fix."],
	}
}

test_nothing_unsettled_is_silent if {
	count(findings_for(set())) == 0
	count(data.fargate_preflight.rules.fg801.deny) == 0 with input as world
}

test_path_unknowns_reach_fg801 if {
	m := data.fargate_preflight.lib.paths_test.in_subnets(world, subnets_param)
	rules := sort({r | some r in data.fargate_preflight.lib.needs.blocked_rules.endpoint})
	{"unknown": subnets_param, "service": "Service", "rules": rules} in data.fargate_preflight.rules.fg801.unsettled with input as m
	some f in data.fargate_preflight.rules.fg801.deny with input as m
	f.resource == "Parameter PrivateSubnetIds"
	f.level == null
}

test_need_unknowns_reach_fg801 if {
	c := data.fargate_preflight.lib.paths_test.container("app", unknown("Parameter Image", 3), 51)
	m := object.union(world, {"task_definitions": {"TaskDef": {"containers": [c]}}})
	entry := {"unknown": unknown("Parameter Image", 3), "service": "Service", "rules": data.fargate_preflight.lib.needs.container_rules}
	entry in data.fargate_preflight.rules.fg801.unsettled with input as m
}

test_rule_package_unknowns_reach_fg801 if {
	m := object.union(data.fargate_preflight.lib.paths_test.public_ip(world), {"subnets": {"PrivateSubnetA": {"route_table": "rtb-0abc"}}})
	entry := {"unknown": {"unknown": "route table rtb-0abc is not in the scanned inputs", "ref": "route table rtb-0abc", "source": data.fargate_preflight.lib.paths_test.src(11)}, "service": "Service", "rules": ["FG204"]}
	entry in data.fargate_preflight.rules.fg801.unsettled with input as m
}

test_missing_packages_do_not_break_evaluation if {
	count(data.fargate_preflight.rules.fg109.undecided) == 0 with data.fargate_preflight.rules.fg109.undecided as set()
	count(data.fargate_preflight.rules.fg801.unsettled) == 0 with input as world
}

# Coverage gaps of a live scan (input.coverage_gaps).
gap := {
	"api": "ec2:DescribeNatGateways",
	"account": "111122223333",
	"region": "eu-west-1",
	"error": "AccessDenied: not allowed",
	"source": {"file": "aws://111122223333/eu-west-1/ec2:DescribeNatGateways", "line": 1},
}

gap_ref := "ec2:DescribeNatGateways in account 111122223333 region eu-west-1"

test_a_coverage_gap_is_a_note if {
	fs := data.fargate_preflight.rules.fg801.deny with data.fargate_preflight.rules.fg801.unsettled as set()
		with input as {"coverage_gaps": [gap]}
	fs == {{
		"resource": gap_ref,
		"service": null,
		"need": null,
		"message": concat("", [
			gap_ref, " could not be read (AccessDenied: not allowed): what it returns is missing ",
			"from this scan, so checks that need it are not settled",
		]),
		"fix": "Allow ec2:DescribeNatGateways to the scanning role (docs/examples/iam-readonly-policy.json), or scan again if it was throttled.",
		"hop": null,
		"location": {"file": "aws://111122223333/eu-west-1/ec2:DescribeNatGateways", "line": 1},
		"level": null,
	}}
}

test_a_gap_that_blocked_checks_is_reported_once_with_them if {
	blocked := {"unknown": gap_ref, "ref": gap_ref, "source": gap.source}
	fs := findings_for({{"unknown": blocked, "service": "Service", "rules": ["FG203"]}}) with input as {"coverage_gaps": [gap]}
	{[f.resource, f.message, f.fix] | some f in fs} == {[
		gap_ref,
		sprintf("%s is not settled (%s): it blocks FG203 for service Service", [gap_ref, gap_ref]),
		"Allow ec2:DescribeNatGateways to the scanning role (docs/examples/iam-readonly-policy.json), or scan again if it was throttled.",
	]}
}

test_no_gaps_no_gap_notes if {
	fs := data.fargate_preflight.rules.fg801.deny with data.fargate_preflight.rules.fg801.unsettled as set()
		with input as {"coverage_gaps": []}
	count(fs) == 0
}

# A live scan has no template to add; an unknown may carry its own fix (a placeholder).
test_the_fix_fits_where_the_value_sits if {
	live := {"unknown": "prefix list pl-1 is not in the scanned inputs", "ref": "prefix list pl-1", "source": {"file": "aws://1/us-east-1/ec2/security-group/sg-1", "line": 1, "pointer": ""}}
	{f.fix | some f in findings_for({{"unknown": live, "service": "Service", "rules": ["FG401"]}})} == {data.fargate_preflight.rules.fg801.live_fix}
	{f.fix | some f in findings_for({{"unknown": unknown("role r", 3), "service": "Service", "rules": ["FG103"]}})} == {data.fargate_preflight.rules.fg801.generic_fix}
	own := object.union(unknown("placeholder ${CPU}", 5), {"fix": "Scan the rendered file."})
	{f.fix | some f in findings_for({{"unknown": own, "service": "Service", "rules": ["FG702"]}})} == {"Scan the rendered file."}
}

# A condition that waits for a parameter: the note names the condition, the fix the parameter.
test_a_value_settled_by_another_takes_its_fix if {
	condition := object.union(unknown("condition IsLockdown", 8), {"settled_by": "Parameter Lockdown"})
	fs := findings_for({{"unknown": condition, "service": "Service", "rules": ["FG301", "FG302"]}})
	{[f.resource, f.fix] | some f in fs} == {[
		"condition IsLockdown",
		"Pass --parameter Lockdown=VALUE, the value it deploys with, so these checks can run.",
	]}
}
