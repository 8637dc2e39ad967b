"""Correctness guard: random VPC topologies against a small independent reference.

The topology is a real model (tests/fixtures/reliability/topology.yaml, exported: a VPC with a
task subnet, an endpoint subnet and a public subnet with an internet gateway and a NAT
gateway; a Fargate service with a private ECR image and awslogs, so it needs ecr.api, ecr.dkr,
s3 and logs) whose network is redrawn: the task route table's default route (none, internet
gateway, NAT gateway, a blackhole NAT route, a transit gateway), the NAT gateway's state,
connectivity and its subnet's default route (internet gateway, none, transit gateway), the
public IP, interface endpoints with private DNS on or off in either subnet, the s3 gateway
endpoint's route table, the task NACL's entries, the task SG's egress and the endpoint SG's
ingress.

The reference follows docs/reasoning.md §1–2 in plain Python: path selection in AWS's order and
the one no-path rule; for the chosen path, NACL first-match (the reference of
tests/test_network_reference.py) and SG coverage. It is compared with the Rego's path verdicts
(`paths.verdicts`) and with the FG2xx/FG3xx/FG4xx findings of the whole policy set.
"""

from __future__ import annotations

import copy
import ipaddress
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanner.api import ScanOptions, catalogue, engine_data, load, to_findings
from scanner.engine.base import shipped_policy_dir
from scanner.engine.regorus_engine import RegorusEngine
from scanner.model.builder import validate_model
from tests.reliability.strategies import FIXTURES, profile
from tests.test_network_reference import PUBLIC, entries, reference

NEEDS = ("ecr.api", "ecr.dkr", "logs", "s3")
INTERFACE_NEEDS = ("ecr.api", "ecr.dkr", "logs")
TASK_RANGE = (32768, 60999)  # a Linux task's return ports (docs/reasoning.md §1)
TASK_CIDR = "10.0.1.0/24"
SUBNET_CIDRS = {"TaskSubnet": TASK_CIDR, "EndpointSubnet": "10.0.3.0/24"}
# Rules the reference decides; FG502 only at error level (a warning when another path exists).
CHECKED = {"FG201", "FG202", "FG203", "FG205", "FG206", "FG301", "FG302", "FG303", "FG401"}
CHECKED |= {"FG402"}


@pytest.fixture(scope="module")
def base_model() -> dict[str, Any]:
    folder = FIXTURES / "reliability"
    loaded = load([folder / "topology.yaml"], ScanOptions(region="us-east-1", cwd=folder))
    assert loaded.errors == ()
    return loaded.model


RULES = catalogue()


@pytest.fixture(scope="module")
def engine() -> RegorusEngine:
    return RegorusEngine([shipped_policy_dir()])


# --- the topology --------------------------------------------------------------------------


@dataclass(frozen=True)
class Topology:
    default_route: str  # "none" | "igw" | "nat" | "nat-blackhole" | "tgw"
    nat_state: str  # "available" | "failed"
    nat_connectivity: str  # "public" | "private"
    nat_upstream: str  # the NAT subnet's default route: "igw" | "none" | "tgw"
    assign_public_ip: str
    # need -> (private DNS, subnet) of its interface endpoint; absent: none
    interface: dict[str, tuple[bool, str]]
    s3_gateway: str | None  # route table the s3 gateway endpoint is on, or None
    nacl: list[dict[str, Any]]
    task_egress: list[dict[str, Any]]
    endpoint_ingress: list[dict[str, Any]]


SOURCE = {"file": "topology.yaml", "line": 1, "pointer": ""}
PORTS = [("6", 443, 443), ("6", 0, 65535), ("-1", None, None), ("6", 80, 80), ("17", 443, 443)]


def rule(proto_ports: tuple[str, int | None, int | None], **peer: Any) -> dict[str, Any]:
    protocol, low, high = proto_ports
    base = {"cidr": None, "ipv6_cidr": None, "security_group": None, "prefix_list": None}
    return (
        base
        | peer
        | {
            "protocol": protocol,
            "from_port": low,
            "to_port": high,
            "source": SOURCE,
        }
    )


def sg_rules(peers: list[dict[str, Any]]) -> st.SearchStrategy[list[dict[str, Any]]]:
    return st.lists(
        st.builds(lambda p, peer: rule(p, **peer), st.sampled_from(PORTS), st.sampled_from(peers)),
        max_size=3,
    )


EGRESS_PEERS = [
    {"cidr": "0.0.0.0/0"},
    {"cidr": "10.0.0.0/16"},
    {"cidr": "10.0.3.0/24"},
    {"cidr": "192.168.0.0/16"},
    {"security_group": "EndpointSg"},
    {"prefix_list": "S3Gateway/prefix-list"},
]
INGRESS_PEERS = [
    {"cidr": "10.0.0.0/16"},
    {"cidr": TASK_CIDR},
    {"cidr": "10.0.3.0/24"},
    {"security_group": "TaskSg"},
]

