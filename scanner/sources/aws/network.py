"""EC2: the VPCs the tasks run in, and everything on their paths, in one batch call per kind.

Starting from the task subnets, every other call is filtered by VPC id (or by the ids found on
the way), so each object is fetched once and unrelated VPCs are never read.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from scanner.sources.aws.calls import Reader
from scanner.sources.aws.where import Scope, named, source
from scanner.sources.base import Fragment, ModelObject
from scanner.sources.defaults import sg_rule_fields

# Filter values per call: EC2 takes at most 200 values in one filter.
_CHUNK = 200
_PROTOCOLS = {"tcp": "6", "udp": "17", "icmp": "1", "icmpv6": "58", "all": "-1"}
# The implicit final deny of every network ACL; docs/model.md leaves it out.
_IMPLICIT_DENY = 32767
_ROUTE_TARGETS = (
    ("NatGatewayId", "nat"),
    ("EgressOnlyInternetGatewayId", "eigw"),
    ("TransitGatewayId", "tgw"),
    ("VpcPeeringConnectionId", "pcx"),
    ("CarrierGatewayId", "carrier"),
    ("LocalGatewayId", "lgw"),
    ("InstanceId", "instance"),
    ("NetworkInterfaceId", "eni"),
)
_GATEWAY_PREFIXES = (("igw-", "igw"), ("vgw-", "vgw"), ("vpce-", "vpce"), ("local", "local"))


def filtered(reader: Reader, operation: str, key: str, name: str, values: Iterable[str]) -> Any:
    """Items of every object whose `name` filter matches one of `values` (None on a gap)."""
    wanted = sorted(set(values))
    found: list[Any] = []
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        items = reader.all("ec2", operation, key, Filters=[{"Name": name, "Values": chunk}])
        if items is None:
            return None
        found.extend(items)
    return found


def export(reader: Reader, scope: Scope, fragment: Fragment, subnet_ids: set[str]) -> None:
    if not subnet_ids:
        return
    subnets = filtered(reader, "DescribeSubnets", "Subnets", "subnet-id", subnet_ids) or []
    vpc_ids = sorted({s["VpcId"] for s in subnets})
    if not vpc_ids:
        return
    vpcs = reader.all("ec2", "DescribeVpcs", "Vpcs", VpcIds=vpc_ids) or []
    tables = filtered(reader, "DescribeRouteTables", "RouteTables", "vpc-id", vpc_ids)
    nacls = filtered(reader, "DescribeNetworkAcls", "NetworkAcls", "vpc-id", vpc_ids)
    groups = filtered(reader, "DescribeSecurityGroups", "SecurityGroups", "vpc-id", vpc_ids)
    nats = filtered(reader, "DescribeNatGateways", "NatGateways", "vpc-id", vpc_ids) or []
    igws = filtered(
        reader, "DescribeInternetGateways", "InternetGateways", "attachment.vpc-id", vpc_ids
    )
    listed = filtered(reader, "DescribeVpcEndpoints", "VpcEndpoints", "vpc-id", vpc_ids)
    endpoints = listed or []
    gateway_endpoints = (
        {e["VpcEndpointId"] for e in endpoints if e["VpcEndpointType"] == "Gateway"}
        if listed is not None
        else None
    )
    routes_to = _route_targets(tables or [])
    eigws = _egress_only(reader, routes_to.get("EgressOnlyInternetGatewayId", set()))

    more = {n["SubnetId"] for n in nats if "SubnetId" in n} | {
        s for e in endpoints for s in e.get("SubnetIds", [])
    }
    more -= {s["SubnetId"] for s in subnets}
    if more:
        subnets += filtered(reader, "DescribeSubnets", "Subnets", "subnet-id", more) or []

    main_tables = _main_tables(reader, tables)
    default_nacls = _default_nacls(reader, nacls)
    dhcp = _dhcp_options(reader, scope, vpcs)
    for vpc in vpcs:
        model = _vpc(reader, scope, vpc, main_tables, default_nacls, groups)
        model["dhcp_options"] = dhcp.get(vpc.get("DhcpOptionsId", "default"))
        fragment.add("vpcs", model)
    for subnet in subnets:
        fragment.add("subnets", _subnet(reader, scope, subnet, tables, nacls, main_tables))
    for table in tables or []:
        fragment.add("route_tables", _route_table(scope, table, gateway_endpoints))
    for nacl in nacls or []:
        fragment.add("nacls", _nacl(scope, nacl))
    prefix_lists: set[str] = set()
    for group in groups or []:
        sg = _security_group(scope, group)
        prefix_lists |= {r["prefix_list"] for r in sg["ingress"] + sg["egress"] if r["prefix_list"]}
        fragment.add("security_groups", sg)
    for nat in nats:
        fragment.add("nat_gateways", _nat(scope, nat))
    for igw in igws or []:
        fragment.add("internet_gateways", _gateway(scope, igw, egress_only=False))
    for eigw in eigws:
        fragment.add("internet_gateways", _gateway(scope, eigw, egress_only=True))
    if listed is None:
        for vpc_id in vpc_ids:
            fragment.add("vpc_endpoints", _unlisted_endpoints(reader, scope, vpc_id))
    for endpoint in endpoints:
        model = _endpoint(scope, endpoint, tables or [])
        if model["prefix_list"]:
            prefix_lists.add(model["prefix_list"])
        fragment.add("vpc_endpoints", model)
    prefix_lists |= routes_to.get("DestinationPrefixListId", set())
    _prefix_lists(reader, scope, fragment, prefix_lists)


def _route_targets(tables: list[Any]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for table in tables:
        for route in table.get("Routes", []):
            for key, value in route.items():
                if isinstance(value, str):
                    found.setdefault(key, set()).add(value)
    return found


def _egress_only(reader: Reader, ids: set[str]) -> list[Any]:
    if not ids:
        return []
    found = reader.all(
        "ec2",
        "DescribeEgressOnlyInternetGateways",
        "EgressOnlyInternetGateways",
        EgressOnlyInternetGatewayIds=sorted(ids),
    )
    return found or []


def _main_tables(reader: Reader, tables: list[Any] | None) -> dict[str, Any]:
    """VPC id -> its main route table id (or the unknown of the failed call)."""
    if tables is None:
        gap = reader.gap("ec2", "DescribeRouteTables")
        assert gap is not None
        return {"*": gap.unknown("the route table")}
    return {
        t["VpcId"]: t["RouteTableId"]
        for t in tables
        for a in t.get("Associations", [])
        if a.get("Main")
    }


def _default_nacls(reader: Reader, nacls: list[Any] | None) -> dict[str, Any]:
    if nacls is None:
        gap = reader.gap("ec2", "DescribeNetworkAcls")
        assert gap is not None
        return {"*": gap.unknown("the network ACL")}
    return {n["VpcId"]: n["NetworkAclId"] for n in nacls if n.get("IsDefault")}


def _vpc(
    reader: Reader,
    scope: Scope,
    vpc: Any,
    main_tables: dict[str, Any],
    default_nacls: dict[str, Any],
    groups: list[Any] | None,
) -> ModelObject:
    vpc_id = vpc["VpcId"]
    blocks = [vpc["CidrBlock"]] + [
        a["CidrBlock"]
        for a in vpc.get("CidrBlockAssociationSet", [])
        if a["CidrBlock"] != vpc["CidrBlock"] and a["CidrBlockState"]["State"] == "associated"
    ]
    ipv6 = any(
        a.get("Ipv6CidrBlockState", {}).get("State") == "associated"
        for a in vpc.get("Ipv6CidrBlockAssociationSet", [])
    )
    if groups is None:
        gap = reader.gap("ec2", "DescribeSecurityGroups")
        assert gap is not None
        default_sg: Any = gap.unknown("the default security group")
    else:
        default_sg = next(
            (g["GroupId"] for g in groups if g["VpcId"] == vpc_id and g["GroupName"] == "default"),
            f"{vpc_id}/default-sg",
        )
    return named(
        vpc_id,
        scope.ec2_arn(f"vpc/{vpc_id}"),
        cidr_blocks=blocks,
        ipv6=ipv6,
        enable_dns_support=_attribute(reader, vpc_id, "enableDnsSupport"),
        enable_dns_hostnames=_attribute(reader, vpc_id, "enableDnsHostnames"),
        main_route_table=main_tables.get(vpc_id, main_tables.get("*", f"{vpc_id}/main")),
        default_nacl=default_nacls.get(vpc_id, default_nacls.get("*", f"{vpc_id}/default")),
        default_security_group=default_sg,
    )


def _dhcp_options(reader: Reader, scope: Scope, vpcs: list[Any]) -> dict[str, Any]:
    """The `dhcp_options` of a VPC (docs/model.md) by its DhcpOptionsId: `default` is no
    option set (None); one that could not be read is an unknown."""
    ids = sorted(
        {v["DhcpOptionsId"] for v in vpcs if v.get("DhcpOptionsId", "default") != "default"}
    )
    found: dict[str, Any] = {"default": None}
    if not ids:
        return found
    sets = reader.all("ec2", "DescribeDhcpOptions", "DhcpOptions", DhcpOptionsIds=ids)
    if sets is None:
        gap = reader.gap("ec2", "DescribeDhcpOptions")
        assert gap is not None
        return found | {i: gap.unknown(f"the DNS servers of DHCP option set {i}") for i in ids}
    for options in sets:
        ident = options["DhcpOptionsId"]
        servers = [
            value["Value"]
            for config in options.get("DhcpConfigurations", [])
            if config.get("Key") == "domain-name-servers"
            for value in config.get("Values", [])
        ]
        found[ident] = named(
            ident, scope.ec2_arn(f"dhcp-options/{ident}"), domain_name_servers=servers
        )
        del found[ident]["id"]
    for ident in ids:
        if ident not in found:  # gone between the two calls
            arn = scope.ec2_arn(f"dhcp-options/{ident}")
            found[ident] = {
                "unknown": f"DHCP option set {ident} was not found",
                "ref": f"DHCP option set {arn}",
                "source": source(arn),
            }
    return found


def _attribute(reader: Reader, vpc_id: str, attribute: str) -> Any:
    answer = reader.one("ec2", "DescribeVpcAttribute", VpcId=vpc_id, Attribute=attribute)
    if answer is None:
        gap = reader.gap("ec2", "DescribeVpcAttribute")
        return gap.unknown(f"{attribute} of {vpc_id}") if gap else True
    key = attribute[0].upper() + attribute[1:]
    return bool(answer[key]["Value"])


_GONE_BLOCK_STATES = ("disassociated", "failed")


def _subnet(
    reader: Reader,
    scope: Scope,
    subnet: Any,
    tables: list[Any] | None,
    nacls: list[Any] | None,
    main_tables: dict[str, Any],
) -> ModelObject:
    subnet_id, vpc_id = subnet["SubnetId"], subnet["VpcId"]
    route_table: Any = next(
        (
            t["RouteTableId"]
            for t in tables or []
            for a in t.get("Associations", [])
            if a.get("SubnetId") == subnet_id
        ),
        main_tables.get(vpc_id, main_tables.get("*")),
    )
    nacl: Any = next(
        (
            n["NetworkAclId"]
            for n in nacls or []
            for a in n.get("Associations", [])
            if a.get("SubnetId") == subnet_id
        ),
        None,
    )
    if nacl is None:
        gap = reader.gap("ec2", "DescribeNetworkAcls")
        nacl = gap.unknown("the network ACL") if gap else f"{vpc_id}/default-nacl"
    return named(
        subnet_id,
        scope.ec2_arn(f"subnet/{subnet_id}"),
        vpc=vpc_id,
        cidr=subnet["CidrBlock"],
        availability_zone=subnet.get("AvailabilityZone"),
        route_table=route_table,
        nacl=nacl,
        # a block that is not gone (associated, or on its way in or out) may give the tasks an
        # IPv6 address: only a subnet without one settles that its ::/0 route carries nothing
        ipv6=any(
            a.get("Ipv6CidrBlockState", {}).get("State") not in _GONE_BLOCK_STATES
            for a in subnet.get("Ipv6CidrBlockAssociationSet", [])
        ),
    )


def _route_table(scope: Scope, table: Any, gateway_endpoints: set[str] | None) -> ModelObject:
    """A route table; `gateway_endpoints` None when the endpoints could not be listed (the
    routes to a prefix list through a `vpce-` target are then taken to be theirs)."""
    table_id = table["RouteTableId"]
    arn = scope.ec2_arn(f"route-table/{table_id}")
    routes = []
    for index, route in enumerate(table.get("Routes", [])):
        src = source(arn, f"/Routes/{index}")
        kind, target = _target(route, src)
        if kind == "vpce" and (
            target in gateway_endpoints
            if gateway_endpoints is not None
            else bool(route.get("DestinationPrefixListId"))
        ):
            continue  # a gateway endpoint: the model keeps it on vpc_endpoints.route_tables
        routes.append(
            {
                "destination": route.get("DestinationCidrBlock"),
                "destination_ipv6": route.get("DestinationIpv6CidrBlock"),
                "destination_prefix_list": route.get("DestinationPrefixListId"),
                "target_type": kind,
                "target": target,
                "state": "blackhole" if route.get("State") == "blackhole" else "active",
                "source": src,
            }
        )
    return named(table_id, arn, vpc=table["VpcId"], routes=routes)


def _target(route: Any, src: ModelObject) -> tuple[Any, str]:
    for key, kind in _ROUTE_TARGETS:
        if route.get(key):
            return kind, str(route[key])
    gateway = str(route.get("GatewayId", ""))
    for prefix, kind in _GATEWAY_PREFIXES:
        if gateway.startswith(prefix):
            return kind, gateway
    why = f"the target of this route ({', '.join(sorted(route))}) is not modelled"
    return {"unknown": why, "ref": f"route {src['file']}{src['pointer']}", "source": src}, gateway


def _nacl(scope: Scope, nacl: Any) -> ModelObject:
    nacl_id = nacl["NetworkAclId"]
    arn = scope.ec2_arn(f"network-acl/{nacl_id}")
    entries = []
    for index, entry in enumerate(nacl.get("Entries", [])):
        if entry["RuleNumber"] == _IMPLICIT_DENY:
            continue
        ports = entry.get("PortRange") or {}
        entries.append(
            {
                "rule_number": entry["RuleNumber"],
                "egress": bool(entry["Egress"]),
                "protocol": _protocol(entry["Protocol"]),
                "action": entry["RuleAction"],
                "cidr": entry.get("CidrBlock"),
                "ipv6_cidr": entry.get("Ipv6CidrBlock"),
                "from_port": ports.get("From"),
                "to_port": ports.get("To"),
                "source": source(arn, f"/Entries/{index}"),
            }
        )
    return named(
        nacl_id, arn, vpc=nacl["VpcId"], is_default=bool(nacl["IsDefault"]), entries=entries
    )


def _protocol(value: Any) -> str:
    text = str(value).lower()
    return _PROTOCOLS.get(text, text)


def _security_group(scope: Scope, group: Any) -> ModelObject:
    group_id = group["GroupId"]
    arn = scope.ec2_arn(f"security-group/{group_id}")
    return named(
        group_id,
        arn,
        vpc=group["VpcId"],
        ingress=_sg_rules(arn, group.get("IpPermissions", []), "IpPermissions"),
        egress=_sg_rules(arn, group.get("IpPermissionsEgress", []), "IpPermissionsEgress"),
    )


def _sg_rules(arn: str, permissions: list[Any], key: str) -> list[ModelObject]:
    rules: list[ModelObject] = []
    for index, permission in enumerate(permissions):
        protocol = _protocol(permission["IpProtocol"])
        every_port = protocol == "-1"
        low = None if every_port else permission.get("FromPort")
        high = None if every_port else permission.get("ToPort")
        where = source(arn, f"/{key}/{index}")
        peers = (
            [("cidr", r["CidrIp"]) for r in permission.get("IpRanges", [])]
            + [("ipv6_cidr", r["CidrIpv6"]) for r in permission.get("Ipv6Ranges", [])]
            + [("security_group", p["GroupId"]) for p in permission.get("UserIdGroupPairs", [])]
            + [("prefix_list", p["PrefixListId"]) for p in permission.get("PrefixListIds", [])]
        )
        rules.extend(
            sg_rule_fields(protocol, low, high, field, peer, where) for field, peer in peers
        )
    return rules


def _nat(scope: Scope, nat: Any) -> ModelObject:
    nat_id = nat["NatGatewayId"]
    return named(
        nat_id,
        scope.ec2_arn(f"natgateway/{nat_id}"),
        subnet=nat.get("SubnetId"),  # a regional NAT gateway has none
        availability_mode=nat.get("AvailabilityMode") or "zonal",
        connectivity=nat.get("ConnectivityType") or "public",
        state=nat["State"],
    )


def _gateway(scope: Scope, gateway: Any, *, egress_only: bool) -> ModelObject:
    """An internet gateway or an egress-only one, with the VPC it is attached to."""
    if egress_only:
        gw_id, kind = gateway["EgressOnlyInternetGatewayId"], "egress-only-internet-gateway"
    else:
        gw_id, kind = gateway["InternetGatewayId"], "internet-gateway"
    attached = [a["VpcId"] for a in gateway.get("Attachments", []) if a.get("State") in _ATTACHED]
    return named(
        gw_id,
        scope.ec2_arn(f"{kind}/{gw_id}"),
        vpc=attached[0] if attached else None,
        egress_only=egress_only,
    )


_ATTACHED = frozenset({"available", "attached"})


def _endpoint(scope: Scope, endpoint: Any, tables: list[Any]) -> ModelObject:
    endpoint_id = endpoint["VpcEndpointId"]
    service_name = endpoint["ServiceName"]  # com.amazonaws.<region>.<service>
    parts = service_name.split(".", 3)
    aws_service = len(parts) == 4 and parts[0] == "com" and parts[1] == "amazonaws"
    kind = endpoint["VpcEndpointType"]
    policy = endpoint.get("PolicyDocument")
    inbound_only = endpoint.get("DnsOptions", {}).get("PrivateDnsOnlyForInboundResolverEndpoint")
    return named(
        endpoint_id,
        scope.ec2_arn(f"vpc-endpoint/{endpoint_id}"),
        **({} if inbound_only is None else {"private_dns_inbound_only": inbound_only}),
        vpc=endpoint["VpcId"],
        service=parts[3] if aws_service else service_name,
        service_region=parts[2] if aws_service else scope.region,
        type=kind,
        private_dns=bool(endpoint.get("PrivateDnsEnabled")) and kind == "Interface",
        subnets=list(endpoint.get("SubnetIds", [])),
        security_groups=[g["GroupId"] for g in endpoint.get("Groups", [])],
        route_tables=list(endpoint.get("RouteTableIds", [])),
        prefix_list=_endpoint_prefix_list(endpoint_id, tables),
        policy=json.loads(policy) if isinstance(policy, str) and policy else None,
        state=str(endpoint.get("State", "available")).lower(),
    )


def _unlisted_endpoints(reader: Reader, scope: Scope, vpc_id: str) -> ModelObject:
    """What stands for a VPC's endpoints when DescribeVpcEndpoints was refused: an endpoint of
    unknown type and service, so that a need without another path is undecided, not failed."""
    gap = reader.gap("ec2", "DescribeVpcEndpoints")
    assert gap is not None
    unknown = gap.unknown(f"whether VPC {vpc_id} has endpoints")
    return named(
        f"{vpc_id}/unlisted-endpoints",
        scope.ec2_arn(f"vpc/{vpc_id}"),
        vpc=vpc_id,
        service=unknown,
        service_region=scope.region,
        type=unknown,
        private_dns=unknown,
        subnets=unknown,
        security_groups=unknown,
        route_tables=unknown,
        prefix_list=None,
        policy=None,
        state="available",
    )


def _endpoint_prefix_list(endpoint_id: str, tables: list[Any]) -> str | None:
    """A gateway endpoint's prefix list: the destination of the routes it adds."""
    return next(
        (
            r["DestinationPrefixListId"]
            for t in tables
            for r in t.get("Routes", [])
            if r.get("GatewayId") == endpoint_id and r.get("DestinationPrefixListId")
        ),
        None,
    )


