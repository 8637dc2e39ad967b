"""Hypothesis strategies for hostile inputs: CloudFormation templates (valid and mutated) written
as YAML with short-form tags or as JSON, and mutations of the committed ECS and Terraform plan
fixtures. The generated files go through the whole scanner (load -> model -> evaluate -> report).
"""

from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@dataclass(frozen=True)
class Tag:
    """A short-form intrinsic (`!GetAtt A.B`) to write as a YAML tag, whatever its arity."""

    name: str
    value: Any


class _Dumper(yaml.SafeDumper):
    pass


def _represent_tag(dumper: yaml.SafeDumper, tag: Tag) -> yaml.Node:
    if isinstance(tag.value, list):
        return dumper.represent_sequence(f"!{tag.name}", tag.value)
    if isinstance(tag.value, dict):
        return dumper.represent_mapping(f"!{tag.name}", tag.value)
    return dumper.represent_scalar(f"!{tag.name}", "" if tag.value is None else str(tag.value))


_Dumper.add_representer(Tag, _represent_tag)


def long_form(value: Any) -> Any:
    """The JSON spelling of a value that may hold `Tag`s (`!Ref X` -> {"Ref": "X"})."""
    if isinstance(value, Tag):
        name = value.name if value.name in ("Ref", "Condition") else f"Fn::{value.name}"
        inner = long_form(value.value)
        if name == "Fn::GetAtt" and isinstance(inner, str):
            inner = inner.split(".", 1)
        return {name: inner}
    if isinstance(value, dict):
        return {str(k) if not isinstance(k, str) else k: long_form(v) for k, v in value.items()}
    if isinstance(value, list):
        return [long_form(v) for v in value]
    return value


def to_yaml(template: Any) -> str:
    return yaml.dump(template, Dumper=_Dumper, sort_keys=False, width=10_000)


def to_json(template: Any) -> str:
    return json.dumps(long_form(template), indent=1)


# --- CloudFormation --------------------------------------------------------------------------

LOGICALS = ["Vpc", "Subnet", "Rt", "Route", "Sg", "Nacl", "Entry", "Ep", "Role", "Td", "Svc", "Nat"]
# Names a reference may point to: resources, parameters, pseudo parameters, and nothing.
TARGETS = [*LOGICALS, "P", "Secret", "AWS::Region", "AWS::StackName", "AWS::NoValue", "Nothing"]
ATTRS = ["VpcId", "CidrBlock", "GroupId", "Arn", "Outputs.X", "Nope", "DefaultNetworkAcl"]

_scalars = st.one_of(
    st.sampled_from(
        [
            "10.0.0.0/16",
            "10.0.1.0/24",
            "0.0.0.0/0",
            "::/0",
            "not-a-cidr",
            "10.0.0.0/33",
            "tcp",
            "-1",
            "6",
            "ENABLED",
            "DISABLED",
            "FARGATE",
            "awsvpc",
            "awslogs",
            "nginx",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1",
            "com.amazonaws.us-east-1.s3",
            "com.amazonaws.us-east-1.ecr.api",
            "Interface",
            "Gateway",
            "allow",
            "deny",
            "",
            "${Nothing}",
            "${Vpc.CidrBlock}",
            "${AWS::Region}",
            "${!Literal}",
            "${",
        ]
    ),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
)

# Short-form tags with every arity, right or wrong.
_TAG_NAMES = [
    "Ref",
    "GetAtt",
    "Sub",
    "Join",
    "Select",
    "Split",
    "If",
    "Equals",
    "Not",
    "And",
    "Or",
    "FindInMap",
    "ImportValue",
    "GetAZs",
    "Cidr",
    "Base64",
    "Condition",
    "Length",
    "ToJsonString",
    "Transform",
    "Nope",
]


