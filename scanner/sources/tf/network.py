"""VPC resources of a plan: VPCs, subnets, routes, network ACLs, security groups, gateways,
endpoints. The AWS provider's semantics, not CloudFormation's (tests/fixtures/terraform/README.md):

- an `aws_security_group` has only the egress its configuration declares (the provider deletes
  the default allow-all egress rule when it creates the group), less the rules of rule resources
  the plan destroys (its planned rules repeat the prior state's, theirs included);
- `aws_vpc`: `enable_dns_support` defaults to true, `enable_dns_hostnames` to false;
- `aws_vpc_endpoint`: `vpc_endpoint_type` defaults to Gateway, `private_dns_enabled` to false;
- `aws_default_route_table` / `aws_default_network_acl` / `aws_default_security_group` take over
  a VPC's default objects and leave in them only what they declare.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from scanner.sources.base import ModelObject
from scanner.sources.defaults import dhcp_fix, sg_rule_fields
from scanner.sources.limits import json_text
from scanner.sources.tf.build import (
    DHCP_OPTIONS,
    GATEWAY_TYPES,
    INTERNET_GATEWAY,
    NACL,
    NAT_GATEWAY,
    PREFIX_LIST,
    ROUTE_TABLE,
    ROUTE_TARGETS,
    SECURITY_GROUP,
    SUBNET,
    VPC,
    VPC_ENDPOINT,
    Build,
    Collections,
    Field,
    Kind,
    attribute,
    endpoint_prefix_list,
    gateway_kind,
    gateway_type,
)
from scanner.sources.tf.expr import Attr, Obj, Opaque
from scanner.sources.tf.hcl import nested_blocks
from scanner.sources.tf.links import hcl_references
from scanner.sources.tf.plan import UNKNOWN, Instance, PathStep
from scanner.sources.tf.written import as_json, json_written, policy_document, unsettled

Builder = Callable[[Build, Instance], None]

_PROTOCOLS = {"-1": "-1", "all": "-1", "tcp": "6", "udp": "17", "icmp": "1", "icmpv6": "58"}
_PORTED = ("6", "17")
_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$")
_ENDPOINT_SERVICE = re.compile(r"^com\.amazonaws\.(?:vpce\.)?([^.]+)\.(.+)$")
_ENDPOINT_TYPES = ("Interface", "Gateway", "GatewayLoadBalancer")
ALL_IPV4 = "0.0.0.0/0"


# --- VPCs and subnets ---------------------------------------------------------------------


def vpc(build: Build, inst: Instance) -> None:
    ipv6 = (
        inst.get("assign_generated_ipv6_cidr_block") is True
        or bool(inst.get("ipv6_ipam_pool_id"))
        or _text(inst.get("ipv6_cidr_block"))
    )
    ident = build.id(inst)
    build.add(
        "vpcs",
        build.base(inst)
        | {
            "cidr_blocks": [build.value(inst, "cidr_block")],
            "ipv6": ipv6,
            "enable_dns_support": build.value(inst, "enable_dns_support", default=True),
            "enable_dns_hostnames": build.value(inst, "enable_dns_hostnames", default=False),
            "main_route_table": build.vpc_default(ident, "route_table"),
            "default_nacl": build.vpc_default(ident, "nacl"),
            "default_security_group": build.vpc_default(ident, "security_group"),
        },
    )


def vpc_cidr_block_association(build: Build, inst: Instance) -> None:
    vpc_id = build.link(inst, ("vpc_id",), VPC)
    cidr = build.value(inst, "cidr_block")

    def attach(model: Collections) -> None:
        target = _in(model, "vpcs", vpc_id)
        if target is not None and cidr is not None:
            target["cidr_blocks"].append(cidr)

    build.later.append(attach)


def vpc_dhcp_options(build: Build, inst: Instance) -> None:
    found = inst.get("domain_name_servers")
    servers: Field
    if isinstance(found, list) and not inst.has_unknown("domain_name_servers"):
        servers = found
    elif inst.type == "aws_default_vpc_dhcp_options":
        servers = ["AmazonProvidedDNS"]  # the Region's default set, which cannot be changed
    elif found is None and not inst.has_unknown("domain_name_servers"):
        servers = []
    else:
        servers = build.after_apply(inst, ("domain_name_servers",))
    ident = build.id(inst)
    build.dhcp_options[ident] = {
        "name": ident,
        "domain_name_servers": servers,
        "source": build.source(inst),
    }


def vpc_dhcp_options_association(build: Build, inst: Instance) -> None:
    vpc_id = build.link(inst, ("vpc_id",), VPC)
    options = build.link(inst, ("dhcp_options_id",), DHCP_OPTIONS)

    def attach(model: Collections) -> None:
        target = _in(model, "vpcs", vpc_id)
        if target is not None:
            target["dhcp_options"] = _associated_options(build, inst, options)

    build.later.append(attach)


def _associated_options(build: Build, inst: Instance, options: Field) -> Field:
    """What an association gives its VPC (docs/model.md): the option set of the plan, None for
    `default` (no option set), else an unknown (after apply, or a set the plan does not hold)."""
    if not isinstance(options, str):
        return options
    if options in build.dhcp_options:
        return build.dhcp_options[options]
    if options == "default":
        return None
    why = (
        f"DHCP option set {options} is not in the inputs, so the DNS servers it gives are not known"
    )
    found = build.unknown(inst, ("dhcp_options_id",), why, f"DHCP option set {options}")
    return found | {"fix": dhcp_fix(options)} if isinstance(found, dict) else found


def subnet(build: Build, inst: Instance) -> None:
    vpc = build.link(inst, ("vpc_id",), VPC)
    cidr = build.value(inst, "cidr_block")
    if inst.type == "aws_default_subnet":  # adopted: AWS chose its VPC and CIDR block
        vpc = _default_vpc(build, inst) if vpc is None else vpc
        cidr = build.after_apply(inst, ("cidr_block",)) if cidr is None else cidr
    build.add(
        "subnets",
        build.base(inst)
        | {
            "vpc": vpc,
            "cidr": cidr,
            "availability_zone": zone
            if isinstance(zone := inst.get("availability_zone"), str)
            else None,
            "route_table": None,  # set by finalize: the association, else the main route table
            "nacl": None,
            "ipv6": _subnet_ipv6(build, inst),
        },
    )


def _subnet_ipv6(build: Build, inst: Instance) -> Field:
    """Whether the subnet has an IPv6 block: false only when the plan knows ipv6_cidr_block is
    null (an IPv6-only subnet, ipv6_native, has one too)."""
    block = build.value(inst, "ipv6_cidr_block")
    return block if isinstance(block, dict) else block is not None


def _default_vpc(build: Build, inst: Instance) -> Field:
    """The VPC of an aws_default_subnet (which has no vpc_id argument): the region's default
    VPC, which is the plan's aws_default_vpc when it has exactly one."""
    found = [i for i in build.plan.instances.values() if i.type == "aws_default_vpc"]
    if len(found) == 1:
        return build.id(found[0])
    why = f"{inst.address} is in the region's default VPC, which the plan does not manage"
    return build.unknown(inst, ("vpc_id",), why)


