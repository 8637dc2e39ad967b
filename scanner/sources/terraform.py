"""The Terraform source: `terraform show -json` plans -> input-model objects.

Model ids are resource addresses (`aws_subnet.private["us-east-1a"]`,
`module.vpc.aws_subnet.private[0]`), and `name` is the address too. Sources point at the
resource's block in the `.tf` files beside the plan (or under `--tf-dir`), modules included;
without them, at the resource in the plan, with a notice. The work is in `scanner.sources.tf`
(`tf/source.py` builds the model).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from scanner.sources.base import BuildContext, Fragment, LoadedFile

# What to run instead (README.md "Terraform"): a hint for the inputs that are not a plan.
PLAN_RECIPE = (
    "run `terraform plan -out tfplan && terraform show -json tfplan > plan.json` and scan plan.json"
)


def is_plan(data: Any) -> bool:
    """`terraform show -json` of a saved plan (format 1.x)."""
    return (
        isinstance(data, dict)
        and isinstance(data.get("format_version"), str)
        and str(data["format_version"]).startswith("1.")
        and isinstance(data.get("planned_values"), dict)
    )


def is_configuration(path: Path) -> bool:
    """A Terraform configuration file (`main.tf`, `main.tf.json`), which this tool reads only
    beside a plan."""
    name = path.name.lower()
    return name.endswith((".tf", ".tf.json"))


def is_state(data: Any) -> bool:
    """`terraform show -json` of a state (no saved plan given): its `values`, and no
    `planned_values` or `resource_changes`."""
    return (
        isinstance(data, dict)
        and isinstance(data.get("format_version"), str)
        and isinstance(data.get("values"), dict)
        and "planned_values" not in data
        and "resource_changes" not in data
    )


def is_plan_log(text: str) -> bool:
    """The output of `terraform plan -json` (or `apply -json`): JSON lines of Terraform's
    machine-readable UI, the first of them `{"@message": ..., "type": "version", ...}`."""
    first = _FIRST_LINE.match(text)
    if first is None or '"@message"' not in first.group(1):
        return False
    try:
        data = json.loads(first.group(1))
    except ValueError:
        return False
    return isinstance(data, dict) and "@message" in data and data.get("type") == "version"


# The first line of a text that starts with a JSON object (a BOM and blank lines before it)
_FIRST_LINE = re.compile(r"\ufeff?\s*(\{[^\n]*)")


def not_a_plan(path: Path, text: str, data: Any) -> str | None:
    """What a Terraform file that is not a plan is, and what to run instead; None for any
    other file. `data` is the parsed document (None when it did not parse)."""
    what = None
    if is_configuration(path):
        what = "a Terraform configuration"
    elif is_state(data):
        what = "the JSON of a Terraform state (`terraform show -json` without a plan file)"
    elif is_plan_log(text):
        what = "the log of `terraform plan -json`"
    return f"{what}, not a plan: {PLAN_RECIPE}" if what else None


class TerraformSource:
    kind = "terraform"

    def detect(self, data: Any) -> bool:
        return is_plan(data)

    def build(self, files: list[LoadedFile], ctx: BuildContext) -> Fragment:
        # The builders cost a scan without plans 60 ms to import: only when there are plans.
        from scanner.sources.tf.source import build_plans

        return build_plans(files, ctx)
