"""IAM decisions end to end: a small working template (tests/fixtures/iam/service.yaml: an
isolated VPC with the endpoints a private ECR image and awslogs need, an execution role with
AmazonECSTaskExecutionRolePolicy) with one change each, scanned through `scanner.api.scan`.
Each case was a false verdict found by a field test; the assertions are the exact findings."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.api import ScanOptions, scan
from scanner.findings import Report

SERVICE = Path(__file__).parent / "fixtures" / "iam" / "service.yaml"
STATEMENT = "          - {{Effect: {}, Principal: {}, Action: sts:AssumeRole{}}}\n"
TRUST = STATEMENT.format("Allow", "{Service: ecs-tasks.amazonaws.com}", "")


def deny_if(condition: str) -> str:
    """A trust statement that denies every principal under the condition."""
    return STATEMENT.format("Deny", "'*'", f", Condition: {condition}")


def line_of(resource: str) -> int:
    return SERVICE.read_text(encoding="utf-8").splitlines().index(f"  {resource}:") + 1


ROLE_LINE = line_of("ExecutionRole")


def findings(tmp_path: Path, old: str, new: str) -> list[tuple[str, int, str]]:
    base = SERVICE.read_text(encoding="utf-8")
    assert old in base
    (tmp_path / "t.yaml").write_text(base.replace(old, new), encoding="utf-8")
    report = scan([tmp_path], ScanOptions(cwd=tmp_path, region="us-east-1"))
    assert report.errors == ()
    return [(f.rule_id, f.location.line, f.message) for f in report.findings]


def test_the_working_template_has_no_finding(tmp_path: Path) -> None:
    assert findings(tmp_path, TRUST, TRUST) == []


# A Deny conditioned on the task's own account or cluster with a negated operator (or `Null`
# true) never applies to the task: ECS's request carries its account and cluster ARN. Before,
# any condition on these keys counted as met: FG107 "a statement of its trust policy denies it".
@pytest.mark.parametrize(
    "condition",
    [
        "{StringNotEquals: {aws:SourceAccount: !Ref AWS::AccountId}}",
        "{StringNotEquals: {aws:SourceAccount: '123456789012'}}",
        '{"Null": {"aws:SourceAccount": "true"}}',
        '{ArnNotLike: {"aws:SourceArn": !Sub "arn:aws:ecs:${AWS::Region}:${AWS::AccountId}:*"}}',
    ],
)
def test_a_trust_deny_on_another_account_does_not_deny_the_task(
    tmp_path: Path, condition: str
) -> None:
    assert findings(tmp_path, TRUST, TRUST + deny_if(condition)) == []


def test_a_trust_deny_on_the_tasks_own_account_denies_it(tmp_path: Path) -> None:
    deny = deny_if("{StringEquals: {aws:SourceAccount: !Ref AWS::AccountId}}")
    assert findings(tmp_path, TRUST, TRUST + deny) == [
        (
            "FG107",
            ROLE_LINE,
            "service Service: task definition TaskDefinition: execution role ExecutionRole cannot "
            "be assumed by ecs-tasks.amazonaws.com: a statement of its trust policy denies it",
        )
    ]


# A Deny whose condition the inputs cannot decide may apply (a negated operator on a key the
# request lacks is true): a note. Before, it was dropped and the role counted as trusted.
def test_a_trust_deny_that_may_apply_is_undecided(tmp_path: Path) -> None:
    deny = deny_if("{StringNotEquals: {sts:ExternalId: abc}}")
    assert findings(tmp_path, TRUST, TRUST + deny) == [
        (
            "FG801",
            ROLE_LINE,
            "Condition of statement 2 of trust policy of role ExecutionRole is not settled (a "
            "Condition on sts:externalid depends on the request's context): it blocks FG107 for "
            "service Service",
        )
    ]


MANAGED = "      ManagedPolicyArns: [arn:aws:iam::aws:policy/service-role/{}]\n".format(
    "AmazonECSTaskExecutionRolePolicy"
)


def execution_policy(logs: str) -> str:
    """The execution role's one inline policy: image pull, and the given logs statements."""
    return (
        "      Policies:\n"
        "        - PolicyName: p\n"
        "          PolicyDocument:\n"
        "            Statement:\n"
        "              - {Effect: Allow, Action: 'ecr:*', Resource: '*'}\n" + logs
    )


# PutLogEvents is on the group's log streams (Service Authorization Reference): a policy that
# scopes it there allows it. Before: a false FG104 "not authorized to perform: logs:PutLogEvents
# on resource: arn:aws:logs:us-east-1:*:log-group:/ecs/app:*".
@pytest.mark.parametrize(
    "put_resource",
    [
        "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/app:log-stream:*",
        "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/app:*",
    ],
)
def test_put_log_events_scoped_to_the_log_streams(tmp_path: Path, put_resource: str) -> None:
    logs = (
        "              - {Effect: Allow, Action: logs:CreateLogStream,"
        " Resource: 'arn:aws:logs:us-east-1:123456789012:log-group:/ecs/app:*'}\n"
        "              - {Effect: Allow, Action: logs:PutLogEvents,"
        f" Resource: '{put_resource}'}}\n"
    )
    assert findings(tmp_path, MANAGED, execution_policy(logs)) == []


def test_put_log_events_on_another_groups_streams_is_denied(tmp_path: Path) -> None:
    logs = (
        "              - {Effect: Allow, Action: [logs:CreateLogStream, logs:PutLogEvents],"
        " Resource: 'arn:aws:logs:us-east-1:123456789012:log-group:/ecs/other:*'}\n"
    )
    assert findings(tmp_path, MANAGED, execution_policy(logs)) == [
        (
            "FG104",
            ROLE_LINE,
            "service Service: task definition TaskDefinition: execution role ExecutionRole is not "
            "authorized to perform: logs:CreateLogStream, logs:PutLogEvents on resource: "
            "arn:aws:logs:us-east-1:*:log-group:/ecs/app:log-stream:app/app/* because no "
            "identity-based policy allows these actions (needed for awslogs log "
            "group /ecs/app (container app))",
        )
    ]


DKR = "    Properties: {<<: *interface, ServiceName: com.amazonaws.us-east-1.ecr.dkr}\n"
EXEC_ARN = "      ExecutionRoleArn: !GetAtt ExecutionRole.Arn\n"
LITERAL_ARN = "      ExecutionRoleArn: arn:aws:iam::123456789012:role/app-exec\n"


