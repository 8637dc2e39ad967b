"""`fargate-preflight debug-task SERVICE PATH...`: the runbook for looking inside the VPC.

For users who still need to look from inside (seed/README.md step 2): a task from the
`amazon/aws-cli` image kept alive with `tail -f /dev/null`, with `initProcessEnabled` and the
service's own task and execution roles, started as a service with the service's exact subnets,
security groups and assignPublicIp and with ECS Exec on; the command that opens a shell in it;
and, for every need of the service, the probes to run inside with the answer the scan
predicts (addresses in the VPC when an interface endpoint with private DNS serves the need,
public addresses otherwise), plus the AWS CLI call of each declared action (step 3).

The predictions come from the same evaluation as `scan`: the model of the inputs, with the
debug task added as one more service, so the runbook also says when the debug task itself
cannot start or cannot be reached with ECS Exec (its image is on Docker Hub, and ECS Exec
needs `ssmmessages`). Values the inputs do not settle (logical ids, role ARNs CloudFormation
picks at deploy time, the region) become placeholders `<...>` listed with where to find them.
"""

from __future__ import annotations

import copy
import json
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from scanner.api import ScanOptions
from scanner.errors import SourceError, UsageError
from scanner.findings import Finding, PathStep

DEBUG_IMAGE = "amazon/aws-cli"
DEBUG_CONTAINER = "debug"
# ECS Exec needs its task role to open these channels (docs/rules/FG601.md).
EXEC_ACTIONS = (
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
)
_AWS_ID = {
    "subnets": re.compile(r"^subnet-[0-9a-f]{8,17}$"),
    "security_groups": re.compile(r"^sg-[0-9a-f]{8,17}$"),
}
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
# AWS CLI command names where they differ from the IAM action prefix.
_CLI_SERVICE = {"s3": "s3api", "elasticfilesystem": "efs", "states": "stepfunctions"}
_NO_CLI = frozenset({"ssmmessages", "execute-api"})


@dataclass(frozen=True)
class Placeholder:
    token: str  # as it appears in the commands and files: `<...>`
    meaning: str  # what to put there, and where to find it


@dataclass(frozen=True)
class Check:
    command: str
    expect: str


@dataclass(frozen=True)
class Probe:
    """What to run inside the debug task for one need of the service."""

    need: str
    host: str
    port: int
    routes: tuple[str, ...]  # "ok via interface endpoint X (subnets A, B)"
    findings: tuple[str, ...]  # "FG202 error: ..." for this need
    checks: tuple[Check, ...]


@dataclass(frozen=True)
class Runbook:
    service: str
    source: str  # file:line of the service
    region: str
    cluster: str
    task_definition: Mapping[str, Any]  # for register-task-definition --cli-input-json
    create_service: Mapping[str, Any]  # for create-service --cli-input-json
    probes: tuple[Probe, ...]
    iam_checks: tuple[Check, ...]
    placeholders: tuple[Placeholder, ...]
    warnings: tuple[str, ...]  # why the debug task itself may fail, from the scan
    errors: tuple[str, ...] = ()  # bad inputs besides the service's (exit 2, like scan)


def main(
    service: str,
    paths: Sequence[Path],
    options: ScanOptions,
    *,
    fmt: str = "text",
    output_dir: Path | None = None,
    image: str = DEBUG_IMAGE,
) -> int:
    """The `debug-task` command: print the runbook, report bad inputs, return the exit code."""
    import click

    runbook = build(service, paths, options, image=image)
    click.echo(render(runbook, fmt, output_dir), nl=False)
    for error in runbook.errors:
        click.echo(f"error: {error}", err=True)
    return 2 if runbook.errors else 0


def run(
    service: str,
    paths: Sequence[Path],
    options: ScanOptions | None = None,
    *,
    fmt: str = "text",
    output_dir: Path | None = None,
    image: str = DEBUG_IMAGE,
) -> str:
    """What `fargate-preflight debug-task` prints. With `output_dir` (or `fmt="json"`, whose
    default directory is the current one) the two `--cli-input-json` files are written."""
    if fmt not in ("text", "json"):
        raise UsageError(f"--format {fmt!r}: choose text or json")
    return render(build(service, paths, options or ScanOptions(), image=image), fmt, output_dir)


