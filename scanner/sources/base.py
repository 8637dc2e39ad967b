"""What every source shares: the files it is given, the context of the run, what it returns."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from scanner.errors import SourceError

if TYPE_CHECKING:
    from scanner.config import Ignore, NeedSpec
# The default of --max-file-size: CDK's biggest synthesized templates are a few MB, and
# CloudFormation itself takes at most 1 MB (from S3); a bigger file is generated or hostile.
MAX_FILE_MB = 20
MAX_FILE_BYTES = MAX_FILE_MB * 1024 * 1024

# An object of the input model (docs/model.md): plain JSON values only.
ModelObject = dict[str, Any]
# The kind of the ECS JSON source (task definitions, services, run-task files).
ECS_KIND = "ecs"
# The prefix of the only log options the model keeps (the policies read awslogs' options; another
# driver's may hold a token: splunk-token, a FireLens output's apikey).
AWSLOGS_OPTION = "awslogs-"


@dataclass(frozen=True)
class LoadedFile:
    """One parsed input file that a source recognised."""

    path: Path  # absolute
    rel: str  # relative to the scanned root, "/" separators
    kind: str  # "cloudformation" | "ecs" | "terraform"
    data: Any  # parsed document; nodes carry line numbers (scanner.sources.yamlload)
    text: str
    named: bool  # named on the command line, not found by walking a directory


@dataclass(frozen=True)
class BuildContext:
    root: Path
    # the directories named on the command line and the folders of the files named there (real
    # paths): a nested template under one of them is read even outside `root` (a cdk.out
    # synthesized outside the checkout); any other outside `root` is not
    named_roots: tuple[Path, ...] = ()
    region: str | None = None
    # --parameter [FILE:]K=V: (file relative to root, or None for every file, key) -> value
    parameters: dict[tuple[str | None, str], str] = field(default_factory=dict)
    # the keys of `parameters` given as --parameter flags (the rest come from the config file)
    parameter_flags: frozenset[tuple[str | None, str]] = frozenset()
    # --stack-name FILE=NAME: file relative to root -> stack name
    stack_names: dict[str, str] = field(default_factory=dict)
    # --tf-dir DIR: the Terraform configuration of the plans (default: each plan's folder)
    tf_dir: Path | None = None
    # --max-file-size: files (nested templates, .tf files) bigger than this are not read
    max_file_bytes: int = MAX_FILE_BYTES
    # The unsettled conditions (UnsettledCondition.key) this build takes as false: what they
    # create is left out. Every other unsettled condition holds (scanner.worlds).
    absent: frozenset[str] = frozenset()
    # collection -> the ids and names of the objects the sources built before this one made:
    # a source that names objects by what its files call them (ECS JSON: a family or service
    # name) qualifies one of these by its file, so ids stay unique in the model
    taken: dict[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class UnsettledCondition:
    """A condition the inputs do not settle, on which a resource or a nested stack depends."""

    key: str  # names it in BuildContext.absent
    ref: str  # what FG801 names it by: "condition IsLockdown" (of FILE, when names repeat)
    why: str  # why it is not settled
    settled_by: str  # the ref of the unsettled value it waits for ("Parameter Lockdown")
    source: dict[str, Any]  # where it is written, as a model `source`
    fix: str | None = None  # what settles it, when not the one value `settled_by` names


@dataclass(frozen=True)
class Annotation:
    """What a resource's `Metadata: {fargate-preflight: ...}` says about it (CloudFormation)."""

    object_id: str  # model id of the resource
    resource_type: str  # e.g. AWS::ECS::Service
    needs: tuple[NeedSpec, ...]
    ignores: tuple[Ignore, ...]


@dataclass
class Fragment:
    """What a source adds to the model: collections keyed like docs/model.md, plus problems."""

    collections: dict[str, dict[str, ModelObject]] = field(default_factory=dict)
    declared_needs: list[ModelObject] = field(default_factory=list)
    annotations: list[Annotation] = field(default_factory=list)
    errors: list[SourceError] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    # Conditions the build took as holding that the inputs do not settle (scanner.worlds).
    unsettled: list[UnsettledCondition] = field(default_factory=list)

    def add(self, collection: str, obj: ModelObject) -> None:
        self.collections.setdefault(collection, {})[obj["id"]] = obj


class Source(Protocol):
    kind: str

    def detect(self, data: Any) -> bool:
        """True when a parsed document is this source's format."""

    def build(self, files: list[LoadedFile], ctx: BuildContext) -> Fragment:
        """Turn all files of this kind into model objects (files may reference each other)."""


def parameter_flags(refs: Iterable[str]) -> str | None:
    """The --parameter flags that settle unsettled parameters ("Parameter NAME", or "Parameter
    NAME of FILE" when templates share the name), as FG801's fix words them: `--parameter
    NAME=VALUE and --parameter FILE:NAME=VALUE`; None when one is not a parameter."""
    flags = []
    for ref in refs:
        if not ref.startswith("Parameter "):
            return None
        name, _, file = ref.removeprefix("Parameter ").partition(" of ")
        flags.append(f"--parameter {file + ':' if file else ''}{name}=VALUE")
    return " and ".join(flags) if flags else None
