"""VPC resources: VPCs, subnets, routes, network ACLs, security groups, gateways, endpoints."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from scanner.model.partition import is_zone_index
from scanner.sources.base import ModelObject
from scanner.sources.cfn.cursor import Cursor, Field, text_of
from scanner.sources.cfn.out import Collections, Links, Out, Res, bool_or, ids_or, text_or
from scanner.sources.cfn.stack import default_vpc
from scanner.sources.cfn.values import Composite, ResRef, Unknown, Value, Where, kind_of
from scanner.sources.defaults import ALL_IPV4, all_traffic_rule, dhcp_fix, sg_rule_fields
from scanner.sources.physical import REGION_NAME

Builder = Callable[[Res, Out], None]

# IpProtocol / Protocol names EC2 accepts, as IANA numbers.
_PROTOCOLS = {"-1": "-1", "all": "-1", "tcp": "6", "udp": "17", "icmp": "1", "icmpv6": "58"}
_PORTED = ("6", "17")  # protocols whose rules have a port range
_ENDPOINT_SERVICE = re.compile(r"^com\.amazonaws\.(?:vpce\.)?([^.]+)\.(.+)$")
_ENDPOINT_TYPES = ("Interface", "Gateway", "GatewayLoadBalancer")
_INBOUND_ONLY = {"OnlyInboundResolver": True, "AllResolvers": False, "NotSpecified": None}


def vpc(res: Res, out: Out) -> None:
    cidr = res.prop("CidrBlock")
    blocks = [
        cidr.cidr(4)
        if cidr is not None
        else res.unknown(
            f"VPC {res.logical} gets its IPv4 block from IPAM at deploy time", f"{res.id}.CidrBlock"
        )
    ]
    out.add(
        "vpcs",
        res.base()
        | {
            "cidr_blocks": blocks,
            "ipv6": False,
            "enable_dns_support": bool_or(res.prop("EnableDnsSupport"), True),
            "enable_dns_hostnames": bool_or(res.prop("EnableDnsHostnames"), False),
            "main_route_table": f"{res.id}/main-route-table",
            "default_nacl": f"{res.id}/default-nacl",
            "default_security_group": f"{res.id}/default-sg",
        },
    )


def vpc_cidr_block(res: Res, out: Out) -> None:
    vpc_id = res.require("VpcId").ident("vpcs")
    cidr = res.prop("CidrBlock")
    block: Field = None
    if cidr is not None:
        block = cidr.cidr(4)
    elif res.prop("Ipv4IpamPoolId") is not None:
        block = res.unknown(
            f"{res.logical} gets its IPv4 block from IPAM at deploy time", f"{res.id}.CidrBlock"
        )
    ipv6 = (
        any(res.prop(name) is not None for name in ("Ipv6CidrBlock", "Ipv6Pool", "Ipv6IpamPoolId"))
        or bool_or(res.prop("AmazonProvidedIpv6CidrBlock"), False) is True
    )

    def attach(model: Collections, links: Links) -> None:
        target = _in(model, "vpcs", vpc_id)
        if target is None:
            return
        if block is not None and isinstance(target["cidr_blocks"], list):
            target["cidr_blocks"].append(block)
        if ipv6:
            target["ipv6"] = True

    out.later.append(attach)


# An FG801 note on a zone `!Select [N, !GetAZs ""]` compared with one given by name.
ZONE_FIX = (
    "Give the task's and the mount targets' subnets their zones the same way: all by name, "
    'or all as !Select [N, !GetAZs ""].'
)


def subnet(res: Res, out: Out) -> None:
    cidr = res.prop("CidrBlock")
    zone = res.prop("AvailabilityZone")
    zone_text = zone.text() if zone is not None else None
    indexed = isinstance(zone_text, dict) and is_zone_index(zone_text["ref"])
    if isinstance(zone_text, dict) and indexed:
        zone_text["fix"] = ZONE_FIX
    out.add(
        "subnets",
        res.base()
        | {
            "vpc": res.require("VpcId").ident("vpcs"),
            "cidr": cidr.cidr(4)
            if cidr is not None
            else res.unknown(f"subnet {res.logical} has no IPv4 CidrBlock", f"{res.id}.CidrBlock"),
            # as written; `!Select [0, !GetAZs ""]` is only known at deploy time, but its index
            # tells it from the others (an unknown whose ref names it); anything else: null
            "availability_zone": zone_text if isinstance(zone_text, str) or indexed else None,
            "route_table": None,  # the association, else the VPC's main route table (finalize)
            "nacl": None,
            "ipv6": _subnet_ipv6(res),  # an AWS::EC2::SubnetCidrBlock may add one (below)
        },
    )


# Properties that give a subnet (or an AWS::EC2::SubnetCidrBlock) an IPv6 block.
_SUBNET_IPV6 = ("Ipv6CidrBlock", "Ipv6IpamPoolId", "Ipv6NetmaskLength")


def _subnet_ipv6(res: Res) -> Field:
    """Whether the subnet has an IPv6 block of its own: false only when no property gives it
    one (a value only a condition settles may be AWS::NoValue: that stays unknown)."""
    for name in _SUBNET_IPV6:
        cursor = res.prop(name)
        if cursor is not None:
            value = text_of(cursor.value())
            return value.json() if isinstance(value, Unknown) else True
    return bool_or(res.prop("Ipv6Native"), False)


def subnet_cidr_block(res: Res, out: Out) -> None:
    subnet_id = res.require("SubnetId").ident("subnets")
    ipv6: Field = _subnet_ipv6(res)
    if ipv6 is False:
        return  # no IPv6 block (an IPv4 one is not what the model keeps)

    def attach(model: Collections, links: Links) -> None:
        target = _in(model, "subnets", subnet_id)
        if target is not None and target.get("ipv6") is not True:
            target["ipv6"] = ipv6
        elif not isinstance(subnet_id, str):
            # which subnet gets the block is not settled: none can be said to lack one
            for other in model.get("subnets", {}).values():
                if other.get("ipv6") is False:
                    other["ipv6"] = subnet_id

    out.later.append(attach)


def route_table(res: Res, out: Out) -> None:
    out.add("route_tables", res.base() | {"vpc": res.require("VpcId").ident("vpcs"), "routes": []})


# Route target property -> target_type (GatewayId depends on what it names).
_ROUTE_TARGETS = {
    "GatewayId": None,
    "NatGatewayId": "nat",
    "TransitGatewayId": "tgw",
    "VpcPeeringConnectionId": "pcx",
    "NetworkInterfaceId": "eni",
    "EgressOnlyInternetGatewayId": "eigw",
    "VpcEndpointId": "vpce",
    "InstanceId": "instance",
    "CarrierGatewayId": "carrier",
    "LocalGatewayId": "lgw",
    "CoreNetworkArn": None,
}
# EC2 takes other gateways' ids in GatewayId too, and routes to what they name (a NAT gateway,
# an egress-only internet gateway: the Terraform provider's aws_route "NOTE on gateway_id").
_GATEWAY_TYPES = {
    "AWS::EC2::InternetGateway": "igw",
    "AWS::EC2::VPNGateway": "vgw",
    "AWS::EC2::VPCEndpoint": "vpce",
    "AWS::EC2::TransitGateway": "tgw",
    "AWS::EC2::NatGateway": "nat",
    "AWS::EC2::EgressOnlyInternetGateway": "eigw",
}
_GATEWAY_PREFIXES = {
    "igw-": "igw",
    "vgw-": "vgw",
    "vpce-": "vpce",
    "tgw-": "tgw",
    "nat-": "nat",
    "eigw-": "eigw",
}
_ROUTE_DESTINATIONS = (
    "DestinationCidrBlock",
    "DestinationIpv6CidrBlock",
    "DestinationPrefixListId",
)


def one_of(
    get: Callable[[str], Cursor | None],
    names: Iterable[str],
    message: Callable[[], str],
    where: Cursor,
) -> list[tuple[str, Cursor]]:
    """The one property of `names` that is set, as [(name, cursor)]; when conditions that are not
    settled decide which (`!If [Cond, X, !Ref AWS::NoValue]` on each), every candidate, each an
    unknown. CloudFormation takes exactly one, so `message()` is an error at `where` when none
    can be set or two are set for sure (made only then: this runs for every route and rule)."""
    present = [(name, found) for name in names if (found := get(name)) is not None]
    settled = [(name, found) for name, found in present if found.unknown() is None]
    if not present or len(settled) > 1:
        raise where.fail(message())
    return settled or present


def route(res: Res, out: Out) -> None:
    table = res.require("RouteTableId").ident("route_tables")
    destinations = dict(
        one_of(
            res.prop,
            _ROUTE_DESTINATIONS,
            lambda: f"route {res.logical} needs exactly one of {', '.join(_ROUTE_DESTINATIONS)}",
            res.cursor,
        )
    )
    targets = one_of(
        res.prop,
        _ROUTE_TARGETS,
        lambda: f"route {res.logical} needs exactly one target ({', '.join(_ROUTE_TARGETS)})",
        res.cursor,
    )
    target_type, target = _route_target(res, targets[0][0], settled=len(targets) == 1)
    entry = {
        "destination": _optional(destinations.get("DestinationCidrBlock"), lambda c: c.cidr(4)),
        "destination_ipv6": _optional(
            destinations.get("DestinationIpv6CidrBlock"), lambda c: c.cidr(6)
        ),
        "destination_prefix_list": _optional(
            destinations.get("DestinationPrefixListId"), lambda c: c.ident()
        ),
        "target_type": target_type,
        "target": target,
        "state": "active",
        "source": res.source,
    }

    def attach(model: Collections, links: Links) -> None:
        target_table = _in(model, "route_tables", table)
        if target_table is not None:
            target_table["routes"].append(entry)

    out.later.append(attach)


def _route_target(res: Res, name: str, *, settled: bool) -> tuple[Field, Field]:
    """(target_type, target) of the route's target property `name`; `settled` when it is the
    one target the route can have (not one of several that conditions choose between)."""
    cursor = res.require(name)
    target = cursor.ident()
    kind = _ROUTE_TARGETS[name]
    if kind is not None and settled:
        # the property says what the target is, also when the target itself is only known at
        # deploy time (`!Select [1, !Split [":", !Select [0, !GetAtt Firewall.EndpointIds]]]`)
        return kind, target
    if isinstance(target, dict):  # unknown: its type is as unknown as the target
        return target, target
    if kind is not None:
        return kind, target
    if name == "CoreNetworkArn":
        why = f"route {res.logical} goes to a Cloud WAN core network, which is not analysed"
        return res.unknown(why, f"{res.id}.CoreNetworkArn", cursor.where), target
    value = cursor.value()
    if isinstance(value, Composite) and len(value.parts) == 1:
        value = value.parts[0]
    if isinstance(value, ResRef):
        kind = _GATEWAY_TYPES.get(value.type)
    elif target == "local":
        kind = "local"
    else:
        kind = next((k for p, k in _GATEWAY_PREFIXES.items() if str(target).startswith(p)), None)
    if kind is None:
        why = f"GatewayId {target} of route {res.logical} is not a known kind of gateway"
        return res.unknown(why, f"{res.id}.GatewayId", cursor.where), target
    return kind, target


def subnet_route_table_association(res: Res, out: Out) -> None:
    _associate(res, out, "route_table", "RouteTableId", "route_tables")


def subnet_network_acl_association(res: Res, out: Out) -> None:
    _associate(res, out, "nacl", "NetworkAclId", "nacls")


def _associate(res: Res, out: Out, kind: str, prop: str, collection: str) -> None:
    subnet_id = res.require("SubnetId").ident("subnets")
    target = res.require(prop).ident(collection)

    def attach(model: Collections, links: Links) -> None:
        if isinstance(subnet_id, str):
            by_kind = links.associations.setdefault(subnet_id, {})
            by_kind.setdefault(kind, []).append((target, res.where))

    out.later.append(attach)


def vpc_dhcp_options_association(res: Res, out: Out) -> None:
    vpc_id = res.require("VpcId").ident("vpcs")
    options = _dhcp_options(res, res.require("DhcpOptionsId"))

    def attach(model: Collections, links: Links) -> None:
        target = _in(model, "vpcs", vpc_id)
        if target is not None:
            target["dhcp_options"] = options

    out.later.append(attach)


def _dhcp_options(res: Res, cursor: Cursor) -> Field:
    """The DHCP option set an association gives its VPC (docs/model.md): the set's
    DomainNameServers when the inputs define it, None for `default` (no option set), else an
    unknown (a literal id of a set the inputs do not hold, a parameter, a condition)."""
    value = cursor.value()
    if isinstance(value, Composite) and len(value.parts) == 1:
        value = value.parts[0]
    if isinstance(value, ResRef) and value.type == "AWS::EC2::DHCPOptions" and not value.attr:
        options = Res(value.stack, value.logical)
        servers = options.prop("DomainNameServers")
        return {
            "name": value.model_id,
            "domain_name_servers": [] if servers is None else servers.text_list(),
            "source": (options.where if servers is None else servers.where).json(),
        }
    text = text_of(value)
    if isinstance(text, Unknown):
        return text.json()
    if text == "default":
        return None
    if not isinstance(text, str):
        raise cursor.fail(f"{cursor.name} must be a DHCP option set id, not {kind_of(value)}")
    return res.unknown(
        f"DHCP option set {text} is not in the inputs, so the DNS servers it gives are not known",
        f"DHCP option set {text}",
        cursor.where,
    ) | {"fix": dhcp_fix(text)}


def internet_gateway(res: Res, out: Out) -> None:
    out.add("internet_gateways", res.base() | {"vpc": None, "egress_only": False})


def egress_only_internet_gateway(res: Res, out: Out) -> None:
    vpc_id = res.require("VpcId").ident("vpcs")
    out.add("internet_gateways", res.base() | {"vpc": vpc_id, "egress_only": True})


def gateway_attachment(res: Res, out: Out) -> None:
    vpc_id = res.require("VpcId").ident("vpcs")
    gateway = res.prop("InternetGatewayId")
    if gateway is None:
        if res.prop("VpnGatewayId") is None:
            raise res.cursor.fail(f"{res.logical} needs InternetGatewayId or VpnGatewayId")
        return  # virtual private gateways are route targets only
    igw = gateway.ident("internet_gateways")

    def attach(model: Collections, links: Links) -> None:
        target = _in(model, "internet_gateways", igw)
        if target is not None:
            target["vpc"] = vpc_id

    out.later.append(attach)


def nat_gateway(res: Res, out: Out) -> None:
    """A zonal NAT gateway sits in SubnetId; a regional one (AvailabilityMode regional) is made
    for VpcId with no subnet, and is public only (VPC User Guide, "Regional NAT gateways")."""
    connectivity = text_or(res.prop("ConnectivityType"), "public")
    if isinstance(connectivity, str):
        connectivity = connectivity.lower()
        if connectivity not in ("public", "private"):
            raise res.require("ConnectivityType").fail("ConnectivityType must be public or private")
    mode = text_or(res.prop("AvailabilityMode"), "zonal")
    if isinstance(mode, str):
        mode = mode.lower()
        if mode not in ("zonal", "regional"):
            given = res.require("AvailabilityMode")
            raise given.fail(f"{given.name} must be zonal or regional")
    subnet = res.prop("SubnetId")
    if mode == "regional":
        if subnet is not None:
            raise subnet.fail(
                f"NAT gateway {res.logical} is regional: it takes VpcId, not SubnetId"
            )
        if connectivity == "private":
            raise res.require("ConnectivityType").fail(
                f"NAT gateway {res.logical} is regional, and a regional NAT gateway has public "
                "connectivity only"
            )
    elif isinstance(mode, str):
        subnet = res.require("SubnetId")
    out.add(
        "nat_gateways",
        res.base()
        | {
            "subnet": None if subnet is None else subnet.ident("subnets"),
            "availability_mode": mode,
            "connectivity": connectivity,
            "state": "available",
        },
    )


def network_acl(res: Res, out: Out) -> None:
    out.add(
        "nacls",
        res.base()
        | {"vpc": res.require("VpcId").ident("vpcs"), "is_default": False, "entries": []},
    )


def network_acl_entry(res: Res, out: Out) -> None:
    nacl = res.require("NetworkAclId").ident("nacls")
    protocol = protocol_of(res.require("Protocol"))
    action = res.require("RuleAction").text()
    if isinstance(action, str):
        if action.lower() not in ("allow", "deny"):
            raise res.require("RuleAction").fail("RuleAction must be allow or deny")
        action = action.lower()
    blocks = dict(
        one_of(
            res.prop,
            ("CidrBlock", "Ipv6CidrBlock"),
            lambda: (
                f"network ACL entry {res.logical} needs exactly one of CidrBlock, Ipv6CidrBlock"
            ),
            res.cursor,
        )
    )
    cidr, ipv6 = blocks.get("CidrBlock"), blocks.get("Ipv6CidrBlock")
    from_port, to_port = _port_range(res, protocol)
    entry = {
        "rule_number": res.require("RuleNumber").integer(),
        "egress": bool_or(res.prop("Egress"), False),
        "protocol": protocol,
        "action": action,
        "cidr": cidr.cidr(4) if cidr is not None else None,
        "ipv6_cidr": ipv6.cidr(6) if ipv6 is not None else None,
        "from_port": from_port,
        "to_port": to_port,
        "source": res.source,
    }

    def attach(model: Collections, links: Links) -> None:
        target = _in(model, "nacls", nacl)
        if target is not None:
            target["entries"].append(entry)

    out.later.append(attach)


def _port_range(res: Res, protocol: Field) -> tuple[Field, Field]:
    ports = res.prop("PortRange")
    if protocol not in _PORTED and not isinstance(protocol, dict):
        return None, None
    if ports is None or ports.get("From") is None or ports.get("To") is None:
        if isinstance(protocol, dict):
            return None, None
        why = f"network ACL entry {res.logical} for protocol {protocol} has no PortRange"
        unknown = res.unknown(why, f"{res.id}.PortRange")
        return unknown, unknown
    return _port(ports, "From"), _port(ports, "To")


def _port(cursor: Cursor, key: str) -> Field:
    found = cursor.get(key)
    return None if found is None else found.integer()


def protocol_of(cursor: Cursor) -> Field:
    """IpProtocol / Protocol as an IANA number string ("-1" for all)."""
    value = cursor.text()
    if isinstance(value, dict):
        return value
    name = value.strip().lower()
    if name in _PROTOCOLS:
        return _PROTOCOLS[name]
    if name.lstrip("-").isdigit() and -1 <= int(name) <= 255:
        return str(int(name))
    raise cursor.fail(
        f"{cursor.name} must be a protocol name (tcp, udp, icmp, icmpv6, -1) or number"
    )


# --- security groups ---------------------------------------------------------------------

# The peer properties of a rule, in the order the error names them, and the model field of each.
_PEERS = {
    "ingress": {
        "CidrIp": "cidr",
        "CidrIpv6": "ipv6_cidr",
        "SourceSecurityGroupId": "security_group",
        "SourcePrefixListId": "prefix_list",
        "SourceSecurityGroupName": "security_group",
    },
    "egress": {
        "CidrIp": "cidr",
        "CidrIpv6": "ipv6_cidr",
        "DestinationSecurityGroupId": "security_group",
        "DestinationPrefixListId": "prefix_list",
    },
}


def security_group(res: Res, out: Out) -> None:
    vpc_prop = res.prop("VpcId")
    vpc_id = vpc_prop.ident("vpcs") if vpc_prop is not None else default_vpc(res.where).json()
    ingress = _inline_rules(res, "SecurityGroupIngress", "ingress")
    egress = _inline_rules(res, "SecurityGroupEgress", "egress")
    if not egress:
        # Without SecurityGroupEgress, EC2 keeps its default rule: everything to 0.0.0.0/0.
        egress = [sg_rule_fields("-1", None, None, "cidr", "0.0.0.0/0", res.source)]
    out.add("security_groups", res.base() | {"vpc": vpc_id, "ingress": ingress, "egress": egress})


def _inline_rules(res: Res, prop: str, direction: str) -> list[ModelObject]:
    cursor = res.prop(prop)
    if cursor is None:
        return []
    items = cursor.items()
    if isinstance(items, Unknown):
        return [_unknown_rule(items, cursor.where)]
    return [sg_rule(item, direction) for item in items]


def _unknown_rule(unknown: Unknown, where: Where) -> ModelObject:
    value = unknown.json()
    return sg_rule_fields(value, value, value, "cidr", value, where.json())


def sg_rule(cursor: Cursor, direction: str) -> ModelObject:
    """One security-group rule (inline, or the properties of a standalone rule resource)."""
    unsettled = cursor.unknown()
    if unsettled is not None:
        return _unknown_rule(unsettled, cursor.where)
    protocol = protocol_of(cursor.require("IpProtocol"))
    fields = _PEERS[direction]

    def message() -> str:
        return f"{cursor.name}: an {direction} rule needs exactly one of {', '.join(fields)}"

    # When conditions not settled choose the peer, the first candidate stands for it (unknown).
    prop, peer_cursor = one_of(cursor.get, fields, message, cursor)[0]
    field = fields[prop]
    peer: Field
    if prop == "CidrIp":
        peer = peer_cursor.cidr(4)
    elif prop == "CidrIpv6":
        peer = peer_cursor.cidr(6)
    elif prop == "SourceSecurityGroupName":
        peer = Unknown(
            "a rule that names its peer group by name (SourceSecurityGroupName) is not analysed",
            f"{peer_cursor.stack.rel}{peer_cursor.where.pointer}",
            peer_cursor.where,
        ).json()
    else:
        peer = peer_cursor.ident("security_groups" if field == "security_group" else None)
    from_port, to_port = _rule_ports(cursor, protocol)
    return sg_rule_fields(protocol, from_port, to_port, field, peer, cursor.where.json())


def _rule_ports(cursor: Cursor, protocol: Field) -> tuple[Field, Field]:
    if protocol == "-1":
        return None, None
    if isinstance(protocol, str) and protocol not in (*_PORTED, "1", "58"):
        return None, None  # other protocols have no ports: the rule covers all of them
    low, high = cursor.get("FromPort"), cursor.get("ToPort")
    if low is None or high is None:
        if isinstance(protocol, dict):
            return None, None
        where = cursor.where
        unknown = Unknown(
            f"{cursor.name}: a protocol {protocol} rule without FromPort/ToPort",
            f"{cursor.stack.rel}{where.pointer} ports",
            where,
        ).json()
        return unknown, unknown
    return low.integer(), high.integer()


def security_group_ingress(res: Res, out: Out) -> None:
    _standalone_rule(res, out, "ingress")


def security_group_egress(res: Res, out: Out) -> None:
    _standalone_rule(res, out, "egress")


def _standalone_rule(res: Res, out: Out, direction: str) -> None:
    props = res.properties()
    group = res.prop("GroupId")
    if group is None:
        res.stack.run.notice(
            f"{res.where.file}:{res.where.line}: {res.logical} names its group by GroupName "
            "(default VPC); the rule is not analysed"
        )
        return
    group_id = group.ident("security_groups")
    rule = sg_rule(props, direction) | {"source": res.source}

    def attach(model: Collections, links: Links) -> None:
        target = _in(model, "security_groups", group_id)
        if target is not None:
            target[direction].append(rule)

    out.later.append(attach)


def restrict_default_security_group(res: Res, out: Out) -> None:
    """CDK's Custom::VpcRestrictDefaultSG (the default of `restrictDefaultSecurityGroup`, on in
    new projects): at deploy time it revokes the default group's own rules, its ingress from
    itself and its egress to everywhere, so a task in that group gets out nowhere."""
    group = res.prop("DefaultSecurityGroupId")
    group_id = group.ident("security_groups") if group is not None else None
    if not isinstance(group_id, str):
        return

    def revoke(model: Collections, links: Links) -> None:
        target = _in(model, "security_groups", group_id)
        vpc = _in(model, "vpcs", target["vpc"]) if target is not None else None
        if target is None or vpc is None or vpc["default_security_group"] != group_id:
            return
        defaults = (
            all_traffic_rule("security_group", group_id, vpc["source"]),
            all_traffic_rule("cidr", ALL_IPV4, vpc["source"]),
        )
        for direction in ("ingress", "egress"):
            target[direction] = [r for r in target[direction] if r not in defaults]

    out.later.append(revoke)


# --- endpoints, prefix lists -------------------------------------------------------------


def vpc_endpoint(res: Res, out: Out) -> None:
    kind = text_or(res.prop("VpcEndpointType"), "Gateway")
    if isinstance(kind, str) and kind not in _ENDPOINT_TYPES:
        kind = res.unknown(f"endpoint type {kind} is not analysed", f"{res.id}.VpcEndpointType")
    name = res.prop("ServiceName")
    if name is None:
        unknown = res.unknown(
            f"endpoint {res.logical} names no ServiceName", f"{res.id}.ServiceName"
        )
        service, region = unknown, unknown
    else:
        service, region = endpoint_service(name)
    policy = res.prop("PolicyDocument")
    inbound_only = _inbound_only(res.prop("DnsOptions", "PrivateDnsOnlyForInboundResolverEndpoint"))
    out.add(
        "vpc_endpoints",
        res.base()
        | ({} if inbound_only is None else {"private_dns_inbound_only": inbound_only})
        | {
            "vpc": res.require("VpcId").ident("vpcs"),
            "service": service,
            "service_region": region,
            "type": kind,
            "private_dns": False
            if kind == "Gateway"
            else bool_or(res.prop("PrivateDnsEnabled"), False),
            "subnets": ids_or(res.prop("SubnetIds"), "subnets", []),
            "security_groups": ids_or(res.prop("SecurityGroupIds"), "security_groups", []),
            "route_tables": ids_or(res.prop("RouteTableIds"), "route_tables", []),
            "prefix_list": None,
            "policy": policy.document() if policy is not None else None,
            "state": "available",
        },
    )


def _inbound_only(cursor: Cursor | None) -> Field:
    """DnsOptions.PrivateDnsOnlyForInboundResolverEndpoint: null when not set (AWS decides)."""
    value = text_or(cursor, None)
    if isinstance(value, str):
        if value not in _INBOUND_ONLY:
            assert cursor is not None
            raise cursor.fail(f"{cursor.name} must be one of {', '.join(_INBOUND_ONLY)}")
        return _INBOUND_ONLY[value]
    return value


def endpoint_service(cursor: Cursor) -> tuple[Field, Field]:
    """`com.amazonaws.<region>.<service>` -> (service, region); either may be unknown."""
    value: Value = cursor.value()
    text = text_of(value)
    if isinstance(text, str):
        found = _ENDPOINT_SERVICE.match(text)
        if found and REGION_NAME.match(found.group(1)):
            return found.group(2), found.group(1)
        why = f"the region of endpoint service {text} is not in its name"
        return text, Unknown(why, f"{cursor.stack.rel}{cursor.where.pointer}", cursor.where).json()
    if text is None:
        raise cursor.fail(f"{cursor.name} must be a string, not a list or map")
    # Part of the name is unsettled (usually ${AWS::Region}): read around the placeholders.
    parts = value.parts if isinstance(value, Composite) else (value,)
    holes: list[Unknown] = []
    shown = ""
    for part in parts:
        piece = part if isinstance(part, str) else text_of(part)
        if isinstance(piece, Unknown):
            shown += f"\x00{len(holes)}\x00"
            holes.append(piece)
        else:
            shown += str(piece)
    found = _ENDPOINT_SERVICE.match(shown)
    if not found:
        return text.json(), text.json()
    return _filled(found.group(2), holes), _filled(found.group(1), holes)


def _filled(piece: str, holes: list[Unknown]) -> Field:
    index = re.search("\x00(\\d+)\x00", piece)
    return holes[int(index.group(1))].json() if index else piece


def prefix_list(res: Res, out: Out) -> None:
    entries = res.prop("Entries")
    cidrs: Field = None
    if entries is not None:
        items = entries.items()
        if not isinstance(items, Unknown):
            found = [item.get("Cidr") for item in items]
            texts = [c.text() for c in found if c is not None]
            cidrs = texts if all(isinstance(t, str) for t in texts) else None
    region = res.stack.run.ctx.region
    out.add("prefix_lists", res.base() | {"service": None, "region": region, "cidrs": cidrs})


def _optional(cursor: Cursor | None, read: Callable[[Cursor], Field]) -> Field:
    return None if cursor is None else read(cursor)


def _in(model: Collections, collection: str, ident: Field) -> ModelObject | None:
    """The object an attachment targets, when it is in the inputs (else the change is dropped)."""
    return model.get(collection, {}).get(ident) if isinstance(ident, str) else None


BUILDERS: dict[str, Builder] = {
    "AWS::EC2::VPC": vpc,
    "AWS::EC2::VPCCidrBlock": vpc_cidr_block,
    "AWS::EC2::Subnet": subnet,
    "AWS::EC2::SubnetCidrBlock": subnet_cidr_block,
    "AWS::EC2::RouteTable": route_table,
    "AWS::EC2::Route": route,
    "AWS::EC2::SubnetRouteTableAssociation": subnet_route_table_association,
    "AWS::EC2::SubnetNetworkAclAssociation": subnet_network_acl_association,
    "AWS::EC2::InternetGateway": internet_gateway,
    "AWS::EC2::EgressOnlyInternetGateway": egress_only_internet_gateway,
    "AWS::EC2::VPCGatewayAttachment": gateway_attachment,
    "AWS::EC2::VPCDHCPOptionsAssociation": vpc_dhcp_options_association,
    "AWS::EC2::NatGateway": nat_gateway,
    "AWS::EC2::NetworkAcl": network_acl,
    "AWS::EC2::NetworkAclEntry": network_acl_entry,
    "AWS::EC2::SecurityGroup": security_group,
    "AWS::EC2::SecurityGroupIngress": security_group_ingress,
    "AWS::EC2::SecurityGroupEgress": security_group_egress,
    "AWS::EC2::VPCEndpoint": vpc_endpoint,
    "AWS::EC2::PrefixList": prefix_list,
    "Custom::VpcRestrictDefaultSG": restrict_default_security_group,
}