def render(runbook: Runbook, fmt: str, output_dir: Path | None) -> str:
    if fmt not in ("text", "json"):
        raise UsageError(f"--format {fmt!r}: choose text or json")
    if fmt == "json":
        return render_json(runbook, write_files(runbook, output_dir or Path(".")))
    if output_dir is None:
        return render_text(runbook)
    return render_text(runbook, write_files(runbook, output_dir))


def build(
    service: str, paths: Sequence[Path], options: ScanOptions, *, image: str = DEBUG_IMAGE
) -> Runbook:
    from scanner.api import load

    loaded = load(paths, options)
    model = loaded.model
    sid = _find_service(model, service, loaded.errors, loaded.former_names)
    svc = model["services"][sid]
    if not isinstance(svc.get("network"), dict):
        src = svc["source"]
        raise SourceError(
            src["file"],
            src["line"],
            f"service {svc['name']} has no awsvpc network configuration: a Fargate debug task "
            "needs one, and there are no network settings to copy",
        )
    book = _Book(model, svc, options, loaded.former_names.get(sid))
    debug_name = f"{book.base}-debug"
    findings, steps = _evaluate(model, sid, debug_name, image, options)
    task_definition = book.task_definition(image)
    create_service = book.create_service(debug_name, str(task_definition["family"]))
    probes = tuple(book.probes(steps, findings))
    iam_checks = tuple(book.iam_checks())
    warnings = _debug_warnings(findings, debug_name, image)
    return Runbook(
        service=str(svc["name"]),
        source=f"{svc['source']['file']}:{svc['source']['line']}",
        region=book.region,
        cluster=book.cluster,
        task_definition=task_definition,
        create_service=create_service,
        probes=probes,
        iam_checks=iam_checks,
        placeholders=tuple(book.placeholders.values()),
        warnings=warnings,
        errors=tuple(
            f"{e.file}:{e.line}: {e.message}" if e.line else f"{e.file}: {e.message}"
            for e in loaded.errors
        ),
    )


# --- the model, with the debug task as one more service ---------------------------------


def _find_service(
    model: Mapping[str, Any],
    wanted: str,
    errors: Sequence[Any],
    former: Mapping[str, str] | None = None,
) -> str:
    """The id of the service `wanted` names: its id, or its name, or the name it shares with
    others (`former`: those named by their id for it, Loaded.former_names)."""
    services = model["services"]
    if wanted in services:
        return str(wanted)
    former = former or {}
    named = sorted(sid for sid, s in services.items() if wanted in (s["name"], former.get(sid)))
    if len(named) == 1:
        return str(named[0])
    if len(named) > 1:
        raise UsageError(
            f"{len(named)} services are named {wanted}: give one of their ids: {', '.join(named)}"
        )
    if errors:
        first = errors[0]
        raise SourceError(
            first.file, first.line, f"{first.message} (and no service {wanted} was found)"
        )
    known = ", ".join(sorted(s["name"] for s in services.values())) or "none"
    raise UsageError(f"no service {wanted!r} in the inputs; the services are: {known}")


def _evaluate(
    model: Mapping[str, Any], sid: str, debug_name: str, image: str, options: ScanOptions
) -> tuple[list[Finding], tuple[PathStep, ...]]:
    """Findings and path verdicts of the inputs plus the debug task, in one evaluation."""
    from scanner.api import evaluate
    from scanner.model.builder import validate_model

    augmented = copy.deepcopy(dict(model))
    svc = augmented["services"][sid]
    td_id = f"{svc['task_definition']}#debug" if isinstance(svc["task_definition"], str) else None
    debug_td = _debug_task_definition_object(model, svc, td_id or f"{sid}#debug-td", image)
    augmented["task_definitions"][debug_td["id"]] = debug_td
    augmented["services"][f"{sid}#debug"] = {
        **svc,
        "id": f"{sid}#debug",
        "name": debug_name,
        "kind": "service",
        "task_definition": debug_td["id"],
        "launch_type": "FARGATE",
        "capacity_provider_strategy": None,
        "enable_execute_command": True,
    }
    validate_model(augmented)
    report = evaluate([augmented], replace(options, paths=True))
    return list(report.findings), report.paths


