"""After every stack is built: join resources that modify others, then make defaults explicit.

docs/model.md "Defaults are explicit": each VPC gets its main route table, default network ACL
and default security group; each route table a `local` route per VPC IPv4 block; a subnet
without an association uses its VPC's main route table and default network ACL; an interface
endpoint without security groups uses its VPC's default security group.
"""

from __future__ import annotations

from typing import Any

from scanner.sources.base import ModelObject
from scanner.sources.cfn.out import Collections, Links, Out
from scanner.sources.defaults import (
    ALL_IPV4,
    ALL_IPV6,
    all_traffic_rule,
    allow_all_entry,
    local_routes,
)


def finalize(outs: list[Out]) -> tuple[Collections, Links]:
    model: Collections = {}
    links = Links()
    for out in outs:
        for collection, obj in out.objects:
            model.setdefault(collection, {})[obj["id"]] = obj
        for name in out.names:
            name(links)
    for vpc in list(model.get("vpcs", {}).values()):
        _vpc_defaults(model, vpc)
    for out in outs:
        for change in out.later:
            change(model, links)
    for vpc in model.get("vpcs", {}).values():
        if vpc["ipv6"] is True:
            _default_ipv6_entries(model["nacls"][vpc["default_nacl"]], vpc)
    for table in model.get("route_tables", {}).values():
        table["routes"][:0] = local_routes(model, table)
    for subnet in model.get("subnets", {}).values():
        _subnet_defaults(links, subnet)
    for endpoint in model.get("vpc_endpoints", {}).values():
        if endpoint["type"] == "Interface" and endpoint["security_groups"] == []:
            endpoint["security_groups"] = [_of_vpc(endpoint["vpc"], "default-sg")]
    return model, links


def _vpc_defaults(model: Collections, vpc: ModelObject) -> None:
    ident, source = vpc["id"], vpc["source"]
    model.setdefault("route_tables", {})[vpc["main_route_table"]] = {
        "id": vpc["main_route_table"],
        "name": f"{vpc['name']}/main-route-table",
        "source": source,
        "vpc": ident,
        "routes": [],
    }
    model.setdefault("nacls", {})[vpc["default_nacl"]] = {
        "id": vpc["default_nacl"],
        "name": f"{vpc['name']}/default-nacl",
        "source": source,
        "vpc": ident,
        "is_default": True,
        "entries": [
            allow_all_entry(100, egress, ALL_IPV4, None, source) for egress in (False, True)
        ],
    }
    group = vpc["default_security_group"]
    model.setdefault("security_groups", {})[group] = {
        "id": group,
        "name": f"{vpc['name']}/default-sg",
        "source": source,
        "vpc": ident,
        # The default group admits its own members and lets everything out.
        "ingress": [all_traffic_rule("security_group", group, source)],
        "egress": [all_traffic_rule("cidr", ALL_IPV4, source)],
    }


def _default_ipv6_entries(nacl: ModelObject, vpc: ModelObject) -> None:
    # AWS numbers the IPv6 allow-all rule of a default network ACL 101.
    nacl["entries"][2:2] = [
        allow_all_entry(101, egress, None, ALL_IPV6, vpc["source"]) for egress in (False, True)
    ]


def _subnet_defaults(links: Links, subnet: ModelObject) -> None:
    associations = links.associations.get(subnet["id"], {})
    for field, suffix, noun in (
        ("route_table", "main-route-table", "route table"),
        ("nacl", "default-nacl", "network ACL"),
    ):
        chosen = associations.get(field, [])
        targets = {str(t) for t, _ in chosen}
        if len(targets) > 1:
            # Two associations for one subnet: CloudFormation would fail on one of them, and we
            # cannot tell which one the deployment keeps.
            places = ", ".join(f"{w.file}:{w.line}" for _, w in chosen)
            subnet[field] = {
                "unknown": f"subnet {subnet['name']} has several {noun} associations ({places})",
                "ref": f"{noun} of subnet {subnet['id']}",
                "source": chosen[0][1].json(),
            }
        elif chosen:
            subnet[field] = chosen[0][0]
        else:
            subnet[field] = _of_vpc(subnet["vpc"], suffix)


def _of_vpc(vpc: Any, suffix: str) -> Any:
    """The id of a VPC's default object; an unknown VPC makes it unknown too."""
    if isinstance(vpc, str):
        return f"{vpc}/{suffix}"
    return vpc
