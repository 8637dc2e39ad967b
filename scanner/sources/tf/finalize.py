"""After every resource of a plan is built: apply the resources that change others (rules,
routes, associations, policies), then make AWS's defaults explicit (docs/model.md).

Each VPC gets its main route table, default network ACL and default security group, unless an
`aws_default_route_table` / `aws_default_network_acl` / `aws_default_security_group` manages
them (then that resource is the object, with only what it declares). Every route table gets a
`local` route per VPC block; a subnet without an association uses its VPC's main route table and
default network ACL; an interface endpoint without security groups uses the VPC's default group.
"""

from __future__ import annotations

from scanner.sources.base import ModelObject
from scanner.sources.defaults import (
    ALL_IPV4,
    ALL_IPV6,
    all_traffic_rule,
    allow_all_entry,
    local_routes,
)
from scanner.sources.tf.build import Build, Collections, Field


def finalize(build: Build) -> Collections:
    model: Collections = {}
    for collection, obj in build.objects:
        model.setdefault(collection, {})[obj["id"]] = obj
    for vpc in list(model.get("vpcs", {}).values()):
        _vpc_defaults(build, model, vpc)
    for change in [*build.later, *build.last]:
        change(model)
    for table in model.get("route_tables", {}).values():
        table["routes"][:0] = local_routes(model, table)
    for subnet in model.get("subnets", {}).values():
        _subnet_defaults(build, model, subnet)
    for endpoint in model.get("vpc_endpoints", {}).values():
        if endpoint["type"] == "Interface" and endpoint["security_groups"] == []:
            endpoint["security_groups"] = [build.vpc_default(endpoint["vpc"], "security_group")]
    return model


def _vpc_defaults(build: Build, model: Collections, vpc: ModelObject) -> None:
    ident, source = vpc["id"], vpc["source"]
    managed = build.managed_defaults.get(ident, {})
    if "route_table" not in managed:
        table = f"{ident}/main-route-table"
        model.setdefault("route_tables", {})[table] = {
            "id": table,
            "name": table,
            "source": source,
            "vpc": ident,
            "routes": [],
        }
    if "nacl" not in managed:
        nacl = f"{ident}/default-nacl"
        entries = [allow_all_entry(100, egress, ALL_IPV4, None, source) for egress in (False, True)]
        if vpc["ipv6"] is True:
            # AWS numbers the IPv6 allow-all rule of a default network ACL 101.
            entries += [
                allow_all_entry(101, egress, None, ALL_IPV6, source) for egress in (False, True)
            ]
        model.setdefault("nacls", {})[nacl] = {
            "id": nacl,
            "name": nacl,
            "source": source,
            "vpc": ident,
            "is_default": True,
            "entries": entries,
        }
    if "security_group" not in managed:
        group = f"{ident}/default-sg"
        model.setdefault("security_groups", {})[group] = {
            "id": group,
            "name": group,
            "source": source,
            "vpc": ident,
            # The default group admits its own members and lets everything out.
            "ingress": [all_traffic_rule("security_group", group, source)],
            "egress": [all_traffic_rule("cidr", ALL_IPV4, source)],
        }


def _subnet_defaults(build: Build, model: Collections, subnet: ModelObject) -> None:
    vpc = model.get("vpcs", {}).get(subnet["vpc"]) if isinstance(subnet["vpc"], str) else None
    for field, noun in (("route_table", "route table"), ("nacl", "network ACL")):
        chosen = [
            (target, source)
            for subnet_id, target, source in build.associations.get(field, [])
            if subnet_id == subnet["id"]
        ]
        targets = {str(t) for t, _ in chosen}
        if len(targets) > 1:
            places = ", ".join(f"{s['file']}:{s['line']}" for _, s in chosen)
            subnet[field] = {
                "unknown": f"subnet {subnet['name']} has several {noun} associations ({places})",
                "ref": f"{noun} of subnet {subnet['id']}",
                "source": chosen[0][1],
            }
        elif chosen:
            subnet[field] = chosen[0][0]
        else:
            subnet[field] = _vpc_field(vpc, subnet["vpc"], field)
    _unknown_associations(build, subnet)


def _vpc_field(vpc: ModelObject | None, ident: Field, field: str) -> Field:
    """The VPC's main route table / default network ACL, for a subnet with no association."""
    if vpc is not None:
        return vpc["main_route_table" if field == "route_table" else "default_nacl"]
    if isinstance(ident, str):
        suffix = "main-route-table" if field == "route_table" else "default-nacl"
        return f"{ident}/{suffix}"
    return ident


def _unknown_associations(build: Build, subnet: ModelObject) -> None:
    """An association whose subnet is not settled might be this subnet's: the subnet's route
    table (or network ACL) is then not settled either, unless it has its own association."""
    for field in ("route_table", "nacl"):
        unsettled = [
            (subnet_id, source)
            for subnet_id, _, source in build.associations.get(field, [])
            if isinstance(subnet_id, dict)
        ]
        explicit = any(s == subnet["id"] for s, _, _ in build.associations.get(field, []))
        if unsettled and not explicit:
            subnet[field] = unsettled[0][0]
