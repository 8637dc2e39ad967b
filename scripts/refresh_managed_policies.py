"""Refresh scanner/data/managed_policies.json: the AWS managed policies the scanner resolves by ARN.

    python scripts/refresh_managed_policies.py                  # from moto's bundled copy
    python scripts/refresh_managed_policies.py --from-account   # from the account boto3 finds
    python scripts/refresh_managed_policies.py --check          # exit 1 when the file differs

The default source is the AWS managed policy data that moto (a test dependency, Apache-2.0)
ships: no account needed, and the tests can regenerate the file. `--from-account` reads the
current default version of each policy with iam:GetPolicy and iam:GetPolicyVersion (read-only
calls; sts:GetCallerIdentity names the account) and records the account and the day.

Only the policies of POLICIES are kept: the ones ECS task and execution roles commonly use.
Each entry is `{"name", "version", "document"}` under the policy's exact ARN; the document is
AWS's, except that `Statement` is always a list.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.parse
from pathlib import Path
from typing import Any

from datafile import DATA, Document, save

GENERATOR = "scripts/refresh_managed_policies.py"

# Path and name of each policy, as AWS has them (`arn:aws:iam::aws:policy/` + this).
POLICIES = (
    # Execution role
    "service-role/AmazonECSTaskExecutionRolePolicy",
    "AmazonEC2ContainerRegistryReadOnly",
    "AmazonEC2ContainerRegistryPullOnly",
    "AmazonEC2ContainerRegistryPowerUser",
    "AmazonEC2ContainerRegistryFullAccess",
    "CloudWatchLogsReadOnlyAccess",
    "CloudWatchLogsFullAccess",
    "SecretsManagerReadWrite",
    "AmazonSSMReadOnlyAccess",
    "AmazonSSMFullAccess",
    # Older ECS roles that templates still attach to task and execution roles
    "service-role/AmazonEC2ContainerServiceforEC2Role",
    "service-role/AmazonEC2ContainerServiceRole",
    # ECS Exec, sidecars (X-Ray daemon, CloudWatch agent / ADOT collector, App Mesh Envoy)
    "AmazonSSMManagedInstanceCore",
    "AWSXRayDaemonWriteAccess",
    "AWSXrayWriteOnlyAccess",
    "CloudWatchAgentServerPolicy",
    "AmazonPrometheusRemoteWriteAccess",
    "AWSAppMeshEnvoyAccess",
    # EFS volumes
    "AmazonElasticFileSystemClientReadOnlyAccess",
    "AmazonElasticFileSystemClientReadWriteAccess",
    "AmazonElasticFileSystemClientFullAccess",
    "AmazonElasticFileSystemReadOnlyAccess",
    "AmazonElasticFileSystemFullAccess",
    # What applications call
    "AmazonS3ReadOnlyAccess",
    "AmazonS3FullAccess",
    "AmazonSQSReadOnlyAccess",
    "AmazonSQSFullAccess",
    "AmazonSNSReadOnlyAccess",
    "AmazonSNSFullAccess",
    "AmazonDynamoDBReadOnlyAccess",
    "AmazonDynamoDBFullAccess",
    "AmazonDynamoDBFullAccess_v2",
    "AmazonKinesisReadOnlyAccess",
    "AmazonKinesisFullAccess",
    "AmazonKinesisFirehoseFullAccess",
    "AmazonEventBridgeFullAccess",
    "AWSStepFunctionsReadOnlyAccess",
    "AWSStepFunctionsFullAccess",
    "AmazonAPIGatewayInvokeFullAccess",
    "AmazonSESFullAccess",
    "AmazonRDSDataFullAccess",
    "service-role/AWSLambdaRole",
    "AWSKeyManagementServicePowerUser",
    "CloudWatchReadOnlyAccess",
    "CloudWatchFullAccess",
    "CloudWatchFullAccessV2",
    "AmazonEC2ReadOnlyAccess",
    "AmazonECS_FullAccess",
    # Broad grants
    "AdministratorAccess",
    "PowerUserAccess",
    "ReadOnlyAccess",
)


def arn_of(path_name: str, partition: str = "aws") -> str:
    return f"arn:{partition}:iam::aws:policy/{path_name}"


def entry(name: str, version: str, document: dict[str, Any]) -> dict[str, Any]:
    statements = document.get("Statement", [])
    listed = statements if isinstance(statements, list) else [statements]
    return {"name": name, "version": version, "document": {**document, "Statement": listed}}


def from_moto() -> tuple[dict[str, Any], str]:
    import moto
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    known = json.loads(aws_managed_policies_data)
    found = {}
    for path_name in POLICIES:
        path, _, name = path_name.rpartition("/")
        policy = known.get(name)
        if policy is None:
            warn(f"{name} is not in moto {moto.__version__}'s data: left out")
            continue
        if policy["Path"] != f"/{path}/".replace("//", "/"):
            raise SystemExit(f"{path_name}: moto has it under path {policy['Path']}")
        found[arn_of(path_name)] = entry(name, policy["DefaultVersionId"], policy["Document"])
    return found, f"moto {moto.__version__} aws_managed_policies (Apache-2.0)"


def from_account(day: str) -> tuple[dict[str, Any], str]:
    import boto3

    session = boto3.Session()
    caller = session.client("sts").get_caller_identity()
    partition = caller["Arn"].split(":")[1]
    iam = session.client("iam")
    found = {}
    for path_name in POLICIES:
        arn = arn_of(path_name, partition)
        try:
            policy = iam.get_policy(PolicyArn=arn)["Policy"]
        except iam.exceptions.NoSuchEntityException:
            warn(f"{arn} does not exist in this partition: left out")
            continue
        version = policy["DefaultVersionId"]
        document = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"][
            "Document"
        ]
        if isinstance(document, str):  # the raw API gives it URL-encoded; boto3 decodes it
            document = json.loads(urllib.parse.unquote(document))
        found[arn] = entry(policy["PolicyName"], version, document)
    return found, f"live account {caller['Account']} on {day}"


def warn(text: str) -> None:
    print(f"refresh_managed_policies: {text}", file=sys.stderr)


def build(policies: dict[str, Any], origin: str, date: str) -> Document:
    return {
        "managed_policies": policies,
        "managed_policies_source": {"date": date, "from": origin, "generator": GENERATOR},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--from-account",
        action="store_true",
        help="read the policies from the AWS account of the default boto3 credentials",
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when the file differs")
    parser.add_argument("--output", type=Path, default=DATA / "managed_policies.json")
    args = parser.parse_args(argv)
    if args.from_account:
        import datetime

        day = datetime.date.today().isoformat()
        policies, origin = from_account(day)
        return save(args.output, lambda date: build(policies, origin, day), check=args.check)
    policies, origin = from_moto()
    return save(args.output, lambda date: build(policies, origin, date), check=args.check)


if __name__ == "__main__":
    sys.exit(main())
