"""`--format text`, `rules` and `explain`: exact output, with and without colour."""

from __future__ import annotations

import random
from dataclasses import replace

from report_samples import FG201, FG602, FG801, LIVE, RULES, SUPPRESSED, sample_report

from scanner.errors import one_line
from scanner.findings import Hop, InputError, PathStep, Report, Suppression
from scanner.report import reporter, text

# The FG801 sample finding (no service) as the text report prints it.
OTHER_FG801 = (
    "other findings\n"
    "  note    FG801 templates/network.yaml:3 Parameter VpcId has no default: FG202 for "
    "Service not decided\n"
    "          fix: Give VpcId a default or pass --parameter VpcId=vpc-0abc.\n"
)

PLAIN = (
    "Service\n"
    "  ecr.api  via interface endpoint EcrApiEndpoint  ok\n"
    "  ecr.dkr  via internet gateway InternetGateway   fail       (subnet PrivateSubnetA)\n"
    "  ecr.dkr  via NAT gateway NatGateway             ok         (subnet PrivateSubnetB)\n"
    "  logs     no path                                undecided\n"
    "\n"
    "  error   FG201 templates/service.yaml:42 service Service cannot reach ecr.dkr: task "
    "subnet PrivateSubnetA -> route table PrivateRT: 0.0.0.0/0 -> igw InternetGateway, but "
    "assignPublicIp is DISABLED\n"
    "          fix: Set assignPublicIp to ENABLED.\n"
    "  warning FG602 templates/service.yaml:88 container app of TaskDef has no "
    "initProcessEnabled\n"
    "          fix: Set linuxParameters.initProcessEnabled: true.\n"
    "\n"
    "Worker\n"
    "  no needs found and no findings\n"
    "\n" + OTHER_FG801 + "\n"
    "error: templates/broken.yaml:7: mapping values are not allowed here\n"
    "\n"
    "1 error, 1 warning, 1 note (1 suppressed); 1 input error\n"
)

COLOURED = (
    "\x1b[1mService\x1b[0m\n"
    "  ecr.api  via interface endpoint EcrApiEndpoint  \x1b[32mok\x1b[0m\n"
    "  ecr.dkr  via internet gateway InternetGateway   \x1b[1;31mfail\x1b[0m       "
    "\x1b[2m(subnet PrivateSubnetA)\x1b[0m\n"
    "  ecr.dkr  via NAT gateway NatGateway             \x1b[32mok\x1b[0m         "
    "\x1b[2m(subnet PrivateSubnetB)\x1b[0m\n"
    "  logs     no path                                \x1b[33mundecided\x1b[0m\n"
    "\n"
    "  \x1b[1;31merror\x1b[0m   \x1b[1mFG201\x1b[0m \x1b[2mtemplates/service.yaml:42\x1b[0m "
    "service Service cannot reach ecr.dkr: task subnet PrivateSubnetA -> route table "
    "PrivateRT: 0.0.0.0/0 -> igw InternetGateway, but assignPublicIp is DISABLED\n"
    "          \x1b[2mfix:\x1b[0m Set assignPublicIp to ENABLED.\n"
    "  \x1b[1;33mwarning\x1b[0m \x1b[1mFG602\x1b[0m \x1b[2mtemplates/service.yaml:88\x1b[0m "
    "container app of TaskDef has no initProcessEnabled\n"
    "          \x1b[2mfix:\x1b[0m Set linuxParameters.initProcessEnabled: true.\n"
    "\n"
    "\x1b[1mWorker\x1b[0m\n"
    "  \x1b[2mno needs found and no findings\x1b[0m\n"
    "\n"
    "\x1b[1mother findings\x1b[0m\n"
    "  \x1b[1;36mnote\x1b[0m    \x1b[1mFG801\x1b[0m \x1b[2mtemplates/network.yaml:3\x1b[0m "
    "Parameter VpcId has no default: FG202 for Service not decided\n"
    "          \x1b[2mfix:\x1b[0m Give VpcId a default or pass --parameter VpcId=vpc-0abc.\n"
    "\n"
    "\x1b[1;31merror:\x1b[0m templates/broken.yaml:7: mapping values are not allowed here\n"
    "\n"
    "\x1b[1;31m1 error\x1b[0m, \x1b[1;33m1 warning\x1b[0m, \x1b[1;36m1 note\x1b[0m (1 "
    "suppressed); \x1b[1;31m1 input error\x1b[0m\n"
)