topologies = st.builds(
    Topology,
    default_route=st.sampled_from(["none", "igw", "nat", "nat-blackhole", "tgw"]),
    nat_state=st.sampled_from(["available", "available", "failed"]),
    nat_connectivity=st.sampled_from(["public", "public", "private"]),
    nat_upstream=st.sampled_from(["igw", "igw", "none", "tgw"]),
    assign_public_ip=st.sampled_from(["ENABLED", "DISABLED"]),
    interface=st.dictionaries(
        st.sampled_from(INTERFACE_NEEDS),
        st.tuples(
            st.booleans(), st.sampled_from(["EndpointSubnet", "EndpointSubnet", "TaskSubnet"])
        ),
    ),
    s3_gateway=st.sampled_from([None, "TaskRoutes", "PublicRoutes"]),
    nacl=entries(),
    task_egress=sg_rules(EGRESS_PEERS),
    endpoint_ingress=sg_rules(INGRESS_PEERS),
)


def build(base: dict[str, Any], t: Topology) -> dict[str, Any]:
    """The base model with the topology's network."""
    model = copy.deepcopy(base)
    route = {"destination": "0.0.0.0/0", "destination_ipv6": None, "destination_prefix_list": None}
    route |= {"source": SOURCE, "state": "active"}
    targets = {
        "igw": ("igw", "Igw"),
        "nat": ("nat", "Nat"),
        "nat-blackhole": ("nat", "Nat"),
        "tgw": ("tgw", "tgw-0123456789abcdef0"),
    }
    if t.default_route in targets:
        kind, target = targets[t.default_route]
        state = "blackhole" if t.default_route == "nat-blackhole" else "active"
        model["route_tables"]["TaskRoutes"]["routes"].append(
            route | {"target_type": kind, "target": target, "state": state}
        )
    if t.nat_upstream != "igw":
        public = model["route_tables"]["PublicRoutes"]
        public["routes"] = [r for r in public["routes"] if r["target_type"] == "local"]
        if t.nat_upstream == "tgw":
            public["routes"].append(route | {"target_type": "tgw", "target": targets["tgw"][1]})
    model["nat_gateways"]["Nat"] |= {"state": t.nat_state, "connectivity": t.nat_connectivity}
    model["services"]["Svc"]["network"]["assign_public_ip"] = t.assign_public_ip
    endpoint = {
        "source": SOURCE,
        "vpc": "Vpc",
        "service_region": "us-east-1",
        "policy": None,
        "state": "available",
        "route_tables": [],
        "prefix_list": None,
    }
    for need, (dns, subnet) in t.interface.items():
        ident = f"{need}-endpoint"
        model["vpc_endpoints"][ident] = endpoint | {
            "id": ident,
            "name": ident,
            "service": need,
            "type": "Interface",
            "private_dns": dns,
            "subnets": [subnet],
            "security_groups": ["EndpointSg"],
        }
    if t.s3_gateway is not None:
        model["vpc_endpoints"]["S3Gateway"] = endpoint | {
            "id": "S3Gateway",
            "name": "S3Gateway",
            "service": "s3",
            "type": "Gateway",
            "private_dns": False,
            "subnets": [],
            "security_groups": [],
            "route_tables": [t.s3_gateway],
            "prefix_list": "S3Gateway/prefix-list",
        }
        model["prefix_lists"]["S3Gateway/prefix-list"] = {
            "id": "S3Gateway/prefix-list",
            "name": "S3Gateway/prefix-list",
            "source": SOURCE,
            "service": "s3",
            "region": "us-east-1",
            "cidrs": None,
        }
    model["nacls"]["TaskNacl"]["entries"] = t.nacl
    model["security_groups"]["TaskSg"]["egress"] = t.task_egress
    model["security_groups"]["EndpointSg"]["ingress"] = t.endpoint_ingress
    validate_model(model)
    return model


# --- the reference ---------------------------------------------------------------------------


def covers_443(r: dict[str, Any]) -> bool:
    return r["protocol"] == "-1" or (r["protocol"] == "6" and r["from_port"] <= 443 <= r["to_port"])


def contains(cidr: str | None, inner: str) -> bool:
    return cidr is not None and ipaddress.ip_network(inner).subnet_of(ipaddress.ip_network(cidr))


def internet_path(t: Topology) -> str:
    """What the default route gives: "ok", "out-of-scope" or the no-path rule."""
    if t.default_route == "igw":
        return "ok" if t.assign_public_ip == "ENABLED" else "FG201"
    if t.default_route in ("nat", "nat-blackhole"):
        if t.default_route == "nat-blackhole" or t.nat_state != "available":
            return "FG203"
        # beyond a transit gateway the inputs end, for a private NAT gateway too; an internet
        # gateway drops a private NAT gateway's traffic
        if t.nat_upstream == "tgw":
            return "out-of-scope"
        return "ok" if t.nat_connectivity == "public" and t.nat_upstream == "igw" else "FG203"
    if t.default_route == "tgw":
        return "out-of-scope"
    return "none"


