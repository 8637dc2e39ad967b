"""Declared needs (config `needs` and CloudFormation `Metadata`) -> `model.declared_needs`.

Each need is resolved against the model: its services (by id, name or task-definition family),
its endpoint service (one the scanner knows), its target (a security group of the inputs, an
`sg-` id, or an IPv4 CIDR). Anything that names nothing is a bad input at the need's line.
"""

from __future__ import annotations

import difflib
import ipaddress
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from scanner.config import NeedSpec, ServiceNeeds
from scanner.errors import SourceError
from scanner.sources.base import Annotation

SERVICE_TYPE = "AWS::ECS::Service"
FILE_KEYS = "logical ID, Terraform address, ARN or task-definition family"


def resolve(
    model: dict[str, Any],
    config_needs: Sequence[ServiceNeeds],
    annotations: Iterable[Annotation],
    endpoints: frozenset[str],
) -> tuple[list[dict[str, Any]], list[SourceError]]:
    """The model's declared needs, and the errors of the ones that name nothing."""
    errors: dict[tuple[str, int, str], SourceError] = {}
    needs: list[dict[str, Any]] = []

    def add(service_ids: Iterable[str], spec: NeedSpec) -> None:
        try:
            fields = _need_fields(model, spec, endpoints)
        except SourceError as exc:
            errors.setdefault((exc.file, exc.line or 0, exc.message), exc)
            return
        needs.extend({"service": sid, **fields} for sid in service_ids)

    selectors = _selectors(model)
    for entry in config_needs:
        matched = selectors.get(entry.selector)
        if not matched:
            error = _no_service(entry, "in the inputs", FILE_KEYS)
            errors.setdefault((error.file, entry.line, error.message), error)
            continue
        for spec in entry.needs:
            add(sorted(matched), spec)
    for annotation in annotations:
        for spec in annotation.needs:
            add(_annotated_services(model, annotation), spec)
    needs.sort(key=lambda n: (n["service"], n["source"]["file"], n["source"]["line"], str(n)))
    return needs, list(errors.values())


def resolve_live(
    models: Sequence[dict[str, Any]],
    config_needs: Sequence[ServiceNeeds],
    endpoints: frozenset[str],
    unread: Callable[[str], str | None],
) -> tuple[list[SourceError], list[str]]:
    """The config's needs over the models of a live scan (one per account and region), added to
    their `declared_needs`: each key is resolved in every model that has a service it names. A
    key that names a service in none is bad input, as in a template scan, unless `unread(key)`
    says why the scan may not have read that service (another shard, account or region; a
    failed call): then a notice says so. Returns the errors and the notices."""
    errors: dict[tuple[str, int, str], SourceError] = {}
    matched: set[ServiceNeeds] = set()
    for model in models:
        selectors = _selectors(model)
        here = [entry for entry in config_needs if entry.selector in selectors]
        matched.update(here)
        needs, found = resolve(model, here, (), endpoints)
        model["declared_needs"].extend(needs)
        for error in found:
            errors.setdefault((error.file, error.line or 0, error.message), error)
    notices: list[str] = []
    for entry in config_needs:
        if entry in matched:
            continue
        if reason := unread(entry.selector):
            notices.append(
                f"{entry.file}:{entry.line}: needs: no service read is named "
                f"{entry.selector!r} ({reason}); its needs are not checked"
            )
            continue
        error = _no_service(
            entry, "of the scanned accounts and regions", "ARN, name or task-definition family"
        )
        errors.setdefault((error.file, entry.line, error.message), error)
    return list(errors.values()), notices


def _no_service(entry: ServiceNeeds, where: str, keys: str) -> SourceError:
    return SourceError(
        entry.file,
        entry.line,
        f"needs: no service {where} is named {entry.selector!r} (give its {keys})",
    )


def known_endpoints(facts: dict[str, Any]) -> frozenset[str]:
    """Endpoint service names the policies know: every mapped prefix's, and ECR's registry."""
    return frozenset(facts.get("endpoint_for_prefix", {}).values()) | {"ecr.dkr"}


def _selectors(model: dict[str, Any]) -> dict[str, set[str]]:
    """What a config `needs` key may say -> the service ids it names."""
    out: dict[str, set[str]] = {}
    for sid, svc in model["services"].items():
        names = {sid, svc["name"]}
        if (service_name := _ecs_service_name(sid)) is not None:
            names.add(service_name)  # a live service is keyed by its ARN
        ref = svc["task_definition"]  # an id, or an unknown
        td = model["task_definitions"].get(ref) if isinstance(ref, str) else None
        if td and isinstance(td.get("family"), str):
            names.add(td["family"])
        for name in names:
            out.setdefault(name, set()).add(sid)
    return out


def _ecs_service_name(ident: str) -> str | None:
    """The name in an ECS service's ARN (`...:service/CLUSTER/NAME`, or the older
    `...:service/NAME`), else None."""
    parts = ident.split(":", 5)
    if len(parts) == 6 and parts[2] == "ecs" and parts[5].startswith("service/"):
        return parts[5].rsplit("/", 1)[-1]
    return None


def _annotated_services(model: dict[str, Any], annotation: Annotation) -> list[str]:
    if annotation.resource_type == SERVICE_TYPE:
        return [annotation.object_id] if annotation.object_id in model["services"] else []
    return sorted(
        sid
        for sid, svc in model["services"].items()
        if svc["task_definition"] == annotation.object_id
    )


def _need_fields(
    model: dict[str, Any], spec: NeedSpec, endpoints: frozenset[str]
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "endpoint": None,
        "actions": list(spec.actions),
        "resources": None if spec.resources is None else list(spec.resources),
        "target_security_group": None,
        "target_cidr": None,
        "port": spec.port,
        "source": spec.source(),
    }
    if spec.endpoint is not None:
        if spec.endpoint not in endpoints:
            close = difflib.get_close_matches(spec.endpoint, sorted(endpoints), n=3, cutoff=0.75)
            hint = (
                f"did you mean {' or '.join(close)}?"
                if close
                else "see scanner/data/endpoints.json"
            )
            raise SourceError(
                spec.file, spec.line, f"unknown endpoint service {spec.endpoint!r} ({hint})"
            )
        fields["endpoint"] = spec.endpoint
    elif spec.target is not None:
        if "/" in spec.target:
            fields["target_cidr"] = _cidr(spec)
        else:
            fields["target_security_group"] = _security_group(model, spec)
    return fields


def _cidr(spec: NeedSpec) -> str:
    try:
        return str(ipaddress.IPv4Network(spec.target))
    except ValueError as exc:
        raise SourceError(
            spec.file, spec.line, f"target {spec.target!r} is not an IPv4 CIDR block ({exc})"
        ) from exc


def _security_group(model: dict[str, Any], spec: NeedSpec) -> str:
    target = str(spec.target)
    groups = model["security_groups"]
    if target in groups:
        return target
    named: list[str] = sorted(gid for gid, sg in groups.items() if sg["name"] == target)
    if len(named) == 1:
        return named[0]
    if named:
        raise SourceError(
            spec.file,
            spec.line,
            f"target {target!r} names several security groups ({', '.join(named)}): give the id",
        )
    if target.startswith("sg-"):
        return target  # a group outside the inputs: the policies say FG801, not an error
    raise SourceError(
        spec.file,
        spec.line,
        f"target {target!r} is no security group of the inputs (give its logical ID, "
        "Terraform address or sg- id, or an IPv4 CIDR)",
    )