def dkr_policy(principal: str) -> str:
    """The ecr.dkr endpoint with a policy that allows ECR to one principal only."""
    return (
        "    Properties:\n"
        "      <<: *interface\n"
        "      ServiceName: com.amazonaws.us-east-1.ecr.dkr\n"
        "      PolicyDocument:\n"
        f"        Statement: [{{Effect: Allow, Principal: {principal},"
        " Action: 'ecr:*', Resource: '*'}]\n"
    )


DKR_DENIED = (
    "service Service cannot call ecr.dkr through VPC endpoint EcrDkrEndpoint: execution role "
    "ExecutionRole is not authorized to perform: ecr:BatchGetImage, ecr:GetDownloadUrlForLayer "
    "on resource: arn:aws:ecr:us-east-1:123456789012:repository/app because no statement of the "
    "VPC endpoint policy allows these actions (needed for private ECR image "
    "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1 (container app))"
)


# The task definition names the execution role by its ARN: its account is settled, and an
# account principal of another account does not match it (before: no finding, an unknown
# account matching every account principal). Only `*` is a wildcard principal: `role/app-*`
# names no role (before: matched as a glob).
@pytest.mark.parametrize(
    ("principal", "denied"),
    [
        ("{AWS: '999999999999'}", True),
        ("{AWS: '123456789012'}", False),
        ("{AWS: 'arn:aws:iam::123456789012:role/app-*'}", True),
        ("{AWS: 'arn:aws:iam::123456789012:role/app-exec'}", False),
    ],
)
def test_endpoint_principals_for_a_role_named_by_its_arn(
    tmp_path: Path, principal: str, denied: bool
) -> None:
    base = SERVICE.read_text(encoding="utf-8")
    text = base.replace(DKR, dkr_policy(principal)).replace(EXEC_ARN, LITERAL_ARN)
    (tmp_path / "t.yaml").write_text(text, encoding="utf-8")
    report = scan([tmp_path], ScanOptions(cwd=tmp_path, region="us-east-1"))
    assert report.errors == ()
    got = [(f.rule_id, f.location.line, f.message) for f in report.findings]
    assert got == ([("FG102", line_of("EcrDkrEndpoint"), DKR_DENIED)] if denied else [])


ROLE_NAME = "      RoleName: app-exec\n"


def dkr_findings(
    tmp_path: Path, principal: str, role_name: str
) -> tuple[list[tuple[str, int, str]], list[str]]:
    """The ecr.dkr endpoint allows ECR to one principal; the execution role, named by
    `!GetAtt ExecutionRole.Arn`, has the given RoleName (and Path) lines."""
    base = SERVICE.read_text(encoding="utf-8")
    assert DKR in base and ROLE_NAME in base
    text = base.replace(DKR, dkr_policy(principal)).replace(ROLE_NAME, role_name)
    (tmp_path / "t.yaml").write_text(text, encoding="utf-8")
    report = scan([tmp_path], ScanOptions(cwd=tmp_path, region="us-east-1"))
    assert report.errors == ()
    found = [(f.rule_id, f.location.line, f.message) for f in report.findings]
    return found, text.splitlines()


ARN_NOTE = (
    "Fn::GetAtt ExecutionRole.Arn is not settled (the ARN of role app-exec contains the account "
    "id, which is not known offline): it blocks FG102 for service Service"
)
IN_PATH = ROLE_NAME + "      Path: /svc/\n"


# The role's ARN is settled but for its account (RoleName, Path): a principal that names
# another role, path or partition cannot be it, whatever the account (before: an FG801 note,
# the field test's ep06); one that names the role itself waits for the account (a note), an
# account principal matches an account the inputs do not name. CloudFormation makes up a name
# without RoleName: nothing is known of the ARN (a note).
@pytest.mark.parametrize(
    ("principal", "role_name", "expected"),
    [
        ("arn:aws:iam::123456789012:role/other", ROLE_NAME, "FG102"),
        ("arn:aws:iam::123456789012:role/svc/app-exec", ROLE_NAME, "FG102"),
        ("arn:aws-cn:iam::123456789012:role/app-exec", ROLE_NAME, "FG102"),
        ("arn:aws:iam::123456789012:role/app-exec", IN_PATH, "FG102"),
        ("arn:aws:iam::123456789012:role/app-exec", ROLE_NAME, "FG801"),
        ("arn:aws:iam::123456789012:role/svc/app-exec", IN_PATH, "FG801"),
        ("123456789012", ROLE_NAME, None),
        ("arn:aws:iam::123456789012:role/other", "", "FG801"),
    ],
)
def test_endpoint_principals_for_a_role_whose_account_is_unknown(
    tmp_path: Path, principal: str, role_name: str, expected: str | None
) -> None:
    found, lines = dkr_findings(tmp_path, f"{{AWS: '{principal}'}}", role_name)
    if expected == "FG102":
        assert found == [("FG102", line_of("EcrDkrEndpoint"), DKR_DENIED)]
    elif expected == "FG801":
        note = (
            ARN_NOTE
            if role_name
            else ARN_NOTE.replace(
                "the ARN of role app-exec contains the account id, which is not known offline",
                "CloudFormation names role ExecutionRole at deploy time, so its ARN is not known",
            )
        )
        assert found == [("FG801", lines.index("  ExecutionRole:") + 1, note)]
    else:
        assert found == []


OTHER_ROLE = (
    "  OtherRole:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n"
    "        Statement: [{Effect: Allow, Principal: {Service: ecs-tasks.amazonaws.com},"
    " Action: sts:AssumeRole}]\n"
)


# Two roles of the template without RoleName are two roles: an endpoint policy whose only
# principal is the other one's ARN denies the execution role (FG102); one on its own ARN allows
# it. Before: an FG801 note "Fn::GetAtt OtherRole.Arn is not settled" (field test 14, n05).
@pytest.mark.parametrize(("role", "denied"), [("OtherRole", True), ("ExecutionRole", False)])
def test_endpoint_principal_of_another_unnamed_role_of_the_template(
    tmp_path: Path, role: str, denied: bool
) -> None:
    base = SERVICE.read_text(encoding="utf-8").replace(ROLE_NAME, "")
    text = base.replace(DKR, dkr_policy(f"{{AWS: !GetAtt {role}.Arn}}")) + OTHER_ROLE
    (tmp_path / "t.yaml").write_text(text, encoding="utf-8")
    report = scan([tmp_path], ScanOptions(cwd=tmp_path, region="us-east-1"))
    assert report.errors == ()
    got = [(f.rule_id, f.location.line, f.message) for f in report.findings]
    assert got == ([("FG102", line_of("EcrDkrEndpoint"), DKR_DENIED)] if denied else [])


