"""`fargate-preflight merge`: JSON and SARIF reports of file scans joined back (the live shards
are in tests/aws/test_organization.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from jsonschema import Draft4Validator

from scanner.cli import main

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "tests" / "schemas" / "sarif-schema-2.1.0.json"


# Inputs with findings: an error (the example), FG801 notes (the ECS fixture), and errors of
# routes to an internet gateway of another VPC (the IGW fixture). The example and the ECS
# fixture each have a service `Service`; the ECS and IGW fixtures share no service name.
INPUTS = {
    "example": ROOT / "examples" / "isolated-vpc",
    "ecs": ROOT / "tests/fixtures/cfn/ecs.yaml",
    "igw": ROOT / "tests/fixtures/cfn/igw-attachment.yaml",
}


def scan(tmp_path: Path, name: str, fmt: str) -> Path:
    out = tmp_path / f"{name}.{fmt}"
    done = CliRunner().invoke(
        main, ["scan", str(INPUTS[name]), "--format", f"{fmt}={out}", "--quiet"]
    )
    assert done.exit_code in (0, 1), done.output
    return out


def merged_and_both(tmp_path: Path, names: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The merge of the JSON reports of one scan per input, and the JSON report of one scan of
    them all."""
    parts = [scan(tmp_path, name, "json") for name in names]
    both = tmp_path / "both.json"
    done = CliRunner().invoke(
        main, ["scan", *(str(INPUTS[n]) for n in names), "--format", f"json={both}", "-q"]
    )
    assert done.exit_code in (0, 1), done.output
    merged = CliRunner().invoke(main, ["merge", *map(str, parts)])
    assert merged.exit_code == 0, merged.output
    return json.loads(merged.stdout), json.loads(both.read_text(encoding="utf-8"))


def test_merging_reports_of_two_scans_equals_one_scan_of_both(tmp_path: Path) -> None:
    report, both = merged_and_both(tmp_path, ["ecs", "igw"])
    assert report == both
    # ecs.yaml: FG106, FG601, FG604, FG605, FG702 (a Windows task of .25 vCPU), FG108, three
    # notes; igw-attachment.yaml: FG203 twice (routes to an internet gateway of another VPC),
    # four notes
    assert report["summary"] == {"error": 7, "warning": 1, "note": 7}


