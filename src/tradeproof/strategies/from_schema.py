"""Hypothesis strategies compiled from the shipped JSON Schemas (``schemas/``).

    >>> from tradeproof.strategies.from_schema import from_schema
    >>> from_schema("o2/action")
    from_schema('o2/action')

The compiler reads the schema files themselves — no message shape is copied here — and
follows ``$ref`` s across files through the same documents and validators as
``tradeproof.schemas``. It supports what ``schemas/`` uses: ``$ref``, ``$defs``,
``type`` (one or a union), ``enum``, ``const``, ``properties`` / ``required`` /
``additionalProperties`` (false or a schema), ``items`` / ``prefixItems`` /
``minItems`` / ``maxItems`` / ``uniqueItems``, ``oneOf`` / ``anyOf`` / ``allOf``,
``pattern`` (``st.from_regex(..., fullmatch=True)``), ``minLength`` / ``maxLength`` and
numeric bounds. ``not`` and ``dependentRequired`` are honoured by checking the drawn
value. A keyword outside that list raises ``ValueError`` when the strategy is built.

Leaf types whose regex would give unrealistic values are drawn by *leaf strategies*
keyed by schema name (``LEAVES``): ``common/u64`` is an integer 0..2^64−1 written in
decimal, ``common/b256`` 32 random bytes as 0x-hex, and so on. Every value drawn
validates against its schema (``tests/strategies`` proves it for every request schema).

:class:`Node` — a place in a schema file — is also what ``mutations`` walks.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any
from urllib.parse import urljoin

from eth_utils import to_checksum_address
from hypothesis import strategies as st

from .. import schemas

__all__ = [
    "LEAVES",
    "Node",
    "b256_ids",
    "decimal_strings",
    "evm_addresses",
    "from_schema",
    "json_values",
    "node_of",
    "o2_signatures",
    "u64_strings",
]

U64_MAX = 2**64 - 1
INT64 = (-(2**63), 2**63 - 1)  # default range of an unbounded "integer"
_NAMES = st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8)  # extra property names
EXTRA_ITEMS = 3  # an unbounded array gets at most minItems + 3 items
TEXT_SIZE = 12  # an unbounded string gets at most minLength + 12 characters

ANNOTATIONS = frozenset(
    {"$schema", "$id", "$comment", "$defs", "title", "description", "examples", "default", "format",
     "deprecated", "readOnly", "writeOnly"}
)
SUPPORTED = frozenset(
    {"$ref", "type", "enum", "const", "properties", "required", "additionalProperties", "items",
     "prefixItems", "minItems", "maxItems", "uniqueItems", "oneOf", "anyOf", "allOf", "not",
     "pattern", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum",
     "exclusiveMaximum", "dependentRequired"}
)
CHECKED_AFTER = frozenset({"not", "dependentRequired", "allOf"})  # drawn values are filtered


# --------------------------------------------------------------------------- leaves


@st.composite
def u64_strings(draw: st.DrawFn) -> str:
    """A u64 as a decimal string (``common/u64``): small values as often as huge ones."""
    return str(draw(st.one_of(st.integers(0, 10**6), st.integers(0, U64_MAX))))


@st.composite
def b256_ids(draw: st.DrawFn) -> str:
    """32 random bytes as ``0x`` + 64 lower-case hex digits (``common/b256``)."""
    return "0x" + draw(st.binary(min_size=32, max_size=32)).hex()


@st.composite
def evm_addresses(draw: st.DrawFn) -> str:
    """A 20-byte address, EIP-55 checksummed (``common/evm_address``)."""
    return str(to_checksum_address("0x" + draw(st.binary(min_size=20, max_size=20)).hex()))


@st.composite
def decimal_strings(draw: st.DrawFn) -> str:
    """A plain decimal string such as ``"12.5"`` or ``"-3"`` (``common/decimal``)."""
    sign = draw(st.sampled_from(["", "", "-"]))
    whole = draw(st.one_of(st.integers(0, 1000), st.integers(0, 10**18)))
    fraction = draw(st.text("0123456789", max_size=6))
    return f"{sign}{whole}" + (f".{fraction}" if fraction else "")


@st.composite
def o2_signatures(draw: st.DrawFn) -> dict[str, str]:
    """``{"Secp256k1": "0x" + 64 bytes}``: the valid length (``common/signature``)."""
    return {"Secp256k1": "0x" + draw(st.binary(min_size=64, max_size=64)).hex()}


LEAVES: Mapping[str, st.SearchStrategy[Any]] = MappingProxyType(
    {
        "common/u64": u64_strings(),
        "common/b256": b256_ids(),
        "common/b256_lenient": st.builds(lambda i, bare: i[2:] if bare else i, b256_ids(), st.booleans()),
        "common/u64_lenient": st.one_of(
            u64_strings(), st.integers(0, U64_MAX), st.integers(0, U64_MAX).map(hex)
        ),
        "common/evm_address": evm_addresses(),
        "common/decimal": decimal_strings(),
        "common/signature": o2_signatures(),
    }
)
"""The default leaf strategies, by schema name (a whole file, never a part of one)."""

_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(*INT64), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)
json_values: st.SearchStrategy[Any] = st.recursive(
    _scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
"""Any JSON value (for ``true`` schemas and keyword-free nodes)."""


# --------------------------------------------------------------------------- schema places


@cache
def _uris() -> dict[str, str]:
    """Schema name -> the file URI ``tradeproof.schemas`` validates it under."""
    return {name: str(schemas.validator(name).schema["$id"]) for name in schemas.names()}


@cache
def _names() -> dict[str, str]:
    return {uri: name for name, uri in _uris().items()}


@cache
def _document(uri: str) -> Any:
    if uri in _INLINE:
        return _INLINE[uri]
    try:
        return schemas.schema(_names()[uri])
    except KeyError:
        raise ValueError(f"$ref to {uri}: not a shipped schema (refs may not leave schemas/)") from None


_INLINE: dict[str, Any] = {}


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


@dataclass(frozen=True)
class Node:
    """A place in a schema file: the file's URI and a JSON pointer into it."""

    uri: str
    pointer: str = ""

    @property
    def name(self) -> str:
        """The schema name of the file (``"common/u64"``), or its URI for inline schemas."""
        return _names().get(self.uri, self.uri)

    @property
    def schema(self) -> Any:
        value = _document(self.uri)
        for token in self.pointer.split("/")[1:]:
            key = _unescape(token)
            value = value[int(key)] if isinstance(value, list) else value[key]
        return value

    def child(self, *steps: str | int) -> Node:
        return Node(self.uri, self.pointer + "".join("/" + _escape(str(s)) for s in steps))

    def ref(self, ref: str) -> Node:
        """Where a ``$ref`` written at this node points."""
        if ref.startswith("#"):
            return Node(self.uri, ref[1:])
        target, _, fragment = urljoin(self.uri, ref).partition("#")
        return Node(target, fragment)

    def follow(self) -> Node:
        """The node itself, or where its chain of bare ``$ref`` s ends."""
        node = self
        while isinstance(node.schema, dict) and "$ref" in node.schema and _assertions(node.schema) == {"$ref"}:
            node = node.ref(node.schema["$ref"])
        return node

    def is_valid(self, instance: Any) -> bool:
        """Whether ``instance`` satisfies the schema at this node (a cached validator)."""
        return bool(_validator(self).is_valid(instance))

    def __repr__(self) -> str:
        return f"Node({self.name}#{self.pointer})"


