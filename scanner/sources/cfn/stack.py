"""One deployed template (a stack): its parameters, conditions, outputs, Ref and Fn::GetAtt.

A template scanned on its own is one stack; a nested stack's template is a stack whose parameters
come from its parent. Every value is computed on first use and remembered, so a large template
costs what its model fields need, and a circular reference is reported instead of looping.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from scanner.errors import SourceError
from scanner.sources.cfn import intrinsics
from scanner.sources.cfn.template import NESTED_STACK_TYPES, Template
from scanner.sources.cfn.values import (
    NOVALUE,
    Composite,
    ResRef,
    Unknown,
    Value,
    Where,
    is_intrinsic,
    scalar_text,
    split,
)
from scanner.sources.lines import LINED, LineDict, key_line, line_of
from scanner.sources.physical import partition, token, url_suffix

if TYPE_CHECKING:
    from scanner.sources.cfn.run import Run

Parts = tuple[Any, ...]
Condition = bool | Unknown

_DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:[^}]*\}\}")
_LIST_TYPE = re.compile(
    r"^(List<.*>|CommaDelimitedList|AWS::SSM::Parameter::Value<(List<.*>|CommaDelimitedList)>)$"
)
_SSM_TYPE = "AWS::SSM::Parameter::Value<"


class Stack:
    def __init__(
        self,
        run: Run,
        tpl: Template,
        qualifier: str,
        parent: Stack | None = None,
        parent_logical: str | None = None,
        passed: dict[str, Callable[[], Value]] | None = None,
    ) -> None:
        self.run = run
        self.tpl = tpl
        self.qualifier = qualifier  # names this stack in ids and refs (the file, or its nesting)
        self.parent = parent
        self.parent_logical = parent_logical
        self.passed = passed or {}
        self.ids: dict[str, str] = {}
        self.children: dict[str, Stack] = {}
        self.unfollowed: dict[str, str] = {}  # nested stack -> why its template is not read
        self._params: dict[str, Value] = {}
        self._conditions: dict[str, Condition] = {}
        self._exists: dict[str, Condition] = {}
        self._outputs: dict[str, Value] = {}
        self._properties: dict[tuple[str, str], Value] = {}

    @property
    def rel(self) -> str:
        return self.tpl.rel

    def where(self, parts: Parts, line: int | None = None) -> Where:
        # A value's place is the node that holds the function, not the function's key.
        if (
            parts
            and isinstance(parts[-1], str)
            and (parts[-1] == "Ref" or parts[-1].startswith("Fn::"))
        ):
            parts = parts[:-1]
        return self.tpl.where(parts, line)

    def fail(self, line: int | None, message: str) -> SourceError:
        return SourceError(self.rel, line, message)

    def describe(self) -> str:
        if self.parent is None:
            return self.rel
        return f"{self.rel} (nested stack {self.parent_logical} of {self.parent.describe()})"

    # --- evaluation ------------------------------------------------------------------------

    def resolve(self, node: Any, parts: Parts, line: int) -> Value:
        """The value of a template node: intrinsic functions applied, `AWS::NoValue` removed."""
        if isinstance(node, dict):
            line = line_of(node) or line
            if is_intrinsic(node):
                name, arg = next(iter(node.items()))
                function = intrinsics.INTRINSICS.get(name)
                if function is None:
                    raise self.fail(line, f"unknown intrinsic function {name}")
                return function(self, arg, (*parts, name), line)
            resolved: dict[str, Value] = {}
            lines = node.key_lines if isinstance(node, LineDict) else {}  # as key_line
            for key, child in node.items():
                value = self.resolve(child, (*parts, key), lines.get(key) or line)
                if value is not NOVALUE:
                    resolved[str(key)] = value
            return resolved
        if isinstance(node, list):
            items = []
            for index, child in enumerate(node):
                child_line = child.line if isinstance(child, LINED) else None  # as line_of
                value = self.resolve(child, (*parts, index), child_line or line)
                if value is not NOVALUE:
                    items.append(value)
            return items
        if isinstance(node, str):
            # `in` first: most strings have no dynamic reference, and it is cheaper than a search
            found = _DYNAMIC_REFERENCE.search(node) if "{{resolve:" in node else None
            if found:
                return Unknown(
                    f"dynamic reference {found.group(0)} is resolved at deploy time",
                    found.group(0),
                    self.where(parts, line),
                )
            return str(node)
        return node

    def ref(self, name: str, parts: Parts, line: int) -> Value:
        if name in self.tpl.parameters:
            return self.param(name)
        if name in self.tpl.resources:
            return self.resource_ref(name, None, parts, line)
        if name.startswith("AWS::"):
            return self.pseudo(name, parts, line)
        return self.unexpanded(
            name,
            parts,
            line,
            f"Ref {name}: this template has no parameter or resource of that name",
        )

    def unexpanded(self, name: str, parts: Parts, line: int, error: str) -> Unknown:
        """A name the template does not have: made by what is not expanded, or an error."""
        made_by = self.tpl.unexpanded
        if made_by is None:
            raise self.fail(line, error)
        return Unknown(
            f"{name} is not in the template as written ({made_by} may make it, and is not "
            "expanded)",
            f"{self.qualifier}#{name}",
            self.where(parts, line),
            label=name,
        )

    def resource_ref(self, logical: str, attr: str | None, parts: Parts, line: int) -> ResRef:
        if self.exists(logical) is False:
            condition = self.tpl.resources[logical].get("Condition")
            raise self.fail(
                line,
                f"{logical} is not created (its condition {condition} is false), so it cannot be "
                "referenced here",
            )
        return ResRef(self, logical, attr, self.where(parts, line))

    def getatt(self, logical: str, attr: str, parts: Parts, line: int) -> Value:
        if logical not in self.tpl.resources:
            return self.unexpanded(
                logical,
                parts,
                line,
                f"Fn::GetAtt {logical}.{attr}: this template has no resource {logical}",
            )
        rtype = self.tpl.resource_type(logical)
        if rtype in NESTED_STACK_TYPES and attr.startswith("Outputs."):
            self.resource_ref(logical, attr, parts, line)  # checks that the stack exists
            return self.run.nested_output(
                self, logical, attr.removeprefix("Outputs."), self.where(parts, line)
            )
        derived = _DERIVED_ATTRIBUTES.get((rtype, attr))
        if derived is not None:
            self.resource_ref(logical, attr, parts, line)
            return derived(self, logical, self.where(parts, line))
        return self.resource_ref(logical, attr, parts, line)

    def property_value(self, logical: str, name: str) -> Value:
        """A property of one of this stack's resources (for attributes that echo a property)."""
        key = (logical, name)
        if key not in self._properties:
            properties = self.tpl.resources[logical].get("Properties") or {}
            parts = ("Resources", logical, "Properties", name)
            if name not in properties:
                return NOVALUE
            with self.run.guard(("property", id(self), logical, name), self.where(parts)):
                self._properties[key] = self.resolve(
                    properties[name], parts, key_line(properties, name) or 1
                )
        return self._properties[key]

    def pseudo(self, name: str, parts: Parts, line: int) -> Value:
        where = self.where(parts, line)
        region = self.run.ctx.region
        if name == "AWS::NoValue":
            return NOVALUE
        if name == "AWS::Region":
            return region or self.run.unknown_region(where)
        if name == "AWS::Partition":
            return partition(region) if region else _unsettled_by_region(name, where)
        if name == "AWS::URLSuffix":
            return url_suffix(region) if region else _unsettled_by_region(name, where)
        if name == "AWS::AccountId":
            return self.run.unknown_account(where)
        if name == "AWS::StackName":
            return self.stack_name(where)
        if name in ("AWS::StackId", "AWS::NotificationARNs"):
            return Unknown(
                f"{name} is only known after deployment",
                f"{name} {self.qualifier}",
                where,
                label=name,
            )
        raise self.fail(line, f"Ref {name}: not a pseudo parameter")

    def stack_name(self, where: Where) -> Value:
        named = self.run.stack_name_of(self)
        if named is not None:
            return named
        if self.parent is None:
            why = f"the stack name of {self.rel} is not given (--stack-name {self.rel}=NAME)"
        else:
            why = f"CloudFormation names nested stack {self.parent_logical} at deploy time"
        ref = f"AWS::StackName {self.qualifier}"
        return Unknown(
            why,
            ref,
            where,
            label="AWS::StackName",
            stack_name_of=self.qualifier,
            identity=token(ref, resource=False),
        )

    # --- parameters -----------------------------------------------------------------------

    def param(self, name: str) -> Value:
        if name not in self._params:
            parts = ("Parameters", name)
            with self.run.guard(("param", id(self), name), self.where(parts)):
                self._params[name] = self._param_value(name, parts)
        return self._params[name]

    def _param_value(self, name: str, parts: Parts) -> Value:
        decl = self.tpl.parameters[name]
        where = self.where(parts)
        ref = self.run.parameter_ref(self, name)
        kind = str(decl.get("Type", "String"))

        def unsettled(why: str) -> Unknown:
            # one value wherever this stack uses it (docs/model.md `identity`)
            return Unknown(why, ref, where, label=name, identity=token(ref, resource=False))

        if str(scalar_text(decl.get("NoEcho"))).lower() == "true":
            # Its value must never reach the model or a message.
            return unsettled(f"parameter {name} is NoEcho, so its value is not read")
        override = self.run.override(self, name)
        if name in self.passed:
            value = self.passed[name]()
        elif override is not None:
            value = override
        elif "Default" in decl:
            if kind.startswith(_SSM_TYPE):
                return unsettled(
                    f"parameter {name} is read from SSM parameter {decl['Default']} at deploy time"
                )
            value = self.resolve(
                decl["Default"], (*parts, "Default"), key_line(decl, "Default") or where.line
            )
        else:
            return unsettled(
                f"parameter {name} has no default and no value was given (--parameter {name}=VALUE)"
            )
        if _LIST_TYPE.match(kind):
            return _as_list(value)
        return value

    # --- conditions -----------------------------------------------------------------------

    def condition(self, name: Any, line: int) -> Condition:
        if not isinstance(name, str):
            raise self.fail(line, f"condition {name} is not defined in Conditions")
        if name not in self.tpl.conditions:
            error = f"condition {name} is not defined in Conditions"
            return self.unexpanded(name, (), line, error)
        if name not in self._conditions:
            parts = ("Conditions", name)
            with self.run.guard(("condition", id(self), name), self.where(parts)):
                node = self.tpl.conditions[name]
                line = line_of(node) or self.tpl.line_at(parts)
                holds = self.evaluate_condition(node, parts, line)
                # The scan's model without what this unsettled condition creates (scanner.worlds):
                # false here, so that the conditions made of it (`!And`, `!Not`) follow.
                if isinstance(holds, Unknown) and f"{self.qualifier}#{name}" in self.run.ctx.absent:
                    holds = False
                self._conditions[name] = holds
        return self._conditions[name]

    def evaluate_condition(self, node: Any, parts: Parts, line: int) -> Condition:
        line = line_of(node) or line
        if isinstance(node, bool):
            return node
        if isinstance(node, dict) and len(node) == 1:
            key, arg = next(iter(node.items()))
            inner = (*parts, key)
            if key == "Condition":
                return self.condition(arg, line)
            if key == "Fn::Equals":
                left, right = intrinsics.arguments(self, arg, 2, "Fn::Equals", line)
                return intrinsics.equals(
                    self.resolve(left, (*inner, 0), line_of(left) or line),
                    self.resolve(right, (*inner, 1), line_of(right) or line),
                )
            if key == "Fn::Not":
                (only,) = intrinsics.arguments(self, arg, 1, "Fn::Not", line)
                value = self.evaluate_condition(only, (*inner, 0), line)
                return value if isinstance(value, Unknown) else not value
            if key in ("Fn::And", "Fn::Or"):
                if not isinstance(arg, list) or not 2 <= len(arg) <= 10:
                    raise self.fail(line, f"{key} takes a list of 2 to 10 conditions")
                values = [self.evaluate_condition(c, (*inner, i), line) for i, c in enumerate(arg)]
                return intrinsics.and_or(values, key == "Fn::And")
        raise self.fail(
            line, "a condition must be Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition"
        )

    def exists(self, logical: str) -> Condition:
        """Whether a resource is created: its Condition (true when it has none)."""
        if logical not in self._exists:
            name = self.tpl.resources[logical].get("Condition")
            parts = ("Resources", logical, "Condition")
            self._exists[logical] = (
                True if name is None else self.condition(name, self.tpl.line_at(parts))
            )
        return self._exists[logical]

    # --- outputs --------------------------------------------------------------------------

    def output(self, name: str, where: Where) -> Value:
        if name not in self.tpl.outputs:
            raise SourceError(where.file, where.line, f"{self.rel} has no output {name}")
        if name not in self._outputs:
            output = self.tpl.outputs[name]
            parts = ("Outputs", name)
            condition = output.get("Condition")
            if condition is not None:
                created = self.condition(condition, self.tpl.line_at((*parts, "Condition")))
                if created is not True:
                    return Unknown(
                        f"output {name} of {self.rel} exists only when condition {condition} holds",
                        f"{self.qualifier} output {name}",
                        self.where(parts),
                    )
            if "Value" not in output:
                raise self.tpl.error(parts, f"output {name} has no Value")
            with self.run.guard(("output", id(self), name), self.where(parts)):
                self._outputs[name] = self.resolve(
                    output["Value"], (*parts, "Value"), self.tpl.line_at((*parts, "Value"))
                )
        return self._outputs[name]


