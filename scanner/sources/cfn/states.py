"""AWS::StepFunctions::StateMachine: each Task state that runs ECS tasks is a standalone task
(scanner.sources.states), as CDK's EcsRunTask writes it. The definition is `Definition` (a map)
or `DefinitionString` (JSON text, often built with Fn::Join or Fn::Sub around references), with
`DefinitionSubstitutions` filled in."""

from __future__ import annotations

import re
from typing import Any

from scanner.sources.cfn.cursor import Cursor, text_of
from scanner.sources.cfn.ecs import place, runner
from scanner.sources.cfn.out import Out, Res
from scanner.sources.cfn.values import Composite, Unknown, Value, concat
from scanner.sources.limits import json_text
from scanner.sources.states import at_run_time, run_task_states

# A reference inside JSON text stands there as \ue000N\ue001 while the text is parsed; `${Name}`
# names one of DefinitionSubstitutions.
_PLACE = re.compile("\ue000([0-9]+)\ue001|\\$\\{([^}]+)\\}")


def state_machine(res: Res, out: Out) -> None:
    read = _definition(res)
    if read is None:
        return
    definition, at = read
    where = at.where

    def resource_text(value: Any) -> str | None:
        text = text_of(value) if isinstance(value, str | Composite | Unknown) else None
        if isinstance(text, Unknown):
            return text.partial
        return text

    tasks, partial = run_task_states(definition, resource_text, _unsettled)
    if partial:
        res.stack.run.notice(
            f"{res.stack.rel}: parts of the definition of state machine {res.logical} are not "
            "settled; any ECS task they run is not analysed"
        )
    for label, params, path in tasks:
        base = res.base()
        if len(tasks) > 1:  # a task for each state, named by the state
            base |= {"id": f"{res.id}/{label}", "name": f"{res.logical}/{label}"}

        def unknown(field: str, expression: str, label: str = label) -> Unknown:
            return Unknown(
                f"{res.logical} state {label} takes {field} from its input when it runs "
                f"({expression})",
                f"{res.id}/{label}.{field}",
                where,
            )

        settled = at_run_time(params if params is not None else {}, unknown)
        cursor = Cursor(res.stack, settled, (*at.parts, *path), at.line, True)
        obj = runner(base, "task", cursor, "AwsvpcConfiguration", out, checked=False)
        task = cursor.get("TaskDefinition")
        place(out, obj, cursor.get("Cluster"), task)
        if task is None:
            obj["task_definition"] = Unknown(
                f"{res.logical} state {label} runs an ECS task but names no TaskDefinition",
                f"{res.id}/{label}.TaskDefinition",
                where,
            ).json()


def _unsettled(value: Any) -> bool:
    return isinstance(value, Unknown)


def _definition(res: Res) -> tuple[Any, Cursor] | None:
    """The definition as a resolved value, and the property it was read from; None (with a
    notice) when the template does not hold it."""
    given = res.prop("Definition")
    if given is None:
        given = res.prop("DefinitionString")
    if given is None:
        if res.prop("DefinitionS3Location") is not None:
            res.stack.run.notice(
                f"{res.stack.rel}: state machine {res.logical} reads its definition from S3 "
                "(DefinitionS3Location); the ECS tasks it runs are not analysed"
            )
        return None
    value = given.value()
    if isinstance(value, Unknown):
        res.stack.run.notice(
            f"{res.stack.rel}: the definition of state machine {res.logical} is not settled "
            f"({value.why}); the ECS tasks it runs are not analysed"
        )
        return None
    variables: Any = {}
    substitutions = res.prop("DefinitionSubstitutions")
    if substitutions is not None:
        variables = substitutions.value()
        if not isinstance(variables, dict):
            raise substitutions.fail(f"{substitutions.name} must be a map")
    variables = {str(k): v for k, v in variables.items()}
    if isinstance(value, str | Composite):
        # Step Functions substitutes into the text before parsing it: a value may write JSON
        # (Copilot's `!Join ['","', [!Ref A, !Ref B]]` into `["${Subnets}"]` is two subnets).
        value = _parse(given, _substituted(value, variables))
    if not isinstance(value, dict):
        raise given.fail(f"{given.name} must be a state machine definition (a map or JSON text)")
    return _filled(value, [], variables), given


def _substituted(value: str | Composite, variables: dict[str, Value]) -> str | Composite:
    """JSON text with each `${Name}` of DefinitionSubstitutions (whose value is text, or text
    around references) written in."""
    pieces: list[Value] = []
    for part in value.parts if isinstance(value, Composite) else (value,):
        if not isinstance(part, str):
            pieces.append(part)
            continue
        position = 0
        for match in _PLACE.finditer(part):
            found = variables.get(match.group(2) or "")
            if not isinstance(found, str | Composite | bool | int | float):
                continue  # a reference alone stays a substitution: filled in after parsing
            pieces += [part[position : match.start()], _as_text(found)]
            position = match.end()
        pieces.append(part[position:])
    return concat(pieces)


def _parse(given: Cursor, value: str | Composite) -> Any:
    """JSON text whose references (Fn::Join, Fn::Sub) stand as tokens while it is parsed; a
    reference outside a JSON string is quoted, so that it parses as one value."""
    parts = value.parts if isinstance(value, Composite) else (value,)
    text: list[str] = []
    values: list[Value] = []
    quoted = False
    for part in parts:
        if isinstance(part, str):
            text.append(part)
            quoted = _ends_in_string(part, quoted)
            continue
        token = f"\ue000{len(values)}\ue001"
        values.append(part)
        text.append(token if quoted else f'"{token}"')
    try:
        parsed = json_text("".join(text))
    except ValueError as exc:
        raise given.fail(f"{given.name} is not JSON: {exc}") from None
    return _filled(parsed, values, {})


def _ends_in_string(text: str, quoted: bool) -> bool:
    """Whether JSON text that starts inside a string (`quoted`) or not ends inside one."""
    escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
    return quoted


def _filled(value: Any, tokens: list[Value], variables: dict[str, Value]) -> Any:
    """`value` with each token back as the reference it stood for, and each `${Name}` of
    DefinitionSubstitutions as its value."""
    if isinstance(value, dict):
        return {k: _filled(v, tokens, variables) for k, v in value.items()}
    if isinstance(value, list):
        return [_filled(v, tokens, variables) for v in value]
    if not isinstance(value, str) or not ("\ue000" in value or "${" in value):
        return value
    pieces: list[Value] = []
    position = 0
    for match in _PLACE.finditer(value):
        token, name = match.groups()
        if token is not None and int(token) < len(tokens):
            piece = tokens[int(token)]
        elif name in variables:
            piece = variables[name]
        else:
            continue  # not a reference or a substitution: the text stays
        pieces += [value[position : match.start()], piece]
        position = match.end()
    pieces.append(value[position:])
    pieces = [p for p in pieces if p != ""]
    if len(pieces) == 1:  # the whole string: the value itself (a list of subnets, a number)
        return pieces[0]
    if any(p is None or isinstance(p, dict | list) for p in pieces):
        return value  # null, a map or a list inside text: left as written
    joined = concat([_as_text(p) for p in pieces])
    if isinstance(joined, Composite) and len(joined.parts) == 1:
        return joined.parts[0]
    return joined


def _as_text(piece: Value) -> Value:
    """A substitution's value inside a string: a number or boolean as its text."""
    if isinstance(piece, bool):
        return "true" if piece else "false"
    if isinstance(piece, int | float):
        return str(piece)
    return piece
