"""Defaults every source makes explicit in the model the same way (docs/model.md).

What AWS fills in is the same whichever tool created the VPC: the allow-all entries of a default
network ACL, the all-traffic rules of a default security group, the `local` route of every route
table for each VPC block.
"""

from __future__ import annotations

from typing import Any

from scanner.sources.base import ModelObject

ALL_IPV4 = "0.0.0.0/0"
ALL_IPV6 = "::/0"
Collections = dict[str, dict[str, ModelObject]]


def allow_all_entry(
    number: int, egress: bool, cidr: str | None, ipv6: str | None, source: Any
) -> ModelObject:
    return {
        "rule_number": number,
        "egress": egress,
        "protocol": "-1",
        "action": "allow",
        "cidr": cidr,
        "ipv6_cidr": ipv6,
        "from_port": None,
        "to_port": None,
        "source": source,
    }


def sg_rule_fields(
    protocol: Any, from_port: Any, to_port: Any, field: str, peer: Any, source: Any
) -> ModelObject:
    """A security group rule of the model: one peer (`field` is cidr, ipv6_cidr,
    security_group or prefix_list), the others None."""
    rule: ModelObject = {
        "protocol": protocol,
        "from_port": from_port,
        "to_port": to_port,
        "cidr": None,
        "ipv6_cidr": None,
        "security_group": None,
        "prefix_list": None,
    }
    rule[field] = peer
    rule["source"] = source
    return rule


def all_traffic_rule(field: str, peer: str, source: Any) -> ModelObject:
    return sg_rule_fields("-1", None, None, field, peer, source)


def local_routes(model: Collections, table: ModelObject) -> list[ModelObject]:
    vpc = table["vpc"]
    found = model.get("vpcs", {}).get(vpc) if isinstance(vpc, str) else None
    if found is not None:
        blocks = found["cidr_blocks"]
        destinations = blocks if isinstance(blocks, list) else [blocks]
    elif isinstance(vpc, str):
        destinations = [missing_vpc(vpc, table["source"])]
    else:
        destinations = [vpc]  # the VPC is an unknown: so are its blocks
    return [
        {
            "destination": destination,
            "destination_ipv6": None,
            "destination_prefix_list": None,
            "target_type": "local",
            "target": "local",
            "state": "active",
            "source": table["source"],
        }
        for destination in destinations
    ]


def missing_vpc(vpc: str, source: Any) -> dict[str, Any]:
    # The same wording and ref as the policies' lookup of a missing VPC (lib/model.rego).
    return {
        "unknown": f"VPC {vpc} is not in the scanned inputs",
        "ref": f"VPC {vpc}",
        "source": source,
    }


def dhcp_fix(options: str) -> str:
    """The FG801 fix for a DHCP option set that the inputs do not hold."""
    return (
        f"Scan the template or plan that defines DHCP option set {options} too, or check by hand "
        "that it gives AmazonProvidedDNS as its only DNS server (or servers that forward the "
        "tasks' queries to the Route 53 Resolver)."
    )
