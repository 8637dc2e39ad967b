"""`--format github`: one workflow command per unsuppressed finding, escaped as Actions needs."""

from __future__ import annotations

import random
from dataclasses import replace

from report_samples import FG201, FG602, FG801, LIVE, SUPPRESSED, sample_report

from scanner.findings import InputError, Location, Report
from scanner.report import github, reporter


def test_fixed_report() -> None:
    assert github.render(sample_report()) == (
        "::notice file=templates/network.yaml,line=3,"
        "title=FG801 A verdict depends on an unknown value"
        "::Parameter VpcId has no default: FG202 for Service not decided "
        "Fix: Give VpcId a default or pass --parameter VpcId=vpc-0abc.\n"
        "::error file=templates/service.yaml,line=42,"
        "title=FG201 Task in a public subnet without a public IP"
        "::service Service cannot reach ecr.dkr: task subnet PrivateSubnetA -> route table "
        "PrivateRT: 0.0.0.0/0 -> igw InternetGateway, but assignPublicIp is DISABLED "
        "Fix: Set assignPublicIp to ENABLED.\n"
        "::warning file=templates/service.yaml,line=88,"
        "title=FG602 Container without an init process"
        "::container app of TaskDef has no initProcessEnabled "
        "Fix: Set linuxParameters.initProcessEnabled: true.\n"
        "::error file=templates/broken.yaml,line=7,title=fargate-preflight%3A bad input"
        "::mapping values are not allowed here\n"
    )


def test_registered_under_its_format_name() -> None:
    assert reporter("github") is github.render


def test_suppressed_findings_are_not_annotated() -> None:
    assert github.render(Report(findings=(SUPPRESSED,), rules=())) == ""


def test_levels_map_to_error_warning_notice() -> None:
    report = Report(findings=(FG201, FG602, FG801), rules=())
    commands = [line.split(" ", 1)[0] for line in github.render(report).splitlines()]
    assert commands == ["::notice", "::error", "::warning"]


def test_data_escapes_percent_and_line_breaks() -> None:
    odd = replace(FG602, message="100% of\r\ntasks: a,b", fix="see\nabove")
    assert github.render(Report(findings=(odd,), rules=())) == (
        "::warning file=templates/service.yaml,line=88,title=FG602"
        "::100%25 of%0D%0Atasks: a,b Fix: see%0Aabove\n"
    )


def test_properties_also_escape_colon_and_comma() -> None:
    odd = replace(FG602, location=Location("dir,1/50%:a\nb.yaml", 4))
    report = Report(findings=(odd,), rules=(replace(sample_report().rules[2], title="A: b, c"),))
    assert github.render(report) == (
        "::warning file=dir%2C1/50%25%3Aa%0Ab.yaml,line=4,title=FG602 A%3A b%2C c"
        "::container app of TaskDef has no initProcessEnabled "
        "Fix: Set linuxParameters.initProcessEnabled: true.\n"
    )


def test_escape_functions() -> None:
    assert github.escape_data("a%b\rc\nd:e,f") == "a%25b%0Dc%0Ad:e,f"
    assert github.escape_property("a%b\rc\nd:e,f") == "a%25b%0Dc%0Ad%3Ae%2Cf"


def test_live_locations_have_no_file() -> None:
    assert github.render(Report(findings=(LIVE,), rules=())) == (
        "::error title=FG201::service api cannot reach logs: no public IP "
        "Fix: Set assignPublicIp to ENABLED.\n"
    )


def test_bad_input_without_line() -> None:
    report = Report(findings=(), rules=(), errors=(InputError("t.json", None, "not UTF-8"),))
    assert github.render(report) == (
        "::error file=t.json,title=fargate-preflight%3A bad input::not UTF-8\n"
    )


def test_same_bytes_whatever_the_input_order() -> None:
    findings = [FG201, FG602, FG801, SUPPRESSED, LIVE]
    expected = github.render(sample_report(findings=tuple(findings)))
    rng = random.Random(5)
    for _ in range(10):
        rng.shuffle(findings)
        assert github.render(sample_report(findings=tuple(findings))) == expected


def test_warnings_are_annotations_after_the_errors() -> None:
    """An expired ignore or an ignore of a rule ID no rule has: a `::warning` without a file
    (its path is relative to the working directory, not to the repository)."""
    report = Report(
        findings=(),
        rules=(),
        errors=(InputError("t.json", None, "not UTF-8"),),
        warnings=(".fargate-preflight.yaml:5: the ignore of FG220 suppresses nothing: 50%\n::x",),
    )
    assert github.render(report) == (
        "::error file=t.json,title=fargate-preflight%3A bad input::not UTF-8\n"
        "::warning title=fargate-preflight::.fargate-preflight.yaml:5: the ignore of FG220 "
        "suppresses nothing: 50%25%0A::x\n"
    )
