"""FG105's kms:Decrypt on the customer managed KMS key of a task's secret, end to end
(policies/lib/calls_keys.rego): tests/fixtures/iam/secret-key-service.yaml (a secret and a key
the template creates; the key policy lets the account's IAM policies decide, and the execution
role may read the secret and use the key) with one change each, scanned through
`scanner.api.scan`. Before, only secretsmanager:GetSecretValue was checked: a role that may not
use the key passed, and the task failed at start (ResourceInitializationError,
AccessDeniedException ... kms:Decrypt)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.api import ScanOptions, scan

SERVICE = Path(__file__).parent / "fixtures" / "iam" / "secret-key-service.yaml"
LINES = SERVICE.read_text(encoding="utf-8").splitlines()
ROLE_LINE = LINES.index("  ExecRole:") + 1
KEY_LINE = LINES.index("  Key:") + 1
IAM_DECRYPT = "              - {Effect: Allow, Action: kms:Decrypt, Resource: !GetAtt Key.Arn}\n"
ROOT = (
    '          - {Effect: Allow, Principal: {AWS: !Sub "arn:aws:iam::${AWS::AccountId}:root"}, '
    'Action: "kms:*", Resource: "*"}\n'
)


def root_with(condition: str) -> str:
    return ROOT.replace('Resource: "*"}', f'Resource: "*", Condition: {condition}}}')


DENIED = (
    "service Service: task definition TaskDef: execution role ExecRole is not authorized to "
    "perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:*:key/* {} (needed for secret "
    "DB_PASSWORD (container orders), whose Secrets Manager secret DbSecret is encrypted with KMS "
    "key Key)"
)
IAM_FIX = "Allow kms:Decrypt on arn:aws:kms:us-east-1:*:key/* for execution role ExecRole."
KEY_FIX = (
    "Allow kms:Decrypt to execution role ExecRole in the key policy of KMS key Key: name the "
    "role's ARN as Principal, or the account's root (arn:aws:iam::ACCOUNT:root, as the default "
    "key policy does) so that the role's IAM policies decide, and allow it there too. Secrets "
    "Manager asks KMS for the role through secretsmanager.us-east-1.amazonaws.com "
    "(kms:ViaService): a Condition there must allow it."
)


def findings(
    tmp_path: Path, *changes: tuple[str, str], region: str | None = "us-east-1"
) -> list[tuple[str, int, str, str]]:
    text = SERVICE.read_text(encoding="utf-8")
    for old, new in changes:
        assert old in text
        text = text.replace(old, new)
    (tmp_path / "t.yaml").write_text(text, encoding="utf-8")
    report = scan([tmp_path], ScanOptions(cwd=tmp_path, region=region))
    assert report.errors == ()
    return [(f.rule_id, f.location.line, f.message, f.fix) for f in report.findings]


def test_iam_allows_and_the_key_policy_names_the_root(tmp_path: Path) -> None:
    assert findings(tmp_path) == []


def test_no_iam_grant(tmp_path: Path) -> None:
    denied = DENIED.format("because no identity-based policy allows the kms:Decrypt action")
    assert findings(tmp_path, (IAM_DECRYPT, "")) == [("FG105", ROLE_LINE, denied, IAM_FIX)]


# A key policy that grants only another principal refuses the execution role, whatever its IAM
# policies allow.
def test_a_key_policy_for_another_principal_refuses_the_role(tmp_path: Path) -> None:
    other = ROOT.replace('!Sub "arn:aws:iam::${AWS::AccountId}:root"', "!GetAtt TaskRole.Arn")
    denied = DENIED.format("because no resource-based policy allows the kms:Decrypt action")
    assert findings(tmp_path, (ROOT, other)) == [("FG105", ROLE_LINE, denied, KEY_FIX)]


@pytest.mark.parametrize(
    ("service", "rules"),
    [("secretsmanager", []), ("ssm", ["FG105"]), ("secretsmanager.eu-west-1", ["FG105"])],
)
def test_the_service_that_asks_kms(tmp_path: Path, service: str, rules: list[str]) -> None:
    host = service if "." in service else f"{service}.us-east-1"
    condition = f"{{StringEquals: {{kms:ViaService: {host}.amazonaws.com}}}}"
    found = findings(tmp_path, (ROOT, root_with(condition)))
    assert [rule for rule, *_ in found] == rules
    if rules:
        assert found[0][2] == DENIED.format(
            "because no resource-based policy allows the kms:Decrypt action"
        )


def test_the_secret_arn_of_the_encryption_context(tmp_path: Path) -> None:
    same = "{StringEquals: {kms:EncryptionContext:SecretARN: !Ref DbSecret}}"
    assert findings(tmp_path, (ROOT, root_with(same))) == []
    other = (
        "{StringLike: {kms:EncryptionContext:SecretARN: !Sub "
        "'arn:aws:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:other-*'}}"
    )
    assert [r for r, *_ in findings(tmp_path, (ROOT, root_with(other)))] == ["FG105"]


# Without a region (no --region, and the template names none), the region Secrets Manager
# calls KMS from is the deploy region: a condition that names it the same way is met; one that
# names a literal region is a note.
REGIONLESS = (
    ("AvailabilityZone: us-east-1a", "AvailabilityZone: !Select [0, !GetAZs '']"),
    ("awslogs-region: us-east-1", "awslogs-region: !Ref AWS::Region"),
    ("123456789012.dkr.ecr.us-east-1.amazonaws.com/orders:1.4.2", "public.ecr.aws/orders:1.4.2"),
)


def test_an_unsettled_region(tmp_path: Path) -> None:
    sub = "{StringEquals: {kms:ViaService: !Sub 'secretsmanager.${AWS::Region}.amazonaws.com'}}"
    assert findings(tmp_path, (ROOT, root_with(sub)), *REGIONLESS, region=None) == []
    literal = "{StringEquals: {kms:ViaService: secretsmanager.us-east-1.amazonaws.com}}"
    found = findings(tmp_path, (ROOT, root_with(literal)), *REGIONLESS, region=None)
    assert [(rule, message) for rule, _, message, _ in found] == [
        (
            "FG801",
            "AWS::Region is not settled (the deploy region is not settled: pass --region or set "
            "AWS_REGION): it blocks FG105 for service Service",
        )
    ]


@pytest.mark.parametrize(
    "key_id",
    [
        "alias/aws/secretsmanager",
        "!Sub arn:aws:kms:${AWS::Region}:${AWS::AccountId}:alias/aws/secretsmanager",
        None,
    ],
)
def test_the_aws_managed_key_needs_no_kms_decrypt(tmp_path: Path, key_id: str | None) -> None:
    key = "      KmsKeyId: !Ref Key\n"
    assert (
        findings(
            tmp_path, (key, f"      KmsKeyId: {key_id}\n" if key_id else ""), (IAM_DECRYPT, "")
        )
        == []
    )


# A secret the inputs do not define (a literal ARN): no check and no note, whatever its key.
def test_a_secret_outside_the_inputs(tmp_path: Path) -> None:
    literal = "arn:aws:secretsmanager:us-east-1:123456789012:secret:orders/other-AbCdEf"
    assert (
        findings(
            tmp_path,
            ("ValueFrom: !Ref DbSecret", f"ValueFrom: {literal}"),
            ("Resource: !Ref DbSecret", f"Resource: {literal}"),
            (IAM_DECRYPT, ""),
        )
        == []
    )


# A key named by an alias the inputs do not define is one of the account's keys: the role's IAM
# policies decide alone (FG605's keys alike); one on a single key's ARN may not be it.
def test_a_key_named_by_an_alias_outside_the_inputs(tmp_path: Path) -> None:
    alias = ("KmsKeyId: !Ref Key", "KmsKeyId: alias/orders")
    assert (
        findings(tmp_path, alias, (IAM_DECRYPT, IAM_DECRYPT.replace("!GetAtt Key.Arn", '"*"')))
        == []
    )
    # the role's policy names the template's key: the alias may name another
    found = findings(tmp_path, alias)
    assert [(rule, message) for rule, _, message, _ in found] == [
        (
            "FG801",
            "Fn::GetAtt Key.Arn is not settled (Fn::GetAtt Key.Arn (AWS::KMS::Key) is only known "
            "after deployment): it blocks FG105 for service Service",
        )
    ]
    assert [rule for rule, *_ in findings(tmp_path, alias, (IAM_DECRYPT, ""))] == ["FG105"]