# --- attributes that echo a property -----------------------------------------------------


def _echo(prop: str, what: str) -> Callable[[Stack, str, Where], Value]:
    def attribute(stack: Stack, logical: str, where: Where) -> Value:
        value = stack.property_value(logical, prop)
        if value is NOVALUE:
            return Unknown(
                f"{logical} has no {prop}, so its {what} is only known after deployment",
                f"{stack.ids[logical]}.{prop}",
                where,
            )
        return value

    return attribute


def _after_deploy(attr: str) -> Callable[[Stack, str, Where], Value]:
    def attribute(stack: Stack, logical: str, where: Where) -> Value:
        return Unknown(
            f"{attr} of {logical} is assigned by AWS at deploy time",
            f"Fn::GetAtt {stack.ids[logical]}.{attr}",
            where,
        )

    return attribute


def _security_group_vpc(stack: Stack, logical: str, where: Where) -> Value:
    value = stack.property_value(logical, "VpcId")
    return default_vpc(where) if value is NOVALUE else value


def default_vpc(where: Where) -> Unknown:
    return Unknown(
        "a security group without VpcId is in the account's default VPC, which is not in the "
        "inputs",
        "default VPC",
        where,
    )


_DERIVED_ATTRIBUTES: dict[tuple[str, str], Callable[[Stack, str, Where], Value]] = {
    ("AWS::EC2::VPC", "CidrBlock"): _echo("CidrBlock", "IPv4 block"),
    ("AWS::EC2::VPC", "Ipv6CidrBlocks"): _after_deploy("Ipv6CidrBlocks"),
    ("AWS::EC2::VPC", "CidrBlockAssociations"): _after_deploy("CidrBlockAssociations"),
    ("AWS::EC2::Subnet", "VpcId"): _echo("VpcId", "VPC"),
    ("AWS::EC2::Subnet", "CidrBlock"): _echo("CidrBlock", "IPv4 block"),
    ("AWS::EC2::Subnet", "AvailabilityZone"): _echo("AvailabilityZone", "availability zone"),
    ("AWS::EC2::Subnet", "Ipv6CidrBlocks"): _after_deploy("Ipv6CidrBlocks"),
    ("AWS::EC2::SecurityGroup", "VpcId"): _security_group_vpc,
    ("AWS::IAM::Role", "RoleId"): _after_deploy("RoleId"),
}


# --- small helpers -----------------------------------------------------------------------


def _as_list(value: Value) -> Value:
    """A List<...> or CommaDelimitedList parameter's value: split on commas."""
    if isinstance(value, list | Unknown):
        return value
    if isinstance(value, str):
        return [piece.strip() for piece in value.split(",")] if value else []
    if isinstance(value, Composite | ResRef):
        return [p.strip() if isinstance(p, str) else p for p in split(value, ",")]
    text = scalar_text(value)
    return [text] if text is not None else value


def _unsettled_by_region(name: str, where: Where) -> Unknown:
    return Unknown(
        f"{name} follows the deploy region, which is not settled: pass --region or set AWS_REGION",
        name,
        where,
        label=name,
        # an ECR host's end is still seen (amazonaws.com, or .cn after it)
        partial="amazonaws.com*" if name == "AWS::URLSuffix" else None,
    )