@cache
def _validator(node: Node) -> Any:
    if node.uri in _INLINE:  # inline refs are made absolute on entry: any base will do
        return schemas.validator(schemas.names()[0]).evolve(schema=node.schema)
    # the file's own validator, re-rooted at the node: relative refs keep their base
    return schemas.validator(node.name).evolve(schema=node.schema)


def node_of(name: str) -> Node:
    """The root of the shipped schema ``name`` (``"o2/action"`` or ``"o2/action.json"``)."""
    try:
        return Node(_uris()[name.removesuffix(".json")])
    except KeyError:
        raise KeyError(f"no schema named {name!r}; known: {', '.join(schemas.names())}") from None


def _inline(schema: Mapping[str, Any] | bool) -> Node:
    """Register an inline schema; its ``$ref`` s resolve against ``schemas/`` itself."""
    root = urljoin(_uris()["common/u64"], "../")

    def absolute(value: Any) -> Any:
        if isinstance(value, dict):
            out = {k: absolute(v) for k, v in value.items()}
            if isinstance(value.get("$ref"), str):
                if value["$ref"].startswith("#"):
                    raise ValueError("an inline schema may $ref the shipped files, not itself")
                out["$ref"] = urljoin(root, value["$ref"])
            return out
        return [absolute(v) for v in value] if isinstance(value, list) else value

    text = json.dumps(schema, sort_keys=True)
    uri = "urn:tradeproof:inline:" + hashlib.sha256(text.encode()).hexdigest()[:16]
    _INLINE.setdefault(uri, absolute(json.loads(text)))
    return Node(uri)