def _debug_task_definition_object(
    model: Mapping[str, Any], svc: Mapping[str, Any], td_id: str, image: str
) -> dict[str, Any]:
    td = _object(model, "task_definitions", svc["task_definition"]) or {}
    source = td.get("source") or svc["source"]
    return {
        "id": td_id,
        "name": f"{svc['name']} debug task definition",
        "source": source,
        "family": "debug",
        "network_mode": "awsvpc",
        "requires_compatibilities": ["FARGATE"],
        "os_family": "LINUX",
        "cpu": 256,
        "memory": 512,
        "cpu_raw": "256",
        "memory_raw": "512",
        # Without a task role the runbook asks for one (<task-role-arn>): what it allows is
        # not in the inputs, so ECS Exec's IAM checks wait for it instead of failing.
        "task_role": td.get("task_role") or _given_task_role(source),
        "execution_role": td.get("execution_role"),
        "task_role_arn": td.get("task_role_arn") or _given_task_role(source),
        "execution_role_arn": td.get("execution_role_arn"),
        "containers": [
            {
                "name": DEBUG_CONTAINER,
                "image": image,
                "essential": True,
                "log_driver": None,
                "log_options": {},
                "secrets": [],
                "repository_credentials": None,
                "environment_names": [],
                "environment_files": [],
                "readonly_root_filesystem": False,
                "init_process_enabled": True,
                "mount_points": [],
                "source": source,
            }
        ],
        "volumes": [],
    }


def _given_task_role(source: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "unknown": "the runbook's <task-role-arn> is the role you give the debug task",
        "ref": "<task-role-arn>",
        "source": source,
    }


def _debug_warnings(findings: Sequence[Finding], debug_name: str, image: str) -> tuple[str, ...]:
    """The scan's errors and warnings about the debug task itself: each one means the
    runbook cannot work as written."""
    registry = _registry_host(image)
    out = []
    for f in findings:
        if f.service != debug_name or f.level == "note":
            continue
        text = f"{f.rule_id} {f.level}: {f.message} Fix: {f.fix}"
        if f.need == registry:
            text += (
                f" Or copy {image} into a private ECR repository that the task subnets reach "
                "and give its URI with --image."
            )
        out.append(text)
    return tuple(sorted(set(out)))


# --- the runbook's parts ----------------------------------------------------------------


