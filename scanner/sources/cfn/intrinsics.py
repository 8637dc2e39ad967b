"""CloudFormation's intrinsic functions, and the three-valued logic of its conditions.

Each function gets the stack it runs in, its argument (a template node), where that node is
(`parts`, `line`) and returns a value (see `values`): unsettled inputs give unknowns, never guesses.
"""

from __future__ import annotations

import base64
import dataclasses
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from scanner.model.partition import zone_index_ref
from scanner.sources.cfn.values import (
    NOVALUE,
    Composite,
    ResRef,
    Unknown,
    Value,
    cidr_block,
    concat,
    kind_of,
    scalar_text,
    split,
)
from scanner.sources.lines import line_of

if TYPE_CHECKING:
    from scanner.sources.cfn.stack import Stack

Parts = tuple[Any, ...]
Condition = bool | Unknown


def arguments(stack: Stack, arg: Any, count: int, name: str, line: int) -> list[Any]:
    if not isinstance(arg, list) or len(arg) != count:
        raise stack.fail(line, f"{name} takes a list of {count} values")
    return list(arg)


def _name(stack: Stack, arg: Any, parts: Parts, line: int, function: str) -> str:
    """A name argument (Ref, Fn::If's condition): a string, or an expression giving one."""
    if isinstance(arg, dict):
        arg = stack.resolve(arg, parts, line)
    if not isinstance(arg, str):
        raise stack.fail(line, f"{function} needs a name (a string)")
    return str(arg)


def _text(
    stack: Stack, value: Value, line: int, function: str
) -> str | Composite | Unknown | ResRef:
    if isinstance(value, str | Composite | Unknown | ResRef):
        return value
    text = scalar_text(value)
    if text is None:
        raise stack.fail(line, f"{function} needs a string here, not {kind_of(value)}")
    return text


def _deployed(
    stack: Stack, function: str, value: ResRef | Composite, parts: Parts, line: int
) -> Unknown:
    """What a function makes of a value that is only known after deployment (an attribute of
    a resource, which may be a list): unknown, never an input error."""
    shown = value.expression if isinstance(value, ResRef) else value.text()
    return Unknown(
        f"{function} {shown} is only known after deployment",
        f"{function} {shown}",
        stack.where(parts, line),
    )


def _fn_ref(stack: Stack, arg: Any, parts: Parts, line: int) -> Value:
    return stack.ref(_name(stack, arg, parts, line, "Ref"), parts, line)


def _fn_getatt(stack: Stack, arg: Any, parts: Parts, line: int) -> Value:
    if isinstance(arg, str):
        arg = arg.split(".", 1)
    if not isinstance(arg, list) or len(arg) != 2:
        raise stack.fail(line, "Fn::GetAtt takes [resource, attribute]")
    logical = _name(stack, arg[0], (*parts, 0), line, "Fn::GetAtt")
    attr = _name(stack, arg[1], (*parts, 1), line, "Fn::GetAtt")
    return stack.getatt(logical, attr, parts, line)


_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def _fn_sub(stack: Stack, arg: Any, parts: Parts, line: int) -> Value:
    variables: dict[str, Value] = {}
    template = arg
    if isinstance(arg, list):
        # (the variables are a map as written: `!Ref X` there is a map too until resolved)
        given = stack.resolve(arg[1], (*parts, 1), line) if len(arg) == 2 else None
        if not isinstance(given, dict):
            raise stack.fail(line, "Fn::Sub takes a string, or [string, {variables}]")
        template = arg[0]
        variables = {str(k): v for k, v in given.items()}
    if not isinstance(template, str):
        raise stack.fail(line, "Fn::Sub needs a string")
    pieces: list[Value] = []
    position = 0
    for match in _SUB_VARIABLE.finditer(template):
        pieces.append(template[position : match.start()])
        position = match.end()
        name = match.group(1).strip()
        if name.startswith("!"):  # ${!Literal} writes ${Literal}
            pieces.append("${" + name[1:] + "}")
        elif name in variables:
            pieces.append(_text(stack, variables[name], line, "Fn::Sub"))
        elif "." in name and not name.startswith("AWS::"):
            logical, attr = name.split(".", 1)
            pieces.append(_text(stack, stack.getatt(logical, attr, parts, line), line, "Fn::Sub"))
        else:
            pieces.append(_text(stack, stack.ref(name, parts, line), line, "Fn::Sub"))
    pieces.append(template[position:])
    return concat([p for p in pieces if p is not NOVALUE])