def test_one_scan_names_apart_the_services_that_separate_scans_name_alike(
    tmp_path: Path,
) -> None:
    """Two inputs with a service `Service` each: one scan of both names each by its id (else
    the text report would show them as one service), a scan of each alone, and so the merge of
    those, by its logical ID. So here the merge is one scan of both but for the services'
    names: the same findings, at the same places."""
    report, both = merged_and_both(tmp_path, ["example", "ecs"])
    assert report != both
    assert {f["service"] for f in report["findings"]} == {"Service"}
    assert {f["service"] for f in both["findings"]} == {
        "examples/isolated-vpc/service.yaml#Service",
        "tests/fixtures/cfn/ecs.yaml#Service",
    }

    def placed(findings: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        return sorted(
            (f["rule_id"], f["location"]["file"], f["location"]["line"]) for f in findings
        )

    assert placed(report["findings"]) == placed(both["findings"])
    assert report["summary"] == both["summary"] == {"error": 6, "warning": 1, "note": 3}


def test_merged_sarif_is_valid_and_keeps_each_result_once(tmp_path: Path) -> None:
    part = scan(tmp_path, "example", "sarif")
    merged = CliRunner().invoke(main, ["merge", str(part), str(part)])
    assert merged.exit_code == 0, merged.output
    document = json.loads(merged.stdout)
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert list(Draft4Validator(schema).iter_errors(document)) == []
    original = json.loads(part.read_text(encoding="utf-8"))
    assert document["runs"][0]["results"] == original["runs"][0]["results"]
    as_json = CliRunner().invoke(main, ["merge", str(part), "--format", "json"])
    assert [f["rule_id"] for f in json.loads(as_json.stdout)["findings"]] == [
        r["ruleId"] for r in original["runs"][0]["results"]
    ]


def test_a_file_that_is_not_a_report_is_bad_input(tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text('{"hello": 1}', encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text('{"findings": [\n', encoding="utf-8")
    done = CliRunner().invoke(main, ["merge", str(other)])
    assert done.exit_code == 2
    assert done.stderr == (f"error: {other}: not a fargate-preflight JSON or SARIF report\n")
    done = CliRunner().invoke(main, ["merge", str(broken)])
    assert done.exit_code == 2
    reads = (
        "merge reads the JSON or SARIF reports of fargate-preflight (scan --format json or sarif)"
    )
    assert done.stderr == (f"error: {broken}:2: not valid JSON (Expecting value): {reads}\n")
    # field test 23, D11: `merge a.txt` did not say what merge reads; a binary file was a
    # traceback
    text, binary = tmp_path / "a.txt", tmp_path / "a.bin"
    text.write_text("hello\n", encoding="utf-8")
    binary.write_bytes(b"\x7fELF\x02\x01\xd0\xff")
    done = CliRunner().invoke(main, ["merge", str(text)])
    assert (done.exit_code, done.stderr) == (
        2,
        f"error: {text}:1: not valid JSON (Expecting value): {reads}\n",
    )
    done = CliRunner().invoke(main, ["merge", str(binary)])
    assert (done.exit_code, done.stderr) == (
        2,
        f"error: {binary}: not UTF-8 text: {reads}\n",
    )


def test_merging_one_sarif_report_gives_it_back(tmp_path: Path) -> None:
    """Everything a SARIF shard holds survives merge: the input it could not read (at its
    location, executionSuccessful false), its warnings and notices, and the rule of its
    --policy directory with its own descriptor."""
    (tmp_path / "broken.yaml").write_text("Resources: [unclosed\n", encoding="utf-8")
    (tmp_path / "notes.yaml").write_text("a: 1\n", encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text(
        "ignore:\n  - {id: FG202, reason: old, expires: 2020-01-01}\n", encoding="utf-8"
    )
    shard, report = tmp_path / "shard.sarif", tmp_path / "shard.json"
    done = CliRunner().invoke(
        main,
        [
            "scan",
            str(tmp_path),
            str(ROOT / "tests/fixtures/corpus/groups/public-facing-web"),
            *("--policy", str(ROOT / "docs/examples/custom-policy")),
            *("--config", str(config), "--format", f"sarif={shard}", "--format", f"json={report}"),
            "--quiet",
        ],
    )
    assert done.exit_code == 2, done.output
    original = json.loads(shard.read_text(encoding="utf-8"))
    (invocation,) = original["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    levels = [n["level"] for n in invocation["toolExecutionNotifications"]]
    assert levels == ["error", "warning", "note", "note"]
    assert "ACME101" in {r["id"] for r in original["runs"][0]["tool"]["driver"]["rules"]}

    merged = CliRunner().invoke(main, ["merge", str(shard), str(shard)])
    assert merged.exit_code == 0, merged.output
    assert json.loads(merged.stdout) == original
    # Read back as JSON: the same findings and the same bad input, at its file and line.
    as_json = CliRunner().invoke(main, ["merge", str(shard), "--format", "json"])
    assert json.loads(as_json.stdout) == json.loads(report.read_text(encoding="utf-8"))


def test_reports_of_different_categories_stay_apart(tmp_path: Path) -> None:
    """One run per category (field test 19: a merge of `--category aaa` and `--category bbb`
    put every result under aaa/, so code scanning would move bbb's results and never update
    bbb's analysis again). GitHub takes up to 20 runs of distinct categories in one file."""
    part = scan(tmp_path, "example", "sarif")
    original = json.loads(part.read_text(encoding="utf-8"))
    shards = []
    for category in ("aaa", "bbb", "aaa"):
        document = json.loads(part.read_text(encoding="utf-8"))
        document["runs"][0]["automationDetails"]["id"] = f"{category}/"
        shards.append(tmp_path / f"{category}-{len(shards)}.sarif")
        shards[-1].write_text(json.dumps(document), encoding="utf-8")
    ecs = scan(tmp_path, "ecs", "sarif")  # category fargate-preflight/
    merged = CliRunner().invoke(main, ["merge", *map(str, shards), str(ecs)])
    assert merged.exit_code == 0, merged.output
    document = json.loads(merged.stdout)
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert list(Draft4Validator(schema).iter_errors(document)) == []
    runs = document["runs"]
    assert [r["automationDetails"]["id"] for r in runs] == ["aaa/", "bbb/", "fargate-preflight/"]
    assert runs[0]["results"] == runs[1]["results"] == original["runs"][0]["results"]
    ecs_results = json.loads(ecs.read_text(encoding="utf-8"))["runs"][0]["results"]
    assert runs[2]["results"] == ecs_results
    # JSON has no category: one report of all the findings, each once
    as_json = CliRunner().invoke(main, ["merge", *map(str, shards), str(ecs), "--format", "json"])
    assert json.loads(as_json.stdout)["summary"] == {"error": 6, "warning": 1, "note": 3}


def test_more_categories_than_github_takes_is_an_error(tmp_path: Path) -> None:
    part = scan(tmp_path, "example", "sarif")
    shards = []
    for i in range(21):
        document = json.loads(part.read_text(encoding="utf-8"))
        document["runs"][0]["automationDetails"]["id"] = f"c{i}/"
        shards.append(tmp_path / f"c{i}.sarif")
        shards[-1].write_text(json.dumps(document), encoding="utf-8")
    done = CliRunner().invoke(main, ["merge", *map(str, shards)])
    assert done.exit_code == 2
    assert done.stderr == (
        "fargate-preflight: the reports have 21 categories: GitHub code scanning takes at most 20 "
        "runs (one per category) in one SARIF file; merge them in groups\n"
    )
    as_json = CliRunner().invoke(main, ["merge", *map(str, shards), "--format", "json"])
    assert as_json.exit_code == 0