class _Book:
    """Reads one service of the model into the runbook's values, collecting placeholders."""

    def __init__(
        self,
        model: Mapping[str, Any],
        svc: Mapping[str, Any],
        options: ScanOptions,
        plain_name: str | None = None,  # the name it shares with another (Loaded.former_names)
    ):
        self.model = model
        self.svc = svc
        self.options = options
        self.placeholders: dict[str, Placeholder] = {}
        self.td: Mapping[str, Any] = (
            _object(model, "task_definitions", svc["task_definition"]) or {}
        )
        name = plain_name or str(svc["name"])
        self.base = _NAME_UNSAFE.sub("-", name.rsplit("/", 1)[-1]).strip("-")[:200]
        self.region = self._region(model.get("region"))
        self.cluster = self._cluster()

    # --- values that may be placeholders ---

    def placeholder(self, token: str, meaning: str) -> str:
        self.placeholders.setdefault(token, Placeholder(token, meaning))
        return token

    def _region(self, value: Any) -> str:
        if isinstance(value, str):
            return value
        return self.placeholder(
            "<region>", "the region the service runs in (the inputs do not settle it: --region)"
        )

    def _cluster(self) -> str:
        ref = self.svc.get("cluster")
        if ref is None:
            return "default"
        if _is_unknown(ref):
            return self.placeholder(
                f"<cluster:{_token(ref['ref'])}>", f"the cluster's name: {ref['unknown']}"
            )
        cluster = _object(self.model, "clusters", ref)
        if cluster is None:
            return str(ref)  # a name or ARN given as is (ECS JSON, live)
        if isinstance(cluster.get("arn"), str):
            return str(cluster["arn"])
        return self.placeholder(
            f"<cluster-name-of:{cluster['name']}>",
            f"the name of cluster {cluster['name']} ({_where(cluster)}), known after deployment"
            + self._stack_hint(cluster),
        )

    def role_arn(self, field: str, what: str) -> str | None:
        value = self.td.get(field)
        if value is None or isinstance(value, str):
            return value
        role = _object(self.model, "roles", self.td.get(field.removesuffix("_arn")))
        named = role["name"] if role else _token(value.get("ref", what))
        return self.placeholder(
            f"<{what}-arn-of:{named}>",
            f"the ARN of the service's {what.replace('-', ' ')} {named}: {value['unknown']}",
        )

    def ids(self, collection: str, values: Any, what: str) -> list[str]:
        """Subnet or security-group ids as AWS knows them, else placeholders."""
        if _is_unknown(values):
            token = f"<{what}-ids:{_token(values['ref'])}>"
            return [self.placeholder(token, f"the service's {what} ids: {values['unknown']}")]
        out = []
        for value in values or []:
            if _is_unknown(value):
                out.append(
                    self.placeholder(
                        f"<{what}-id:{_token(value['ref'])}>",
                        f"a {what} id of the service: {value['unknown']}",
                    )
                )
                continue
            obj = self.model[collection].get(value)
            if obj is None or _AWS_ID[collection].match(str(value)):
                out.append(str(value))  # an id from the inputs as AWS knows it
                continue
            out.append(
                self.placeholder(
                    f"<{what}-id-of:{obj['name']}>",
                    f"the id AWS gives {what} {obj['name']} ({_where(obj)})"
                    + self._stack_hint(obj),
                )
            )
        return out

    def _stack_hint(self, obj: Mapping[str, Any]) -> str:
        pointer = str(obj["source"].get("pointer", ""))
        if not pointer.startswith("/Resources/"):
            return ""
        logical = pointer.split("/")[2]
        stack = self.options.stack_names.get(obj["source"]["file"], "<stack-name>")
        return (
            f": aws cloudformation describe-stack-resource --stack-name {shlex.quote(stack)} "
            f"--logical-resource-id {logical} --query StackResourceDetail.PhysicalResourceId "
            f"--output text --region {shlex.quote(self.region)}"
        )

    # --- the two --cli-input-json documents ---

    def task_definition(self, image: str) -> dict[str, Any]:
        family = self.td.get("family")
        base = _NAME_UNSAFE.sub("-", family) if isinstance(family, str) else self.base
        doc: dict[str, Any] = {
            "family": f"{base}-debug",
            "requiresCompatibilities": ["FARGATE"],
            "networkMode": "awsvpc",
            "cpu": "256",
            "memory": "512",
        }
        execution = self.role_arn("execution_role_arn", "execution-role")
        if execution is not None:
            doc["executionRoleArn"] = execution
        task_role = self.role_arn("task_role_arn", "task-role")
        if task_role is None:
            unsettled = self.svc["task_definition"]
            why = (
                f"the service's task definition is not settled ({unsettled['unknown']})"
                if _is_unknown(unsettled)
                else "the service's task definition has no task role"
            )
            task_role = self.placeholder(
                "<task-role-arn>",
                f"{why}; ECS Exec needs one that allows " + ", ".join(EXEC_ACTIONS),
            )
        doc["taskRoleArn"] = task_role
        doc["containerDefinitions"] = [
            {
                "name": DEBUG_CONTAINER,
                "image": image,
                "essential": True,
                "entryPoint": ["tail", "-f", "/dev/null"],
                "linuxParameters": {"initProcessEnabled": True},
            }
        ]
        return doc

    def create_service(self, name: str, family: str) -> dict[str, Any]:
        network = self.svc["network"]
        vpc: dict[str, Any] = {"subnets": self.ids("subnets", network["subnets"], "subnet")}
        groups = self.ids("security_groups", network["security_groups"], "sg")
        if groups:
            vpc["securityGroups"] = groups
        public_ip = network.get("assign_public_ip")
        vpc["assignPublicIp"] = (
            public_ip
            if isinstance(public_ip, str)
            else self.placeholder(
                "<assign-public-ip>",
                f"ENABLED or DISABLED, as the service: {(public_ip or {}).get('unknown', '')}",
            )
        )
        doc: dict[str, Any] = {
            "cluster": self.cluster,
            "serviceName": name,
            "taskDefinition": family,
            "desiredCount": 1,
            "launchType": "FARGATE",
            "enableExecuteCommand": True,
            "networkConfiguration": {"awsvpcConfiguration": vpc},
        }
        if isinstance(self.svc.get("platform_version"), str):
            doc["platformVersion"] = self.svc["platform_version"]
        return doc

    # --- probes ---

    def probes(self, steps: Sequence[PathStep], findings: Sequence[Finding]) -> list[Probe]:
        name = str(self.svc["name"])
        by_need: dict[str, list[PathStep]] = {}
        for step in steps:
            if step.service == name:
                by_need.setdefault(step.need, []).append(step)
        dns_off = any(f.rule_id == "FG501" and f.service == name for f in findings)
        return [
            self._probe(
                need,
                need_steps,
                [f for f in findings if (f.service, f.need) == (name, need)],
                dns_off,
            )
            for need, need_steps in sorted(by_need.items())
        ]

    def _probe(
        self, need: str, steps: Sequence[PathStep], findings: Sequence[Finding], dns_off: bool
    ) -> Probe:
        groups: dict[tuple[str, str], list[str]] = {}
        for step in steps:
            groups.setdefault((step.path, step.verdict), []).append(step.subnet)
        # An error of the network families on this need: the route exists but a NACL, a
        # security group or DNS stops the traffic.
        blocked = sorted(
            {f.rule_id for f in findings if f.level == "error" and f.rule_id[2] in "2345"}
        )
        host, port, kind = self._target(need)
        routes, answers, connects = [], [], []
        for (path, verdict), subnets in sorted(groups.items()):
            where = f"task subnets {', '.join(sorted(subnets))}"
            routes.append(_route_text(path, verdict, where))
            answers.append(self._answer(path, verdict, dns_off, kind))
            connects.append(_connect_expectation(verdict, path, where, kind, blocked))
        if port == 443:
            url = f"https://{host}/v2/" if kind == "registry" else f"https://{host}/"
            connect = f"curl -sv --max-time 10 -o /dev/null {url}"
        else:  # telnet HOST PORT does the same where the image has telnet
            connect = f"timeout 10 bash -c '</dev/tcp/{host}/{port}' && echo open"
        checks = (
            Check(f"nslookup {host}", "; ".join(dict.fromkeys(answers))),
            Check(connect, "; ".join(connects)),
        )
        about = tuple(sorted(f"{f.rule_id} {f.level}: {f.message}" for f in findings))
        return Probe(need, host, port, tuple(routes), about, checks)

    def _target(self, need: str) -> tuple[str, int, str]:
        """The host name, port and kind ("aws", "registry", "efs", "target") of a need."""
        if need.startswith("efs:"):
            fs = need.split(":", 1)[1]
            host = self.placeholder(
                f"<file-system-id-of:{fs}>",
                f"the id of EFS file system {fs} (fs-...), known after deployment",
            )
            return f"{host}.efs.{self.region}.{_suffix(self.region)}", 2049, "efs"
        if need.startswith("target:"):
            target, _, port = need.removeprefix("target:").rpartition(":")
            host = self.placeholder(
                f"<address-in:{_token(target)}>", f"an address of a target in {target}"
            )
            return host, int(port) if port.isdigit() else 443, "target"
        if need in self._registries():
            return need, 443, "registry"
        return self._aws_host(need), 443, "aws"

    def _aws_host(self, need: str) -> str:
        region = self._need_region(need)
        suffix = _suffix(region)
        if need == "ecr.api":
            return f"api.ecr.{region}.{suffix}"
        if need == "ecr.dkr":
            return self._ecr_host() or f"{self._account()}.dkr.ecr.{region}.{suffix}"
        if need == "execute-api":
            api = self.placeholder("<api-id>", "the id of the API Gateway API the service calls")
            return f"{api}.execute-api.{region}.{suffix}"
        return f"{need}.{region}.{suffix}"

    def _need_region(self, need: str) -> str:
        """The region the need is in: an ECR image's own region, the containers' one
        awslogs-region, else the deploy region (as policies/lib/needs.rego infers them)."""
        if need in ("ecr.api", "ecr.dkr"):
            host = self._ecr_host()
            if host:
                return host.split(".")[3]
        if need == "logs":
            regions = [
                self._same_region(c["log_options"].get("awslogs-region", self.region))
                for c in self._containers()
                if c.get("log_driver") == "awslogs" and isinstance(c.get("log_options"), dict)
            ]
            if any(not isinstance(r, str) for r in regions):
                return self.placeholder(
                    "<awslogs-region>", "the awslogs-region of the service's containers"
                )
            if len(set(regions)) == 1:
                return str(regions[0])
        return self.region

    def _same_region(self, value: Any) -> Any:
        """`!Ref AWS::Region` is the deploy region, settled or not."""
        return self.region if _is_unknown(value) and value.get("ref") == "AWS::Region" else value

    def _account(self) -> str:
        return self.placeholder("<account-id>", "the AWS account id of the ECR registry")

    def _ecr_host(self) -> str | None:
        for c in self._containers():
            text = _image_text(c.get("image"))
            host = text.split("/", 1)[0] if "/" in text else ""
            labels = host.split(".")
            if len(labels) >= 6 and labels[1:3] == ["dkr", "ecr"]:
                return host.replace("*", self._account()) if "*" in host else host
        return None

    def _registries(self) -> set[str]:
        hosts = set()
        for c in self._containers():
            image = c.get("image")
            if isinstance(image, str) and image:
                hosts.add(_registry_host(image))
        return hosts

    def _containers(self) -> list[Mapping[str, Any]]:
        containers = self.td.get("containers")
        return (
            [c for c in containers if isinstance(c, dict)] if isinstance(containers, list) else []
        )

    def _answer(self, path: str, verdict: str, dns_off: bool, kind: str) -> str:
        if dns_off:
            return "no answer: the VPC's DNS resolution is off (FG501)"
        if path.startswith("interface endpoint "):
            endpoint = path.removeprefix("interface endpoint ")
            return f"addresses in the VPC: {self._endpoint_addresses(endpoint)}"
        if verdict == "undecided":
            return f"not predicted: the inputs do not settle the path ({path})"
        if verdict == "out-of-scope":
            return (
                f"not predicted ({path}): private addresses if a shared resolver or endpoint "
                "beyond it answers, else public addresses"
            )
        if kind == "efs":
            return "an address of the mount target in the task's Availability Zone"
        if kind == "target":
            return "the target's address"
        if path.startswith("gateway endpoint "):
            return "public addresses (a gateway endpoint routes them; DNS does not change)"
        return "public addresses (no interface endpoint with private DNS serves it here)"

    def _endpoint_addresses(self, endpoint_name: str) -> str:
        endpoint = next(
            (e for e in self.model["vpc_endpoints"].values() if e["name"] == endpoint_name), None
        )
        if endpoint is None or not isinstance(endpoint.get("subnets"), list):
            return f"the private addresses of {endpoint_name}'s network interfaces"
        cidrs = []
        for ref in endpoint["subnets"]:
            subnet = self.model["subnets"].get(ref) if isinstance(ref, str) else None
            if subnet is not None and isinstance(subnet.get("cidr"), str):
                cidrs.append(f"{subnet['cidr']} ({subnet['name']})")
        shown = ", ".join(cidrs) or "the endpoint's subnets"
        return f"one per subnet of {endpoint_name}, in {shown}"

    # --- IAM (seed step 3) ---

    def iam_checks(self) -> list[Check]:
        sid = self.svc["id"]
        checks = []
        for need in self.model.get("declared_needs", []):
            if need.get("service") != sid:
                continue
            for action in need.get("actions") or []:
                command = _cli_call(action, self.region)
                if command is not None:
                    checks.append(Check(command, _IAM_EXPECT.format(action=action)))
        return checks


