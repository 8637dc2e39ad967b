"""Building the input model from Terraform plans (scanner/sources/terraform.py is the source;
this module is imported only when a scan has a plan)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from scanner.errors import SourceError
from scanner.sources.base import BuildContext, Fragment, LoadedFile
from scanner.sources.lines import plain
from scanner.sources.tf import ecs, iam, network, states
from scanner.sources.tf.build import VPC, VPC_OF_DEFAULT, Build, Kind
from scanner.sources.tf.finalize import finalize
from scanner.sources.tf.hcl import Configuration
from scanner.sources.tf.plan import Instance, Plan, provider_region, read


def _batch_job_definition(build: Build, inst: Instance) -> None:
    capabilities = inst.get("platform_capabilities")
    _batch_notice(build, inst, isinstance(capabilities, list) and "FARGATE" in capabilities)


def _batch_compute_environment(build: Build, inst: Instance) -> None:
    kind = inst.get("compute_resources", 0, "type")
    _batch_notice(build, inst, kind in ("FARGATE", "FARGATE_SPOT"))


def _batch_notice(build: Build, inst: Instance, on_fargate: bool) -> None:
    if on_fargate:
        build.notices.append(
            f"{build.plan.rel}: {inst.address} runs AWS Batch jobs on Fargate, which are not "
            "analysed yet"
        )


BUILDERS = {
    **network.BUILDERS,
    **iam.BUILDERS,
    **ecs.BUILDERS,
    "aws_sfn_state_machine": states.state_machine,
    "aws_batch_job_definition": _batch_job_definition,
    "aws_batch_compute_environment": _batch_compute_environment,
}


# aws_default_* resource type -> (what it manages, the attribute that names its VPC)
_DEFAULTS = {
    "aws_default_route_table": ("route_table", "default_route_table_id"),
    "aws_default_network_acl": ("nacl", "default_network_acl_id"),
    "aws_default_security_group": ("security_group", "vpc_id"),
}


def build_plans(files: list[LoadedFile], ctx: BuildContext) -> Fragment:
    fragment = Fragment()
    plans = [(f, read(f.data, f.rel)) for f in sorted(files, key=lambda f: f.rel)]
    # Addresses are unique within a plan; two plans of one scan may share one.
    counts = Counter(address for _, plan in plans for address in plan.instances)
    for file, plan in plans:
        rel = file.rel

        def ident(address: str, rel: str = rel) -> str:
            return address if counts[address] == 1 else f"{rel}#{address}"

        shared = any(counts[address] > 1 for address in plan.instances)
        build_plan(file, plan, ctx, ident, fragment, f"{rel}#" if shared else "")
    return fragment


def build_plan(
    file: LoadedFile,
    plan: Plan,
    ctx: BuildContext,
    ident: Any,
    fragment: Fragment,
    ref_prefix: str = "",
) -> None:
    folder = _folder(file, ctx.tf_dir)
    config, other = _configuration(
        file, folder, ctx.root, _module_sources(plan), ctx.max_file_bytes
    )
    if other is not None:
        fragment.notices.append(other)
    elif not config.present:
        fragment.notices.append(
            f"{file.rel}: no .tf files in {_shown(folder, ctx.root)}; findings point at the plan "
            "(give the configuration with --tf-dir DIR)"
        )
    build = Build(
        plan, config, ident, ctx.region or plan.region, ref_prefix=ref_prefix, absent=ctx.absent
    )
    _managed_defaults(build)
    network.destroyed_rules(build)
    for instance in plan.instances.values():
        builder = BUILDERS.get(instance.type)
        if instance.addr.mode != "managed":
            continue
        if builder is None:
            iam.unread(build, instance)
            continue
        try:
            builder(build, instance)
        except SourceError as exc:
            fragment.errors.append(exc)
    for collection, objects in finalize(build).items():
        for obj in objects.values():
            fragment.add(collection, plain(obj))
    fragment.notices.extend(config.notices)
    fragment.notices.extend(build.notices)
    fragment.unsettled.extend(build.unsettled)


def plan_region(file: LoadedFile, root: Path, tf_dir: Path | None, max_bytes: int) -> str | None:
    """The region of the plan's `aws` provider (`plan.provider_region`), a root local read
    from the plan's .tf files (terraform-aws-modules/ecs examples: `region = local.region`)."""
    config, _ = _configuration(file, _folder(file, tf_dir), root, {}, max_bytes)

    def local(name: str) -> Any:
        found = config.local("", name)
        return found[0] if found is not None else None

    return provider_region(file.data, local)