def test_fixed_report_without_colour() -> None:
    assert text.render(sample_report()) == PLAIN
    assert "\x1b" not in text.render(sample_report(), color=False)


def test_fixed_report_with_colour() -> None:
    assert text.render(sample_report(), color=True) == COLOURED


def test_colour_changes_nothing_but_escape_codes() -> None:
    import re

    stripped = re.sub(r"\x1b\[[0-9;]*m", "", COLOURED)
    assert stripped == PLAIN


def test_registered_under_its_format_name_without_colour() -> None:
    assert reporter("text") is text.render
    assert reporter("text")(sample_report()) == PLAIN


def test_empty_report_is_just_the_summary() -> None:
    assert text.render(Report(findings=(), rules=())) == "0 errors, 0 warnings, 0 notes\n"


def test_suppressed_findings_are_counted_not_listed() -> None:
    output = text.render(sample_report(findings=(SUPPRESSED,), errors=(), paths=()))
    assert output == (
        "Service\n"
        "  no needs found and no findings\n"
        "\n"
        "Worker\n"
        "  no needs found and no findings\n"
        "\n"
        "0 errors, 0 warnings, 0 notes (1 suppressed)\n"
    )


def test_plurals_in_the_summary() -> None:
    two_errors = (FG201, replace(FG201, need="ecr.api"))
    report = Report(
        findings=(*two_errors, FG602, FG801, replace(FG801, resource="Subnets")), rules=()
    )
    assert text.render(report).splitlines()[-1] == "2 errors, 1 warning, 2 notes"


def test_live_location_prints_without_a_line() -> None:
    output = text.render(Report(findings=(LIVE,), rules=()))
    assert output == (
        "arn:aws:ecs:us-east-1:123456789012:service/prod/api\n"
        "  error   FG201 aws://123456789012/us-east-1/ecs-service/arn:aws:ecs:us-east-1:"
        "123456789012:service/prod/api service api cannot reach logs: no public IP\n"
        "          fix: Set assignPublicIp to ENABLED.\n"
        "\n"
        "1 error, 0 warnings, 0 notes\n"
    )


def test_subnets_are_named_only_where_the_paths_differ() -> None:
    paths = (
        PathStep("Svc", "ssmmessages", "SubnetB", "interface endpoint Ssm", "ok"),
        PathStep("Svc", "ssmmessages", "SubnetA", "interface endpoint Ssm", "ok"),
        PathStep("Svc", "efs", "SubnetA", "", "fail"),
        PathStep("Svc", "efs", "SubnetC", "", "fail"),
        PathStep("Svc", "efs", "SubnetB", "transit gateway Tgw", "out-of-scope"),
    )
    output = text.render(Report(findings=(), rules=(), paths=paths))
    assert output == (
        "Svc\n"
        "  efs          no path                     fail          (subnets SubnetA, SubnetC)\n"
        "  efs          via transit gateway Tgw     out-of-scope  (subnet SubnetB)\n"
        "  ssmmessages  via interface endpoint Ssm  ok\n"
        "\n"
        "0 errors, 0 warnings, 0 notes\n"
    )


def test_each_service_lists_only_its_own_paths_and_findings() -> None:
    api_fg201 = replace(FG201, service="Api", message="service Api cannot reach ecr.dkr")
    paths = (
        PathStep("Web", "logs", "SubnetA", "NAT gateway Nat", "ok"),
        PathStep("Api", "ecr.dkr", "SubnetA", "internet gateway Igw", "fail"),
        PathStep("Web", "s3", "SubnetA", "gateway endpoint S3", "ok"),
        PathStep("Api", "logs", "SubnetA", "NAT gateway Nat", "ok"),
    )
    web_fg602 = replace(FG602, service="Web")
    report = Report(findings=(web_fg602, api_fg201, FG801), rules=(), paths=paths)
    assert text.render(report) == (
        "Api\n"
        "  ecr.dkr  via internet gateway Igw  fail\n"
        "  logs     via NAT gateway Nat       ok\n"
        "\n"
        "  error   FG201 templates/service.yaml:42 service Api cannot reach ecr.dkr\n"
        "          fix: Set assignPublicIp to ENABLED.\n"
        "\n"
        "Web\n"
        "  logs  via NAT gateway Nat      ok\n"
        "  s3    via gateway endpoint S3  ok\n"
        "\n"
        "  warning FG602 templates/service.yaml:88 container app of TaskDef has no "
        "initProcessEnabled\n"
        "          fix: Set linuxParameters.initProcessEnabled: true.\n"
        "\n" + OTHER_FG801 + "\n"
        "1 error, 1 warning, 1 note\n"
    )