def _tags(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.builds(Tag, st.just("Ref"), st.sampled_from(TARGETS)),
        st.builds(
            Tag,
            st.just("GetAtt"),
            st.builds(lambda a, b: f"{a}.{b}", st.sampled_from(TARGETS), st.sampled_from(ATTRS)),
        ),
        st.builds(Tag, st.just("Sub"), st.sampled_from(["${Vpc}-${P}", "${Nothing}", "x${"])),
        st.builds(Tag, st.sampled_from(_TAG_NAMES), st.lists(inner, max_size=4)),
        st.builds(Tag, st.sampled_from(_TAG_NAMES), _scalars),
        st.builds(Tag, st.sampled_from(_TAG_NAMES), st.dictionaries(st.just("a"), inner)),
    )


def _deep(value: Any, depth: int, kind: str) -> Any:
    for _ in range(depth):
        value = [value] if kind == "list" else {"a": value}
    return value


VALUES: st.SearchStrategy[Any] = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.sampled_from(["Ref", "Fn::GetAtt", "Fn::If", "Key", "Value", "Name", "a"]),
            inner,
            max_size=3,
        ),
        # keys that are not strings: YAML allows them, CloudFormation does not
        st.dictionaries(st.one_of(st.integers(0, 3), st.booleans(), st.none()), inner, max_size=2),
        _tags(inner),
    ),
    max_leaves=10,
)