_IAM_EXPECT = (
    "no error: the task role and the endpoint policy allow {action}. "
    '"... with an explicit deny in a VPC endpoint policy": the endpoint policy (FG102). '
    '"... because no identity-based policy allows ...": the task role (FG101). '
    "Any AWS error at all proves the network path; a timeout means the path is missing."
)


def _route_text(path: str, verdict: str, where: str) -> str:
    if verdict == "ok":
        return f"ok via {path} ({where})"
    if verdict == "fail":
        return f"no path ({where})"
    if verdict == "out-of-scope":
        return f"leaves the scanned inputs via {path.removeprefix('out-of-scope: ')} ({where})"
    return f"not decided: {path} ({where})"


def _connect_expectation(
    verdict: str, path: str, where: str, kind: str, blocked: Sequence[str]
) -> str:
    if verdict == "ok" and blocked:
        return f"times out from {where}: the route exists but {', '.join(blocked)} stops it"
    if verdict == "ok":
        if kind == "registry":
            return f"connects, then HTTP 401 (the registry asks for a token), from {where}"
        return f"connects (TLS handshake, then any HTTP status) from {where}"
    if verdict == "fail":
        return f"times out from {where}: the scan finds no path"
    return f"not predicted from {where} ({path})"


def _cli_call(action: str, region: str) -> str | None:
    prefix, sep, name = action.partition(":")
    if not sep or not name or "*" in name or "?" in name:
        return None
    prefix = prefix.lower()
    if prefix in _NO_CLI:
        return None
    service = _CLI_SERVICE.get(prefix, prefix)
    operation = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", name).lower()
    return f"aws {service} {operation} --region {region}"