def _assertions(schema: Mapping[str, Any]) -> set[str]:
    return {k for k in schema if k not in ANNOTATIONS}


# --------------------------------------------------------------------------- the compiler


def _keywords(node: Node) -> dict[str, Any]:
    """The node's assertions, with every subschema replaced by its ``Node``."""
    schema = node.schema
    out: dict[str, Any] = {}
    for key in _assertions(schema):
        value = schema[key]
        if key == "properties":
            out[key] = {name: node.child(key, name) for name in value}
        elif key in ("items", "additionalProperties", "not") and not isinstance(value, bool):
            out[key] = node.child(key)
        elif key in ("prefixItems", "oneOf", "anyOf", "allOf"):
            out[key] = [node.child(key, i) for i in range(len(value))]
        else:
            out[key] = value
    return out


def _merge(parent: dict[str, Any], branch: dict[str, Any]) -> dict[str, Any]:
    """A branch of a oneOf/anyOf together with its parent's own keywords."""
    merged = {**parent, **branch}
    if "required" in parent and "required" in branch:
        merged["required"] = list(dict.fromkeys([*parent["required"], *branch["required"]]))
    if "properties" in parent and "properties" in branch:
        merged["properties"] = {**parent["properties"], **branch["properties"]}
    return merged


def _infer_types(kw: Mapping[str, Any]) -> list[str]:
    if "type" in kw:
        return [kw["type"]] if isinstance(kw["type"], str) else list(kw["type"])
    if kw.keys() & {"properties", "required", "additionalProperties", "dependentRequired"}:
        return ["object"]
    if kw.keys() & {"items", "prefixItems", "minItems", "maxItems", "uniqueItems"}:
        return ["array"]
    if kw.keys() & {"pattern", "minLength", "maxLength"}:
        return ["string"]
    if kw.keys() & {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}:
        return ["number"]
    return []


