"""Merge what the sources built into one input model (docs/model.md) and check it."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from scanner.errors import EngineError, SourceError
from scanner.sources.base import Fragment, LoadedFile

MODEL_VERSION = 1
COLLECTIONS = (
    "vpcs",
    "subnets",
    "route_tables",
    "nacls",
    "security_groups",
    "nat_gateways",
    "internet_gateways",
    "vpc_endpoints",
    "prefix_lists",
    "roles",
    "managed_policies",
    "clusters",
    "task_definitions",
    "services",
    "efs_file_systems",
    "efs_mount_targets",
)
# Collections a model has only when a source read such objects (docs/model.md): models without
# them are still model_version 1.
OPTIONAL_COLLECTIONS = ("kms_keys", "log_groups", "secrets")

_REGION = r"([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d)"
# Where the network is: an endpoint's service name and a subnet's availability zone name the
# region of their VPC.
_LOCATION_HINTS = (
    re.compile(r"com\.amazonaws\." + _REGION + r"\."),
    re.compile(r"(?i)availability_?zone[\"']?\s*[:=]\s*[\"']?" + _REGION + r"[a-z]\b"),
)
# What the tasks use: an image, a secret or a log group may be in another region.
_REGION_HINTS = (
    re.compile(r"\.dkr\.ecr\." + _REGION + r"\.amazonaws\.com"),
    re.compile(r"arn:aws[a-z-]*:[a-z0-9-]+:" + _REGION + r":"),
    re.compile(r"awslogs-region[\"']?\s*[:=]\s*[\"']?" + _REGION),
)


def infer_region(files: list[LoadedFile], values: Iterable[str] = ()) -> str | None:
    """The one region the network is in (endpoint service names, availability zones) when the
    inputs name any, else the one region everything they name is in (ECR hosts, ARNs,
    awslogs-region), if they agree.

    `values` are inputs given on the command line (`--parameter` values such as an image URI).
    """
    texts = [*(f.text for f in files), *values]
    for hints in (_LOCATION_HINTS, _REGION_HINTS):
        found = {region for text in texts for p in hints for region in p.findall(text)}
        if found:
            return found.pop() if len(found) == 1 else None
    return None


def region_value(region: str | None, files: list[LoadedFile]) -> Any:
    if region:
        return region
    where = files[0].rel if files else "<inputs>"
    return {
        "unknown": "the deploy region is not settled: pass --region or set AWS_REGION",
        "ref": "AWS::Region",
        "source": {"file": where, "line": 1, "pointer": ""},
    }


def build_model(fragments: list[Fragment], region: Any) -> dict[str, Any]:
    """One model from all fragments; ids are unique across sources by construction."""
    model: dict[str, Any] = {"model_version": MODEL_VERSION, "region": region}
    for name in COLLECTIONS:
        model[name] = {}
    model["declared_needs"] = []
    for fragment in fragments:
        for name, objects in fragment.collections.items():
            if name in OPTIONAL_COLLECTIONS:
                model.setdefault(name, {})
            if name not in model:
                raise EngineError(f"a source produced an unknown collection {name!r}")
            model[name].update(objects)
        model["declared_needs"].extend(fragment.declared_needs)
    return model


def taken(fragments: Iterable[Fragment]) -> dict[str, frozenset[str]]:
    """The ids and names the fragments' objects have, by collection (BuildContext.taken)."""
    out: dict[str, set[str]] = {}
    for fragment in fragments:
        for name, objects in fragment.collections.items():
            out.setdefault(name, set()).update(
                text for obj in objects.values() for text in (obj["id"], obj["name"])
            )
    return {name: frozenset(texts) for name, texts in out.items()}


def name_apart(model: dict[str, Any], renamed: dict[str, str] | None = None) -> dict[str, str]:
    """Services (and standalone tasks) that share a name, such as the logical ID `Service` in
    two templates, are each named by their id (`dev/service.yaml#Service`), which the sources
    qualify by file when names repeat: findings, path rows and the text report's blocks are
    keyed by the service's name. The others keep theirs, so a scan without such names is
    unchanged. Returns id -> the name each renamed service had; `renamed`: those of the scan's
    model, for a model of it without what an unsettled condition creates (scanner.worlds),
    whose services are named as in the scan's."""
    services = model["services"]
    if renamed is None:
        counts = Counter(svc["name"] for svc in services.values())
        renamed = {sid: svc["name"] for sid, svc in services.items() if counts[svc["name"]] > 1}
    for sid in renamed:
        if sid in services:
            services[sid]["name"] = sid
    return renamed