# --- route tables -------------------------------------------------------------------------


def route_table(build: Build, inst: Instance) -> None:
    build.add(
        "route_tables",
        build.base(inst)
        | {"vpc": build.link(inst, ("vpc_id",), VPC), "routes": _inline_routes(build, inst)},
    )


def default_route_table(build: Build, inst: Instance) -> None:
    vpc_id = _managed_vpc(build, inst)
    build.add(
        "route_tables",
        build.base(inst) | {"vpc": vpc_id, "routes": _inline_routes(build, inst)},
    )


def _managed_vpc(build: Build, inst: Instance) -> Field:
    """The VPC whose default object an aws_default_* resource manages (found before building)."""
    return build.managed_vpc.get(build.id(inst), build.after_apply(inst, ("vpc_id",)))


def _inline_routes(build: Build, inst: Instance) -> list[ModelObject]:
    routes = build.blocks_of(inst, "route")
    if isinstance(routes, dict):  # unknown
        return [_unknown_route(routes)]
    return [_inline_route(build, inst, index) for index in range(len(routes))]


def _unknown_route(unknown: Field) -> ModelObject:
    return {
        "destination": unknown,
        "destination_ipv6": None,
        "destination_prefix_list": None,
        "target_type": unknown,
        "target": unknown,
        "state": "active",
        "source": unknown["source"],
    }


def _inline_route(build: Build, inst: Instance, index: int) -> ModelObject:
    path: tuple[PathStep, ...] = ("route", index)
    blocks = _matching_blocks(build, inst, "route", index, _route_destination_keys)
    line = blocks[0].get("__start_line__") if len(blocks) == 1 else None
    destination = {
        "destination": _destination(build, inst, (*path, "cidr_block")),
        "destination_ipv6": _destination(build, inst, (*path, "ipv6_cidr_block")),
        "destination_prefix_list": _element_link(
            build, inst, path, "destination_prefix_list_id", PREFIX_LIST, blocks
        ),
    }
    target_type, target = _route_target(build, inst, path, blocks, inline=True)
    return destination | {
        "target_type": target_type,
        "target": target,
        "state": "active",
        "source": build.source(inst, "route", index, line=line if isinstance(line, int) else None),
    }


_route_destination_keys = ("cidr_block", "ipv6_cidr_block", "destination_prefix_list_id")


def _destination(build: Build, inst: Instance, path: tuple[PathStep, ...]) -> Field:
    found = inst.get(*path)
    if found is UNKNOWN:
        return build.after_apply(inst, path)
    return found or None


