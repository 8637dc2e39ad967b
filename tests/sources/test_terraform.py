"""The Terraform plan source: real plans (made by Terraform, tests/fixtures/terraform/), linking
through `configuration`, provider semantics, `.tf` locations, unknowns.

Every plan.json here is the output of `terraform show -json` (regenerate.sh beside the cases);
none is written by hand. The expected verdicts of the ten generated cases come from
shared/corpus/terraform-plan/generated/README.md (copied as tests/fixtures/terraform/README.md).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from scanner.api import ScanOptions, load, scan
from scanner.config import load as load_config
from scanner.findings import Report
from scanner.report.sarif import build as build_sarif
from scanner.sources.tf import expr, hcl, links, traversal, written

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "tests" / "fixtures" / "terraform"
CHECKOV_PLAN = (
    ROOT
    / "tests/fixtures/corpus/terraform-plan"
    / "bridgecrewio__checkov__tests__terraform__image_referencer__resources__aws__ecs_tfplan.json"
)
NEVER_NEEDED = {"ecs", "ecs-agent", "ecs-telemetry"}

# case -> {(service address, rule id): needs that carry the error} (README of the cases).
GENERATED: dict[str, dict[tuple[str, str], set[str]]] = {
    "public-igw": {},
    "public-no-public-ip": {
        ("aws_ecs_service.web", "FG201"): {"registry-1.docker.io", "logs"},
    },
    "private-nat": {},
    "private-nat-in-private-subnet": {
        ("aws_ecs_service.app", "FG203"): {"ecr.api", "ecr.dkr", "s3", "logs"},
    },
    "isolated-endpoints": {},
    "isolated-missing-s3-gateway": {("aws_ecs_service.app", "FG205"): {"s3"}},
    "isolated-endpoint-sg-closed": {
        ("aws_ecs_service.app", "FG402"): {"ecr.api", "ecr.dkr", "logs"},
    },
    "isolated-nacl-blocks-return": {
        ("aws_ecs_service.app", "FG302"): {"ecr.api", "ecr.dkr", "logs", "s3"},
    },
    # Without the declared need of its .fargate-preflight.yaml the inferred sns need only checks
    # the network path, which is open (the declared need: test_declared_need_of_a_plan_...).
    "sns-endpoint-deny": {},
    "module-vpc": {},
}


@pytest.fixture(autouse=True)
def _no_region(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)


@cache
def scanned(case: str) -> Report:
    return scan([CASES / case / "plan.json"], ScanOptions(cwd=ROOT))


@cache
def model(case: str) -> dict[str, Any]:
    return load([CASES / case / "plan.json"], ScanOptions(cwd=ROOT)).model


def errors_by_service(report: Report) -> dict[tuple[str, str], set[str]]:
    found: dict[tuple[str, str], set[str]] = {}
    for f in report.findings:
        if f.level == "error":
            found.setdefault((str(f.service), f.rule_id), set()).add(str(f.need))
    return found


def rule_ids(report: Report, level: str | None = None) -> list[str]:
    return sorted(f.rule_id for f in report.findings if level is None or f.level == level)


# --- the generated cases ----------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(GENERATED))
def test_generated_case_gives_exactly_its_error_rules(case: str) -> None:
    report = scanned(case)
    assert report.errors == ()
    assert errors_by_service(report) == GENERATED[case]


@pytest.mark.parametrize("case", sorted(GENERATED))
def test_generated_case_is_fully_linked(case: str) -> None:
    """Every id of these plans is unknown until apply; linked through the configuration, no
    value stays unsettled (no FG801), and nothing is demanded that Fargate does not need."""
    report = scanned(case)
    assert [f for f in report.findings if f.level != "error"] == []
    assert {p.need for p in report.paths}.isdisjoint(NEVER_NEEDED)
    assert {p.verdict for p in report.paths} <= {"ok", "fail"}


@pytest.mark.parametrize("case", sorted(GENERATED))
def test_generated_case_findings_point_at_tf_lines(case: str) -> None:
    for finding in scanned(case).findings:
        path = ROOT / finding.location.file
        assert path.suffix == ".tf" and path.is_file(), finding.location
        lines = path.read_text(encoding="utf-8").splitlines()
        assert (
            lines[finding.location.line - 1]
            .lstrip()
            .startswith(("resource ", "data ", "egress", "ingress", "route"))
        ), finding


def test_generated_case_notices_are_quiet() -> None:
    assert scanned("private-nat").notices == ()


def test_private_nat_links_for_each_and_count_instances() -> None:
    m = model("private-nat")
    subnets = ['aws_subnet.private["us-east-1a"]', 'aws_subnet.private["us-east-1b"]']
    assert m["services"]["aws_ecs_service.app"]["network"] == {
        "subnets": subnets,
        "security_groups": ["aws_security_group.task"],
        "assign_public_ip": "DISABLED",
    }
    # for_each = aws_subnet.private with subnet_id = each.value.id: by the instance key
    assert {s: m["subnets"][s]["route_table"] for s in subnets} == dict.fromkeys(
        subnets, "aws_route_table.private"
    )
    assert m["subnets"]["aws_subnet.public"]["route_table"] == "aws_route_table.public"
    assert m["nat_gateways"]["aws_nat_gateway.main"]["subnet"] == "aws_subnet.public"
    table = m["route_tables"]["aws_route_table.private"]
    assert [(r["destination"], r["target_type"], r["target"]) for r in table["routes"]] == [
        ("10.20.0.0/16", "local", "local"),
        ("0.0.0.0/0", "nat", "aws_nat_gateway.main"),
    ]
    # aws_vpc_security_group_egress_rule adds to a group that declares no egress of its own
    egress = m["security_groups"]["aws_security_group.task"]["egress"]
    assert [(r["protocol"], r["from_port"], r["to_port"], r["cidr"]) for r in egress] == [
        ("6", 443, 443, "0.0.0.0/0")
    ]
    assert egress[0]["source"]["file"] == "tests/fixtures/terraform/private-nat/network.tf"


def test_a_regional_nat_gateway_of_a_newer_provider_has_no_subnet(tmp_path: Path) -> None:
    # Provider 6.x (not the 5.100 the cases are planned with) plans `availability_mode =
    # "regional"` with vpc_id and no subnet_id: the private-nat case's gateway made regional.
    plan = json.loads((CASES / "private-nat" / "plan.json").read_text(encoding="utf-8"))
    (change,) = [c for c in plan["resource_changes"] if c["type"] == "aws_nat_gateway"]
    (planned,) = [
        r
        for r in plan["planned_values"]["root_module"]["resources"]
        if r["type"] == "aws_nat_gateway"
    ]
    for after in (change["change"]["after"], planned["values"]):
        after |= {"availability_mode": "regional", "subnet_id": None}
    del change["change"]["after_unknown"]["subnet_id"]
    (config,) = [
        r
        for r in plan["configuration"]["root_module"]["resources"]
        if r["type"] == "aws_nat_gateway"
    ]
    del config["expressions"]["subnet_id"]
    case = tmp_path / "case"
    shutil.copytree(CASES / "private-nat", case)
    (case / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    loaded = load([case / "plan.json"], ScanOptions(cwd=tmp_path))
    assert loaded.errors == ()
    nat = loaded.model["nat_gateways"]["aws_nat_gateway.main"]
    assert (nat["subnet"], nat["availability_mode"]) == (None, "regional")
    assert model("private-nat")["nat_gateways"]["aws_nat_gateway.main"]["availability_mode"] == (
        "zonal"
    )
    # through the VPC's internet gateway, as the zonal one went through its subnet's
    report = scan([case / "plan.json"], ScanOptions(cwd=tmp_path))
    assert (report.errors, report.findings) == ((), ())


def test_public_igw_links_count_index_splats_and_inline_routes() -> None:
    m = model("public-igw")
    assert m["services"]["aws_ecs_service.web"]["network"]["subnets"] == [
        "aws_subnet.public[0]",
        "aws_subnet.public[1]",
    ]
    assert m["subnets"]["aws_subnet.public[1]"]["route_table"] == "aws_route_table.public"
    route = m["route_tables"]["aws_route_table.public"]["routes"][1]
    assert (route["destination"], route["target_type"], route["target"]) == (
        "0.0.0.0/0",
        "igw",
        "aws_internet_gateway.main",
    )
    # the inline `route` block's own line
    assert route["source"]["line"] == 33
    assert m["internet_gateways"]["aws_internet_gateway.main"]["vpc"] == "aws_vpc.main"
    assert m["region"] == "us-east-1"  # from the provider block


def test_isolated_endpoints_link_prefix_lists_and_source_groups() -> None:
    m = model("isolated-endpoints")
    s3 = m["vpc_endpoints"]["aws_vpc_endpoint.s3"]
    assert (s3["type"], s3["route_tables"], s3["prefix_list"]) == (
        "Gateway",
        ["aws_route_table.isolated"],
        "aws_vpc_endpoint.s3.prefix_list_id",
    )
    egress = m["security_groups"]["aws_security_group.task"]["egress"]
    assert [(r["cidr"], r["prefix_list"]) for r in egress] == [
        ("10.30.0.0/16", None),
        (None, "aws_vpc_endpoint.s3.prefix_list_id"),
    ]
    ingress = m["security_groups"]["aws_security_group.endpoints"]["ingress"]
    assert [r["security_group"] for r in ingress] == ["aws_security_group.task"]
    api = m["vpc_endpoints"]['aws_vpc_endpoint.interface["ecr.api"]']
    assert (api["service"], api["service_region"], api["private_dns"], api["subnets"]) == (
        "ecr.api",
        "us-east-1",
        True,
        ["aws_subnet.isolated[0]", "aws_subnet.isolated[1]"],
    )


def test_gateway_endpoint_associations_are_separate_resources() -> None:
    m = model("isolated-missing-s3-gateway")
    assert m["vpc_endpoints"]["aws_vpc_endpoint.s3"]["route_tables"] == ["aws_route_table.data"]


def test_network_acl_rules_and_subnet_ids() -> None:
    m = model("isolated-nacl-blocks-return")
    nacl = m["nacls"]["aws_network_acl.tasks"]
    assert sorted(
        (e["egress"], e["rule_number"], e["action"], e["protocol"]) for e in nacl["entries"]
    ) == [
        (False, 90, "deny", "6"),
        (False, 100, "allow", "-1"),
        (True, 100, "allow", "-1"),
    ]
    assert m["subnets"]["aws_subnet.isolated[0]"]["nacl"] == "aws_network_acl.tasks"
    assert m["subnets"]["aws_subnet.endpoints[0]"]["nacl"] == "aws_vpc.main/default-nacl"


def test_sns_endpoint_policy_and_task_role() -> None:
    m = model("sns-endpoint-deny")
    endpoint = m["vpc_endpoints"]["aws_vpc_endpoint.sns"]
    # aws_vpc_endpoint_policy: the endpoint's own policy is unknown in the plan
    assert [s["Effect"] for s in endpoint["policy"]["Statement"]] == ["Allow", "Deny"]
    assert endpoint["subnets"] == [
        'aws_subnet.private["us-east-1a"]',
        'aws_subnet.private["us-east-1b"]',
    ]
    task = m["task_definitions"]["aws_ecs_task_definition.app"]
    assert (task["task_role"], task["execution_role"]) == (
        "aws_iam_role.task",
        "aws_iam_role.execution",
    )
    role = m["roles"]["aws_iam_role.task"]
    assert [p["name"] for p in role["inline_policies"]] == ["publish"]
    assert role["arn"]["ref"] == "aws_iam_role.task.arn"
    # inferred from the task role: an sns need, whose path (the endpoint) is open
    paths = {(p.need, p.verdict) for p in scanned("sns-endpoint-deny").paths}
    assert ("sns", "ok") in paths


def test_declared_need_of_a_plan_meets_the_endpoint_policy_deny() -> None:
    """The case's .fargate-preflight.yaml declares sns:Publish for aws_ecs_service.app: the
    endpoint policy denies it to every principal (FG102); the task role allows it (no FG101)."""
    case = CASES / "sns-endpoint-deny"
    config = load_config(case / ".fargate-preflight.yaml", ROOT, ROOT)
    report = scan([case / "plan.json"], ScanOptions(cwd=ROOT, config=config))
    assert [
        (f.rule_id, f.service, f.need, f.resource, f.location.file) for f in report.findings
    ] == [
        (
            "FG102",
            "aws_ecs_service.app",
            "sns",
            "aws_vpc_endpoint.sns",
            "tests/fixtures/terraform/sns-endpoint-deny/sns_endpoint.tf",
        )
    ]
    assert report.findings[0].message.endswith(
        "task role aws_iam_role.task is not authorized to perform: sns:Publish with an explicit "
        "deny in a VPC endpoint policy (needed for the declared need sns)"
    )


def test_module_vpc_links_module_outputs_locals_and_managed_defaults() -> None:
    m = model("module-vpc")
    vpc = m["vpcs"]["module.vpc.aws_vpc.this[0]"]
    assert (vpc["main_route_table"], vpc["default_nacl"], vpc["default_security_group"]) == (
        "module.vpc.aws_default_route_table.default[0]",
        "module.vpc.aws_default_network_acl.this[0]",
        "module.vpc.aws_default_security_group.this[0]",
    )
    # subnet vpc_id is local.vpc_id = try(<a cidr association that has count 0>, aws_vpc.this[0].id)
    assert m["subnets"]["module.vpc.aws_subnet.private[1]"]["vpc"] == "module.vpc.aws_vpc.this[0]"
    # element(aws_subnet.public[*].id, var.single_nat_gateway ? 0 : count.index)
    assert m["nat_gateways"]["module.vpc.aws_nat_gateway.this[0]"]["subnet"] == (
        "module.vpc.aws_subnet.public[0]"
    )
    assert m["subnets"]["module.vpc.aws_subnet.private[1]"]["route_table"] == (
        "module.vpc.aws_route_table.private[0]"
    )
    assert m["services"]["aws_ecs_service.api"]["network"]["subnets"] == [
        "module.vpc.aws_subnet.private[0]",
        "module.vpc.aws_subnet.private[1]",
    ]
    assert m["security_groups"]["aws_security_group.task"]["vpc"] == "module.vpc.aws_vpc.this[0]"
    # aws_default_security_group with empty dynamic blocks: no rules at all
    group = m["security_groups"]["module.vpc.aws_default_security_group.this[0]"]
    assert (group["ingress"], group["egress"]) == ([], [])
    # aws_default_route_table without routes: only local
    default = m["route_tables"]["module.vpc.aws_default_route_table.default[0]"]
    assert [r["target_type"] for r in default["routes"]] == ["local"]
    assert default["source"]["file"] == "tests/fixtures/terraform/module-vpc/modules/vpc/main.tf"


# --- provider semantics (one test per difference from CloudFormation) -----------------------


def test_security_group_without_egress_lets_nothing_out() -> None:
    m = model("defaults-security-group-egress")
    assert m["security_groups"]["aws_security_group.task"]["egress"] == []
    assert errors_by_service(scanned("defaults-security-group-egress")) == {
        ("aws_ecs_service.web", "FG401"): {"registry-1.docker.io", "logs"}
    }


def test_vpc_dns_hostnames_default_false_and_endpoint_type_default_gateway() -> None:
    m = model("defaults-vpc-dns")
    vpc = m["vpcs"]["aws_vpc.main"]
    assert (vpc["enable_dns_support"], vpc["enable_dns_hostnames"]) == (True, False)
    s3 = m["vpc_endpoints"]["aws_vpc_endpoint.s3"]
    assert (s3["type"], s3["private_dns"]) == ("Gateway", False)
    assert errors_by_service(scanned("defaults-vpc-dns")) == {
        ("aws_ecs_service.app", "FG503"): {"ecr.api", "ecr.dkr", "logs"}
    }


def test_endpoint_private_dns_defaults_false() -> None:
    m = model("defaults-endpoint-private-dns")
    endpoint = m["vpc_endpoints"]['aws_vpc_endpoint.interface["logs"]']
    assert (endpoint["type"], endpoint["private_dns"]) == ("Interface", False)
    assert errors_by_service(scanned("defaults-endpoint-private-dns")) == {
        ("aws_ecs_service.app", "FG502"): {"ecr.api", "ecr.dkr", "logs"}
    }


def test_s3_interface_endpoint_for_inbound_resolvers_leaves_the_tasks_on_the_gateway() -> None:
    # Its security group admits only on-premises clients: were it the tasks' path, FG402.
    endpoints = model("s3-interface-inbound-only")["vpc_endpoints"]
    assert endpoints["aws_vpc_endpoint.s3_interface"]["private_dns_inbound_only"] is True
    assert "private_dns_inbound_only" not in endpoints["aws_vpc_endpoint.s3"]
    report = scanned("s3-interface-inbound-only")
    assert report.findings == ()
    assert {p.path for p in report.paths if p.need == "s3"} == {
        "gateway endpoint aws_vpc_endpoint.s3"
    }


def test_an_s3_endpoint_policy_for_another_role_of_the_plan() -> None:
    # Both roles' ARNs are known only after apply, but their names and paths are in the plan:
    # the policy's principal cannot be the execution role whatever the account (before: an
    # FG801 note on the execution role's ARN instead of the FG102). The layer download is not
    # even the execution role's: ECR presigns it with AWS's own credentials (next test).
    m = model("s3-policy-other-role")
    task = m["task_definitions"]["aws_ecs_task_definition.app"]
    assert task["execution_role_arn"]["partial"] == (
        "arn:aws:iam::*:role/isolated-endpoints-execution"
    )
    (statement,) = m["vpc_endpoints"]["aws_vpc_endpoint.s3"]["policy"]["Statement"]
    assert [p["partial"] for p in statement["Principal"]["AWS"]] == [
        "arn:aws:iam::*:role/svc/isolated-endpoints-other"
    ]
    report = scanned("s3-policy-other-role")
    assert errors_by_service(report) == {("aws_ecs_service.app", "FG102"): {"s3"}}
    assert [(f.rule_id, f.location.file, f.location.line) for f in report.findings] == [
        ("FG102", "tests/fixtures/terraform/s3-policy-other-role/network.tf", 101)
    ]


def test_endpoint_policies_on_the_plans_own_account() -> None:
    # data.aws_caller_identity read during apply: its account_id is the plan's account, as
    # CloudFormation's `!Ref AWS::AccountId` is (before: an opaque value, and an FG801 note on
    # every endpoint). The execution role is created by the plan, so it is of that account; the
    # ECR layer download is signed by an AWS-owned principal, which is not (field test 22, D1
    # and D4).
    case = "tests/fixtures/terraform/endpoint-policy-own-account"
    m = model("endpoint-policy-own-account")
    (statement,) = m["vpc_endpoints"]['aws_vpc_endpoint.interface["logs"]']["policy"]["Statement"]
    (value,) = statement["Condition"]["StringEquals"]["aws:PrincipalAccount"]
    assert (value["ref"], "partial" in value) == ("AWS::AccountId", False)
    report = scanned("endpoint-policy-own-account")
    assert [(f.rule_id, f.need, f.location.file, f.location.line) for f in report.findings] == [
        ("FG102", "s3", f"{case}/network.tf", 105)
    ]
    (finding,) = report.findings
    assert finding.message == (
        "service aws_ecs_service.app cannot call s3 through VPC endpoint aws_vpc_endpoint.s3: "
        "ECR's presigned layer download (signed with AWS's own credentials, not execution role "
        "aws_iam_role.execution) is not authorized to perform: s3:GetObject on resource: "
        "arn:aws:s3:::prod-us-east-1-starport-layer-bucket/* because no statement of the VPC "
        "endpoint policy allows the s3:GetObject action (needed for private ECR image "
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:2.0.1 (container app))"
    )
    assert finding.fix == (
        "Allow s3:GetObject on arn:aws:s3:::prod-us-east-1-starport-layer-bucket/* for Principal "
        '"*" (with no principal or account condition: ECR presigns the layer URLs with AWS\'s own '
        "credentials) in the policy of VPC endpoint aws_vpc_endpoint.s3, or narrow the Deny that "
        "covers it."
    )


def test_app_mesh_proxy_and_a_table_in_another_region() -> None:
    td = model("app-mesh-proxy")["task_definitions"]["aws_ecs_task_definition.app"]
    assert td["proxy_configuration"] == {
        "type": "APPMESH",
        "container_name": "envoy",
        "source": {
            "file": "tests/fixtures/terraform/app-mesh-proxy/ecs.tf",
            "line": 23,
            "pointer": "/resource/aws_ecs_task_definition/app/proxy_configuration/0",
        },
    }
    assert (
        "proxy_configuration"
        not in model("isolated-endpoints")["task_definitions"]["aws_ecs_task_definition.app"]
    )
    report = scanned("app-mesh-proxy")
    assert errors_by_service(report) == {
        ("aws_ecs_service.app", "FG202"): {"appmesh-envoy-management", "dynamodb"}
    }
    assert [f.level for f in report.findings] == ["error", "error"]
    # the plan's own table (aws_dynamodb_table.orders.arn, known after apply) is in the deploy
    # region, through the gateway endpoint; the eu-west-1 replica only over the internet
    assert {(p.path, p.verdict) for p in report.paths if p.need == "dynamodb"} == {
        ("gateway endpoint aws_vpc_endpoint.dynamodb", "ok"),
        ("none", "fail"),
    }
    [table] = [f for f in report.findings if f.need == "dynamodb"]
    assert "dynamodb in eu-west-1 is reachable only over the internet" in table.message


def test_service_connect_proxy_logs_are_the_services() -> None:
    services = model("service-connect-logs")["services"]
    assert services["aws_ecs_service.api"]["service_connect_log"] == {
        "enabled": True,
        "log_driver": "awslogs",
        "log_options": {
            "awslogs-group": "/ecs/service-connect-logs/proxy",
            "awslogs-region": "us-east-1",
            "awslogs-stream-prefix": "proxy",
        },
        "log_group_in_inputs": True,  # aws_cloudwatch_log_group.proxy
        "source": {
            "file": "tests/fixtures/terraform/service-connect-logs/ecs.tf",
            "line": 48,
            "pointer": "/resource/aws_ecs_service/api/service_connect_configuration/0"
            "/log_configuration/0",
        },
    }
    web = services["aws_ecs_service.web"]["service_connect_log"]
    assert web["log_options"]["awslogs-region"] == "us-west-2"
    assert "log_group_in_inputs" not in web
    plain = model("isolated-endpoints")["services"]["aws_ecs_service.app"]
    assert "service_connect_log" not in plain
    # the web proxy's group is in us-west-2, which no endpoint of the VPC serves
    report = scanned("service-connect-logs")
    assert errors_by_service(report) == {("aws_ecs_service.web", "FG202"): {"logs"}}
    [error] = report.findings
    assert "logs in us-west-2 is reachable only over the internet" in error.message


def test_a_log_group_of_the_plan_is_marked_in_its_containers() -> None:
    # awslogs-group = aws_cloudwatch_log_group.app.name: the group exists before a task starts.
    (container,) = model("isolated-endpoints")["task_definitions"]["aws_ecs_task_definition.app"][
        "containers"
    ]
    assert container["log_group_in_inputs"] is True


def test_log_groups_that_apply_names_are_the_plans() -> None:
    # name_prefix, or no name: the plan knows the containers' and the proxy's group only as
    # aws_cloudwatch_log_group.X.name (the proxy's whole options map is unknown), which still
    # names a group of the plan, so awslogs-create-group needs no logs:CreateLogGroup for it
    m = model("unnamed-log-groups")
    definitions = m["task_definitions"]
    (app,) = definitions['aws_ecs_task_definition.app["app"]']["containers"]
    assert app["log_options"]["awslogs-group"]["ref"] == "aws_cloudwatch_log_group.app.name"
    assert app["log_group_in_inputs"] is True
    (elsewhere,) = definitions['aws_ecs_task_definition.app["elsewhere"]']["containers"]
    assert "log_group_in_inputs" not in elsewhere
    proxy = m["services"]['aws_ecs_service.app["app"]']["service_connect_log"]
    assert proxy["log_options"]["awslogs-group"]["ref"] == "aws_cloudwatch_log_group.proxy.name"
    assert (proxy["log_options"]["awslogs-region"], proxy["log_group_in_inputs"]) == (
        "us-east-1",
        True,
    )
    report = scanned("unnamed-log-groups")
    assert errors_by_service(report) == {('aws_ecs_service.app["elsewhere"]', "FG104"): {"logs"}}
    [error] = report.findings
    assert "logs:CreateLogGroup" in error.message
    assert (error.location.file, error.location.line) == (
        "tests/fixtures/terraform/unnamed-log-groups/iam.tf",
        12,
    )


def test_names_the_provider_makes_up_are_one_resources_each() -> None:
    # Field test 15, k01: a policy on "${aws_cloudwatch_log_group.g2.arn}:*" for the group the
    # container names aws_cloudwatch_log_group.g2.name, g2 without a name, was FG801 ("not
    # settled ... blocks FG104"), and so was any other unnamed group's or role's ARN. A name the
    # provider makes up (no name, or name_prefix) is that resource's and no other's: its
    # unknowns carry an identity with the resource's token (docs/model.md), as CloudFormation's.
    m = model("made-up-names")
    ok = m["task_definitions"]['aws_ecs_task_definition.app["ok"]']
    (container,) = ok["containers"]
    assert {k: container["log_options"]["awslogs-group"][k] for k in ("partial", "identity")} == {
        "partial": "/ecs/app-*",
        "identity": "/ecs/app-<#aws_cloudwatch_log_group.ok>",
    }
    assert ok["execution_role_arn"]["identity"] == (
        "arn:aws:iam::*:role/<#aws_iam_role.execution%5B%22ok%22%5D>"
    )
    assert "partial" not in ok["execution_role_arn"]  # nothing of the name is known
    (inline,) = m["roles"]['aws_iam_role.execution["ok"]']["inline_policies"]
    logs = inline["document"]["Statement"][1]["Resource"]
    assert {k: logs[k] for k in ("ref", "partial", "identity")} == {
        "ref": "aws_cloudwatch_log_group.ok.arn",
        "partial": "arn:aws:logs:us-east-1:*:log-group:/ecs/app-*:*",
        "identity": "arn:aws:logs:us-east-1:*:log-group:/ecs/app-<#aws_cloudwatch_log_group.ok>:*",
    }
    principals = m["vpc_endpoints"]["aws_vpc_endpoint.logs"]["policy"]["Statement"][0]
    assert (
        principals["Principal"]["AWS"][3]["identity"] == "arn:aws:iam::*:role/<#aws_iam_role.task>"
    )

    bucket = m["clusters"]["aws_ecs_cluster.main"]["execute_command_configuration"]
    assert bucket["logConfiguration"]["s3BucketName"]["identity"] == "<#aws_s3_bucket.exec>"
    # the provider's s3_bucket_encryption_enabled, as the ECS API names it: the SSM agent reads
    # the bucket's encryption (s3:GetEncryptionConfiguration) only when it is true
    assert bucket["logConfiguration"]["s3EncryptionEnabled"] is True

    report = scanned("made-up-names")
    assert report.errors == ()
    case = "tests/fixtures/terraform/made-up-names"
    found = [
        (f.rule_id, f.service, f.need, f.location.file, f.location.line) for f in report.findings
    ]
    # ok: its own group's streams, its role named by the endpoint policy, ECS Exec's objects and
    # bucket (before: FG605 for s3:PutObject on "${aws_s3_bucket.exec.arn}/*"); bare: the
    # provider's `arn` (no `:*`) is not the group's streams, and its task role's grants are
    # swapped; other: another unnamed group's streams; principal: its group's streams by
    # `name` and a `registry_id` for the account, but the endpoint policy names the task role,
    # not this execution role
    assert sorted(found) == [
        ("FG102", 'aws_ecs_service.app["principal"]', "logs", f"{case}/network.tf", 103),
        ("FG104", 'aws_ecs_service.app["bare"]', "logs", f"{case}/iam.tf", 13),
        ("FG104", 'aws_ecs_service.app["other"]', "logs", f"{case}/iam.tf", 13),
        ("FG605", 'aws_ecs_service.app["bare"]', "s3", f"{case}/iam.tf", 24),
        ("FG605", 'aws_ecs_service.app["bare"]', "s3", f"{case}/iam.tf", 24),
    ]
    principal, bare, _, *exec_logs = [
        f.message for f in sorted(report.findings, key=lambda f: (f.rule_id, f.message))
    ]
    assert "no statement of the VPC endpoint policy allows" in principal
    assert "logs:PutLogEvents on resource: <aws_cloudwatch_log_group.bare.name> because" in bare
    assert [m.split(" is not authorized to perform: ")[1].split(" ")[0] for m in exec_logs] == [
        "s3:GetEncryptionConfiguration",
        "s3:PutObject",
    ]


def test_a_nat_gateway_named_by_gateway_id_is_the_route_to_it() -> None:
    # Field test 17: `gateway_id = aws_nat_gateway.main.id` (which the AWS API takes) was FG801
    # "not a known kind of gateway", which hid the closed group's FG401.
    routes = model("gateway-id-nat")["route_tables"]
    defaults = {
        table: [(r["target_type"], r["target"]) for r in routes[table]["routes"]]
        for table in ("aws_route_table.private", "aws_route_table.inline")
    }
    assert defaults == {
        "aws_route_table.private": [("local", "local"), ("nat", "aws_nat_gateway.main")],
        "aws_route_table.inline": [("local", "local"), ("nat", "aws_nat_gateway.main")],
    }
    report = scanned("gateway-id-nat")
    assert errors_by_service(report) == {
        ("aws_ecs_service.inline", "FG401"): {"ecr.api", "ecr.dkr", "logs", "s3"}
    }
    assert {f.rule_id for f in report.findings} == {"FG401"}  # no FG801 left


def test_assign_public_ip_defaults_false() -> None:
    network = model("public-no-public-ip")["services"]["aws_ecs_service.web"]["network"]
    assert network["assign_public_ip"] == "DISABLED"


def test_default_vpc_objects_keep_only_what_they_declare() -> None:
    m = model("defaults-managed-vpc-objects")
    vpc = m["vpcs"]["aws_vpc.main"]
    assert (vpc["main_route_table"], vpc["default_nacl"], vpc["default_security_group"]) == (
        "aws_default_route_table.main",
        "aws_default_network_acl.main",
        "aws_default_security_group.main",
    )
    # none synthesized beside them
    assert not {"aws_vpc.main/main-route-table", "aws_vpc.main/default-nacl"} & (
        set(m["route_tables"]) | set(m["nacls"])
    )
    subnet = m["subnets"]["aws_subnet.public"]
    assert (subnet["route_table"], subnet["nacl"]) == (
        "aws_default_route_table.main",
        "aws_default_network_acl.main",
    )
    nacl = m["nacls"]["aws_default_network_acl.main"]
    assert [(e["egress"], e["rule_number"]) for e in nacl["entries"]] == [(True, 100)]
    group = m["security_groups"]["aws_default_security_group.main"]
    assert (group["ingress"], group["egress"]) == ([], [])
    report = scanned("defaults-managed-vpc-objects")
    assert errors_by_service(report) == {
        ("aws_ecs_service.web", "FG302"): {"registry-1.docker.io", "logs"},
        ("aws_ecs_service.nosg", "FG302"): {"registry-1.docker.io", "logs"},
        ("aws_ecs_service.nosg", "FG401"): {"registry-1.docker.io", "logs"},
    }
    assert rule_ids(report, "note") == ["FG404"]


# --- two services, own module, unknowns ------------------------------------------------------


def test_two_services_in_one_vpc_get_their_own_findings() -> None:
    report = scanned("two-services")
    assert errors_by_service(report) == {
        ("aws_ecs_service.broken", "FG202"): {"ecr.api", "ecr.dkr", "s3", "logs"}
    }
    assert {f.resource for f in report.findings} == {"aws_route_table.isolated"}
    healthy = {(p.need, p.verdict) for p in report.paths if p.service == "aws_ecs_service.healthy"}
    assert healthy == {(n, "ok") for n in ("ecr.api", "ecr.dkr", "s3", "logs")}
    assert all("aws_ecs_service.broken" in f.message for f in report.findings)


def test_tasks_that_eventbridge_runs_are_analysed_like_services() -> None:
    m = model("scheduled-tasks")
    target = m["services"]["aws_cloudwatch_event_target.nightly"]
    assert {k: target[k] for k in ("kind", "cluster", "task_definition", "launch_type")} == {
        "kind": "task",
        "cluster": "aws_ecs_cluster.main",
        "task_definition": 'aws_ecs_task_definition.app["broken"]',
        "launch_type": "FARGATE",
    }
    assert target["network"] == {
        "subnets": ["aws_subnet.isolated"],
        "security_groups": ["aws_security_group.task"],
        "assign_public_ip": "DISABLED",
    }
    schedule = m["services"]["aws_scheduler_schedule.hourly"]
    assert (schedule["kind"], schedule["task_definition"], schedule["network"]["subnets"]) == (
        "task",
        'aws_ecs_task_definition.app["healthy"]',
        ["aws_subnet.private[0]", "aws_subnet.private[1]"],
    )
    report = scanned("scheduled-tasks")
    assert errors_by_service(report) == {
        ("aws_cloudwatch_event_target.nightly", "FG202"): {"ecr.api", "ecr.dkr", "s3", "logs"}
    }
    hourly = {(p.need, p.verdict) for p in report.paths if p.service == schedule["id"]}
    assert hourly == {(n, "ok") for n in ("ecr.api", "ecr.dkr", "s3", "logs")}


def test_tasks_that_step_functions_runs_are_analysed_like_services() -> None:
    # jsonencode() around resources of the plan: known only after apply, read from the .tf text
    m = model("step-functions")
    assert sorted(m["services"]) == [
        "aws_sfn_state_machine.pipeline/Broken",
        "aws_sfn_state_machine.pipeline/Healthy",
    ]
    healthy = m["services"]["aws_sfn_state_machine.pipeline/Healthy"]
    assert {k: healthy[k] for k in ("kind", "cluster", "task_definition", "launch_type")} == {
        "kind": "task",
        "cluster": "aws_ecs_cluster.main",  # by its arn
        "task_definition": 'aws_ecs_task_definition.app["healthy"]',
        "launch_type": "FARGATE",
    }
    assert healthy["network"] == {
        "subnets": ["aws_subnet.private[0]", "aws_subnet.private[1]"],  # a splat, as one value
        "security_groups": ["aws_security_group.task"],
        "assign_public_ip": "DISABLED",
    }
    broken = m["services"]["aws_sfn_state_machine.pipeline/Broken"]
    assert (broken["cluster"], broken["task_definition"]) == (  # by name and family
        "aws_ecs_cluster.main",
        'aws_ecs_task_definition.app["broken"]',
    )
    assert broken["network"]["assign_public_ip"]["unknown"] == (
        "state Broken takes NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp from its "
        "input when it runs ($.publicIp)"
    )
    report = scanned("step-functions")
    assert errors_by_service(report) == {
        ("aws_sfn_state_machine.pipeline/Broken", "FG202"): {"ecr.api", "ecr.dkr", "s3", "logs"}
    }
    ok = {(p.need, p.verdict) for p in report.paths if p.service == healthy["id"]}
    assert ok == {(n, "ok") for n in ("ecr.api", "ecr.dkr", "s3", "logs")}


def test_a_state_machine_naming_another_kind_of_object_leaves_it_unsettled(tmp_path: Path) -> None:
    """A subnet's id where the cluster goes is not guessed into a cluster."""
    case = tmp_path / "step-functions"
    shutil.copytree(CASES / "step-functions", case)
    tf = case / "main.tf"
    text = tf.read_text(encoding="utf-8")
    tf.write_text(
        text.replace(
            "Cluster        = aws_ecs_cluster.main.arn", "Cluster = aws_subnet.isolated.id"
        ),
        encoding="utf-8",
    )
    m = load([case / "plan.json"], ScanOptions(cwd=tmp_path)).model
    cluster = m["services"]["aws_sfn_state_machine.pipeline/Healthy"]["cluster"]
    assert cluster["unknown"] == (
        "aws_sfn_state_machine.pipeline.definition names aws_subnet.isolated.id there"
    )


