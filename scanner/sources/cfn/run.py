"""All the stacks of one scan: nesting, model ids, and the links between templates.

The scanned templates become stacks: each one on its own, except a template that another scanned
template nests (`AWS::CloudFormation::Stack` `TemplateURL`, SAM `AWS::Serverless::Application`
`Location`, given as a local relative path), which becomes a stack of its parent with the
parameters the parent passes. `Fn::ImportValue` is joined with the `Outputs.*.Export.Name` of the
other stacks.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

from scanner.errors import SourceError
from scanner.sources import yamlload
from scanner.sources.base import BuildContext, LoadedFile, parameter_flags
from scanner.sources.cfn.stack import Stack
from scanner.sources.cfn.template import NESTED_STACK_TYPES, Template, is_cloudformation
from scanner.sources.cfn.values import Composite, ResRef, Unknown, Value, Where, part_text
from scanner.sources.discover import relative_name
from scanner.sources.limits import json_text
from scanner.sources.lines import key_line

# A stack name: letters, digits and hyphens, starting with a letter (CloudFormation's rule).
_STACK_NAME = "[A-Za-z][-A-Za-z0-9]*"
_MAX_NESTING = 20


@dataclass(frozen=True)
class Export:
    stack: Stack
    output: str
    name: str  # as written, with `${AWS::StackName}` where the stack name is open
    pattern: re.Pattern[str]
    exact: bool  # the name is fully known
    where: Where


class Run:
    def __init__(self, ctx: BuildContext) -> None:
        self.ctx = ctx
        self.errors: list[SourceError] = []
        self.notices: list[str] = []
        self._unfollowed: list[tuple[Stack, str, str]] = []  # stack, nested stack, where
        self.stacks: list[Stack] = []
        self._error_keys: set[tuple[str, int | None, str]] = set()
        self._notice_set: set[str] = set()
        self._active: list[tuple[Any, Where]] = []
        self._exports: list[Export] | None = None
        self._templates: dict[Path, Template | None] = {}
        self._param_counts: Counter[str] | None = None
        self._assemblies: dict[Path, dict[Path, str]] = {}  # directory -> CDK stack names
        # The conditions `built` met unsettled: key -> (stack, condition, what it creates)
        self.unsettled: dict[str, tuple[Stack, str, list[str]]] = {}

    # --- problems -------------------------------------------------------------------------

    def error(self, error: SourceError) -> None:
        key = (error.file, error.line, error.message)
        if key not in self._error_keys:
            self._error_keys.add(key)
            self.errors.append(error)

    def notice(self, text: str) -> None:
        if text not in self._notice_set:
            self._notice_set.add(text)
            self.notices.append(text)

    @contextmanager
    def guard(self, key: Any, where: Where) -> Iterator[None]:
        """Evaluate one named value; evaluating it again while it is being evaluated is a cycle."""
        if any(active == key for active, _ in self._active):
            chain = [w for k, w in self._active[[k for k, _ in self._active].index(key) :]]
            path = " -> ".join(f"{w.file}{w.pointer}" for w in [*chain, where])
            raise SourceError(where.file, where.line, f"circular reference: {path}")
        self._active.append((key, where))
        try:
            yield
        finally:
            self._active.pop()

    def unknown_account(self, where: Where) -> Unknown:
        return Unknown(
            "the AWS account id is not known offline",
            "AWS::AccountId",
            where,
            label="AWS::AccountId",
        )

    def unknown_region(self, where: Where) -> Unknown:
        return Unknown(
            "the deploy region is not settled: pass --region or set AWS_REGION",
            "AWS::Region",
            where,
            label="AWS::Region",
        )

    # --- stacks ---------------------------------------------------------------------------

    def load(self, files: list[LoadedFile]) -> None:
        """Make the stacks: scanned templates on their own, nested templates under their parent."""
        templates: list[Template] = []
        for loaded in files:
            template = self._read(loaded.rel, loaded.path, loaded.data)
            if template is not None:
                templates.append(template)
        nested = {child for t in templates for child in self._nested_paths(t)}
        roots = [t for t in templates if _real(t.path) not in nested]
        for template in roots:
            self._add_stack(template, template.rel, None, None, None, ())
        built = {_real(s.tpl.path) for s in self.stacks}
        for template in templates:
            if _real(template.path) not in built:
                self.error(
                    SourceError(
                        template.rel,
                        1,
                        "nested stacks form a cycle: this template (indirectly) nests itself",
                    )
                )
        self._assign_ids()
        self._unused_parameters({f.rel for f in files})
        self._unused_stack_names({f.rel for f in files})

    def _unused_parameters(self, scanned: set[str]) -> None:
        """A parameter value that no template declares is most likely a typo. Only a flag is
        said to match nothing scanned: the configuration file serves every partial scan too."""
        declared = {(s.rel, p) for s in self.stacks for p in s.tpl.parameters}
        files = scanned | {s.rel for s in self.stacks}
        for file, name in self.ctx.parameters:
            flag = (file, name) in self.ctx.parameter_flags
            shown = f"{file}:{name}" if file else name
            where = f"--parameter {shown}" if flag else f"parameter {shown} of the configuration"
            if file in files and (file, name) not in declared:
                why = f"{file} has no parameter {name}"
            elif file is None and flag and all(p != name for _, p in declared):
                why = f"no scanned template has a parameter {name}"
            elif file is not None and flag and file not in files:
                why = f"{file} is not a scanned template"
            else:
                continue
            self.notice(f"{where}: {why}; the value is not used")

    def _unused_stack_names(self, scanned: set[str]) -> None:
        """A --stack-name FILE that is no scanned template (a typo, or a path given from another
        directory) names nothing."""
        files = scanned | {s.rel for s in self.stacks}
        for file in sorted(set(self.ctx.stack_names) - files):
            self.notice(
                f"--stack-name {file}: {file} is not a scanned template; the name is not used"
            )

    def _read(self, rel: str, path: Path, data: Any) -> Template | None:
        real = _real(path)
        if real not in self._templates:
            self._templates[real] = self._checked(rel, path, data)
        return self._templates[real]

    def _checked(self, rel: str, path: Path, data: Any) -> Template | None:
        try:
            template = Template.read(rel, path, data)
        except SourceError as exc:
            self.error(exc)
            return None
        for text in template.notices:
            self.notice(text)
        return template

    def _nested_paths(self, template: Template) -> Iterator[Path]:
        for logical in template.resources:
            location = self._nested_location(template, logical)
            if isinstance(location, Path):
                yield _real(location)

    def _nested_location(self, template: Template, logical: str) -> Path | tuple[str, str] | None:
        """The local template file a nested-stack resource names; else, for a nested stack,
        (where, why it is not followed); None for other resources."""
        body = template.resources[logical]
        prop = NESTED_STACK_TYPES.get(str(body["Type"]))
        if prop is None:
            return None
        location = (body.get("Properties") or {}).get(prop)
        parts = ("Resources", logical, "Properties", prop)
        where = f"{template.rel}:{template.line_at(parts)}"
        metadata = body.get("Metadata")
        asset = metadata.get("aws:asset:path") if isinstance(metadata, dict) else None
        if _local(asset) and not _local(location):
            location = asset  # CDK: the nested template beside its parent in the cloud assembly
        if not _local(location):
            why = (
                f"its {prop} is computed ({next(iter(location))}), which is not followed: "
                "write the local path as text, or scan its template on its own"
                if isinstance(location, dict) and len(location) == 1
                else f"its {prop} is not a local relative path (URLs are never fetched)"
            )
            return where, why
        path = Path(os.path.normpath(template.path.parent / location))
        root = _real(self.ctx.root)
        real = _real(path)
        if not any(real.is_relative_to(r) for r in (root, *self.ctx.named_roots)):
            return where, f"{location} {_OUTSIDE} {root}"
        return path

    def report_unfollowed(self) -> None:
        """Say why each nested stack that is not followed is not, unless the parameters settle
        that it is never created (asked once the stacks are built, as conditions need)."""
        for stack, logical, where in self._unfollowed:
            if not _never_created(stack, logical):
                self.notice(f"{where}: {stack.unfollowed[logical]}")

    def _add_stack(
        self,
        template: Template,
        qualifier: str,
        parent: Stack | None,
        logical: str | None,
        passed: dict[str, Any] | None,
        ancestors: tuple[Path, ...],
    ) -> Stack:
        stack = Stack(self, template, qualifier, parent, logical, passed)
        self.stacks.append(stack)
        lineage = (*ancestors, _real(template.path))
        for child_logical in template.resources:
            child_path = self._nested_location(template, child_logical)
            if child_path is None:
                continue
            if not isinstance(child_path, Path):
                where, why = child_path
                stack.unfollowed[child_logical] = (
                    f"nested stack {child_logical} is not analysed: {why}"
                )
                self._unfollowed.append((stack, child_logical, where))
                continue
            parts = ("Resources", child_logical)
            if _real(child_path) in lineage or len(lineage) > _MAX_NESTING:
                self.error(
                    template.error(
                        parts, f"nested stack {child_logical} makes a cycle of nested templates"
                    )
                )
                stack.unfollowed[child_logical] = (
                    f"nested stack {child_logical} makes a cycle of nested templates"
                )
                continue
            child = self._nested_template(template, child_logical, child_path)
            if child is None:
                stack.unfollowed[child_logical] = (
                    f"nested stack {child_logical} is not analysed: its template "
                    f"{relative_name(child_path, self.ctx.root)} is missing or could not be read"
                )
                continue
            stack.children[child_logical] = self._add_stack(
                child, child.rel, stack, child_logical, _passed(stack, child_logical), lineage
            )
        return stack

    def _nested_template(self, parent: Template, logical: str, path: Path) -> Template | None:
        real = _real(path)
        if real in self._templates:
            return self._templates[real]
        rel = relative_name(path, self.ctx.root)
        parts = ("Resources", logical)
        if not path.is_file():
            prop = NESTED_STACK_TYPES[parent.resource_type(logical)]
            line = parent.line_at((*parts, "Properties", prop))
            self.notice(
                f"{parent.rel}:{line}: nested stack {logical} is not analysed: its template {rel} "
                "is not there"
            )
            return None
        from scanner.sources.discover import read_text

        try:
            text = read_text(path, rel, self.ctx.max_file_bytes)
            data = yamlload.parse(text, rel)
        except SourceError as exc:
            self.error(exc)
            self._templates[real] = None
            return None
        if not is_cloudformation(data):
            self.error(
                parent.error(
                    parts, f"nested stack {logical}: {rel} is not a CloudFormation template"
                )
            )
            self._templates[real] = None
            return None
        return self._read(rel, path, data)

    def _assign_ids(self) -> None:
        """Logical ID when unique in the run; else `<qualifier>#<LogicalId>`."""
        counts = Counter(logical for s in self.stacks for logical in s.tpl.resources)
        instances = Counter(_real(s.tpl.path) for s in self.stacks)
        for stack in self.stacks:  # parents come before their children
            # One stack per file: the file names it; else its place in the nesting does.
            if instances[_real(stack.tpl.path)] > 1 and stack.parent is not None:
                stack.qualifier = f"{stack.rel}@{stack.parent.qualifier}#{stack.parent_logical}"
            else:
                stack.qualifier = stack.rel
            for logical in stack.tpl.resources:
                stack.ids[logical] = (
                    logical if counts[logical] == 1 else f"{stack.qualifier}#{logical}"
                )

    def built(self, stack: Stack, logical: str | None = None) -> bool:
        """Whether a resource of `stack` (without `logical`: the stack itself, through the stack
        resources above it) is built into the model: it is created, or it is created when a
        condition holds that the inputs do not settle and this build does not take as false
        (BuildContext.absent)."""
        if logical is None:
            parent = stack.parent
            if parent is None or stack.parent_logical is None:
                return True
            return self.built(parent) and self.built(parent, stack.parent_logical)
        created = stack.exists(logical)
        if not isinstance(created, Unknown):
            return created
        name = str(stack.tpl.resources[logical]["Condition"])
        key = f"{stack.qualifier}#{name}"
        _, _, creates = self.unsettled.setdefault(key, (stack, name, []))
        if logical not in creates:
            creates.append(logical)
        return key not in self.ctx.absent

    def exists(self, stack: Stack) -> Value:
        """Whether a stack is created: its parents' stack resources and their conditions."""
        if stack.parent is None or stack.parent_logical is None:
            return True
        above = self.exists(stack.parent)
        if above is not True:
            return above
        return stack.parent.exists(stack.parent_logical)

    # --- values across stacks -------------------------------------------------------------

    def override(self, stack: Stack, name: str) -> str | None:
        given = self.ctx.parameters
        return given.get((stack.rel, name), given.get((None, name)))

    def parameter_ref(self, stack: Stack, name: str) -> str:
        """`Parameter <Name>`, qualified by the stack when another stack has one of that name."""
        if self._param_counts is None:
            self._param_counts = Counter(p for s in self.stacks for p in s.tpl.parameters)
        if self._param_counts[name] > 1:
            return f"Parameter {name} of {stack.qualifier}"
        return f"Parameter {name}"

    def nested_output(self, stack: Stack, logical: str, output: str, where: Where) -> Value:
        child = stack.children.get(logical)
        if child is None:
            why = stack.unfollowed.get(
                logical, f"the template of nested stack {logical} is not in the scanned inputs"
            )
            fix = _ROOT_FIX if _OUTSIDE in why else None
            return Unknown(why, f"{stack.ids[logical]}.Outputs.{output}", where, fix=fix)
        ref = f"{stack.ids[logical]}.Outputs.{output}"
        return self.across(lambda: child.output(output, where), where, ref)

    def across(self, compute: Callable[[], Value], where: Where, ref: str) -> Value:
        """A value from another template: an error there is reported for that template and
        leaves an unknown here, so this template still builds."""
        try:
            return compute()
        except SourceError as exc:
            self.error(exc)
            return Unknown(f"{ref} could not be read ({exc})", ref, where)

    def import_value(self, name: str | Composite | Unknown | ResRef, where: Where) -> Value:
        if not isinstance(name, str):
            shown = name.text() if isinstance(name, Composite | Unknown) else part_text(name)
            reason = name.why if isinstance(name, Unknown) else _first_reason(name)
            parts = name.parts if isinstance(name, Composite) else (name,)
            flags = parameter_flags(dict.fromkeys(p.ref for p in parts if isinstance(p, Unknown)))
            values = "values" if flags and " and " in flags else "value"
            return Unknown(
                f"the name this Fn::ImportValue imports is not settled: {reason}",
                f"Fn::ImportValue {shown}",
                where,
                fix=f"Pass {flags}, the {values} the stack deploys with, and scan the template "
                "that exports the name too, so these checks can run."
                if flags
                else None,
            )
        ref = f"Fn::ImportValue {name}"
        exact = [e for e in self.exports() if e.exact and e.name == name]
        candidates = exact or [
            e for e in self.exports() if not e.exact and e.pattern.fullmatch(name)
        ]
        if not candidates:
            return Unknown(
                f"no scanned template exports {name}",
                ref,
                where,
                fix=f"Scan the template that exports {name} too, so these checks can run.",
            )
        files = ", ".join(sorted({f"{e.where.file}:{e.where.line}" for e in candidates}))
        if len(candidates) > 1 and exact:
            # Export names are unique in an account and region: two templates exporting the
            # same literal name deploy to different ones (two environments), and no flag of
            # this run can say which one the importing stack sits beside.
            return Unknown(
                f"{len(candidates)} scanned templates export {name} ({files}), so they deploy "
                "to different accounts or regions",
                ref,
                where,
                fix="Scan each environment's templates in a run of their own, so each "
                "Fn::ImportValue finds one export.",
            )
        if len(candidates) > 1:
            return Unknown(
                f"{len(candidates)} scanned exports match {name} ({files}); pass --stack-name to "
                "choose",
                ref,
                where,
                fix="Pass --stack-name FILE=NAME for the templates whose export names depend "
                f"on their stack name, so one export is {name}.",
            )
        export = candidates[0]
        if not export.exact:
            self.notice(
                f"{where.file}:{where.line}: Fn::ImportValue {name} linked to the export "
                f"{export.name} of {export.where.file}:{export.where.line}, the only scanned "
                "export that matches when its stack name is left open (pass --stack-name to say so)"
            )
        return self.across(lambda: export.stack.output(export.output, export.where), where, ref)

    def stack_output(
        self, name: str | Composite | Unknown | ResRef, output: Any, where: Where
    ) -> Value:
        """Fn::GetStackOutput: the output of the scanned top-level stack of that name."""
        shown = name.text() if isinstance(name, Composite | Unknown) else part_text(name)
        ref = f"Fn::GetStackOutput {shown}.{output if isinstance(output, str) else '?'}"
        if not isinstance(name, str) or not isinstance(output, str):
            return Unknown(
                "the stack or output this Fn::GetStackOutput names is not settled", ref, where
            )
        found = [s for s in self.stacks if s.parent is None and self.stack_name_of(s) == name]
        if len(found) != 1:
            why = (
                f"no scanned template is stack {name} (a CDK cloud assembly names its stacks; "
                f"else pass --stack-name FILE={name})"
                if not found
                else f"{len(found)} scanned templates are stack {name}"
            )
            return Unknown(why, ref, where)
        return self.across(lambda: found[0].output(output, where), where, ref)

    def stack_name_of(self, stack: Stack) -> str | None:
        """A top-level stack's name: --stack-name, else the CDK cloud assembly's manifest.json
        beside its template."""
        given = self.ctx.stack_names.get(stack.rel)
        if given is not None or stack.parent is not None:
            return given
        directory = stack.tpl.path.parent
        if directory not in self._assemblies:
            self._assemblies[directory] = _assembly_names(directory)
        return self._assemblies[directory].get(_real(stack.tpl.path))

    def exports(self) -> list[Export]:
        if self._exports is None:
            self._exports = []
            for stack in self.stacks:
                if self.exists(stack) is False:
                    continue
                for output in stack.tpl.outputs:
                    export = self._export(stack, output)
                    if export is not None:
                        self._exports.append(export)
        return self._exports

    def _export(self, stack: Stack, output: str) -> Export | None:
        body = stack.tpl.outputs[output]
        export = body.get("Export")
        if not isinstance(export, dict) or "Name" not in export:
            return None
        parts = ("Outputs", output, "Export", "Name")
        where = stack.where(parts)
        try:
            if "Condition" in body and stack.condition(body["Condition"], where.line) is False:
                return None
            with self.guard(("export", id(stack), output), where):
                value = stack.resolve(export["Name"], parts, key_line(export, "Name") or where.line)
        except SourceError as exc:
            self.error(exc)
            return None
        return _export_pattern(stack, output, value, where)


