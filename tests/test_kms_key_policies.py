"""FG605's kms:Decrypt on the cluster's ECS Exec key, end to end, as the key policy and the task
role's policies decide it together (policies/lib/kms.rego): tests/fixtures/iam/exec-kms-service.yaml
(a key the template creates, whose key policy names the account's root, and a task role
without kms:Decrypt) with one change each, scanned through `scanner.api.scan`. Before, only the
role's policies were read: a key policy that grants the task role was a false FG605."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.api import ScanOptions, scan

SERVICE = Path(__file__).parent / "fixtures" / "iam" / "exec-kms-service.yaml"
ROOT = (
    '          - {Effect: Allow, Principal: {AWS: !Sub "arn:aws:iam::${AWS::AccountId}:root"}, '
    'Action: "kms:*", Resource: "*"}\n'
)
CHANNELS = 'ssmmessages:OpenDataChannel], Resource: "*"}\n'
IAM_GRANT = (
    CHANNELS + "              - {Effect: Allow, Action: kms:Decrypt, Resource: !GetAtt Key.Arn}\n"
)


def key_statement(effect: str, principal: str, extra: str = "") -> str:
    return (
        f"          - {{Effect: {effect}, Principal: {principal}, Action: kms:Decrypt, "
        f'Resource: "*"{extra}}}\n'
    )


TO_TASK_ROLE = key_statement("Allow", "{AWS: !GetAtt TaskRole.Arn}")
ROLE_LINE = SERVICE.read_text(encoding="utf-8").splitlines().index("  TaskRole:") + 1
KEY_LINE = SERVICE.read_text(encoding="utf-8").splitlines().index("  Key:") + 1
DENIED = (
    "service Service: task definition TaskDef: task role TaskRole is not authorized to perform: "
    "kms:Decrypt on resource: arn:aws:kms:us-east-1:*:key/* {} (needed for the cluster's ECS "
    "Exec KMS key arn:aws:kms:us-east-1:*:key/*)"
)


def findings(tmp_path: Path, *changes: tuple[str, str]) -> list[tuple[str, int, str]]:
    text = SERVICE.read_text(encoding="utf-8")
    for old, new in changes:
        assert old in text
        text = text.replace(old, new)
    (tmp_path / "t.yaml").write_text(text, encoding="utf-8")
    report = scan([tmp_path], ScanOptions(cwd=tmp_path, region="us-east-1"))
    assert report.errors == ()
    return [(f.rule_id, f.location.line, f.message) for f in report.findings]


@pytest.mark.parametrize("key_id", ["!GetAtt Key.Arn", "!Ref Key"])
def test_a_key_policy_that_names_the_task_role_grants_it(tmp_path: Path, key_id: str) -> None:
    assert (
        findings(
            tmp_path,
            (ROOT, ROOT + TO_TASK_ROLE),
            ("KmsKeyId: !GetAtt Key.Arn", f"KmsKeyId: {key_id}"),
        )
        == []
    )


def test_the_account_root_lets_the_roles_policies_decide(tmp_path: Path) -> None:
    denied = DENIED.format("because no identity-based policy allows the kms:Decrypt action")
    assert findings(tmp_path) == [("FG605", ROLE_LINE, denied)]
    assert findings(tmp_path, (CHANNELS, IAM_GRANT)) == []


# Without KeyPolicy the key has the default key policy: the account's IAM policies decide.
def test_the_default_key_policy_lets_the_roles_policies_decide(tmp_path: Path) -> None:
    policy = '      KeyPolicy:\n        Version: "2012-10-17"\n        Statement:\n' + ROOT
    without = (policy, "      Description: ECS Exec sessions\n")
    denied = DENIED.format("because no identity-based policy allows the kms:Decrypt action")
    assert findings(tmp_path, without) == [("FG605", ROLE_LINE, denied)]
    assert findings(tmp_path, without, (CHANNELS, IAM_GRANT)) == []


# A key policy that grants neither the task role nor the account's root refuses the role,
# whatever its IAM policies allow (the key's administrators here: the execution role).
def test_a_key_policy_without_the_role_or_the_root_refuses_it(tmp_path: Path) -> None:
    admins = key_statement("Allow", "{AWS: !GetAtt ExecRole.Arn}")
    denied = DENIED.format("because no resource-based policy allows the kms:Decrypt action")
    assert findings(tmp_path, (ROOT, admins), (CHANNELS, IAM_GRANT)) == [
        ("FG605", ROLE_LINE, denied)
    ]


def test_a_conditional_grant_to_the_role_is_a_note(tmp_path: Path) -> None:
    condition = ", Condition: {StringEquals: {kms:ViaService: ssm.us-east-1.amazonaws.com}}"
    conditional = key_statement("Allow", "{AWS: !GetAtt TaskRole.Arn}", condition)
    assert findings(tmp_path, (ROOT, conditional)) == [
        (
            "FG801",
            KEY_LINE,
            "Condition of statement 1 of key policy of KMS key Key is not settled (a Condition "
            "on kms:ViaService depends on the request's context, which the inputs do not give): "
            "it blocks FG605 for service Service",
        )
    ]


def test_an_explicit_deny_in_the_key_policy_refuses_the_role(tmp_path: Path) -> None:
    deny = key_statement("Deny", "'*'")
    denied = DENIED.format("with an explicit deny in a resource-based policy")
    assert findings(tmp_path, (ROOT, ROOT + TO_TASK_ROLE + deny), (CHANNELS, IAM_GRANT)) == [
        ("FG605", ROLE_LINE, denied)
    ]


@pytest.mark.parametrize(
    ("grant", "expected"),
    [
        # a policy on one key's ARN: that key may or may not be the one the alias names
        (
            "              - {Effect: Allow, Action: kms:Decrypt, Resource: "
            "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab}\n",
            ["FG801"],
        ),
        ("              - {Effect: Allow, Action: kms:Decrypt, Resource: '*'}\n", []),
        ("", ["FG605"]),  # no kms:Decrypt at all: whichever key it is, the role may not use it
    ],
)
def test_a_key_named_by_an_alias_outside_the_inputs(
    tmp_path: Path, grant: str, expected: list[str]
) -> None:
    # KmsKeyId: alias/exec-key was taken as the key id `alias/exec-key`
    # (arn:aws:kms:REGION:ACCOUNT:key/alias/exec-key): a false FG605 for a role allowed on the
    # key the alias names. KMS authorizes kms:Decrypt on the key, not on its alias.
    found = findings(
        tmp_path,
        ("KmsKeyId: !GetAtt Key.Arn", "KmsKeyId: alias/exec-key"),
        (CHANNELS, CHANNELS + grant),
    )
    assert [rule for rule, _, _ in found] == expected
    if expected == ["FG801"]:
        assert found[0][2] == (
            "KMS alias alias/exec-key is not settled (KMS alias alias/exec-key names a key that "
            "only AWS settles): it blocks FG605 for service Service"
        )