def route(build: Build, inst: Instance) -> None:
    table = build.link(inst, ("route_table_id",), ROUTE_TABLE)
    entry = {
        "destination": _destination(build, inst, ("destination_cidr_block",)),
        "destination_ipv6": _destination(build, inst, ("destination_ipv6_cidr_block",)),
        "destination_prefix_list": build.link(inst, ("destination_prefix_list_id",), PREFIX_LIST),
    }
    target_type, target = _route_target(build, inst, (), None, inline=False)
    entry |= {"target_type": target_type, "target": target, "state": "active"}
    entry["source"] = build.source(inst)

    def attach(model: Collections) -> None:
        found = _in(model, "route_tables", table)
        if found is not None:
            found["routes"].append(entry)

    build.later.append(attach)


def _route_target(
    build: Build,
    inst: Instance,
    path: tuple[PathStep, ...],
    blocks: list[dict[str, Any]] | None,
    *,
    inline: bool,
) -> tuple[Field, Field]:
    """(target_type, target) of a route: the one target attribute that is set. Unset targets are
    null (or "" in an inline route); computed ones (`instance_id`, `network_interface_id`) are
    unknown in the plan without an expression behind them."""
    set_names = []
    for name in ROUTE_TARGETS:
        found = inst.get(*path, name)
        configured = (
            found is UNKNOWN
            and (inline or inst.expression(*path, name) is not None)
            and _block_sets(blocks, name)
        )
        if (found is not UNKNOWN and found) or configured:
            set_names.append(name)
    where = attribute(inst, path) if path else inst.address
    if len(set_names) != 1:
        why = f"route {where} does not name exactly one target in the plan"
        unknown = build.unknown(inst, path, why)
        return unknown, unknown
    name = set_names[0]
    if name == "gateway_id":
        if inline and inst.get(*path, name) is UNKNOWN:
            target = _element_link(build, inst, path, name, _GATEWAY, blocks or [])
            kind = gateway_kind(build, target)
            return (kind if kind is not None else target), target
        return gateway_type(build, inst, (*path, name))
    if name == "core_network_arn":
        why = f"route {where} goes to a Cloud WAN core network, which is not analysed"
        return build.unknown(inst, (*path, name), why), build.value(inst, *path, name)
    kind_name = ROUTE_TARGETS[name]
    target_kind = NAT_GATEWAY if kind_name == "nat" else _ANY_TARGET
    if inline:
        target = _element_link(build, inst, path, name, target_kind, blocks or [])
    else:
        target = build.link(inst, (*path, name), target_kind)
    return kind_name, target


def _block_sets(blocks: list[dict[str, Any]] | None, name: str) -> bool:
    """Whether the matched HCL block sets `name` (True when there is no block to ask)."""
    if not blocks or len(blocks) != 1:
        return True
    return name in blocks[0]


def _gateway_accept(build: Build, inst: Instance, attr: str | None) -> str | None:
    if inst.type in GATEWAY_TYPES and attr in (None, "id"):
        return build.id(inst)
    return None


_GATEWAY = Kind("gateway", _gateway_accept)


def _any_target_accept(build: Build, inst: Instance, attr: str | None) -> str | None:
    return build.id(inst) if inst.addr.mode == "managed" and attr in (None, "id") else None


_ANY_TARGET = Kind("route target", _any_target_accept)


def route_table_association(build: Build, inst: Instance) -> None:
    if inst.get("subnet_id") is None and inst.expression("subnet_id") is None:
        return  # an edge association (gateway_id): not a subnet's route table
    _associate(build, inst, "route_table", ("route_table_id",), ROUTE_TABLE)


def main_route_table_association(build: Build, inst: Instance) -> None:
    vpc_id = build.link(inst, ("vpc_id",), VPC)
    table = build.link(inst, ("route_table_id",), ROUTE_TABLE)

    def attach(model: Collections) -> None:
        found = _in(model, "vpcs", vpc_id)
        if found is not None:
            found["main_route_table"] = table

    build.later.append(attach)


def _associate(
    build: Build,
    inst: Instance,
    field: str,
    target_path: tuple[PathStep, ...],
    kind: Kind,
    subnet_path: tuple[PathStep, ...] = ("subnet_id",),
) -> None:
    subnet_id = build.link(inst, subnet_path, SUBNET)
    target = build.link(inst, target_path, kind)
    build.associations.setdefault(field, []).append((subnet_id, target, build.source(inst)))


# --- gateways -----------------------------------------------------------------------------


def internet_gateway(build: Build, inst: Instance) -> None:
    vpc_id = build.link(inst, ("vpc_id",), VPC)
    if isinstance(vpc_id, dict) and inst.config is not None and inst.expression("vpc_id") is None:
        # unset (an empty block has no expressions at all): only an
        # aws_internet_gateway_attachment attaches it
        vpc_id = None
    build.add("internet_gateways", build.base(inst) | {"vpc": vpc_id, "egress_only": False})


