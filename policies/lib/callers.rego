# METADATA
# description: |
#   Who makes a call, as a resource-based policy (a VPC endpoint's, a KMS key's) sees it
#   (docs/reasoning.md §3, "Endpoint policies"): a role of the task definition, with its ARN and
#   what the inputs settle of its account; or, for the image layers a private ECR image pulls
#   from S3, the AWS-owned principal whose credentials sign the URLs ECR presigns. lib/iam.rego
#   and lib/conditions.rego match principals and conditions against these. (This package uses
#   none of lib/iam's functions: lib/iam uses it.)
package fargate_preflight.lib.callers

import rego.v1

# caller is the principal a resource-based policy sees for the task definition's role of
# `kind`: {"arn": the role's ARN (often not known offline), "account": its account when the ARN
# names it (null: an account the inputs do not name), "deploy": whether its account is the one
# the inputs deploy to (`AWS::AccountId` of the templates, the plan's account)}.
caller(td, kind, role) := {"arn": arn, "account": role_account(arn), "deploy": deploy_account(arn, role)} if {
	arn := caller_arn(td, kind, role)
}

caller_arn(td, kind, role) := arn if {
	arn := object.get(td, sprintf("%s_arn", [kind]), null)
	arn != null
} else := object.get(role, "arn", role)

# role_account is the account of a role ARN that the inputs give (arn:aws:iam::ACCOUNT:role/NAME),
# else null.
role_account(arn) := fields[4] if {
	is_string(arn)
	fields := split(arn, ":")
	count(fields) == 6
	fields[2] == "iam"
	data.fargate_preflight.lib.principals.account(fields[4])
} else := null

# deploy_account: the calling role's account is the one the inputs deploy to. A role the inputs
# create (a template's AWS::IAM::Role, a plan's aws_iam_role, whose ARN is then known only after
# deployment) is made in that account, as is a role whose ARN is written with it
# (`!Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:role/app-exec`). A role ARN written as
# it is names its own account instead (role_account), and a role of a live scan has one.
# regal ignore:boolean-assignment
deploy_account(arn, role) if {
	data.fargate_preflight.lib.model.is_unknown(arn)
	not data.fargate_preflight.lib.model.is_unknown(role)
	data.fargate_preflight.lib.model.is_unknown(object.get(role, "arn", null))
} else if {
	deploy_account_arn(arn)
} else := false

# deploy_account_arn: an ARN whose only unsettled part is its account, `AWS::AccountId` (the
# model's ref for it, docs/model.md).
deploy_account_arn(arn) if {
	data.fargate_preflight.lib.model.is_unknown(arn)
	arn.ref == "AWS::AccountId"
	fields := split(data.fargate_preflight.lib.model.pattern_text(arn), ":")
	count(fields) >= 6
	fields[4] == "*"
}

# aws_owned is the caller of the image-layer download of a private ECR image: ECR's
# GetDownloadUrlForLayer returns a URL that ECR presigns, so the S3 request is signed with AWS's
# own credentials, not the execution role's, and is not of the scanned account (docs/reasoning.md
# §3). `customer` is the execution role's caller: what the inputs settle of the account the
# conditions of a policy may name as the customer's own.
aws_owned(customer) := {"arn": null, "account": null, "deploy": false, "aws_owned": true, "customer": customer}

# customer_account: the account of the scanned inputs when they settle it (a live scan's, or the
# execution role's ARN as written), else null.
customer_account(caller) := input.account if {
	is_string(object.get(input, "account", null))
} else := caller.customer.account
