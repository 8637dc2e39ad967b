# METADATA
# title: VPC endpoint policy does not allow a needed action
# description: |
#   The VPC endpoint on the task's path has a policy, and it does not allow an action the task
#   needs for the principal that calls: the execution role for the Fargate agent (image pull,
#   logs, secrets), the task role for ECS Exec, the application and an App Mesh Envoy proxy.
#   The image layers of a private ECR image (s3:GetObject on the
#   prod-REGION-starport-layer-bucket) are downloaded through URLs that ECR presigns with AWS's
#   own credentials: only a statement for Principal "*" without a principal or account
#   condition lets them through. Inferred
#   application and proxy needs only fire when the policy allows no action of the service at
#   all, or denies all of them. The default endpoint policy allows everything.
# custom:
#   id: FG102
#   level: error
#   remediation: >-
#     Add a statement to the endpoint policy that allows the action on its resource for the
#     calling role, or for Principal "*" for the ECR image layers (or narrow the Deny that
#     covers it).
#   tags: [iam, vpc-endpoint]
#   examples:
#     failing: |
#       S3Endpoint:
#         Type: AWS::EC2::VPCEndpoint
#         Properties:
#           ServiceName: !Sub com.amazonaws.${AWS::Region}.s3
#           RouteTableIds: [!Ref PrivateRouteTable]
#           PolicyDocument:
#             Statement:
#               - {Effect: Allow, Principal: "*", Action: s3:GetObject, Resource: "arn:aws:s3:::my-app-bucket/*"}
#     passing: |
#       S3Endpoint:
#         Type: AWS::EC2::VPCEndpoint
#         Properties:
#           ServiceName: !Sub com.amazonaws.${AWS::Region}.s3
#           RouteTableIds: [!Ref PrivateRouteTable]
#           PolicyDocument:
#             Statement:
#               - Effect: Allow
#                 Principal: "*"
#                 Action: s3:GetObject
#                 Resource:
#                   - arn:aws:s3:::my-app-bucket/*
#                   - arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*
package fargate_preflight.rules.fg102

import rego.v1

# METADATA
# entrypoint: true
deny contains entry if {
	some [sid, need, ep_id], xs in checks
	some x in xs
	count(x.denied) > 0
	svc := input.services[sid]
	ep := input.vpc_endpoints[ep_id]
	entry := data.fargate_preflight.lib.result.finding({
		"resource": ep.name,
		"service": svc.name,
		"need": need,
		"message": sprintf("%s %s cannot call %s through VPC endpoint %s: %s (needed for %s)", [
			svc.kind, svc.name, need, ep.name,
			data.fargate_preflight.lib.iam.not_authorized(x.who, x.denied, x.call.resource),
			x.call.what,
		]),
		"fix": sprintf("Allow %s for %s in the policy of VPC endpoint %s, or narrow the Deny that covers it.", [
			allowed_text(x.denied), principal_text(x), ep.name,
		]),
		"hop": {
			"from": sprintf("%s %s", [svc.kind, svc.name]), "via": sprintf("VPC endpoint %s", [ep.name]),
			"to": need, "detail": "endpoint policy",
		},
		"source": ep.source,
	})
}

# undecided: one entry per task subnet whose path takes the endpoint (its `path` makes that
# row of the text report undecided).
undecided contains entry if {
	some use, xs in checks
	some x in xs
	some u in x.unknowns
	some p in data.fargate_preflight.lib.paths.selected
	[p.service, p.need, p.endpoint] == use
	entry := {
		"unknown": u, "service": input.services[use[0]].name, "rules": ["FG102"],
		"path": {"need": p.need, "subnet": p.subnet},
	}
}

# endpoint_uses[[service id, need, endpoint id]]: the endpoints with a policy on the paths
# the services take (one entry however many subnets share the endpoint).
endpoint_uses contains entry if {
	count(with_policy) > 0
	some path in data.fargate_preflight.lib.paths.selected
	path.kind in {"interface", "gateway"}
	path.endpoint in with_policy
	entry := [path.service, path.need, path.endpoint]
}

# with_policy: the endpoints that have a policy (often none: then no path is looked at;
# regorus leaves an empty set rule undefined, which stops endpoint_uses the same way).
with_policy contains id if {
	some id, ep in input.vpc_endpoints
	ep.policy != null
}

# checks[[service id, need, endpoint id]] is the set of calls through the endpoint, each with
# the actions its policy denies and what it waits for.
checks[use] contains entry if {
	some use in endpoint_uses
	sid := use[0]
	need := use[1]
	ep_id := use[2]
	td := data.fargate_preflight.lib.taskdef.task_definition(input.services[sid])
	some [c, kind] in service_calls[sid]
	c.endpoint == need
	role := data.fargate_preflight.lib.iam.role_of(td, kind)
	role != null
	not data.fargate_preflight.lib.iam.does_not_exist(role) # FG107's
	caller := call_caller(c, data.fargate_preflight.lib.iam.caller(td, kind, role))
	result := endpoint_result(endpoint_policies[ep_id], c, caller)
	entry := object.union(result, {"call": c, "who": who_text(c, kind, role)})
}

