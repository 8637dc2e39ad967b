"""The CloudFormation source: templates (YAML, JSON, CDK output) -> input-model objects.

The work is in `scanner.sources.cfn`: `run` makes the stacks (nesting, ids, imports), `stack`
and `intrinsics` evaluate values, `cursor` reads properties as model fields, `network`/`iam`/
`ecs` turn resources into model objects, and `finalize` joins resources that modify others and
makes AWS's defaults explicit.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any

from scanner.config import Ignore, NeedSpec, read_metadata
from scanner.errors import SourceError
from scanner.sources.base import (
    Annotation,
    BuildContext,
    Fragment,
    LoadedFile,
    UnsettledCondition,
)
from scanner.sources.cfn import ecs, iam, network, states
from scanner.sources.cfn.finalize import finalize
from scanner.sources.cfn.out import Out, Res
from scanner.sources.cfn.run import Run
from scanner.sources.cfn.stack import Stack
from scanner.sources.cfn.template import is_cloudformation
from scanner.sources.cfn.values import Unknown

__all__ = ["CloudFormationSource", "is_cloudformation"]

BUILDERS = {
    **network.BUILDERS,
    **iam.BUILDERS,
    **ecs.BUILDERS,
    "AWS::StepFunctions::StateMachine": states.state_machine,
}


class CloudFormationSource:
    kind = "cloudformation"

    def detect(self, data: Any) -> bool:
        return is_cloudformation(data)

    def build(self, files: list[LoadedFile], ctx: BuildContext) -> Fragment:
        run = Run(ctx)
        run.load(files)
        outs = [
            out for out in (_build_stack(run, stack) for stack in run.stacks) if out is not None
        ]
        run.report_unfollowed()
        collections, _ = finalize(outs)
        annotations = [a for out in outs for a in _annotations(run, out.stack)]
        unsettled = _unsettled(run)
        return Fragment(
            collections=collections,
            annotations=annotations,
            errors=run.errors,
            notices=run.notices,
            unsettled=unsettled,
        )


def _build_stack(run: Run, stack: Stack) -> Out | None:
    """The stack's objects, or None (with the error recorded) when its template is wrong."""
    out = Out(stack)
    try:
        if not run.built(stack):
            return None
        for logical, body in stack.tpl.resources.items():
            builder = BUILDERS.get(str(body["Type"]))
            if builder is not None and run.built(stack, logical):
                builder(Res(stack, logical), out)
    except SourceError as exc:
        run.error(exc)
        return None
    except RecursionError:
        run.error(SourceError(stack.rel, None, "the template nests values too deeply to read"))
        return None
    return out


def _unsettled(run: Run) -> list[UnsettledCondition]:
    """The conditions the build met unsettled, each with a notice of what it decides."""
    names = Counter(name for _, name, _ in run.unsettled.values())
    found = []
    for key, (stack, name, creates) in run.unsettled.items():
        holds = stack.condition(name, 1)
        assert isinstance(holds, Unknown)  # as Run.built found it
        where = stack.where(("Conditions", name))
        run.notice(
            f"{where.file}:{where.line}: condition {name} is not settled ({holds.why}); "
            f"{', '.join(creates)} {'is' if len(creates) == 1 else 'are'} analysed both created "
            "and not created: what differs is an FG801 note"
        )
        found.append(
            UnsettledCondition(
                key=key,
                ref=f"condition {name}" + (f" of {stack.qualifier}" if names[name] > 1 else ""),
                why=holds.why,
                settled_by=holds.ref,
                source=where.json(),
            )
        )
    return found


# Resources whose Metadata may declare needs: a service (its own), a task definition (for
# every service that runs it).
NEEDS_ON = ("AWS::ECS::Service", "AWS::ECS::TaskDefinition")
METADATA_KEY = "fargate-preflight"


def _annotations(run: Run, stack: Stack) -> list[Annotation]:
    """Each resource's `Metadata: {fargate-preflight: {needs, ignore}}`, checked."""
    out = []
    for logical, body in stack.tpl.resources.items():
        metadata = body.get("Metadata")
        if not isinstance(metadata, dict) or METADATA_KEY not in metadata:
            continue
        pointer = f"/Resources/{logical}/Metadata/{METADATA_KEY}"
        kind = str(body["Type"])
        try:
            needs, ignores = read_metadata(metadata[METADATA_KEY], stack.rel, pointer)
            if needs and kind not in NEEDS_ON:
                raise stack.tpl.error(
                    ("Resources", logical, "Metadata", METADATA_KEY, "needs"),
                    f"{METADATA_KEY} needs are read on {' and '.join(NEEDS_ON)} only, "
                    f"not on {kind}",
                )
        except SourceError as exc:
            run.error(exc)
            continue
        out.append(
            Annotation(
                object_id=stack.ids[logical],
                resource_type=kind,
                # A target that names a resource of this template is that resource.
                needs=tuple(_local_target(stack, n) for n in needs),
                ignores=tuple(
                    Ignore(
                        rule_id=i["id"],
                        reason=i["reason"],
                        kind="inSource",
                        file=stack.rel,
                        line=i["line"],
                        resources=(logical,),
                        expires=i["expires"],
                        scope_file=stack.rel,
                    )
                    for i in ignores
                ),
            )
        )
    return out


def _local_target(stack: Stack, need: NeedSpec) -> NeedSpec:
    if need.target is not None and need.target in stack.ids:
        return replace(need, target=stack.ids[need.target])
    return need