def internet_gateway_attachment(build: Build, inst: Instance) -> None:
    gateway = build.link(inst, ("internet_gateway_id",), INTERNET_GATEWAY)
    vpc_id = build.link(inst, ("vpc_id",), VPC)

    def attach(model: Collections) -> None:
        found = _in(model, "internet_gateways", gateway)
        if found is not None:
            found["vpc"] = vpc_id

    build.later.append(attach)


def egress_only_internet_gateway(build: Build, inst: Instance) -> None:
    build.add(
        "internet_gateways",
        build.base(inst) | {"vpc": build.link(inst, ("vpc_id",), VPC), "egress_only": True},
    )


def nat_gateway(build: Build, inst: Instance) -> None:
    connectivity = build.value(inst, "connectivity_type", default="public")
    if isinstance(connectivity, str):
        connectivity = connectivity.lower()
    # provider 6.x: availability_mode "regional" has vpc_id and no subnet_id (5.x lacks it)
    mode = build.value(inst, "availability_mode", default="zonal")
    build.add(
        "nat_gateways",
        build.base(inst)
        | {
            "subnet": build.link(inst, ("subnet_id",), SUBNET),
            "availability_mode": mode.lower() if isinstance(mode, str) else mode,
            "connectivity": connectivity,
            "state": "available",
        },
    )


# --- network ACLs ---------------------------------------------------------------------------


def network_acl(build: Build, inst: Instance) -> None:
    _acl(build, inst, build.link(inst, ("vpc_id",), VPC), is_default=False)


def default_network_acl(build: Build, inst: Instance) -> None:
    _acl(build, inst, _managed_vpc(build, inst), is_default=True)


def _acl(build: Build, inst: Instance, vpc_id: Field, *, is_default: bool) -> None:
    entries: list[ModelObject] = []
    for direction, egress in (("ingress", False), ("egress", True)):
        found = build.blocks_of(inst, direction)
        if isinstance(found, dict):
            entries.append(_unknown_entry(found, egress))
            continue
        entries.extend(_inline_entry(build, inst, direction, i, egress) for i in range(len(found)))
    build.add(
        "nacls", build.base(inst) | {"vpc": vpc_id, "is_default": is_default, "entries": entries}
    )
    subnets = build.link_list(inst, ("subnet_ids",), SUBNET)
    ident = build.id(inst)
    for subnet_id in subnets if isinstance(subnets, list) else [subnets]:
        build.associations.setdefault("nacl", []).append((subnet_id, ident, build.source(inst)))


def _unknown_entry(unknown: Field, egress: bool) -> ModelObject:
    return {
        "rule_number": unknown,
        "egress": egress,
        "protocol": unknown,
        "action": unknown,
        "cidr": unknown,
        "ipv6_cidr": None,
        "from_port": unknown,
        "to_port": unknown,
        "source": unknown["source"],
    }


def _inline_entry(
    build: Build, inst: Instance, direction: str, index: int, egress: bool
) -> ModelObject:
    path: tuple[PathStep, ...] = (direction, index)
    protocol = _protocol(build, inst, (*path, "protocol"))
    ports = _ports(build, inst, path, protocol)
    blocks = _matching_blocks(build, inst, direction, index, ("rule_no", "action"))
    line = blocks[0].get("__start_line__") if len(blocks) == 1 else None
    return {
        "rule_number": build.value(inst, *path, "rule_no"),
        "egress": egress,
        "protocol": protocol,
        "action": _action(build, inst, (*path, "action")),
        "cidr": _destination(build, inst, (*path, "cidr_block")),
        "ipv6_cidr": _destination(build, inst, (*path, "ipv6_cidr_block")),
        "from_port": ports[0],
        "to_port": ports[1],
        "source": build.source(
            inst, direction, index, line=line if isinstance(line, int) else None
        ),
    }


def network_acl_rule(build: Build, inst: Instance) -> None:
    acl = build.link(inst, ("network_acl_id",), NACL)
    protocol = _protocol(build, inst, ("protocol",))
    ports = _ports(build, inst, (), protocol)
    entry = {
        "rule_number": build.value(inst, "rule_number"),
        "egress": build.value(inst, "egress", default=False),
        "protocol": protocol,
        "action": _action(build, inst, ("rule_action",)),
        "cidr": _destination(build, inst, ("cidr_block",)),
        "ipv6_cidr": _destination(build, inst, ("ipv6_cidr_block",)),
        "from_port": ports[0],
        "to_port": ports[1],
        "source": build.source(inst),
    }

    def attach(model: Collections) -> None:
        found = _in(model, "nacls", acl)
        if found is not None:
            found["entries"].append(entry)

    build.later.append(attach)


def network_acl_association(build: Build, inst: Instance) -> None:
    _associate(build, inst, "nacl", ("network_acl_id",), NACL)


def _action(build: Build, inst: Instance, path: tuple[PathStep, ...]) -> Field:
    found = build.value(inst, *path)
    return found.lower() if isinstance(found, str) else found