def _configuration(
    file: LoadedFile, folder: Path, root: Path, calls: dict[str, str], max_bytes: int
) -> tuple[Configuration, str | None]:
    """The plan's .tf files in `folder`, and a notice when they are not the configuration the
    plan was made from: their root module does not declare the resources and module calls the
    plan's `configuration` records (a --tf-dir of another configuration, or .tf files changed
    since the plan). Those settle nothing, not even the resources both declare: the result is
    then a Configuration without files, and findings point at the plan."""
    config = Configuration(folder, root, calls, max_bytes)
    planned, declared = _planned(file.data), config.declared()
    if planned is None or declared is None or planned == declared:
        return config, None
    missing, extra = sorted(planned - declared), sorted(declared - planned)
    if not planned & declared:
        why = "they declare none of the plan's resources"
    elif missing:
        why = f"they do not declare the plan's {missing[0]}"
    else:
        why = f"they declare {extra[0]}, which the plan does not have"
    more = len(missing) + len(extra) - 1
    if planned & declared and more:
        why += f", and {more} more difference{'s' if more > 1 else ''}"
    notice = (
        f"{file.rel}: the .tf files in {_shown(folder, root)} are not this plan's configuration "
        f"({why}); they are not used, and findings point at the plan (give the plan's own "
        "configuration with --tf-dir DIR, or run terraform plan again after changing the .tf "
        "files)"
    )
    return Configuration(None, root, calls, max_bytes), notice


def _planned(data: Any) -> set[str] | None:
    """The managed resources and module calls of the root module that the plan's
    `configuration` records (as `Configuration.declared` names them); None without it."""
    configuration = data.get("configuration") if isinstance(data, dict) else None
    root = configuration.get("root_module") if isinstance(configuration, dict) else None
    if not isinstance(root, dict):
        return None
    resources = root.get("resources")
    calls = root.get("module_calls")
    return {
        r["address"]
        for r in (resources if isinstance(resources, list) else ())
        if isinstance(r, dict) and r.get("mode") == "managed" and isinstance(r.get("address"), str)
    } | {f"module.{name}" for name in (calls if isinstance(calls, dict) else ())}


def _folder(file: LoadedFile, tf_dir: Path | None) -> Path:
    """Where the plan's .tf files are: --tf-dir, else the plan's folder."""
    return Path(tf_dir) if tf_dir is not None else file.path.parent


def _managed_defaults(build: Build) -> None:
    """Which VPC each aws_default_* resource takes over (before any VPC is built, since the VPC
    names it as its main route table, default network ACL or default group)."""
    for instance in build.plan.instances.values():
        found = _DEFAULTS.get(instance.type)
        if found is None or instance.addr.mode != "managed":
            continue
        what, attr = found
        kind: Kind = VPC if attr == "vpc_id" else VPC_OF_DEFAULT[attr]
        vpc = build.link(instance, (attr,), kind)
        ident = build.id(instance)
        build.managed_vpc[ident] = vpc
        if isinstance(vpc, str):
            build.managed_defaults.setdefault(vpc, {})[what] = ident


def _module_sources(plan: Plan) -> dict[str, str]:
    """Module configuration path -> the `source` of its module call."""
    sources: dict[str, str] = {}
    for path, module in plan.modules.items():
        for name, call in module.calls.items():
            child = f"{path}.module.{name}" if path else f"module.{name}"
            source = call.get("source")
            if isinstance(source, str):
                sources[child] = source
    return sources


def _shown(folder: Path, root: Path) -> str:
    from scanner.sources.discover import relative_name

    return relative_name(folder, root) or "."