def test_a_wildcard_inside_a_service_principal_names_no_service(tmp_path: Path) -> None:
    wildcard = STATEMENT.format("Allow", "{Service: '*.amazonaws.com'}", "")
    assert findings(tmp_path, TRUST, wildcard) == [
        (
            "FG107",
            ROLE_LINE,
            "service Service: task definition TaskDefinition: execution role ExecutionRole cannot "
            "be assumed by ecs-tasks.amazonaws.com: no statement of its trust policy allows it",
        )
    ]


# ECS sets aws:SourceArn to an ARN in the task's own region (ECS Developer Guide, "Amazon ECS
# task IAM role"): a trust policy whose only Allow names another region never lets the task
# assume the role. Field test 14 (f07, k14): the scan of a us-east-1 stack was silent.
@pytest.mark.parametrize(
    "condition",
    [
        '{ArnLike: {"aws:SourceArn": "arn:aws:ecs:eu-west-1:123456789012:*"}}',
        '{ArnLike: {"aws:SourceArn": !Sub "arn:aws:ecs:eu-west-1:${AWS::AccountId}:*"}}',
        '{StringEquals: {"aws:SourceArn": "arn:aws:ecs:eu-west-1:123456789012:*"}}',
        "{StringLike: {aws:SourceArn: !Sub 'arn:${AWS::Partition}:ecs:eu-*:${AWS::AccountId}:*'}}",
    ],
)
def test_a_trust_source_arn_of_another_region_is_fg107(tmp_path: Path, condition: str) -> None:
    allow = STATEMENT.format(
        "Allow", "{Service: ecs-tasks.amazonaws.com}", f", Condition: {condition}"
    )
    assert findings(tmp_path, TRUST, allow) == [
        (
            "FG107",
            ROLE_LINE,
            "service Service: task definition TaskDefinition: execution role ExecutionRole cannot "
            "be assumed by ecs-tasks.amazonaws.com: no statement of its trust policy allows it",
        )
    ]


@pytest.mark.parametrize(
    "condition",
    [
        '{ArnLike: {"aws:SourceArn": "arn:aws:ecs:us-east-1:123456789012:*"}}',
        '{ArnLike: {"aws:SourceArn": !Sub "arn:aws:ecs:${AWS::Region}:${AWS::AccountId}:*"}}',
        '{ArnLike: {"aws:SourceArn": "arn:aws:ecs:*:123456789012:*"}}',
    ],
)
def test_a_trust_source_arn_of_the_tasks_region_lets_it_run(tmp_path: Path, condition: str) -> None:
    allow = STATEMENT.format(
        "Allow", "{Service: ecs-tasks.amazonaws.com}", f", Condition: {condition}"
    )
    assert findings(tmp_path, TRUST, allow) == []


# --- secrets named by a partial ARN -------------------------------------------------------------

SECRETS = "arn:aws:secretsmanager:us-east-1:123456789012:secret"
LOGS = "    Properties: {<<: *interface, ServiceName: com.amazonaws.us-east-1.logs}\n"
IMAGE = "          Image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1\n"


def secret_findings(
    tmp_path: Path, value_from: str, role_resource: str, endpoint_resource: str | None = None
) -> tuple[list[tuple[str, int, str]], list[str]]:
    """The working template with a Secrets Manager interface endpoint (with a policy on
    `endpoint_resource`, if given), a container secret read from `value_from`, and an execution
    role allowed secretsmanager:GetSecretValue on `role_resource`; also the template's lines."""
    secret = f"          Secrets: [{{Name: DB, ValueFrom: '{value_from}'}}]\n"
    return container_findings(tmp_path, IMAGE + secret, role_resource, endpoint_resource)


def container_findings(
    tmp_path: Path,
    container: str,
    role_resource: str,
    endpoint_resource: str | None = None,
    resources: str = "",
) -> tuple[list[tuple[str, int, str]], list[str]]:
    """`secret_findings` with the container's image line replaced by `container` (and the
    template's `resources` added)."""
    report, text = container_scan(tmp_path, container, role_resource, endpoint_resource, resources)
    found = [(f.rule_id, f.location.line, f.message) for f in report.findings]
    return found, text.splitlines()


def container_scan(
    tmp_path: Path,
    container: str,
    role_resource: str,
    endpoint_resource: str | None = None,
    resources: str = "",
) -> tuple[Report, str]:
    """The report of `container_findings`, and the template. A `role_resource` that starts with
    a YAML tag (`!Ref DbSecret`) is written as it is."""
    endpoint = "  SecretsEndpoint:\n    Type: AWS::EC2::VPCEndpoint\n    Properties:\n"
    endpoint += "      <<: *interface\n      ServiceName: com.amazonaws.us-east-1.secretsmanager\n"
    if endpoint_resource is not None:
        endpoint += (
            "      PolicyDocument:\n        Statement: [{Effect: Allow, Principal: '*',"
            f" Action: 'secretsmanager:GetSecretValue', Resource: '{endpoint_resource}'}}]\n"
        )
    resource = role_resource if role_resource.startswith("!") else f"'{role_resource}'"
    secrets = (
        "              - {Effect: Allow, Action: 'secretsmanager:GetSecretValue',"
        f" Resource: {resource}}}\n"
    )
    text = (
        SERVICE.read_text(encoding="utf-8")
        .replace(LOGS, LOGS + endpoint)
        .replace(IMAGE, container)
        .replace(MANAGED, MANAGED + execution_policy(secrets))
    ) + resources
    (tmp_path / "t.yaml").write_text(text, encoding="utf-8")
    report = scan([tmp_path], ScanOptions(cwd=tmp_path, region="us-east-1"))
    assert report.errors == ()
    return report, text


