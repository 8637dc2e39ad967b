"""`--format sarif`: valid SARIF 2.1.0 that GitHub code scanning accepts (docs/output.md)."""

from __future__ import annotations

import gzip
import hashlib
import json
import random
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator
from report_samples import (
    BAD_INPUT,
    FG201,
    FG602,
    FG801,
    LIVE,
    LIVE_FILE,
    RULES,
    SCHEMA,
    SUPPRESSED,
    read_golden,
    sample_report,
)

from scanner.findings import Finding, InputError, Location, Report, Suppression
from scanner.report import reporter, sarif

GOLDEN = Path(__file__).parent / "golden" / "sample.sarif.json"


@cache
def validator() -> Draft4Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema)


def sarif_of(report: Report) -> dict[str, Any]:
    text = sarif.render(report)
    document: dict[str, Any] = json.loads(text)
    errors = sorted(validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
    return document


def only_run(report: Report) -> dict[str, Any]:
    document = sarif_of(report)
    assert document["version"] == "2.1.0"
    assert len(document["runs"]) == 1
    run: dict[str, Any] = document["runs"][0]
    return run


REPORTS = {
    "every level, suppressed, bad input": sample_report(),
    "live aws location": sample_report(findings=(LIVE, FG201)),
    "zero findings": Report(findings=(), rules=RULES),
    "no rules at all": Report(findings=(), rules=()),
    "rule without metadata": sample_report(findings=(replace(FG801, rule_id="ACME7"),)),
    "line unknown or 0": sample_report(
        findings=(replace(FG602, location=Location("t.yaml", 0)),),
        errors=(InputError("t.json", None, "bad"),),
    ),
}


@pytest.mark.parametrize("report", REPORTS.values(), ids=REPORTS.keys())
def test_valid_against_the_sarif_2_1_0_schema(report: Report) -> None:
    only_run(report)


def test_fixed_report_matches_the_golden_document() -> None:
    # The whole document, pretty-printed so a change reads as a diff; FP_UPDATE_GOLDEN=1 rewrites.
    report = sample_report(findings=(FG201, FG602, FG801, SUPPRESSED, LIVE), root="/src/app")
    pretty = json.dumps(sarif_of(report), indent=2, sort_keys=True) + "\n"
    assert pretty == read_golden(GOLDEN, pretty)


def test_the_schema_catches_a_broken_document() -> None:
    # Guards the guard: a result without `message` must be rejected.
    document = json.loads(sarif.render(sample_report()))
    del document["runs"][0]["results"][0]["message"]
    assert not validator().is_valid(document)


def test_registered_under_its_format_name() -> None:
    assert reporter("sarif") is sarif.render


def test_driver_lists_every_catalogue_rule_sorted_with_github_fields() -> None:
    driver = only_run(sample_report(findings=()))["tool"]["driver"]
    assert driver["name"] == "fargate-preflight"
    assert driver["version"] == "1.2.3"
    assert driver["informationUri"] == "https://github.com/fargate-preflight/fargate-preflight"
    assert [r["id"] for r in driver["rules"]] == ["FG201", "FG404", "FG602", "FG801"]
    fg201 = driver["rules"][0]
    assert fg201 == {
        "id": "FG201",
        "name": "TaskInAPublicSubnetWithoutAPublicIP",
        "shortDescription": {"text": "Task in a public subnet without a public IP"},
        "fullDescription": {"text": "What FG201 checks."},
        "help": {
            "text": "What FG201 checks.\n\n"
            "Fix: How to fix FG201.\n\n"
            "Failing example:\n    Service:\n      Type: AWS::ECS::Service\n\n"
            "Passing example:\n    Service:\n      Type: AWS::ECS::Service\n"
            "      Properties: {}\n\n"
            "Documentation: https://github.com/fargate-preflight/fargate-preflight/blob/main/"
            "docs/rules/FG201.md",
            "markdown": "What FG201 checks.\n\n"
            "**Fix:** How to fix FG201.\n\n"
            "**Failing example**\n\n```yaml\nService:\n  Type: AWS::ECS::Service\n```\n\n"
            "**Passing example**\n\n```yaml\nService:\n  Type: AWS::ECS::Service\n"
            "  Properties: {}\n```\n\n"
            "[Rule documentation](https://github.com/fargate-preflight/fargate-preflight/blob/"
            "main/docs/rules/FG201.md)",
        },
        "helpUri": "https://github.com/fargate-preflight/fargate-preflight/blob/main/docs/rules/"
        "FG201.md",
        "defaultConfiguration": {"level": "error"},
        # GitHub reads security-severity for rules tagged `security` (its SARIF docs)
        "properties": {
            "precision": "high",
            "security-severity": "8.0",
            "tags": ["routing", "security"],
        },
    }


def test_security_severity_is_a_string_per_level() -> None:
    rules = only_run(sample_report())["tool"]["driver"]["rules"]
    assert {r["id"]: r["properties"]["security-severity"] for r in rules} == {
        "FG201": "8.0",
        "FG404": "2.0",
        "FG602": "5.0",
        "FG801": "2.0",
    }
    assert {r["id"]: r["defaultConfiguration"]["level"] for r in rules} == {
        "FG201": "error",
        "FG404": "note",
        "FG602": "warning",
        "FG801": "note",
    }


def test_a_policy_rule_is_tagged_security_without_a_precision() -> None:
    """A --policy rule's precision is not ours to claim; its tag `security` is added once,
    and merge reads the rule back without it."""
    custom = replace(RULES[0], id="ACME1", shipped=False, tags=("security", "acme"))
    (descriptor,) = only_run(Report(findings=(), rules=(custom,)))["tool"]["driver"]["rules"]
    assert descriptor["properties"] == {"security-severity": "8.0", "tags": ["security", "acme"]}
    assert sarif.rule_from_descriptor(descriptor).tags == ("acme",)


def test_rule_ids_and_names_are_unique() -> None:
    rules = only_run(sample_report())["tool"]["driver"]["rules"]
    assert len({r["id"] for r in rules}) == len(rules)
    assert len({r["name"] for r in rules}) == len(rules)


def test_rule_index_points_at_the_results_rule() -> None:
    run = only_run(sample_report(findings=(FG801, FG602, FG201, SUPPRESSED)))
    rules = run["tool"]["driver"]["rules"]
    assert [(r["ruleId"], r["ruleIndex"]) for r in run["results"]] == [
        ("FG801", 3),
        ("FG201", 0),
        ("FG404", 1),
        ("FG602", 2),
    ]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_result_of_a_finding() -> None:
    (result,) = only_run(sample_report(findings=(FG201,)))["results"]
    assert result == {
        "ruleId": "FG201",
        "ruleIndex": 0,
        "level": "error",
        "message": {"text": f"{FG201.message} Fix: Set assignPublicIp to ENABLED."},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {
                        "uri": "templates/service.yaml",
                        "uriBaseId": "%SRCROOT%",
                    },
                    "region": {"startLine": 42},
                }
            }
        ],
        "partialFingerprints": {
            "primaryLocationLineHash": hashlib.sha256(
                b"FG201|templates/service.yaml|Service|Service|ecr.dkr"
            ).hexdigest()
        },
        "properties": {
            "need": "ecr.dkr",
            "service": "Service",
            "resource": "Service",
            "hop": {
                "from": "subnet PrivateSubnetA",
                "via": "route table PrivateRT",
                "to": "0.0.0.0/0 -> igw InternetGateway",
                "detail": "assignPublicIp is DISABLED",
            },
            "fix": "Set assignPublicIp to ENABLED.",
        },
    }


