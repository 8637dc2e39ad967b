"""ECS Exec session logging (the cluster's executeCommandConfiguration with Logging: OVERRIDE), end
to end: tests/fixtures/iam/exec-logging-service.yaml (a bucket and a log group of the template,
with the grants CDK gives the task role when neither encryption flag is set) with one change
each, scanned through `scanner.api.scan`. The SSM agent that serves the session reads the
bucket's encryption (s3:GetEncryptionConfiguration) only when S3EncryptionEnabled is true: before,
FG605 always asked for it, a false error on CDK's default exec logging (field test 21, D1)."""

from __future__ import annotations

from pathlib import Path

from scanner.api import ScanOptions, scan

SERVICE = Path(__file__).parent / "fixtures" / "iam" / "exec-logging-service.yaml"
LINES = SERVICE.read_text(encoding="utf-8").splitlines()
ROLE_LINE = LINES.index("  TaskRole:") + 1
S3_LOGGING = "            S3BucketName: !Ref ExecLogs\n"
GET_ENCRYPTION = (
    "              - {Effect: Allow, Action: s3:GetEncryptionConfiguration, "
    'Resource: !Sub "arn:${AWS::Partition}:s3:::${ExecLogs}"}\n'
)
PUT_OBJECT = (
    "              - {Effect: Allow, Action: s3:PutObject, "
    'Resource: !Sub "arn:${AWS::Partition}:s3:::${ExecLogs}/*"}\n'
)


def findings(tmp_path: Path, *changes: tuple[str, str]) -> list[tuple[str, int, str]]:
    text = SERVICE.read_text(encoding="utf-8")
    for old, new in changes:
        assert old in text
        text = text.replace(old, new)
    (tmp_path / "t.yaml").write_text(text, encoding="utf-8")
    report = scan([tmp_path], ScanOptions(cwd=tmp_path, region="us-east-1"))
    assert report.errors == ()
    # (FG703: the container sends no logs of its own, which is beside the point here)
    return [
        (f.rule_id, f.location.line, f.message) for f in report.findings if f.rule_id != "FG703"
    ]


def encryption(flag: str) -> tuple[str, str]:
    return (S3_LOGGING, S3_LOGGING + f"            S3EncryptionEnabled: {flag}\n")


def test_s3_logging_without_encryption_needs_no_encryption_configuration(tmp_path: Path) -> None:
    assert findings(tmp_path) == []
    assert findings(tmp_path, encryption("false")) == []


def test_s3_logging_with_encryption_needs_the_encryption_configuration(tmp_path: Path) -> None:
    for flag in ("true", '"true"'):
        assert findings(tmp_path, encryption(flag)) == [
            (
                "FG605",
                ROLE_LINE + 1,  # the flag's line comes before it
                "service Service: task definition TaskDef: task role TaskRole is not authorized "
                "to perform: s3:GetEncryptionConfiguration on resource: <Ref ExecLogs> because no "
                "identity-based policy allows the s3:GetEncryptionConfiguration action (needed "
                "for ECS Exec logging to S3 bucket <Ref ExecLogs>)",
            )
        ]
    granted = (PUT_OBJECT, PUT_OBJECT + GET_ENCRYPTION)
    assert findings(tmp_path, encryption("true"), granted) == []


def test_an_unsettled_s3_encryption_flag_is_a_note(tmp_path: Path) -> None:
    parameter = ("Resources:\n", "Parameters:\n  Encrypt: {Type: String}\nResources:\n")
    [(rule, _, message)] = findings(tmp_path, parameter, encryption("!Ref Encrypt"))
    assert rule == "FG801"
    assert message.startswith("Parameter Encrypt is not settled")
    assert message.endswith("it blocks FG605 for service Service")
    granted = (PUT_OBJECT, PUT_OBJECT + GET_ENCRYPTION)
    assert findings(tmp_path, parameter, encryption("!Ref Encrypt"), granted) == []