# Properties by resource type: the ones the scanner reads, with good values to start from.
GOOD_PROPERTIES: dict[str, dict[str, Any]] = {
    "AWS::EC2::VPC": {"CidrBlock": "10.0.0.0/16", "EnableDnsHostnames": True},
    "AWS::EC2::Subnet": {
        "VpcId": Tag("Ref", "Vpc"),
        "CidrBlock": "10.0.1.0/24",
        "MapPublicIpOnLaunch": False,
    },
    "AWS::EC2::RouteTable": {"VpcId": Tag("Ref", "Vpc")},
    "AWS::EC2::Route": {
        "RouteTableId": Tag("Ref", "Rt"),
        "DestinationCidrBlock": "0.0.0.0/0",
        "NatGatewayId": Tag("Ref", "Nat"),
    },
    "AWS::EC2::SubnetRouteTableAssociation": {
        "SubnetId": Tag("Ref", "Subnet"),
        "RouteTableId": Tag("Ref", "Rt"),
    },
    "AWS::EC2::NatGateway": {"SubnetId": Tag("Ref", "Subnet")},
    "AWS::EC2::SecurityGroup": {
        "GroupDescription": "sg",
        "VpcId": Tag("Ref", "Vpc"),
        "SecurityGroupEgress": [
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "0.0.0.0/0"}
        ],
    },
    "AWS::EC2::NetworkAcl": {"VpcId": Tag("Ref", "Vpc")},
    "AWS::EC2::NetworkAclEntry": {
        "NetworkAclId": Tag("Ref", "Nacl"),
        "RuleNumber": 100,
        "Protocol": 6,
        "RuleAction": "allow",
        "Egress": True,
        "CidrBlock": "0.0.0.0/0",
        "PortRange": {"From": 443, "To": 443},
    },
    "AWS::EC2::VPCEndpoint": {
        "VpcId": Tag("Ref", "Vpc"),
        "ServiceName": Tag("Sub", "com.amazonaws.${AWS::Region}.ecr.api"),
        "VpcEndpointType": "Interface",
        "PrivateDnsEnabled": True,
        "SubnetIds": [Tag("Ref", "Subnet")],
        "SecurityGroupIds": [Tag("GetAtt", "Sg.GroupId")],
        # every part of a statement the policies read, for mutations to reach
        "PolicyDocument": {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": ["123456789012", Tag("GetAtt", "Role.Arn")]},
                    "Action": ["ecr:*", "sns:Publish"],
                    "Resource": ["arn:aws:ecr:us-east-1:123456789012:repository/*", "*"],
                },
                {
                    "Effect": "Deny",
                    "NotPrincipal": {"AWS": "arn:aws:iam::123456789012:root"},
                    "NotAction": "ecr:*",
                    "NotResource": "arn:aws:sns:*:*:t",
                    "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-1"}},
                },
            ]
        },
    },
    "AWS::IAM::Role": {
        "AssumeRolePolicyDocument": {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ]
        },
        "Policies": [
            {
                "PolicyName": "p",
                "PolicyDocument": {
                    "Statement": [{"Effect": "Allow", "Action": "sns:Publish", "Resource": "*"}]
                },
            }
        ],
    },
    "AWS::ECS::TaskDefinition": {
        "RequiresCompatibilities": ["FARGATE"],
        "NetworkMode": "awsvpc",
        "Cpu": "256",
        "Memory": "512",
        "ExecutionRoleArn": Tag("GetAtt", "Role.Arn"),
        "TaskRoleArn": Tag("Ref", "Role"),
        "ContainerDefinitions": [
            {
                "Name": "app",
                "Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1",
                "Environment": [{"Name": "A", "Value": "b"}],
                "LogConfiguration": {
                    "LogDriver": "awslogs",
                    "Options": {"awslogs-group": "g", "awslogs-region": "us-east-1"},
                },
            }
        ],
    },
    "AWS::ECS::Service": {
        "LaunchType": "FARGATE",
        "TaskDefinition": Tag("Ref", "Td"),
        "NetworkConfiguration": {
            "AwsvpcConfiguration": {
                "Subnets": [Tag("Ref", "Subnet")],
                "SecurityGroups": [Tag("Ref", "Sg")],
                "AssignPublicIp": "DISABLED",
            }
        },
    },
    "AWS::CloudFormation::Stack": {"TemplateURL": "child.yaml"},
    # Runners beside services: a scheduled task, a Scheduler schedule, a task set.
    "AWS::Events::Rule": {
        "ScheduleExpression": "rate(1 hour)",
        "Targets": [
            {
                "Id": "Run",
                "Arn": "arn:aws:ecs:us-east-1:123456789012:cluster/c",
                "EcsParameters": {
                    "TaskDefinitionArn": Tag("Ref", "Td"),
                    "LaunchType": "FARGATE",
                    "NetworkConfiguration": {
                        "AwsVpcConfiguration": {"Subnets": [Tag("Ref", "Subnet")]}
                    },
                },
            }
        ],
    },
    "AWS::Scheduler::Schedule": {
        "ScheduleExpression": "rate(1 hour)",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": {
            "Arn": "arn:aws:ecs:us-east-1:123456789012:cluster/c",
            "RoleArn": Tag("GetAtt", "Role.Arn"),
            "EcsParameters": {
                "TaskDefinitionArn": Tag("Ref", "Td"),
                "NetworkConfiguration": {
                    "AwsvpcConfiguration": {
                        "Subnets": [Tag("Ref", "Subnet")],
                        "SecurityGroups": [Tag("Ref", "Sg")],
                    }
                },
            },
        },
    },
    "AWS::ECS::TaskSet": {
        "Cluster": "c",
        "Service": Tag("Ref", "Svc"),
        "TaskDefinition": Tag("Ref", "Td"),
        "LaunchType": "FARGATE",
        "NetworkConfiguration": {"AwsVpcConfiguration": {"Subnets": [Tag("Ref", "Subnet")]}},
    },
    # A Step Functions state that runs a task, its definition JSON text around references as
    # CDK writes it, and a substitution.
    "AWS::StepFunctions::StateMachine": {
        "RoleArn": Tag("GetAtt", "Role.Arn"),
        "DefinitionSubstitutions": {"Group": Tag("Ref", "Sg")},
        "DefinitionString": Tag(
            "Join",
            [
                "",
                [
                    '{"StartAt":"Run","States":{"Run":{"Type":"Task","End":true,'
                    '"Resource":"arn:aws:states:::ecs:runTask.sync","Parameters":{"Cluster":"c",'
                    '"TaskDefinition":"',
                    Tag("Ref", "Td"),
                    '","LaunchType":"FARGATE","NetworkConfiguration":{"AwsvpcConfiguration":'
                    '{"SecurityGroups":["${Group}"],"Subnets":["',
                    Tag("Ref", "Subnet"),
                    '"],"AssignPublicIp.$":"$.ip"}}}}}}',
                ],
            ],
        ),
    },
}
TYPE_OF = {
    "Vpc": "AWS::EC2::VPC",
    "Subnet": "AWS::EC2::Subnet",
    "Rt": "AWS::EC2::RouteTable",
    "Route": "AWS::EC2::Route",
    "Sg": "AWS::EC2::SecurityGroup",
    "Nacl": "AWS::EC2::NetworkAcl",
    "Entry": "AWS::EC2::NetworkAclEntry",
    "Ep": "AWS::EC2::VPCEndpoint",
    "Role": "AWS::IAM::Role",
    "Td": "AWS::ECS::TaskDefinition",
    "Svc": "AWS::ECS::Service",
    "Nat": "AWS::EC2::NatGateway",
}
EXTRA_TYPES = [
    "AWS::EC2::SubnetRouteTableAssociation",
    "AWS::CloudFormation::Stack",
    "AWS::Events::Rule",
    "AWS::Scheduler::Schedule",
    "AWS::ECS::TaskSet",
    "AWS::StepFunctions::StateMachine",
]


