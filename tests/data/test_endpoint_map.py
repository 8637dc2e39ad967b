"""scanner/data/endpoints.json: the IAM prefix -> endpoint map generated from botocore."""

from __future__ import annotations

import datetime
import importlib
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import botocore
import pytest

from tests.script_modules import script_module

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"
ENDPOINTS = ROOT / "scanner" / "data" / "endpoints.json"


def load_json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


ENDPOINT_MAP: dict[str, str] = load_json(ENDPOINTS)["endpoint_for_prefix"]
SOURCE: dict[str, str] = load_json(ENDPOINTS)["endpoint_for_prefix_source"]


@pytest.mark.parametrize(
    ("prefix", "endpoint"),
    [
        ("sns", "sns"),
        ("sqs", "sqs"),
        ("s3", "s3"),
        ("ecr", "ecr.api"),
        ("cloudwatch", "monitoring"),
        ("states", "states"),
        ("execute-api", "execute-api"),
        ("logs", "logs"),
        ("dynamodb", "dynamodb"),
        ("kms", "kms"),
        ("secretsmanager", "secretsmanager"),
        ("ssm", "ssm"),
        ("ssmmessages", "ssmmessages"),
        ("elasticfilesystem", "elasticfilesystem"),
        ("es", "es"),
        ("sts", "sts"),
        ("xray", "xray"),
        ("lambda", "lambda"),
        ("events", "events"),
        ("kinesis", "kinesis-streams"),
        ("firehose", "kinesis-firehose"),
    ],
)
def test_prefix_maps_to_its_endpoint_service(prefix: str, endpoint: str) -> None:
    assert ENDPOINT_MAP[prefix] == endpoint


@pytest.mark.parametrize(
    "prefix",
    [
        "monitoring",  # botocore's signing name for CloudWatch, not an IAM prefix
        "bedrock",  # bedrock, bedrock-runtime, bedrock-agent...: the prefix does not say which
        "sagemaker",  # api.sagemaker, runtime.sagemaker, ...
        "iot",  # iot and iot.data
        "iotdata",  # a botocore signing name with a dotted host (data-ats.iot)
    ],
)
def test_prefix_that_names_no_single_endpoint_is_left_out(prefix: str) -> None:
    assert prefix not in ENDPOINT_MAP


def test_keys_are_lowercase_prefixes_and_values_endpoint_names() -> None:
    assert len(ENDPOINT_MAP) > 300
    for prefix, endpoint in ENDPOINT_MAP.items():
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", prefix), prefix
        assert re.fullmatch(r"[a-z0-9][a-z0-9.-]*", endpoint), (prefix, endpoint)


def test_recorded_botocore_is_the_test_extras_pin() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert f'"botocore=={SOURCE["botocore"]}"' in pyproject
    assert SOURCE["generator"] == "scripts/generate_endpoints.py"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", SOURCE["date"])


def test_committed_map_is_what_the_script_generates() -> None:
    if botocore.__version__ != SOURCE["botocore"]:
        pytest.skip(
            f"endpoints.json was generated from botocore {SOURCE['botocore']}; "
            f"botocore {botocore.__version__} is installed (pip install -e '.[test]' installs the "
            "pinned one)"
        )
    done = subprocess.run(
        [sys.executable, str(SCRIPTS / "generate_endpoints.py"), "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (
        0,
        "scanner/data/endpoints.json: up to date\n",
        "",
    )


def test_check_reports_a_changed_file_and_leaves_it(tmp_path: Path) -> None:
    datafile = script_module(SCRIPTS / "datafile.py", "fp_scripts_datafile")
    target = tmp_path / "endpoints.json"
    committed = load_json(ENDPOINTS)
    target.write_text(datafile.dump(committed), encoding="utf-8")
    same = {**committed, "endpoint_for_prefix": dict(ENDPOINT_MAP)}

    def build(date: str) -> dict[str, Any]:
        return {**same, "endpoint_for_prefix_source": {**SOURCE, "date": date}}

    assert datafile.save(target, build, check=True) == 0
    same["endpoint_for_prefix"]["sns"] = "sns-fips"
    before = target.read_text(encoding="utf-8")
    assert datafile.save(target, build, check=True) == 1
    assert target.read_text(encoding="utf-8") == before
    assert datafile.save(target, build, check=False) == 0
    written = load_json(target)
    assert written["endpoint_for_prefix"]["sns"] == "sns-fips"
    assert written["endpoint_for_prefix_source"]["date"] == datetime.date.today().isoformat()


def test_override_endpoints_are_vpc_endpoint_services_aws_offers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The hand-written names checked against an independent list: the endpoint services moto's
    EC2 (describe_vpc_endpoint_services) knows AWS offers."""
    from moto.ec2.models.vpcs import AWS_ENDPOINT_SERVICES, COVERED_ENDPOINT_SERVICES

    monkeypatch.syspath_prepend(str(SCRIPTS))
    overrides = importlib.import_module("generate_endpoints").OVERRIDES
    offered = set(AWS_ENDPOINT_SERVICES) | set(COVERED_ENDPOINT_SERVICES)
    named = {prefix: endpoint for prefix, endpoint in overrides.items() if endpoint is not None}
    assert len(named) >= 9
    assert {p: e for p, e in named.items() if e not in offered} == {}
    assert {p: ENDPOINT_MAP.get(p) for p in overrides} == overrides