class _Compiler:
    def __init__(self, leaves: Mapping[str, st.SearchStrategy[Any]]) -> None:
        self.leaves = leaves
        self.done: dict[Node, st.SearchStrategy[Any]] = {}
        self.busy: set[Node] = set()

    def node(self, node: Node) -> st.SearchStrategy[Any]:
        if node in self.done:
            return self.done[node]
        if node in self.busy:  # a recursive schema: resolved once the node is built
            return st.deferred(lambda: self.done[node])
        self.busy.add(node)
        built = self._build(node)
        self.busy.discard(node)
        self.done[node] = built
        return built

    def _build(self, node: Node) -> st.SearchStrategy[Any]:
        schema = node.schema
        if schema is True:
            return json_values
        if schema is False:
            return st.nothing()
        if node.pointer == "" and node.name in self.leaves:
            return self.leaves[node.name]
        unknown = _assertions(schema) - SUPPORTED
        if unknown:
            raise ValueError(f"{node!r}: unsupported keyword(s) {', '.join(sorted(unknown))}")
        kw = _keywords(node)
        if "$ref" in kw:
            target = self.node(node.ref(kw.pop("$ref")))
            return target if not kw else target.filter(node.is_valid)
        return self._assert(node, kw)

    def _assert(self, node: Node, kw: dict[str, Any]) -> st.SearchStrategy[Any]:
        """A strategy for ``kw`` (the node's keywords, or a branch merged with them);
        anything not built in by construction is checked with the node's validator."""
        for key in ("oneOf", "anyOf"):
            if key in kw:
                branches = kw.pop(key)
                options = st.one_of([self._branch(node, kw, b) for b in branches])
                return options.filter(node.is_valid) if key == "oneOf" or kw else options
        if "allOf" in kw:  # the first part generates, the node's validator checks the rest
            first = kw.pop("allOf")[0]
            return self._branch(node, kw, first).filter(node.is_valid)
        if "const" in kw or "enum" in kw:
            values = [kw["const"]] if "const" in kw else list(kw["enum"])
            choice = st.sampled_from(values)
            return choice if _assertions(kw) <= {"const", "enum"} else choice.filter(node.is_valid)
        types = _infer_types(kw)
        strategy = st.one_of([self._typed(t, kw) for t in types]) if types else json_values
        return strategy.filter(node.is_valid) if kw.keys() & CHECKED_AFTER else strategy

    def _branch(self, node: Node, parent: dict[str, Any], branch: Node) -> st.SearchStrategy[Any]:
        target = branch.follow()
        if not parent:
            return self.node(target)
        if isinstance(target.schema, bool):
            return self.node(target) if target.schema else st.nothing()
        merged = _merge(parent, _keywords(target))
        merged.pop("$ref", None)
        return self._assert(node, merged)

    def _typed(self, kind: str, kw: Mapping[str, Any]) -> st.SearchStrategy[Any]:
        if kind == "object":
            return self._object(kw)
        if kind == "array":
            return self._array(kw)
        if kind == "string":
            return _string(kw)
        if kind in ("integer", "number"):
            return _number(kind, kw)
        if kind == "boolean":
            return st.booleans()
        if kind == "null":
            return st.none()
        raise ValueError(f"unknown JSON type {kind!r}")

    def _object(self, kw: Mapping[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
        properties: dict[str, Node] = kw.get("properties", {})
        extra = kw.get("additionalProperties", True)
        extra_values = self.node(extra) if isinstance(extra, Node) else json_values
        required = list(kw.get("required", []))
        if extra is False and set(required) - set(properties):
            raise ValueError(f"required {sorted(set(required) - set(properties))} but no such property")
        fixed = {name: self.node(properties[name]) if name in properties else extra_values for name in required}
        optional = {name: self.node(n) for name, n in properties.items() if name not in fixed}
        order = [*properties, *fixed]
        base = st.fixed_dictionaries(fixed, optional=optional).map(lambda d: _ordered(d, order))
        if not isinstance(extra, Node):
            return base
        names = _NAMES.filter(lambda n: n not in properties)
        more = st.dictionaries(names, extra_values, max_size=2)
        return st.builds(lambda a, b: {**b, **a}, base, more)

    def _array(self, kw: Mapping[str, Any]) -> st.SearchStrategy[list[Any]]:
        prefix = [self.node(n) for n in kw.get("prefixItems", [])]
        items = kw.get("items", True)
        tail = st.nothing() if items is False else self.node(items) if isinstance(items, Node) else json_values
        low = int(kw.get("minItems", 0))
        high = int(kw.get("maxItems", low + EXTRA_ITEMS + len(prefix)))
        if items is False:
            high = min(high, len(prefix))
        unique = (lambda v: json.dumps(v, sort_keys=True)) if kw.get("uniqueItems") else None
        if not prefix:
            return st.lists(tail, min_size=low, max_size=high, unique_by=unique)

        def of_size(n: int) -> st.SearchStrategy[list[Any]]:
            return st.tuples(*[prefix[i] if i < len(prefix) else tail for i in range(n)]).map(list)

        drawn = st.integers(low, high).flatmap(of_size)
        if unique:
            drawn = drawn.filter(lambda v: len({json.dumps(x, sort_keys=True) for x in v}) == len(v))
        return drawn


def _ordered(value: dict[str, Any], order: list[str]) -> dict[str, Any]:
    """Keys in the schema's order (``properties`` first), for readable reports."""
    return {**{k: value[k] for k in order if k in value}, **value}


def _string(kw: Mapping[str, Any]) -> st.SearchStrategy[str]:
    low, high = int(kw.get("minLength", 0)), kw.get("maxLength")
    if "pattern" not in kw:
        size = int(high) if high is not None else low + TEXT_SIZE
        return st.text(st.characters(codec="utf-8"), min_size=low, max_size=size)
    text = st.from_regex(kw["pattern"], fullmatch=True)
    if low or high is not None:
        text = text.filter(lambda s: low <= len(s) and (high is None or len(s) <= high))
    return text


def _number(kind: str, kw: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    low, high = kw.get("minimum"), kw.get("maximum")
    above, below = kw.get("exclusiveMinimum"), kw.get("exclusiveMaximum")
    lows, highs = [INT64[0]], [INT64[1]]
    if low is not None:
        lows.append(math.ceil(low))
    if above is not None:
        lows.append(math.floor(above) + 1)
    if high is not None:
        highs.append(math.floor(high))
    if below is not None:
        highs.append(math.ceil(below) - 1)
    int_low, int_high = max(lows), min(highs)
    integers = st.integers(int_low, int_high)
    if kind == "integer":
        return integers
    floats = st.floats(
        above if above is not None else low, below if below is not None else high, allow_nan=False,
        allow_infinity=False, exclude_min=above is not None, exclude_max=below is not None,
    )
    return st.one_of(integers, floats)


# --------------------------------------------------------------------------- the public entry


@cache
def _compiled(key: str | Node, leaves: tuple[tuple[str, st.SearchStrategy[Any]], ...]) -> st.SearchStrategy[Any]:
    root = key if isinstance(key, Node) else node_of(key)
    return _Compiler(dict(leaves)).node(root)


def named_composite(name: str) -> Callable[[Callable[..., Any]], Callable[..., st.SearchStrategy[Any]]]:
    """``st.composite`` under a public name, so that a strategy's repr reads as the call
    that made it (``from_schema('o2/action')``) while the public function stays a plain
    function that checks its arguments at once."""

    def wrap(function: Callable[..., Any]) -> Callable[..., st.SearchStrategy[Any]]:
        function.__name__ = function.__qualname__ = name
        return st.composite(function)

    return wrap


@named_composite("from_schema")
def _from_schema(draw: st.DrawFn, name_or_schema: Any, *, leaves: Any = None) -> Any:
    return draw(_compiled(_key(name_or_schema), _leaf_key(leaves)))


def _key(name_or_schema: Any) -> str | Node:
    return name_or_schema if isinstance(name_or_schema, str) else _inline(name_or_schema)


def _leaf_key(leaves: Mapping[str, st.SearchStrategy[Any]] | None) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((LEAVES if leaves is None else leaves).items()))


def from_schema(
    name_or_schema: str | Mapping[str, Any] | bool,
    *,
    leaves: Mapping[str, st.SearchStrategy[Any]] | None = None,
) -> st.SearchStrategy[Any]:
    """Values that conform to a shipped schema (by name) or an inline schema.

    ``leaves`` maps schema names (whole files) to the strategies that draw them instead
    of their regex; the default is ``LEAVES``. Pass ``{}`` to draw every file from its
    schema alone. An inline schema's ``$ref`` s resolve against ``schemas/``
    (``{"$ref": "common/u64.json"}``). Unknown names and unsupported keywords are
    reported here, not at the first draw.
    """
    if isinstance(name_or_schema, str):
        node_of(name_or_schema)
    elif not isinstance(name_or_schema, (Mapping, bool)):
        raise TypeError(f"from_schema takes a schema name or a schema, not {type(name_or_schema).__name__}")
    _compiled(_key(name_or_schema), _leaf_key(leaves))  # compile now: errors surface here
    if leaves is None:
        return _from_schema(name_or_schema)
    return _from_schema(name_or_schema, leaves=leaves)

