# METADATA
# description: |
#   The regions of the resources an IAM statement names (docs/reasoning.md §1, application
#   calls): an application need is in each region its task role's statements name, since
#   endpoints serve only their own region.
package fargate_preflight.lib.arn_region

import rego.v1

# statement_regions are the regions of the statement's resources that may be of the service
# (`arn:aws:dynamodb:eu-west-1:...` for dynamodb actions, not an SQS queue's ARN beside it);
# the deploy region when none is (`*`, a bucket's `arn:aws:s3:::b`, `NotResource`).
statement_regions(st, prefix) := regions if {
	resources := data.fargate_preflight.lib.iam.as_list(object.get(st, "Resource", []))
	regions := {r | some x in resources; of_service(x, prefix); r := resource_region(x)}
	count(regions) > 0
} else := {input.region}

# of_service: a resource that may be the service's, by the service field of its ARN (a
# resource that is not an ARN, `*` or an unsettled value, may be anyone's).
of_service(x, prefix) if {
	fields := split(data.fargate_preflight.lib.model.pattern_text(x), ":")
	count(fields) > 2
	fields[0] == "arn"
	glob.match(data.fargate_preflight.lib.iam.escape(fields[2]), [], prefix)
}

of_service(x, _) if {
	text := data.fargate_preflight.lib.model.pattern_text(x)
	not startswith(text, "arn:")
}

of_service(x, _) if {
	data.fargate_preflight.lib.model.is_unknown(x)
	not is_string(object.get(x, "partial", null))
}

# resource_region is the region a resource ARN names: its region field (`*` or empty: the
# deploy region; a pattern that matches the deploy region: the deploy region). Any other
# resource is in the deploy region when it is `*` or a resource of the inputs (they are
# created in the deploy region), else its region is not settled: the unknown itself, which
# path selection reports (FG801) where the region decides the path.
resource_region(x) := arn_field_region(x, fields[3]) if {
	fields := split(data.fargate_preflight.lib.model.pattern_text(x), ":")
	count(fields) > 5
	fields[0] == "arn"
} else := input.region if {
	is_string(x)
} else := input.region if {
	resource_of_inputs(x)
} else := x if {
	data.fargate_preflight.lib.model.is_unknown(x)
}

# arn_field_region: the region of an ARN's region field; in an unsettled ARN, a `*` there is
# the deploy region only when the unknown says so (`${AWS::Region}`: deploy_region, or only the
# account unsettled), else the region is not settled.
arn_field_region(_, "") := input.region

arn_field_region(x, field) := region_pattern(field) if {
	field != ""
	is_string(x)
} else := region_pattern(field) if {
	field != ""
	data.fargate_preflight.lib.model.settled_but_deployment(x)
} else := region_pattern(field) if {
	field != ""
	not contains(field, "*")
} else := input.region if {
	field == "*"
	x.deploy_region == true
} else := x if {
	field != ""
}

region_pattern("*") := input.region

region_pattern(field) := input.region if {
	field != "*"
	is_string(input.region)
	glob.match(field, [], input.region)
} else := field if {
	field != "*"
}

# resource_of_inputs: an unknown that is an attribute of a resource of the inputs: CloudFormation
# `Ref X` / `Fn::GetAtt X.Arn`, a Terraform attribute known after apply
# (`aws_dynamodb_table.t.arn`, also in a module or of a data source).
resource_of_inputs(x) if startswith(x.ref, "Ref ")

resource_of_inputs(x) if startswith(x.ref, "Fn::GetAtt ")

resource_of_inputs(x) if regex.match(`^(module\.[^.]+\.)*(data\.)?aws_[0-9a-z_]+\.[^.]+\.`, x.ref)
