"""KMS: the key policy of the key a cluster's ECS Exec configuration names (`kmsKeyId`), and of
the key of each secret or parameter a task definition names (secrets.py).

FG605 decides whether the task role may use the exec key, and FG105 whether the execution role
may use a secret's key, from the key policy and the role's IAM policies together
(policies/lib/kms.rego): the exporter reads each key a scanned cluster or secret names, and no
other (no account-wide listing).
"""

from __future__ import annotations

import json
import re
from typing import Any

from scanner.sources.aws.calls import Reader
from scanner.sources.aws.where import named
from scanner.sources.base import Fragment


def export(reader: Reader, fragment: Fragment) -> None:
    """One DescribeKey (the key's ARN and manager: `kmsKeyId` may be an id, an ARN or an alias)
    and one GetKeyPolicy per customer managed key, into `kms_keys`. A key DescribeKey could not
    read stays out (its gap is an FG801 note; the role's IAM policies alone decide, as for a key
    the inputs do not define); a key policy GetKeyPolicy could not read is the gap's unknown. An
    AWS managed key is left out too: its key policy lets the account's IAM policies decide.

    The keys of the secrets and parameters secrets.py read (`kms_key_id`) are read the same way:
    a secret's key named by an alias or id becomes the key's ARN, and an AWS managed one null
    (FG105 then checks no key for it)."""
    configs: dict[str, list[dict[str, Any]]] = {}
    for cluster in fragment.collections.get("clusters", {}).values():
        config = cluster["execute_command_configuration"]
        key = config.get("kmsKeyId") if isinstance(config, dict) else None
        if isinstance(key, str) and key:
            configs.setdefault(key, []).append(config)
    secrets: dict[str, list[dict[str, Any]]] = {}
    for secret in fragment.collections.get("secrets", {}).values():
        key = secret["kms_key_id"]
        if isinstance(key, str) and key and not _AWS_ALIAS.match(key):
            secrets.setdefault(_qualified(key, secret["arn"], reader), []).append(secret)
    keys: dict[str, Any] = {}
    for key in sorted(set(configs) | set(secrets)):
        parts = key.split(":")
        here = reader.elsewhere(parts[3]) if key.startswith("arn:") and len(parts) > 5 else reader
        described = here.one("kms", "DescribeKey", KeyId=key)
        meta = described.get("KeyMetadata", {}) if described else {}
        arn = meta.get("Arn")
        if not isinstance(arn, str):
            continue
        if meta.get("KeyManager") == "AWS":
            for secret in secrets.get(key, []):
                secret["kms_key_id"] = None
            continue
        if key not in (arn, meta.get("KeyId")):
            # An alias: the policies build the key's ARN from an id or take an ARN, and KMS
            # authorizes kms:Decrypt on the key, not on its alias.
            for config in configs.get(key, []):
                config["kmsKeyId"] = arn
        for secret in secrets.get(key, []):
            secret["kms_key_id"] = arn
        answer = here.one("kms", "GetKeyPolicy", KeyId=arn, PolicyName="default")
        gap = here.gap("kms", "GetKeyPolicy")
        if answer is not None:
            policy = _document(answer.get("Policy"))
        elif gap is not None:
            policy = gap.unknown(f"the key policy of KMS key {arn}")
        else:
            continue
        if policy is not None:
            keys[arn] = named(arn, arn, arn=arn, policy=policy)
    if keys:
        fragment.collections["kms_keys"] = keys


# `alias/aws/...` names only AWS managed keys (aws/secretsmanager, aws/ssm): nothing to read.
_AWS_ALIAS = re.compile(r"^(arn:[^:]+:kms:[^:]*:[^:]*:)?alias/aws/")


def _qualified(key: str, secret_arn: str, reader: Reader) -> str:
    """A secret's key named by an id or alias, which KMS looks up in the secret's region: as an
    ARN when that is not the scanned region."""
    parts = secret_arn.split(":")
    if key.startswith("arn:") or len(parts) < 6 or parts[3] == reader.region:
        return key
    resource = key if key.startswith("alias/") else f"key/{key}"
    return f"arn:{parts[1]}:kms:{parts[3]}:{parts[4]}:{resource}"


def _document(text: Any) -> dict[str, Any] | None:
    """The key policy as JSON, or None (the key left out) when it is not a JSON object."""
    try:
        document = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return None
    return document if isinstance(document, dict) else None
