"""The ECS JSON source: task definitions, create-service and run-task requests (docs/model.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scanner.errors import SourceError
from scanner.sources import yamlload
from scanner.sources.base import BuildContext, Fragment, LoadedFile
from scanner.sources.ecs_json import EcsJsonSource, shape

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CORPUS = "corpus/task-definition"
FIRELENS = f"{CORPUS}/aws-samples__amazon-ecs-firelens-examples__examples__fluent-bit"
PATTERNS = f"{CORPUS}/aws-samples__container-patterns__pattern"
METRICS_TD = f"{FIRELENS}__send-fb-internal-metrics-to-cw__task_definition.json"
METRICS_RUN = f"{FIRELENS}__send-fb-internal-metrics-to-cw__runtask_firelen.json"
FIREHOSE_TD = f"{FIRELENS}__config-file-type-file__task-definition.json"
FIREHOSE_RUN = f"{FIRELENS}__config-file-type-file__runtask_firelens.json"
EFS_TD = f"{FIRELENS}__efs__task-definition.json"
NEWRELIC_TD = f"{FIRELENS}__newrelic__example-task-definition.json"
LIFESPAN_TD = f"{PATTERNS}__ecs-task-maximum-lifespan-duration__files__task-definition.json"
ACROSS_TD = f"{PATTERNS}__task-definition-across-ec2-and-fargate__files__task-definition.json"
ECSPRESSO_SV = f"{CORPUS}/kayac__ecspresso__tests__sv.json"
ECSPRESSO_TD = f"{CORPUS}/kayac__ecspresso__tests__td-plain.json"
SEED_EXEC = "seed/exec-task-definition.json"
SEED_CLI = "seed/aws-cli-debug-task-definition.json"
ALL_FIXTURES = [
    METRICS_TD,
    METRICS_RUN,
    FIREHOSE_TD,
    FIREHOSE_RUN,
    EFS_TD,
    NEWRELIC_TD,
    LIFESPAN_TD,
    ACROSS_TD,
    ECSPRESSO_SV,
    ECSPRESSO_TD,
    SEED_EXEC,
    SEED_CLI,
]


def loaded(rel: str, text: str) -> LoadedFile:
    return LoadedFile(Path("/scan") / rel, rel, "ecs", yamlload.parse(text, rel), text, True)


def fixture(rel: str) -> LoadedFile:
    return loaded(rel, (FIXTURES / rel).read_text(encoding="utf-8"))


def build(*files: LoadedFile) -> Fragment:
    return EcsJsonSource().build(list(files), BuildContext(root=Path("/scan")))


def doc(rel: str, value: dict[str, Any]) -> LoadedFile:
    return loaded(rel, json.dumps(value, indent=2))


def at(file: str, line: int, pointer: str) -> dict[str, Any]:
    return {"file": file, "line": line, "pointer": pointer}


def role_unknown(name: str, file: str, line: int, pointer: str) -> dict[str, Any]:
    return {
        "unknown": f"IAM role {name} is not in the scanned inputs",
        "ref": f"role {name}",
        "source": at(file, line, pointer),
    }


TASK_DEFINITION = {
    "family": "app",
    "networkMode": "awsvpc",
    "requiresCompatibilities": ["FARGATE"],
    "cpu": "256",
    "memory": "512",
    "containerDefinitions": [{"name": "app", "image": "nginx"}],
}


# --- detection ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rel", "expected"),
    [
        (METRICS_TD, "register"),
        (METRICS_RUN, "request"),
        (FIREHOSE_TD, "register"),
        (FIREHOSE_RUN, "request"),
        (EFS_TD, "describe"),
        (NEWRELIC_TD, "register"),
        (LIFESPAN_TD, "register"),
        (ACROSS_TD, "register"),
        (ECSPRESSO_SV, "request"),
        (ECSPRESSO_TD, "register"),
        (SEED_EXEC, "register"),
        (SEED_CLI, "register"),
    ],
)
def test_every_corpus_and_seed_file_is_detected(rel: str, expected: str) -> None:
    data = fixture(rel).data
    assert shape(data) == expected
    assert EcsJsonSource().detect(data)


@pytest.mark.parametrize(
    "data",
    [
        {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {}},
        {"Resources": {"TaskDefinition": {"Type": "AWS::ECS::TaskDefinition"}}},
        {"format_version": "1.2", "planned_values": {}},
        {"name": "package", "version": "1.0.0"},
        {"containerDefinitions": [{"name": "app"}]},  # no family: not a task definition
        {"taskDefinition": "app:1"},  # a bare reference is no request
        {"serviceName": "web"},
        {"taskDefinition": {"family": "app"}},
        [TASK_DEFINITION],
        "text",
        None,
    ],
)
def test_other_documents_are_not_ecs_json(data: Any) -> None:
    assert shape(data) is None
    assert not EcsJsonSource().detect(data)


@pytest.mark.parametrize(
    "data",
    [
        {"serviceName": "web", "taskDefinition": "app", "desiredCount": 1},
        {"serviceName": "web", "cluster": "prod"},
        {"taskDefinition": "app:3", "count": 1},
        {"taskDefinition": "app", "launchType": "FARGATE"},
        {"networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-1"]}}},
    ],
)
def test_requests_are_detected(data: Any) -> None:
    assert shape(data) == "request"


# --- the whole corpus -----------------------------------------------------------------------


def test_the_corpus_and_seed_build_without_errors() -> None:
    fragment = build(*(fixture(rel) for rel in ALL_FIXTURES))
    assert fragment.errors == []
    assert sorted(fragment.collections["task_definitions"]) == [
        "aws-cli",
        "ecs-exec-task",
        "firelens-efs-example",
        "firelens-example-firehose",
        "fluentbit-metrics-to-cw-firelens-example",
        "katsubushi",
        "lifespan",
        "newrelic-firelens-example",
        "nginx",
    ]
    assert sorted(fragment.collections["services"]) == [
        f"{FIREHOSE_RUN}#run-task",
        f"{METRICS_RUN}#run-task",
        f"{ECSPRESSO_SV}#service",
    ]


def test_the_corpus_model_is_valid_against_the_schema() -> None:
    from scanner.model.builder import build_model, validate_model

    fragment = build(*(fixture(rel) for rel in ALL_FIXTURES))
    validate_model(build_model([fragment], "us-east-1"))


def test_environment_values_never_enter_the_model() -> None:
    fragment = build(*(fixture(rel) for rel in ALL_FIXTURES))
    text = json.dumps(fragment.collections)
    for value in ("v1.1.14", "fluent-bit-metrics-firelens-example-parsed", '"60"', '"info"'):
        assert value not in text
    metrics = fragment.collections["task_definitions"]["fluentbit-metrics-to-cw-firelens-example"]
    assert metrics["containers"][0]["environment_names"] == [
        "FLB_LOG_LEVEL",
        "FLUENT_BIT_METRICS_LOG_GROUP",
        "FLUENT_BIT_METRICS_LOG_REGION",
    ]


def test_only_awslogs_options_enter_the_model() -> None:
    # another log driver's options may hold a token, which `export` would print
    containers = [
        {
            "name": "app",
            "image": "nginx",
            "logConfiguration": {
                "logDriver": "splunk",
                "options": {"splunk-token": "7f3c2a10-TOKEN", "splunk-url": "https://s"},
            },
        },
        {
            "name": "logs",
            "image": "nginx",
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {"awslogs-group": "/app", "awslogs-create-group": "True", "mode": "x"},
            },
        },
    ]
    fragment = build(doc("td.json", dict(TASK_DEFINITION, containerDefinitions=containers)))
    (td,) = fragment.collections["task_definitions"].values()
    assert [c["log_options"] for c in td["containers"]] == [
        {},
        {"awslogs-group": "/app", "awslogs-create-group": "true"},
    ]
    assert "TOKEN" not in json.dumps(fragment.collections)


# --- task definitions -----------------------------------------------------------------------


def test_seed_exec_task_definition() -> None:
    model = build(fixture(SEED_EXEC)).collections["task_definitions"]
    assert model == {
        "ecs-exec-task": {
            "id": "ecs-exec-task",
            "name": "ecs-exec-task",
            "source": at(SEED_EXEC, 1, ""),
            "family": "ecs-exec-task",
            "network_mode": "awsvpc",
            "network_mode_source": at(SEED_EXEC, 3, "/networkMode"),
            "requires_compatibilities": ["EC2", "FARGATE"],
            "os_family": "LINUX",
            "cpu": 256,
            "memory": 512,
            "cpu_raw": ".25 vcpu",
            "memory_raw": ".5 gb",
            "task_role": role_unknown("ecsTaskRole", SEED_EXEC, 2, "/taskRoleArn"),
            "task_role_arn": "ecsTaskRole",
            "execution_role": role_unknown(
                "ecsTaskExecutionRole", SEED_EXEC, 8, "/executionRoleArn"
            ),
            "execution_role_arn": "ecsTaskExecutionRole",
            "containers": [
                {
                    "name": "application",
                    "image": "application:latest",
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
                    "source": at(SEED_EXEC, 12, "/containerDefinitions/0"),
                }
            ],
            "volumes": [],
        }
    }


def test_seed_debug_task_definition_roles_by_arn() -> None:
    td = build(fixture(SEED_CLI)).collections["task_definitions"]["aws-cli"]
    task_role = "arn:aws:iam::123456789012:role/TaskRole"
    execution_role = "arn:aws:iam::123456789012:role/EcsTaskExecutionRole"
    assert (td["cpu"], td["memory"], td["cpu_raw"], td["memory_raw"]) == (256, 512, "256", "512")
    assert td["task_role"] == role_unknown(task_role, SEED_CLI, 22, "/taskRoleArn")
    assert td["task_role_arn"] == task_role
    assert td["execution_role"] == role_unknown(execution_role, SEED_CLI, 21, "/executionRoleArn")
    assert td["execution_role_arn"] == execution_role
    assert td["containers"][0]["source"] == at(SEED_CLI, 7, "/containerDefinitions/0")


def test_describe_output_with_efs_volume() -> None:
    td = build(fixture(EFS_TD)).collections["task_definitions"]["firelens-efs-example"]
    assert td["source"] == at(EFS_TD, 2, "/taskDefinition")
    assert td["requires_compatibilities"] == []
    assert td["network_mode"] == "awsvpc"
    assert td["task_role"]["source"] == at(EFS_TD, 4, "/taskDefinition/taskRoleArn")
    assert td["volumes"] == [
        {
            "name": "firelens-conf",
            "efs": {
                "file_system": "fs-c3c9bcbb",
                "iam": "DISABLED",
                "transit_encryption": "DISABLED",
            },
            "source": at(EFS_TD, 61, "/taskDefinition/volumes/0"),
        }
    ]
    router = td["containers"][1]
    assert router["mount_points"] == [
        {"source_volume": "firelens-conf", "container_path": "/configs", "read_only": False}
    ]
    assert router["log_driver"] == "awslogs"
    assert router["log_options"] == {
        "awslogs-create-group": "true",
        "awslogs-group": "firelens-container",
        "awslogs-region": "us-east-2",
        "awslogs-stream-prefix": "firelens",
    }
    assert router["source"] == at(EFS_TD, 27, "/taskDefinition/containerDefinitions/1")


def test_defaults_when_fields_are_absent() -> None:
    td = build(fixture(FIREHOSE_TD)).collections["task_definitions"]["firelens-example-firehose"]
    assert td["network_mode"] == "bridge"
    assert td["requires_compatibilities"] == []
    assert td["os_family"] == "LINUX"
    assert (td["cpu"], td["memory"], td["cpu_raw"], td["memory_raw"]) == (None, None, None, None)
    across = build(fixture(ACROSS_TD)).collections["task_definitions"]["nginx"]
    assert across["task_role"] is None
    assert across["task_role_arn"] is None
    assert across["execution_role"] is None
    assert across["execution_role_arn"] is None
    assert across["containers"][0]["essential"] is True


def test_log_driver_secret_options_are_secrets_the_agent_fetches() -> None:
    td = build(fixture(NEWRELIC_TD)).collections["task_definitions"]["newrelic-firelens-example"]
    assert (td["cpu"], td["memory"]) == (1024, 2048)
    webserver = td["containers"][1]
    assert webserver["log_driver"] == "awsfirelens"
    assert webserver["log_options"] == {}  # FireLens options: only awslogs' enter the model
    assert webserver["secrets"] == [
        {
            "name": "apiKey",
            "value_from": "arn:aws:secretsmanager:region:aws_account_id:secret:secret_name-AbCdEf",
        }
    ]


def test_proxy_configuration_is_read_when_given() -> None:
    proxy = {
        "type": "APPMESH",
        "containerName": "envoy",
        "properties": [{"name": "AppPorts", "value": "8080"}],
    }
    td = build(doc("td.json", dict(TASK_DEFINITION, proxyConfiguration=proxy)))
    assert td.collections["task_definitions"]["app"]["proxy_configuration"] == {
        "type": "APPMESH",
        "container_name": "envoy",
        "source": at("td.json", 15, "/proxyConfiguration"),
    }
    plain = build(doc("td.json", TASK_DEFINITION)).collections["task_definitions"]["app"]
    assert "proxy_configuration" not in plain


SERVICE_CONNECT = {
    "enabled": True,
    "namespace": "internal.local",
    "logConfiguration": {
        "logDriver": "awslogs",
        "options": {
            "awslogs-group": "/ecs/proxy",
            "awslogs-region": "us-west-2",
            "awslogs-create-group": "TRUE",
            "mode": "non-blocking",
        },
    },
}


def test_service_connect_log_configuration_is_the_services() -> None:
    request = {"serviceName": "web", "taskDefinition": "app", "launchType": "FARGATE"}
    fragment = build(doc("svc.json", dict(request, serviceConnectConfiguration=SERVICE_CONNECT)))
    assert fragment.collections["services"]["web"]["service_connect_log"] == {
        "enabled": True,
        "log_driver": "awslogs",
        # the awslogs options only, awslogs-create-group in lower case, as a container's
        "log_options": {
            "awslogs-group": "/ecs/proxy",
            "awslogs-region": "us-west-2",
            "awslogs-create-group": "true",
        },
        "source": at("svc.json", 8, "/serviceConnectConfiguration/logConfiguration"),
    }
    # without a logConfiguration, or with Service Connect off, the proxy adds nothing
    bare = {"enabled": True, "namespace": "internal.local"}
    off = dict(SERVICE_CONNECT, enabled=False)
    for configuration in (bare, off):
        service = build(doc("svc.json", dict(request, serviceConnectConfiguration=configuration)))
        assert "service_connect_log" not in service.collections["services"]["web"]


def test_container_fields() -> None:
    value = dict(
        TASK_DEFINITION,
        runtimePlatform={"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE"},
        containerDefinitions=[
            {
                "name": "app",
                "image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1",
                "essential": False,
                "readonlyRootFilesystem": True,
                "linuxParameters": {"initProcessEnabled": False},
                "repositoryCredentials": {"credentialsParameter": "arn:aws:secretsmanager:x"},
                "secrets": [{"name": "DB", "valueFrom": "arn:aws:ssm:eu-west-1:1:parameter/db"}],
                "environment": [{"name": "AWS_ACCESS_KEY_ID", "value": "AKIAEXAMPLE"}],
                "environmentFiles": [{"value": "arn:aws:s3:::config/app.env", "type": "s3"}],
                "mountPoints": [{"sourceVolume": "data", "containerPath": "/d", "readOnly": True}],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {"awslogs-create-group": "TRUE", "awslogs-group": "G"},
                },
            }
        ],
        volumes=[{"name": "data"}],
    )
    td = build(doc("td.json", value)).collections["task_definitions"]["app"]
    assert td["os_family"] == "WINDOWS_SERVER_2022_CORE"
    assert td["volumes"] == [
        {"name": "data", "efs": None, "source": at("td.json", 59, "/volumes/0")}
    ]
    container = td["containers"][0]
    del container["source"]
    assert container == {
        "name": "app",
        "image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1",
        "essential": False,
        "log_driver": "awslogs",
        "log_options": {"awslogs-create-group": "true", "awslogs-group": "G"},
        "secrets": [{"name": "DB", "value_from": "arn:aws:ssm:eu-west-1:1:parameter/db"}],
        "repository_credentials": "arn:aws:secretsmanager:x",
        "environment_names": ["AWS_ACCESS_KEY_ID"],
        "environment_files": ["arn:aws:s3:::config/app.env"],
        "readonly_root_filesystem": True,
        "init_process_enabled": False,
        "mount_points": [{"source_volume": "data", "container_path": "/d", "read_only": True}],
    }
    assert "AKIAEXAMPLE" not in json.dumps(td)


@pytest.mark.parametrize(
    ("cpu", "memory", "expected"),
    [
        (256, 512, (256, 512, "256", "512")),
        ("1 vCPU", "2GB", (1024, 2048, "1 vCPU", "2GB")),
        ("0.3 vcpu", "1 GiB", (None, None, "0.3 vcpu", "1 GiB")),
    ],
)
def test_task_size_is_parsed_and_kept_as_written(
    cpu: Any, memory: Any, expected: tuple[Any, ...]
) -> None:
    td = build(doc("td.json", dict(TASK_DEFINITION, cpu=cpu, memory=memory)))
    model = td.collections["task_definitions"]["app"]
    assert (model["cpu"], model["memory"], model["cpu_raw"], model["memory_raw"]) == expected


def test_same_family_in_two_files_is_qualified_by_file() -> None:
    fragment = build(doc("a/td.json", TASK_DEFINITION), doc("b/td.json", TASK_DEFINITION))
    tds = fragment.collections["task_definitions"]
    assert sorted(tds) == ["a/td.json#app", "b/td.json#app"]
    assert tds["a/td.json#app"]["name"] == "a/td.json#app"
    assert tds["a/td.json#app"]["family"] == "app"


# --- services and tasks ---------------------------------------------------------------------


def test_run_task_linked_to_the_family_of_the_run() -> None:
    fragment = build(fixture(METRICS_TD), fixture(METRICS_RUN))
    run_id = f"{METRICS_RUN}#run-task"
    assert fragment.collections["services"] == {
        run_id: {
            "id": run_id,
            "name": run_id,
            "source": at(METRICS_RUN, 1, ""),
            "kind": "task",
            "cluster": "firelens-testing",
            # `...-example:4` names a revision; a registration input has none yet, so it matches.
            "task_definition": "fluentbit-metrics-to-cw-firelens-example",
            "launch_type": "FARGATE",
            "capacity_provider_strategy": None,
            "platform_version": None,
            "enable_execute_command": False,
            "network": {
                "subnets": ["subnet-01524d7b964f0bba9", "subnet-057c87f66faa5a9b2"],
                "security_groups": ["sg-00f737290542dbc15"],
                "assign_public_ip": "DISABLED",
                # notes about these subnets and groups point here (not at the file's line 1)
                "source": at(METRICS_RUN, 6, "/networkConfiguration/awsvpcConfiguration"),
            },
        }
    }


def test_run_task_of_a_family_outside_the_inputs_is_unknown() -> None:
    fragment = build(fixture(FIREHOSE_TD), fixture(FIREHOSE_RUN))
    run = fragment.collections["services"][f"{FIREHOSE_RUN}#run-task"]
    assert run["task_definition"] == {
        "unknown": "task definition firelens-amazon-es-bug-bash:4 is not in the scanned inputs",
        "ref": "task definition firelens-amazon-es-bug-bash:4",
        "source": at(FIREHOSE_RUN, 3, "/taskDefinition"),
    }
    assert run["network"] == {
        "subnets": ["subnet-085a02b9ae9f3e86e", "subnet-0b91aaca96e30c195"],
        "security_groups": ["sg-030bc708ef4c925a4"],
        "assign_public_ip": "ENABLED",
        "source": at(FIREHOSE_RUN, 6, "/networkConfiguration/awsvpcConfiguration"),
    }
    assert run["cluster"] == "default"


def test_service_without_name_or_task_definition() -> None:
    sv_id = f"{ECSPRESSO_SV}#service"
    service = build(fixture(ECSPRESSO_SV)).collections["services"][sv_id]
    assert service == {
        "id": sv_id,
        "name": sv_id,
        "source": at(ECSPRESSO_SV, 1, ""),
        "kind": "service",
        "cluster": None,
        "task_definition": {
            "unknown": f"service {sv_id} names no task definition",
            "ref": f"task definition of {sv_id}",
            "source": at(ECSPRESSO_SV, 1, ""),
        },
        "launch_type": "EC2",
        "capacity_provider_strategy": None,
        "platform_version": None,
        "enable_execute_command": False,
        "network": {
            "subnets": ["subnet-abcdef00", "subnet-abcdef01"],
            "security_groups": ["sg-12345678", "sg-23456789"],
            "assign_public_ip": "ENABLED",
            "source": at(ECSPRESSO_SV, 28, "/networkConfiguration/awsvpcConfiguration"),
        },
    }


def test_create_service_request() -> None:
    request = {
        "cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/prod",
        "serviceName": "web",
        "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/app:7",
        "desiredCount": 2,
        "capacityProviderStrategy": [
            {"capacityProvider": "FARGATE", "weight": 1, "base": 1},
            {"capacityProvider": "FARGATE_SPOT", "weight": 3},
        ],
        "platformVersion": "1.4.0",
        "enableExecuteCommand": True,
        "networkConfiguration": {
            "awsvpcConfiguration": {"subnets": ["subnet-1"], "assignPublicIp": "enabled"}
        },
    }
    fragment = build(doc("svc.json", request), doc("td.json", TASK_DEFINITION))
    assert fragment.errors == []
    assert fragment.collections["services"]["web"] == {
        "id": "web",
        "name": "web",
        "source": at("svc.json", 1, ""),
        "kind": "service",
        "cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/prod",
        "task_definition": "app",
        "launch_type": None,
        "capacity_provider_strategy": [
            {"capacity_provider": "FARGATE", "weight": 1, "base": 1},
            {"capacity_provider": "FARGATE_SPOT", "weight": 3, "base": 0},
        ],
        "platform_version": "1.4.0",
        "enable_execute_command": True,
        "network": {
            "subnets": ["subnet-1"],
            "security_groups": [],
            "assign_public_ip": "ENABLED",
            "source": at("svc.json", 20, "/networkConfiguration/awsvpcConfiguration"),
        },
    }


def test_run_task_without_network_configuration() -> None:
    service = build(doc("run.json", {"taskDefinition": "app", "count": 1})).collections["services"]
    assert service["run.json#run-task"]["network"] is None
    assert service["run.json#run-task"]["kind"] == "task"


def describe(revision: int, rel: str) -> LoadedFile:
    return doc(rel, {"taskDefinition": dict(TASK_DEFINITION, revision=revision)})


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("app", "b.json#app"),  # no revision: the latest, as ECS runs it
        ("app:3", "a.json#app"),
        ("app:5", "b.json#app"),
        ("arn:aws:ecs:us-east-1:123456789012:task-definition/app:3", "a.json#app"),
        ("arn:aws:ecs:us-east-1:123456789012:task-definition/app", "b.json#app"),
    ],
)
def test_revisions_pick_the_task_definition(written: str, expected: str) -> None:
    run = doc("run.json", {"taskDefinition": written, "launchType": "FARGATE"})
    fragment = build(describe(3, "a.json"), describe(5, "b.json"), run)
    assert fragment.collections["services"]["run.json#run-task"]["task_definition"] == expected


def test_revision_that_no_file_has_is_unknown() -> None:
    run = doc("run.json", {"taskDefinition": "app:4", "launchType": "FARGATE"})
    fragment = build(describe(3, "a.json"), describe(5, "b.json"), run)
    assert fragment.collections["services"]["run.json#run-task"]["task_definition"] == {
        "unknown": "task definition app:4 is not in the scanned inputs",
        "ref": "task definition app:4",
        "source": at("run.json", 2, "/taskDefinition"),
    }


def test_family_registered_by_two_files_is_ambiguous() -> None:
    run = doc("run.json", {"taskDefinition": "app", "launchType": "FARGATE"})
    fragment = build(doc("a.json", TASK_DEFINITION), doc("b.json", TASK_DEFINITION), run)
    assert fragment.collections["services"]["run.json#run-task"]["task_definition"] == {
        "unknown": "task definition app matches several task definitions of the scan",
        "ref": "task definition app",
        "source": at("run.json", 2, "/taskDefinition"),
    }


def test_same_service_name_in_two_files_is_qualified_by_file() -> None:
    request = {"serviceName": "web", "taskDefinition": "app", "launchType": "FARGATE"}
    fragment = build(doc("a/svc.json", request), doc("b/svc.json", request))
    assert sorted(fragment.collections["services"]) == ["a/svc.json#web", "b/svc.json#web"]


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "line", "message"),
    [
        (dict(TASK_DEFINITION, family=7), 2, "family must be a string, not a number"),
        (dict(TASK_DEFINITION, family=""), 1, "the task definition has no family"),
        (
            dict(TASK_DEFINITION, containerDefinitions=[]),
            1,
            "the task definition has no containerDefinitions",
        ),
        (
            dict(TASK_DEFINITION, containerDefinitions=["nginx"]),
            10,
            "each entry of containerDefinitions must be an object, not a string",
        ),
        (
            dict(TASK_DEFINITION, containerDefinitions=[{"name": "app"}]),
            10,
            "container app has no image",
        ),
        (
            dict(
                TASK_DEFINITION,
                containerDefinitions=[{"name": "a", "image": "x", "essential": "yes"}],
            ),
            13,
            "essential must be true or false, not a string",
        ),
        (
            dict(TASK_DEFINITION, cpu={"Ref": "Cpu"}),
            7,
            'cpu must be a string like "1024", not an object',
        ),
        (
            dict(TASK_DEFINITION, requiresCompatibilities="FARGATE"),
            4,
            "requiresCompatibilities must be a list, not a string",
        ),
        (
            dict(
                TASK_DEFINITION,
                containerDefinitions=[
                    {"name": "a", "image": "x", "logConfiguration": {"options": {"k": "v"}}}
                ],
            ),
            13,
            "the logConfiguration of container a has no logDriver",
        ),
        (
            dict(
                TASK_DEFINITION,
                containerDefinitions=[
                    {
                        "name": "a",
                        "image": "x",
                        "logConfiguration": {
                            "logDriver": "awslogs",
                            "options": {"awslogs-create-group": True},
                        },
                    }
                ],
            ),
            16,
            "awslogs-create-group must be a string, not a boolean",
        ),
        (
            dict(TASK_DEFINITION, proxyConfiguration={"containerName": 5}),
            16,
            "containerName must be a string, not a number",
        ),
        (
            dict(TASK_DEFINITION, proxyConfiguration="APPMESH"),
            15,
            "proxyConfiguration must be an object, not a string",
        ),
    ],
)
def test_wrong_types_are_source_errors_with_the_line(
    value: dict[str, Any], line: int, message: str
) -> None:
    fragment = build(doc("bad.json", value), doc("good.json", dict(TASK_DEFINITION, family="ok")))
    assert [(e.file, e.line, e.message) for e in fragment.errors] == [("bad.json", line, message)]
    # The bad file's objects are dropped; the other files still build.
    assert list(fragment.collections["task_definitions"]) == ["ok"]


@pytest.mark.parametrize(
    ("value", "line", "message"),
    [
        (
            {
                "taskDefinition": "app",
                "networkConfiguration": {"awsvpcConfiguration": {"subnets": "subnet-1"}},
            },
            5,
            "subnets must be a list, not a string",
        ),
        (
            {
                "taskDefinition": "app",
                "networkConfiguration": {"awsvpcConfiguration": {"assignPublicIp": "YES"}},
            },
            5,
            "assignPublicIp must be ENABLED or DISABLED, not YES",
        ),
        (
            {"serviceName": "web", "taskDefinition": 7, "launchType": "FARGATE"},
            3,
            "taskDefinition must be a string, not a number",
        ),
        ({"taskDefinition": "app", "cluster": ["a"]}, 3, "cluster must be a string, not a list"),
        (
            {
                "taskDefinition": "app",
                "capacityProviderStrategy": [{"capacityProvider": "FARGATE", "weight": "1"}],
            },
            6,
            "weight must be a whole number, not a string",
        ),
        (
            {"serviceName": "web", "enableExecuteCommand": "true", "launchType": "FARGATE"},
            3,
            "enableExecuteCommand must be true or false, not a string",
        ),
        (
            {"serviceName": "web", "serviceConnectConfiguration": "on"},
            3,
            "serviceConnectConfiguration must be an object, not a string",
        ),
        (
            {
                "serviceName": "web",
                "serviceConnectConfiguration": {"enabled": "yes", "logConfiguration": {}},
            },
            4,
            "enabled must be true or false, not a string",
        ),
        (
            {
                "serviceName": "web",
                "serviceConnectConfiguration": {"enabled": True, "logConfiguration": {}},
            },
            5,
            "the Service Connect logConfiguration has no logDriver",
        ),
    ],
)
def test_wrong_request_types_are_source_errors(
    value: dict[str, Any], line: int, message: str
) -> None:
    fragment = build(doc("bad.json", value))
    assert [(e.file, e.line, e.message) for e in fragment.errors] == [("bad.json", line, message)]
    assert fragment.collections == {}


def test_a_file_that_is_no_ecs_json_is_an_error_not_a_crash() -> None:
    fragment = build(doc("x.json", {"name": "package"}))
    assert [(e.file, e.message) for e in fragment.errors] == [
        ("x.json", "not an ECS task definition, service or run-task document")
    ]
    assert isinstance(fragment.errors[0], SourceError)


# --- the FG7xx rules on the real inputs -----------------------------------------------------

POLICIES = Path(__file__).resolve().parents[2] / "policies"
FG7_POLICIES = [
    POLICIES / "lib" / "result.rego",
    POLICIES / "lib" / "model.rego",
    POLICIES / "lib" / "taskdef.rego",
    *sorted(POLICIES.glob("rules/fg70*/policy.rego")),
]


def fg7_verdicts(model: dict[str, Any]) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    regorus = pytest.importorskip("regorus")
    engine = regorus.Engine()
    for policy in FG7_POLICIES:
        engine.add_policy_from_file(str(policy))
    engine.set_input_json(json.dumps(model))
    denied: set[tuple[Any, ...]] = set()
    undecided: set[tuple[Any, ...]] = set()
    for number in ("701", "702", "703", "704", "705"):
        package = f"data.fargate_preflight.rules.fg{number}"
        for f in json.loads(engine.eval_rule_as_json(f"{package}.deny")):
            denied.add((number, f["resource"], f["service"], f["location"]["line"]))
        for u in json.loads(engine.eval_rule_as_json(f"{package}.undecided")):
            undecided.add((number, u["unknown"]["ref"], u["service"]))
    return denied, undecided


def test_fg7_verdicts_on_the_corpus_and_seed() -> None:
    from scanner.model.builder import build_model

    model = build_model([build(*(fixture(rel) for rel in ALL_FIXTURES))], "us-east-1")
    denied, undecided = fg7_verdicts(model)
    # Every Fargate-compatible task definition has a valid network mode and size (the seed's
    # ".25 vcpu" / ".5 gb" included); four of them send no logs from any essential container.
    assert denied == {
        ("703", "ecs-exec-task", None, 12),
        ("703", "aws-cli", None, 7),
        ("703", "lifespan", None, 11),
        ("703", "nginx", None, 11),
    }
    firehose_run = f"{FIREHOSE_RUN}#run-task"
    metrics_run = f"{METRICS_RUN}#run-task"
    # Hard-coded subnets and security groups, and a family of another file, are not in the inputs.
    assert undecided == {
        ("704", "task definition firelens-amazon-es-bug-bash:4", firehose_run),
        ("705", "subnet subnet-085a02b9ae9f3e86e", firehose_run),
        ("705", "subnet subnet-0b91aaca96e30c195", firehose_run),
        ("705", "security group sg-030bc708ef4c925a4", firehose_run),
        ("705", "subnet subnet-01524d7b964f0bba9", metrics_run),
        ("705", "subnet subnet-057c87f66faa5a9b2", metrics_run),
        ("705", "security group sg-00f737290542dbc15", metrics_run),
    }


def test_fg7_verdicts_on_a_broken_task_definition_and_its_service() -> None:
    from scanner.model.builder import build_model

    td = dict(
        TASK_DEFINITION,
        networkMode="bridge",
        requiresCompatibilities=["EC2", "FARGATE"],
        cpu=".25 vcpu",
        memory="4 GB",
    )
    run = {"taskDefinition": "app", "launchType": "FARGATE", "count": 1}
    other = dict(TASK_DEFINITION, family="ec2only", requiresCompatibilities=["EC2"])
    web = {"serviceName": "web", "taskDefinition": "ec2only:2", "launchType": "FARGATE"}
    fragment = build(
        doc("td.json", td), doc("run.json", run), doc("e.json", other), doc("w.json", web)
    )
    denied, undecided = fg7_verdicts(build_model([fragment], "us-east-1"))
    assert denied == {
        ("701", "app", "run.json#run-task", 3),  # td.json's networkMode
        ("702", "app", "run.json#run-task", 1),
        ("703", "app", "run.json#run-task", 11),
        ("704", "ec2only", "web", 1),
    }
    assert undecided == set()


def test_run_task_overrides_of_the_roles_replace_the_task_definitions(tmp_path: Path) -> None:
    # ECS TaskOverride: a run-task may give its task other task and execution roles, so a task
    # definition without them is no FG106/FG601 for that task (the roles are not in the inputs)
    from scanner.api import ScanOptions, scan

    td = dict(
        TASK_DEFINITION,
        containerDefinitions=[
            {
                "name": "app",
                "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1",
                "linuxParameters": {"initProcessEnabled": True},
            }
        ],
    )
    role = "arn:aws:iam::123456789012:role/"
    run = {
        "taskDefinition": "app",
        "launchType": "FARGATE",
        "enableExecuteCommand": True,
        "overrides": {"executionRoleArn": f"{role}exec", "taskRoleArn": f"{role}task"},
    }
    (tmp_path / "td.json").write_text(json.dumps(td))
    (tmp_path / "run.json").write_text(json.dumps(run, indent=1))
    report = scan([tmp_path], ScanOptions(cwd=tmp_path))
    assert report.errors == ()
    rules = sorted((f.rule_id, f.resource, f.location.line) for f in report.findings)
    assert rules == [
        ("FG703", "app (as run.json#run-task overrides it)", 1),
        ("FG801", f"role {role}exec", 6),
        ("FG801", f"role {role}task", 7),
    ]
    # a second task that runs the task definition as registered has both errors
    (tmp_path / "plain.json").write_text(json.dumps(run | {"overrides": {}}))
    report = scan([tmp_path], ScanOptions(cwd=tmp_path))
    assert {(f.rule_id, f.service) for f in report.findings if f.level == "error"} == {
        ("FG106", "plain.json#run-task"),
        ("FG601", "plain.json#run-task"),
    }


@pytest.mark.parametrize(
    ("cpu", "image", "partial"),
    [
        # ecspresso's Go templates
        ("{{ env `TASK_CPU` `256` }}", "{{ must_env `IMAGE` }}", None),
        # sed's UPPER_SNAKE and CodeDeploy's <IMAGE1_NAME>
        ("TASK_CPU", "<IMAGE1_NAME>", None),
        # envsubst in the tag only: still a private ECR image, which decides its needs
        (
            "${CPU}",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:${TAG}",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:*",
        ),
    ],
)
def test_a_deploy_tools_placeholders_are_unknowns(
    tmp_path: Path, cpu: str, image: str, partial: str | None
) -> None:
    from scanner.api import ScanOptions, scan

    td = dict(TASK_DEFINITION, cpu=cpu, containerDefinitions=[{"name": "app", "image": image}])
    text = json.dumps(td, indent=1)
    (model,) = build(loaded("td.json", text)).collections["task_definitions"].values()
    found = model["containers"][0]["image"]
    assert (found["ref"], found["source"]["line"], found.get("partial")) == (
        f"placeholder {image}",
        12,
        partial,
    )
    assert model["cpu"] == model["cpu_raw"] and model["cpu"]["ref"] == f"placeholder {cpu}"
    # the size is an FG801 note (with the advice to scan the rendered file), not FG702
    (tmp_path / "td.json").write_text(text)
    report = scan([tmp_path], ScanOptions(cwd=tmp_path))
    assert report.errors == ()
    notes = [f for f in report.findings if f.rule_id in ("FG702", "FG801")]
    assert [(f.rule_id, f.resource, f.location.line) for f in notes] == [
        ("FG801", f"placeholder {cpu}", 7)
    ]
    assert notes[0].fix.startswith("Scan the task definition as the deploy tool renders it")


def test_a_size_that_is_no_placeholder_is_still_fg702(tmp_path: Path) -> None:
    from scanner.api import ScanOptions, scan

    (tmp_path / "td.json").write_text(json.dumps(dict(TASK_DEFINITION, cpu="big")))
    report = scan([tmp_path], ScanOptions(cwd=tmp_path))
    assert [f.rule_id for f in report.findings if f.level == "error"] == ["FG702"]
