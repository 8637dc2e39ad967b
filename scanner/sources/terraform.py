"""The Terraform source: `terraform show -json` plans -> input-model objects.

Model ids are resource addresses (`aws_subnet.private["us-east-1a"]`,
`module.vpc.aws_subnet.private[0]`), and `name` is the address too. Sources point at the
resource's block in the `.tf` files beside the plan (or under `--tf-dir`), modules included;
without them, at the resource in the plan, with a notice. The work is in `scanner.sources.tf`
(`tf/source.py` builds the model).
"""

from __future__ import annotations

from typing import Any

from scanner.sources.base import BuildContext, Fragment, LoadedFile


def is_plan(data: Any) -> bool:
    """`terraform show -json` of a saved plan (format 1.x)."""
    return (
        isinstance(data, dict)
        and isinstance(data.get("format_version"), str)
        and str(data["format_version"]).startswith("1.")
        and isinstance(data.get("planned_values"), dict)
    )


class TerraformSource:
    kind = "terraform"

    def detect(self, data: Any) -> bool:
        return is_plan(data)

    def build(self, files: list[LoadedFile], ctx: BuildContext) -> Fragment:
        # The builders cost a scan without plans 60 ms to import: only when there are plans.
        from scanner.sources.tf.source import build_plans

        return build_plans(files, ctx)
