"""The least-privilege IAM policy of the live scan, generated from the exporter's own calls.

`python -m scanner.sources.aws.policy --write` regenerates docs/examples/iam-readonly-policy.json;
`--check` fails when the file is stale (tests/aws/test_policy.py runs it).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from scanner.sources.aws.calls import OPERATIONS

POLICY_FILE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "iam-readonly-policy.json"
# IAM action prefixes that differ from the boto3 client name (botocore's signingName).
IAM_PREFIX = {"efs": "elasticfilesystem", "stepfunctions": "states"}
# Only the role that walks the Organization needs these: member accounts need the reads only.
ORGANIZATION = frozenset({("organizations", "ListAccounts"), ("sts", "AssumeRole")})


def action(service: str, operation: str) -> str:
    return f"{IAM_PREFIX.get(service, service)}:{operation}"


def iam_policy() -> dict[str, Any]:
    reads: list[str] = []
    walk: list[str] = []
    for service, operations in OPERATIONS.items():
        for operation in operations:
            target = walk if (service, operation) in ORGANIZATION else reads
            target.append(action(service, operation))
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadFargateConnectivity",
                "Effect": "Allow",
                "Action": sorted(reads),
                "Resource": "*",
            },
            {
                "Sid": "WalkOrganizationOnlyForOrgRole",
                "Effect": "Allow",
                "Action": sorted(walk),
                "Resource": "*",
            },
        ],
    }


def render() -> str:
    return json.dumps(iam_policy(), indent=2) + "\n"


def main(argv: list[str]) -> int:
    if argv == ["--write"]:
        POLICY_FILE.write_text(render(), encoding="utf-8")
        return 0
    if argv == ["--check"]:
        current = POLICY_FILE.read_text(encoding="utf-8") if POLICY_FILE.exists() else ""
        if current != render():
            print(f"{POLICY_FILE} is stale: run python -m scanner.sources.aws.policy --write")
            return 1
        return 0
    print(render(), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