def good_template() -> dict[str, Any]:
    """A template that builds a whole Fargate service: the starting point of every mutation."""
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {
            "P": {"Type": "String", "Default": "v"},
            "Secret": {"Type": "String", "NoEcho": True, "Default": "s3cr3t"},
        },
        "Conditions": {"C": Tag("Equals", [Tag("Ref", "P"), "v"])},
        "Mappings": {"M": {"a": {"b": "c"}}},
        "Resources": {
            logical: {"Type": kind, "Properties": copy.deepcopy(GOOD_PROPERTIES[kind])}
            for logical, kind in TYPE_OF.items()
        },
        "Outputs": {"O": {"Value": Tag("Ref", "Vpc"), "Export": {"Name": "e"}}},
    }


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a template a mutation can replace (mapping values and list items)."""
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _paths(value, (*prefix, i))
    elif isinstance(node, Tag):
        found += _paths(node.value, (*prefix, "tag"))
    return found


def _set(node: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(node, Tag):
        return Tag(node.name, _set(node.value, rest, value))
    node[head] = _set(node[head], rest, value)
    return node


def _delete(node: Any, path: tuple[Any, ...]) -> None:
    *parent_path, last = path
    parent = node
    for part in parent_path:
        parent = parent.value if isinstance(parent, Tag) else parent[part]
    if isinstance(parent, Tag):
        return
    del parent[last]


# A mutation: what it does to the template (kept in the failure report as the example).
MUTATIONS = [
    "replace",
    "delete",
    "wrong-type",
    "deep-list",
    "deep-map",
    "huge-list",
    "self-reference",
    "add-resource",
    "bad-tag",
]


@st.composite
def mutated(draw: st.DrawFn, kind: str | None = None) -> tuple[str, Any]:
    """(what was done, template): the good template with one to three mutations."""
    template = good_template()
    done = []
    for _ in range(draw(st.integers(1, 3))):
        mutation = kind or draw(st.sampled_from(MUTATIONS))
        places = _paths(template)
        place = draw(st.sampled_from(places))
        done.append(f"{mutation} at {'/'.join(map(str, place))}")
        if mutation == "replace":
            template = _set(template, place, draw(VALUES))
        elif mutation == "delete":
            _delete(template, place)
        elif mutation == "wrong-type":
            template = _set(template, place, draw(st.sampled_from([[], {}, None, 7, True, "x"])))
        elif mutation in ("deep-list", "deep-map"):
            depth = draw(st.integers(20, 190))
            template = _set(template, place, _deep("x", depth, mutation[5:]))
        elif mutation == "huge-list":
            count = draw(st.sampled_from([1_000, 20_000]))
            # Copies: a later mutation inside one item must not change all of them (a huge list
            # inside a shared item is 400 million values in JSON, tens of GB in this generator).
            item = draw(VALUES)
            template = _set(template, place, [copy.deepcopy(item) for _ in range(count)])
        elif mutation == "self-reference":
            # Ref/GetAtt cycles: a resource's property names itself or its neighbour.
            logical = place[1] if len(place) > 1 and place[0] == "Resources" else "Vpc"
            other = draw(st.sampled_from(LOGICALS))
            ref = draw(
                st.sampled_from(
                    [
                        Tag("Ref", logical),
                        Tag("GetAtt", f"{logical}.CidrBlock"),
                        Tag("GetAtt", f"{other}.VpcId"),
                        Tag("Sub", f"${{{logical}.GroupId}}"),
                    ]
                )
            )
            template = _set(template, place, ref)
        elif mutation == "add-resource":
            logical = draw(st.sampled_from([*LOGICALS, "Extra"]))
            rtype = draw(st.sampled_from([*TYPE_OF.values(), *EXTRA_TYPES, "AWS::Nope::X", 7]))
            props = draw(
                st.one_of(
                    st.just(copy.deepcopy(GOOD_PROPERTIES.get(str(rtype), {}))),
                    st.dictionaries(
                        st.sampled_from(sorted({k for p in GOOD_PROPERTIES.values() for k in p})),
                        VALUES,
                        max_size=4,
                    ),
                    VALUES,
                )
            )
            resources = template.setdefault("Resources", {})
            if isinstance(resources, dict):
                resources[logical] = {"Type": rtype, "Properties": props}
        else:  # bad-tag
            template = _set(template, place, draw(_tags(VALUES)))
    return "; ".join(done), template


def template_files() -> st.SearchStrategy[tuple[str, str, str]]:
    """(what was done, file name, text) of a mutated template, as YAML or JSON."""
    return st.builds(
        lambda m, fmt: (m[0], f"t.{fmt}", to_yaml(m[1]) if fmt == "yaml" else to_json(m[1])),
        mutated(),
        st.sampled_from(["yaml", "yaml", "json"]),
    )


# --- ECS JSON and Terraform plans: mutations of the committed fixtures -----------------------

ECS_FIXTURES = sorted((FIXTURES / "corpus" / "task-definition").glob("*.json")) + sorted(
    (FIXTURES / "seed").glob("*.json")
)
PLAN_FIXTURES = sorted((FIXTURES / "terraform").glob("*/plan.json"))

_JSON_VALUES: st.SearchStrategy[Any] = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**63), 2**63),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=10),
        st.sampled_from(["FARGATE", "awsvpc", "ENABLED", "0.0.0.0/0", "aws_vpc.main", "known"]),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def _json_paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _json_paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _json_paths(value, (*prefix, i))
    return found


@st.composite
def mutated_json(draw: st.DrawFn, files: list[Path]) -> tuple[str, str, str]:
    """(what was done, file name, text): a fixture with a few values replaced or removed."""
    path = draw(st.sampled_from(files))
    data = json.loads(path.read_text(encoding="utf-8"))
    done = [path.parent.name + "/" + path.name]
    places = _json_paths(data)
    for _ in range(draw(st.integers(1, 4))):
        place = draw(st.sampled_from(places))
        action = draw(st.sampled_from(["replace", "replace", "delete", "wrong-type", "deep"]))
        done.append(f"{action} at {'/'.join(map(str, place))}")
        try:
            if action == "delete":
                _delete(data, place)
            elif action == "wrong-type":
                data = _set(data, place, draw(st.sampled_from([[], {}, None, 7, True, "x"])))
            elif action == "deep":
                data = _set(data, place, _deep("x", draw(st.integers(20, 190)), "list"))
            else:
                data = _set(data, place, draw(_JSON_VALUES))
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed the place
    return "; ".join(done), path.name, json.dumps(data)


def profile(scale: float = 1.0) -> Any:
    """The settings of a fuzz test: the profile chosen by FP_FUZZ_PROFILE (conftest.py), with
    `scale` times its examples (the slow strategies run fewer); FP_FUZZ_EXAMPLES overrides the
    profile's number."""
    from hypothesis import settings

    base = settings.get_profile(os.environ.get("FP_FUZZ_PROFILE", "ci"))
    examples = int(os.environ.get("FP_FUZZ_EXAMPLES", base.max_examples))
    return settings(base, max_examples=max(1, int(examples * scale)))