def _protocol(build: Build, inst: Instance, path: tuple[PathStep, ...]) -> Field:
    found = build.value(inst, *path)
    if not isinstance(found, str | int) or isinstance(found, bool):
        return found
    name = str(found).strip().lower()
    if name in _PROTOCOLS:
        return _PROTOCOLS[name]
    if name.lstrip("-").isdigit():
        return str(int(name))
    why = f"{attribute(inst, path)} is {found}, not a protocol the scanner knows"
    return build.unknown(inst, path, why)


def _ports(
    build: Build,
    inst: Instance,
    path: tuple[PathStep, ...],
    protocol: Field,
    names: tuple[str, str] = ("from_port", "to_port"),
) -> tuple[Field, Field]:
    if protocol not in _PORTED and not isinstance(protocol, dict):
        return None, None
    return build.value(inst, *path, names[0]), build.value(inst, *path, names[1])


# --- security groups ------------------------------------------------------------------------


def security_group(build: Build, inst: Instance) -> None:
    vpc_id = build.link(inst, ("vpc_id",), VPC)
    if vpc_id is None:
        vpc_id = build.unknown(
            inst,
            ("vpc_id",),
            f"{inst.address} names no vpc_id, so it is in the region's default VPC, which is "
            "not in the plan",
            "default VPC",
        )
    _group(build, inst, vpc_id)


def default_security_group(build: Build, inst: Instance) -> None:
    _group(build, inst, _managed_vpc(build, inst))


def _group(build: Build, inst: Instance, vpc_id: Field) -> None:
    rules: dict[str, list[ModelObject]] = {}
    for direction in ("ingress", "egress"):
        found = build.blocks_of(inst, direction)
        if isinstance(found, dict):
            rules[direction] = [_unknown_rule(found)]
            continue
        gone = build.destroyed_rules.get((build.id(inst), direction), [])
        rules[direction] = [
            rule
            for i in range(len(found))
            for rule in _inline_rules(build, inst, direction, i)
            if _without_source(rule) not in gone
        ]
    build.add("security_groups", build.base(inst) | {"vpc": vpc_id, **rules})


def _unknown_rule(unknown: Field) -> ModelObject:
    return sg_rule_fields(unknown, unknown, unknown, "cidr", unknown, unknown["source"])


def _sg_ports(
    build: Build,
    inst: Instance,
    path: tuple[PathStep, ...],
    protocol: Field,
    names: tuple[str, str],
) -> tuple[Field, Field]:
    if protocol == "-1":
        return None, None
    if isinstance(protocol, str) and protocol not in (*_PORTED, "1", "58"):
        return None, None
    return build.value(inst, *path, names[0]), build.value(inst, *path, names[1])


def _inline_rules(build: Build, inst: Instance, direction: str, index: int) -> list[ModelObject]:
    """One inline rule -> one model rule per peer (each CIDR, group, prefix list, `self`)."""
    path: tuple[PathStep, ...] = (direction, index)
    blocks = _matching_blocks(build, inst, direction, index, ("from_port", "to_port", "protocol"))
    line = blocks[0].get("__start_line__") if len(blocks) == 1 else None
    source = build.source(inst, direction, index, line=line if isinstance(line, int) else None)
    protocol = _protocol(build, inst, (*path, "protocol"))
    low, high = _sg_ports(build, inst, path, protocol, ("from_port", "to_port"))
    peers: list[tuple[str, Field]] = []
    for name, field, kind in (
        ("cidr_blocks", "cidr", None),
        ("ipv6_cidr_blocks", "ipv6_cidr", None),
        ("prefix_list_ids", "prefix_list", PREFIX_LIST),
        ("security_groups", "security_group", SECURITY_GROUP),
    ):
        peers.extend(
            (field, value) for value in _element_list(build, inst, path, name, kind, blocks)
        )
    if inst.get(*path, "self") is True:
        peers.append(("security_group", build.id(inst)))
    return [sg_rule_fields(protocol, low, high, field, peer, source) for field, peer in peers]


RuleSet = tuple[Field, str, list[ModelObject]]  # group, "ingress" | "egress", model rules


def security_group_rule(build: Build, inst: Instance) -> RuleSet | None:
    group = build.link(inst, ("security_group_id",), SECURITY_GROUP)
    direction = build.value(inst, "type")
    if direction not in ("ingress", "egress"):
        return None
    protocol = _protocol(build, inst, ("protocol",))
    low, high = _sg_ports(build, inst, (), protocol, ("from_port", "to_port"))
    source = build.source(inst)
    peers: list[tuple[str, Field]] = []
    for name, field in (("cidr_blocks", "cidr"), ("ipv6_cidr_blocks", "ipv6_cidr")):
        values = build.link_list(inst, (name,), _LITERAL)
        peers.extend((field, v) for v in (values if isinstance(values, list) else [values]))
    prefix_lists = build.link_list(inst, ("prefix_list_ids",), PREFIX_LIST)
    peers.extend(
        ("prefix_list", v)
        for v in (prefix_lists if isinstance(prefix_lists, list) else [prefix_lists])
    )
    peer_group = build.link(inst, ("source_security_group_id",), SECURITY_GROUP)
    if peer_group is not None:
        peers.append(("security_group", peer_group))
    if inst.get("self") is True:
        peers.append(("security_group", group))
    rules = [sg_rule_fields(protocol, low, high, field, peer, source) for field, peer in peers]
    return group, str(direction), rules