def _local(location: Any) -> TypeGuard[str]:
    """A relative path (not a URL, not absolute)."""
    return (
        isinstance(location, str) and "://" not in location and not location.startswith(("/", "\\"))
    )


def _assembly_names(directory: Path) -> dict[Path, str]:
    """The stack names of a CDK cloud assembly (its manifest.json): template file -> name (the
    artifact's `stackName`, else its id). Empty when there is no readable manifest."""
    try:
        manifest = json_text((directory / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return {}
    artifacts = manifest.get("artifacts") if isinstance(manifest, dict) else None
    names: dict[Path, str] = {}
    for artifact_id, artifact in (artifacts if isinstance(artifacts, dict) else {}).items():
        if not isinstance(artifact, dict) or artifact.get("type") != "aws:cloudformation:stack":
            continue
        properties = artifact.get("properties")
        properties = properties if isinstance(properties, dict) else {}
        template, name = properties.get("templateFile"), properties.get("stackName", artifact_id)
        if isinstance(template, str) and isinstance(name, str):
            names[_real(directory / template)] = name
    return names


def _export_pattern(stack: Stack, output: str, value: Value, where: Where) -> Export | None:
    if isinstance(value, str):
        return Export(stack, output, value, re.compile(re.escape(value)), True, where)
    if not isinstance(value, Composite):
        return None
    pattern = ""
    for part in value.parts:
        if isinstance(part, str):
            pattern += re.escape(part)
        elif isinstance(part, Unknown) and part.stack_name_of is not None:
            # The same stack name wherever it appears in the name.
            pattern += "(?P=stack)" if "(?P<stack>" in pattern else f"(?P<stack>{_STACK_NAME})"
        else:
            return None  # some other unsettled part: this export cannot be matched
    return Export(stack, output, value.text(), re.compile(pattern), False, where)


def _passed(parent: Stack, logical: str) -> dict[str, Any]:
    """The parameters a parent passes to a nested stack, computed in the parent on first use."""
    body = parent.tpl.resources[logical]
    given = (body.get("Properties") or {}).get("Parameters")
    parts = ("Resources", logical, "Properties", "Parameters")
    if not isinstance(given, dict):
        return {}
    run = parent.run

    def passed(name: Any) -> Any:
        where = parent.where((*parts, name))

        def compute() -> Value:
            return parent.resolve(given[name], (*parts, name), where.line)

        return lambda: run.across(compute, where, f"Parameter {name} of {parent.ids[logical]}")

    return {str(name): passed(name) for name in given}


def _first_reason(value: Any) -> str:
    if isinstance(value, Composite):
        unknown = value.first_unknown()
        if unknown is not None:
            return unknown.why
    return "it contains a value that is only known after deployment"


_OUTSIDE = "is outside the scanned root"
_ROOT_FIX = (
    "Scan from a directory that holds both templates (the scanned root is the git work tree of "
    "the current directory, else the current directory)."
)


def _never_created(stack: Stack, logical: str) -> bool:
    """Whether the parameters settle a resource's Condition false (an error in the condition is
    reported where the resource is built)."""
    try:
        return stack.exists(logical) is False
    except SourceError:
        return False


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))