def test_a_state_machine_definition_the_plan_knows_is_read_from_the_plan(tmp_path: Path) -> None:
    """Terraform validates a definition it knows with the Step Functions API at plan time, so
    the offline cases cannot have one: the generated plan, with the definition set as a plan
    made online holds it (JSON text), and a literal cluster name, family and subnet id."""
    plan = json.loads((CASES / "step-functions" / "plan.json").read_text(encoding="utf-8"))
    definition = {
        "StartAt": "Run",
        "States": {
            "Run": {
                "Type": "Task",
                "Resource": "arn:aws:states:::ecs:runTask.waitForTaskToken",
                "End": True,
                "Parameters": {
                    "Cluster": "step-functions",
                    "TaskDefinition": "step-functions-healthy:3",
                    "NetworkConfiguration": {
                        "AwsvpcConfiguration": {
                            "Subnets": ["subnet-0abc"],
                            "SecurityGroups.$": "$.sg",
                        }
                    },
                },
            }
        },
    }
    for change in plan["resource_changes"]:
        if change["address"] == "aws_sfn_state_machine.pipeline":
            change["change"]["after"]["definition"] = json.dumps(definition)
            del change["change"]["after_unknown"]["definition"]
    for resource in plan["planned_values"]["root_module"]["resources"]:
        if resource["address"] == "aws_sfn_state_machine.pipeline":
            resource["values"]["definition"] = json.dumps(definition)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    run = load([path], ScanOptions(cwd=tmp_path)).model["services"][
        "aws_sfn_state_machine.pipeline"
    ]
    assert (run["cluster"], run["task_definition"], run["launch_type"]) == (
        "aws_ecs_cluster.main",
        'aws_ecs_task_definition.app["healthy"]',
        None,
    )
    assert run["network"]["subnets"] == ["subnet-0abc"]  # not in the plan: kept as written
    assert run["network"]["security_groups"]["ref"] == (
        "aws_sfn_state_machine.pipeline.Run.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups"
    )


