"""Names and locations of live objects: the ARN is the name a finding prints, and
`aws://ACCOUNT/REGION/<service>/<resource>` (line 1) is its stable location (docs/output.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Scope:
    """One account in one region (partition from the caller identity)."""

    account: str
    region: str
    partition: str = "aws"

    def arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        region = self.region if regional else ""
        return f"arn:{self.partition}:{service}:{region}:{self.account}:{resource}"

    def ec2_arn(self, resource: str) -> str:
        return self.arn("ec2", resource)


def location(arn: str) -> str:
    """`arn:aws:ecs:eu-west-1:123:service/c/web` -> `aws://123/eu-west-1/ecs/service/c/web`."""
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return f"aws://unknown/global/{arn}"
    _, _, service, region, account, resource = parts
    return f"aws://{account or 'aws'}/{region or 'global'}/{service}/{resource}"


def source(arn: str, pointer: str = "") -> dict[str, Any]:
    return {"file": location(arn), "line": 1, "pointer": pointer}


def named(ident: str, name: str, **fields: Any) -> dict[str, Any]:
    """A model object: its AWS id, its ARN `name` (what findings print), its pseudo-path."""
    return {"id": ident, "name": name, "source": source(name), **fields}
