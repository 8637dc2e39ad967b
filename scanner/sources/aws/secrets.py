"""Secrets Manager and SSM Parameter Store: the KMS key of each secret or SecureString parameter
a scanned task definition names (`secrets`; FG105 asks for the execution role's kms:Decrypt on
a customer managed key, policies/lib/calls_keys.rego).

Only those, in the scanned account, each once: secretsmanager:DescribeSecret (its `KmsKeyId`,
absent for the AWS managed key aws/secretsmanager) and ssm:DescribeParameters with a Name filter
(its `KeyId`; only a SecureString is encrypted). kms.py then reads the keys they name.
"""

from __future__ import annotations

from typing import Any

from scanner.sources.aws.calls import Reader
from scanner.sources.aws.where import named
from scanner.sources.base import Fragment

# (service, region, the secret's id or the parameter's name)
Wanted = tuple[str, str, str]


def export(reader: Reader, fragment: Fragment) -> None:
    """One DescribeSecret or DescribeParameters per secret or parameter. One that does not exist
    (or is not a SecureString) stays out: the policies then check no key for it, as for a
    secret the inputs do not define. A read that failed is a coverage gap, and the key the
    gap's unknown (FG105 waits for it: an FG801 note where the role may not use every key)."""
    wanted = sorted({w for value in _named(fragment) if (w := _wanted(reader, value))})
    found: dict[str, Any] = {}
    for service, region, ident in wanted:
        here = reader.elsewhere(region)
        read = _secret if service == "secretsmanager" else _parameter
        entry = read(here, ident)
        if entry is not None:
            found[entry["id"]] = entry
    if found:
        fragment.collections["secrets"] = found


def _named(fragment: Fragment) -> list[tuple[str, Any]]:
    """[(how it is read, value)] of each container secret ("secret": Secrets Manager or SSM by
    its value) and repository credentials ("credentials": Secrets Manager)."""
    found: list[tuple[str, Any]] = []
    for definition in fragment.collections.get("task_definitions", {}).values():
        containers = definition["containers"]
        for container in containers if isinstance(containers, list) else []:
            secrets = container.get("secrets")
            found += [("secret", s.get("value_from")) for s in secrets or [] if isinstance(s, dict)]
            found.append(("credentials", container.get("repository_credentials")))
    return found


def _wanted(reader: Reader, named_value: tuple[str, Any]) -> Wanted | None:
    """What to read for a value as ECS reads it (ECS API Reference, Secret and
    RepositoryCredentials): a Secrets Manager ARN (a JSON key, version stage and id after its
    first seven fields are not part of the secret), an SSM parameter's ARN, or a name in the
    task's region (repository credentials: a secret's; else a parameter's). Another account's
    is not read."""
    how, value = named_value
    if not isinstance(value, str) or not value:
        return None
    parts = value.split(":")
    if value.startswith("arn:") and len(parts) >= 6:
        region, account = parts[3], parts[4]
        if account != reader.account:
            return None
        if parts[2] == "secretsmanager" and len(parts) >= 7:
            return ("secretsmanager", region, ":".join(parts[:7]))
        resource = ":".join(parts[5:])
        if parts[2] == "ssm" and resource.startswith("parameter/"):
            name = resource.removeprefix("parameter/")
            # a name in a hierarchy starts with `/`, which its ARN does not repeat
            return ("ssm", region, f"/{name}" if "/" in name else name)
        return None
    if how == "credentials":
        return ("secretsmanager", reader.region, value)
    return ("ssm", reader.region, value)


def _secret(reader: Reader, ident: str) -> dict[str, Any] | None:
    answer = reader.one_or_gone("secretsmanager", "DescribeSecret", gone=_NO_SECRET, SecretId=ident)
    if answer is None:
        gap = reader.gap("secretsmanager", "DescribeSecret")
        if gap is None:
            return None
        named_arn = ident if ident.startswith("arn:") else _name_arn(reader, ident)
        return _entry(named_arn, "secretsmanager", gap.unknown(f"the KMS key of secret {ident}"))
    arn = answer.get("ARN") if answer else None  # (False: it does not exist)
    if not answer or not isinstance(arn, str):
        return None
    return _entry(arn, "secretsmanager", answer.get("KmsKeyId") or None)


# DescribeSecret's answer for a secret that does not exist.
_NO_SECRET = frozenset({"ResourceNotFoundException"})


def _parameter(reader: Reader, name: str) -> dict[str, Any] | None:
    found = reader.first(
        "ssm",
        "DescribeParameters",
        "Parameters",
        ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": [name]}],
    )
    if found is None:
        gap = reader.gap("ssm", "DescribeParameters")
        if gap is None:
            return None
        arn = f"arn:{_partition(reader)}:ssm:{reader.region}:{reader.account}:parameter/"
        return _entry(
            arn + name.lstrip("/"), "ssm", gap.unknown(f"the KMS key of parameter {name}")
        )
    if not found or found[0].get("Type") != "SecureString":
        return None
    parameter = found[0]
    arn = parameter.get("ARN")
    if not isinstance(arn, str):
        arn = f"arn:{_partition(reader)}:ssm:{reader.region}:{reader.account}:parameter/"
        arn += str(parameter.get("Name", name)).lstrip("/")
    return _entry(arn, "ssm", parameter.get("KeyId") or None)


def _entry(arn: str, service: str, key: Any) -> dict[str, Any]:
    return named(arn, arn, service=service, arn=arn, kms_key_id=key)


def _name_arn(reader: Reader, name: str) -> str:
    """The ARN of a secret named by its name alone, as the policies build it (without the six
    characters: lib/calls.rego secret_name_arn)."""
    return f"arn:{_partition(reader)}:secretsmanager:{reader.region}:{reader.account}:secret:{name}"


def _partition(reader: Reader) -> str:
    if reader.region.startswith("cn-"):
        return "aws-cn"
    if reader.region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"