def _registry_host(image: str) -> str:
    """The registry an image names (as policies/lib/needs.rego: Docker Hub by default)."""
    parts = image.split("/")
    first = parts[0]
    if len(parts) > 1 and ("." in first or ":" in first or first == "localhost"):
        return "registry-1.docker.io" if first in ("docker.io", "index.docker.io") else first
    return "registry-1.docker.io"


def _image_text(image: Any) -> str:
    if isinstance(image, str):
        return image
    if _is_unknown(image) and isinstance(image.get("partial"), str):
        return str(image["partial"])
    return ""


def _object(model: Mapping[str, Any], collection: str, ref: Any) -> Mapping[str, Any] | None:
    """The object a reference names, or None (an unknown, an id not in the inputs)."""
    found = model[collection].get(ref) if isinstance(ref, str) else None
    return found if isinstance(found, dict) else None


def _is_unknown(value: Any) -> bool:
    return isinstance(value, dict) and "unknown" in value


def _token(text: str) -> str:
    return re.sub(r"\s+", "-", str(text).strip())


def _where(obj: Mapping[str, Any]) -> str:
    return f"{obj['source']['file']}:{obj['source']['line']}"


def _suffix(region: str) -> str:
    return "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"


# --- output -----------------------------------------------------------------------------


def file_names(runbook: Runbook) -> dict[str, str]:
    base = str(runbook.create_service["serviceName"])
    return {
        "task_definition": f"{base}-task-definition.json",
        "service": f"{base}-service.json",
    }


