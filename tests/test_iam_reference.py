"""Property test: the IAM evaluator (`iam.decide`, Rego) against a straightforward reference.

The reference is the AWS evaluation logic for one request against identity policies, written
the obvious way: IAM wildcards become a regular expression (`*` any run of characters, `?` one
character; actions compare case-insensitively, resources case-sensitively), `NotAction` and
`NotResource` invert the match, and an explicit `Deny` beats an `Allow`, which beats the
implicit deny. It shares no code with the Rego (which uses `glob.match`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import regorus
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

LIB = Path(__file__).resolve().parent.parent / "policies" / "lib"


def wildcard(pattern: str) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.S)


def matches(patterns: str | list[str], value: str, *, fold: bool) -> bool:
    items = [patterns] if isinstance(patterns, str) else patterns
    if fold:
        return any(wildcard(p.lower()).fullmatch(value.lower()) for p in items)
    return any(wildcard(p).fullmatch(value) for p in items)


def applies(statement: dict[str, Any], action: str, resource: str) -> bool:
    if "Action" in statement:
        action_ok = matches(statement["Action"], action, fold=True)
    else:
        action_ok = not matches(statement["NotAction"], action, fold=True)
    if "Resource" in statement:
        resource_ok = matches(statement["Resource"], resource, fold=False)
    else:
        resource_ok = not matches(statement["NotResource"], resource, fold=False)
    return action_ok and resource_ok


def reference(statements: list[dict[str, Any]], action: str, resource: str) -> str:
    hits = [s["Effect"] for s in statements if applies(s, action, resource)]
    if "Deny" in hits:
        return "explicit_deny"
    return "allow" if "Allow" in hits else "implicit_deny"


@pytest.fixture(scope="module")
def engine() -> regorus.Engine:
    eng = regorus.Engine()
    for name in ("model.rego", "needs.rego", "iam.rego", "partial_arn.rego", "conditions.rego"):
        eng.add_policy_from_file(str(LIB / name))
    eng.add_data_json(json.dumps({"fargate_preflight": {"aws": {"managed_policies": {}}}}))
    eng.set_input_json("{}")
    return eng


QUERY = "x := data.fargate_preflight.lib.iam.decide(input.policies, input.req, null).decision"


def rego_decision(
    eng: regorus.Engine, statements: list[dict[str, Any]], action: str, resource: str
) -> str:
    policy = {
        "name": "P",
        "document": {"Statement": statements},
        "source": {"file": "p", "line": 1},
    }
    request = {"action": action.lower(), "resource": resource}
    eng.set_input_json(json.dumps({"policies": [policy], "req": request}))
    answer = json.loads(eng.eval_query_as_json(QUERY))
    return str(answer["result"][0]["bindings"]["x"])


# --- strategies --------------------------------------------------------------------------------

SERVICES = ["sns", "sqs", "s3"]
VERBS = ["Publish", "ListTopics", "GetObject", "PutObject", "SendMessage"]
NAMES = ["app", "apps", "a/b", "app:1", "ap[p]", "x{y}"]


@st.composite
def action_patterns(draw: st.DrawFn) -> str:
    service = draw(st.sampled_from([*SERVICES, "*", "s?s", "S3"]))
    verb = draw(st.sampled_from([*VERBS, "*", "List*", "Get?bject", "publish", "*Object", ""]))
    return "*" if service == "*" and verb == "" else f"{service}:{verb}"


@st.composite
def resource_patterns(draw: st.DrawFn) -> str:
    service = draw(st.sampled_from([*SERVICES, "*"]))
    region = draw(st.sampled_from(["us-east-1", "*", "us-*", ""]))
    account = draw(st.sampled_from(["123456789012", "*", "", "12345678901?"]))
    name = draw(st.sampled_from([*NAMES, "*", "ap*", "a?p", "a/*", "App"]))
    return draw(st.sampled_from(["*", f"arn:aws:{service}:{region}:{account}:{name}"]))


def one_or_list(items: st.SearchStrategy[str]) -> st.SearchStrategy[str | list[str]]:
    return st.one_of(items, st.lists(items, min_size=1, max_size=3))


@st.composite
def statements(draw: st.DrawFn) -> dict[str, Any]:
    action_key = draw(st.sampled_from(["Action", "Action", "NotAction"]))
    resource_key = draw(st.sampled_from(["Resource", "Resource", "NotResource"]))
    return {
        "Effect": draw(st.sampled_from(["Allow", "Allow", "Deny"])),
        action_key: draw(one_or_list(action_patterns())),
        resource_key: draw(one_or_list(resource_patterns())),
    }


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, str]:
    service = draw(st.sampled_from(SERVICES))
    action = f"{service}:{draw(st.sampled_from(VERBS))}"
    region = draw(st.sampled_from(["us-east-1", "eu-west-1"]))
    account = draw(st.sampled_from(["123456789012", "210987654321"]))
    name = draw(st.sampled_from(NAMES))
    return action, f"arn:aws:{service}:{region}:{account}:{name}"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policy=st.lists(statements(), min_size=1, max_size=4), request=requests())
def test_decide_matches_the_reference(
    engine: regorus.Engine, policy: list[dict[str, Any]], request: tuple[str, str]
) -> None:
    action, resource = request
    assert rego_decision(engine, policy, action, resource) == reference(policy, action, resource)


@pytest.mark.parametrize(
    ("pattern", "value", "fold", "expected"),
    [
        ("sns:List*", "SNS:ListTopics", True, True),
        ("sns:ListTopic?", "sns:ListTopics", True, True),
        ("sns:ListTopic?", "sns:ListTopic", True, False),
        ("arn:aws:s3:::b/*", "arn:aws:s3:::b/x/y", False, True),
        ("arn:aws:s3:::B/*", "arn:aws:s3:::b/x", False, False),
        ("arn:aws:s3:::b[1]", "arn:aws:s3:::b[1]", False, True),
    ],
)
def test_reference_matcher(pattern: str, value: str, fold: bool, expected: bool) -> None:
    assert matches(pattern, value, fold=fold) is expected


def test_deny_beats_allow_in_both() -> None:
    policy = [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "sns:List*", "Resource": "*"},
    ]
    assert reference(policy, "sns:ListTopics", "arn:aws:sns:us-east-1:1:t") == "explicit_deny"
    assert reference(policy, "sns:Publish", "arn:aws:sns:us-east-1:1:t") == "allow"