# IAM authorizes GetSecretValue on the secret's full ARN, its name and a hyphen and six random
# characters ("Finding a secret from a partial ARN", Secrets Manager API Reference): a policy on
# `db-*` or `db-??????` covers the secret a task names by the partial ARN `...:secret:db`, also
# with a JSON key. Before: a false FG105 "not authorized ... on resource: ...:secret:db".
@pytest.mark.parametrize(
    ("value_from", "resource"),
    [
        (f"{SECRETS}:db", f"{SECRETS}:db-??????"),
        (f"{SECRETS}:db", f"{SECRETS}:db-*"),
        (f"{SECRETS}:db:password::", f"{SECRETS}:db-*"),
        (f"{SECRETS}:db-AbCdEf", f"{SECRETS}:db-AbCdEf"),
    ],
)
def test_a_policy_on_the_full_arn_allows_a_partial_one(
    tmp_path: Path, value_from: str, resource: str
) -> None:
    assert secret_findings(tmp_path, value_from, resource)[0] == []


# ... and one on `...:secret:db` covers none of its full ARNs. Before: no finding.
def test_a_policy_on_the_name_without_its_suffix_denies(tmp_path: Path) -> None:
    found, lines = secret_findings(tmp_path, f"{SECRETS}:db", f"{SECRETS}:db")
    assert found == [
        (
            "FG105",
            lines.index("  ExecutionRole:") + 1,
            "service Service: task definition TaskDefinition: execution role ExecutionRole is not "
            "authorized to perform: secretsmanager:GetSecretValue on resource: "
            f"{SECRETS}:db-?????? because no identity-based policy allows the "
            "secretsmanager:GetSecretValue action (needed for secret DB (container app))",
        )
    ]


# A policy that names one full ARN (`db-AbCdEf`) may name this secret or not: a note at the
# policy. Before: a false FG105.
def test_one_full_arn_for_a_partial_one_is_a_note(tmp_path: Path) -> None:
    found, lines = secret_findings(tmp_path, f"{SECRETS}:db", f"{SECRETS}:db-AbCdEf")
    assert found == [
        (
            "FG801",
            lines.index("        - PolicyName: p") + 1,
            f"the full ARN of secret {SECRETS}:db is not settled (it is named by a partial ARN, "
            "without the six random characters Secrets Manager adds after its name, and inline "
            f"policy p of role ExecutionRole names the resource {SECRETS}:db-AbCdEf, which matches "
            "only some of them): it blocks FG105 for service Service",
        )
    ]


# The endpoint policy (FG102) is matched the same way. Before: a false FG102.
def test_an_endpoint_policy_on_the_full_arn_allows_a_partial_one(tmp_path: Path) -> None:
    found, _ = secret_findings(tmp_path, f"{SECRETS}:db", "*", f"{SECRETS}:db-??????")
    assert found == []


# Repository credentials may name a secret of the task's region by its name (ECS API
# Reference, RepositoryCredentials): a Secrets Manager secret, read through its endpoint.
# Before: an SSM parameter, with a false FG105 on ssm:GetParameters and a false FG202 for ssm.
def test_repository_credentials_named_by_the_secrets_name(tmp_path: Path) -> None:
    container = (
        "          Image: ghcr.io/org/app:1\n"
        "          RepositoryCredentials: {CredentialsParameter: ghcr}\n"
    )
    found, lines = container_findings(tmp_path, container, f"{SECRETS}:ghcr-??????")
    assert found == [
        (
            "FG202",
            lines.index("  RouteTable:") + 1,
            "service Service cannot reach ghcr.io: task subnet Subnet -> route table RouteTable: "
            "no default route and ghcr.io is reachable only over the internet",
        )
    ]


# An ARN built from the role's name (`!Sub ...:role/${ExecutionRole}`, `Ref` of a role being its
# name, here one CloudFormation makes up) names that role when its path is `/`, as the ARN's is.
# Before: an FG801 note that blocked FG103 and FG104 (field test 18, e07).
BY_NAME = (
    'ExecutionRoleArn: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${ExecutionRole}"'
)


def unnamed_role_findings(tmp_path: Path, role_arn: str, role_change: str) -> list[str]:
    text = (
        SERVICE.read_text(encoding="utf-8")
        .replace("      RoleName: app-exec\n", "")
        .replace("ExecutionRoleArn: !GetAtt ExecutionRole.Arn", role_arn)
    )
    text = text.replace(MANAGED, role_change)
    (tmp_path / "t.yaml").write_text(text, encoding="utf-8")
    report = scan([tmp_path], ScanOptions(cwd=tmp_path, region="us-east-1"))
    assert report.errors == ()
    return sorted(f.rule_id for f in report.findings)


def test_a_role_arn_built_from_the_roles_name_is_the_role(tmp_path: Path) -> None:
    assert unnamed_role_findings(tmp_path, BY_NAME, MANAGED) == []
    # no policy: the role is read, and allows nothing, as when the task names it by !GetAtt
    denied = unnamed_role_findings(tmp_path, BY_NAME, "")
    assert denied == ["FG103", "FG103", "FG104"]
    assert denied == unnamed_role_findings(
        tmp_path, "ExecutionRoleArn: !GetAtt ExecutionRole.Arn", ""
    )
    # another path: the ARN is not that role's
    assert unnamed_role_findings(tmp_path, BY_NAME, MANAGED + "      Path: /ecs/\n") == ["FG801"]


# An ARN built from the parameter that names the role (`RoleName: !Ref ExecName`, the
# parameter without a value) is that role when its path is `/`, as the ARN's is: one value of
# the stack on both sides. Before: an FG801 note that blocked FG103 and FG104 (field test 18,
# e09). Another parameter, or another path, may be another role: FG801 as before.
def param_role_findings(tmp_path: Path, name: str, role_change: str) -> list[tuple[str, str]]:
    role_arn = (
        f'ExecutionRoleArn: !Sub "arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/{name}"'
    )
    text = (
        SERVICE.read_text(encoding="utf-8")
        .replace("RoleName: app-exec", "RoleName: !Ref ExecName")
        .replace("ExecutionRoleArn: !GetAtt ExecutionRole.Arn", role_arn)
        .replace(MANAGED, role_change)
    )
    text += "Parameters:\n  ExecName: {Type: String}\n  OtherName: {Type: String}\n"
    (tmp_path / "t.yaml").write_text(text, encoding="utf-8")
    report = scan([tmp_path], ScanOptions(cwd=tmp_path, region="us-east-1"))
    assert report.errors == ()
    return sorted((f.rule_id, f.message) for f in report.findings)