def test_task_sets_of_an_external_deployment_are_analysed_instead_of_their_service() -> None:
    m = model("external-task-sets")
    assert sorted(m["services"]) == [
        "aws_ecs_service.later",  # no task set: kept, with its task definition unknown
        "aws_ecs_task_set.blue",
        "aws_ecs_task_set.green",
    ]
    green = m["services"]["aws_ecs_task_set.green"]
    assert (green["kind"], green["cluster"], green["task_definition"]) == (
        "service",
        "aws_ecs_cluster.main",
        'aws_ecs_task_definition.app["broken"]',
    )
    assert m["services"]["aws_ecs_service.later"]["task_definition"]["unknown"] == (
        "aws_ecs_service.later names no task_definition (an external deployment controller sets it)"
    )
    report = scanned("external-task-sets")
    assert errors_by_service(report) == {
        ("aws_ecs_task_set.green", "FG202"): {"ecr.api", "ecr.dkr", "s3", "logs"}
    }
    blue = {(p.need, p.verdict) for p in report.paths if p.service == "aws_ecs_task_set.blue"}
    assert blue == {(n, "ok") for n in ("ecr.api", "ecr.dkr", "s3", "logs")}


def test_own_module_links_and_locates_inside_the_module() -> None:
    m = model("own-module")
    assert m["services"]["aws_ecs_service.app"]["network"]["subnets"] == [
        'module.net.aws_subnet.private["us-east-1a"]',
        'module.net.aws_subnet.private["us-east-1b"]',
    ]
    report = scanned("own-module")
    assert errors_by_service(report) == {
        ("aws_ecs_service.app", "FG301"): {"ecr.api", "ecr.dkr", "s3", "logs"}
    }
    # the denying egress block, inside the module
    assert {(f.location.file, f.location.line) for f in report.findings} == {
        ("tests/fixtures/terraform/own-module/modules/net/main.tf", 72)
    }
    sarif = json.loads(build_sarif(report).text)
    locations = {
        (
            loc["physicalLocation"]["artifactLocation"]["uri"],
            loc["physicalLocation"]["region"]["startLine"],
        )
        for result in sarif["runs"][0]["results"]
        for loc in result["locations"]
    }
    assert locations == {("tests/fixtures/terraform/own-module/modules/net/main.tf", 72)}