def vpc_security_group_rule(direction: str) -> Callable[[Build, Instance], RuleSet]:
    """aws_vpc_security_group_ingress_rule / _egress_rule: one peer each."""

    def rules_of(build: Build, inst: Instance) -> RuleSet:
        group = build.link(inst, ("security_group_id",), SECURITY_GROUP)
        protocol = _protocol(build, inst, ("ip_protocol",))
        low, high = _sg_ports(build, inst, (), protocol, ("from_port", "to_port"))
        peers: list[tuple[str, Field]] = []
        for name, field, kind in (
            ("cidr_ipv4", "cidr", None),
            ("cidr_ipv6", "ipv6_cidr", None),
            ("prefix_list_id", "prefix_list", PREFIX_LIST),
            ("referenced_security_group_id", "security_group", SECURITY_GROUP),
        ):
            value = build.link(inst, (name,), kind) if kind else build.value(inst, name)
            if value is not None:
                peers.append((field, value))
        if len(peers) != 1:
            why = f"{inst.address} does not name exactly one peer in the plan"
            peers = [("cidr", build.unknown(inst, (), why))]
        rules = [sg_rule_fields(protocol, low, high, f, p, build.source(inst)) for f, p in peers]
        return group, direction, rules

    return rules_of


# The security group rule resources: what each adds to its group.
RULE_RESOURCES: dict[str, Callable[[Build, Instance], RuleSet | None]] = {
    "aws_security_group_rule": security_group_rule,
    "aws_vpc_security_group_ingress_rule": vpc_security_group_rule("ingress"),
    "aws_vpc_security_group_egress_rule": vpc_security_group_rule("egress"),
}


def _attach_rules(rules_of: Callable[[Build, Instance], RuleSet | None]) -> Builder:
    def attach_rules(build: Build, inst: Instance) -> None:
        found = rules_of(build, inst)
        if found is None:
            return
        group, direction, rules = found

        def attach(model: Collections) -> None:
            target = _in(model, "security_groups", group)
            if target is not None and isinstance(target[direction], list):
                target[direction].extend(rules)

        build.later.append(attach)

    return attach_rules


def destroyed_rules(build: Build) -> None:
    """The rules of the rule resources the plan destroys, by group. A group whose planned
    `ingress`/`egress` comes from the prior state still lists them (the provider reads every
    rule of the group, also those a rule resource manages), but they are gone after apply."""
    for inst in build.plan.destroyed:
        rules_of = RULE_RESOURCES.get(inst.type)
        found = rules_of(build, inst) if rules_of else None
        if found is not None and isinstance(found[0], str):
            group, direction, rules = found
            build.destroyed_rules.setdefault((group, direction), []).extend(
                _without_source(rule) for rule in rules
            )


def _without_source(rule: ModelObject) -> ModelObject:
    return {k: v for k, v in rule.items() if k != "source"}


def _literal_accept(build: Build, inst: Instance, attr: str | None) -> str | None:
    return None


_LITERAL = Kind("CIDR block", _literal_accept, names_resources=False)


# --- elements of attribute-as-blocks (inline routes and rules) -----------------------------


def _matching_blocks(
    build: Build, inst: Instance, name: str, index: int, keys: tuple[str, ...]
) -> list[dict[str, Any]]:
    """The HCL blocks `name { ... }` that could be element `index` of the planned set: those
    whose literal values of `keys` equal the element's (sets are not in configuration order)."""
    block = build.block(inst)
    blocks = nested_blocks(block.body if block else None, name) or []
    element = inst.get(name, index)
    if not isinstance(element, dict):
        return []
    return [b for b in blocks if all(_same(b.get(k), element.get(k)) for k in keys)]


def _same(written: Any, planned: Any) -> bool:
    if isinstance(written, str) and written.startswith("${"):
        return True  # an expression: it may be equal
    if written is None:
        return planned in (None, "", [], 0, False)
    return bool(written == planned or str(written) == str(planned))


def _element_link(
    build: Build,
    inst: Instance,
    path: tuple[PathStep, ...],
    name: str,
    kind: Kind,
    blocks: list[dict[str, Any]],
) -> Field:
    """A single id inside one element of an attribute-as-blocks."""
    found = inst.get(*path, name)
    if found is not UNKNOWN:
        return build.known_id(found, kind) if isinstance(found, str) and found else None
    resolution = _element_resolution(build, inst, path, name, blocks)
    if resolution is None:
        return build.after_apply(inst, (*path, name))
    return build.pick_one(inst, (*path, name), kind, resolution)