def test_a_role_arn_built_from_the_roles_name_parameter_is_the_role(tmp_path: Path) -> None:
    assert param_role_findings(tmp_path, "${ExecName}", MANAGED) == []
    denied = param_role_findings(tmp_path, "${ExecName}", "")
    assert [(rule, "role ExecutionRole" in message) for rule, message in denied] == [
        ("FG103", True),
        ("FG103", True),
        ("FG104", True),
    ]
    blocked = "blocks FG103, FG104 for service Service"
    [(rule, message)] = param_role_findings(tmp_path, "${OtherName}", MANAGED)
    assert rule == "FG801"
    assert message.startswith("Parameter OtherName is not settled") and blocked in message
    [(rule, message)] = param_role_findings(
        tmp_path, "${ExecName}", MANAGED + "      Path: /ecs/\n"
    )
    assert rule == "FG801"
    assert message.startswith("Parameter ExecName is not settled") and blocked in message


# --- ECS Exec logging to a bucket named by a parameter -------------------------------------------

# The cluster logs ECS Exec sessions to the bucket the parameter names, and the task role's policy
# names the bucket whose BucketName is that parameter: the same value on both sides. Before: an
# FG801 note (the parameter's identity was left out of the model) that blocked FG605 (field test
# 18, x07).
EXEC_BUCKET = """  Cluster:
    Type: AWS::ECS::Cluster
    Properties:
      Configuration:
        ExecuteCommandConfiguration:
          Logging: OVERRIDE
          LogConfiguration: {S3BucketName: !Ref BucketName}
  Bucket:
    Type: AWS::S3::Bucket
    Properties: {BucketName: !Ref BucketName}
  SsmMessagesEndpoint:
    Type: AWS::EC2::VPCEndpoint
    Properties: {<<: *interface, ServiceName: com.amazonaws.us-east-1.ssmmessages}
  TaskRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - {Effect: Allow, Principal: {Service: ecs-tasks.amazonaws.com}, Action: sts:AssumeRole}
      Policies:
        - PolicyName: exec
          PolicyDocument:
            Statement:
              - {Effect: Allow, Action: 'ssmmessages:*', Resource: '*'}
              - {Effect: Allow, Action: s3:PutObject, Resource: %s}
              - {Effect: Allow, Action: s3:GetEncryptionConfiguration, Resource: %s}
"""


def exec_bucket_findings(tmp_path: Path, objects: str, bucket: str) -> list[tuple[str, str]]:
    text = (
        SERVICE.read_text(encoding="utf-8")
        .replace("  TaskDefinition:\n", EXEC_BUCKET % (objects, bucket) + "  TaskDefinition:\n")
        .replace(
            "ExecutionRoleArn: !GetAtt ExecutionRole.Arn\n",
            "ExecutionRoleArn: !GetAtt ExecutionRole.Arn\n"
            "      TaskRoleArn: !GetAtt TaskRole.Arn\n",
        )
        .replace(
            "      LaunchType: FARGATE\n",
            "      LaunchType: FARGATE\n"
            "      Cluster: !Ref Cluster\n      EnableExecuteCommand: true\n",
        )
    )
    text += "Parameters:\n  BucketName: {Type: String}\n  OtherBucket: {Type: String}\n"
    (tmp_path / "t.yaml").write_text(text, encoding="utf-8")
    report = scan([tmp_path], ScanOptions(cwd=tmp_path, region="us-east-1"))
    assert report.errors == ()
    return sorted((f.rule_id, f.message) for f in report.findings if f.rule_id != "FG602")


def test_exec_logging_to_the_bucket_a_parameter_names(tmp_path: Path) -> None:
    assert exec_bucket_findings(tmp_path, "!Sub '${Bucket.Arn}/*'", "!GetAtt Bucket.Arn") == []
    assert exec_bucket_findings(tmp_path, "!Sub 'arn:aws:s3:::${BucketName}/*'", "'*'") == []
    # s3:PutObject on the bucket, not its objects: denied
    [(rule, message)] = exec_bucket_findings(tmp_path, "!GetAtt Bucket.Arn", "!GetAtt Bucket.Arn")
    assert rule == "FG605"
    assert "task role TaskRole is not authorized to perform: s3:PutObject" in message
    # the policy names another bucket: it may be that one (OtherBucket may be BucketName's value)
    [(rule, message)] = exec_bucket_findings(
        tmp_path, "!Sub 'arn:aws:s3:::${OtherBucket}/*'", "'*'"
    )
    assert rule == "FG801"
    assert message.startswith("Parameter OtherBucket is not settled")
    assert message.endswith("it blocks FG605 for service Service")


# --- secrets the template creates or names by ${AWS::AccountId} ----------------------------------

DB_SECRET = "  DbSecret:\n    Type: AWS::SecretsManager::Secret\n    Properties: {Name: db}\n"
OTHER_SECRET = (
    "  OtherSecret:\n    Type: AWS::SecretsManager::Secret\n    Properties: {Name: other}\n"
)
UNNAMED_SECRET = "  UnnamedSecret:\n    Type: AWS::SecretsManager::Secret\n"
SECRET_BY_ACCOUNT = "!Sub 'arn:aws:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:db'"


BY_STACK = (
    "!Sub 'arn:aws:secretsmanager:${{AWS::Region}}:${{AWS::AccountId}}:secret:"
    "${{AWS::StackName}}/{}'"
)


def by_account(name: str) -> str:
    return SECRET_BY_ACCOUNT.replace(":db'", f":{name}'")


SECRETS_TEMPLATE = DB_SECRET + OTHER_SECRET + UNNAMED_SECRET


def template_secret_findings(
    tmp_path: Path, value_from: str, role_resource: str
) -> tuple[list[tuple[str, int, str]], list[str]]:
    """`secret_findings` for a secret read from `value_from` as YAML (`!Ref DbSecret`), with the
    template's secrets DbSecret (named db), OtherSecret and UnnamedSecret."""
    secret = f"          Secrets: [{{Name: DB, ValueFrom: {value_from}}}]\n"
    return container_findings(tmp_path, IMAGE + secret, role_resource, None, SECRETS_TEMPLATE)


def fg105_error(lines: list[str], resource: str) -> tuple[str, int, str]:
    return (
        "FG105",
        lines.index("  ExecutionRole:") + 1,
        "service Service: task definition TaskDefinition: execution role ExecutionRole is not "
        f"authorized to perform: secretsmanager:GetSecretValue on resource: {resource} because no "
        "identity-based policy allows the secretsmanager:GetSecretValue action (needed for "
        "secret DB (container app))",
    )


