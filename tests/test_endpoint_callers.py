"""Who calls through a VPC endpoint (policies/lib/callers.rego), end to end on the field test 22
cases (tests/fixtures/iam/field22/, copied from the field test): the ECR image-layer download
from S3, which ECR presigns with AWS's own credentials (D1: cases 40, 77, 78), a role the
template creates under conditions on its own account (D4: case 79), and the FG801 fix of a
Condition (W1) and FG102's fix with the resource (W4). Each variant changes one thing of a case,
scanned through `scanner.api.scan`; the assertions are the exact findings."""

from __future__ import annotations

from pathlib import Path

from scanner.api import ScanOptions, scan

CASES = Path(__file__).parent / "fixtures" / "iam" / "field22"
STARPORT = "arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*"
IMAGE = "private ECR image 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1 (container app)"

LAYERS_DENIED = (
    "service Service cannot call s3 through VPC endpoint EpS3Gateway: ECR's presigned layer "
    "download (signed with AWS's own credentials, not execution role ExecutionRole) is not "
    f"authorized to perform: s3:GetObject on resource: {STARPORT} {{}} (needed for {IMAGE})"
)
NO_ALLOW = "because no statement of the VPC endpoint policy allows the s3:GetObject action"
EXPLICIT = "with an explicit deny in a VPC endpoint policy"
LAYERS_FIX = (
    f'Allow s3:GetObject on {STARPORT} for Principal "*" (with no principal or account '
    "condition: ECR presigns the layer URLs with AWS's own credentials) in the policy of VPC "
    "endpoint EpS3Gateway, or narrow the Deny that covers it."
)

# The statement the ECR User Guide's "Minimum Amazon S3 bucket permissions" policy has.
CARVE_OUT = (
    "        - Effect: Allow\n"
    "          Principal: '*'\n"
    "          Action: s3:GetObject\n"
    f"          Resource: {STARPORT}\n"
)


def text(case: str) -> str:
    return next(CASES.glob(f"{case}-*.yaml")).read_text(encoding="utf-8")


def line_of(case: str, resource: str) -> int:
    return text(case).splitlines().index(f"  {resource}:") + 1


def findings(
    tmp_path: Path, case: str, old: str = "", new: str = ""
) -> list[tuple[str, str, int, str, str]]:
    """The findings of the case with `old` replaced by `new`: rule, level, line, message, fix."""
    base = text(case)
    assert old in base
    (tmp_path / "t.yaml").write_text(base.replace(old, new, 1), encoding="utf-8")
    report = scan([tmp_path / "t.yaml"], ScanOptions(cwd=tmp_path))
    assert report.errors == ()
    return [(f.rule_id, f.level, f.location.line, f.message, f.fix) for f in report.findings]


def layers_denied(case: str, how: str = NO_ALLOW) -> list[tuple[str, str, int, str, str]]:
    return [("FG102", "error", line_of(case, "EpS3Gateway"), LAYERS_DENIED.format(how), LAYERS_FIX)]


# Case 40: the verdict was right, the fix ("for execution role ExecutionRole") was not.
def test_a_policy_without_the_layer_bucket(tmp_path: Path) -> None:
    assert findings(tmp_path, "40") == layers_denied("40")
    fixed = "          Resource: arn:aws:s3:::my-app-bucket/*\n"
    assert findings(tmp_path, "40", fixed, fixed + CARVE_OUT) == []


# Case 77: the layer bucket allowed only to the execution role (what case 40's old fix said).
def test_the_layer_bucket_for_the_execution_role_only(tmp_path: Path) -> None:
    assert findings(tmp_path, "77") == layers_denied("77")
    for_role = "          Principal:\n            AWS:\n              Fn::GetAtt:\n"
    role_arn = for_role + "              - ExecutionRole\n              - Arn\n"
    assert findings(tmp_path, "77", role_arn, "          Principal: '*'\n") == []
    assert findings(tmp_path, "77", role_arn, "          Principal: {AWS: '*'}\n") == []
    own_root = "          Principal: {AWS: !Sub 'arn:aws:iam::${AWS::AccountId}:root'}\n"
    assert findings(tmp_path, "77", role_arn, own_root) == layers_denied("77")