def _element_list(
    build: Build,
    inst: Instance,
    path: tuple[PathStep, ...],
    name: str,
    kind: Kind | None,
    blocks: list[dict[str, Any]],
) -> list[Field]:
    """The values of a list inside one element of an attribute-as-blocks."""
    found = inst.get(*path, name)
    if found is not UNKNOWN and not inst.has_unknown(*path, name):
        items = found if isinstance(found, list) else ([] if found is None else [found])
        return [build.known_id(v, kind) if kind and isinstance(v, str) else v for v in items]
    if kind is None:
        return [build.after_apply(inst, (*path, name))]
    resolution = _element_resolution(build, inst, path, name, blocks)
    if resolution is None:
        return [build.after_apply(inst, (*path, name))]
    ids = build.pick_many(inst, (*path, name), kind, resolution)
    if isinstance(found, list):
        literal = [build.known_id(v, kind) for v in found if isinstance(v, str) and v]
        ids = literal + [i for i in ids if i not in literal]
    return ids


def _element_resolution(
    build: Build,
    inst: Instance,
    path: tuple[PathStep, ...],
    name: str,
    blocks: list[dict[str, Any]],
) -> Any:
    """The references behind one element's value: its own HCL block's expression when the block
    can be told apart, else the whole attribute's references (which the caller filters by kind)."""
    scope = build.linker.scope_of(inst)
    if len(blocks) == 1 and name in blocks[0]:
        refs = tuple(hcl_references(blocks[0][name]))
        return build.linker.resolve_refs(refs, scope)
    expression = inst.expression(*path, name)
    if expression is None:
        return None
    resolution = build.linker.resolve(expression, scope)
    resolution.whole_attribute = True
    return resolution


# --- endpoints and prefix lists -------------------------------------------------------------


def vpc_endpoint(build: Build, inst: Instance) -> None:
    kind = build.value(inst, "vpc_endpoint_type", default="Gateway")
    if isinstance(kind, str) and kind not in _ENDPOINT_TYPES:
        kind = build.unknown(inst, ("vpc_endpoint_type",), f"endpoint type {kind} is not analysed")
    service, region = _endpoint_service(build, inst)
    ident = build.id(inst)
    policy = build.value(inst, "policy")
    inbound_only = _inbound_only(build, inst)
    build.add(
        "vpc_endpoints",
        build.base(inst)
        | ({} if inbound_only is None else {"private_dns_inbound_only": inbound_only})
        | {
            "vpc": build.link(inst, ("vpc_id",), VPC),
            "service": service,
            "service_region": region,
            "type": kind,
            "private_dns": False
            if kind == "Gateway"
            else build.value(inst, "private_dns_enabled", default=False),
            "subnets": build.link_list(inst, ("subnet_ids",), SUBNET),
            "security_groups": build.link_list(inst, ("security_group_ids",), SECURITY_GROUP),
            "route_tables": build.link_list(inst, ("route_table_ids",), ROUTE_TABLE),
            "prefix_list": endpoint_prefix_list(ident) if kind == "Gateway" else None,
            "policy": document(build, inst, ("policy",), policy),
            "state": "available",
        },
    )
    if kind == "Gateway" and isinstance(service, str):
        build.add(
            "prefix_lists",
            {
                "id": endpoint_prefix_list(ident),
                "name": endpoint_prefix_list(ident),
                "source": build.source(inst),
                "service": service,
                "region": region,
                "cidrs": None,
            },
        )


def _inbound_only(build: Build, inst: Instance) -> Field:
    """dns_options.private_dns_only_for_inbound_resolver_endpoint: null when the configuration
    does not set it (AWS decides; the provider shows it as known after apply)."""
    path: tuple[PathStep, ...] = (
        "dns_options",
        0,
        "private_dns_only_for_inbound_resolver_endpoint",
    )
    found = inst.get(*path)
    if isinstance(found, bool):
        return found
    if found is UNKNOWN and inst.expression(*path) is not None:
        return build.value(inst, *path)
    return None


def _endpoint_service(build: Build, inst: Instance) -> tuple[Field, Field]:
    name = build.value(inst, "service_name")
    if not isinstance(name, str):
        return name, name
    found = _ENDPOINT_SERVICE.match(name)
    if found and _REGION.match(found.group(1)):
        return found.group(2), found.group(1)
    why = f"the region of endpoint service {name} is not in its name"
    return name, build.unknown(inst, ("service_name",), why)