def _fn_join(stack: Stack, arg: Any, parts: Parts, line: int) -> Value:
    delimiter_node, items_node = arguments(stack, arg, 2, "Fn::Join", line)
    delimiter = stack.resolve(delimiter_node, (*parts, 0), line)
    if not isinstance(delimiter, str):
        raise stack.fail(line, "Fn::Join needs a string delimiter")
    items = stack.resolve(items_node, (*parts, 1), line)
    if isinstance(items, Unknown):
        return items
    if isinstance(items, ResRef):  # a list attribute (`!GetAtt Alb.SecurityGroups`)
        return _deployed(stack, f"Fn::Join {delimiter!r} of", items, parts, line)
    if not isinstance(items, list):
        raise stack.fail(line, "Fn::Join needs a list of values to join")
    pieces: list[Value] = []
    for index, item in enumerate(items):
        if index:
            pieces.append(delimiter)
        pieces.append(_text(stack, item, line, "Fn::Join"))
    return concat(pieces)


def _fn_select(stack: Stack, arg: Any, parts: Parts, line: int) -> Value:
    index_node, items_node = arguments(stack, arg, 2, "Fn::Select", line)
    index = stack.resolve(index_node, (*parts, 0), line)
    items = stack.resolve(items_node, (*parts, 1), line)
    if isinstance(index, Unknown):
        return index
    text = scalar_text(index)
    if isinstance(items, Unknown) and items.ref == "Fn::GetAZs" and text and text.isdigit():
        # still unknown, but the region's zones are distinct: another index is another zone
        return Unknown(items.why, zone_index_ref(int(text)), items.where)
    if isinstance(items, Unknown):
        return _piece(items)
    if isinstance(index, ResRef | Composite):
        return _deployed(stack, "Fn::Select of", index, parts, line)
    if text is None or not text.isdigit():
        raise stack.fail(line, "Fn::Select needs a whole-number index")
    if isinstance(items, ResRef) and items.attr is not None:
        # a list attribute (`!GetAtt Firewall.EndpointIds`, `!GetAtt Alb.SecurityGroups`)
        return _deployed(stack, f"Fn::Select {text} of", items, parts, line)
    if not isinstance(items, list):
        raise stack.fail(line, "Fn::Select needs a list to select from")
    if int(text) >= len(items):
        count = f"{len(items)} item" + ("" if len(items) == 1 else "s")
        raise stack.fail(line, f"Fn::Select index {text} is out of range: the list has {count}")
    return items[int(text)]


def _piece(whole: Unknown) -> Unknown:
    """A piece of an unsettled value (`!Select [0, !Split ["-", !Ref AWS::StackName]]`) stands
    for it as before, but is not that value: it has no `identity` (docs/model.md), so it is
    never taken as the same value as the whole, nor as different from it."""
    return dataclasses.replace(whole, identity=None) if whole.identity is not None else whole


# Delimiters that no resource id, name or ARN contains: a reference between them stays whole
# (`!Split [",", !Join [",", [!Ref SubnetA, !Ref SubnetB]]]` gives the two subnets back).
_LIST_SEPARATORS = frozenset(",; |\n\t")


def _fn_split(stack: Stack, arg: Any, parts: Parts, line: int) -> Value:
    delimiter_node, source_node = arguments(stack, arg, 2, "Fn::Split", line)
    delimiter = stack.resolve(delimiter_node, (*parts, 0), line)
    if not isinstance(delimiter, str) or not delimiter:
        raise stack.fail(line, "Fn::Split needs a non-empty string delimiter")
    source = _text(stack, stack.resolve(source_node, (*parts, 1), line), line, "Fn::Split")
    if isinstance(source, Unknown):
        return _piece(source)
    if isinstance(source, ResRef):
        source = _arn_form(stack, source, parts, line)
    pieces = source.parts if isinstance(source, Composite) else (source,)
    ref = next((p for p in pieces if isinstance(p, ResRef)), None)
    if ref is not None and not set(delimiter) <= _LIST_SEPARATORS:
        # An ARN, name or path of a resource splits into pieces nobody knows before it is
        # deployed (CDK: `!Select [1, !Split [":", !Ref TaskDefinition]]`, its partition).
        return Unknown(
            f"Fn::Split of {ref.expression} by {delimiter!r} is only known after deployment",
            f"Fn::Split {delimiter!r} of {ref.expression}",
            stack.where(parts, line),
        )
    return split(source, delimiter)


# ARNs whose form is known before deployment: service, resource prefix, name property. CDK
# builds an image of a repository of the same stack from its ARN's pieces (`!Select [3,
# !Split [":", !GetAtt Repo.Arn]]` is the region), so the image is a private ECR image there.
_ARN_FORMS = {("AWS::ECR::Repository", "Arn"): ("ecr", "repository/", "RepositoryName")}


