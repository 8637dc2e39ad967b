"""Split a large model into independent parts that the policies can evaluate one at a time.

Two objects belong to the same part when one names the other (by id, in any field) or when
both hold the same unsettled value (an unknown's `ref`): a service with its subnets, their VPC,
route tables, NACLs, endpoints, security groups (and those their rules name), its task
definition, roles and EFS file systems; services that share any of these stay together. No rule
looks further than what an object names, so each part gives the findings the whole model gives
for its objects, and evaluating parts costs the sum of small evaluations instead of one large
one (less memory, and parts can run on several cores).

`clusters`, `managed_policies`, `prefix_lists` and the optional `kms_keys`, `log_groups` and
`secrets` are read by many unrelated services and name nothing the network rules follow: every
part gets them whole.
Declared needs go with the service they are declared for; a coverage gap with the part whose
unknowns it caused.

FG801 gathers across parts (an id that is in no collection, such as a prefix list the inputs
do not contain, may be named from several parts): scanner/engine/parts.py evaluates it once
more over the entries of all parts.
"""

from __future__ import annotations

from typing import Any

from scanner.model.builder import COLLECTIONS

SHARED = ("clusters", "managed_policies", "prefix_lists")
LINKED = tuple(c for c in COLLECTIONS if c not in SHARED)

Node = tuple[str, Any]  # (collection, id), ("need", index), ("gap", index) or ("?", unknown ref)


class _Groups:
    """Union-find over nodes."""

    def __init__(self) -> None:
        self.parent: dict[Node, Node] = {}

    def find(self, node: Node) -> Node:
        parent = self.parent
        root = parent.setdefault(node, node)
        while parent[root] != root:
            root = parent[root]
        while node != root:  # path compression
            parent[node], node = root, parent[node]
        return root

    def union(self, a: Node, b: Node) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def _named(value: Any, ids: dict[str, list[Node]]) -> list[Node]:
    """The nodes a value names: ids of linked objects, and the refs of unknowns. `source`
    (file, line, pointer) names nothing."""
    found: list[Node] = []
    stack = [value]
    while stack:
        v = stack.pop()
        kind = type(v)
        if kind is str:
            hit = ids.get(v)
            if hit:
                found += hit
        elif kind is dict:
            if "unknown" in v and type(v.get("ref")) is str and not is_zone_index(v["ref"]):
                found.append(("?", v["ref"]))
            # strings (most values) looked up here, not pushed and popped: a sixth less time
            for k, x in v.items():
                kind = type(x)
                if kind is str:
                    hit = ids.get(x)
                    if hit and k != "source":
                        found += hit
                elif (kind is dict or kind is list) and k != "source":
                    stack.append(x)
        elif kind is list:
            stack += v
    return found


def zone_index_ref(index: int) -> str:
    """The ref of a subnet's zone `Fn::Select [index, Fn::GetAZs]` (the model's
    `availability_zone`): the region's index-th zone, known only at deploy time."""
    return f"Fn::Select [{index}, Fn::GetAZs]"


def is_zone_index(ref: str) -> bool:
    """Whether a ref is a zone_index_ref. Such a zone is the same unsettled value in every VPC
    of the region, but it is only compared with the zones of the same VPC, which that VPC links
    already, and it blocks no verdict: it links nothing (or every VPC of a CDK app would be one
    part)."""
    return ref.startswith("Fn::Select [") and ref.endswith(", Fn::GetAZs]")


def gap_ref(gap: dict[str, Any]) -> str:
    """How a coverage gap is named: the `ref` of the unknowns it causes (the live exporter's
    `Gap.ref`) and of its FG801 note (policies/rules/fg801 `gap_ref`)."""
    return f"{gap['api']} in account {gap['account']} region {gap['region']}"


def split(model: dict[str, Any], part_services: int) -> list[dict[str, Any]]:
    """The model as parts of about `part_services` services each (whole groups, never split),
    in a stable order; [model] itself when it is not larger than one part."""
    if len(model["services"]) <= part_services:
        return [model]
    ids: dict[str, list[Node]] = {}
    for collection in LINKED:
        for ident in model[collection]:
            ids.setdefault(ident, []).append((collection, ident))
    groups = _Groups()
    members: list[tuple[Node, Any]] = [
        ((collection, ident), obj)
        for collection in LINKED
        for ident, obj in model[collection].items()
    ]
    members += [(("need", i), need) for i, need in enumerate(model["declared_needs"])]
    gaps = model.get("coverage_gaps") or []
    for node, obj in members:
        groups.find(node)
        for other in _named(obj, ids):
            groups.union(node, other)
    for i, gap in enumerate(gaps):
        groups.union(("gap", i), ("?", gap_ref(gap)))

    by_root: dict[Node, list[Node]] = {}
    for node, _ in members:
        by_root.setdefault(groups.find(node), []).append(node)
    for i in range(len(gaps)):
        by_root.setdefault(groups.find(("gap", i)), []).append(("gap", i))
    if len(by_root) == 1:
        return [model]

    # A part ends where the services in all parts so far reach a multiple of part_services, so
    # a large group in one part does not make every later part larger.
    parts: list[dict[str, Any]] = []
    services = 0
    for nodes in by_root.values():  # insertion order: the model's order, stable
        if not parts or services >= len(parts) * part_services:
            parts.append(_empty(model))
        part = parts[-1]
        for kind, key in nodes:
            if kind == "need":
                part["declared_needs"].append(model["declared_needs"][key])
            elif kind == "gap":
                part.setdefault("coverage_gaps", []).append(gaps[key])
            elif kind != "?":
                part[kind][key] = model[kind][key]
                services += kind == "services"
    return parts


def _empty(model: dict[str, Any]) -> dict[str, Any]:
    part: dict[str, Any] = {
        key: value for key, value in model.items() if key not in LINKED and key != "coverage_gaps"
    }
    part.update({collection: {} for collection in LINKED})
    part["declared_needs"] = []
    return part