def document(build: Build, inst: Instance, path: tuple[PathStep, ...], text: Field) -> Field:
    """An IAM policy document from its JSON text (None when unset). Known only after apply, it
    is read from the .tf file's jsonencode() or JSON heredoc, where what apply settles (a
    secret's ARN) is an unknown of the statement."""
    if text is None or text == "":
        return None
    if isinstance(text, dict):  # unknown
        written = build.evaluate(inst, path) or []
        if len(written) != 1:
            return text
        found = json_written(written[0])
        if found is not None and isinstance(found.value, dict):

            def leaf(value: Attr | Obj | Opaque) -> ModelObject:
                return unsettled(build, inst, path, value)

            return as_json(found.value, leaf)
        if isinstance(written[0], Attr) and written[0].name in ("json", "minified_json"):
            return policy_document(build, written[0].instance) or text
        return text
    try:
        parsed = json_text(text)
    except (TypeError, ValueError):
        why = f"{attribute(inst, path)} is not a JSON policy document"
        return build.unknown(inst, path, why)
    return (
        parsed
        if isinstance(parsed, dict)
        else build.unknown(inst, path, f"{attribute(inst, path)} is not a policy document")
    )


def vpc_endpoint_association(field: str, path: str, kind: Kind) -> Builder:
    """aws_vpc_endpoint_{route_table,subnet,security_group}_association."""

    def build_association(build: Build, inst: Instance) -> None:
        endpoint = build.link(inst, ("vpc_endpoint_id",), VPC_ENDPOINT)
        target = build.link(inst, (path,), kind)

        def attach(model: Collections) -> None:
            found = _in(model, "vpc_endpoints", endpoint)
            if found is not None and isinstance(found[field], list) and target not in found[field]:
                found[field].append(target)

        build.later.append(attach)

    return build_association


def vpc_endpoint_policy(build: Build, inst: Instance) -> None:
    endpoint = build.link(inst, ("vpc_endpoint_id",), VPC_ENDPOINT)
    policy = document(build, inst, ("policy",), build.value(inst, "policy"))

    def attach(model: Collections) -> None:
        found = _in(model, "vpc_endpoints", endpoint)
        if found is not None:
            found["policy"] = policy

    build.later.append(attach)


def vpc_endpoint_private_dns(build: Build, inst: Instance) -> None:
    endpoint = build.link(inst, ("vpc_endpoint_id",), VPC_ENDPOINT)
    enabled = build.value(inst, "private_dns_enabled")

    def attach(model: Collections) -> None:
        found = _in(model, "vpc_endpoints", endpoint)
        if found is not None and found["type"] == "Interface":
            found["private_dns"] = enabled

    build.later.append(attach)


def managed_prefix_list(build: Build, inst: Instance) -> None:
    entries = inst.get("entry")
    cidrs: Field = None
    if isinstance(entries, list) and not inst.has_unknown("entry"):
        cidrs = [e.get("cidr") for e in entries if isinstance(e, dict)]
    build.add(
        "prefix_lists",
        build.base(inst) | {"service": None, "region": build.region, "cidrs": cidrs},
    )


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def _in(model: Collections, collection: str, ident: Field) -> ModelObject | None:
    return model.get(collection, {}).get(ident) if isinstance(ident, str) else None


BUILDERS: dict[str, Builder] = {
    "aws_vpc": vpc,
    "aws_default_vpc": vpc,
    "aws_vpc_ipv4_cidr_block_association": vpc_cidr_block_association,
    "aws_vpc_dhcp_options": vpc_dhcp_options,
    "aws_default_vpc_dhcp_options": vpc_dhcp_options,
    "aws_vpc_dhcp_options_association": vpc_dhcp_options_association,
    "aws_subnet": subnet,
    "aws_default_subnet": subnet,
    "aws_route_table": route_table,
    "aws_default_route_table": default_route_table,
    "aws_route": route,
    "aws_route_table_association": route_table_association,
    "aws_main_route_table_association": main_route_table_association,
    "aws_internet_gateway": internet_gateway,
    "aws_internet_gateway_attachment": internet_gateway_attachment,
    "aws_egress_only_internet_gateway": egress_only_internet_gateway,
    "aws_nat_gateway": nat_gateway,
    "aws_network_acl": network_acl,
    "aws_default_network_acl": default_network_acl,
    "aws_network_acl_rule": network_acl_rule,
    "aws_network_acl_association": network_acl_association,
    "aws_security_group": security_group,
    "aws_default_security_group": default_security_group,
    **{rtype: _attach_rules(rules_of) for rtype, rules_of in RULE_RESOURCES.items()},
    "aws_vpc_endpoint": vpc_endpoint,
    "aws_vpc_endpoint_route_table_association": vpc_endpoint_association(
        "route_tables", "route_table_id", ROUTE_TABLE
    ),
    "aws_vpc_endpoint_subnet_association": vpc_endpoint_association("subnets", "subnet_id", SUBNET),
    "aws_vpc_endpoint_security_group_association": vpc_endpoint_association(
        "security_groups", "security_group_id", SECURITY_GROUP
    ),
    "aws_vpc_endpoint_policy": vpc_endpoint_policy,
    "aws_vpc_endpoint_private_dns": vpc_endpoint_private_dns,
    "aws_ec2_managed_prefix_list": managed_prefix_list,
}