# The ECS docs' own pattern: the task and the policy name the template's secret by the same
# `!Ref`, or by an ARN whose only unsettled part is ${AWS::AccountId} (the policy by its name
# and `-*`). Before: an FG801 note "... is not settled ...: it blocks FG105" for the ARN.
@pytest.mark.parametrize(
    ("value_from", "role_resource"),
    [
        ("!Ref DbSecret", "!Ref DbSecret"),
        (SECRET_BY_ACCOUNT, by_account("db-*")),
        ("!Ref DbSecret", by_account("db-*")),
        ("!Ref DbSecret", f"{SECRETS}:db-*"),
        # a partial ARN named by the stack's name, the policy by the same and `-*`: the full
        # ARN's six characters are the policy's (field test 18, k06: FG105 when the identity of
        # unsettled values came in without the six characters)
        (BY_STACK.format("db"), BY_STACK.format("db-*")),
        (BY_STACK.format("db"), BY_STACK.format("db-??????")),
    ],
)
def test_a_policy_that_names_the_secret_as_the_template_does_allows_it(
    tmp_path: Path, value_from: str, role_resource: str
) -> None:
    assert template_secret_findings(tmp_path, value_from, role_resource)[0] == []


OPEN_SECRETS = "arn:aws:secretsmanager:us-east-1:*:secret"


# A policy that names another secret of the template (or of the account) cannot name this one,
# whatever deployment settles: FG105. Before: an FG801 note.
@pytest.mark.parametrize(
    ("value_from", "role_resource", "resource"),
    [
        ("!Ref DbSecret", "!Ref OtherSecret", f"{OPEN_SECRETS}:db-*"),
        ("!Ref DbSecret", by_account("dbx-*"), f"{OPEN_SECRETS}:db-*"),
        (SECRET_BY_ACCOUNT, "!Ref OtherSecret", f"{OPEN_SECRETS}:db-??????"),
        (SECRET_BY_ACCOUNT, by_account("dbx-*"), f"{OPEN_SECRETS}:db-??????"),
        (BY_STACK.format("db"), BY_STACK.format("dbx-*"), f"{OPEN_SECRETS}:*/db-??????"),
    ],
)
def test_a_policy_that_names_another_secret_denies(
    tmp_path: Path, value_from: str, role_resource: str, resource: str
) -> None:
    found, lines = template_secret_findings(tmp_path, value_from, role_resource)
    assert found == [fg105_error(lines, resource)]


# A policy that may or may not name the template's secret: one on a secret whose name only
# deployment settles (no Name), on one full ARN, or on the secret's `!Ref` for a task that names
# it by its ARN (the random characters of its name are the policy's, not settled). A note, at the
# unsettled value, whose fix says how to name it (before: "Scan the template or file that
# defines it too", though the template was scanned).
@pytest.mark.parametrize(
    ("value_from", "role_resource", "ref", "at"),
    [
        ("!Ref DbSecret", "!Ref UnnamedSecret", "Ref UnnamedSecret", "Resource: !Ref"),
        ("!Ref DbSecret", f"{SECRETS}:db-AbCdEf", "Ref DbSecret", "ValueFrom: !Ref"),
        (SECRET_BY_ACCOUNT, "!Ref DbSecret", "Ref DbSecret", "Resource: !Ref"),
    ],
)
def test_a_policy_that_may_name_the_secret_is_a_note(
    tmp_path: Path, value_from: str, role_resource: str, ref: str, at: str
) -> None:
    secret = f"          Secrets: [{{Name: DB, ValueFrom: {value_from}}}]\n"
    report, text = container_scan(tmp_path, IMAGE + secret, role_resource, None, SECRETS_TEMPLATE)
    line = next(i + 1 for i, x in enumerate(text.splitlines()) if at in x)
    logical = ref.removeprefix("Ref ")
    assert [(f.rule_id, f.location.line, f.message, f.fix) for f in report.findings] == [
        (
            "FG801",
            line,
            f"{ref} is not settled ({ref} (AWS::SecretsManager::Secret) is only known after "
            "deployment): it blocks FG105 for service Service",
            f"{logical} is created by the scanned inputs, and only deployment settles its name: "
            f"where a policy names it, name it the same way ({ref}) or by a pattern that matches "
            "any name it may get, so these checks can run.",
        )
    ]


# Repository credentials given by `!Ref` or `!Sub` are a Secrets Manager secret the agent reads
# before the pull: an endpoint that does not admit the task blocks it (FG402). Before: no
# secretsmanager need at all (only a literal ARN or a name made one), so no FG402.
@pytest.mark.parametrize(
    ("credentials", "role_resource"),
    [("!Ref DbSecret", "!Ref DbSecret"), (SECRET_BY_ACCOUNT, by_account("db-*"))],
)
def test_repository_credentials_of_the_template_need_secrets_manager(
    tmp_path: Path, credentials: str, role_resource: str
) -> None:
    container = (
        "          Image: ghcr.io/org/app:1\n"
        f"          RepositoryCredentials: {{CredentialsParameter: {credentials}}}\n"
    )
    # the endpoint's security group is the task's, which admits nothing
    closed = "      ServiceName: com.amazonaws.us-east-1.secretsmanager\n"
    found, lines = container_findings(tmp_path, container, role_resource, None, SECRETS_TEMPLATE)
    assert [f[0] for f in found] == ["FG202"]  # the endpoint admits the task
    text = "\n".join(lines).replace(closed, closed + "      SecurityGroupIds: [!Ref TaskSG]\n")
    (tmp_path / "t.yaml").write_text(text, encoding="utf-8")
    report = scan([tmp_path], ScanOptions(cwd=tmp_path, region="us-east-1"))
    assert [(f.rule_id, f.location.line, f.message) for f in report.findings] == [
        (
            "FG202",
            lines.index("  RouteTable:") + 1,
            "service Service cannot reach ghcr.io: task subnet Subnet -> route table RouteTable: "
            "no default route and ghcr.io is reachable only over the internet",
        ),
        (
            "FG402",
            lines.index("  TaskSG:") + 1,
            "service Service cannot reach secretsmanager: security group TaskSG of interface "
            "endpoint SecretsEndpoint allows no inbound TCP 443 from the task (security group "
            "TaskSG or subnet Subnet (10.0.1.0/24))",
        ),
    ]


# --- resources of the template named by `!GetAtt X.Arn` ------------------------------------------