# call_caller: the principal the endpoint policy sees. The image layer download is signed by
# AWS's own principal, not the execution role (lib/callers.rego, docs/reasoning.md §3).
call_caller(c, role_caller) := data.fargate_preflight.lib.callers.aws_owned(role_caller) if {
	c.presigned
} else := role_caller

who_text(c, kind, role) := sprintf(
	"ECR's presigned layer download (signed with AWS's own credentials, not %s %s)",
	[kind_text[kind], role_name(role)],
) if {
	c.presigned
} else := sprintf("%s %s", [kind_text[kind], role_name(role)])

# principal_text: whom the fix's statement is for.
principal_text(x) := concat(" ", [
	`Principal "*" (with no principal or account condition: ECR presigns the layer URLs with`,
	"AWS's own credentials)",
]) if {
	x.call.presigned
} else := x.who

# allowed_text: the denied actions with the resource each is denied on, as the other IAM
# rules' fixes name them (`s3:GetObject on arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*`);
# none for a call that names no resource (a declared action without resources, an inferred need).
allowed_text(denied) := concat(" and ", sort({text |
	some r in {d.resource | some d in denied}
	actions := [d.action | some d in denied; d.resource == r]
	text := sprintf("%s%s", [concat(", ", actions), on_text(r)])
}))

on_text(null) := ""

on_text("*") := ` on "*"`

on_text(r) := sprintf(" on %s", [data.fargate_preflight.lib.model.show(r)]) if {
	r != null
	r != "*"
}

# service_calls[service id] and endpoint_policies[endpoint id] (prepared for the IAM
# evaluator) are computed once however many endpoints a service uses.
service_calls[sid] := value if {
	some sid in {use[0] | some use in endpoint_uses}
	td := data.fargate_preflight.lib.taskdef.task_definition(input.services[sid])
	value := calls(sid, td)
}

endpoint_policies[ep_id] := value if {
	some ep_id in {use[2] | some use in endpoint_uses}
	ep := input.vpc_endpoints[ep_id]
	value := data.fargate_preflight.lib.iam.prepare([policy_entry(ep)])
}

kind_text := {"task_role": "task role", "execution_role": "execution role"}

# calls are the service's calls with the kind of role that makes them.
calls(sid, td) := (agent_calls(sid, td) | task_role_calls(sid)) | inferred_calls(sid)

# agent_calls: the task definition's, and the service's own (its Service Connect proxy's logs).
agent_calls(sid, td) := {[c, "execution_role"] |
	calls := agent_calls_of(td) | object.get(data.fargate_preflight.lib.calls.service_agent, [sid], set())
	some c in calls
}

agent_calls_of(td) := data.fargate_preflight.lib.calls.agent[td.id] if {
	data.fargate_preflight.lib.calls.agent[td.id]
} else := data.fargate_preflight.lib.calls.agent_calls(td)

task_role_calls(sid) := {[x.call, "task_role"] |
	some x in data.fargate_preflight.lib.calls.task_role_checks
	x.service == sid
	x.call.rule in {"FG101", "FG601"}
}

# inferred_calls: application needs inferred from the task role's policies, and the App Mesh
# proxy's (which calls with the task role), checked as "any action of the service" unless the
# service declares actions for that endpoint.
inferred_calls(sid) := {[c, "task_role"] |
	some n in data.fargate_preflight.lib.needs.by_service[sid]
	n.caller in {"app", "proxy"}
	n.reason != "declared need"
	not declared_endpoint(sid, n.need)
	prefix := prefix_of(n.need)
	c := {
		"rule": "FG102", "endpoint": n.need, "actions": [sprintf("%s:*", [prefix])], "resource": null,
		"what": n.reason, "source": n.source, "any_action": true,
	}
}

declared_endpoint(sid, endpoint) if {
	some c in data.fargate_preflight.lib.calls.declared_calls(sid)
	c.endpoint == endpoint
}

# prefix_of maps an endpoint service back to the IAM prefix whose actions it serves (asked
# only for inferred needs, so the 300-entry map is not inverted on every scan).
prefix_of(endpoint) := min({p |
	some p, e in data.fargate_preflight.aws.endpoint_for_prefix
	e == endpoint
})

role_name(role) := role.name if {
	not data.fargate_preflight.lib.model.is_unknown(role)
} else := data.fargate_preflight.lib.model.show(role)

endpoint_result(policy, c, who) := {"denied": denied, "unknowns": unknowns} if {
	decisions := [[action, resource, d] |
		some action in c.actions
		resource := data.fargate_preflight.lib.iam.call_resource(c, action)
		req := {"action": lower(action), "resource": resource, "any_action": object.get(c, "any_action", false)}
		d := object.union(data.fargate_preflight.lib.iam.decide_prepared(policy, req, who), {"part": "endpoint"})
	]
	denied := [{"action": a, "decision": d, "resource": r} |
		some [a, r, d] in decisions
		d.decision in {"explicit_deny", "implicit_deny"}
	]
	unknowns := {u | some [_, _, d] in decisions; d.decision == "undecided"; some u in d.unknowns}
}

policy_entry(ep) := ep.policy if {
	data.fargate_preflight.lib.model.is_unknown(ep.policy)
} else := {"name": sprintf("the policy of VPC endpoint %s", [ep.name]), "document": ep.policy, "source": ep.source}