def write_files(runbook: Runbook, out_dir: Path) -> dict[str, Path]:
    """The two `--cli-input-json` files: the task definition and the service."""
    names = file_names(runbook)
    documents = {"task_definition": runbook.task_definition, "service": runbook.create_service}
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        written = {}
        for key, doc in documents.items():
            path = out_dir / names[key]
            path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
            written[key] = path
    except OSError as exc:
        raise UsageError(f"cannot write into {out_dir}: {exc.strerror or exc}") from exc
    return written


def commands(runbook: Runbook, files: Mapping[str, Path] | None = None) -> dict[str, str]:
    """The AWS CLI commands of the runbook, in order."""
    region = shlex.quote(runbook.region)
    cluster = shlex.quote(runbook.cluster)
    svc = runbook.create_service
    name = shlex.quote(str(svc["serviceName"]))
    family = shlex.quote(str(runbook.task_definition["family"]))
    if files:
        register = (
            "aws ecs register-task-definition --cli-input-json "
            f"{shlex.quote('file://' + files['task_definition'].as_posix())} --region {region}"
        )
        create = (
            "aws ecs create-service --cli-input-json "
            f"{shlex.quote('file://' + files['service'].as_posix())} --region {region}"
        )
    else:
        register = (
            f"aws ecs register-task-definition --cli-input-json "
            f"file://{file_names(runbook)['task_definition']} --region {region}"
        )
        create = _create_service_command(runbook)
    return {
        "register_task_definition": register,
        "create_service": create,
        "wait": (
            f"TASK=$(aws ecs list-tasks --cluster {cluster} --service-name {name} "
            f"--query 'taskArns[0]' --output text --region {region}) && "
            f'aws ecs wait tasks-running --cluster {cluster} --tasks "$TASK" --region {region}'
        ),
        "execute_command": (
            f'aws ecs execute-command --cluster {cluster} --task "$TASK" '
            f'--container {DEBUG_CONTAINER} --interactive --command "/bin/sh" --region {region}'
        ),
        "delete_service": (
            f"aws ecs delete-service --cluster {cluster} --service {name} --force --region {region}"
        ),
        "deregister_task_definition": (
            f"aws ecs deregister-task-definition --task-definition {family}:REVISION "
            f"--region {region}"
        ),
    }