GROUPS = (
    "  AppLogs:\n    Type: AWS::Logs::LogGroup\n    Properties: {LogGroupName: /ecs/app}\n"
    "  AuditLogs:\n    Type: AWS::Logs::LogGroup\n    Properties: {LogGroupName: /audit/app}\n"
)
AWSLOGS = "awslogs-group: /ecs/app,"


def group_findings(
    tmp_path: Path, resource: str, region: str | None, groups: str = GROUPS
) -> tuple[list[tuple[str, int, str]], list[str]]:
    """The working template logging to its own group AppLogs (`!Ref AppLogs`, named /ecs/app),
    with the execution role's logs statement on `resource` (YAML)."""
    logs = (
        "              - {Effect: Allow, Action: [logs:CreateLogStream, logs:PutLogEvents],"
        f" Resource: {resource}}}\n"
    )
    text = (
        SERVICE.read_text(encoding="utf-8")
        .replace(MANAGED, execution_policy(logs))
        .replace(AWSLOGS, "awslogs-group: !Ref AppLogs,")
    ) + groups
    (tmp_path / "t.yaml").write_text(text, encoding="utf-8")
    report = scan([tmp_path], ScanOptions(cwd=tmp_path, region=region))
    assert report.errors == ()
    return [(f.rule_id, f.location.line, f.message) for f in report.findings], text.splitlines()


# A named group's `Fn::GetAtt Arn` is `arn:aws:logs:REGION:ACCOUNT:log-group:NAME:*`
# (CloudFormation return values): only the account (and without --region the deploy region) is
# unsettled, so a policy on it covers the group the task names by `!Ref`, also with `:*` after
# it (IAM authorizes CreateLogStream and PutLogEvents on `log-group:NAME:log-stream:STREAM`).
# Before: an FG801 note "Fn::GetAtt AppLogs.Arn is not settled ...: it blocks FG104" (field
# test 14, d05 and b03).
@pytest.mark.parametrize("region", ["us-east-1", None])
@pytest.mark.parametrize("resource", ["!GetAtt AppLogs.Arn", '!Sub "${AppLogs.Arn}:*"'])
def test_a_policy_on_the_named_groups_getatt_arn_allows_it(
    tmp_path: Path, resource: str, region: str | None
) -> None:
    assert group_findings(tmp_path, resource, region)[0] == []


# ... and a policy on another named group's cannot cover it, whatever the account: FG104.
# Before: the same FG801 note (field test 14, k02).
@pytest.mark.parametrize("region", ["us-east-1", None])
def test_a_policy_on_another_named_groups_getatt_arn_denies(
    tmp_path: Path, region: str | None
) -> None:
    found, lines = group_findings(tmp_path, "!GetAtt AuditLogs.Arn", region)
    assert found == [
        (
            "FG104",
            lines.index("  ExecutionRole:") + 1,
            "service Service: task definition TaskDefinition: execution role ExecutionRole is not "
            "authorized to perform: logs:CreateLogStream, logs:PutLogEvents on resource: "
            "arn:aws:logs:us-east-1:*:log-group:/ecs/app:log-stream:app/app/* because no "
            "identity-based policy allows these actions (needed for awslogs log group /ecs/app "
            "(container app))",
        )
    ]


UNNAMED_GROUPS = GROUPS.replace("{LogGroupName: /ecs/app}", "{}").replace(
    "{LogGroupName: /audit/app}", "{}"
)


# Without LogGroupName, CloudFormation makes up each group's name ("Name type", CloudFormation
# User Guide): two groups of the template have two names, so a policy on the other group's ARN
# cannot cover the task's group (FG104), one on its own does, and what follows the ARN counts.
# Before: an FG801 note "Fn::GetAtt AuditLogs.Arn is not settled" (field test 14, k03).
@pytest.mark.parametrize(
    ("resource", "denied"),
    [
        ("!GetAtt AuditLogs.Arn", True),
        ("!GetAtt AppLogs.Arn", False),
        ('!Sub "${AppLogs.Arn}:*"', False),
        ('!Sub "${AppLogs.Arn}-old:*"', True),
    ],
)
def test_a_policy_on_another_unnamed_groups_getatt_arn_denies(
    tmp_path: Path, resource: str, denied: bool
) -> None:
    found, lines = group_findings(tmp_path, resource, "us-east-1", UNNAMED_GROUPS)
    assert found == (
        [
            (
                "FG104",
                lines.index("  ExecutionRole:") + 1,
                "service Service: task definition TaskDefinition: execution role ExecutionRole "
                "is not authorized to perform: logs:CreateLogStream, logs:PutLogEvents on "
                "resource: <Ref AppLogs> because no identity-based policy allows these actions "
                "(needed for awslogs log group <Ref AppLogs> (container app))",
            )
        ]
        if denied
        else []
    )


# One stack's name is one value: a group named `/ecs/${AWS::StackName}` is the one a policy
# names by the same `${AWS::StackName}` (before: an FG801 note "AWS::StackName t.yaml is not
# settled", field test 14, n01).
def test_a_policy_on_the_groups_name_by_the_stack_name_allows_it(tmp_path: Path) -> None:
    groups = GROUPS.replace(
        "{LogGroupName: /ecs/app}", '{LogGroupName: !Sub "/ecs/${AWS::StackName}"}'
    )
    policy = (
        '!Sub "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:'
        'log-group:/ecs/${AWS::StackName}:*"'
    )
    assert group_findings(tmp_path, policy, "us-east-1", groups)[0] == []
    other = policy.replace("/ecs/", "/audit/")
    assert [f[0] for f in group_findings(tmp_path, other, "us-east-1", groups)[0]] == ["FG104"]


# A piece of the stack's name is not the stack's name (field test 18, s06, s09: an FG104 when
# `!Select`/`!Split` kept the whole name's identity): for stack `orders-prod`, `/ecs/orders-*`
# covers `/ecs/orders-prod`; for stack `orders`, `/ecs/orders-*` does not cover `/ecs/orders`.
@pytest.mark.parametrize(
    ("group", "policy"),
    [
        ("/ecs/${AWS::StackName}", "/ecs/${Head}-*"),
        ("/ecs/orders-${Tail}", "/ecs/${AWS::StackName}"),
    ],
)
def test_a_piece_of_the_stack_name_is_not_settled(tmp_path: Path, group: str, policy: str) -> None:
    pieces = (
        "{Head: !Select [0, !Split ['-', !Ref AWS::StackName]],"
        " Tail: !Select [1, !Split ['-', !Ref AWS::StackName]]}"
    )
    groups = GROUPS.replace(
        "{LogGroupName: /ecs/app}", f"{{LogGroupName: !Sub ['{group}', {pieces}]}}"
    )
    resource = (
        f"!Sub ['arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:"
        f"log-group:{policy}:*', {pieces}]"
    )
    found = group_findings(tmp_path, resource, "us-east-1", groups)[0]
    assert [f[0] for f in found] == ["FG801"]