def test_result_level_is_the_findings_own_level() -> None:
    # A two-level rule (FG502, FG604) may report below its default level.
    (result,) = only_run(sample_report(findings=(replace(FG201, level="warning"),)))["results"]
    assert result["level"] == "warning"


def test_fingerprint_hashes_nulls_as_empty_strings() -> None:
    key = f"FG801|{FG801.location.file}|VpcId||".encode()
    assert sarif.fingerprint(FG801) == hashlib.sha256(key).hexdigest()


def test_one_logical_id_in_two_files_is_two_alerts() -> None:
    """FG703 on TaskDefinition in two templates: code scanning must not make them one."""
    other = replace(FG602, location=Location("templates/worker.yaml", 88))
    results = only_run(sample_report(findings=(FG602, other)))["results"]
    hashes = {r["partialFingerprints"]["primaryLocationLineHash"] for r in results}
    assert len(hashes) == 2


def test_fingerprint_is_stable_when_only_the_line_moves() -> None:
    moved = replace(FG201, location=Location("templates/service.yaml", 97))
    before = only_run(sample_report(findings=(FG201,)))["results"][0]
    after = only_run(sample_report(findings=(moved,)))["results"][0]
    assert after["locations"][0]["physicalLocation"]["region"] == {"startLine": 97}
    assert after["partialFingerprints"] == before["partialFingerprints"]
    other_need = replace(FG201, need="ecr.api")
    assert sarif.fingerprint(other_need) != sarif.fingerprint(FG201)