# Case 78, the data-perimeter policy: only principals of the stack's account.
def test_the_layer_bucket_behind_an_own_account_condition(tmp_path: Path) -> None:
    assert findings(tmp_path, "78") == layers_denied("78")
    condition = "              aws:PrincipalAccount:\n                Ref: AWS::AccountId\n"
    assert findings(tmp_path, "78", condition, condition + CARVE_OUT) == []

    # the same perimeter as a Deny: it applies to the layer download
    allow_if = (
        "        - Effect: Allow\n          Principal: '*'\n          Action: s3:*\n"
        "          Resource: '*'\n          Condition:\n            StringEquals:\n"
    )
    deny_unless = (
        "        - {Effect: Allow, Principal: '*', Action: 's3:*', Resource: '*'}\n"
        "        - Effect: Deny\n          Principal: '*'\n          Action: s3:*\n"
        "          Resource: '*'\n          Condition:\n            StringNotEquals:\n"
    )
    assert findings(tmp_path, "78", allow_if, deny_unless) == layers_denied("78", EXPLICIT)


# W1: a literal account the inputs cannot relate to AWS's principal, and an organization: FG801
# notes that say which key and what settles it, not "Scan the template or file that defines it".
def test_conditions_the_inputs_cannot_relate_to_the_layer_download(tmp_path: Path) -> None:
    condition = "              aws:PrincipalAccount:\n                Ref: AWS::AccountId\n"
    literal = "              aws:PrincipalAccount: '111122223333'\n"
    assert findings(tmp_path, "78", condition, literal) == [
        (
            "FG801",
            "note",
            line_of("78", "EpS3Gateway"),
            "Condition of statement 1 of the policy of VPC endpoint EpS3Gateway is not settled (a "
            "Condition on aws:PrincipalAccount names an account or principal that the inputs do "
            "not relate to the caller): it blocks FG102 for service Service",
            "ECR presigns the image layer URLs with AWS's own credentials, so the layer download "
            "is not made by your roles or account: give s3:GetObject on "
            'arn:aws:s3:::prod-REGION-starport-layer-bucket/* a statement for Principal "*" '
            "without principal or account conditions (or, if this condition holds for AWS's "
            "principal, suppress this note with a reason).",
        )
    ]
    org = "              aws:PrincipalOrgID: o-abc123\n"
    [(rule, _, _, message, _)] = findings(tmp_path, "78", condition, org)
    assert (rule, message) == (
        "FG801",
        "Condition of statement 1 of the policy of VPC endpoint EpS3Gateway is not settled (a "
        "Condition on aws:PrincipalOrgID depends on the request's context, which the inputs do "
        "not give): it blocks FG102 for service Service",
    )


# Case 79: the execution role is created by the stack, so it is of `AWS::AccountId` (before:
# an FG801 note on each of the four endpoints).
def test_an_own_account_condition_for_a_role_of_the_stack(tmp_path: Path) -> None:
    assert findings(tmp_path, "79") == []
    condition = "              aws:PrincipalAccount:\n                Ref: AWS::AccountId\n"
    sub = "              aws:PrincipalAccount: !Sub '${AWS::AccountId}'\n"
    assert findings(tmp_path, "79", condition, sub) == []
    deny = (
        "        - Effect: Allow\n          Principal: '*'\n          Action: '*'\n"
        "          Resource: '*'\n          Condition:\n            StringEquals:\n"
    )
    perimeter = (
        "        - {Effect: Allow, Principal: '*', Action: '*', Resource: '*'}\n"
        "        - Effect: Deny\n          Principal: '*'\n          Action: '*'\n"
        "          Resource: '*'\n          Condition:\n            StringNotEquals:\n"
    )
    assert findings(tmp_path, "79", deny, perimeter) == []


# A literal account the role's ARN does not name stays undecided (the role's account is not
# known offline), with the fix that settles it.
def test_a_literal_account_condition_for_a_role_of_the_stack(tmp_path: Path) -> None:
    condition = "              aws:PrincipalAccount:\n                Ref: AWS::AccountId\n"
    literal = "              aws:PrincipalAccount:\n                '123456789012'\n"  # same lines
    found = findings(tmp_path, "79", condition, literal)
    assert [(rule, level, line) for rule, level, line, _, _ in found] == [
        ("FG801", "note", line_of("79", name))
        for name in ("EpEcrApi", "EpEcrDkr", "EpLogs", "EpSecretsmanager")
    ]
    assert {fix for *_, fix in found} == {
        "The calling role's account is not known from these inputs: write the account the "
        "stack deploys to as ${AWS::AccountId} so that it is compared, or scan the live account "
        "(scan-aws); else, if the condition holds for the calling role, suppress this note with "
        "a reason."
    }
    assert found[0][3] == (
        "Condition of statement 1 of the policy of VPC endpoint EpEcrApi is not settled (a "
        "Condition on aws:PrincipalAccount names an account or principal that the inputs do not "
        "relate to the caller): it blocks FG102 for service Service"
    )