# --- a Deny that may apply, where no Allow applies --------------------------------------------

# The usual region guardrail: whether it applies depends on the request's context.
GUARDRAIL = (
    "              - {Effect: Deny, NotAction: ['iam:*', 'sts:*'], Resource: '*',"
    " Condition: {StringNotEquals: {aws:RequestedRegion: us-east-1}}}\n"
)


# No Allow for logs: the request is denied whether the Deny applies or not ("Policy evaluation
# logic", IAM User Guide), so FG104; the image pull, which an Allow allows, waits for the Deny's
# Condition. Before: only the note, blocking FG103 and FG104 (field test 14, k04).
def test_an_unsettled_deny_does_not_hide_that_nothing_allows(tmp_path: Path) -> None:
    template = SERVICE.read_text(encoding="utf-8").replace(MANAGED, execution_policy(GUARDRAIL))
    policy_line = template.splitlines().index("        - PolicyName: p") + 1
    assert findings(tmp_path, MANAGED, execution_policy(GUARDRAIL)) == [
        (
            "FG104",
            ROLE_LINE,
            "service Service: task definition TaskDefinition: execution role ExecutionRole is not "
            "authorized to perform: logs:CreateLogStream, logs:PutLogEvents on resource: "
            "arn:aws:logs:us-east-1:*:log-group:/ecs/app:log-stream:app/app/* because no "
            "identity-based policy allows these actions (needed for awslogs log group /ecs/app "
            "(container app))",
        ),
        (
            "FG801",
            policy_line,
            "Condition of statement 2 of inline policy p of role ExecutionRole is not settled (a "
            "Condition on aws:RequestedRegion depends on the request's context, which the inputs "
            "do not give): it blocks FG103 for service Service",
        ),
    ]


# --- environment files in a bucket the inputs do not settle ------------------------------------

ENV_FILE = (
    "          EnvironmentFiles:"
    " [{Type: s3, Value: !Sub 'arn:aws:s3:::${ConfigBucketName}/prod.env'}]\n"
)
PARAMETER = "Parameters:\n  ConfigBucketName: {Type: String}\n"


def env_file_findings(tmp_path: Path, locate_resource: str) -> list[tuple[str, int, str]]:
    """The working template with an environment file in the bucket a parameter without default
    names, and an execution role allowed s3:GetObject on orders-config's objects and
    s3:GetBucketLocation on `locate_resource`."""
    s3 = (
        "              - {Effect: Allow, Action: s3:GetObject,"
        " Resource: 'arn:aws:s3:::orders-config/*'}\n"
        "              - {Effect: Allow, Action: s3:GetBucketLocation,"
        f" Resource: '{locate_resource}'}}\n"
    )
    text = (
        SERVICE.read_text(encoding="utf-8")
        .replace("Resources:\n", PARAMETER + "Resources:\n", 1)
        .replace(IMAGE, IMAGE + ENV_FILE)
        .replace(MANAGED, MANAGED + execution_policy(s3))
    )
    (tmp_path / "t.yaml").write_text(text, encoding="utf-8")
    report = scan([tmp_path], ScanOptions(cwd=tmp_path, region="us-east-1"))
    assert report.errors == ()
    return [(f.rule_id, f.location.line, f.message) for f in report.findings]


# s3:GetBucketLocation is on the file's bucket: `arn:aws:s3:::*` while the parameter is not
# given, which the policy's bucket may be (a note), and an object pattern never is (FG110).
# Before: a false FG110 "not authorized to perform: s3:GetBucketLocation on resource:
# arn:aws:s3:::*/prod.env", and no error for the object pattern (field test 14, m08, m09); and
# FG110's notes never reached FG801 (a file that may be in another bucket passed silently).
def test_the_bucket_of_an_environment_file_known_in_part(tmp_path: Path) -> None:
    note = (
        "FG801",
        3,
        "Parameter ConfigBucketName is not settled (parameter ConfigBucketName has no default "
        "and no value was given (--parameter ConfigBucketName=VALUE)): it blocks FG110 for "
        "service Service",
    )
    assert env_file_findings(tmp_path, "arn:aws:s3:::orders-config") == [note]
    assert env_file_findings(tmp_path, "arn:aws:s3:::orders-config*/prod.env") == [
        note,
        (
            "FG110",
            ROLE_LINE + 2,  # the Parameters lines come first
            "service Service: task definition TaskDefinition: execution role ExecutionRole is not "
            "authorized to perform: s3:GetBucketLocation on resource: arn:aws:s3:::* because no "
            "identity-based policy allows the s3:GetBucketLocation action (needed for "
            "environment file arn:aws:s3:::*/prod.env (container app))",
        ),
    ]


# --- wildcards and dots -----------------------------------------------------------------------

GROUP = "awslogs-group: /ecs/app,"


# IAM's `*` matches any character, a `.` too: a policy on `log-group:/ecs/*:*` covers the group
# /ecs/app.v2. Before: a false FG104 "not authorized to perform: logs:CreateLogStream on
# resource: arn:aws:logs:us-east-1:*:log-group:/ecs/app.v2:*" (glob.match's default delimiter
# `.` stopped the `*`).
def test_a_wildcard_matches_a_dot(tmp_path: Path) -> None:
    logs = (
        "              - {Effect: Allow, Action: [logs:CreateLogStream, logs:PutLogEvents],"
        " Resource: 'arn:aws:logs:*:*:log-group:/ecs/*:*'}\n"
    )
    text = (
        SERVICE.read_text(encoding="utf-8")
        .replace(GROUP, "awslogs-group: /ecs/app.v2,")
        .replace(MANAGED, execution_policy(logs))
    )
    (tmp_path / "t.yaml").write_text(text, encoding="utf-8")
    report = scan([tmp_path], ScanOptions(cwd=tmp_path, region="us-east-1"))
    assert report.errors == ()
    assert [(f.rule_id, f.message) for f in report.findings] == []