def _arn_form(stack: Stack, ref: ResRef, parts: Parts, line: int) -> ResRef | Composite | str:
    """A resource's ARN as its known pieces around the account (and a name CloudFormation
    generates), the deploy region unknown when no --region settles it; the reference itself
    when its form is not known."""
    form = _ARN_FORMS.get((ref.type, ref.attr or ""))
    if form is None:
        return ref
    region = stack.pseudo("AWS::Region", parts, line)
    service, prefix, name_property = form
    name: str | Unknown | None = scalar_text(ref.stack.property_value(ref.logical, name_property))
    if name is None:
        what = f"the name CloudFormation gives {ref.logical}"
        name = Unknown(f"{what} is only known after deployment", f"Ref {ref.logical}", ref.where)
    partition = stack.pseudo("AWS::Partition", parts, line)
    account = stack.pseudo("AWS::AccountId", parts, line)
    return concat(["arn:", partition, f":{service}:", region, ":", account, f":{prefix}", name])


def _fn_if(stack: Stack, arg: Any, parts: Parts, line: int) -> Value:
    name_node, when_true, when_false = arguments(stack, arg, 3, "Fn::If", line)
    holds = stack.condition(_name(stack, name_node, (*parts, 0), line, "Fn::If"), line)
    if isinstance(holds, Unknown):
        return Unknown(
            f"it depends on condition {name_node}, which is not settled: {holds.why}",
            holds.ref,
            holds.where,
            label=holds.label,
        )
    index, branch = (1, when_true) if holds else (2, when_false)
    return stack.resolve(branch, (*parts, index), line_of(branch) or line)


def _fn_condition_value(stack: Stack, arg: Any, parts: Parts, line: int) -> Value:
    # Fn::Equals and friends as values (outside Conditions): their truth value.
    name = parts[-1]
    return stack.evaluate_condition({name: arg}, parts[:-1], line)


def _fn_find_in_map(stack: Stack, arg: Any, parts: Parts, line: int) -> Value:
    if not isinstance(arg, list) or len(arg) not in (3, 4):
        raise stack.fail(line, "Fn::FindInMap takes [map, top-level key, second-level key]")
    keys = [stack.resolve(node, (*parts, i), line) for i, node in enumerate(arg[:3])]
    default = None
    if len(arg) == 4:
        options = stack.resolve(arg[3], (*parts, 3), line)
        if not isinstance(options, dict) or "DefaultValue" not in options:
            raise stack.fail(line, "Fn::FindInMap's fourth item must be {DefaultValue: ...}")
        default = options["DefaultValue"]
    for key in keys:
        if isinstance(key, Unknown):
            return key
        if isinstance(key, Composite | ResRef):  # `!Ref` of a resource is a physical id
            return _deployed(stack, "Fn::FindInMap key", key, parts, line)
    texts = [scalar_text(k) for k in keys]
    if any(t is None for t in texts):
        raise stack.fail(line, "Fn::FindInMap keys must be strings")
    found = _lookup(stack.tpl.mappings, texts)
    if found is NOVALUE:
        if default is not None:
            return default
        raise stack.fail(line, f"Fn::FindInMap: Mappings has no {'.'.join(str(t) for t in texts)}")
    map_name, top, second = texts
    return stack.resolve(found, ("Mappings", map_name, top, second), line_of(found) or line)


def _lookup(node: Any, keys: list[str | None]) -> Any:
    for key in keys:
        if not isinstance(node, dict):
            return NOVALUE
        # YAML reads `80:` as a number; CloudFormation's keys are strings.
        matches = [v for k, v in node.items() if scalar_text(k) == key]
        if not matches:
            return NOVALUE
        node = matches[0]
    return node


def _fn_get_azs(stack: Stack, arg: Any, parts: Parts, line: int) -> Value:
    return Unknown(
        "the availability zones of a region are not known offline",
        "Fn::GetAZs",
        stack.where(parts, line),
    )


# CloudFormation's range for the count of Fn::Cidr.
MAX_CIDR_COUNT = 256


def _fn_cidr(stack: Stack, arg: Any, parts: Parts, line: int) -> Value:
    nodes = arguments(stack, arg, 3, "Fn::Cidr", line)
    block, count, bits = (stack.resolve(n, (*parts, i), line) for i, n in enumerate(nodes))
    for value in (block, count, bits):
        if isinstance(value, Unknown):
            return value
    if isinstance(block, Composite | ResRef):
        return Unknown(
            "the address block of this Fn::Cidr is only known after deployment",
            f"Fn::Cidr {stack.where(parts, line).pointer}",
            stack.where(parts, line),
        )
    for value in (count, bits):
        if isinstance(value, Composite | ResRef):
            return _deployed(stack, "Fn::Cidr of", value, parts, line)
    cannot = stack.fail(
        line, f"Fn::Cidr cannot make {count} blocks of {bits} host bits from {block}"
    )
    network = cidr_block(str(block))
    if network is None:
        raise cannot
    try:
        how_many, host_bits = int(str(count)), int(str(bits))
        if not 1 <= how_many <= MAX_CIDR_COUNT:  # else 2**40 blocks of /0 would be made
            raise stack.fail(line, f"Fn::Cidr makes 1 to {MAX_CIDR_COUNT} blocks, not {how_many}")
        prefix = network.max_prefixlen - host_bits
        subnets = network.subnets(new_prefix=prefix)
        return [str(next(subnets)) for _ in range(how_many)]
    except (ValueError, StopIteration):
        raise cannot from None