def test_values_the_plan_does_not_settle_become_unknowns() -> None:
    m = model("unsettled")
    subnets = m["services"]["aws_ecs_service.app"]["network"]["subnets"]
    assert [s["ref"] for s in subnets] == ["data.aws_subnet.picked"]
    # located at the data source, where the unsettled value sits
    assert subnets[0]["source"]["line"] == 24
    assert m["services"]["aws_ecs_service.app"]["network"]["security_groups"] == [
        "aws_security_group.task",
        "sg-0123456789abcdef0",
    ]
    egress = m["security_groups"]["aws_security_group.task"]["egress"]
    assert egress[0]["cidr"]["ref"] == "aws_security_group.task.egress[0].cidr_blocks"
    report = scanned("unsettled")
    assert rule_ids(report, "error") == []
    notes = sorted((f.rule_id, f.resource) for f in report.findings if f.rule_id == "FG801")
    assert notes == [
        ("FG801", "data.aws_subnet.picked"),
        ("FG801", "security group sg-0123456789abcdef0"),
    ]


def test_a_default_route_to_a_transit_gateway_leaves_the_scope() -> None:
    table = model("transit-gateway")["route_tables"]["aws_route_table.private"]
    assert [(r["target_type"], r["target"]) for r in table["routes"]] == [
        ("local", "local"),
        ("tgw", "aws_ec2_transit_gateway.hub"),
    ]
    report = scanned("transit-gateway")
    assert sorted((f.rule_id, f.level, f.need) for f in report.findings) == [
        ("FG206", "note", need) for need in ("ecr.api", "ecr.dkr", "logs", "s3")
    ]


# --- locations -----------------------------------------------------------------------------