def test_same_bytes_whatever_the_input_order() -> None:
    findings = [FG201, FG602, FG801, SUPPRESSED, LIVE]
    paths = list(sample_report().paths)
    expected = text.render(sample_report(findings=tuple(findings)), color=True)
    rng = random.Random(3)
    for _ in range(10):
        rng.shuffle(findings)
        rng.shuffle(paths)
        report = sample_report(findings=tuple(findings), paths=tuple(paths))
        assert text.render(report, color=True) == expected


def test_rules_command_lists_one_rule_per_line() -> None:
    assert text.render_rules(reversed(RULES)) == (
        "FG201  error    Task in a public subnet without a public IP\n"
        "FG404  note     Service uses the default security group\n"
        "FG602  warning  Container without an init process\n"
        "FG801  note     A verdict depends on an unknown value\n"
    )
    assert text.render_rules([]) == ""


def test_explain_prints_the_whole_rule() -> None:
    assert text.render_explain(RULES[0]) == (
        "FG201: Task in a public subnet without a public IP\n"
        "level: error (the task will fail at run time or deploy time)\n"
        "tags: routing\n"
        "\n"
        "What FG201 checks.\n"
        "\n"
        "Fix:\n"
        "  How to fix FG201.\n"
        "\n"
        "Failing example:\n"
        "    Service:\n"
        "      Type: AWS::ECS::Service\n"
        "\n"
        "Passing example:\n"
        "    Service:\n"
        "      Type: AWS::ECS::Service\n"
        "      Properties: {}\n"
        "\n"
        "Docs: https://github.com/fargate-preflight/fargate-preflight/blob/main/docs/rules/"
        "FG201.md\n"
    )


def test_explain_without_examples_or_tags() -> None:
    bare = replace(RULES[0], failing_example="", passing_example="", tags=())
    output = text.render_explain(bare)
    assert "example" not in output
    assert "tags: -\n" in output


def test_the_summary_counts_input_errors_too() -> None:
    """Exit 2 with "0 errors" on the last line would read as a clean scan."""
    errors = (InputError("a.yaml", 3, "not valid YAML"), InputError("b.json", None, "bad JSON"))
    output = text.render(Report(findings=(), rules=(), errors=errors))
    assert output == (
        "error: a.yaml:3: not valid YAML\nerror: b.json: bad JSON\n\n"
        "0 errors, 0 warnings, 0 notes; 2 input errors\n"
    )


def test_a_route_that_a_finding_closes_is_blocked_not_ok() -> None:
    # FG401 (security group) from SubnetA closes that subnet's s3 row; the route itself is ok.
    # FG402 without a task subnet in its hop closes every row of its need; a note closes none.
    fg401 = replace(
        FG201,
        rule_id="FG401",
        need="s3",
        message="service Service cannot reach s3",
        hop=Hop("subnet SubnetA", "security group TaskSg", "prefix list S3", "no egress"),
    )
    fg402 = replace(FG201, rule_id="FG402", need="logs", message="m", hop=None)
    note = replace(FG801, service="Service", need="ecr.api")
    paths = (
        PathStep("Service", "s3", "SubnetA", "gateway endpoint S3", "ok"),
        PathStep("Service", "s3", "SubnetB", "NAT gateway Nat", "ok"),
        PathStep("Service", "logs", "SubnetA", "interface endpoint Logs", "ok"),
        PathStep("Service", "ecr.api", "SubnetA", "interface endpoint EcrApi", "ok"),
    )
    report = Report(findings=(fg401, fg402, note), rules=(), paths=paths)
    lines = text.render(report).splitlines()
    assert lines[1:5] == [
        "  ecr.api  via interface endpoint EcrApi  ok",
        "  logs     via interface endpoint Logs    blocked (FG402)",
        "  s3       via gateway endpoint S3        blocked (FG401)  (subnet SubnetA)",
        "  s3       via NAT gateway Nat            ok               (subnet SubnetB)",
    ]
    coloured = text.render(report, color=True)
    assert "\x1b[1;31mblocked (FG401)\x1b[0m" in coloured


