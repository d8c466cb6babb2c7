"""Invalid requests, each labelled with the one rule it breaks — by schema mutation or by
signature corruption.

**Schema mutation.** Given a valid instance and its schema, :func:`mutations` picks one
place and breaks one constraint there (wrong type, enum/const outside, pattern broken,
required property removed, additional property added, minItems/maxItems crossed, a
oneOf matched by no branch). The rule comes from one table, :data:`LABELS`:
``(request schema, schema file, keyword) → rule id``. A mutation whose rule would be
ambiguous, or is not a rule of TARGET.md, has no row (or a ``None`` row) and is never
generated. The result is a :class:`Labelled` value that can re-check its own label:
``still_violates()`` re-validates with ``tradeproof.schemas`` and requires that the
labelled error is still there and that every error is this rule's, at or below its
path — so a fuzz test can ``assume(case.still_violates())`` after shrinking.

**Signature corruption** is a separate dimension: a :class:`SignatureFault` is one named
corruption (``tradeproof.signing.corrupt``) with its rule, applied to a request that is
otherwise structurally and semantically valid.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from functools import cache
from typing import Any

from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from .. import schemas
from ..signing import derive as dsig
from ..signing import o2 as osig
from ..signing.corrupt import DeriveCorruption, O2Corruption, derive_bad_signature, o2_bad_signature, other_key
from ..signing.keys import Key
from .edits import DELETE, Edit
from .from_schema import ANNOTATIONS, Node, named_composite, node_of

Path = tuple[str | int, ...]

# --------------------------------------------------------------------------- the label table

LABELS: tuple[tuple[str, str, str, str | None], ...] = (
    # (request schema, schema file, keyword, rule id); shell-style globs; first match wins
    ("derive/*", "*", "*", "DRV-PARAMS-SCHEMA"),  # seed 003: any params schema violation is -32602
    ("o2/*", "common/u64", "*", "O2-NUMBER-FORMAT"),
    ("o2/*", "common/b256", "*", "O2-ID-FORMAT"),
    ("o2/*", "o2/action", "oneOf", "O2-UNKNOWN-ACTION"),
    ("o2/*", "o2/order_type", "additionalProperties", None),  # extra key in BoundedMarket: malformed or ignorable?
    ("o2/*", "o2/order_type", "*", "O2-UNKNOWN-ORDER-TYPE"),
    ("o2/session_actions_request", "o2/session_actions_request", "minItems", "O2-BATCH-NONEMPTY"),
    ("o2/session_actions_request", "o2/session_actions_request", "maxItems", "O2-BATCH-MAX-MARKETS"),
    ("o2/*", "o2/market_actions", "maxItems", "O2-BATCH-MAX-ACTIONS"),  # > 5 in a group is > 5 in all
    ("o2/*", "o2/*", "required", "O2-MISSING-FIELD"),
    # no row, so never generated: identity and signature shapes (an identity with no key is
    # a missing field or an unknown variant; a malformed signature is a signature fault),
    # extra fields of O2 bodies, the side enum, an empty market group alone, empty
    # contract_ids — TARGET.md names no rule for them.
)

COMPANIONS: Mapping[str, frozenset[tuple[str, str]]] = {
    # More than 5 market groups needs a 6th group, and 6 groups of one action each would
    # also be more than 5 actions (O2-BATCH-MAX-ACTIONS): the added groups are empty, as
    # in the conformance suite. An empty group alone breaks no rule of TARGET.md.
    "O2-BATCH-MAX-MARKETS": frozenset({("o2/market_actions", "minItems")}),
}
"""Per rule, the (file, keyword) errors its mutation also causes below its path."""


def rule_for(schema: str, file: str, keyword: str) -> str | None:
    """The rule a ``keyword`` violation in ``file`` means for a ``schema`` request (or None)."""
    for root, where, key, rule in LABELS:
        if fnmatchcase(schema, root) and fnmatchcase(file, where) and fnmatchcase(keyword, key):
            return rule
    return None


_DATA_KEYWORDS = frozenset({"enum", "const", "required", "examples", "default"})


def rules_of(schema: str) -> tuple[str, ...]:
    """The rules a mutation of a ``schema`` instance can carry (an upper bound), in table
    order: every (file, keyword) reachable from the schema, looked up in ``LABELS``."""
    seen: set[Node] = set()
    found: set[str] = set()

    def visit(node: Node) -> None:
        if node in seen:
            return
        seen.add(node)
        value = node.schema
        if isinstance(value, list):
            for i in range(len(value)):
                visit(node.child(i))
        if not isinstance(value, dict):
            return
        for key, item in value.items():
            if key == "$ref":
                visit(node.ref(item))
            elif key in ("properties", "$defs", "dependentSchemas"):
                for name in item:
                    visit(node.child(key, name))
            else:
                rule = rule_for(schema, node.name, key)
                if rule is not None:
                    found.add(rule)
                if isinstance(item, (dict, list)) and key not in _DATA_KEYWORDS:
                    visit(node.child(key))

    visit(node_of(schema))
    return tuple(r for r in dict.fromkeys(row[3] for row in LABELS) if r in found)


# --------------------------------------------------------------------------- violations


@dataclass(frozen=True)
class Violation:
    """One schema error, located: the instance path, the schema file and keyword, its rule."""

    path: Path
    file: str
    keyword: str
    message: str
    rule_id: str | None


_CONTAINERS = frozenset({"properties", "$defs", "prefixItems", "oneOf", "anyOf", "allOf", "dependentRequired"})


def _deref(node: Node, step: str | int) -> Node:
    while isinstance(node.schema, dict) and step not in node.schema and "$ref" in node.schema:
        node = node.ref(node.schema["$ref"])
    return node


def _locate(root: Node, schema_path: Sequence[str | int]) -> tuple[str, str]:
    """The file and keyword of an error (jsonschema's schema paths leave out ``$ref``)."""
    node, container = root, False
    for step in schema_path[:-1]:
        if not container:
            node = _deref(node, step)
        node, container = node.child(step), (not container and step in _CONTAINERS)
    keyword = str(schema_path[-1])
    return _deref(node, keyword).name, keyword


def _leaves(error: ValidationError) -> list[ValidationError]:
    """The errors that say what is wrong: inside the oneOf/anyOf branch that got furthest
    into the instance, when one got past the union's own place (a tagged union whose tag
    matched); else the union error itself (no branch fits: an unknown tag)."""
    if error.validator in ("oneOf", "anyOf") and error.context:
        branches: dict[Any, list[ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        best = max(branches.values(), key=lambda errs: max(len(e.absolute_path) for e in errs))
        if max(len(e.absolute_path) for e in best) > len(error.absolute_path):
            return [leaf for sub in best for leaf in _leaves(sub)]
    return [error]


def violations(schema: str, instance: Any) -> list[Violation]:
    """Every way ``instance`` breaks ``schema``, located and labelled (empty when valid).

    A session-actions body also reports the one cross-field rule JSON Schema cannot state
    (more than 5 actions summed over groups), with keyword ``"total"``.
    """
    root = node_of(schema)
    found = []
    for error in schemas.validator(schema).iter_errors(instance):
        for leaf in _leaves(error):
            file, keyword = _locate(root, list(leaf.absolute_schema_path))
            rule = rule_for(schema, file, keyword)
            found.append(Violation(tuple(leaf.absolute_path), file, keyword, leaf.message, rule))
    if schema == "o2/session_actions_request":
        total = schemas.batch_total_violation(instance)
        if total:
            found.append(Violation((), schema, "total", total, schemas.BATCH_TOTAL_RULE))
    return found


# --------------------------------------------------------------------------- labelled cases


def _json(value: Any) -> Any:
    """Tuples back to lists (a replay file loads arrays as tuples)."""
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    return value


def apply(edit: Edit, body: Any) -> Any:
    """``edit.apply(body)``, also for an edit of the whole body (an empty path)."""
    if not edit.path:
        return copy.deepcopy(edit.value)
    return edit.apply(body)


@dataclass(frozen=True)
class Labelled:
    """An invalid instance that breaks exactly one rule: ``rule_id``, reported by the
    validator at ``path``. ``edit`` is the one change made to a valid instance (re-apply
    it to a freshly signed body with :meth:`finish`); ``request`` is the logical request
    the valid instance was made from, when there is one."""

    instance: Any
    rule_id: str
    path: Path
    description: str
    schema: str
    edit: Edit
    request: Any = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "instance", _json(self.instance))
        object.__setattr__(self, "path", tuple(self.path))
        edit = replace(self.edit, path=tuple(self.edit.path), value=_json(self.edit.value))
        object.__setattr__(self, "edit", edit)

    def violations(self) -> list[Violation]:
        return violations(self.schema, self.instance)

    def still_violates(self) -> bool:
        """The labelled error is still at ``path``, and nothing else is wrong: every error
        is this rule's (or an expected companion of it) and lies at or below ``path``."""
        companions = COMPANIONS.get(self.rule_id, frozenset())
        here = False
        for found in self.violations():
            if found.keyword == "total":
                if found.rule_id != self.rule_id:
                    return False
                continue
            if found.path[: len(self.path)] != self.path:
                return False
            if (found.file, found.keyword) in companions:
                continue
            if found.rule_id != self.rule_id:
                return False
            here = here or found.path == self.path
        return here

    def finish(self, body: Any) -> Labelled:
        """This case with its edit made to ``body`` (e.g. the same request, signed)."""
        return replace(self, instance=apply(self.edit, body))

    def __repr__(self) -> str:
        where = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in self.path)
        return f"Labelled({self.rule_id} at {where}: {self.description})"


# --------------------------------------------------------------------------- breaking values

UNKNOWN_TAGS: Mapping[str, tuple[str, ...]] = {
    "o2/action": ("Withdraw", "createOrder", "CreateOrders", "Transfer", "CancelAll", "SETTLEBALANCE"),
    "o2/order_type": ("Stop", "limit", "LIMIT", "Bounded", "StopLimit"),
}
UNKNOWN_VALUES: Mapping[str, tuple[Any, ...]] = {
    "o2/order_type": (
        "Fok", "IOC", "spot", "GoodTillCancel", "", {"Spot": None}, ["Spot"], None, {"Stop": ["1", "2"]},
    ),
}
EXTRA_NAMES = ("extra", "tradeproof", "Extra")
EXTRA_VALUES: tuple[Any, ...] = (0, "x", True, None)
_OTHER_TYPES: tuple[Any, ...] = (None, True, 0, 1.5, "x", [], {})


def _bad_u64(v: str) -> list[str]:
    # Not here: "+5" and "007", which Rust's u64::from_str accepts (strategies.o2.BAD_NUMBERS)
    return ["-" + v, v + "e0", "1e3", v + ".5", v + ".0", f"0x{int(v):x}", " " + v, v + " ", "",
            str(int(v) + 2**64), v + "_000", "\u0663"]


def _bad_b256(v: str) -> list[str]:
    return [v[:-2], v + "ab", "0x" + "zz" * 32, "", "0x", v[:-1], v[:-2] + "  "]


def _bad_decimal(v: str) -> list[str]:
    return [v + "e0", "1E+3", v + ".", "+" + v.lstrip("-"), " " + v, v + ",0", "0" + v, "NaN", "Infinity", ""]


PATTERN_BREAKERS: Mapping[str, Callable[[str], list[str]]] = {
    "common/u64": _bad_u64, "common/b256": _bad_b256, "common/decimal": _bad_decimal,
}


def _unquoted(v: str) -> list[Any]:
    number = float(v)
    return [int(number) if number.is_integer() and "." not in v else number]


SAME_VALUE_BREAKERS: Mapping[str, Callable[[Any], list[Any]]] = {
    "common/u64": lambda v: [int(v)],  # the same number, unquoted
    "common/decimal": _unquoted,
}


def _is_type(value: Any, types: Any) -> bool:
    checker = Draft202012Validator.TYPE_CHECKER
    return any(checker.is_type(value, t) for t in ([types] if isinstance(types, str) else types))


def _same_value(value: Any) -> list[Any]:
    """A number written as a string or a string of digits unquoted: what a lenient
    parser coerces back."""
    if isinstance(value, int) and not isinstance(value, bool):
        return [str(value)]
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return [int(value)]
    return []


def type_breakers(file: str, value: Any, types: Any) -> tuple[list[Any], list[Any]]:
    """Values of another type for a place: (the same value retyped, unrelated values —
    a string wrapped in a list among them). A string-encoded number (u64, decimal)
    takes only JSON strings, so the number unquoted is its retyping, and null its
    unrelated value."""
    if file in SAME_VALUE_BREAKERS:
        return SAME_VALUE_BREAKERS[file](value), [None]
    same = [v for v in _same_value(value) if not _is_type(v, types)]
    wrapped = [[value]] if isinstance(value, str) and not same else []
    return same, [v for v in [*wrapped, *_OTHER_TYPES] if not _is_type(v, types)]


def _enum_breakers(value: Any, allowed: Sequence[Any]) -> list[Any]:
    if not isinstance(value, str):
        return [v for v in ("", "x") if v not in allowed]
    out = [value.upper(), value.capitalize(), value + " ", "", value[:-1], "x" + value]
    return [v for v in dict.fromkeys(out) if v not in allowed]


def _snake_to_camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _extra_names(obj: Mapping[str, Any], properties: Mapping[str, Any]) -> list[str]:
    camel = [_snake_to_camel(k) for k in obj if "_" in k]
    return [n for n in dict.fromkeys([*EXTRA_NAMES, *camel]) if n not in obj and n not in properties]


FILLERS: Mapping[tuple[str, str], Callable[[list[Any]], Any]] = {
    # see COMPANIONS: the 6th market group carries no action
    ("o2/session_actions_request", "/properties/actions"): (
        lambda items: {"market_id": items[-1]["market_id"], "actions": []}
    ),
}


# --------------------------------------------------------------------------- sites


@dataclass(frozen=True)
class Site:
    """One place and one constraint that can be broken there, with its rule."""

    path: Path
    file: str
    keyword: str
    rule_id: str
    edits: tuple[tuple[Edit, str], ...] = field(repr=False)
    kind: str  # how it is broken: the keyword, or its own kind when a keyword breaks in more than one way


class _Walk:
    def __init__(self, schema: str) -> None:
        self.schema = schema
        self.found: list[Site] = []

    def add(self, node: Node, path: Path, keyword: str, edits: list[tuple[Edit, str]], kind: str | None = None) -> None:
        rule = rule_for(self.schema, node.name, keyword)
        if rule is not None and edits:
            self.found.append(Site(path, node.name, keyword, rule, tuple(edits), kind or keyword))

    def walk(self, node: Node, value: Any, path: Path, in_branch: bool = False) -> None:
        """Collect the sites of ``value`` at ``node``. ``in_branch``: ``node`` is the
        matching branch of a union at the same place, whose own site covers breaking it."""
        node = node.follow()
        s = node.schema
        if isinstance(s, bool):
            return
        if "$ref" in s:
            self.walk(node.ref(s["$ref"]), value, path, in_branch)
        for key in ("oneOf", "anyOf"):
            if key in s:
                if key == "oneOf" and not in_branch:
                    self.add(node, path, "oneOf", self._no_branch(node, value, path))
                branch = _matching_branch(node, key, value)
                if branch is not None:
                    self.walk(branch, value, path, in_branch=True)
        for i in range(len(s.get("allOf", []))):
            self.walk(node.child("allOf", i), value, path, in_branch)
        if not in_branch:
            self._here(node, s, value, path)
        if isinstance(value, dict):
            self._object(node, s, value, path, in_branch)
        elif isinstance(value, list):
            self._array(node, s, value, path, in_branch)

    def _here(self, node: Node, s: Mapping[str, Any], value: Any, path: Path) -> None:
        def edits(values: list[Any], what: str) -> list[tuple[Edit, str]]:
            return [(Edit(path, v), f"{what} {v!r}") for v in values]

        if "enum" in s or "const" in s:
            allowed = s["enum"] if "enum" in s else [s["const"]]
            keyword = "enum" if "enum" in s else "const"
            self.add(node, path, keyword, edits(_enum_breakers(value, allowed), "a value outside the enum:"))
        if "type" in s and path:  # a body that is not an object at all is the transport's business
            # retyping the same value is its own kind of break: it is what a lenient
            # parser lets through ("7" for 7), and among a place's unrelated values it
            # would be drawn once in eight
            same, other = type_breakers(node.name, value, s["type"])
            self.add(node, path, "type", edits(same, "the same value as another type:"), kind="retyped")
            self.add(node, path, "type", edits(other, "a value of another type:"))
        if isinstance(value, str) and "pattern" in s:
            make = PATTERN_BREAKERS.get(node.name, lambda v: [" " + v, v + " ", "", v + "\n"])
            broken = [b for b in dict.fromkeys(make(value)) if re.search(s["pattern"], b) is None]
            self.add(node, path, "pattern", edits(broken, "a string off the pattern:"))
        if isinstance(value, int) and not isinstance(value, bool):
            if "minimum" in s:
                self.add(node, path, "minimum", edits([s["minimum"] - 1], "below the minimum:"))
            if "maximum" in s:
                self.add(node, path, "maximum", edits([s["maximum"] + 1], "above the maximum:"))

    def _object(self, node: Node, s: Mapping[str, Any], value: dict[str, Any], path: Path, in_branch: bool) -> None:
        properties = s.get("properties", {})
        if not in_branch:
            present = [k for k in s.get("required", []) if k in value]
            self.add(node, path, "required", [(Edit(path + (k,), DELETE), f"removed {k!r}") for k in present])
            if s.get("additionalProperties") is False:
                names = _extra_names(value, properties)
                extra = [(Edit(path + (n,), v), f"added {n!r}: {v!r}") for n in names for v in EXTRA_VALUES]
                self.add(node, path, "additionalProperties", extra)
        for key, item in value.items():
            if key in properties:
                self.walk(node.child("properties", key), item, path + (key,))
            elif isinstance(s.get("additionalProperties"), dict):
                self.walk(node.child("additionalProperties"), item, path + (key,))

    def _array(self, node: Node, s: Mapping[str, Any], value: list[Any], path: Path, in_branch: bool) -> None:
        prefix = s.get("prefixItems", [])
        if not in_branch:
            low, high = s.get("minItems", 0), s.get("maxItems")
            if low > 0 and len(value) >= low:
                fewer = (Edit(path, value[: low - 1]), f"{low - 1} item(s), fewer than {low}")
                self.add(node, path, "minItems", [fewer])
            if high is not None and value:
                fill = FILLERS.get((node.name, node.pointer), lambda items: copy.deepcopy(items[-1]))
                grown = [
                    (Edit(path, value + [fill(value) for _ in range(high + k - len(value))]), f"{high + k} items")
                    for k in (1, 2)
                ]
                self.add(node, path, "maxItems", grown)
            if prefix and s.get("items") is False and value:
                longer = (Edit(path, value + [copy.deepcopy(value[-1])]), f"{len(value) + 1} items")
                self.add(node, path, "items", [longer])
        for i, item in enumerate(value):
            if i < len(prefix):
                self.walk(node.child("prefixItems", i), item, path + (i,))
            elif isinstance(s.get("items"), dict):
                self.walk(node.child("items"), item, path + (i,))

    def _no_branch(self, node: Node, value: Any, path: Path) -> list[tuple[Edit, str]]:
        out: list[tuple[Edit, str]] = []
        tags = _tags(node)
        if isinstance(value, dict) and len(value) == 1:
            ((tag, inner),) = value.items()
            for name in UNKNOWN_TAGS.get(node.name, (tag + "s", "x" + tag)):
                if name not in tags if tags is not None else _matches_no_branch(node, json.dumps({name: inner})):
                    out.append((Edit(path + (tag,), rename=name), f"unknown variant {name!r} (was {tag!r})"))
        for other in UNKNOWN_VALUES.get(node.name, ()):
            if other != value and _matches_no_branch(node, json.dumps(other)):
                out.append((Edit(path, other), f"unknown variant {other!r}"))
        return out


def _tagged(s: Any) -> bool:
    """An object schema that requires exactly one key and allows no other: a tag."""
    return isinstance(s, dict) and len(s.get("required", [])) == 1 and s.get("additionalProperties") is False


def _branches(node: Node, key: str) -> list[Node]:
    return [node.child(key, i) for i in range(len(node.schema[key]))]


@cache
def _tags(node: Node) -> frozenset[str] | None:
    """The keys a one-key object must have to match some branch of this union — when
    every branch is such a tagged object or a constant that is not an object — else None."""
    tags = []
    for branch in _branches(node, "oneOf"):
        s = branch.follow().schema
        if isinstance(s, dict) and set(s) - ANNOTATIONS == {"const"} and not isinstance(s["const"], dict):
            continue
        if not _tagged(s):
            return None
        tags.append(s["required"][0])
    return frozenset(tags)


@cache
def _matches_no_branch(node: Node, value_json: str) -> bool:
    value = json.loads(value_json)
    return not any(b.is_valid(value) for b in _branches(node, "oneOf"))


def _matching_branch(node: Node, key: str, value: Any) -> Node | None:
    """The branch a valid value takes: found by its tag or const when the union says
    (no validation needed), else the first branch that validates it."""
    branches = _branches(node, key)
    for branch in branches:
        s = branch.follow().schema
        if not isinstance(s, dict):
            continue
        if "const" in s and s["const"] == value and set(s) - ANNOTATIONS == {"const"}:
            return branch
        if isinstance(value, dict) and _tagged(s) and s["required"] == list(value):
            return branch
    return next((b for b in branches if b.is_valid(value)), None)


_SITES: dict[tuple[str, str], list[Site]] = {}


def sites(schema: str, instance: Any) -> list[Site]:
    """Every (place, constraint) of a valid ``instance`` whose breakage has a rule."""
    key = (schema, json.dumps(instance, sort_keys=True))
    if key not in _SITES:  # shrinking draws the same instances again and again
        walk = _Walk(schema)
        walk.walk(node_of(schema), instance, ())
        if len(_SITES) > 512:
            _SITES.clear()
        _SITES[key] = walk.found
    return _SITES[key]


def _rule_order(rule_id: str) -> int:
    order = [row[3] for row in LABELS]
    return order.index(rule_id) if rule_id in order else len(order)


@named_composite("mutations")
def _mutations(
    draw: st.DrawFn, instance: Any, schema: str, *, request: Any = None, rules: Sequence[str] | None = None
) -> Labelled:
    found = [s for s in sites(schema, instance) if rules is None or s.rule_id in rules]
    if not found:
        raise ValueError(f"nothing in this {schema} instance can be broken for {list(rules or []) or 'any rule'}")
    # rule, then kind of break (the keyword, or a keyword's own kind: retyped), then site:
    # a rule's rare kind of break (the one additionalProperties site among two dozen type
    # sites) is drawn as often as a common one — more often, in fact: Hypothesis favours
    # a list's first entries, and the kinds with the fewest sites come first
    by_rule: dict[str, dict[str, list[Site]]] = {}
    for site in sorted(found, key=lambda s: _rule_order(s.rule_id)):
        by_rule.setdefault(site.rule_id, {}).setdefault(site.kind, []).append(site)
    rule = draw(st.sampled_from(list(by_rule)))
    kinds = by_rule[rule]
    kind = draw(st.sampled_from(sorted(kinds, key=lambda k: len(kinds[k]))))
    site = draw(st.sampled_from(kinds[kind]))
    edit, what = draw(st.sampled_from(site.edits))
    description = f"{site.keyword} of {site.file}: {what}"
    return Labelled(apply(edit, instance), rule, site.path, description, schema, edit, request)


def mutations(
    instance: Any, schema: str, *, request: Any = None, rules: Sequence[str] | None = None
) -> st.SearchStrategy[Labelled]:
    """Labelled invalid variants of ``instance`` (valid under ``schema``): one rule drawn
    among those the instance can break (``rules`` restricts them), one place, one break.
    Rules are drawn first, then the kind of break (keyword), then the place: a rare rule or
    kind (one site) is tried as often as a common one.
    ``request`` is carried along: the logical request the instance was made from."""
    if not any(rules is None or s.rule_id in rules for s in sites(schema, instance)):
        raise ValueError(f"nothing in this {schema} instance can be broken for {list(rules or []) or 'any rule'}")
    kwargs: dict[str, Any] = {}
    if request is not None:
        kwargs["request"] = request
    if rules is not None:
        kwargs["rules"] = tuple(rules)
    return _mutations(instance, schema, **kwargs)


# --------------------------------------------------------------------------- signature faults

O2_SIGNATURE_RULES: Mapping[O2Corruption, str] = {
    O2Corruption.OTHER_KEY: "O2-SIG-OTHER-KEY",
    O2Corruption.OTHER_BYTES: "O2-SIG-TAMPERED",
    O2Corruption.HIGH_S: "O2-SIG-HIGH-S",
    O2Corruption.LONG_65: "O2-SIG-65-BYTES",
    O2Corruption.TRUNCATED: "O2-SIG-65-BYTES",
    O2Corruption.FLIPPED_RECOVERY: "O2-SIG-RECOVERY-BIT",
}
"""Session-action signatures (as ``conformance/o2/test_signatures.py``)."""

SESSION_SIGNATURE_RULES: Mapping[O2Corruption, str] = {
    O2Corruption.OTHER_KEY: "O2-SESSION-OWNER-SIG",
    O2Corruption.OTHER_BYTES: "O2-SESSION-OWNER-SIG",
}
"""Owner signatures of a session update. The malformed kinds (high-s, 65 bytes,
flipped bit) are stated by TARGET.md for session-action signatures only: not generated."""

DERIVE_SIGNATURE_RULES: Mapping[DeriveCorruption, str] = {
    # another wallet the target knows first: Hypothesis favours early choices, and a
    # stranger's key is refused even by a target that takes any wallet it knows
    DeriveCorruption.KNOWN_WALLET: "DRV-SIG-OTHER-KEY",
    DeriveCorruption.OTHER_KEY: "DRV-SIG-OTHER-KEY",
    DeriveCorruption.OTHER_BYTES: "DRV-SIG-TAMPERED",
    DeriveCorruption.HIGH_S: "DRV-SIG-MALFORMED",
    DeriveCorruption.SHORT_64: "DRV-SIG-MALFORMED",
    DeriveCorruption.FLIPPED_V: "DRV-SIG-MALFORMED",
    DeriveCorruption.V_ZERO_ONE: "DRV-SIG-MALFORMED",
    DeriveCorruption.LONG_66: "DRV-SIG-MALFORMED",
    DeriveCorruption.OTHER_CHAIN: "DRV-SIG-DOMAIN",
    DeriveCorruption.OTHER_CONTRACT: "DRV-SIG-DOMAIN",
    DeriveCorruption.OTHER_MODULE: "DRV-SIG-MODULE",
    DeriveCorruption.MATCHING_MODULE: "DRV-SIG-MODULE",
}
"""Action signatures of execute_quote and send_quote (as ``conformance/derive/test_signatures.py``)."""


@dataclass(frozen=True)
class SignatureFault:
    """A valid ``request`` whose signature is spoiled in one named way (``corruption``),
    breaking ``rule_id``. The caller signs the request, then asks for the bad signature."""

    corruption: O2Corruption | DeriveCorruption
    rule_id: str
    request: Any = None

    @property
    def description(self) -> str:
        return f"signature {self.corruption.value}"

    def still_violates(self) -> bool:
        """A corruption is a fixed kind: shrinking cannot take it away (the request it
        spoils is drawn valid). True, so fuzz tests treat both kinds of case alike."""
        return True

    def o2_signature(self, key: Key, digest: bytes) -> bytes:
        """The spoiled session-action signature for what ``key`` should sign as ``digest``."""
        return o2_bad_signature(O2Corruption(self.corruption), key, digest)

    def session_signature(self, owner: Key, message: bytes, evm: bool = False) -> bytes:
        """The spoiled owner signature of a session update (other key or other bytes)."""
        if self.corruption == O2Corruption.OTHER_KEY:
            return osig.sign_session(other_key(owner), message, evm=evm)
        if self.corruption == O2Corruption.OTHER_BYTES:
            return osig.sign_session(owner, hashlib.sha256(b"tradeproof/other-bytes" + message).digest(), evm=evm)
        raise ValueError(f"{self.corruption!r} is not a session-update fault")

    def derive_signature(self, key: Key, action: dsig.Action, domain: dsig.Domain, known: Key | None = None) -> str:
        """The spoiled ``signature`` param for ``action`` signed by ``key`` (``known``:
        another wallet with an account, see ``derive_bad_signature``)."""
        return derive_bad_signature(DeriveCorruption(self.corruption), key, action, domain, known)

    def __repr__(self) -> str:
        return f"SignatureFault({self.rule_id}: {self.description})"


def signature_faults(table: Mapping[Any, str], requests: st.SearchStrategy[Any]) -> st.SearchStrategy[SignatureFault]:
    """A corruption from ``table`` (with its rule) on a request drawn from ``requests``
    (``flavours`` draws the rule first and passes the corruptions of that rule)."""
    kinds = st.sampled_from(list(table))
    return st.builds(lambda kind, request: SignatureFault(kind, table[kind], request), kinds, requests)
