"""The schema files themselves: valid 2020-12, house conventions, every $ref resolves.

Refs are checked twice: by plain path arithmetic on disk (what any tool opening the
files does) and through ``tradeproof.schemas``' registry (what the suite uses).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing.exceptions import Unresolvable

from tradeproof import schemas
from tradeproof._resources import shipped_path

ROOT = shipped_path("schemas")
FILES = sorted(ROOT.rglob("*.json"))
MESSAGE_FOLDERS = (
    "common",
    "o2",
    "derive",
    "harness",
)  # message shapes; other folders (config/) differ
MESSAGE_FILES = [path for path in FILES if path.relative_to(ROOT).parts[0] in MESSAGE_FOLDERS]
DIALECT = "https://json-schema.org/draft/2020-12/schema"
SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*\.json$")


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _walk(node: Any, pointer: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every object in a document, with its JSON pointer."""
    if isinstance(node, dict):
        yield pointer, node
        for key, value in node.items():
            yield from _walk(value, f"{pointer}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{pointer}/{index}")


def _refs(document: Any) -> list[str]:
    return [node["$ref"] for _, node in _walk(document) if isinstance(node.get("$ref"), str)]


def _pointer(document: Any, fragment: str) -> Any:
    node = document
    for part in fragment.lstrip("/").split("/") if fragment else []:
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def test_the_message_folders_and_openapi_documents_exist() -> None:
    assert {path.parent.name for path in MESSAGE_FILES} == set(MESSAGE_FOLDERS)
    assert sorted(p.name for p in (ROOT / "openapi").glob("*.yaml")) == ["derive.yaml", "o2.yaml"]


@pytest.mark.parametrize("path", FILES, ids=_rel)
def test_file_is_a_valid_2020_12_schema(path: Path) -> None:
    Draft202012Validator.check_schema(_load(path))


@pytest.mark.parametrize("path", MESSAGE_FILES, ids=_rel)
def test_file_follows_the_conventions(path: Path) -> None:
    document = _load(path)
    assert SNAKE.match(path.name), "file names are snake_case"
    assert document.get("$schema") == DIALECT
    assert isinstance(document.get("title"), str) and document["title"]
    description = document.get("description", "")
    assert re.search(r"seed 00[03]|protocol/|TARGET\.md", description), (
        "description must cite its source"
    )
    ids = [pointer for pointer, node in _walk(document) if "$id" in node]
    assert not ids, f"no $id anywhere (found at {ids}): files are referenced by relative path"


@pytest.mark.parametrize("path", FILES, ids=_rel)
def test_every_ref_is_relative_and_resolves_on_disk(path: Path) -> None:
    document = _load(path)
    for ref in _refs(document):
        target, _, fragment = ref.partition("#")
        if not target:
            assert fragment.startswith("/$defs/"), f"{ref}: local refs point into this file's $defs"
            _pointer(document, fragment)
            continue
        assert "://" not in target and not target.startswith("/"), f"{ref} is not a relative path"
        assert not fragment, f"{ref}: refer to whole files; $defs are private to their file"
        resolved = (path.parent / target).resolve()
        assert resolved.is_file(), f"{ref} from {_rel(path)} does not exist"
        assert resolved.is_relative_to(ROOT.resolve()), f"{ref} leaves the schemas folder"


@pytest.mark.parametrize("path", FILES, ids=_rel)
def test_defs_are_used_by_their_own_file(path: Path) -> None:
    document = _load(path)
    local = {ref.removeprefix("#/$defs/") for ref in _refs(document) if ref.startswith("#/$defs/")}
    assert set(document.get("$defs", {})) == local


@pytest.mark.parametrize("name", schemas.names())
def test_every_ref_resolves_through_the_module_registry(name: str) -> None:
    uri = (ROOT / f"{name}.json").resolve().as_uri()
    resolver = schemas._registry().resolver(base_uri=uri)
    for ref in _refs(schemas.schema(name)):
        try:
            resolved = resolver.lookup(ref)
        except Unresolvable as exc:  # pragma: no cover - the assertion message is the point
            pytest.fail(f"{name}: {ref} does not resolve: {exc}")
        assert isinstance(resolved.contents, (dict, bool))


def test_names_are_the_files() -> None:
    assert schemas.names() == [_rel(path).removesuffix(".json") for path in FILES]


def test_batch_limits_match_the_constants() -> None:
    request = schemas.schema("o2/session_actions_request")
    group = schemas.schema("o2/market_actions")
    assert request["properties"]["actions"]["maxItems"] == schemas.MAX_MARKETS_PER_BATCH
    assert group["properties"]["actions"]["maxItems"] == schemas.MAX_ACTIONS_PER_BATCH