def test_a_row_that_only_suppressed_findings_close_says_so() -> None:
    # Field test 23, D11.9: a suppressed FG202 left `s3  no path  fail` beside "0 errors ...
    # (1 suppressed)". A row failed or blocked only by suppressed findings reads "suppressed"
    # with their rules; an unsuppressed error still fails or blocks it.
    ignored = Suppression("config", "S3 is not used by this image")
    fg202 = replace(FG201, rule_id="FG202", need="s3", hop=None, suppressed=ignored)
    fg402 = replace(FG201, rule_id="FG402", need="logs", hop=None, suppressed=ignored)
    fg401 = replace(
        FG201,
        rule_id="FG401",
        need="ecr.api",
        hop=Hop("subnet SubnetA", "security group TaskSg", "Endpoint", "no egress"),
    )
    fg403 = replace(fg401, rule_id="FG403", suppressed=ignored)
    paths = (
        PathStep("Service", "s3", "SubnetA", "none", "fail"),
        PathStep("Service", "logs", "SubnetA", "interface endpoint Logs", "ok"),
        PathStep("Service", "ecr.api", "SubnetA", "interface endpoint EcrApi", "ok"),
    )
    report = Report(findings=(fg202, fg402, fg401, fg403), rules=(), paths=paths)
    lines = text.render(report).splitlines()
    assert lines[1:4] == [
        "  ecr.api  via interface endpoint EcrApi  blocked (FG401)",
        "  logs     via interface endpoint Logs    suppressed (FG402)",
        "  s3       no path                        suppressed (FG202)",
    ]
    assert lines[-1] == "1 error, 0 warnings, 0 notes (3 suppressed)"
    assert "\x1b[2msuppressed (FG202)\x1b[0m" in text.render(report, color=True)
    unsuppressed = replace(fg202, suppressed=None)
    lines = text.render(replace(report, findings=(unsuppressed, fg402))).splitlines()
    assert lines[1:4] == [
        "  ecr.api  via interface endpoint EcrApi  ok",
        "  logs     via interface endpoint Logs    suppressed (FG402)",
        "  s3       no path                        fail",
    ]


def test_fg401_closes_every_row_to_the_same_destination() -> None:
    # The task's security groups are the same in every subnet: the policies report FG401 once
    # per destination, from the first subnet. Both NAT rows go to 0.0.0.0/0; the gateway
    # endpoint row goes to the prefix list, which the finding does not name.
    fg401 = replace(
        FG201,
        rule_id="FG401",
        need="s3",
        message="service Service cannot reach s3",
        hop=Hop("subnet SubnetA", "security group TaskSg", "0.0.0.0/0", "no egress"),
    )
    paths = (
        PathStep("Service", "s3", "SubnetA", "nat NatA -> igw Igw", "ok"),
        PathStep("Service", "s3", "SubnetB", "nat NatB -> igw Igw", "ok"),
        PathStep("Service", "s3", "SubnetC", "gateway endpoint S3", "ok"),
    )
    lines = text.render(Report(findings=(fg401,), rules=(), paths=paths)).splitlines()
    assert lines[1:4] == [
        "  s3  via nat NatA -> igw Igw  blocked (FG401)  (subnet SubnetA)",
        "  s3  via nat NatB -> igw Igw  blocked (FG401)  (subnet SubnetB)",
        "  s3  via gateway endpoint S3  ok               (subnet SubnetC)",
    ]