def _create_service_command(runbook: Runbook) -> str:
    svc = runbook.create_service
    vpc = svc["networkConfiguration"]["awsvpcConfiguration"]
    # The shorthand the seed article uses; quoted, since bash would brace-expand it.
    shorthand = f"subnets=[{','.join(vpc['subnets'])}]"
    if vpc.get("securityGroups"):
        shorthand += f",securityGroups=[{','.join(vpc['securityGroups'])}]"
    shorthand += f",assignPublicIp={vpc['assignPublicIp']}"
    parts = [
        "aws ecs create-service",
        f"--cluster {shlex.quote(str(svc['cluster']))}",
        f"--service-name {shlex.quote(str(svc['serviceName']))}",
        f"--task-definition {shlex.quote(str(svc['taskDefinition']))}",
        "--desired-count 1",
        "--launch-type FARGATE",
    ]
    if "platformVersion" in svc:
        parts.append(f"--platform-version {shlex.quote(str(svc['platformVersion']))}")
    parts += [
        f"--network-configuration {shlex.quote('awsvpcConfiguration={' + shorthand + '}')}",
        "--enable-execute-command",
        f"--region {shlex.quote(runbook.region)}",
    ]
    return " \\\n    ".join(parts)


def render_json(runbook: Runbook, files: Mapping[str, Path]) -> str:
    document = {
        "service": runbook.service,
        "source": runbook.source,
        "region": runbook.region,
        "files": {key: path.as_posix() for key, path in files.items()},
        "commands": commands(runbook, files),
        "probes": [
            {
                "need": p.need,
                "host": p.host,
                "port": p.port,
                "routes": list(p.routes),
                "findings": list(p.findings),
                "checks": [{"command": c.command, "expect": c.expect} for c in p.checks],
            }
            for p in runbook.probes
        ],
        "iam_checks": [{"command": c.command, "expect": c.expect} for c in runbook.iam_checks],
        "placeholders": [{"token": p.token, "meaning": p.meaning} for p in runbook.placeholders],
        "warnings": list(runbook.warnings),
        "errors": list(runbook.errors),
    }
    return json.dumps(document, indent=2) + "\n"


def render_text(runbook: Runbook, files: Mapping[str, Path] | None = None) -> str:
    cmds = commands(runbook, files)
    out: list[str] = [
        f"Debug task for service {runbook.service} ({runbook.source})",
        "",
        f"A {runbook.task_definition['containerDefinitions'][0]['image']} container kept alive "
        "with `tail -f /dev/null`,",
        "with the service's roles, subnets, security groups and assignPublicIp, and ECS Exec on.",
        "Run the commands where the AWS CLI and the Session Manager plugin are installed.",
        "",
    ]
    if runbook.warnings:
        out += ["The scan says the debug task itself will not work as written:"]
        out += [f"  - {w}" for w in runbook.warnings]
        out.append("")
    if runbook.placeholders:
        out += ["Replace before running:"]
        out += [f"  {p.token}: {p.meaning}" for p in runbook.placeholders]
        out.append("")
    out += ["1. Register the task definition"]
    if files is None:
        name = file_names(runbook)["task_definition"]
        out += [f"   cat > {name} <<'EOF'"]
        out += [f"   {line}" for line in json.dumps(runbook.task_definition, indent=2).splitlines()]
        out += ["   EOF"]
    else:
        out += [f"   (written to {files['task_definition'].as_posix()})"]
    out += [
        f"   {cmds['register_task_definition']}",
        "",
        "2. Start it with the service's network settings",
        f"   {cmds['create_service'].replace(chr(10), chr(10) + '   ')}",
        "",
        "3. Open a shell in it",
        f"   {cmds['wait']}",
        f"   {cmds['execute_command']}",
        "",
        "4. Inside: what the scan predicts for each need",
        "   (if the image lacks nslookup or telnet: `getent hosts HOST` resolves a name, and",
        "   `yum install -y bind-utils telnet` needs a path to the Amazon Linux repositories)",
    ]
    for probe in runbook.probes:
        out += ["", f"   {probe.need} ({probe.host}, port {probe.port})"]
        out += [f"     path: {route}" for route in probe.routes]
        out += [f"     finding: {finding}" for finding in probe.findings]
        for check in probe.checks:
            out += [f"     $ {check.command}", f"       expect: {check.expect}"]
    if not runbook.probes:
        out += ["", "   (no need was analysed: the scan analyses services launched on Fargate)"]
    if runbook.iam_checks:
        out += ["", "5. Inside: the declared actions, with the task role (seed step 3)"]
        for check in runbook.iam_checks:
            out += [f"   $ {check.command}", f"     expect: {check.expect}"]
    out += [
        "",
        "Clean up",
        f"   {cmds['delete_service']}",
        f"   {cmds['deregister_task_definition']}",
        "",
    ]
    return "\n".join(out)
