package fargate_preflight.lib.kms_test

import rego.v1

src := {"file": "t.yaml", "line": 1, "pointer": ""}

key_arn := "arn:aws:kms:us-east-1:123456789012:key/1234"

role_arn := "arn:aws:iam::123456789012:role/app-task"

allow(action, resource) := {"Effect": "Allow", "Action": action, "Resource": resource}

grant(effect, principal, fields) := object.union({"Effect": effect, "Principal": {"AWS": principal}, "Action": "kms:Decrypt", "Resource": "*"}, fields)

root := grant("Allow", "arn:aws:iam::123456789012:root", {"Action": "kms:*"})

# outcome: how the role with identity statements `statements` (and the boundary `boundary`
# allows, when not null) fares with kms:Decrypt on the key with key policy `policy`:
# "allow", "undecided" or [decision, part] of its denial.
outcome(policy, statements, boundary) := verdict(result) if {
	w := {
		"kms_keys": {"Key": {"id": "Key", "name": "Key", "source": src, "arn": key_arn, "policy": policy}},
		"managed_policies": {"Boundary": {"id": "Boundary", "name": "Boundary", "source": src, "arn": "b", "document": {"Statement": boundary}}},
	}
	role := {
		"id": "App", "name": "App", "source": src, "arn": role_arn,
		"inline_policies": [{"name": "app", "document": {"Statement": statements}, "source": src}],
		"managed_policy_arns": [], "permissions_boundary": boundary_ref(boundary),
	}
	c := {"rule": "FG605", "endpoint": "kms", "actions": ["kms:Decrypt"], "resource": key_arn, "what": "key", "source": null}
	checked := data.fargate_preflight.lib.iam.checked_role(role) with input as w
	caller := {"arn": role_arn, "account": "123456789012"}
	result := data.fargate_preflight.lib.kms.check(checked, caller, c) with input as w
}

boundary_ref(null) := null

boundary_ref(b) := "Boundary" if b != null

verdict(result) := [d.decision.decision, d.decision.part] if {
	some d in result.denied
} else := "undecided" if {
	count(result.unknowns) > 0
} else := "allow"

key(statements) := {"Statement": statements}

iam_allows := [allow("kms:Decrypt", "*")]

test_direct_grant_needs_no_iam_allow if {
	outcome(key([grant("Allow", role_arn, {})]), [], null) == "allow"
	outcome(key([grant("Allow", "*", {})]), [], null) == "allow"

	# an explicit Deny of the role's own policies still wins
	outcome(key([grant("Allow", role_arn, {})]), [object.union(allow("kms:*", "*"), {"Effect": "Deny"})], null) == ["explicit_deny", "identity"]
}

# The account's root (ARN or id) delegates to IAM: it grants no role on its own.
test_account_root_delegates if {
	outcome(key([root]), [], null) == ["implicit_deny", "identity"]
	outcome(key([root]), iam_allows, null) == "allow"
	outcome(key([grant("Allow", "123456789012", {})]), iam_allows, null) == "allow"
	outcome(key([grant("Allow", ["123456789012", "arn:aws:iam::123456789012:role/other"], {})]), [], null) == ["implicit_deny", "identity"]
}

test_neither_role_nor_root if {
	outcome(key([grant("Allow", "arn:aws:iam::123456789012:role/other", {})]), iam_allows, null) == ["implicit_deny", "key"]
	outcome(key([]), iam_allows, null) == ["implicit_deny", "key"]

	# another account's root delegates to that account's IAM, not to this role's
	outcome(key([grant("Allow", "arn:aws:iam::999999999999:root", {})]), iam_allows, null) == ["implicit_deny", "key"]
}

test_deny_in_key_policy if {
	outcome(key([root, grant("Deny", "*", {})]), iam_allows, null) == ["explicit_deny", "key"]

	# a Deny of the account's root covers the account's roles
	outcome(key([grant("Allow", role_arn, {}), grant("Deny", "arn:aws:iam::123456789012:root", {})]), [], null) == ["explicit_deny", "key"]

	# a conditional Deny leaves an allowed request undecided
	outcome(key([grant("Allow", role_arn, {}), grant("Deny", "*", {"Condition": {"Bool": {"aws:SecureTransport": "false"}}})]), [], null) == "undecided"
}

test_conditions_on_the_grant if {
	via := {"Condition": {"StringEquals": {"kms:ViaService": "ssm.us-east-1.amazonaws.com"}}}
	outcome(key([grant("Allow", role_arn, via)]), [], null) == "undecided"

	# the root statement allows through IAM anyway
	outcome(key([root, grant("Allow", "*", via)]), iam_allows, null) == "allow"
	outcome(key([root, grant("Allow", "*", via)]), [], null) == "undecided"
}

# A permissions boundary limits what the key policy grants the role, as it limits its own policies.
test_boundary if {
	outcome(key([grant("Allow", role_arn, {})]), [], [allow("kms:Decrypt", "*")]) == "allow"
	outcome(key([grant("Allow", role_arn, {})]), [], [allow("s3:*", "*")]) == ["implicit_deny", "boundary"]
	outcome(key([root]), iam_allows, [allow("s3:*", "*")]) == ["implicit_deny", "boundary"]
}

test_unsettled_key_policy_and_principal if {
	policy := {"unknown": "u", "ref": "Parameter KeyPolicy", "source": src}
	outcome(policy, iam_allows, null) == "undecided"
	outcome(policy, [], null) == "undecided"
	outcome(policy, [object.union(allow("kms:*", "*"), {"Effect": "Deny"})], null) == ["explicit_deny", "identity"]

	principal := {"unknown": "u", "ref": "Parameter TaskRoleArn", "source": src}
	outcome(key([grant("Allow", principal, {})]), [], null) == "undecided"
	outcome(key([{"Effect": "Allow", "Principal": principal, "Action": "kms:Decrypt", "Resource": "*"}]), [], null) == "undecided"
}

# A key is found by its ARN, or by the token of a key the inputs create (`!Ref Key` in the
# cluster, `!GetAtt Key.Arn` in the model); another key, or two that match, leave the identity
# policies to decide.
test_key_of if {
	own := {"unknown": "u", "ref": "Fn::GetAtt Key.Arn", "source": src, "partial": "arn:aws:kms:us-east-1:*:key/*", "identity": "arn:aws:kms:us-east-1:*:key/<#Key>"}
	by_ref := {"unknown": "u", "ref": "Ref Key", "source": src, "partial": "arn:aws:kms:us-east-1:*:key/*", "identity": "arn:aws:kms:us-east-1:*:key/<#Key>"}
	other := object.union(by_ref, {"identity": "arn:aws:kms:us-east-1:*:key/<#Other>"})
	keys := {"Key": {"id": "Key", "name": "Key", "arn": own}, "Lit": {"id": "Lit", "name": "Lit", "arn": key_arn}}
	data.fargate_preflight.lib.kms.key_of(by_ref).id == "Key" with input as {"kms_keys": keys}
	data.fargate_preflight.lib.kms.key_of(key_arn).id == "Lit" with input as {"kms_keys": keys}
	not data.fargate_preflight.lib.kms.key_of(other) with input as {"kms_keys": keys}
	not data.fargate_preflight.lib.kms.key_of(object.union(by_ref, {"identity": null})) with input as {"kms_keys": keys}
	not data.fargate_preflight.lib.kms.key_of(key_arn) with input as {}
}
