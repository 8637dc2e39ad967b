"""scanner/data/managed_policies.json: the AWS managed policies the scanner resolves by ARN."""

from __future__ import annotations

import datetime
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import moto
import pytest

from scanner import api

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "refresh_managed_policies.py"
SNAPSHOT = ROOT / "scanner" / "data" / "managed_policies.json"

DATA: dict[str, Any] = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
POLICIES: dict[str, Any] = DATA["managed_policies"]
SOURCE: dict[str, str] = DATA["managed_policies_source"]

AWS = "arn:aws:iam::aws:policy/"
REQUIRED = [
    f"{AWS}service-role/AmazonECSTaskExecutionRolePolicy",
    *(
        f"{AWS}{name}"
        for name in [
            "AmazonEC2ContainerRegistryReadOnly",
            "AmazonEC2ContainerRegistryPowerUser",
            "AmazonEC2ContainerRegistryFullAccess",
            "AmazonEC2ContainerRegistryPullOnly",
            "CloudWatchLogsFullAccess",
            "CloudWatchLogsReadOnlyAccess",
            "CloudWatchAgentServerPolicy",
            "AmazonS3ReadOnlyAccess",
            "AmazonS3FullAccess",
            "AmazonSQSReadOnlyAccess",
            "AmazonSQSFullAccess",
            "AmazonSNSReadOnlyAccess",
            "AmazonSNSFullAccess",
            "AmazonDynamoDBReadOnlyAccess",
            "AmazonDynamoDBFullAccess",
            "AmazonSSMReadOnlyAccess",
            "AmazonSSMFullAccess",
            "AmazonSSMManagedInstanceCore",
            "SecretsManagerReadWrite",
            "AWSXRayDaemonWriteAccess",
            "AmazonEC2ReadOnlyAccess",
            "AmazonECS_FullAccess",
            "AmazonElasticFileSystemClientReadOnlyAccess",
            "AmazonElasticFileSystemClientReadWriteAccess",
            "AmazonElasticFileSystemClientFullAccess",
            "AmazonElasticFileSystemReadOnlyAccess",
            "AmazonElasticFileSystemFullAccess",
            "AWSAppMeshEnvoyAccess",
            "AdministratorAccess",
            "PowerUserAccess",
            "ReadOnlyAccess",
        ]
    ),
]


@pytest.mark.parametrize("arn", REQUIRED)
def test_listed_policy_is_in_the_snapshot_under_its_exact_arn(arn: str) -> None:
    policy = POLICIES[arn]
    assert policy["name"] == arn.rsplit("/", 1)[1]
    assert policy["version"][0] == "v" and policy["version"][1:].isdigit()


@pytest.mark.parametrize("arn", sorted(POLICIES))
def test_document_is_an_iam_policy_with_a_statement_list(arn: str) -> None:
    document = POLICIES[arn]["document"]
    assert document["Version"] == "2012-10-17"
    statements = document["Statement"]
    assert isinstance(statements, list) and statements
    for statement in statements:
        assert statement["Effect"] in ("Allow", "Deny")
        assert ("Action" in statement) != ("NotAction" in statement), statement
        assert ("Resource" in statement) != ("NotResource" in statement), statement


def test_every_key_is_an_aws_managed_policy_arn() -> None:
    for arn, policy in POLICIES.items():
        assert arn.startswith(AWS) and arn.endswith(f"/{policy['name']}")


def test_execution_role_policy_allows_the_pull_and_log_actions() -> None:
    document = POLICIES[f"{AWS}service-role/AmazonECSTaskExecutionRolePolicy"]["document"]
    assert document["Statement"] == [
        {
            "Action": [
                "ecr:GetAuthorizationToken",
                "ecr:BatchCheckLayerAvailability",
                "ecr:GetDownloadUrlForLayer",
                "ecr:BatchGetImage",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
            ],
            "Effect": "Allow",
            "Resource": "*",
        }
    ]


def test_administrator_access_allows_everything() -> None:
    statements = POLICIES[f"{AWS}AdministratorAccess"]["document"]["Statement"]
    assert statements == [{"Action": "*", "Effect": "Allow", "Resource": "*"}]


def test_policies_reach_the_engines_as_data() -> None:
    facts = api.engine_data()["fargate_preflight"]["aws"]
    assert facts["managed_policies"] == POLICIES
    assert facts["managed_policies_source"] == SOURCE
    assert facts["endpoint_for_prefix"]["sns"] == "sns"


def test_source_names_the_generator_and_moto() -> None:
    assert SOURCE["generator"] == "scripts/refresh_managed_policies.py"
    assert SOURCE["from"].startswith("moto ") and SOURCE["from"].endswith(
        " aws_managed_policies (Apache-2.0)"
    )
    datetime.date.fromisoformat(SOURCE["date"])


def test_committed_snapshot_is_what_the_script_generates_from_moto() -> None:
    recorded = SOURCE["from"].split()[1]
    if moto.__version__ != recorded:
        pytest.skip(
            f"managed_policies.json was generated from moto {recorded}; moto {moto.__version__} "
            "is installed (pip install -e '.[test]' installs the pinned one)"
        )
    done = run_script("--check")
    assert (done.returncode, done.stdout, done.stderr) == (
        0,
        "scanner/data/managed_policies.json: up to date\n",
        "",
    )


def run_script(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
        timeout=120,
    )


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    """moto's server with AWS managed policies loaded, on a free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"moto server did not start on {url}", pytrace=False)
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_from_account_reads_the_policies_with_iam_calls(moto_url: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") or k == "AWS_DATA_PATH"}
    env |= {
        "AWS_ENDPOINT_URL": moto_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
    }
    out = tmp_path / "managed_policies.json"
    done = run_script("--from-account", "--output", str(out), env=env)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    assert done.stdout == f"{out}: written ({out.stat().st_size} bytes)\n"
    live = json.loads(out.read_text(encoding="utf-8"))
    today = datetime.date.today().isoformat()
    assert live["managed_policies_source"] == {
        "date": today,
        "from": f"live account 123456789012 on {today}",
        "generator": "scripts/refresh_managed_policies.py",
    }
    # The server serves the same data moto ships, so the two sources agree exactly.
    assert live["managed_policies"] == POLICIES
