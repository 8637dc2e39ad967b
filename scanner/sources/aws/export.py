"""The live export: which accounts and regions, in parallel, into one model per account and region.

A model has one deploy region (`region`), so each account and region is its own model; IAM is
read once per account for the roles its regions' task definitions name. Accounts come from the
credential chain, `--role-arn`, or every ACTIVE account of the Organization (`--org-role`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

from scanner.errors import UsageError
from scanner.model.builder import build_model, validate_model
from scanner.sources.aws import ecs, efs, iam, kms, logs, network, secrets
from scanner.sources.aws.calls import (
    GLOBAL,
    CallCounter,
    Gap,
    Reader,
    error_text,
    make_client,
)
from scanner.sources.aws.where import Scope
from scanner.sources.base import Fragment
from scanner.sources.regions import unknown_region_notice

# Accounts and regions read at once: polite to the APIs, and most of the time is waiting.
MAX_WORKERS = 8
SESSION_NAME = "fargate-preflight"
# The calls whose failure may hide a cluster (entering an account, listing its clusters), and
# those that may hide a service (the same, and every call that finds services or their tasks).
_LISTS_CLUSTERS = frozenset({"sts:AssumeRole", "ecs:ListClusters", "ecs:DescribeClusters"})
_FINDS_SERVICES = ("sts:AssumeRole", "ecs:", "events:", "scheduler:", "stepfunctions:")


@dataclass(frozen=True)
class LiveOptions:
    profile: str | None = None
    regions: tuple[str, ...] = ()
    all_regions: bool = False
    role_arn: str | None = None
    org_role: str | None = None
    clusters: tuple[str, ...] = ()
    shard: tuple[int, int] | None = None  # (I, N), I in 1..N
    accounts: tuple[str, ...] = ()  # with org_role: only these accounts of the Organization


@dataclass(frozen=True)
class Account:
    id: str
    partition: str
    # A fresh boto3 Session per thread: sessions are not thread-safe, clients are.
    new_session: Callable[[], Any]


@dataclass
class LiveExport:
    models: list[dict[str, Any]]  # one per account and region, sorted
    gaps: list[Gap]
    calls: dict[str, int]
    units: list[tuple[str, str]] = field(default_factory=list)  # (account, region) scanned
    notices: list[str] = field(default_factory=list)

    def unread(self, options: LiveOptions, key: str) -> str | None:
        """Why this scan may not have read the service that a config `needs` key names (an
        ARN, a name or a family), or None when it read every service it could be."""
        parts = key.split(":", 5)
        if len(parts) == 6 and parts[0] == "arn" and (parts[4], parts[3]) not in self.units:
            return f"account {parts[4]} region {parts[3]} was not read"
        if options.shard and options.shard[1] > 1:
            return _other_shard(options.shard)
        if options.clusters:
            return "--cluster: it may run on another cluster"
        failed = sorted({g.api for g in self.gaps if g.api.startswith(_FINDS_SERVICES)})
        return f"{', '.join(failed)} failed" if failed else None


def parse_shard(text: str) -> tuple[int, int]:
    index, sep, total = text.partition("/")
    if sep and index.isdigit() and total.isdigit() and 1 <= int(index) <= int(total):
        return int(index), int(total)
    raise UsageError(f"--shard {text!r}: expected I/N with 1 <= I <= N, e.g. 2/4")


def take_shard(items: list[str], shard: tuple[int, int] | None) -> list[str]:
    """Every N-th item of the sorted list, starting at the I-th: each item in exactly one shard."""
    ordered = sorted(items)
    if shard is None:
        return ordered
    index, total = shard
    return ordered[index - 1 :: total]


def export(options: LiveOptions, progress: Callable[[int, int], None] | None = None) -> LiveExport:
    """Read every (account, region) of the shard; `progress(done, total)` after each unit."""
    counter = CallCounter()
    gaps: list[Gap] = []
    accounts = _accounts(options, counter, gaps)
    regions = _regions(options, accounts[0], counter) if accounts else []
    if not options.org_role:  # one account: the shards split its regions
        regions = take_shard(regions, options.shard)
    units = [(a, r) for a in accounts for r in regions]
    total = len(units) + len(accounts)
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, total)

    with ThreadPoolExecutor(max_workers=max(1, min(MAX_WORKERS, len(units)))) as pool:
        regional = _run(pool, [(_regional, (a, r, options, counter)) for a, r in units], tick)
        roles: dict[str, set[str]] = {}
        for (account, _region), (_fragment, _gaps, found) in zip(units, regional, strict=True):
            roles.setdefault(account.id, set()).update(found.roles)
        identity = _run(
            pool, [(_identity, (a, roles.get(a.id, set()), counter)) for a in accounts], tick
        )
    iam_by_account = {a.id: result for a, result in zip(accounts, identity, strict=True)}
    models: list[dict[str, Any]] = []
    for (account, region), (fragment, unit_gaps, _found) in zip(units, regional, strict=True):
        iam_fragment, iam_gaps, unread_roles = iam_by_account[account.id]
        gaps.extend([*unit_gaps, *iam_gaps])
        _unread_roles(fragment, unread_roles)
        models.append(
            _model(
                [fragment, _only_used(iam_fragment, fragment)],
                account.id,
                region,
                unit_gaps + iam_gaps,
            )
        )
    notices = [n for r in regions if (n := unknown_region_notice(r))]
    notices += _unmatched_clusters(options, [f for f, _, _ in regional], gaps)
    # An account that could not be entered (sts:AssumeRole refused) has only its gap to report.
    for account_id in sorted({g.account for g in gaps} - {a.id for a in accounts}):
        entry_gaps = [g for g in gaps if g.account == account_id]
        models.append(_model([], account_id, regions[0] if regions else GLOBAL, entry_gaps))
    return LiveExport(
        # a misspelt --region reads as a region without services: every call a gap
        notices=notices,
        models=models,
        gaps=sorted(set(gaps), key=lambda g: (g.account, g.region, g.api)),
        calls=dict(sorted(counter.counts.items())),
        units=[(a.id, r) for a, r in units],
    )


def _unmatched_clusters(
    options: LiveOptions, fragments: list[Fragment], gaps: list[Gap]
) -> list[str]:
    """A --cluster that names no cluster read is a usage error, as an --account that is not a
    member is: a CI job that scanned nothing must not pass. A notice instead when the scan may
    not have seen it (another shard's accounts or regions; a failed call that lists clusters)."""
    arns = {arn for f in fragments for arn in f.collections.get("clusters", {})}
    names = arns | {arn.rsplit("/", 1)[-1] for arn in arns}
    missing = [c for c in options.clusters if c not in names]
    if not missing:
        return []
    what = (
        f"--cluster {', '.join(missing)}: no ECS cluster of that name or ARN in the "
        f"{len(fragments)} account-region(s) read"
    )
    failed = sorted({g.api for g in gaps if g.api in _LISTS_CLUSTERS})
    if failed:
        return [f"{what} ({', '.join(failed)} failed)"]
    if options.shard and options.shard[1] > 1:
        return [f"{what} ({_other_shard(options.shard)})"]
    raise UsageError(what)


def _other_shard(shard: tuple[int, int]) -> str:
    return f"--shard {shard[0]}/{shard[1]}: another shard may read it"


def _run(
    pool: ThreadPoolExecutor,
    jobs: list[tuple[Callable[..., Any], tuple[Any, ...]]],
    tick: Callable[[], None],
) -> list[Any]:
    """Every job's result in job order; `tick` as each finishes (the progress bar)."""
    futures = {pool.submit(fn, *args): index for index, (fn, args) in enumerate(jobs)}
    results: list[Any] = [None] * len(jobs)
    for future in as_completed(futures):
        results[futures[future]] = future.result()
        tick()
    return results


def _model(fragments: list[Fragment], account: str, region: str, gaps: list[Gap]) -> dict[str, Any]:
    model = build_model(fragments, region)
    model["account"] = account  # what the policies put in the ARNs they build (lib/calls.rego)
    model["coverage_gaps"] = [g.model() for g in gaps]
    validate_model(model)
    return model


def _unread_roles(fragment: Fragment, unread: dict[str, Any]) -> None:
    """A role that GetRole failed to read is the gap's unknown where task definitions name it."""
    for td in fragment.collections.get("task_definitions", {}).values():
        for key in ("task_role", "execution_role"):
            if isinstance(td[key], str) and td[key] in unread:
                td[key] = unread[td[key]]


def _only_used(iam_fragment: Fragment, fragment: Fragment) -> Fragment:
    """The account's roles and policies that this region's task definitions use."""
    used_roles = {
        td[key]
        for td in fragment.collections.get("task_definitions", {}).values()
        for key in ("task_role", "execution_role")
        if isinstance(td[key], str)
    }
    roles = {k: v for k, v in iam_fragment.collections.get("roles", {}).items() if k in used_roles}
    wanted = {
        p
        for r in roles.values()
        if isinstance(r["managed_policy_arns"], list)
        for p in r["managed_policy_arns"]
    }
    wanted |= {r["permissions_boundary"] for r in roles.values() if r["permissions_boundary"]}
    policies = {
        k: v for k, v in iam_fragment.collections.get("managed_policies", {}).items() if k in wanted
    }
    return Fragment(collections={"roles": roles, "managed_policies": policies})


def _regional(
    account: Account, region: str, options: LiveOptions, counter: CallCounter
) -> tuple[Fragment, list[Gap], ecs.Found]:
    reader = Reader(account.new_session(), account.id, region, counter)
    scope = Scope(account.id, region, account.partition)
    fragment = Fragment()
    found = ecs.export(reader, scope, fragment, options.clusters)
    logs.export(reader, scope, fragment)
    secrets.export(reader, fragment)
    kms.export(reader, fragment)
    subnets = found.subnets | efs.export(reader, scope, fragment, found.file_systems)
    network.export(reader, scope, fragment, subnets)
    _unread_subnets(reader, fragment)
    return fragment, reader.gaps, found


def _unread_subnets(reader: Reader, fragment: Fragment) -> None:
    """A task subnet that ec2:DescribeSubnets did not return is, where the tasks name it, the
    call's gap when it failed; else a subnet that does not exist or is not shared with the
    account (AWS RAM shares appear in the participant's DescribeSubnets). No rule says "the
    subnet does not exist": an FG801 note that says why, not "not in the scanned inputs". A task
    security group not read when DescribeSecurityGroups failed, or DescribeSubnets (the VPCs
    whose groups are read are the subnets'), is that call's gap."""
    subnets_gap = reader.gap("ec2", "DescribeSubnets")
    groups_gap = reader.gap("ec2", "DescribeSecurityGroups") or subnets_gap
    read = fragment.collections.get("subnets", {})
    groups = fragment.collections.get("security_groups", {})
    for item in fragment.collections.get("services", {}).values():
        network = item["network"]
        if not network:
            continue
        if groups_gap and isinstance(network["security_groups"], list):
            network["security_groups"] = [
                groups_gap.unknown(f"security group {g}")
                if isinstance(g, str) and g not in groups
                else g
                for g in network["security_groups"]
            ]
        if not isinstance(network["subnets"], list):
            continue
        where = network.get("source") or item["source"]
        network["subnets"] = [
            subnet
            if not isinstance(subnet, str) or subnet in read
            else subnets_gap.unknown(f"subnet {subnet}")
            if subnets_gap
            else {
                "unknown": f"ec2:DescribeSubnets in account {reader.account} region "
                f"{reader.region} does not return {subnet}: it does not exist or is not shared "
                "with this account",
                "ref": f"subnet {subnet}",
                "source": where,
                "fix": f"Check the subnet ID: a task cannot start in a subnet that does not "
                f"exist or is not shared with account {reader.account} (AWS RAM).",
            }
            for subnet in network["subnets"]
        ]


def _identity(
    account: Account, roles: set[str], counter: CallCounter
) -> tuple[Fragment, list[Gap], dict[str, Any]]:
    reader = Reader(account.new_session(), account.id, GLOBAL, counter)
    fragment = Fragment()
    unread = iam.export(reader, fragment, roles)
    return fragment, reader.gaps, unread


# --- accounts and regions -------------------------------------------------------------------


def _accounts(options: LiveOptions, counter: CallCounter, gaps: list[Gap]) -> list[Account]:
    import boto3  # type: ignore[import-untyped]
    from botocore.exceptions import (  # type: ignore[import-untyped]
        BotoCoreError,
        ClientError,
        ConnectionError,
    )
    from botocore.parsers import ResponseParserError  # type: ignore[import-untyped]

    def base() -> Any:
        return boto3.Session(profile_name=options.profile)

    try:
        session = base()
        me = _caller(session, counter)
        start = Account(me[0], me[1], base)
        if options.role_arn:
            start = _assume(start, options.role_arn, counter)
    except (ConnectionError, ResponseParserError) as exc:  # the network, not the credentials
        # (ResponseParserError: an answer that is not STS's, such as an egress proxy's page)
        raise UsageError(f"cannot reach AWS STS: {_error_text(exc)}") from exc
    except (BotoCoreError, ClientError) as exc:
        raise UsageError(f"cannot get AWS credentials: {_error_text(exc)}") from exc
    if not options.org_role:
        return [start]
    reader = Reader(start.new_session(), start.id, GLOBAL, counter)
    listed = reader.all("organizations", "ListAccounts", "Accounts")
    if listed is None:
        gaps.extend(reader.gaps)
        raise UsageError(
            "--org-role: cannot list the Organization's accounts: "
            + "; ".join(g.error for g in reader.gaps)
        )
    active = [a["Id"] for a in listed if a.get("Status") == "ACTIVE"]
    if options.accounts:
        missing = sorted(set(options.accounts) - set(active))
        if missing:
            raise UsageError(
                f"--account {', '.join(missing)}: not an ACTIVE account of the Organization"
            )
        active = [a for a in active if a in options.accounts]
    active = take_shard(active, options.shard)
    accounts = []
    for account_id in active:
        if account_id == start.id:
            accounts.append(start)  # the credentials already in this account
            continue
        role = f"arn:{start.partition}:iam::{account_id}:role/{options.org_role}"
        try:
            accounts.append(_assume(start, role, counter))
        except (BotoCoreError, ClientError, ResponseParserError) as exc:
            gaps.append(Gap("sts:AssumeRole", account_id, GLOBAL, _error_text(exc)))
    if active and not accounts:
        # A CI job that scanned nothing must not pass (as with --account and --cluster): not
        # one of the accounts to scan could be entered. (Accounts grouped by the error.)
        failed: dict[str, list[str]] = {}
        for gap in gaps:
            failed.setdefault(gap.error, []).append(gap.account)
        raise UsageError(
            f"--org-role {options.org_role}: could not enter any of the {len(active)} "
            "account(s) to scan (sts:AssumeRole failed): "
            + "; ".join(f"{', '.join(ids)}: {error}" for error, ids in failed.items())
        )
    return accounts


def _caller(session: Any, counter: CallCounter) -> tuple[str, str]:
    sts = make_client(session, "sts", _home_region(session) or "us-east-1", counter)
    arn = sts.get_caller_identity()["Arn"]
    _, partition, _, _, account, _ = arn.split(":", 5)
    return account, partition


def _assume(start: Account, role_arn: str, counter: CallCounter) -> Account:
    import boto3

    session = start.new_session()
    sts = make_client(session, "sts", _home_region(session) or "us-east-1", counter)
    credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName=SESSION_NAME)["Credentials"]
    region = _home_region(session)

    def new_session() -> Any:
        return boto3.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            region_name=region,
        )

    account = role_arn.split(":")[4]
    return Account(account, start.partition, new_session)


def _home_region(session: Any) -> str | None:
    env = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    return session.region_name or env or None


def _regions(options: LiveOptions, account: Account, counter: CallCounter) -> list[str]:
    if options.regions:
        return sorted(set(options.regions))
    session = account.new_session()
    home = _home_region(session)
    if options.all_regions:
        reader = Reader(session, account.id, home or "us-east-1", counter)
        found = reader.all("ec2", "DescribeRegions", "Regions")
        if found is None:
            raise UsageError(
                "--all-regions: cannot list the regions: " + "; ".join(g.error for g in reader.gaps)
            )
        return sorted(r["RegionName"] for r in found)
    if home:
        return [home]
    raise UsageError("no region: pass --region R (repeatable) or --all-regions, or set AWS_REGION")


def _error_text(exc: Exception) -> str:
    from botocore.exceptions import ConnectionError

    return " ".join(str(exc).split()) if isinstance(exc, ConnectionError) else error_text(exc)
