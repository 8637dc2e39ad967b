"""Evaluating HCL expressions of the `.tf` files, as far as the plan settles them.

The plan records only the references of an expression, which is not always enough:
`element(aws_subnet.public[*].id, var.single_nat_gateway ? 0 : count.index)` references both
public subnets. Evaluated with the module's variables, the instance's `count.index`, and the
resources' planned instances, it names exactly one. Evaluation is abstract:

- a value known at plan time is itself (numbers, strings, lists, maps);
- a resource instance is `Obj`, and an attribute of it that is unknown until apply `Attr`;
- what cannot be evaluated (a data source read during apply, a function not modelled here) is
  `Opaque`, and so is everything computed from it;
- a condition that is not settled gives both branches: every expression evaluates to a list of
  possible values.

Whoever asks gets the possible values; a link is made only when they all name one resource.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import product
from typing import TYPE_CHECKING, Any

from scanner.sources.tf.plan import UNKNOWN, Instance
from scanner.sources.tf.traversal import Key, join, show_key

if TYPE_CHECKING:
    from scanner.sources.tf.links import Linker

MAX_CHOICES = 32
# An interpolation python-hcl2 wrote in single quotes inside an expression (HCL has no
# single-quoted strings): `'${local.x}'` is `${local.x}`.
_HCL2_QUOTED = re.compile(r"'\$\{([^{}']*)\}'")
# ... and a string literal (`["true"]` as `['true']`).
_HCL2_LITERAL = re.compile(r"'([^'\"\\\n$]*)'")
MAX_DEPTH = 30


@dataclass(frozen=True)
class Obj:
    instance: Instance


@dataclass(frozen=True)
class Attr:
    instance: Instance
    name: str

    @property
    def address(self) -> str:
        """`aws_secretsmanager_secret.db.arn`"""
        return f"{self.instance.address}.{self.name}"


@dataclass(frozen=True)
class Opaque:
    why: str


@dataclass(frozen=True, eq=False)
class Encoded(Opaque):
    """jsonencode() of `value`: opaque where a string is expected, but what it encodes (resources
    and their attributes as Obj and Attr) stays readable where JSON is (a state machine's
    definition)."""

    value: Any = None


@dataclass(frozen=True, eq=False)
class Pattern(Opaque):
    """A string template with parts known only after apply: opaque as a value, but its literal
    parts (str) and the values between them (Attr, Obj) stay readable where a pattern is enough
    (`"${aws_ecr_repository.app.repository_url}:latest"` still names a private ECR image)."""

    parts: tuple[Any, ...] = ()


@dataclass(frozen=True, eq=False)
class Choice(Opaque):
    """Some of the values of a collection, picked by a condition the plan does not settle (a
    `for` expression's `if`): not all of them, so the references alone do not give it."""


def _opaque_part(value: Any) -> Any:
    return _plain_opaque(value) if isinstance(value, Opaque) else value


def _plain_opaque(opaque: Opaque) -> Opaque:
    """What a computation with an opaque value gives: not what jsonencode() encoded, nor the
    pattern of a template."""
    return Opaque(opaque.why) if isinstance(opaque, Encoded | Pattern) else opaque


class EvalError(Exception):
    """What Terraform would report as an error (an index out of range, a missing instance):
    `try()` and `can()` catch it."""


class Unsupported(Exception):
    """Syntax this evaluator does not read."""


# --- tokens and syntax --------------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<number>\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)
    | (?P<ident>[A-Za-z_][A-Za-z0-9_-]*)
    | (?P<string>")
    | (?P<op>\$\{|\.\.\.|==|!=|<=|>=|&&|\|\||=>|\[\*\]|\.\*|[-+*/%<>!?:.,()\[\]{}=])
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Node:
    kind: str
    value: Any = None
    args: tuple[Any, ...] = ()


def _tokens(text: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    pos, n = 0, len(text)
    while pos < n:
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None:
            raise Unsupported(f"cannot read {text[pos : pos + 20]!r}")
        kind = match.lastgroup
        assert kind is not None
        if kind == "string":
            end, parts = _string(text, match.end())
            out.append(("template", parts))
            pos = end
            continue
        out.append((kind, match.group(kind)))
        pos = match.end()
    out.append(("end", None))
    return out


def _string(text: str, pos: int) -> tuple[int, list[Any]]:
    """A quoted template from just after `"`: its literal parts (str) and expressions (Node)."""
    parts: list[Any] = []
    literal = ""
    n = len(text)
    while pos < n:
        char = text[pos]
        if char == "\\":
            literal += (
                json.loads(f'"{text[pos : pos + 2]}"')
                if text[pos + 1 : pos + 2] in '"\\nrt/'
                else text[pos + 1 : pos + 2]
            )
            pos += 2
        elif char == '"':
            parts.append(literal)
            return pos + 1, parts
        elif text.startswith("$${", pos) or text.startswith("%%{", pos):
            literal += text[pos + 1 : pos + 3]
            pos += 3
        elif text.startswith("${", pos):
            parts.append(literal)
            literal = ""
            end = _close(text, pos + 2)
            parts.append(parse(text[pos + 2 : end]))
            pos = end + 1
        elif text.startswith("%{", pos):
            raise Unsupported("template directives")
        else:
            literal += char
            pos += 1
    raise Unsupported("a string never closes")


def _close(text: str, pos: int) -> int:
    depth, n = 0, len(text)
    while pos < n:
        char = text[pos]
        if char == '"':
            pos, _ = _string(text, pos + 1)
            continue
        if char in "{([":
            depth += 1
        elif char in "})]":
            if depth == 0:
                return pos
            depth -= 1
        pos += 1
    raise Unsupported("an interpolation never closes")


def _quoted(text: str) -> str:
    """A template's text as the body of an HCL string: `\\` and `"` escaped outside its
    interpolations, which keep theirs (`${aws_x.y["key"].arn}:*`)."""
    out, pos = [], 0
    while pos < len(text):
        if text.startswith(("$${", "%%{"), pos):  # escaped: literal text
            out.append(text[pos : pos + 3])
            pos += 3
            continue
        if text.startswith(("${", "%{"), pos):
            end = _close(text, pos + 2) + 1
            out.append(text[pos:end])
            pos = end
            continue
        out.append({"\\": "\\\\", '"': '\\"'}.get(text[pos], text[pos]))
        pos += 1
    return "".join(out)


def parse(text: str) -> Node:
    parser = _Parser(_tokens(text))
    node = parser.expression()
    if parser.peek()[0] != "end":
        raise Unsupported(f"unexpected {parser.peek()[1]!r}")
    return node


class _Parser:
    _BINARY = (
        ("||",),
        ("&&",),
        ("==", "!="),
        ("<", ">", "<=", ">="),
        ("+", "-"),
        ("*", "/", "%"),
    )

    def __init__(self, tokens: list[tuple[str, Any]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> tuple[str, Any]:
        return self.tokens[self.pos]

    def take(self) -> tuple[str, Any]:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def accept(self, op: str) -> bool:
        if self.peek() == ("op", op):
            self.pos += 1
            return True
        return False

    def expect(self, op: str) -> None:
        if not self.accept(op):
            raise Unsupported(f"expected {op!r}, found {self.peek()[1]!r}")

    def expression(self) -> Node:
        condition = self.binary(0)
        if self.accept("?"):
            yes = self.expression()
            self.expect(":")
            no = self.expression()
            return Node("cond", None, (condition, yes, no))
        return condition

    def binary(self, level: int) -> Node:
        if level == len(self._BINARY):
            return self.unary()
        left = self.binary(level + 1)
        while self.peek()[0] == "op" and self.peek()[1] in self._BINARY[level]:
            op = self.take()[1]
            left = Node("binary", op, (left, self.binary(level + 1)))
        return left

    def unary(self) -> Node:
        if self.accept("!"):
            return Node("not", None, (self.unary(),))
        if self.accept("-"):
            return Node("neg", None, (self.unary(),))
        return self.postfix(self.primary())

    def postfix(self, node: Node) -> Node:
        while True:
            if self.accept("."):
                kind, value = self.take()
                if kind == "ident":
                    node = Node("attr", value, (node,))
                elif kind == "number":
                    node = Node("index", None, (node, Node("literal", int(value))))
                else:
                    raise Unsupported(f"unexpected {value!r} after '.'")
            elif self.peek() in (("op", "[*]"), ("op", ".*")):
                self.take()
                node = Node("splat", None, (node, self.splat_steps()))
            elif self.accept("["):
                index = self.expression()
                self.expect("]")
                node = Node("index", None, (node, index))
            else:
                return node

    def splat_steps(self) -> Node:
        """The traversal after `[*]`, applied to each element (`Node("each")` is the element)."""
        node = Node("each_element")
        while True:
            if self.peek() == ("op", ".") and self.tokens[self.pos + 1][0] == "ident":
                self.take()
                node = Node("attr", self.take()[1], (node,))
            elif self.peek() == ("op", "["):
                self.take()
                index = self.expression()
                self.expect("]")
                node = Node("index", None, (node, index))
            else:
                return node

    def primary(self) -> Node:
        kind, value = self.take()
        if kind == "number":
            return Node("literal", float(value) if any(c in value for c in ".eE") else int(value))
        if kind == "template":
            if len(value) == 1:
                return Node("literal", value[0])
            return Node("template", None, tuple(value))
        if kind == "ident":
            if value in ("true", "false"):
                return Node("literal", value == "true")
            if value == "null":
                return Node("literal", None)
            if self.accept("("):
                return self.call(value)
            return Node("name", value)
        if (kind, value) == ("op", "("):
            inner = self.expression()
            self.expect(")")
            return inner
        if (kind, value) == ("op", "${"):
            # python-hcl2 writes a call inside a list literal as `[${try(x, [])}]`
            inner = self.expression()
            self.expect("}")
            return inner
        if (kind, value) == ("op", "["):
            return self.list_or_for()
        if (kind, value) == ("op", "{"):
            return self.object_or_for()
        raise Unsupported(f"unexpected {value!r}")

    def call(self, name: str) -> Node:
        args: list[Node] = []
        while not self.accept(")"):
            args.append(self.expression())
            if self.accept("..."):
                raise Unsupported("argument expansion")
            if not self.accept(","):
                self.expect(")")
                break
        return Node("call", name, tuple(args))

    def list_or_for(self) -> Node:
        if self.peek() == ("ident", "for"):
            return self.for_expression("]")
        items: list[Node] = []
        while not self.accept("]"):
            items.append(self.expression())
            if not self.accept(","):
                self.expect("]")
                break
        return Node("list", None, tuple(items))

    def object_or_for(self) -> Node:
        if self.peek() == ("ident", "for"):
            return self.for_expression("}")
        items: list[tuple[Node, Node]] = []
        while not self.accept("}"):
            key = self.expression()
            if not (self.accept("=") or self.accept(":")):
                raise Unsupported("an object item without =")
            items.append((key, self.expression()))
            self.accept(",")
        return Node("object", None, tuple(items))

    def for_expression(self, close: str) -> Node:
        self.take()  # for
        first = self.take()[1]
        second = None
        if self.accept(","):
            second = self.take()[1]
        if self.take() != ("ident", "in"):
            raise Unsupported("for without in")
        collection = self.expression()
        self.expect(":")
        key = None
        body = self.expression()
        if close == "}":
            self.expect("=>")
            key, body = body, self.expression()
            if self.accept("..."):
                raise Unsupported("grouping for expression")
        condition = None
        if self.peek() == ("ident", "if"):
            self.take()
            condition = self.expression()
        self.expect(close)
        names = (first, second) if second else (None, first)
        return Node("for", close, (names, collection, key, body, condition))


# --- evaluation -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Env:
    """Where an expression is evaluated: the module instance, `count.index` / `each.key`, a way
    to get `each.value`, and names bound by `for` expressions."""

    module: str
    key: Key | None = None
    each_value: Callable[[], list[Any]] | None = None
    bound: tuple[tuple[str, Any], ...] = ()

    def bind(self, names: dict[str, Any]) -> Env:
        return Env(self.module, self.key, self.each_value, (*names.items(), *self.bound))


class Evaluator:
    def __init__(self, linker: Linker) -> None:
        self.linker = linker
        self.plan = linker.plan
        self.config = linker.config

    # --- entry points ----------------------------------------------------------------------

    def hcl_value(self, value: Any, env: Env, depth: int = 0) -> list[Any]:
        """The possible values of a value as python-hcl2 gives it (`"${...}"` strings inside
        literal lists and maps)."""
        if depth > MAX_DEPTH:
            return [Opaque("expressions nest too deeply")]
        if isinstance(value, str):
            return self._text(value, env, depth)
        if isinstance(value, list):
            return _combine([self.hcl_value(v, env, depth) for v in value], tuple)
        if isinstance(value, dict):
            keys = [k for k in value if not str(k).startswith("__")]
            options = [self.hcl_value(value[k], env, depth) for k in keys]
            return _combine(options, lambda items: dict(zip(keys, items, strict=True)))
        return [value]

    def _text(self, text: str, env: Env, depth: int) -> list[Any]:
        if "'${" in text:  # python-hcl2 writes `[local.x]` inside an expression as `['${local.x}']`
            text = _HCL2_QUOTED.sub(r"${\1}", text)
        try:
            if text.startswith("${") and _close(text, 2) == len(text) - 1:
                node = parse(_HCL2_LITERAL.sub(r'"\1"', text[2:-1]) if "'" in text else text[2:-1])
            elif "${" in text or "%{" in text:
                _, parts = _string(_quoted(text) + '"', 0)
                node = Node("template", None, tuple(parts))
            else:
                return [text]
        except Unsupported as exc:
            return [Opaque(f"the expression is not evaluated ({exc})")]
        return self.node(node, env, depth)

    # --- nodes ------------------------------------------------------------------------------

    def node(self, node: Node, env: Env, depth: int) -> list[Any]:
        if depth > MAX_DEPTH:
            return [Opaque("expressions nest too deeply")]
        method = getattr(self, f"_{node.kind}")
        result: list[Any] = method(node, env, depth + 1)
        unique: list[Any] = []
        for value in result:
            if not any(_same(value, u) for u in unique):
                unique.append(value)
        if len(unique) > MAX_CHOICES:
            return [Opaque("too many possible values")]
        return unique

    def _literal(self, node: Node, env: Env, depth: int) -> list[Any]:
        return [node.value]

    def _template(self, node: Node, env: Env, depth: int) -> list[Any]:
        parts = [part for part in node.args if part != ""]
        if len(parts) == 1 and isinstance(parts[0], Node):
            # "${x}" alone is x itself, not its text (a list stays a list, an id an attribute)
            return self.node(parts[0], env, depth)
        options = [
            [part] if isinstance(part, str) else self.node(part, env, depth) for part in node.args
        ]

        def join_parts(items: tuple[Any, ...]) -> Any:
            if all(isinstance(i, str | int | float | bool) for i in items):
                return "".join(_string_of(i) for i in items)
            # opaque, with the reason of its first opaque part, but its parts still readable
            opaque = next((i for i in items if isinstance(i, Opaque)), None)
            why = opaque.why if opaque else "a string built from values known only after apply"
            # a jsonencode() stays readable: "[${jsonencode(local.container)}]" is JSON
            parts = tuple(
                _string_of(p)
                if isinstance(p, str | int | float | bool)
                else p
                if isinstance(p, Encoded)
                else _opaque_part(p)
                for i in items
                for p in (i.parts if isinstance(i, Pattern) else (i,))
            )
            return Pattern(why, parts)

        return _combine(options, join_parts)

    def _list(self, node: Node, env: Env, depth: int) -> list[Any]:
        return _combine([self.node(item, env, depth) for item in node.args], tuple)

    def _object(self, node: Node, env: Env, depth: int) -> list[Any]:
        keys = [self._key(k, env, depth) for k, _ in node.args]
        if any(not isinstance(k, str) for k in keys):
            return [Opaque("an object key is not known")]
        values = [self.node(v, env, depth) for _, v in node.args]
        return _combine(values, lambda items: dict(zip(keys, items, strict=True)))

    def _key(self, node: Node, env: Env, depth: int) -> Any:
        if node.kind == "name":
            return node.value
        found = self.node(node, env, depth)
        return found[0] if len(found) == 1 else None

    def _cond(self, node: Node, env: Env, depth: int) -> list[Any]:
        out: list[Any] = []
        for value in self.node(node.args[0], env, depth):
            condition = _as_bool(value)
            if condition is True:
                out.extend(self.node(node.args[1], env, depth))
            elif condition is False:
                out.extend(self.node(node.args[2], env, depth))
            else:
                out.extend(self.node(node.args[1], env, depth))
                out.extend(self.node(node.args[2], env, depth))
        return out

    def _not(self, node: Node, env: Env, depth: int) -> list[Any]:
        return [
            (not b) if (b := _as_bool(v)) is not None else Opaque("not a boolean")
            for v in self.node(node.args[0], env, depth)
        ]

    def _neg(self, node: Node, env: Env, depth: int) -> list[Any]:
        return [
            -v if _is_number(v) else Opaque("not a number")
            for v in self.node(node.args[0], env, depth)
        ]

    def _binary(self, node: Node, env: Env, depth: int) -> list[Any]:
        left = self.node(node.args[0], env, depth)
        right = self.node(node.args[1], env, depth)
        return [_binary(node.value, a, b) for a, b in product(left, right)]

    def _name(self, node: Node, env: Env, depth: int) -> list[Any]:
        for name, value in env.bound:
            if name == node.value:
                return [value]
        return [_Root(node.value)]

    def _attr(self, node: Node, env: Env, depth: int) -> list[Any]:
        out: list[Any] = []
        for base in self.node(node.args[0], env, depth):
            out.extend(self._step(base, node.value, env, depth))
        return out

    def _index(self, node: Node, env: Env, depth: int) -> list[Any]:
        out: list[Any] = []
        for base, key in product(
            self.node(node.args[0], env, depth), self.node(node.args[1], env, depth)
        ):
            out.extend(self._step(base, key, env, depth, index=True))
        return out

    def _splat(self, node: Node, env: Env, depth: int) -> list[Any]:
        out: list[Any] = []
        for base in self.node(node.args[0], env, depth):
            base = self._settle(base, env, depth)
            if isinstance(base, Opaque):
                out.append(base)
                continue
            if isinstance(base, dict):
                out.append(Opaque("a splat of a map"))
                continue
            elements = base if isinstance(base, tuple) else (() if base is None else (base,))
            options = [
                self.node(node.args[1], env.bind({"\x00element": element}), depth)
                for element in elements
            ]
            out.extend(_combine(options, tuple))
        return out

    def _each_element(self, node: Node, env: Env, depth: int) -> list[Any]:
        return [dict(env.bound)["\x00element"]]

    def _for(self, node: Node, env: Env, depth: int) -> list[Any]:
        (key_name, value_name), collection, key_node, body, condition = node.args
        out: list[Any] = []
        for over in self.node(collection, env, depth):
            over = self._settle(over, env, depth)
            if isinstance(over, Opaque):
                out.append(over)
                continue
            if isinstance(over, dict):
                pairs = list(over.items())
            elif isinstance(over, tuple):
                pairs = list(enumerate(over))
            else:
                out.append(Opaque("a for expression over a value known only after apply"))
                continue
            out.extend(
                self._for_items(
                    node.value, pairs, key_name, value_name, key_node, body, condition, env, depth
                )
            )
        return out

    def _for_items(
        self,
        close: str,
        pairs: list[tuple[Any, Any]],
        key_name: str | None,
        value_name: str,
        key_node: Node | None,
        body: Node,
        condition: Node | None,
        env: Env,
        depth: int,
    ) -> list[Any]:
        items: list[list[Any]] = []
        keys: list[Any] = []
        for key, value in pairs:
            names = {value_name: value}
            if key_name:
                names[key_name] = key
            inner = env.bind(names)
            if condition is not None:
                kept = self.node(condition, inner, depth)
                if kept != [True] and kept != [False]:
                    return [Choice("a for expression whose condition is not settled")]
                if kept == [False]:
                    continue
            if key_node is not None:
                found = self.node(key_node, inner, depth)
                if len(found) != 1 or not isinstance(found[0], str):
                    return [Opaque("a for expression whose keys are not settled")]
                keys.append(found[0])
            items.append(self.node(body, inner, depth))
        if close == "]":
            return _combine(items, tuple)
        return _combine(items, lambda values: dict(zip(keys, values, strict=True)))

    def _call(self, node: Node, env: Env, depth: int) -> list[Any]:
        name = node.value
        if name in ("try", "can"):
            return self._try(name, node.args, env, depth)
        options = [
            [self._settle(v, env, depth) for v in self.node(arg, env, depth)] for arg in node.args
        ]
        function = _FUNCTIONS.get(name)
        if function is None:
            return [Opaque(f"function {name}() is not evaluated")]

        def apply(args: tuple[Any, ...]) -> Any:
            opaque = next((a for a in args if isinstance(a, Opaque)), None)
            if opaque is not None:
                return _plain_opaque(opaque)
            try:
                return function(*args)
            except EvalError:
                raise
            except (TypeError, ValueError, IndexError, KeyError, ZeroDivisionError):
                return Opaque(f"{name}() of these values is not evaluated")

        return _combine(options, apply)

    def _try(self, name: str, args: tuple[Node, ...], env: Env, depth: int) -> list[Any]:
        for arg in args:
            try:
                found = [self._settle(v, env, depth) for v in self.node(arg, env, depth)]
            except EvalError:
                if name == "can":
                    return [False]
                continue
            return [True] if name == "can" else found
        return [False] if name == "can" else [Opaque("no argument of try() has a value")]

    # --- traversals ---------------------------------------------------------------------

    def _step(
        self, base: Any, step: Any, env: Env, depth: int, *, index: bool = False
    ) -> list[Any]:
        if isinstance(base, _Root):
            return self._root_step(base, step, env, depth)
        if isinstance(base, _Partial):
            return self._partial_step(base, step, env, depth)
        base = self._settle(base, env, depth)
        if isinstance(base, Opaque):
            return [base]
        if isinstance(step, Opaque):
            return [step]
        if isinstance(base, Obj):
            if index:
                return [Opaque("an index into a resource")]
            found = base.instance.get(step)
            if found is UNKNOWN:
                return [Attr(base.instance, step)]
            return [found]
        if isinstance(base, Attr):
            return [Opaque(f"a part of {base.address}, known only after apply")]
        if isinstance(base, tuple):
            if not isinstance(step, int) or isinstance(step, bool):
                raise EvalError("a list index must be a number")
            if not 0 <= step < len(base):
                raise EvalError("index out of range")
            return [base[step]]
        if isinstance(base, dict):
            if step not in base:
                raise EvalError(f"no key {step!r}")
            return [base[step]]
        raise EvalError("an index into a value that has none")

    def _root_step(self, root: _Root, step: Any, env: Env, depth: int) -> list[Any]:
        name = root.name
        if name == "count" and step == "index":
            return [env.key] if isinstance(env.key, int) else [Opaque("count.index outside count")]
        if name == "each" and step == "key":
            return [env.key] if env.key is not None else [Opaque("each.key outside for_each")]
        if name == "each" and step == "value":
            return env.each_value() if env.each_value else [Opaque("each.value outside for_each")]
        if name == "var" and isinstance(step, str):
            return self.variable(env.module, step, depth)
        if name == "local" and isinstance(step, str):
            return self.local(env.module, step, depth)
        if name in ("path", "terraform", "self"):
            return [Opaque(f"{name}.{step} is not evaluated")]
        if isinstance(step, str):
            return [_Partial(name, step)]
        return [Opaque(f"{name}[...] is not a reference")]

    def _partial_step(self, partial: _Partial, step: Any, env: Env, depth: int) -> list[Any]:
        if partial.root == "module":
            return self.module_output(env.module, partial.name, step, depth)
        if partial.root == "data":
            return [_Partial(f"data.{partial.name}", step)]
        return self._step(self._resource(f"{partial.root}.{partial.name}", env), step, env, depth)

    def _settle(self, value: Any, env: Env, depth: int) -> Any:
        """A partial reference (`aws_subnet.public`, `data.x.y`) as a value."""
        if isinstance(value, _Partial):
            if value.root == "module":
                return Opaque(f"module.{value.name} as a whole is not evaluated")
            return self._resource(f"{value.root}.{value.name}", env)
        if isinstance(value, _Root):
            return Opaque(f"{value.name} is not a value")
        return value

    def _resource(self, local: str, env: Env) -> Any:
        """All instances of a resource: one object, a list (count) or a map (for_each)."""
        instances = self.plan.of_resource(join(env.module, local))
        config = self.plan.config_resource(_config_path(env.module), local)
        # A data source read during apply has unknown values; an aws_iam_policy_document is
        # still its planned statements (tf/written.policy_document renders them), and
        # aws_caller_identity's are attributes (its account_id is the plan's account, which
        # tf/written.unsettled names as CloudFormation names `${AWS::AccountId}`).
        rendered = local.startswith(("data.aws_iam_policy_document.", "data.aws_caller_identity."))
        if (
            local.startswith("data.")
            and not rendered
            and any("read" in i.actions for i in instances)
        ):
            return Opaque(f"{local} is read during apply")
        if config is None and not instances:
            return Opaque(f"{join(env.module, local)} is not in the plan")
        if config is not None and "count_expression" in config:
            return tuple(Obj(i) for i in instances if isinstance(i.key, int))
        if config is not None and "for_each_expression" in config:
            return {str(i.key): Obj(i) for i in instances if isinstance(i.key, str)}
        # (the plan's configuration leaves out a for_each or count that is a constant)
        if instances and all(isinstance(i.key, str) for i in instances):
            return {str(i.key): Obj(i) for i in instances}
        if instances and all(isinstance(i.key, int) for i in instances):
            return tuple(Obj(i) for i in sorted(instances, key=lambda i: int(i.key or 0)))
        if len(instances) == 1:
            return Obj(instances[0])
        if not instances:
            raise EvalError(f"{local} has no instance")
        return Opaque(f"{local} has several instances")

    # --- variables, locals, module outputs ---------------------------------------------

    def variable(self, module: str, name: str, depth: int) -> list[Any]:
        if not module:
            if name in self.plan.variables:
                return [_plain(self.plan.variables[name])]
            return [Opaque(f"var.{name} is not in the plan")]
        parent, call_name, key = _split_module(module)
        call_block = self.config.module_call(_config_path(parent), call_name)
        parent_env = Env(parent, key, self._call_each(parent, call_name, key, call_block, depth))
        if call_block is not None and call_block.body is not None and name in call_block.body:
            return [
                self._settle(v, parent_env, depth)
                for v in self.hcl_value(call_block.body[name], parent_env, depth + 1)
            ]
        call = self.linker._call(parent, call_name)
        expression = (call or {}).get("expressions", {}).get(name)
        if isinstance(expression, dict):
            if "constant_value" in expression:
                return [_plain(expression["constant_value"])]
            return [
                Opaque(f"{module}.var.{name} is set by an expression whose .tf file was not found")
            ]
        variable = (self.plan.modules.get(_config_path(module)) or _NoModule).variables.get(name)
        if isinstance(variable, dict):
            return [_plain(variable.get("default"))]
        return [Opaque(f"{module}.var.{name} is not in the plan")]

    def _call_each(
        self, parent: str, name: str, key: Key | None, block: Any, depth: int
    ) -> Callable[[], list[Any]] | None:
        if key is None or block is None or block.body is None or "for_each" not in block.body:
            return None
        for_each = block.body["for_each"]

        def each_value() -> list[Any]:
            found = self.hcl_value(for_each, Env(parent), depth + 1)
            return [_member(v, key) for v in found]

        return each_value

    def local(self, module: str, name: str, depth: int) -> list[Any]:
        found = self.config.local(_config_path(module), name)
        if found is None:
            return [Opaque(f"{join(module, 'local.' + name)} is not in the .tf files")]
        return self.hcl_value(found[0], Env(module), depth + 1)

    def module_output(self, module: str, name: str, output: Any, depth: int) -> list[Any]:
        child_config = join(_config_path(module), f"module.{name}")
        children = self.plan.module_instances.get(child_config, [])
        prefix = join(module, f"module.{name}")
        instances = [m for m in children if m == prefix or m.startswith(prefix + "[")] or [prefix]
        if len(instances) != 1 or instances[0] != prefix or not isinstance(output, str):
            return [Opaque(f"module.{name} has instance keys; its outputs are not evaluated")]
        block = self.config.output(child_config, output)
        if block is None or block.body is None or "value" not in block.body:
            return [Opaque(f"output {prefix}.{output} is not in the .tf files")]
        return self.hcl_value(block.body["value"], Env(prefix), depth + 1)


@dataclass(frozen=True)
class _Root:
    name: str


@dataclass(frozen=True)
class _Partial:
    root: str
    name: str


class _NoModule:
    variables: dict[str, Any] = {}


def _member(value: Any, key: Key) -> Any:
    if isinstance(value, dict):
        return value.get(str(key), Opaque(f"no element {show_key(key)}"))
    if isinstance(value, tuple) and isinstance(key, str) and key in value:
        return key  # for_each over a set: each.value is the element
    if isinstance(value, Opaque):
        return value
    return Opaque(f"element {show_key(key)} is not settled")


def _plain(value: Any) -> Any:
    """A JSON value of the plan as an evaluated value (lists as tuples)."""
    if isinstance(value, list):
        return tuple(_plain(v) for v in value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, str):
        return str(value)
    return value


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b) and type(a) is type(b)
    except TypeError:
        return False


def _combine(options: list[list[Any]], make: Callable[[tuple[Any, ...]], Any]) -> list[Any]:
    total = 1
    for o in options:
        total *= max(1, len(o))
        if total > MAX_CHOICES:
            return [Opaque("too many possible values")]
    return [make(items) for items in product(*options)]


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _string_of(v: Any) -> str:
    if not isinstance(v, str | int | float | bool):
        # (a resource, an attribute known after apply, an opaque value: no text yet)
        raise TypeError(f"{v!r} has no text at plan time")
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _as_bool(value: Any) -> bool | None:
    """A value where HCL needs a bool: a bool, or the string "true" or "false", which Terraform
    converts (an untyped variable given `-var flag=false` is the string); else None."""
    if isinstance(value, bool):
        return value
    return {"true": True, "false": False}.get(value) if isinstance(value, str) else None


def _binary(op: str, a: Any, b: Any) -> Any:
    for v in (a, b):
        if isinstance(v, Opaque):
            return _plain_opaque(v)
    if op in ("==", "!="):
        if isinstance(a, Obj | Attr) or isinstance(b, Obj | Attr):
            return Opaque("a comparison with a value known only after apply")
        return (a == b) == (op == "==")
    if op in ("&&", "||"):
        x, y = _as_bool(a), _as_bool(b)
        if x is None or y is None:
            return Opaque("not a boolean")
        return (x and y) if op == "&&" else (x or y)
    if not _is_number(a) or not _is_number(b):
        return Opaque(f"{op} of values that are not numbers")
    try:
        return _ARITHMETIC[op](a, b)
    except ZeroDivisionError:
        return Opaque("division by zero")


_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "%": lambda a, b: a % b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}


def _sequence(value: Any) -> tuple[Any, ...]:
    if isinstance(value, tuple):
        return value
    if isinstance(value, dict):
        return tuple(value.values())
    raise TypeError("not a list")


def _element(values: Any, index: Any) -> Any:
    items = _sequence(values)
    if not items:
        raise EvalError("element() of an empty list")
    return items[int(index) % len(items)]


def _concat(*lists: Any) -> Any:
    return tuple(v for items in lists for v in _sequence(items))


def _flatten(values: Any) -> Any:
    out: list[Any] = []
    for v in _sequence(values):
        out.extend(_flatten(v) if isinstance(v, tuple) else (v,))
    return tuple(out)


def _coalesce(*values: Any) -> Any:
    for v in values:
        if isinstance(v, Obj | Attr):
            return Opaque("coalesce() of a value known only after apply")
        if v not in (None, ""):
            return v
    raise EvalError("no non-null argument")


def _distinct(values: Any) -> Any:
    out: list[Any] = []
    for v in _sequence(values):
        if isinstance(v, Attr | Obj) and any(isinstance(o, Attr | Obj) and o != v for o in out):
            raise TypeError("distinct of values known only after apply")
        if v not in out:
            out.append(v)
    return tuple(out)


def _lookup(mapping: Any, key: Any, *default: Any) -> Any:
    if not isinstance(mapping, dict):
        raise TypeError("not a map")
    if key in mapping:
        return mapping[key]
    if default:
        return default[0]
    raise EvalError(f"no key {key!r}")


def _one(values: Any) -> Any:
    items = _sequence(values)
    if len(items) > 1:
        raise EvalError("one() of several")
    return items[0] if items else None


def _compact(values: Any) -> Any:
    return tuple(v for v in _sequence(values) if v not in (None, ""))


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "jsonencode": lambda v: Encoded("jsonencode() is read only as a JSON document", v),
    "element": _element,
    "concat": _concat,
    "flatten": _flatten,
    "tolist": lambda v: _sequence(v),
    "toset": lambda v: _distinct(v),
    "tomap": lambda v: v if isinstance(v, dict) else _sequence(v),
    "tostring": lambda v: v if isinstance(v, str) else _string_of(v),
    "tonumber": lambda v: v if _is_number(v) else float(v),
    "length": lambda v: len(v) if isinstance(v, tuple | dict | str) else len(_sequence(v)),
    "coalesce": _coalesce,
    "coalescelist": lambda *lists: next((x for x in lists if _sequence(x)), ()),
    "compact": _compact,
    "distinct": _distinct,
    "lookup": _lookup,
    "one": _one,
    "keys": lambda m: tuple(sorted(m)) if isinstance(m, dict) else _sequence(m),
    "values": lambda m: tuple(m[k] for k in sorted(m)) if isinstance(m, dict) else _sequence(m),
    "merge": lambda *maps: {k: v for m in maps if isinstance(m, dict) for k, v in m.items()},
    "contains": lambda items, v: v in _sequence(items),
    "min": lambda *v: min(v),
    "max": lambda *v: max(v),
    "slice": lambda items, start, end: _sequence(items)[int(start) : int(end)],
    "join": lambda sep, items: sep.join(_string_of(i) for i in _sequence(items)),
    "lower": lambda s: s.lower(),
    "upper": lambda s: s.upper(),
}


def _split_module(module: str) -> tuple[str, str, Key | None]:
    from scanner.sources.tf.links import _split_module as split

    return split(module)


def _config_path(module: str) -> str:
    from scanner.sources.tf.links import _config_path as path

    return path(module)


def targets(values: list[Any]) -> Iterator[Any]:
    """Flatten the possible values of a list-valued attribute."""
    for value in values:
        if isinstance(value, tuple):
            yield from value
        else:
            yield value