@cache
def _validator() -> Any:
    # jsonschema-rs: about 30 ms to import and compile, against 150 ms for jsonschema; every
    # pre-commit run pays this.
    import jsonschema_rs

    schema = json.loads((Path(__file__).parent / "model.schema.json").read_text(encoding="utf-8"))
    return jsonschema_rs.Draft202012Validator(schema)


def schema_errors(model: dict[str, Any]) -> list[Any]:
    """Where the model breaks its schema (jsonschema-rs errors; none for a valid model)."""
    return list(_validator().iter_errors(model))


def drop_unreadable(model: dict[str, Any], invalid: list[Any]) -> list[SourceError]:
    """Take out the objects a broken input file gave values of the wrong type (a plan with a
    null where Terraform always writes a string, an ECS field of the wrong kind) and say where
    they come from; the rest of the model is still scanned. A policy document that IAM would
    refuse is made unknown instead: taking out an endpoint would read as a missing endpoint.
    `invalid`: the model's `schema_errors`. What has no source file is left for
    `validate_model` (our bug: exit 3)."""
    errors: list[SourceError] = []
    unknown: set[tuple[Any, ...]] = set()  # the documents made unknown
    for error in invalid:
        path = error.instance_path
        if len(path) < 3 or path[0] not in (*COLLECTIONS, *OPTIONAL_COLLECTIONS):
            continue
        obj = model[path[0]].get(path[1])
        source = obj.get("source") if isinstance(obj, dict) else None
        if not isinstance(source, dict) or not isinstance(source.get("file"), str):
            continue
        name = obj.get("name", path[1])
        field = "/".join(str(p) for p in path[2:])
        kind = _JSON_TYPES.get(type(error.instance), "a value")
        document = _document(path)
        if document is None:
            outcome = "this resource is not analysed"
            model[path[0]].pop(path[1], None)
        elif document in unknown:
            continue
        else:
            unknown.add(document)
            where = "/".join(str(p) for p in document[2:])
            holder = obj
            for part in document[2:-1]:
                holder = holder[part]
            holder[document[-1]] = {
                "unknown": f"{where} of {name} is not a policy document that IAM accepts",
                "ref": f"{name}/{where}",
                "source": source,
            }
            outcome = (
                f"IAM refuses such a policy document; what depends on its {where} is undecided"
            )
        line = source.get("line")
        errors.append(
            SourceError(
                source["file"],
                line if isinstance(line, int) else None,
                f"{name}: {kind} where its {field} should be (a value of another type); {outcome}",
            )
        )
    return errors


# The fields that hold an IAM policy document (model.schema.json's `policy_document`).
_DOCUMENTS = frozenset({"policy", "trust_policy", "document"})


def _document(path: Any) -> tuple[Any, ...] | None:
    """The path to the policy document that `path` is in (or is), else None."""
    for end in range(2, len(path)):
        if path[end] in _DOCUMENTS:
            return tuple(path[: end + 1])
    return None


_JSON_TYPES = {
    type(None): "null",
    bool: "a boolean",
    int: "a number",
    float: "a number",
    str: "a string",
    list: "a list",
    dict: "a map",
}


def unlaunched_notice(model: dict[str, Any]) -> str | None:
    """A notice naming the task definitions that no service or task of the inputs runs: their
    IAM and settings are checked, but no network path (a clean scan of a lone task definition
    says nothing about reachability). None when one runs a task definition the inputs do not
    settle, which may be any of them."""
    launched = [s.get("task_definition") for s in model["services"].values()]
    if not all(isinstance(t, str) for t in launched):
        return None  # an unsettled one may be any of them
    idle = sorted(set(model["task_definitions"]) - set(launched))
    if not idle:
        return None
    named = ", ".join(idle[:5]) + (f" and {len(idle) - 5} more" if len(idle) > 5 else "")
    one = len(idle) == 1
    it, its = ("it", "its") if one else ("them", "their")
    return (
        f"task definition{'' if one else 's'} {named}: no service or task of the inputs runs "
        f"{it}, so {its} network paths are not analysed (scan {it} with the service, run-task "
        f"input or template that launches {it})"
    )


def validate_model(model: dict[str, Any]) -> None:
    """A model that breaks the schema is our bug, not the user's: exit 3 with the place."""
    error = next(iter(_validator().iter_errors(model)), None)
    if error is not None:
        where = "/".join(str(p) for p in error.instance_path)
        raise EngineError(
            f"internal error: the input model is invalid at /{where}: {error.message}"
        )
