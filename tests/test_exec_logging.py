"""ECS Exec session logging (the cluster's executeCommandConfiguration with Logging: OVERRIDE), end
to end: tests/fixtures/iam/exec-logging-service.yaml (a bucket and a log group of the template,
with the grants CDK gives the task role when neither encryption flag is set) with one change
each, scanned through `scanner.api.scan`. The SSM agent that serves the session reads the
bucket's encryption (s3:GetEncryptionConfiguration) only when S3EncryptionEnabled is true: before,
FG605 always asked for it, a false error on CDK's default exec logging (field test 21, D1). With
CloudWatchEncryptionEnabled it refuses every session when the log group has no KMS key: FG606,
missed before (field test 21, D3)."""

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


# --- CloudWatchEncryptionEnabled and the log group's KMS key (FG606) ------------------------------

CW_LOGGING = "            CloudWatchLogGroupName: !Ref ExecGroup\n"
CW_ENCRYPTION = (CW_LOGGING, CW_LOGGING + "            CloudWatchEncryptionEnabled: true\n")
GROUP = "    Properties: {RetentionInDays: 30}\n"
GROUP_LINE = LINES.index("  ExecGroup:") + 1


def group_key(key: str) -> tuple[str, str]:
    return (GROUP, f"    Properties: {{RetentionInDays: 30, KmsKeyId: {key}}}\n")


def test_encryption_required_of_a_log_group_without_key(tmp_path: Path) -> None:
    assert findings(tmp_path, CW_ENCRYPTION) == [
        (
            "FG606",
            GROUP_LINE,
            "service Service: task definition TaskDef: the cluster's ECS Exec logging requires an "
            "encrypted log group (cloudWatchEncryptionEnabled), but log group ExecGroup has no KMS "
            'key, so the SSM agent refuses every session ("encryption is not set up on the '
            'selected CloudWatch Logs log group")',
        )
    ]
    # not required, or the group has a key: ok
    off = (CW_LOGGING, CW_LOGGING + "            CloudWatchEncryptionEnabled: false\n")
    assert findings(tmp_path, off) == []
    key = "  ExecLogs: {Type: AWS::S3::Bucket}\n"
    with_key = (key, key + "  LogsKey: {Type: AWS::KMS::Key}\n")
    assert findings(tmp_path, CW_ENCRYPTION, with_key, group_key("!GetAtt LogsKey.Arn")) == []


def test_a_log_group_the_template_does_not_define_is_not_checked(tmp_path: Path) -> None:
    other = (
        CW_LOGGING,
        "            CloudWatchLogGroupName: /exec/other\n"
        "            CloudWatchEncryptionEnabled: true\n",
    )
    # (the role's grants name ExecGroup, which may be /exec/other: FG801 for FG605; no FG606)
    [(rule, _, message)] = findings(tmp_path, other)
    assert rule == "FG801"
    assert message.endswith("it blocks FG605 for service Service")


def test_an_unsettled_key_or_flag_is_a_note(tmp_path: Path) -> None:
    parameter = ("Resources:\n", "Parameters:\n  LogsKey: {Type: String}\nResources:\n")
    [(rule, _, message)] = findings(tmp_path, parameter, CW_ENCRYPTION, group_key("!Ref LogsKey"))
    assert rule == "FG801"
    assert message.startswith("Parameter LogsKey is not settled")
    assert message.endswith("it blocks FG606 for service Service")
    flag = ("Resources:\n", "Parameters:\n  Encrypt: {Type: String}\nResources:\n")
    encrypt = (CW_LOGGING, CW_LOGGING + "            CloudWatchEncryptionEnabled: !Ref Encrypt\n")
    [(rule, _, message)] = findings(tmp_path, flag, encrypt)
    assert rule == "FG801"
    assert message.startswith("Parameter Encrypt is not settled")
    assert message.endswith("it blocks FG606 for service Service")


# --- an exec configuration the inputs do not settle -----------------------------------------------

AUDIT = (
    "Resources:\n",
    "Parameters:\n  Audit: {Type: String}\nConditions:\n  IsAudit: !Equals [!Ref Audit, yes]\n"
    "Resources:\n",
)
NO_DESCRIBE = (
    '              - {Effect: Allow, Action: logs:DescribeLogGroups, Resource: "*"}\n',
    "",
)
CONFIGURATION = """        ExecuteCommandConfiguration:
          Logging: OVERRIDE
          LogConfiguration:
            S3BucketName: !Ref ExecLogs
            CloudWatchLogGroupName: !Ref ExecGroup
"""
CONDITIONAL = """        ExecuteCommandConfiguration: !If
          - IsAudit
          - Logging: OVERRIDE
            LogConfiguration:
              S3BucketName: !Ref ExecLogs
              CloudWatchLogGroupName: !Ref ExecGroup
          - !Ref AWS::NoValue
"""


def test_a_conditional_exec_configuration_is_a_note(tmp_path: Path) -> None:
    # The task role may not call logs:DescribeLogGroups: an error when the cluster logs ECS Exec
    # sessions to the group, ...
    [(rule, _, message)] = findings(tmp_path, NO_DESCRIBE)
    assert rule == "FG605"
    assert "not authorized to perform: logs:DescribeLogGroups on resource: *" in message
    # ... a note when the whole configuration depends on a condition the inputs do not settle.
    # Before: no finding at all, as if the cluster had no exec configuration.
    [(rule, _, message)] = findings(tmp_path, AUDIT, NO_DESCRIBE, (CONFIGURATION, CONDITIONAL))
    assert rule == "FG801"
    assert message.startswith("Parameter Audit is not settled (it depends on condition IsAudit")
    assert message.endswith("it blocks FG605 for service Service")
