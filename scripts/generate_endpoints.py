"""Generate scanner/data/endpoints.json: IAM action prefix -> endpoint service name, from botocore.

    python scripts/generate_endpoints.py           # rewrite the file from the installed botocore
    python scripts/generate_endpoints.py --check   # exit 1 when the committed file differs

The policies read `endpoint_for_prefix` to turn an action a task role allows (`sns:Publish`) into
the endpoint the application calls (`sns`), the name after `com.amazonaws.<region>.` of a VPC
endpoint. botocore's service models give, for every AWS API, the name requests are signed with
(`signingName`, which is the IAM action prefix for nearly every service) and the endpoint
prefix (`endpointPrefix`, the host name part, which is the endpoint service name for nearly every
service). The rules:

- a signing name whose services all use one endpoint maps to that endpoint;
- a signing name shared by services on different endpoints (`bedrock`: `bedrock`,
  `bedrock-runtime`, ...) is left out: the prefix alone does not say which endpoint a task calls;
- a dotted endpoint prefix (`api.ecr`, `runtime.sagemaker`) is botocore's host name, not an
  endpoint service name, and is left out;
- services signed with a bearer token (no IAM action) are left out;
- OVERRIDES below win over all of this, each with its reason.

A prefix left out of the map gives no inferred need (declared needs still name any endpoint).
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

from datafile import DATA, Document, save

GENERATOR = "scripts/generate_endpoints.py"

# IAM prefix -> endpoint service name, or None to leave the prefix out. Only what botocore
# cannot tell or spells differently.
OVERRIDES: dict[str, str | None] = {
    # CloudWatch's IAM prefix is `cloudwatch`; botocore signs its API as `monitoring`, which is
    # also the endpoint name (and gives `cloudwatch` to CloudWatch Omni's own endpoint).
    "cloudwatch": "monitoring",
    "monitoring": None,  # botocore's signing name for CloudWatch, not an IAM prefix
    # The ECR API's host is `api.ecr.<region>`; its VPC endpoint is `ecr.api` (image layers come
    # through `ecr.dkr`, a need of the image, not of ecr:* actions).
    "ecr": "ecr.api",
    # ECS Exec's and Session Manager's channels: no botocore model (the SSM agent's own API).
    "ssmmessages": "ssmmessages",
    # Shared signing names whose main endpoint is the one an application calls:
    # DynamoDB tables (`dynamodb`; streams are `streams.dynamodb`),
    "dynamodb": "dynamodb",
    # S3 buckets and objects (`s3`; account-level S3 Control calls use `s3-control`),
    "s3": "s3",
    # EventBridge PutEvents (`events`; `eventsv2` is a separate newer API),
    "events": "events",
    # API Gateway invoke (`execute-api`; Amazon Connect Participant also signs as execute-api,
    # on its own `participant.connect` host).
    "execute-api": "execute-api",
    # VPC endpoint names that differ from botocore's endpoint prefix:
    "kinesis": "kinesis-streams",  # Kinesis Data Streams (host kinesis.<region>)
    "firehose": "kinesis-firehose",  # Data Firehose (host firehose.<region>)
    # A task's App Mesh calls are Envoy's appmesh:StreamAggregatedResources, served by the
    # `appmesh-envoy-management` endpoint (`appmesh` is the control plane).
    "appmesh": "appmesh-envoy-management",
    # One IAM prefix, two endpoints, and botocore's signing names do not split them: iot:Publish
    # and the other data-plane actions go to `iot.data`, the rest to `iot`; CodeArtifact has
    # `codeartifact.api` and `codeartifact.repositories`; Managed Prometheus remote write goes to
    # `aps-workspaces`, the rest to `aps`.
    "iot": None,
    "codeartifact": None,
    "aps": None,
}


def endpoint_map() -> dict[str, str]:
    from botocore.loaders import Loader

    # Only the models botocore ships: not ~/.aws/models or AWS_DATA_PATH.
    loader = Loader(
        extra_search_paths=[Loader.BUILTIN_DATA_PATH], include_default_search_paths=False
    )
    endpoints: dict[str, set[str]] = defaultdict(set)
    for service in loader.list_available_services("service-2"):
        meta = loader.load_service_model(service, "service-2")["metadata"]
        if meta.get("signatureVersion") == "bearer":
            continue
        endpoint = meta["endpointPrefix"]
        endpoints[(meta.get("signingName") or endpoint).lower()].add(endpoint)
    found = {
        prefix: next(iter(names))
        for prefix, names in endpoints.items()
        if len(names) == 1 and "." not in next(iter(names))
    }
    for prefix, endpoint in OVERRIDES.items():
        if endpoint is None:
            found.pop(prefix, None)
        else:
            found[prefix] = endpoint
    return dict(sorted(found.items()))


def build(mapping: dict[str, str], version: str, date: str) -> Document:
    return {
        "endpoint_for_prefix": mapping,
        "endpoint_for_prefix_source": {"botocore": version, "date": date, "generator": GENERATOR},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the file differs")
    parser.add_argument("--output", type=Path, default=DATA / "endpoints.json")
    args = parser.parse_args(argv)
    import botocore

    mapping = endpoint_map()
    return save(
        args.output, lambda date: build(mapping, botocore.__version__, date), check=args.check
    )


if __name__ == "__main__":
    sys.exit(main())