def test_locations_are_relative_to_srcroot_and_percent_encoded() -> None:
    odd = replace(FG602, location=Location("infra dir/a+b#1:c.yaml", 5))
    (result,) = only_run(sample_report(findings=(odd,)))["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "infra%20dir/a+b%231%3Ac.yaml",
        "uriBaseId": "%SRCROOT%",
    }


def test_live_location_is_a_relative_path_with_its_uri_as_logical_location() -> None:
    """Code scanning rejects an absolute URI whose scheme is not the checkout's (file)."""
    (result,) = only_run(sample_report(findings=(LIVE,)))["results"]
    assert result["locations"] == [
        {
            "physicalLocation": {
                "artifactLocation": {
                    "uri": "aws/123456789012/us-east-1/ecs-service/"
                    "arn%3Aaws%3Aecs%3Aus-east-1%3A123456789012%3Aservice/prod/api",
                    "uriBaseId": "%SRCROOT%",
                },
                "region": {"startLine": 1},
            },
            "logicalLocations": [{"fullyQualifiedName": LIVE_FILE, "kind": "resource"}],
        }
    ]
    run = only_run(sample_report(findings=(LIVE,)))
    assert sarif.location_file(result["locations"][0], run) == LIVE_FILE


def test_a_file_outside_the_scanned_root_is_an_absolute_file_uri() -> None:
    # Before: a file named by its absolute path (/tmp/..., $RUNNER_TEMP/cdk.out) got the URI
    # "/tmp/..." relative to %SRCROOT%, and an input error the same.
    outside = replace(FG602, location=Location("/home/runner/work/_temp/net work.yaml", 3))
    unreadable = InputError("/home/runner/work/_temp/bad.yaml", 2, "not valid YAML")
    for root in ("/home/runner/work/app", ""):  # with and without a known root
        run = only_run(sample_report(findings=(outside,), errors=(unreadable,), root=root))
        (result,) = run["results"]
        assert result["locations"][0]["physicalLocation"]["artifactLocation"] == {
            "uri": "file:///home/runner/work/_temp/net%20work.yaml"
        }
        assert sarif.location_file(result["locations"][0], run) == outside.location.file
        (error,) = [
            n for n in run["invocations"][0]["toolExecutionNotifications"] if n["level"] == "error"
        ]
        assert error["locations"][0]["physicalLocation"]["artifactLocation"] == {
            "uri": "file:///home/runner/work/_temp/bad.yaml"
        }


