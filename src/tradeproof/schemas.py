"""The shipped JSON Schemas (``schemas/``), loaded by name and validated offline.

Message shapes are written once, as JSON Schema 2020-12 files under ``schemas/``; this
module is how Python code uses them. A name is the file's path below ``schemas/``
without ``.json``::

    >>> from tradeproof import schemas
    >>> schemas.is_valid("common/u64", "18446744073709551615")
    True
    >>> schemas.errors("common/u64", "18446744073709551616")[0]
    "$: '18446744073709551616' does not match ..."

The files carry no ``$id`` and refer to each other by relative path, so that any tool
can open them from disk. Here every file is registered under its ``file:`` URI in one
``referencing.Registry``, which is complete: a ``$ref`` that leaves the folder is an
error, never a download.

One rule of seed 000 is not expressible in JSON Schema: at most 5 actions summed over
all market groups of a session-actions body. :func:`batch_total_violation` checks it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tradeproof._resources import shipped_path

__all__ = [
    "BATCH_TOTAL_RULE",
    "MAX_ACTIONS_PER_BATCH",
    "MAX_MARKETS_PER_BATCH",
    "batch_total_violation",
    "errors",
    "is_valid",
    "names",
    "schema",
    "validator",
]

MAX_ACTIONS_PER_BATCH = 5
"""Seed 000: "Maximum 5 actions total", summed over all market groups of one request."""

MAX_MARKETS_PER_BATCH = 5
"""Seed 000: "Maximum 5 markets per request" (``maxItems`` of the body's ``actions``)."""

BATCH_TOTAL_RULE = "O2-BATCH-MAX-ACTIONS"
"""Id of the rule :func:`batch_total_violation` checks (see ``tradeproof.rules.o2``)."""

_MESSAGE_LIMIT = 240  # jsonschema messages embed the instance; keep reports readable


# --------------------------------------------------------------------------- loading


def _root() -> Path:
    return shipped_path("schemas")


@cache
def _documents() -> dict[str, tuple[str, dict[str, Any]]]:
    """name -> (file URI, parsed schema), read once from the shipped folder."""
    root = _root()
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for path in sorted(root.rglob("*.json")):
        name = path.relative_to(root).with_suffix("").as_posix()
        with path.open(encoding="utf-8") as handle:
            found[name] = (path.resolve().as_uri(), json.load(handle))
    return found


@cache
def _registry() -> Registry[Any]:
    """Every shipped schema under its file URI; nothing else is resolvable."""
    resources = [
        (uri, Resource.from_contents(contents, default_specification=DRAFT202012))
        for uri, contents in _documents().values()
    ]
    return Registry().with_resources(resources).crawl()


def names() -> list[str]:
    """All schema names, sorted (``"common/u64"``, ``"o2/session_actions_request"`` ...)."""
    return sorted(_documents())


def _lookup(name: str) -> tuple[str, dict[str, Any]]:
    try:
        return _documents()[name.removesuffix(".json")]
    except KeyError:
        raise KeyError(f"no schema named {name!r}; known: {', '.join(names())}") from None


def schema(name: str) -> dict[str, Any]:
    """A copy of the schema called ``name`` (its relative ``$ref`` s left as written)."""
    return copy.deepcopy(_lookup(name)[1])


@cache
def validator(name: str) -> Draft202012Validator:
    """A cached 2020-12 validator for ``name`` whose relative ``$ref`` s resolve from disk.

    The file has no ``$id``; the copy given to the validator gets its file URI as ``$id``
    so that ``../common/u64.json`` resolves against the file's own location.
    """
    uri, contents = _lookup(name)
    rooted = {**contents, "$id": uri}
    return Draft202012Validator(rooted, registry=_registry())


# --------------------------------------------------------------------------- checking


def _iter_errors(name: str, instance: Any) -> Iterator[ValidationError]:
    return iter(sorted(validator(name).iter_errors(instance), key=lambda e: list(e.absolute_path)))


def _short(text: str) -> str:
    return text if len(text) <= _MESSAGE_LIMIT else text[: _MESSAGE_LIMIT - 3] + "..."


def _closest(error: ValidationError) -> ValidationError:
    """The branch error of a oneOf/anyOf that got furthest into the instance.

    Branches here are mostly tagged unions (``{"CreateOrder": ...}``): the branch whose
    key matched fails deep inside the value, the others fail at the top with "required".
    """
    while error.context:
        error = max(error.context, key=lambda e: (len(e.absolute_path), e.validator != "required"))
    return error


def _describe(error: ValidationError) -> str:
    """``<json path>: <message>``; for oneOf/anyOf also the closest branch's complaint."""
    text = f"{error.json_path}: {_short(error.message)}"
    if error.context:
        closest = _closest(error)
        text += f" (closest: {closest.json_path}: {_short(closest.message)})"
    return text


def errors(name: str, instance: Any) -> list[str]:
    """Plain messages for every way ``instance`` breaks schema ``name``; empty when valid."""
    return [_describe(error) for error in _iter_errors(name, instance)]


def is_valid(name: str, instance: Any) -> bool:
    """Whether ``instance`` satisfies schema ``name``."""
    return bool(validator(name).is_valid(instance))


def batch_total_violation(body: Any) -> str | None:
    """Message if a session-actions body has more than 5 actions summed over its groups.

    JSON Schema can bound each group (1..5 actions) and the number of groups (1..5) but
    not the sum, which seed 000 limits to 5 ("5 actions on 1 market, 1 action on 5
    markets, or any equivalent split"). Returns None when the total is within the limit,
    and also when the body is too broken to count: that is the schema's verdict to give.
    """
    if not isinstance(body, Mapping):
        return None
    groups = body.get("actions")
    if not isinstance(groups, list):
        return None
    counts: list[int] = []
    for group in groups:
        actions = group.get("actions") if isinstance(group, Mapping) else None
        if not isinstance(actions, list):
            return None
        counts.append(len(actions))
    total = sum(counts)
    if total <= MAX_ACTIONS_PER_BATCH:
        return None
    split = " + ".join(str(count) for count in counts)
    return (
        f"{BATCH_TOTAL_RULE}: {total} actions ({split} over {len(counts)} market groups); "
        f"at most {MAX_ACTIONS_PER_BATCH} are allowed summed over all groups"
    )