def _fn_base64(stack: Stack, arg: Any, parts: Parts, line: int) -> Value:
    value = _text(stack, stack.resolve(arg, parts, line), line, "Fn::Base64")
    if isinstance(value, str):
        return base64.b64encode(value.encode()).decode()
    return Unknown(
        "part of the text to encode is only known after deployment",
        f"Fn::Base64 {stack.where(parts, line).pointer}",
        stack.where(parts, line),
    )


def _fn_import_value(stack: Stack, arg: Any, parts: Parts, line: int) -> Value:
    name = _text(stack, stack.resolve(arg, parts, line), line, "Fn::ImportValue")
    return stack.run.import_value(name, stack.where(parts, line))


def _fn_get_stack_output(stack: Stack, arg: Any, parts: Parts, line: int) -> Value:
    """`{"Fn::GetStackOutput": {StackName, OutputName, Region?, RoleArn?}}`: an output of
    another stack by its name (CDK's weak cross-stack references, its recommended default)."""
    if not isinstance(arg, dict) or not {"StackName", "OutputName"} <= set(arg):
        raise stack.fail(line, "Fn::GetStackOutput takes a map with StackName and OutputName")
    name, output = (
        _text(stack, stack.resolve(arg[key], (*parts, key), line), line, "Fn::GetStackOutput")
        for key in ("StackName", "OutputName")
    )
    return stack.run.stack_output(name, output, stack.where(parts, line))


def _fn_unsettled(stack: Stack, arg: Any, parts: Parts, line: int) -> Value:
    # Macros and language extensions run in CloudFormation; their results are not known here.
    function = parts[-1]
    return Unknown(
        f"{function} is evaluated by CloudFormation at deploy time",
        f"{function} {stack.rel}{stack.where(parts, line).pointer}",
        stack.where(parts, line),
    )


def _fn_length(stack: Stack, arg: Any, parts: Parts, line: int) -> Value:
    value = stack.resolve(arg, parts, line)
    if isinstance(value, Unknown):
        return value
    if isinstance(value, ResRef) and value.attr is not None:
        return _deployed(stack, "Fn::Length of", value, parts, line)
    if not isinstance(value, list):
        raise stack.fail(line, "Fn::Length needs a list")
    return len(value)


INTRINSICS: dict[str, Callable[[Stack, Any, Parts, int], Value]] = {
    "Ref": _fn_ref,
    "Fn::GetAtt": _fn_getatt,
    "Fn::Sub": _fn_sub,
    "Fn::Join": _fn_join,
    "Fn::Select": _fn_select,
    "Fn::Split": _fn_split,
    "Fn::If": _fn_if,
    "Fn::Equals": _fn_condition_value,
    "Fn::And": _fn_condition_value,
    "Fn::Or": _fn_condition_value,
    "Fn::Not": _fn_condition_value,
    "Fn::FindInMap": _fn_find_in_map,
    "Fn::GetAZs": _fn_get_azs,
    "Fn::Cidr": _fn_cidr,
    "Fn::Base64": _fn_base64,
    "Fn::ImportValue": _fn_import_value,
    "Fn::GetStackOutput": _fn_get_stack_output,
    "Fn::Transform": _fn_unsettled,
    "Fn::ToJsonString": _fn_unsettled,
    "Fn::Length": _fn_length,
}


# --- conditions --------------------------------------------------------------------------


def equals(left: Value, right: Value) -> Condition:
    for side in (left, right):
        unsettled = _unsettled(side)
        if unsettled is not None:
            return unsettled
    return bool(_normal(left) == _normal(right))


def _unsettled(value: Value) -> Unknown | None:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, ResRef):
        return Unknown(
            f"the physical id of {value.logical} is only known after deployment",
            f"Ref {value.model_id}",
            value.where,
        )
    if isinstance(value, Composite):
        return next(filter(None, (_unsettled(p) for p in value.parts)), None)
    if isinstance(value, list):
        return next(filter(None, (_unsettled(v) for v in value)), None)
    return None


def _normal(value: Value) -> Any:
    if isinstance(value, list):
        return [_normal(v) for v in value]
    text = scalar_text(value)
    return text if text is not None else value


def and_or(values: list[Condition], is_and: bool) -> Condition:
    # Three-valued logic: one false settles an And, one true settles an Or.
    if (not is_and) in values:
        return not is_and
    unknown = next((v for v in values if isinstance(v, Unknown)), None)
    return unknown if unknown is not None else is_and