def test_a_report_of_an_earlier_version_names_a_file_outside_the_root_as_this_one_does() -> None:
    # An earlier version named a file outside the root as the command did: ../shared/x.yaml.
    outside = replace(FG602, location=Location("../shared/net work.yaml", 3))
    run = only_run(sample_report(findings=(outside,), root="/home/runner/work/app"))
    (result,) = run["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "file:///home/runner/work/shared/net%20work.yaml"
    }
    assert (
        sarif.location_file(result["locations"][0], run) == "/home/runner/work/shared/net work.yaml"
    )
    # Without a known root it stays relative: there is nothing to resolve it against.
    (unrooted,) = only_run(sample_report(findings=(outside,)))["results"]
    assert unrooted["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "../shared/net%20work.yaml",
        "uriBaseId": "%SRCROOT%",
    }


def test_start_line_is_at_least_one() -> None:
    (result,) = only_run(sample_report(findings=(replace(FG602, location=Location("t.yaml", 0)),)))[
        "results"
    ]
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}


@pytest.mark.parametrize(
    ("kind", "sarif_kind"),
    [("inSource", "inSource"), ("config", "external"), ("baseline", "external")],
)
def test_suppressed_findings_stay_with_a_suppression(kind: str, sarif_kind: str) -> None:
    finding = replace(FG201, suppressed=Suppression(kind, "accepted risk"))
    (result,) = only_run(sample_report(findings=(finding,)))["results"]
    assert result["suppressions"] == [
        {"kind": sarif_kind, "justification": "accepted risk", "properties": {"kind": kind}}
    ]


def test_unsuppressed_findings_have_no_suppressions_key() -> None:
    (result,) = only_run(sample_report(findings=(FG201,)))["results"]
    assert "suppressions" not in result


def test_suppressions_are_in_every_result_or_in_none() -> None:
    """SARIF 2.1.0 §3.27.23: with one suppressed result, the others have an empty list."""
    suppressed = replace(FG201, suppressed=Suppression("config", "accepted risk"))
    results = only_run(sample_report(findings=(suppressed, FG602)))["results"]
    assert [(r["ruleId"], len(r["suppressions"])) for r in results] == [
        ("FG201", 1),
        ("FG602", 0),
    ]


@pytest.mark.parametrize(
    ("category", "automation_id"),
    [("fargate-preflight", "fargate-preflight/"), ("prod/eu", "prod/eu/"), ("x/", "x/")],
)
def test_automation_details_id_is_the_category_with_a_slash(
    category: str, automation_id: str
) -> None:
    run = only_run(sample_report(category=category))
    assert run["automationDetails"] == {"id": automation_id}


def test_original_uri_base_ids_name_srcroot() -> None:
    unknown = only_run(sample_report())["originalUriBaseIds"]
    assert list(unknown) == ["%SRCROOT%"]
    assert "uri" not in unknown["%SRCROOT%"]
    assert unknown["%SRCROOT%"]["description"]["text"].startswith("The scanned root")
    known = only_run(sample_report(root="/home/runner/work/app"))["originalUriBaseIds"]
    assert known == {"%SRCROOT%": {"uri": "file:///home/runner/work/app/"}}


def test_bad_inputs_are_error_notifications_and_execution_fails() -> None:
    report = sample_report(
        errors=(BAD_INPUT, InputError("t.json", None, "not UTF-8")), notices=("skipped x.yaml",)
    )
    (invocation,) = only_run(report)["invocations"]
    # Sorted by file; a file named alone (no line) has no region.
    assert invocation == {
        "executionSuccessful": False,
        "toolExecutionNotifications": [
            {
                "level": "error",
                "message": {"text": "not UTF-8"},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": "t.json", "uriBaseId": "%SRCROOT%"}
                        }
                    }
                ],
            },
            {
                "level": "error",
                "message": {"text": "mapping values are not allowed here"},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {
                                "uri": "templates/broken.yaml",
                                "uriBaseId": "%SRCROOT%",
                            },
                            "region": {"startLine": 7},
                        }
                    }
                ],
            },
            {"level": "note", "message": {"text": "skipped x.yaml"}},
        ],
    }


def test_clean_run_is_successful_without_notifications() -> None:
    run = only_run(Report(findings=(), rules=RULES))
    assert run["invocations"] == [{"executionSuccessful": True}]
    assert run["results"] == []


