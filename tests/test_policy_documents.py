"""Policy documents that IAM would refuse (MalformedPolicyDocument): an error at the resource
that holds one (exit 2), and the document is left unknown, so what depends on it is undecided
(FG801) while the rest of the resource is still analysed. Before, such a document stopped the
engine (exit 3) or, taken out with its resource, read as a missing endpoint."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from scanner.api import ScanOptions, scan
from tests.reliability.strategies import Tag, good_template, to_yaml

TRUST = ("Role", "AssumeRolePolicyDocument")
INLINE = ("Role", "Policies", 0, "PolicyDocument")
ENDPOINT = ("Ep", "PolicyDocument")
ENDPOINT_POLICY = {
    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]
}


def _edit(document: tuple[Any, ...], statement: tuple[Any, ...], value: Any) -> dict[str, Any]:
    template = good_template()
    resources = template["Resources"]
    resources["Ep"]["Properties"]["PolicyDocument"] = copy.deepcopy(ENDPOINT_POLICY)
    holder = resources[document[0]]["Properties"]
    for part in document[1:]:
        holder = holder[part]
    for part in statement[:-1]:
        holder = holder.setdefault(part, {}) if isinstance(holder, dict) else holder[part]
    holder[statement[-1]] = value
    return template


PRINCIPAL = ("Statement", 0, "Principal")
CONDITION = ("Statement", 0, "Condition")


@pytest.mark.parametrize(
    ("document", "statement", "value", "kind", "blocked"),
    [
        (TRUST, PRINCIPAL, [], "a list", "FG107"),
        (TRUST, PRINCIPAL, "ecs-tasks.amazonaws.com", "a string", "FG107"),
        (TRUST, CONDITION, ["x"], "a list", "FG107"),
        (TRUST, (*CONDITION, "StringEquals"), "x", "a string", "FG107"),
        (TRUST, ("Statement",), 7, "a number", "FG107"),
        (INLINE, ("Statement", 0, "Action"), {"a": 1}, "a map", "FG103, FG104"),
        (ENDPOINT, PRINCIPAL, [], "a list", "FG102"),
        (ENDPOINT, ("Statement", 0), "x", "a string", "FG102"),
    ],
)
def test_a_policy_document_iam_refuses_is_an_error_and_left_unknown(
    tmp_path: Path,
    document: tuple[Any, ...],
    statement: tuple[Any, ...],
    value: Any,
    kind: str,
    blocked: str,
) -> None:
    text = to_yaml(_edit(document, statement, value))
    (tmp_path / "t.yaml").write_text(text, encoding="utf-8")
    resource = document[0]
    field = "/".join(str(part) for part in statement)
    line = text.splitlines().index(f"  {resource}:") + 1
    model_field = {TRUST: "trust_policy", INLINE: "inline_policies/0/document"}.get(
        document, "policy"
    )

    report = scan([tmp_path], ScanOptions(cwd=tmp_path, region="us-east-1"))

    assert [(e.file, e.line, e.message) for e in report.errors] == [
        (
            "t.yaml",
            line,
            f"{resource}: {kind} where its {model_field}/{field} should be (a value of another "
            f"type); IAM refuses such a policy document; what depends on its {model_field} is "
            "undecided",
        )
    ]
    undecided = [f for f in report.findings if f.rule_id == "FG801"]
    assert [(f.resource, f.location.line) for f in undecided] == [
        (f"{resource}/{model_field}", line)
    ]
    assert f"it blocks {blocked} for service Svc" in undecided[0].message
    # The resource is still there: the endpoint still carries ecr.api.
    assert not [f for f in report.findings if f.need == "ecr.api" and f.rule_id == "FG202"]


def test_an_inline_policy_under_an_unsettled_condition_is_undecided(tmp_path: Path) -> None:
    template = good_template()
    template["Parameters"]["Q"] = {"Type": "String"}  # no default, no value given
    template["Conditions"]["D"] = Tag("Equals", [Tag("Ref", "Q"), "x"])
    policy = template["Resources"]["Role"]["Properties"]["Policies"][0]
    policy["PolicyDocument"] = Tag("If", ["D", policy["PolicyDocument"], policy["PolicyDocument"]])
    (tmp_path / "t.yaml").write_text(to_yaml(template), encoding="utf-8")

    report = scan([tmp_path], ScanOptions(cwd=tmp_path, region="us-east-1"))

    assert report.errors == ()
    # Either branch could allow what the execution role needs: no FG103/FG104 error.
    assert [(f.rule_id, f.resource) for f in report.findings if f.rule_id < "FG2"] == []
    [undecided] = [f for f in report.findings if f.rule_id == "FG801"]
    assert undecided.resource == "Parameter Q"
    assert "it blocks FG103, FG104 for service Svc" in undecided.message


@pytest.mark.parametrize(
    ("principal", "undecided"),
    [({"AWS": 123456789012}, True), ({"AWS": "123456789012"}, False), ({"AWS": "*"}, False)],
)
def test_an_account_principal_written_as_a_number_is_undecided(
    tmp_path: Path, principal: dict[str, Any], undecided: bool
) -> None:
    # `AWS: 123456789012` unquoted in YAML is a number, which IAM does not document: before,
    # it matched no caller, a false FG102 ("no statement allows ecr:GetAuthorizationToken").
    text = to_yaml(_edit(ENDPOINT, PRINCIPAL, principal))
    (tmp_path / "t.yaml").write_text(text, encoding="utf-8")
    line = text.splitlines().index("  Ep:") + 1

    report = scan([tmp_path], ScanOptions(cwd=tmp_path, region="us-east-1"))

    assert report.errors == ()
    assert [f.rule_id for f in report.findings if f.rule_id == "FG102"] == []
    notes = [(f.location.line, f.message, f.fix) for f in report.findings if f.rule_id == "FG801"]
    assert notes == (
        [
            (
                line,
                "principals of the policy of VPC endpoint Ep is not settled (its AWS principal "
                "123456789012 is a number, and IAM documents account principals as strings): it "
                "blocks FG102 for service Svc",
                'Quote the account ID in the policy of VPC endpoint Ep (AWS: "123456789012") so '
                "these checks can run.",
            )
        ]
        if undecided
        else []
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [("Resource", 5), ("Resource", [True]), ("Principal", {"AWS": True}), ("Action", 1.5)],
)
def test_a_number_or_boolean_where_iam_takes_a_string_allows_nothing(
    tmp_path: Path, field: str, value: Any
) -> None:
    # Before, `Resource: 5` in an endpoint policy stopped regorus (`contains` on a number:
    # exit 3); so did `AWS: 5` for a role whose ARN is known (iam_test.rego).
    template = _edit(ENDPOINT, ("Statement", 0, field), value)
    (tmp_path / "t.yaml").write_text(to_yaml(template), encoding="utf-8")

    report = scan([tmp_path], ScanOptions(cwd=tmp_path, region="us-east-1"))

    assert report.errors == ()
    denied = [(f.resource, f.need) for f in report.findings if f.rule_id == "FG102"]
    assert denied == [("Ep", "ecr.api")]
