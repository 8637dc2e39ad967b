"""load_rules: the catalogue from each policy's package-scope METADATA block.

Every test builds its own policy folders (the shipped ones are still being written).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.engine.metadata import load_rules
from scanner.errors import EngineError, PolicyError
from scanner.findings import Rule

GOOD = """\
# METADATA
# title: Task in a public subnet without a public IP
# description: |
#   Tasks in a subnet whose default route is an internet gateway need a public IP.
#   Without one they reach nothing outside the VPC.
# custom:
#   id: {id}
#   level: error
#   remediation: Set assignPublicIp to ENABLED, or move the tasks to private subnets.
#   tags: [routing, network]
#   examples:
#     failing: |
#       Service:
#         Type: AWS::ECS::Service
#
#         Properties: {{}}
#     passing: |
#       Service: {{}}
package {package}

import rego.v1

# METADATA
# entrypoint: true
deny contains x if {{ x := 1 }}
"""


def write_rule(root: Path, folder: str, text: str) -> Path:
    path = root / folder / "policy.rego"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def good(rule_id: str = "FG201", package: str | None = None) -> str:
    return GOOD.format(id=rule_id, package=package or f"fargate_preflight.rules.{rule_id.lower()}")


def error_of(tmp_path: Path, text: str, *, shipped: bool = False) -> str:
    write_rule(tmp_path / "rules", "fg201_x", text)
    kind = EngineError if shipped else PolicyError
    with pytest.raises(kind) as caught:
        load_rules([tmp_path], shipped=[tmp_path] if shipped else [])
    return str(caught.value)


def test_reads_every_field(tmp_path: Path) -> None:
    path = write_rule(tmp_path / "rules", "fg201_public_subnet", good())
    assert load_rules([tmp_path], shipped=[tmp_path]) == (
        Rule(
            id="FG201",
            title="Task in a public subnet without a public IP",
            description="Tasks in a subnet whose default route is an internet gateway need a "
            "public IP.\nWithout one they reach nothing outside the VPC.",
            level="error",
            remediation="Set assignPublicIp to ENABLED, or move the tasks to private subnets.",
            tags=("routing", "network"),
            package="fargate_preflight.rules.fg201",
            path=path.as_posix(),
            failing_example="Service:\n  Type: AWS::ECS::Service\n\n  Properties: {}",
            passing_example="Service: {}",
            shipped=True,
        ),
    )


def test_sorted_by_id_across_dirs_and_layouts(tmp_path: Path) -> None:
    shipped = tmp_path / "policies"
    write_rule(shipped / "rules", "fg702_cpu", good("FG702"))
    write_rule(shipped / "rules", "fg101_iam", good("FG101"))
    user_rules = tmp_path / "mine"  # a rules folder: */policy.rego
    write_rule(user_rules, "acme", good("ACME12", "fargate_preflight.rules.acme12"))
    single = tmp_path / "one"  # one rule folder: policy.rego
    write_rule(tmp_path, "one", good("X1", "fargate_preflight.rules.x_one"))
    rules = load_rules([shipped, user_rules, single], shipped=[shipped])
    assert [r.id for r in rules] == ["ACME12", "FG101", "FG702", "X1"]
    # Only shipped rules have a page in docs/rules/ to link to.
    assert [r.shipped for r in rules] == [False, True, True, False]


def test_only_the_block_above_the_package_line_is_read(tmp_path: Path) -> None:
    # Whatever follows the package line (here not even Rego) is the engine's business.
    text = good() + "\n this is { not rego \xff\n# METADATA\n# title: [unclosed\n"
    write_rule(tmp_path / "rules", "fg201_x", text)
    assert [r.id for r in load_rules([tmp_path])] == ["FG201"]


def test_a_folder_without_rules_gives_no_rules(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "network.rego").write_text("package fargate_preflight.lib.network\n")
    assert load_rules([tmp_path]) == ()


def test_invalid_yaml_names_file_and_line(tmp_path: Path) -> None:
    # The parser notices the unclosed list on the next line, and says so there.
    text = good().replace("#   level: error", "#   level: [error")
    message = error_of(tmp_path, text)
    assert message.startswith(f"{tmp_path / 'rules' / 'fg201_x' / 'policy.rego'}:9: ")
    assert "METADATA is not valid YAML" in message


def test_missing_block(tmp_path: Path) -> None:
    message = error_of(tmp_path, "package fargate_preflight.rules.fg201\n")
    assert message.endswith(
        "policy.rego:1: no `# METADATA` comment block directly above the package line "
        "(title, description, custom: {id, level, remediation, tags})"
    )


def test_block_separated_from_the_package_line_is_not_package_scope(tmp_path: Path) -> None:
    text = good().replace("\npackage ", "\n\npackage ")
    assert "policy.rego:20: no `# METADATA` comment block" in error_of(tmp_path, text)


def test_no_package_line(tmp_path: Path) -> None:
    assert error_of(tmp_path, "# METADATA\n# title: x\n").endswith("policy.rego:1: no package line")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("#   level: error", "#   level: fatal", ":8: METADATA level 'fatal' must be one of "),
        ("#   level: error", "#   level: 3", ":8: METADATA needs `custom.level` as a non-empty"),
        (
            "# title: Task in a public subnet without a public IP\n",
            "",
            ":1: METADATA needs `title`",
        ),
        ("#   remediation: Set", "#   remedy: Set", ":6: METADATA needs `custom.remediation`"),
        ("#   tags: [routing, network]", "#   tags: routing", ":10: METADATA needs `custom.tags`"),
        (
            "#     passing: |",
            "#     passing: 3\n#     x: |",
            ":17: METADATA needs `custom.examples",
        ),
        ("# custom:", "# custom: 1\n# other:", ":6: METADATA needs `custom` as a mapping"),
    ],
)
def test_malformed_fields_name_their_line(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    assert expected in error_of(tmp_path, good().replace(old, new))


def test_a_list_is_not_a_metadata_mapping(tmp_path: Path) -> None:
    message = error_of(tmp_path, "# METADATA\n# - a\npackage p\n")
    assert message.endswith("policy.rego:1: METADATA must be a YAML mapping")


@pytest.mark.parametrize("rule_id", ["FG20", "FG2011", "fg201", "ACME12"])
def test_shipped_ids_are_fg_and_three_digits(tmp_path: Path, rule_id: str) -> None:
    message = error_of(tmp_path, good(rule_id), shipped=True)
    assert f":7: METADATA rule id '{rule_id}' must be FG followed by three digits" in message


@pytest.mark.parametrize("rule_id", ["ACME12", "X1", "FG999", "A1B2"])
def test_user_policies_may_use_their_own_prefix(tmp_path: Path, rule_id: str) -> None:
    write_rule(tmp_path, "mine", good(rule_id, "fargate_preflight.rules.mine"))
    assert [r.id for r in load_rules([tmp_path])] == [rule_id]


def test_a_user_rule_outside_the_rules_packages_is_an_error(tmp_path: Path) -> None:
    # a scan evaluates data.fargate_preflight.rules only: the rule would be listed, never run
    assert error_of(tmp_path, good("ACME201", "acme.rules.acme201")).endswith(
        "policy.rego:19: package acme.rules.acme201 is not under fargate_preflight.rules, so a "
        "scan would never evaluate rule ACME201 (e.g. package fargate_preflight.rules.acme201)"
    )


@pytest.mark.parametrize("rule_id", ["acme12", "ACME", "AC-12", "1A2", "A 1"])
def test_user_ids_still_need_a_prefix_and_a_number(tmp_path: Path, rule_id: str) -> None:
    assert "must be like FG201 or ACME12" in error_of(tmp_path, good(rule_id, "acme.mine"))


def test_shipped_package_must_match_the_id(tmp_path: Path) -> None:
    text = good("FG201", "fargate_preflight.rules.fg202")
    assert error_of(tmp_path, text, shipped=True).endswith(
        "policy.rego:19: package fargate_preflight.rules.fg202 must be "
        "fargate_preflight.rules.fg201 for rule FG201"
    )


def test_duplicate_id_names_both_files(tmp_path: Path) -> None:
    first = write_rule(tmp_path / "a", "one", good("ACME1", "fargate_preflight.rules.acme_one"))
    second = write_rule(tmp_path / "b", "two", good("ACME1", "fargate_preflight.rules.acme_two"))
    with pytest.raises(PolicyError) as caught:
        load_rules([tmp_path / "a", tmp_path / "b"])
    assert str(caught.value) == (
        f"{second.as_posix()}: rule id ACME1 is already used by {first.as_posix()}"
    )


def test_user_rule_reusing_a_shipped_id_is_the_users_error(tmp_path: Path) -> None:
    write_rule(tmp_path / "shipped" / "rules", "fg201_x", good("FG201"))
    write_rule(tmp_path / "mine", "fg201", good("FG201", "fargate_preflight.rules.acme_fg201"))
    with pytest.raises(PolicyError, match="rule id FG201 is already used by"):
        load_rules([tmp_path / "shipped", tmp_path / "mine"], shipped=[tmp_path / "shipped"])


def test_duplicate_package(tmp_path: Path) -> None:
    write_rule(tmp_path, "one", good("ACME1", "fargate_preflight.rules.acme_same"))
    write_rule(tmp_path, "two", good("ACME2", "fargate_preflight.rules.acme_same"))
    already = "package fargate_preflight.rules.acme_same is already used by"
    with pytest.raises(PolicyError, match=already):
        load_rules([tmp_path])


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="policy directory does not exist"):
        load_rules([tmp_path / "nope"])


def test_unreadable_policy_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "bad" / "policy.rego"
    path.parent.mkdir()
    path.write_bytes(b"# METADATA\n# title: \xff\xfe\npackage x\n")
    with pytest.raises(PolicyError, match="cannot read policy"):
        load_rules([tmp_path])


def test_windows_line_endings(tmp_path: Path) -> None:
    text = good("ACME3", "fargate_preflight.rules.acme_crlf")
    write_rule(tmp_path, "crlf", text.replace("\n", "\r\n"))
    (rule,) = load_rules([tmp_path])
    assert rule.failing_example == "Service:\n  Type: AWS::ECS::Service\n\n  Properties: {}"
