"""Property test: `network.nacl_verdict` (Rego) against an independent reference.

The reference follows the wording of docs/reasoning.md §1 directly: walk the entries of one
direction by rule number, let each entry decide the part of the flow (addresses x ports) that
is still undecided and that it covers, and give the rest to the final `*` deny. The flow is
denied when some of its ports are denied at every address (a connection takes any port of the
range, so some connections fail), else allowed when every decided part is allowed, denied when
every part is denied, and cannot be decided when the parts disagree by address or an entry with
an unsettled value might match what is left.
For an AWS service's public addresses the flow's addresses are all of IPv4 minus the blocks
that are never public, so a private entry never matches and a narrower public one is partial.

It shares no code with the Rego: address sets are `ipaddress` networks, subtracted with
`address_exclude`; the Rego cuts the flow into elementary blocks instead.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import regorus
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

LIB = Path(__file__).resolve().parent.parent / "policies" / "lib"

Net = ipaddress.IPv4Network
Ports = tuple[int, int]
Part = tuple[Net, Ports]

PUBLIC = "public"
NOT_PUBLIC = [
    Net(c)
    for c in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "224.0.0.0/4",
        "240.0.0.0/4",
    )
]
CIDRS = [
    "0.0.0.0/0",
    "0.0.0.0/1",
    "128.0.0.0/1",
    "10.0.0.0/8",
    "10.0.0.0/16",
    "10.0.3.0/24",
    "10.0.3.0/25",
    "10.0.3.128/25",
    "10.0.1.0/24",
    "52.0.0.0/8",
    "52.1.0.0/16",
    "100.64.0.0/10",
    "172.16.0.0/12",
    "192.168.1.0/24",
]
ENTRY_PORTS: list[tuple[int | None, int | None]] = [
    (443, 443),
    (2049, 2049),
    (22, 22),
    (0, 65535),
    (1024, 65535),
    (1024, 40000),
    (40001, 65535),
    (32768, 60999),
    (49152, 65535),
    (None, None),
]
FLOW_PORTS: list[Ports] = [(443, 443), (2049, 2049), (32768, 60999), (49152, 65535), (1024, 65535)]
DESTINATIONS = [PUBLIC, "10.0.3.0/24", "10.0.1.0/24", "10.0.0.0/16", "52.1.0.0/16"]
SOURCE = {"file": "nacl.yaml", "line": 1, "pointer": ""}


def unknown(name: str) -> dict[str, Any]:
    return {
        "unknown": f"parameter {name} has no value",
        "ref": f"Parameter {name}",
        "source": SOURCE,
    }


# --- the reference --------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    verdict: str  # "allow" | "deny" | "undecided"
    deciders: tuple[int | str, ...]  # rule numbers that decided part of the flow; "*" last
    cause: str  # for "undecided": "unknown" (an unsettled entry) or "partial"


def subtract_net(a: Net, b: Net) -> list[Net]:
    if not a.overlaps(b):
        return [a]
    if b.supernet_of(a):
        return []
    return list(a.address_exclude(b))


def subtract_ports(a: Ports, b: Ports) -> list[Ports]:
    pieces = [(a[0], min(a[1], b[0] - 1)), (max(a[0], b[1] + 1), a[1])]
    return [p for p in pieces if p[0] <= p[1]]


def ports_overlap(a: Ports, b: Ports) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def flow_parts(dest: str, ports: Ports) -> list[Part]:
    if dest != PUBLIC:
        return [(Net(dest), ports)]
    nets = [Net("0.0.0.0/0")]
    for block in NOT_PUBLIC:
        nets = [piece for n in nets for piece in subtract_net(n, block)]
    return [(n, ports) for n in nets]


def entry_cover(entry: dict[str, Any]) -> tuple[Net | None, Ports] | None:
    """What an entry could match: (network or None for "any address", ports); None if nothing."""
    if entry["protocol"] not in ("-1", "6") or entry["cidr"] is None:
        return None  # UDP, or an IPv6 entry
    if entry["protocol"] == "-1" or entry["from_port"] is None:
        ports = (0, 65535)
    else:
        ports = (entry["from_port"], entry["to_port"])
    net = None if isinstance(entry["cidr"], dict) else Net(entry["cidr"])
    return net, ports


def is_settled(entry: dict[str, Any]) -> bool:
    return not any(isinstance(entry[k], dict) for k in ("rule_number", "action", "cidr"))


def split(part: Part, net: Net | None, ports: Ports) -> tuple[list[Part], list[Part]]:
    """Cut `part` into what (net, ports) covers and what it leaves."""
    pnet, pports = part
    if net is not None and not pnet.overlaps(net):
        return [], [part]
    if not ports_overlap(pports, ports):
        return [], [part]
    inner_net = pnet if net is None or net.supernet_of(pnet) else net
    inner_ports = (max(pports[0], ports[0]), min(pports[1], ports[1]))
    outside = [(n, pports) for n in ([] if net is None else subtract_net(pnet, net))]
    outside += [(inner_net, p) for p in subtract_ports(pports, inner_ports)]
    return [(inner_net, inner_ports)], outside


def reference(entries: list[dict[str, Any]], egress: bool, ports: Ports, dest: str) -> Verdict:
    mine = [e for e in entries if e["egress"] == egress]
    # an unsettled rule number might put the entry first
    order = sorted(
        mine, key=lambda e: -1 if isinstance(e["rule_number"], dict) else e["rule_number"]
    )
    remaining = flow_parts(dest, ports)
    # (rule, action, part); action None for a part an unsettled entry might take first
    decided: list[tuple[int | str, str | None, Part]] = []
    for entry in order:
        cover = entry_cover(entry)
        if cover is None:
            continue
        taken: list[Part] = []
        left: list[Part] = []
        for part in remaining:
            inside, outside = split(part, *cover)
            taken += inside
            left += outside
        settled = is_settled(entry)
        decided += [(entry["rule_number"], entry["action"] if settled else None, p) for p in taken]
        remaining = left
    decided += [("*", "deny", p) for p in remaining]
    denied = fully_denied_ports(decided, ports)
    if denied and any(action != "deny" for _, action, _ in decided):
        rules = [
            rule
            for rule, action, (_, pports) in decided
            if action == "deny" and any(ports_overlap(pports, d) for d in denied)
        ]
        return Verdict("deny", tuple(dict.fromkeys(rules)), "")
    if any(action is None for _, action, _ in decided):
        return Verdict("undecided", (), "unknown")
    actions = {action for _, action, _ in decided}
    if len(actions) > 1:
        return Verdict("undecided", (), "partial")
    return Verdict(actions.pop() or "", tuple(dict.fromkeys(rule for rule, _, _ in decided)), "")


def fully_denied_ports(
    decided: list[tuple[int | str, str | None, Part]], ports: Ports
) -> list[Ports]:
    """The port stretches of the flow that every part covering them denies."""
    cuts = sorted(
        {ports[0], ports[1] + 1} | {b for _, _, (_, p) in decided for b in (p[0], p[1] + 1)}
    )
    stretches = [
        (low, high - 1)
        for low, high in zip(cuts, cuts[1:], strict=False)
        if ports[0] <= low <= ports[1]
    ]
    return [
        stretch
        for stretch in stretches
        if all(action == "deny" for _, action, (_, p) in decided if ports_overlap(p, stretch))
    ]


# --- the Rego under test ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def engine() -> regorus.Engine:
    eng = regorus.Engine()
    for name in ("model.rego", "cidr.rego", "network.rego"):
        eng.add_policy_from_file(str(LIB / name))
    eng.set_input_json("{}")
    return eng


QUERY = (
    "x := data.fargate_preflight.lib.network.nacl_verdict("
    "input.nacl, input.egress, input.ports[0], input.ports[1], input.dest)"
)


def rego_verdict(
    eng: regorus.Engine, entries: list[dict[str, Any]], egress: bool, ports: Ports, dest: str
) -> Verdict:
    # the arguments travel as input: regorus's query parser rejects some long literals
    nacl = {"id": "Nacl", "name": "Nacl", "source": SOURCE, "entries": entries}
    eng.set_input_json(json.dumps({"nacl": nacl, "egress": egress, "ports": ports, "dest": dest}))
    answer = json.loads(eng.eval_query_as_json(QUERY))
    value = answer["result"][0]["bindings"]["x"]
    refs = [u["ref"] for u in value["unknowns"]]
    cause = ""
    if value["verdict"] == "undecided":
        cause = "unknown" if all(r.startswith("Parameter ") for r in refs) else "partial"
    return Verdict(value["verdict"], tuple(e["rule"] for e in value["entries"]), cause)


# --- strategies ------------------------------------------------------------------------------


@st.composite
def entries(draw: st.DrawFn) -> list[dict[str, Any]]:
    count = draw(st.integers(min_value=0, max_value=6))
    numbers = draw(st.lists(st.integers(1, 200), min_size=count, max_size=count, unique=True))
    result = []
    for i, number in enumerate(numbers):
        low, high = draw(st.sampled_from(ENTRY_PORTS))
        ipv6 = draw(st.integers(0, 9)) == 0
        cidr: Any = None if ipv6 else draw(st.sampled_from(CIDRS))
        entry: dict[str, Any] = {
            "rule_number": number,
            "egress": draw(st.booleans()),
            "protocol": draw(st.sampled_from(["-1", "6", "6", "17"])),
            "action": draw(st.sampled_from(["allow", "deny"])),
            "cidr": cidr,
            "ipv6_cidr": "::/0" if ipv6 else None,
            "from_port": low,
            "to_port": high,
            "source": SOURCE,
        }
        # now and then one value comes from a parameter without a default
        unsettled = draw(st.sampled_from([None] * 12 + ["cidr", "rule_number", "action"]))
        if unsettled and not ipv6:
            entry[unsettled] = unknown(f"P{i}")
        result.append(entry)
    return result


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    acl=entries(),
    egress=st.booleans(),
    ports=st.sampled_from(FLOW_PORTS),
    dest=st.sampled_from(DESTINATIONS),
)
def test_nacl_verdict_matches_the_reference(
    engine: regorus.Engine, acl: list[dict[str, Any]], egress: bool, ports: Ports, dest: str
) -> None:
    assert rego_verdict(engine, acl, egress, ports, dest) == reference(acl, egress, ports, dest)


@pytest.mark.parametrize(
    ("acl", "dest", "ports", "expected"),
    [
        # the examples docs/reasoning.md §1 gives, so the reference itself is pinned down
        (
            [("deny", "10.0.0.0/8", 50), ("allow", "0.0.0.0/0", 100)],
            PUBLIC,
            (443, 443),
            Verdict("allow", (100,), ""),
        ),
        (
            [("deny", "52.0.0.0/8", 50), ("allow", "0.0.0.0/0", 100)],
            PUBLIC,
            (443, 443),
            Verdict("undecided", (), "partial"),
        ),
        (
            [("allow", "10.0.3.0/25", 100)],
            "10.0.3.0/24",
            (443, 443),
            Verdict("undecided", (), "partial"),
        ),
        (
            [("allow", "10.0.3.0/25", 100), ("allow", "10.0.3.128/25", 110)],
            "10.0.3.0/24",
            (443, 443),
            Verdict("allow", (100, 110), ""),
        ),
        ([], PUBLIC, (443, 443), Verdict("deny", ("*",), "")),
        # field test 22, case 97: a NAT gateway's replies come back on 1024-65535, and only
        # 32768-65535 is allowed; case 36: a Windows task's 49152-65535, only 32768-60999
        (
            [("allow", "0.0.0.0/0", 110, (32768, 65535))],
            PUBLIC,
            (1024, 65535),
            Verdict("deny", ("*",), ""),
        ),
        (
            [("allow", "0.0.0.0/0", 100, (32768, 60999))],
            PUBLIC,
            (49152, 65535),
            Verdict("deny", ("*",), ""),
        ),
        # the ports an address-partial entry leaves are not denied everywhere: undecided
        (
            [
                ("allow", "0.0.0.0/0", 100, (32768, 65535)),
                ("allow", "52.0.0.0/8", 110, (1024, 32767)),
            ],
            PUBLIC,
            (1024, 65535),
            Verdict("undecided", (), "partial"),
        ),
    ],
)
def test_reference_examples(
    engine: regorus.Engine,
    acl: list[tuple[Any, ...]],
    dest: str,
    ports: Ports,
    expected: Verdict,
) -> None:
    # (action, cidr, rule number) for all traffic, or with TCP ports (from, to) last
    built = [
        {
            "rule_number": e[2],
            "egress": True,
            "protocol": "6" if len(e) > 3 else "-1",
            "action": e[0],
            "cidr": e[1],
            "ipv6_cidr": None,
            "from_port": e[3][0] if len(e) > 3 else None,
            "to_port": e[3][1] if len(e) > 3 else None,
            "source": SOURCE,
        }
        for e in acl
    ]
    assert reference(built, True, ports, dest) == expected
    assert rego_verdict(engine, built, True, ports, dest) == expected
