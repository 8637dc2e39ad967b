"""KMS: the key policy of the key a cluster's ECS Exec configuration names (`kmsKeyId`).

FG605 decides whether the task role may use that key from the key policy and the role's IAM
policies together (policies/lib/kms.rego): the exporter reads each key a scanned cluster names,
and no other (no account-wide listing).
"""

from __future__ import annotations

import json
from typing import Any

from scanner.sources.aws.calls import Reader
from scanner.sources.aws.where import named
from scanner.sources.base import Fragment


def export(reader: Reader, fragment: Fragment) -> None:
    """One DescribeKey (the key's ARN and manager: `kmsKeyId` may be an id, an ARN or an alias)
    and one GetKeyPolicy per customer managed key, into `kms_keys`. A key DescribeKey could not
    read stays out (its gap is an FG801 note; the role's IAM policies alone decide, as for a key
    the inputs do not define); a key policy GetKeyPolicy could not read is the gap's unknown. An
    AWS managed key is left out too: its key policy lets the account's IAM policies decide."""
    configs: dict[str, list[dict[str, Any]]] = {}
    for cluster in fragment.collections.get("clusters", {}).values():
        config = cluster["execute_command_configuration"]
        key = config.get("kmsKeyId") if isinstance(config, dict) else None
        if isinstance(key, str) and key:
            configs.setdefault(key, []).append(config)
    keys: dict[str, Any] = {}
    for key, using in sorted(configs.items()):
        parts = key.split(":")
        here = reader.elsewhere(parts[3]) if key.startswith("arn:") and len(parts) > 5 else reader
        described = here.one("kms", "DescribeKey", KeyId=key)
        meta = described.get("KeyMetadata", {}) if described else {}
        arn = meta.get("Arn")
        if not isinstance(arn, str) or meta.get("KeyManager") == "AWS":
            continue
        if key not in (arn, meta.get("KeyId")):
            # An alias: the policies build the key's ARN from an id or take an ARN, and KMS
            # authorizes kms:Decrypt on the key, not on its alias.
            for config in using:
                config["kmsKeyId"] = arn
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


def _document(text: Any) -> dict[str, Any] | None:
    """The key policy as JSON, or None (the key left out) when it is not a JSON object."""
    try:
        document = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return None
    return document if isinstance(document, dict) else None