def test_without_tf_files_findings_point_at_the_plan(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    shutil.copy(CASES / "public-no-public-ip" / "plan.json", plan)
    report = scan([plan], ScanOptions(cwd=tmp_path))
    # `terraform show -json` writes one line: every resource of the plan is on line 1
    assert {(f.location.file, f.location.line) for f in report.findings} == {("plan.json", 1)}
    assert report.notices == (
        "plan.json: no .tf files in .; findings point at the plan (give the configuration with "
        "--tf-dir DIR)",
    )
    # without the configuration, a group without inline egress may have dynamic blocks: unknown
    private = tmp_path / "private" / "plan.json"
    private.parent.mkdir()
    shutil.copy(CASES / "private-nat" / "plan.json", private)
    m = load([private], ScanOptions(cwd=tmp_path)).model
    egress = m["security_groups"]["aws_security_group.task"]["egress"]
    assert "dynamic blocks are not in its configuration" in egress[0]["cidr"]["unknown"]


def test_tf_dir_gives_the_configuration_of_a_plan_elsewhere(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    shutil.copy(CASES / "own-module" / "plan.json", plan)
    report = scan([plan], ScanOptions(cwd=ROOT, tf_dir=CASES / "own-module"))
    assert {(f.location.file, f.location.line) for f in report.findings} == {
        ("tests/fixtures/terraform/own-module/modules/net/main.tf", 72)
    }
    assert report.notices == ()


def _not_its_configuration(plan: str, folder: str, why: str) -> str:
    return (
        f"{plan}: the .tf files in {folder} are not this plan's configuration ({why}); they are "
        "not used, and findings point at the plan (give the plan's own configuration with "
        "--tf-dir DIR, or run terraform plan again after changing the .tf files)"
    )


def test_tf_files_of_another_configuration_settle_nothing(tmp_path: Path) -> None:
    # Field test 23 (D8): --tf-dir of another configuration was used without a word, and its
    # aws_iam_role.execution (the plan has one of that name too) settled the plan's: the FG801
    # note that the plan alone gives was gone.
    plan = tmp_path / "plan.json"
    shutil.copy(CASES / "public-no-public-ip" / "plan.json", plan)
    alone = scan([plan], ScanOptions(cwd=tmp_path))
    other = CASES / "private-nat"
    report = scan([plan], ScanOptions(cwd=tmp_path, tf_dir=other))
    assert report.findings == alone.findings
    assert {(f.location.file, f.location.line) for f in report.findings} == {("plan.json", 1)}
    assert any(
        f.rule_id == "FG801" and f.resource == "aws_iam_role.execution.inline_policy"
        for f in report.findings
    )
    assert report.notices == (
        _not_its_configuration(
            "plan.json",
            os.path.realpath(other),
            "they do not declare the plan's aws_cloudwatch_log_group.web, and 15 more differences",
        ),
    )
    # Not one resource in common.
    unrelated = tmp_path / "unrelated"
    unrelated.mkdir()
    (unrelated / "main.tf").write_text('resource "aws_s3_bucket" "logs" {}\n', encoding="utf-8")
    report = scan([plan], ScanOptions(cwd=tmp_path, tf_dir=unrelated))
    assert report.findings == alone.findings
    assert report.notices == (
        _not_its_configuration(
            "plan.json", "unrelated", "they declare none of the plan's resources"
        ),
    )


def test_tf_files_changed_since_the_plan_are_not_used(tmp_path: Path) -> None:
    # The plan's own folder, where the .tf files declare a resource the plan does not have.
    folder = tmp_path / "infra"
    shutil.copytree(CASES / "public-no-public-ip", folder)
    with (folder / "network.tf").open("a", encoding="utf-8") as tf:
        tf.write('\nresource "aws_eip" "spare" {}\n')
    report = scan([folder], ScanOptions(cwd=tmp_path))
    assert {f.location.file for f in report.findings} == {"infra/plan.json"}
    assert report.notices == (
        _not_its_configuration(
            "infra/plan.json", "infra", "they declare aws_eip.spare, which the plan does not have"
        ),
    )
    # The same .tf files as planned are used (the finding at its .tf line).
    shutil.copy(CASES / "public-no-public-ip" / "network.tf", folder / "network.tf")
    report = scan([folder], ScanOptions(cwd=tmp_path))
    assert {f.location.file for f in report.findings} == {"infra/ecs.tf"}
    assert report.notices == ()


def test_cli_scans_a_plan_with_tf_dir(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    shutil.copy(CASES / "public-no-public-ip" / "plan.json", plan)
    env = {k: v for k, v in os.environ.items() if k not in ("AWS_REGION", "AWS_DEFAULT_REGION")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "scanner",
            "scan",
            str(plan),
            "--format",
            "json",
            "--tf-dir",
            str(CASES / "public-no-public-ip"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    findings = json.loads(done.stdout)["findings"]
    assert {(f["rule_id"], f["location"]["file"]) for f in findings} == {
        ("FG201", "tests/fixtures/terraform/public-no-public-ip/ecs.tf")
    }


def test_checkov_plan_scans_with_exit_0_or_1() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("AWS_REGION", "AWS_DEFAULT_REGION")}
    done = subprocess.run(
        [sys.executable, "-m", "scanner", "scan", str(CHECKOV_PLAN), "--format", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    assert "Traceback" not in done.stderr
    report = json.loads(done.stdout)
    assert report["errors"] == []
    m = load([CHECKOV_PLAN], ScanOptions(cwd=ROOT)).model
    td = m["task_definitions"]["aws_ecs_task_definition.service"]
    # network_mode is computed when unset: ECS's default
    assert (
        td["network_mode"],
        td["requires_compatibilities"],
        [c["image"] for c in td["containers"]],
    ) == (
        "bridge",
        [],
        ["nginx", "python:3.9-alpine"],
    )
    assert m["region"] == "us-west-2"


def test_two_plans_with_the_same_addresses_get_distinct_ids(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        shutil.copy(CASES / "public-igw" / "plan.json", tmp_path / name / "plan.json")
    m = load([tmp_path], ScanOptions(cwd=tmp_path)).model
    assert sorted(m["services"]) == [
        "a/plan.json#aws_ecs_service.web",
        "b/plan.json#aws_ecs_service.web",
    ]
    assert m["services"]["a/plan.json#aws_ecs_service.web"]["network"]["subnets"] == [
        "a/plan.json#aws_subnet.public[0]",
        "a/plan.json#aws_subnet.public[1]",
    ]


def test_two_plans_of_one_configuration_each_say_what_they_do_not_settle(tmp_path: Path) -> None:
    # Field test 19, D3: a staging and a prod plan of one configuration, without their .tf
    # files. Both leave the execution role's inline policies unsettled; the note of one plan
    # was lost, as both unknowns had the ref `aws_iam_role.execution.inline_policy`.
    for name in ("staging", "prod"):
        (tmp_path / name).mkdir()
        shutil.copy(CASES / "igw-attachment" / "plan.json", tmp_path / name / "plan.json")
    report = scan([tmp_path], ScanOptions(cwd=tmp_path))
    assert sorted(
        (f.resource, f.location.file) for f in report.findings if f.rule_id == "FG801"
    ) == [
        (
            "attachment of internet gateway prod/plan.json#aws_internet_gateway.loose",
            "prod/plan.json",
        ),
        (
            "attachment of internet gateway staging/plan.json#aws_internet_gateway.loose",
            "staging/plan.json",
        ),
        ("prod/plan.json#aws_iam_role.execution.inline_policy", "prod/plan.json"),
        ("staging/plan.json#aws_iam_role.execution.inline_policy", "staging/plan.json"),
    ]
    # one plan alone keeps its refs as they are
    alone = scan([tmp_path / "prod" / "plan.json"], ScanOptions(cwd=tmp_path))
    assert "aws_iam_role.execution.inline_policy" in {f.resource for f in alone.findings}


# --- the pieces ----------------------------------------------------------------------------


def test_addresses_parse() -> None:
    addr = traversal.parse_address('module.a["x"].module.b.data.aws_iam_policy_document.p[0]')
    assert (addr.module, addr.config_module, addr.local, addr.key) == (
        'module.a["x"].module.b',
        "module.a.module.b",
        "data.aws_iam_policy_document.p",
        0,
    )
    assert str(traversal.parse_address('aws_subnet.private["us-east-1a"]')) == (
        'aws_subnet.private["us-east-1a"]'
    )
    with pytest.raises(traversal.TraversalError):
        traversal.parse_address("aws_subnet")


def test_reference_chains_keep_their_longest_form() -> None:
    refs = ("aws_vpc.this[0].id", "aws_vpc.this[0]", "aws_vpc.this", "var.x", "aws_subnet.a")
    assert links.chain_heads(refs) == ["aws_vpc.this[0].id", "var.x", "aws_subnet.a"]


@pytest.mark.parametrize(
    ("value", "refs"),
    [
        (
            '${try(aws_a.b[0].vpc_id, aws_vpc.this[0].id, "")}',
            ["aws_a.b[0].vpc_id", "aws_vpc.this[0].id"],
        ),
        ("${[for s in aws_subnet.private : s.id]}", ["aws_subnet.private"]),
        ("com.amazonaws.${local.region}.s3", ["local.region"]),
        ('${var.a ? "x.${local.b}" : lookup(var.m, "k", null)}', ["var.a", "local.b", "var.m"]),
        ({"k": ["${module.vpc.out[0]}", 3]}, ["module.vpc.out[0]"]),
        ("literal.with.dots", []),
    ],
)
def test_references_in_hcl_values(value: Any, refs: list[str]) -> None:
    assert links.hcl_references(value) == refs


def test_blocks_are_cut_where_hcl2_says_they_start() -> None:
    text = (
        '# comment with resource "x" "y" {\n'
        'locals {\n  a = "}"\n  b = "${jsonencode({ c = "{" })}"\n}\n'
        '/* resource "a" "b" { */\n'
        'resource "aws_iam_role" "r" {\n  assume_role_policy = <<EOF\n{ "x": "}" \nEOF\n}\n'
        'data "aws_vpc" "v" {}\n'
    )
    blocks = [(k, labels, line) for k, labels, line, _ in hcl.split_blocks(text)]
    assert blocks == [
        ("locals", (), 2),
        ("resource", ("aws_iam_role", "r"), 7),
        ("data", ("aws_vpc", "v"), 12),
    ]
    with pytest.raises(hcl.SplitError):
        hcl.split_blocks('resource "a" "b" {\n')


@pytest.mark.parametrize(
    "path", sorted(CASES.rglob("*.tf")), ids=lambda p: str(p.relative_to(CASES))
)
def test_block_lines_are_python_hcl2_lines(path: Path) -> None:
    """Locations come from the block scanner (python-hcl2 parses only the blocks a scan needs):
    on every .tf file of the fixtures, vendored module included, its lines are hcl2's."""
    from hcl2.api import loads

    text = path.read_text(encoding="utf-8")
    parsed = loads(text, with_meta=True)
    expected = set()
    for kind, entries in parsed.items():
        for entry in entries:
            if kind in ("resource", "data"):
                expected |= {
                    (kind, (t, n), body["__start_line__"])
                    for t, named in entry.items()
                    for n, body in named.items()
                }
            elif kind in ("module", "output", "variable"):
                expected |= {(kind, (n,), body["__start_line__"]) for n, body in entry.items()}
    found = {
        (kind, labels, line)
        for kind, labels, line, _ in hcl.split_blocks(text)
        if kind in ("resource", "data", "module", "output", "variable")
    }
    assert found == expected


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("${element([1, 2, 3], 4)}", [2]),
        ("${true ? 1 : 2}", [1]),
        ('${try([][0], "fallback")}', ["fallback"]),
        ('${[for k, v in {a = 1, b = 2} : v * 10 if k != "a"]}', [(20,)]),
        ('${"x-${1 + 2}"}', ["x-3"]),
        ("${length(concat([1], [2, 3]))}", [3]),
        # a template that is one interpolation is its value, not its text (Terraform's rule)
        ('${length("${[1, 2]}")}', [2]),
        ('${"${1}" == 1}', [True]),
        # python-hcl2 writes a string in a list as 'true' (cloudposse's dynamic network block:
        # `for_each = var.network_mode == "awsvpc" ? ["true"] : []`); an apostrophe inside a
        # double-quoted string stays
        ('${"awsvpc" == "awsvpc" ? [\'true\'] : []}', [("true",)]),
        ('${"it\'s" == "it\'s" ? 1 : 2}', [1]),
        # a string around an interpolation that holds a quoted key (an instance of a for_each
        # resource: `"${aws_x.y["key"].arn}:*"`; field test 15: "an interpolation never closes")
        ('${{a = 1}["a"]}-"q"', ['1-"q"']),
        ('$${x} \\ ${{b = 2}["b"]}', ["${x} \\ 2"]),
        # Terraform converts "true" and "false" where a bool is needed (an untyped variable
        # given -var flag=false is the string "false")
        ('${"false" ? 1 : 2}', [2]),
        ('${!"true" || "true" && true}', [True]),
    ],
)
def test_expressions_evaluate(text: str, values: list[Any]) -> None:
    evaluator = expr.Evaluator(links.Linker(_empty_plan(), hcl.Configuration(None, ROOT, {})))
    assert evaluator.hcl_value(text, expr.Env("")) == values


def test_unsettled_conditions_give_every_branch() -> None:
    plan = _empty_plan()
    evaluator = expr.Evaluator(links.Linker(plan, hcl.Configuration(None, ROOT, {})))
    found = evaluator.hcl_value("${var.missing ? 1 : 2}", expr.Env(""))
    assert found == [1, 2]
    assert isinstance(evaluator.hcl_value("${unknownfn(1)}", expr.Env(""))[0], expr.Opaque)


def test_jsonencode_keeps_what_it_encodes() -> None:
    """Opaque where a string is expected; a state machine's definition reads what it encodes."""
    evaluator = expr.Evaluator(links.Linker(_empty_plan(), hcl.Configuration(None, ROOT, {})))
    (found,) = evaluator.hcl_value('${jsonencode({a = ["${1 + 1}"]})}', expr.Env(""))
    assert isinstance(found, expr.Encoded) and found.value == {"a": (2,)}
    for text in ('${"x${jsonencode(1)}"}', '${join(",", [jsonencode(1)])}'):
        (value,) = evaluator.hcl_value(text, expr.Env(""))
        assert isinstance(value, expr.Opaque) and not isinstance(value, expr.Encoded)
        assert written.templated(value) is None  # text, not a document
    # a string template around it is JSON text that holds the document
    (value,) = evaluator.hcl_value('${"[${jsonencode({a = 1})}]"}', expr.Env(""))
    found = written.templated(value)
    assert isinstance(found, expr.Encoded) and found.value == [{"a": 1}]


def test_json_text_nested_too_deep_is_not_read() -> None:
    # as JSON text anywhere in an input (scanner.sources.limits.json_text): deeper than the
    # engine reads, it is not a document (before: RecursionError past Python's limit, and a
    # document the engine stops on below it)
    from scanner.sources.limits import MAX_DEPTH

    for depth in (MAX_DEPTH + 1, 3000):
        nested = "[" * depth + "]" * depth
        pattern = expr.Pattern("w", ('["', expr.Opaque("x"), f'", {nested}]'))
        assert written.templated(pattern) is None
    shallow = expr.Pattern("w", ('["', expr.Opaque("x"), '", [[1]]]'))
    found = written.templated(shallow)
    assert isinstance(found, expr.Encoded) and found.value[1:] == [[[1]]]


def test_resources_of_a_constant_for_each_are_a_map() -> None:
    """The plan's configuration leaves out a `for_each` that is a constant (`toset([...])`), so
    the instances' keys tell a map from one object: `app["healthy"]` in the step-functions
    case's definition names one task definition."""
    m = model("step-functions")
    task = m["services"]["aws_sfn_state_machine.pipeline/Healthy"]["task_definition"]
    assert task == 'aws_ecs_task_definition.app["healthy"]'


def _empty_plan() -> Any:
    from scanner.sources.tf.plan import read

    return read({"format_version": "1.2", "planned_values": {}}, "plan.json")


# --- the plans are Terraform's own output ----------------------------------------------------


def _mirror() -> str | None:
    if os.environ.get("TF_PLUGIN_MIRROR"):
        return os.environ["TF_PLUGIN_MIRROR"]
    for base in (Path("/opt"), Path("/usr/share"), Path("/usr/local/share"), Path.home()):
        for found in base.glob("*/registry.terraform.io/hashicorp/aws"):
            return str(found.parent.parent.parent)
    return None


def _comparable(plan: dict[str, Any]) -> dict[str, Any]:
    plan = dict(plan)
    plan.pop("timestamp", None)  # changes on every run
    # Terraform lists these in no fixed order
    plan["relevant_attributes"] = sorted(
        json.dumps(a, sort_keys=True) for a in plan.get("relevant_attributes", [])
    )
    return plan


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not on PATH")
@pytest.mark.skipif(_mirror() is None, reason="no filesystem mirror of the hashicorp/aws provider")
def test_committed_plans_are_what_terraform_makes(tmp_path: Path) -> None:
    """Regenerates one case (every case with FP_REGENERATE_ALL_PLANS=1: about 15 s each) and
    compares it with the committed plan.json."""
    everything = os.environ.get("FP_REGENERATE_ALL_PLANS") == "1"
    cases = [] if everything else ["own-module"]
    env = dict(os.environ, FP_PLAN_OUT=str(tmp_path), TF_PLUGIN_MIRROR=str(_mirror()))
    done = subprocess.run(
        ["bash", str(CASES / "regenerate.sh"), *cases],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=3600,
    )
    assert done.returncode == 0, done.stderr
    fresh = sorted(tmp_path.rglob("plan.json"))
    assert fresh
    for path in fresh:
        case = path.parent.relative_to(tmp_path)
        committed = json.loads((CASES / case / "plan.json").read_text(encoding="utf-8"))
        assert _comparable(json.loads(path.read_text(encoding="utf-8"))) == _comparable(
            committed
        ), case


def test_fixes_name_terraform_arguments() -> None:
    """A fix names what the user edits: the provider's argument, not CloudFormation's property."""
    fixes = {f.rule_id: f.fix for f in scanned("defaults-endpoint-private-dns").findings}
    assert fixes["FG502"].startswith("Set private_dns_enabled to true on interface endpoint ")
    assert fixes["FG502"].endswith("(the VPC needs enable_dns_support and enable_dns_hostnames).")
    assert "PrivateDnsEnabled" not in fixes["FG502"]


@pytest.mark.parametrize("actions", [True, 7, {"create": 1}, None])
def test_a_change_whose_actions_are_not_a_list_reads_as_no_actions(
    tmp_path: Path, actions: Any
) -> None:
    # Found by FP_FUZZ_PROFILE=fuzz: `"actions": true` was a TypeError (exit 3).
    plan = json.loads((CASES / "private-nat" / "plan.json").read_text(encoding="utf-8"))
    for change in plan["resource_changes"]:
        change["change"]["actions"] = actions
    (tmp_path / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    report = scan([tmp_path / "plan.json"], ScanOptions(cwd=tmp_path))
    assert report.errors == ()
    assert report.services == scanned("private-nat").services


# --- values that only apply settles, read from the .tf files -----------------------------------


def test_container_definitions_known_only_after_apply_are_read_from_their_jsonencode() -> None:
    # The image of a repository and the ARN of a secret that the same apply creates: the plan
    # has no container_definitions at all. The .tf expression settles everything else, and the
    # attributes keep what their form tells: a private ECR image and a secret in the provider's
    # region (a variable here).
    m = model("after-apply-containers")
    assert m["region"] == "us-east-1"
    (web,) = m["task_definitions"]["aws_ecs_task_definition.web"]["containers"]
    assert web["image"] == {
        "unknown": "aws_ecr_repository.app.repository_url is known only after apply",
        # only the account is unsettled (the repository's name and region are known): the
        # model's ref for that, as CloudFormation's ${AWS::AccountId}
        "ref": "AWS::AccountId",
        "partial": "*.dkr.ecr.us-east-1.amazonaws.com/after-apply/app:v1",
        "source": {
            "file": "tests/fixtures/terraform/after-apply-containers/ecs.tf",
            "line": 28,
            "pointer": "/resource/aws_ecs_task_definition/web",
        },
    }
    assert [(s["name"], s["value_from"]["partial"]) for s in web["secrets"]] == [
        ("DB_PASSWORD", "arn:aws:secretsmanager:us-east-1:*:secret:after-apply/db-*")
    ]
    assert web["log_options"]["awslogs-group"] == "/ecs/after-apply/web"
    # the execution role's inline policy names the same secret by the same attribute
    (inline,) = m["roles"]["aws_iam_role.execution"]["inline_policies"]
    (statement,) = inline["document"]["Statement"]
    assert statement["Action"] == "secretsmanager:GetSecretValue"
    assert statement["Resource"]["ref"] == "aws_secretsmanager_secret.db.arn"
    # templatefile() is not read: the containers stay unknown (FG801), the task definition stays
    templated = m["task_definitions"]["aws_ecs_task_definition.templated"]["containers"]
    assert templated["ref"] == "aws_ecs_task_definition.templated.container_definitions"

    report = scanned("after-apply-containers")
    assert report.errors == ()
    assert rule_ids(report) == ["FG801"]
    (note,) = report.findings
    assert (note.service, note.location.line) == ("aws_ecs_service.templated", 68)
    web_paths = {(p.need, p.verdict) for p in report.paths if p.service == "aws_ecs_service.web"}
    needs = ("ecr.api", "ecr.dkr", "s3", "logs", "secretsmanager")
    assert web_paths == {(n, "ok") for n in needs}


def test_json_text_around_values_known_after_apply_is_read() -> None:
    # A heredoc of container definitions and of policies with ${...} of resources the same apply
    # creates, and "[${jsonencode(local.wrapped)}]": read like a jsonencode() (before: FG801
    # for each task definition's containers and for each policy)
    m = model("after-apply-json-text")
    case = "tests/fixtures/terraform/after-apply-json-text"
    (heredoc,) = m["task_definitions"]["aws_ecs_task_definition.heredoc"]["containers"]
    assert heredoc["image"]["ref"] == "AWS::AccountId"
    assert heredoc["image"]["partial"] == "*.dkr.ecr.us-east-1.amazonaws.com/json-text/app:v1"
    assert heredoc["log_options"]["awslogs-group"] == "/ecs/json-text"
    (wrapped,) = m["task_definitions"]["aws_ecs_task_definition.wrapped"]["containers"]
    for container in (heredoc, wrapped):
        (secret,) = container["secrets"]
        assert secret["value_from"]["ref"] == "aws_secretsmanager_secret.db.arn"
    (inline,) = m["roles"]["aws_iam_role.execution"]["inline_policies"]
    (statement,) = inline["document"]["Statement"]
    assert statement["Resource"]["ref"] == "aws_secretsmanager_secret.db.arn"
    assert m["roles"]["aws_iam_role.execution"]["trust_policy"]["Statement"][0]["Principal"] == {
        "Service": "ecs-tasks.amazonaws.com"
    }

    report = scanned("after-apply-json-text")
    assert report.errors == ()
    found = {(f.rule_id, f.service, f.location.file, f.location.line) for f in report.findings}
    assert found == {
        ("FG703", "aws_ecs_service.wrapped", f"{case}/ecs.tf", 64),
        # the stale role reads only another secret: its name (json-text/old) is known, so
        # the ARN apply gives it cannot be the task's (before: FG801, undecided)
        ("FG105", "aws_ecs_service.wrapped", f"{case}/iam.tf", 35),
    }
    needs = {"ecr.api", "ecr.dkr", "s3", "secretsmanager"}
    paths = {(p.service, p.need, p.verdict) for p in report.paths}
    assert paths == {("aws_ecs_service.heredoc", n, "ok") for n in (*needs, "logs")} | {
        ("aws_ecs_service.wrapped", n, "ok") for n in needs
    }


def test_internet_gateways_attached_to_another_vpc_or_to_none() -> None:
    # A field test: a route to an internet gateway of another VPC was "via igw ok". Every id is
    # unknown in the plan; the configuration's references settle the attachment.
    m = model("igw-attachment")
    gateways = m["internet_gateways"]
    assert gateways["aws_internet_gateway.other"]["vpc"] == "aws_vpc.other"
    assert gateways["aws_internet_gateway.loose"]["vpc"] is None  # an empty block: unset
    report = scanned("igw-attachment")
    assert report.errors == ()
    case = "tests/fixtures/terraform/igw-attachment"
    found = {(f.rule_id, f.service, f.need, f.location.line) for f in report.findings}
    assert found == {
        ("FG203", "aws_ecs_service.elsewhere", "logs", 38),  # its route table
        ("FG203", "aws_ecs_service.elsewhere", "registry-1.docker.io", 38),
        ("FG801", "aws_ecs_service.loose", None, 21),  # the gateway
    }
    assert {f.location.file for f in report.findings} == {f"{case}/network.tf"}
    fg203 = next(f for f in report.findings if f.rule_id == "FG203")
    assert (
        "0.0.0.0/0 -> igw aws_internet_gateway.other, but internet gateway "
        "aws_internet_gateway.other is attached to VPC aws_vpc.other, not to VPC aws_vpc.main"
    ) in fg203.message
    (note,) = [f for f in report.findings if f.rule_id == "FG801"]
    assert note.message.startswith(
        "attachment of internet gateway aws_internet_gateway.loose is not settled"
    )


def test_a_ipv6_route_of_a_subnet_without_an_ipv6_block_carries_nothing() -> None:
    # Field test 22 (case 23): ::/0 -> an egress-only internet gateway was FG206 "IPv6 paths are
    # not analysed" on subnets that have no IPv6 block, whose tasks get no IPv6 address at all.
    subnets = model("ipv6-egress-only")["subnets"]
    assert subnets["aws_subnet.v4only"]["ipv6"] is False  # ipv6_cidr_block: null, known
    dualstack = subnets["aws_subnet.dualstack"]["ipv6"]  # cidrsubnet() of the VPC's, after apply
    assert dualstack["ref"] == "aws_subnet.dualstack.ipv6_cidr_block"
    report = scanned("ipv6-egress-only")
    assert report.errors == ()
    case = "tests/fixtures/terraform/ipv6-egress-only"
    found = {(f.rule_id, f.level, f.service, f.need, f.location.line) for f in report.findings}
    assert found == {
        ("FG202", "error", "aws_ecs_service.v4only", "logs", 30),  # its route table
        ("FG202", "error", "aws_ecs_service.v4only", "registry-1.docker.io", 30),
        ("FG206", "note", "aws_ecs_service.dualstack", "logs", 33),  # the ::/0 route
        ("FG206", "note", "aws_ecs_service.dualstack", "registry-1.docker.io", 33),
    }
    assert {f.location.file for f in report.findings} == {f"{case}/network.tf"}
    fg202 = next(f for f in report.findings if (f.rule_id, f.need) == ("FG202", "logs"))
    assert fg202.message.endswith(
        "no default route and no logs interface endpoint; ::/0 -> eigw "
        "aws_egress_only_internet_gateway.main (egress-only internet gateway) carries nothing, "
        "since the subnet has no IPv6 CIDR block"
    )
    fg206 = next(f for f in report.findings if (f.rule_id, f.need) == ("FG206", "logs"))
    assert fg206.fix is not None and "shared-services" not in fg206.fix
    assert fg206.fix.startswith("IPv6 paths are not analysed: check that the tasks reach logs")


def test_a_vpcs_dhcp_option_set_gives_its_dns_servers() -> None:
    # Field test 22 (case 87): DNS servers other than AmazonProvidedDNS scanned clean.
    case = "tests/fixtures/terraform/custom-dns-dhcp"
    vpcs = model("custom-dns-dhcp")["vpcs"]
    assert vpcs['aws_vpc.main["corp"]']["dhcp_options"] == {
        "name": "aws_vpc_dhcp_options.corp",
        "domain_name_servers": ["10.10.0.53", "10.10.1.53"],
        "source": {
            "file": f"{case}/network.tf",
            "line": 26,
            "pointer": "/resource/aws_vpc_dhcp_options/corp",
        },
    }
    amazon = vpcs['aws_vpc.main["amazon"]']["dhcp_options"]
    assert amazon["domain_name_servers"] == ["AmazonProvidedDNS"]  # the Region's default set
    external = vpcs['aws_vpc.main["external"]']["dhcp_options"]
    assert external["ref"] == "DHCP option set dopt-0123456789abcdef0"
    report = scanned("custom-dns-dhcp")
    assert report.errors == ()
    found = {(f.rule_id, f.level, f.resource, f.service, f.location.line) for f in report.findings}
    assert found == {
        (
            "FG801",
            "note",
            "DHCP option set aws_vpc_dhcp_options.corp",
            'aws_ecs_service.web["corp"]',
            26,  # the option set
        ),
        (
            "FG801",
            "note",
            "DHCP option set dopt-0123456789abcdef0",
            'aws_ecs_service.web["external"]',
            43,  # the association
        ),
    }
    corp = next(f for f in report.findings if f.service == 'aws_ecs_service.web["corp"]')
    assert corp.fix is not None
    assert corp.fix.startswith(
        "Make AmazonProvidedDNS the only domain_name_servers of DHCP option set "
        "aws_vpc_dhcp_options.corp, or make sure 10.10.0.53, 10.10.1.53 forward the names"
    )


def test_default_subnets_are_in_the_default_vpc_with_cidr_blocks_known_after_apply() -> None:
    m = model("default-subnets")
    for letter in "ab":
        subnet = m["subnets"][f"aws_default_subnet.{letter}"]
        assert subnet["vpc"] == "aws_default_vpc.default"
        assert subnet["cidr"]["ref"] == f"aws_default_subnet.{letter}.cidr_block"
    report = scanned("default-subnets")
    assert report.errors == ()
    assert rule_ids(report) == ["FG703", "FG801"]
    (note,) = [f for f in report.findings if f.rule_id == "FG801"]
    assert note.message.startswith("aws_default_vpc.default.cidr_block is not settled")


@pytest.mark.parametrize(
    ("region", "variables", "expected"),
    [
        ({"constant_value": "eu-west-1"}, {}, "eu-west-1"),
        ({"references": ["var.region"]}, {"region": {"value": "us-gov-west-1"}}, "us-gov-west-1"),
        # `"${var.prefix}-1"` also references one variable: its value is no region
        ({"references": ["var.prefix"]}, {"prefix": {"value": "us-east"}}, None),
        ({"references": ["local.region"]}, {}, None),
        ({"references": ["var.a", "var.b"]}, {"a": {"value": "us-east-1"}}, None),
    ],
)
def test_the_provider_region_is_a_constant_or_a_root_variable_that_holds_a_region(
    region: dict[str, Any], variables: dict[str, Any], expected: str | None
) -> None:
    from scanner.sources.tf.plan import provider_region

    data = {
        "variables": variables,
        "configuration": {"provider_config": {"aws": {"expressions": {"region": region}}}},
    }
    assert provider_region(data) == expected


def test_the_provider_region_may_be_a_root_local_of_the_tf_files() -> None:
    from scanner.sources.tf.plan import provider_region

    region = {"references": ["local.region"]}
    data = {"configuration": {"provider_config": {"aws": {"expressions": {"region": region}}}}}
    assert provider_region(data, {"region": "eu-west-2"}.get) == "eu-west-2"
    assert provider_region(data, {"region": "${var.region}"}.get) is None
    assert provider_region(data, {}.get) is None


def test_policy_documents_read_during_apply_are_rendered_from_their_statements() -> None:
    # Both policy documents name the cluster's KMS key, so Terraform reads them during apply;
    # the key's ARN is one unknown wherever it is named (the cluster, the statements).
    m = model("exec-policy-documents")
    kms = m["clusters"]["aws_ecs_cluster.main"]["execute_command_configuration"]["kmsKeyId"]
    assert kms["ref"] == "aws_kms_key.exec.arn"
    (inline,) = m["roles"]['aws_iam_role.task["bad"]']["inline_policies"]
    ssm, deny = inline["document"]["Statement"]
    assert (ssm["Effect"], ssm["Resource"]) == ("Allow", ["*"])  # the provider's default effect
    assert (deny["Effect"], deny["Action"]) == ("Deny", ["kms:Decrypt"])
    assert [r["ref"] for r in deny["Resource"]] == ["aws_kms_key.exec.arn"]
    # principals and condition blocks as maps; the cluster's ARN as the cluster names it
    (trust,) = m["roles"]['aws_iam_role.task["good"]']["trust_policy"]["Statement"]
    assert trust["Principal"] == {"Service": ["ecs-tasks.amazonaws.com"]}
    (source_arn,) = trust["Condition"]["ArnLike"]["aws:SourceArn"]
    assert source_arn["ref"] == m["clusters"]["aws_ecs_cluster.main"]["arn"]["ref"]

    report = scanned("exec-policy-documents")
    assert report.errors == ()
    assert [(f.rule_id, f.service) for f in report.findings] == [
        ("FG605", 'aws_ecs_service.app["bad"]')
    ]
    assert "kms:Decrypt" in report.findings[0].message


def test_key_policies_of_the_plans_kms_keys_decide_kms_decrypt() -> None:
    # aws_kms_key's `policy` and aws_kms_key_policy are the keys' key policies (a key without
    # either has the default one: null); the cluster's kms_key_id names its key by the key's
    # token. Before, only the task roles' IAM policies were read: a false FG605 for `direct`
    # (its key policy grants the role), none for `locked` (its IAM grant has no effect).
    m = model("exec-key-policy")
    keys = m["kms_keys"]
    assert keys["aws_kms_key.direct"]["arn"]["identity"] == (
        "arn:aws:kms:us-east-1:*:key/<#aws_kms_key.direct>"
    )
    _, to_role = keys["aws_kms_key.direct"]["policy"]["Statement"]
    assert to_role["Principal"]["AWS"]["ref"] == 'aws_iam_role.task["direct"].arn'
    (admins,) = keys["aws_kms_key.locked"]["policy"]["Statement"]
    assert admins["Principal"]["AWS"]["ref"] == "aws_iam_role.execution.arn"
    kms = m["clusters"]['aws_ecs_cluster.main["direct"]']["execute_command_configuration"]
    assert kms["kmsKeyId"]["identity"] == keys["aws_kms_key.direct"]["arn"]["identity"]
    assert model("exec-policy-documents")["kms_keys"]["aws_kms_key.exec"]["policy"] is None

    report = scanned("exec-key-policy")
    assert report.errors == ()
    assert [(f.rule_id, f.service, f.location.line) for f in report.findings] == [
        ("FG605", 'aws_ecs_service.app["locked"]', 82)
    ]
    assert "because no resource-based policy allows the kms:Decrypt action" in (
        report.findings[0].message
    )


def test_kms_keys_of_the_plans_secrets_and_parameters() -> None:
    # aws_secretsmanager_secret and a SecureString aws_ssm_parameter, with their KMS key (the
    # model's `secrets`), give FG105 the execution role's kms:Decrypt on a customer managed key:
    # a key policy that names only an administrator refuses the role (`locked` and the parameter
    # `token`, named by its name), one that lets IAM policies decide through Secrets Manager or
    # SSM (kms:ViaService) does not (`open`); the AWS managed key needs nothing (`managed`), and
    # a String parameter is not encrypted (`plain`). Before, only GetSecretValue was checked.
    m = model("secret-keys")
    secrets = m["secrets"]
    assert sorted(secrets) == [
        "aws_secretsmanager_secret.locked",
        "aws_secretsmanager_secret.managed",
        "aws_secretsmanager_secret.open",
        "aws_ssm_parameter.token",
    ]
    assert secrets["aws_secretsmanager_secret.managed"]["kms_key_id"] is None
    locked = secrets["aws_secretsmanager_secret.locked"]
    assert (locked["service"], locked["arn"]["ref"]) == (
        "secretsmanager",
        "aws_secretsmanager_secret.locked.arn",
    )
    assert locked["kms_key_id"]["identity"] == "arn:aws:kms:us-east-1:*:key/<#aws_kms_key.locked>"
    token = secrets["aws_ssm_parameter.token"]
    assert (token["service"], token["arn"]["partial"], token["kms_key_id"]["identity"]) == (
        "ssm",
        "arn:aws:ssm:us-east-1:*:parameter/secret-keys/token",
        "<#aws_kms_key.locked>",
    )

    report = scanned("secret-keys")
    assert report.errors == ()
    found = [(f.rule_id, f.service, f.resource, f.location.line) for f in report.findings]
    role = "aws_iam_role.execution"
    assert found == [
        ("FG105", 'aws_ecs_service.app["locked"]', role, 93),
        ("FG105", 'aws_ecs_service.app["token"]', role, 93),
    ]
    locked_finding, token_finding = report.findings
    assert locked_finding.message == (
        'service aws_ecs_service.app["locked"]: task definition aws_ecs_task_definition.app'
        '["locked"]: execution role aws_iam_role.execution is not authorized to perform: '
        "kms:Decrypt on resource: arn:aws:kms:us-east-1:*:key/* because no resource-based policy "
        "allows the kms:Decrypt action (needed for secret SECRET (container app), whose Secrets "
        "Manager secret aws_secretsmanager_secret.locked is encrypted with KMS key "
        "aws_kms_key.locked)"
    )
    assert token_finding.message.endswith(
        "(needed for secret SECRET (container app), whose SSM parameter aws_ssm_parameter.token "
        "is encrypted with KMS key aws_kms_key.locked)"
    )
    assert token_finding.fix.startswith(
        "Allow kms:Decrypt to execution role aws_iam_role.execution in the key policy of KMS key "
        "aws_kms_key.locked:"
    )
    assert token_finding.fix.endswith(
        "SSM Parameter Store asks KMS for the role through ssm.us-east-1.amazonaws.com "
        "(kms:ViaService): a Condition there must allow it."
    )


def test_exec_logging_to_a_log_group_without_kms_key() -> None:
    # cloud_watch_encryption_enabled with a log group of the plan that has no kms_key_id: the
    # SSM agent refuses every ECS Exec session (FG606, at the group), by its planned name
    # (`plain`) or by the name the provider makes up (`prefixed`); a group with a key is ok.
    m = model("exec-log-encryption")
    groups = m["log_groups"]
    assert groups['aws_cloudwatch_log_group.exec["plain"]']["group_name"] == "/exec/plain"
    assert groups['aws_cloudwatch_log_group.exec["plain"]']["kms_key_id"] is None
    keyed = groups['aws_cloudwatch_log_group.exec["keyed"]']["kms_key_id"]
    assert keyed["partial"] == "arn:aws:kms:us-east-1:*:key/*"
    prefixed = groups["aws_cloudwatch_log_group.prefixed"]["group_name"]
    logged = m["clusters"]['aws_ecs_cluster.main["prefixed"]']["execute_command_configuration"]
    assert prefixed["identity"] == "/exec/prefixed-<#aws_cloudwatch_log_group.prefixed>"
    assert logged["logConfiguration"]["cloudWatchLogGroupName"]["identity"] == prefixed["identity"]

    report = scanned("exec-log-encryption")
    assert report.errors == ()
    case = "tests/fixtures/terraform/exec-log-encryption"
    found = [
        (f.rule_id, f.service, f.resource, f.location.file, f.location.line)
        for f in report.findings
        if f.rule_id != "FG703"  # the container sends no logs of its own
    ]
    assert sorted(found) == [
        (
            "FG606",
            'aws_ecs_service.app["plain"]',
            'aws_cloudwatch_log_group.exec["plain"]',
            f"{case}/main.tf",
            10,
        ),
        (
            "FG606",
            'aws_ecs_service.app["prefixed"]',
            "aws_cloudwatch_log_group.prefixed",
            f"{case}/main.tf",
            17,
        ),
    ]


def test_policies_that_name_resources_by_their_attributes_are_decided() -> None:
    # "${aws_cloudwatch_log_group.app.arn}:*" (the group's log streams), the repository's
    # `arn` for an image of its `repository_url`, the parameter's `arn` for a secret of its
    # `name`, the account as the repository's `registry_id`: only the account is unsettled.
    # Before: the literal `*` was dropped (the pattern `*:`, which matches no log stream): a
    # false FG104 for `ok` and `registry`, the Deny of `denied` missed; FG801 notes for the
    # repository's and the parameter's ARNs.
    m = model("policy-resource-attributes")
    (inline,) = m["roles"]['aws_iam_role.execution["ok"]']["inline_policies"]
    _, ecr, logs, ssm = inline["document"]["Statement"]
    assert {k: logs["Resource"][k] for k in ("ref", "partial")} == {
        "ref": "AWS::AccountId",
        "partial": "arn:aws:logs:us-east-1:*:log-group:/ecs/attributes:*",
    }
    assert ecr["Resource"]["partial"] == "arn:aws:ecr:us-east-1:*:repository/attributes/app"
    assert ssm["Resource"]["partial"] == "arn:aws:ssm:us-east-1:*:parameter/attributes/token"
    (registry,) = m["roles"]['aws_iam_role.execution["registry"]']["inline_policies"]
    (logs,) = registry["document"]["Statement"][2]["Resource"]
    assert (logs["ref"], logs["partial"]) == (
        "AWS::AccountId",
        "arn:aws:logs:us-east-1:*:log-group:/ecs/attributes:*",
    )

    report = scanned("policy-resource-attributes")
    assert report.errors == ()
    case = "tests/fixtures/terraform/policy-resource-attributes"
    found = [(f.rule_id, f.service, f.location.file, f.location.line) for f in report.findings]
    assert sorted(found) == [
        ("FG104", 'aws_ecs_service.app["denied"]', f"{case}/main.tf", 72),
        ("FG104", 'aws_ecs_service.app["other"]', f"{case}/main.tf", 72),
    ]
    denied, other = sorted(report.findings, key=lambda f: str(f.service))
    assert "log-group:/ecs/attributes:log-stream:denied/app/* with an explicit deny" in (
        denied.message
    )
    assert "log-group:/ecs/attributes:log-stream:other/app/* because no identity-based" in (
        other.message
    )


def test_exclusive_role_policies_attach_what_they_list_and_leave_the_rest_to_apply_order() -> None:
    # aws_iam_role_policy_attachments_exclusive attaches the policies it lists and detaches the
    # others; aws_iam_role_policies_exclusive deletes the inline policies it does not name.
    # Before: both were ignored, a false FG104 for `listed` (its execution policy attached only
    # by the exclusive resource), and an FG104 for `inline` that apply order decides.
    m = model("exclusive-role-policies")
    execution = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
    listed = m["roles"]['aws_iam_role.execution["listed"]']
    assert listed["managed_policy_arns"] == [execution]
    assert [p["name"] for p in listed["inline_policies"]] == ["read-config"]
    # what the lists leave out stays in the scan's model; the other model has only the lists
    managed = m["roles"]['aws_iam_role.execution["managed"]']
    assert managed["managed_policy_arns"] == [execution, "aws_iam_policy.no_logs"]

    case = "tests/fixtures/terraform/exclusive-role-policies"
    report = scanned("exclusive-role-policies")
    assert report.errors == ()
    found = [(f.rule_id, f.service, f.location.file, f.location.line) for f in report.findings]
    assert sorted(found) == [
        ("FG801", 'aws_ecs_service.app["inline"]', f"{case}/main.tf", 122),
        ("FG801", 'aws_ecs_service.app["managed"]', f"{case}/main.tf", 97),
    ]
    inline, managed_note = sorted(report.findings, key=lambda f: str(f.service))
    assert inline.message.startswith(
        "aws_iam_role_policies_exclusive.inline is not settled (aws_iam_role_policies_exclusive."
        'inline removes the inline policies of aws_iam_role.execution["inline"] it does not list '
        "(no-logs), which other resources add: which of them is applied last decides): it "
        "blocks FG104"
    )
    assert f"it does not list ({execution})" in managed_note.message
    assert managed_note.fix == (
        "List in aws_iam_role_policy_attachments_exclusive.managed every managed policy "
        'aws_iam_role.execution["managed"] should keep, and give it no other, so these checks '
        "can run."
    )
    assert [n.split(": ")[0] for n in report.notices] == [
        f"{case}/main.tf:122",
        f"{case}/main.tf:97",
    ]
    verdicts = {(str(p.service), p.need): p.verdict for p in report.paths}
    assert verdicts[('aws_ecs_service.app["listed"]', "logs")] == "ok"
    assert verdicts[('aws_ecs_service.app["managed"]', "logs")] == "undecided"


def test_a_type_that_may_change_a_role_s_policies_is_not_passed_over_in_silence(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # as a type newer than the scanner would be: read by nothing, it says so
    from scanner.sources.tf import source

    builders = dict(source.BUILDERS)
    del builders["aws_iam_role_policies_exclusive"]
    monkeypatch.setattr(source, "BUILDERS", builders)
    plan = "tests/fixtures/terraform/exclusive-role-policies/plan.json"
    notices = load([CASES / "exclusive-role-policies" / "plan.json"], ScanOptions(cwd=ROOT)).notices
    unread = [n for n in notices if "does not read" in n]
    assert unread == [
        f"{plan}: aws_iam_role_policies_exclusive.{name} may change the policies of a role, and "
        "the scanner does not read aws_iam_role_policies_exclusive: checks of that role's "
        "permissions may be wrong"
        for name in ("inline", "listed")
    ]


def test_a_service_written_as_terraform_aws_modules_ecs_writes_one_is_linked() -> None:
    # a dynamic network_configuration over a local object (its security groups a flatten() of
    # a try() and a variable), the task definition as family:max(revision, a data source's), and
    # the security group's VPC that of a subnet data source read during apply by a planned id
    m = model("module-shapes")
    assert m["security_groups"]["aws_security_group.task"]["vpc"] == "aws_vpc.main"
    zones = [m["subnets"][f"aws_subnet.isolated[{i}]"]["availability_zone"] for i in (0, 1)]
    assert zones == ["us-east-1a", "us-east-1b"]
    app = m["services"]["aws_ecs_service.app"]
    assert app["network"] == {
        "subnets": ["aws_subnet.isolated[0]", "aws_subnet.isolated[1]"],
        "security_groups": ["aws_security_group.task"],
        "assign_public_ip": "DISABLED",
    }
    assert app["task_definition"] == "aws_ecs_task_definition.app"
    report = scanned("module-shapes")
    assert (report.errors, report.findings) == ((), ())
    assert {(p.need, p.verdict) for p in report.paths} == {
        (n, "ok") for n in ("ecr.api", "ecr.dkr", "logs", "s3")
    }


def test_aws_batch_on_fargate_is_not_passed_over_in_silence() -> None:
    report = scanned("batch-fargate")
    assert (report.errors, report.findings) == ((), ())
    plan = "tests/fixtures/terraform/batch-fargate/plan.json"
    assert [n for n in report.notices if "Batch" in n] == [
        f"{plan}: aws_batch_compute_environment.fargate runs AWS Batch jobs on Fargate, which are "
        "not analysed yet",
        f"{plan}: aws_batch_job_definition.fargate runs AWS Batch jobs on Fargate, which are not "
        "analysed yet",
    ]


# --- a value chosen among resources --------------------------------------------------------

AGENT_NEEDS = ("ecr.api", "ecr.dkr", "logs", "s3")
CHOSEN_SERVICES = ("aws_ecs_service.cond", 'module.service["backend"].aws_ecs_service.this')


def test_subnets_chosen_by_a_condition_the_plan_settles_are_the_chosen_ones() -> None:
    # `var.public ? aws_subnet.public[*].id : aws_subnet.private[*].id` with var.public false,
    # on the service and in a module call with for_each (`each.value.public ? ...`): the
    # references name all four subnets, the .tf expression the private ones (before: all four,
    # and a false FG201 for the public ones, whose tasks get no public IP)
    m = model("chosen-subnets")
    for service in CHOSEN_SERVICES:
        network = m["services"][service]["network"]
        assert network["subnets"] == ["aws_subnet.private[0]", "aws_subnet.private[1]"]
        assert network["assign_public_ip"] == "DISABLED"
    report = scanned("chosen-subnets")
    assert (report.errors, report.findings) == ((), ())
    assert {(p.service, p.need, p.verdict) for p in report.paths} == {
        (s, n, "ok") for s in CHOSEN_SERVICES for n in AGENT_NEEDS
    }


def test_without_tf_files_subnets_chosen_by_a_condition_are_not_settled(tmp_path: Path) -> None:
    # The plan records only the references of the conditions (var.public, each.value.public
    # through local.services): which subnets is a note, never all of them (before: FG201 for
    # the public subnets besides the note)
    shutil.copy(CASES / "chosen-subnets" / "plan.json", tmp_path / "plan.json")
    report = scan([tmp_path / "plan.json"], ScanOptions(cwd=tmp_path))
    assert report.errors == ()
    subnets = (
        "aws_subnet.private[0], aws_subnet.private[1], aws_subnet.public[0], aws_subnet.public[1]"
    )
    chosen = {
        (f.rule_id, f.level, f.resource, f.service, f.need): f.message for f in report.findings
    }
    cond = "aws_ecs_service.cond.network_configuration[0].subnets"
    assert chosen[("FG801", "note", cond, "aws_ecs_service.cond", None)].startswith(
        f"{cond} is not settled ({cond} holds some of {subnets}; the plan does not say which)"
    )
    module = f"{CHOSEN_SERVICES[1]}.network_configuration[0].subnets"
    assert chosen[("FG801", "note", "local.services", CHOSEN_SERVICES[1], None)].startswith(
        f"local.services is not settled ({module} holds some of {subnets}, chosen by "
        "local.services: local.services is not recorded in the plan"
    )
    # (and the execution role's inline policies, which only the .tf files show)
    assert {f.rule_id for f in report.findings} == {"FG801"} and len(report.findings) == 3


def test_subnets_picked_by_a_filtering_for_expression_are_the_picked_ones() -> None:
    # `[for s in aws_subnet.this : s.id if s.tags["Tier"] == "private"]`: the plan records only
    # `aws_subnet.this` (all four subnets); the tags are in planned_values, so the filter is
    # evaluated (before: all four, and a false FG201 for the public ones)
    m = model("filtered-subnets")
    network = m["services"]["aws_ecs_service.by_tag"]["network"]
    assert network["subnets"] == ['aws_subnet.this["private-a"]', 'aws_subnet.this["private-b"]']
    report = scanned("filtered-subnets")
    assert (report.errors, report.findings) == ((), ())
    assert {(p.need, p.verdict) for p in report.paths} == {(n, "ok") for n in AGENT_NEEDS}


def test_a_filter_the_plan_does_not_settle_is_not_every_candidate() -> None:
    # a tag known only after apply: the subnets are some of the four, never all of them
    from scanner.sources.tf.plan import read

    plan = json.loads((CASES / "filtered-subnets" / "plan.json").read_text(encoding="utf-8"))
    linker = links.Linker(read(plan, "plan.json"), hcl.Configuration(None, ROOT, {}))
    evaluator = expr.Evaluator(linker)
    (found,) = evaluator.hcl_value(
        '${[for s in aws_subnet.this : s.id if s.arn == "x"]}', expr.Env("")
    )
    assert isinstance(found, expr.Choice)


def test_a_security_group_chosen_by_a_condition_is_the_chosen_one() -> None:
    # `var.locked_down ? [aws_security_group.locked.id] : [aws_security_group.task.id]` with
    # locked_down true: the locked-down group, which has no egress (before: both groups, whose
    # union let everything out, and no FG401)
    m = model("chosen-security-group")
    network = m["services"]["aws_ecs_service.app"]["network"]
    assert network["security_groups"] == ["aws_security_group.locked"]
    report = scanned("chosen-security-group")
    assert report.errors == ()
    assert errors_by_service(report) == {("aws_ecs_service.app", "FG401"): set(AGENT_NEEDS)}
    assert rule_ids(report) == ["FG401"] * 4
    assert {(f.location.file, f.location.line) for f in report.findings} == {
        ("tests/fixtures/terraform/chosen-security-group/network.tf", 50)
    }


def test_an_egress_rule_the_plan_destroys_is_gone(tmp_path: Path) -> None:
    # The network is in the prior state; the plan destroys the group's only egress rule (an
    # aws_vpc_security_group_egress_rule). The group's planned `egress` still lists it, since
    # the provider reads every rule of the group (before: kept, so no FG401).
    m = model("destroyed-egress-rule")
    assert m["security_groups"]["aws_security_group.task"]["egress"] == []
    report = scanned("destroyed-egress-rule")
    assert report.errors == ()
    assert errors_by_service(report) == {("aws_ecs_service.app", "FG401"): set(AGENT_NEEDS)}
    assert {(f.rule_id, f.location.file, f.location.line) for f in report.findings} == {
        ("FG401", "tests/fixtures/terraform/destroyed-egress-rule/network.tf", 67)
    }
    # The same plan without the rule's deletion: the rule stays, and every path is open.
    plan = json.loads((CASES / "destroyed-egress-rule" / "plan.json").read_text("utf-8"))
    plan["resource_changes"] = [
        c for c in plan["resource_changes"] if c["type"] != "aws_vpc_security_group_egress_rule"
    ]
    kept = tmp_path / "plan.json"
    kept.write_text(json.dumps(plan), encoding="utf-8")
    options = ScanOptions(cwd=tmp_path, tf_dir=CASES / "destroyed-egress-rule")
    report = scan([kept], options)
    assert (report.errors, report.findings) == ((), ())
    assert {p.verdict for p in report.paths} == {"ok"}


def test_a_parameter_secret_with_the_provider_region_a_local_needs_ssm() -> None:
    # `provider "aws" { region = local.region }` (terraform-aws-modules/ecs examples): the
    # region is read from the local, so the parameter's ARN that only apply settles still names
    # SSM in us-east-1 (before: the region unsettled, the ARN taken for a Secrets Manager
    # secret, and a false FG105 for secretsmanager:GetSecretValue)
    m = model("ssm-secret-region-local")
    assert m["region"] == "us-east-1"
    (container,) = m["task_definitions"]["aws_ecs_task_definition.app"]["containers"]
    (secret,) = container["secrets"]
    assert secret["value_from"]["ref"] == "AWS::AccountId"  # the only unsettled part
    assert secret["value_from"]["partial"] == "arn:aws:ssm:us-east-1:*:parameter/isolated/token"
    report = scanned("ssm-secret-region-local")
    assert (report.errors, report.findings) == ((), ())
    assert {(p.need, p.verdict) for p in report.paths} == {(n, "ok") for n in (*AGENT_NEEDS, "ssm")}


def test_a_provider_region_the_scanner_cannot_read_comes_from_the_network(tmp_path: Path) -> None:
    # The same plan with a provider region the scanner cannot read: the subnets' availability
    # zones and the endpoints' service names say us-east-1, so the parameter the same apply
    # creates is an SSM parameter there, which the execution role may read: no FG105, no note.
    # (An unsettled region with such a parameter: calls_test.rego and needs_test.rego.)
    case = tmp_path / "case"
    shutil.copytree(CASES / "ssm-secret-region-local", case)
    versions = case / "versions.tf"
    text = versions.read_text(encoding="utf-8")
    versions.write_text(text.replace('region = "us-east-1"', 'region = lower("US-EAST-1")'))
    m = load([case / "plan.json"], ScanOptions(cwd=tmp_path)).model
    assert m["region"] == "us-east-1"
    (container,) = m["task_definitions"]["aws_ecs_task_definition.app"]["containers"]
    assert container["secrets"][0]["value_from"]["partial"] == (
        "arn:aws:ssm:us-east-1:*:parameter/isolated/token"
    )
    report = scan([case / "plan.json"], ScanOptions(cwd=tmp_path))
    assert report.findings == ()
    assert {(p.need, p.verdict) for p in report.paths} == {
        *((n, "ok") for n in AGENT_NEEDS),
        ("ssm", "ok"),
    }
