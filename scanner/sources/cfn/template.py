"""A parsed CloudFormation template with its sections checked for shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.errors import SourceError
from scanner.sources.cfn.values import Where
from scanner.sources.lines import line_at, line_of

# Resource types that are another template (nested stacks) and the property naming it.
NESTED_STACK_TYPES = {
    "AWS::CloudFormation::Stack": "TemplateURL",
    "AWS::Serverless::Application": "Location",
}
# AWS::LanguageExtensions loops: keys of Resources that are not resources.
_FOR_EACH = "Fn::ForEach::"


def is_cloudformation(data: Any) -> bool:
    """A CloudFormation template: a `Resources` map or an `AWSTemplateFormatVersion`."""
    return isinstance(data, dict) and (
        isinstance(data.get("Resources"), dict) or "AWSTemplateFormatVersion" in data
    )


@dataclass
class Template:
    rel: str
    path: Path  # absolute
    data: dict[str, Any]
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)
    conditions: dict[str, Any] = field(default_factory=dict)
    mappings: dict[str, Any] = field(default_factory=dict)
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    # What may add resources this reader does not see (a transform, Fn::ForEach loops), if any:
    # a reference to a name the template does not have is then unsettled, not an error.
    unexpanded: str | None = None
    loops: bool = False

    @classmethod
    def read(cls, rel: str, path: Path, data: Any) -> Template:
        """Check the sections' shapes; SourceError for a template CloudFormation would reject."""
        if not isinstance(data, dict):
            raise SourceError(rel, line_of(data) or 1, "a CloudFormation template must be a map")
        tpl = cls(rel=rel, path=path, data=data)
        tpl.parameters = tpl._section("Parameters", entries_are_maps=True)
        tpl.conditions = tpl._without_loops("Conditions", "conditions it makes are not read")
        tpl.mappings = tpl._section("Mappings", entries_are_maps=True)
        tpl.resources = tpl._resources()
        tpl.outputs = tpl._without_loops("Outputs", "outputs it makes are not read")
        tpl.unexpanded = tpl._unexpanded()
        return tpl

    def where(self, parts: tuple[Any, ...], line: int | None = None) -> Where:
        return Where(self.rel, line or self.line_at(parts), parts)

    def line_at(self, parts: tuple[Any, ...]) -> int:
        """The line of the deepest key of `parts` that the file has."""
        return line_at(self.data, parts)

    def error(self, parts: tuple[Any, ...], message: str) -> SourceError:
        return SourceError(self.rel, self.line_at(parts), message)

    def resource_type(self, logical: str) -> str:
        return str(self.resources[logical]["Type"])

    def _section(self, name: str, *, entries_are_maps: bool) -> dict[str, Any]:
        section = self.data.get(name)
        if section is None:
            return {}
        if not isinstance(section, dict):
            raise self.error((name,), f"{name} must be a map")
        if entries_are_maps:
            for key, entry in section.items():
                if not isinstance(entry, dict):
                    raise self.error((name, key), f"{name}.{key} must be a map")
        return dict(section)

    def _without_loops(self, name: str, left_out: str) -> dict[str, Any]:
        """A section's entries, without the Fn::ForEach loops (with a notice for each)."""
        entries = {}
        for key, entry in self._section(name, entries_are_maps=False).items():
            if isinstance(key, str) and key.startswith(_FOR_EACH):
                self.notices.append(
                    f"{self.rel}:{self.line_at((name, key))}: {key} (AWS::LanguageExtensions) is "
                    f"not expanded; the {left_out}"
                )
                self.loops = True
            elif name == "Outputs" and not isinstance(entry, dict):
                raise self.error((name, key), f"{name}.{key} must be a map")
            else:
                entries[key] = entry
        return entries

    def _unexpanded(self) -> str | None:
        declared = self.data.get("Transform")
        names = declared if isinstance(declared, list) else [declared]
        transforms = [n for n in names if isinstance(n, str) and n != "AWS::LanguageExtensions"]
        if transforms:
            return f"its transform {', '.join(transforms)}"
        if self.loops:
            return "its Fn::ForEach loops"
        return None

    def _resources(self) -> dict[str, dict[str, Any]]:
        resources: dict[str, dict[str, Any]] = {}
        entries = self._without_loops("Resources", "resources it makes are not analysed")
        for logical, body in entries.items():
            parts = ("Resources", logical)
            if not isinstance(body, dict):
                raise self.error(parts, f"resource {logical} must be a map")
            kind = body.get("Type")
            if not isinstance(kind, str):
                raise self.error(parts, f"resource {logical} needs a Type (a string)")
            properties = body.get("Properties")
            if properties is not None and not isinstance(properties, dict):
                raise self.error((*parts, "Properties"), f"{logical}.Properties must be a map")
            condition = body.get("Condition")
            if condition is not None and not isinstance(condition, str):
                raise self.error((*parts, "Condition"), f"{logical}.Condition must be a name")
            resources[str(logical)] = body
            if _batch_on_fargate(kind, properties or {}):
                self.notices.append(
                    f"{self.rel}:{self.line_at(parts)}: {logical} ({kind}) runs AWS Batch jobs on "
                    "Fargate, which are not analysed yet"
                )
        return resources


def _batch_on_fargate(kind: str, properties: dict[str, Any]) -> bool:
    """An AWS Batch job definition or compute environment for Fargate, as written."""
    if kind == "AWS::Batch::JobDefinition":
        return "FARGATE" in (properties.get("PlatformCapabilities") or [])
    if kind == "AWS::Batch::ComputeEnvironment":
        resources = properties.get("ComputeResources")
        return isinstance(resources, dict) and resources.get("Type") in ("FARGATE", "FARGATE_SPOT")
    return False