def _prefix_lists(reader: Reader, scope: Scope, fragment: Fragment, ids: set[str]) -> None:
    """AWS-managed lists (an AWS service's addresses) and customer lists with their entries."""
    if not ids:
        return
    for found in (
        filtered(reader, "DescribePrefixLists", "PrefixLists", "prefix-list-id", ids) or []
    ):
        list_id = found["PrefixListId"]
        name = found["PrefixListName"]  # com.amazonaws.<region>.<service>
        parts = name.split(".", 3)
        fragment.add(
            "prefix_lists",
            named(
                list_id,
                scope.ec2_arn(f"prefix-list/{list_id}"),
                service=parts[3] if len(parts) == 4 else None,
                region=parts[2] if len(parts) == 4 else scope.region,
                cidrs=list(found.get("Cidrs", [])),
            ),
        )
    customer = sorted(ids - set(fragment.collections.get("prefix_lists", {})))
    if not customer:
        return
    managed = filtered(
        reader, "DescribeManagedPrefixLists", "PrefixLists", "prefix-list-id", customer
    )
    for found in managed or []:
        list_id = found["PrefixListId"]
        entries = reader.all("ec2", "GetManagedPrefixListEntries", "Entries", PrefixListId=list_id)
        fragment.add(
            "prefix_lists",
            named(
                list_id,
                scope.ec2_arn(f"prefix-list/{list_id}"),
                service=None,
                region=scope.region,
                cidrs=None if entries is None else [e["Cidr"] for e in entries],
            ),
        )