def expected(t: Topology) -> tuple[dict[str, str], set[tuple[str, str]]]:
    """need -> verdict, and the (rule, need) findings among CHECKED (+ FG502 errors)."""
    verdicts: dict[str, str] = {}
    findings: set[tuple[str, str]] = set()
    for need in NEEDS:
        iface = t.interface.get(need)
        destination = PUBLIC
        if iface is not None and iface[0]:
            kind = "interface"
            destination = SUBNET_CIDRS[iface[1]]
        elif need == "s3" and t.s3_gateway == "TaskRoutes":
            kind = "gateway"
        else:
            kind = internet_path(t)
        if kind == "out-of-scope":
            verdicts[need] = "out-of-scope"
            findings.add(("FG206", need))
            continue
        if kind not in ("ok", "interface", "gateway"):
            verdicts[need] = "fail"
            if kind != "none":
                findings.add((kind, need))
            elif need == "s3" and t.s3_gateway is not None:
                findings.add(("FG205", need))
            elif iface is not None:
                findings.add(("FG502", need))
            else:
                findings.add(("FG202", need))
            continue
        verdicts[need] = "ok"
        # NACLs: the task subnet's, unless the endpoint's ENI is in the task subnet itself
        if destination != TASK_CIDR:
            if reference(t.nacl, True, (443, 443), destination).verdict == "deny":
                findings.add(("FG301", need))
            if reference(t.nacl, False, TASK_RANGE, destination).verdict == "deny":
                findings.add(("FG302", need))
        # security groups
        if kind == "interface":
            egress_ok = any(
                covers_443(r)
                and (r["security_group"] == "EndpointSg" or contains(r["cidr"], destination))
                for r in t.task_egress
            )
            ingress_ok = any(
                covers_443(r)
                and (r["security_group"] == "TaskSg" or contains(r["cidr"], TASK_CIDR))
                for r in t.endpoint_ingress
            )
            if not ingress_ok:
                findings.add(("FG402", need))
        else:
            egress_ok = any(
                covers_443(r)
                and (
                    r["cidr"] == "0.0.0.0/0"
                    or (kind == "gateway" and r["prefix_list"] == "S3Gateway/prefix-list")
                )
                for r in t.task_egress
            )
        # a prefix list that is not in the inputs might hold any address: not settled (FG801)
        unsettled = t.s3_gateway is None and any(
            covers_443(r) and r["prefix_list"] is not None for r in t.task_egress
        )
        if not egress_ok and not unsettled:
            findings.add(("FG401", need))
    return verdicts, findings


# --- the property ----------------------------------------------------------------------------


@profile(scale=3)
@given(t=topologies)
def test_path_verdicts_and_findings_match_the_reference(
    base_model: dict[str, Any], engine: RegorusEngine, t: Topology
) -> None:
    raw = engine.evaluate(build(base_model, t), engine_data())
    verdicts = {v["need"]: v["verdict"] for v in raw.verdicts if v["service"] == "Svc"}
    findings = {
        (f.rule_id, f.need or "")
        for f in to_findings(raw, RULES)
        if f.rule_id in CHECKED or (f.rule_id == "FG502" and f.level == "error")
    }
    assert (verdicts, findings) == expected(t)


def test_the_reference_can_fail(base_model: dict[str, Any], engine: RegorusEngine) -> None:
    """One topology worked by hand, so the comparison above is not between two wrong answers:
    a NAT path whose task NACL allows 443 out but not the return ports in, with an s3 gateway
    endpoint on the task route table and an SG that only allows egress to the prefix list."""
    nacl = [
        {"rule_number": 100, "egress": True, "protocol": "6", "action": "allow"}
        | {"cidr": "0.0.0.0/0", "ipv6_cidr": None, "from_port": 443, "to_port": 443}
        | {"source": SOURCE},
    ]
    t = Topology(
        default_route="nat",
        nat_state="available",
        nat_connectivity="public",
        nat_upstream="igw",
        assign_public_ip="DISABLED",
        interface={"logs": (False, "EndpointSubnet")},
        s3_gateway="TaskRoutes",
        nacl=nacl,
        task_egress=[rule(("6", 443, 443), prefix_list="S3Gateway/prefix-list")],
        endpoint_ingress=[],
    )
    verdicts = dict.fromkeys(NEEDS, "ok")
    findings = {("FG302", n) for n in NEEDS} | {("FG401", n) for n in INTERFACE_NEEDS}
    assert expected(t) == (verdicts, findings)
    raw = engine.evaluate(build(base_model, t), engine_data())
    assert {(f.rule_id, f.need) for f in to_findings(raw, RULES) if f.rule_id in CHECKED} == (
        findings
    )