def test_same_bytes_whatever_the_input_order() -> None:
    findings = [FG201, FG602, FG801, SUPPRESSED, LIVE, replace(FG201, level="warning")]
    expected = sarif.render(sample_report(findings=tuple(findings)))
    assert sarif.render(sample_report(findings=tuple(findings))) == expected
    rng = random.Random(11)
    for _ in range(10):
        rng.shuffle(findings)
        assert sarif.render(sample_report(findings=tuple(findings))) == expected
    assert expected.endswith("}\n") and "\r" not in expected


def many_findings(count: int) -> tuple[Finding, ...]:
    levels = ("note", "warning", "error")
    return tuple(
        replace(
            FG602,
            level=levels[i % 3],
            resource=f"Task{i:05d}",
            location=Location("templates/service.yaml", i + 1),
        )
        for i in range(count)
    )


def test_result_limit_keeps_the_most_severe_in_report_order() -> None:
    findings = many_findings(9)
    output = sarif.build(sample_report(findings=findings, errors=()), max_results=4)
    assert output.dropped == 5
    run = json.loads(output.text)["runs"][0]
    kept = [(r["level"], r["properties"]["resource"]) for r in run["results"]]
    # The three errors, then the first warning; in file/line order.
    assert kept == [
        ("warning", "Task00001"),
        ("error", "Task00002"),
        ("error", "Task00005"),
        ("error", "Task00008"),
    ]
    assert run["invocations"][0]["toolExecutionNotifications"] == [
        {
            "level": "warning",
            "message": {
                "text": "5 of 9 findings were left out of this SARIF file: GitHub code scanning "
                "accepts at most 25,000 results and 10 MB gzipped per run. The most severe "
                "findings were kept; the JSON report lists them all."
            },
        }
    ]
    assert validator().is_valid(json.loads(output.text))


def test_result_limit_drops_suppressed_before_unsuppressed_of_a_level() -> None:
    suppressed_error = replace(FG201, suppressed=Suppression("baseline", "known"))
    output = sarif.build(
        sample_report(findings=(suppressed_error, FG602, FG801), errors=()), max_results=2
    )
    assert output.dropped == 1
    kept = [r["ruleId"] for r in json.loads(output.text)["runs"][0]["results"]]
    assert kept == ["FG801", "FG602"]


def test_size_limit_keeps_as_many_as_fit_gzipped() -> None:
    findings = tuple(
        replace(f, message=f"{f.message} {random.Random(i).randbytes(300).hex()}")
        for i, f in enumerate(many_findings(60))
    )
    report = sample_report(findings=findings, errors=())
    full = sarif.build(report)
    assert full.dropped == 0
    limit = len(gzip.compress(full.text.encode())) // 2
    output = sarif.build(report, max_gzip_bytes=limit)
    assert 0 < output.dropped < 60
    assert len(gzip.compress(output.text.encode(), compresslevel=6)) <= limit
    one_more = sarif.build(report, max_gzip_bytes=limit, max_results=61 - output.dropped)
    assert one_more.dropped == output.dropped  # the search found the largest fit
    run = json.loads(output.text)["runs"][0]
    levels = [r["level"] for r in run["results"]]
    assert levels.count("error") == 20  # every error kept before any note
    assert "note" not in levels
    assert (
        f"{output.dropped} of 60 findings were left out"
        in (run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"])
    )


def test_within_limits_nothing_is_dropped() -> None:
    report = sample_report()
    output = sarif.build(report)
    assert output.dropped == 0
    assert sarif.truncation(report) == 0
    assert output.text == sarif.render(report)


def test_a_finding_whose_rule_has_no_metadata_still_gets_a_rule() -> None:
    finding = replace(FG801, rule_id="ACME7", level="warning")
    run = only_run(sample_report(findings=(finding,)))
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["ACME7", "FG201", "FG404", "FG602", "FG801"]
    assert rules[0]["defaultConfiguration"] == {"level": "warning"}
    assert run["results"][0]["ruleIndex"] == 0