def test_a_warning_on_a_working_route_leaves_it_ok_and_names_the_warning() -> None:
    # FG502 as a warning: the endpoint's private DNS is off, the NAT gateway serves the need.
    fg502 = replace(FG201, rule_id="FG502", level="warning", need="ecr.api", message="m", hop=None)
    paths = (
        PathStep("Service", "ecr.api", "SubnetA", "nat Nat -> igw Igw", "ok"),
        PathStep("Service", "logs", "SubnetA", "nat Nat -> igw Igw", "ok"),
    )
    lines = text.render(Report(findings=(fg502,), rules=(), paths=paths)).splitlines()
    assert lines[1:3] == [
        "  ecr.api  via nat Nat -> igw Igw  ok, but FG502",
        "  logs     via nat Nat -> igw Igw  ok",
    ]


def test_a_route_whose_check_a_note_blocks_is_undecided_not_ok() -> None:
    # The policies' undecided entries name the path they concern (PathStep.unsettled): that
    # subnet's row is "undecided" with the rules, the other subnet's stays "ok", and an error
    # on the same row still closes it.
    fg402 = replace(FG201, rule_id="FG402", need="logs", message="m", hop=None)
    paths = (
        PathStep("Service", "s3", "SubnetA", "gateway endpoint S3", "ok", ("FG301", "FG401")),
        PathStep("Service", "s3", "SubnetB", "gateway endpoint S3", "ok"),
        PathStep("Service", "logs", "SubnetA", "interface endpoint Logs", "ok", ("FG401",)),
    )
    report = Report(findings=(fg402,), rules=(), paths=paths)
    lines = text.render(report).splitlines()
    assert lines[1:4] == [
        "  logs  via interface endpoint Logs  blocked (FG402)",
        "  s3    via gateway endpoint S3      undecided (FG301, FG401)  (subnet SubnetA)",
        "  s3    via gateway endpoint S3      ok                        (subnet SubnetB)",
    ]
    assert "\x1b[33mundecided (FG301, FG401)\x1b[0m" in text.render(report, color=True)


def test_a_line_break_from_the_inputs_cannot_start_a_line_of_its_own() -> None:
    # Field test 19: `!ImportValue "net\n::error file=x.yaml,line=1::INJECTED\r\n"` printed a
    # line that a GitHub Actions runner takes as a workflow command.
    value = "net\n::error file=x.yaml,line=1::INJECTED\r\nx\x00\x7f"
    finding = replace(FG801, message=f"Fn::ImportValue {value} is not settled", fix=None)
    error = InputError(file="t.yaml", line=3, message=f"no export {value}")
    output = text.render(Report(findings=(finding,), errors=(error,), rules=()))
    shown = "net\\n::error file=x.yaml,line=1::INJECTED\\r\\nx\\x00\\x7f"
    assert output == (
        "other findings\n"
        f"  note    FG801 templates/network.yaml:3 Fn::ImportValue {shown} is not settled\n"
        "\n"
        f"error: t.yaml:3: no export {shown}\n"
        "\n"
        "0 errors, 0 warnings, 1 note; 1 input error\n"
    )
    # the colours' escapes and tabs stay as they are
    assert one_line("\x1b[1mService\x1b[0m\ta") == "\x1b[1mService\x1b[0m\ta"


def test_dns_support_off_closes_every_row_of_the_service() -> None:
    # FG501 names no need (no name resolves in the VPC): every route is blocked, not "ok" above
    # the error (field test 22, case 17). A warning or note of another rule with no need closes
    # nothing.
    fg501 = replace(FG201, rule_id="FG501", need=None, message="VPC Vpc has enableDnsSupport false")
    other = replace(FG201, rule_id="FG404", level="warning", need=None, message="default sg")
    paths = (
        PathStep("Service", "s3", "SubnetA", "nat Nat -> igw Igw", "ok"),
        PathStep("Service", "logs", "SubnetA", "interface endpoint Logs", "ok"),
        PathStep("Other", "s3", "SubnetB", "nat Nat -> igw Igw", "ok"),
    )
    lines = text.render(Report(findings=(fg501, other), rules=(), paths=paths)).splitlines()
    assert lines[:3] == [
        "Other",
        "  s3  via nat Nat -> igw Igw  ok",
        "",
    ]
    assert lines[3:6] == [
        "Service",
        "  logs  via interface endpoint Logs  blocked (FG501)",
        "  s3    via nat Nat -> igw Igw       blocked (FG501)",
    ]
