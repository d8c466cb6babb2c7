"""The import rules of ARCHITECTURE.md, enforced by scanning every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "tradeproof"

LAYERS = [
    {"cli", "__main__"},
    {"pytest_plugin"},
    {"reporting"},
    {"runner"},
    {"scenarios", "stateful", "fuzzing"},
    {"checks", "strategies", "target"},
    {"reference"},
    {"messages", "replay"},
    {"signing", "schemas"},
    {"rules", "codes", "errors", "_json", "_resources", "__init__"},
]
REFERENCE_MAY_USE = {"reference", "signing", "messages", "schemas", "codes", "errors", "_json", "_resources"}
PUBLIC_FOR_SUITES = {"target", "checks", "strategies", "scenarios", "stateful", "fuzzing", "messages", "signing", "schemas", "rules", "codes", "errors"}


def layer_of(top: str) -> int:
    for index, layer in enumerate(LAYERS):
        if top in layer:
            return index
    raise AssertionError(f"module group {top!r} is not in ARCHITECTURE.md's layers")


def top_of(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def imported_tops(path: Path) -> set[str]:
    """The first component under tradeproof of every import in a module (any depth)."""
    tree = ast.parse(path.read_text(), str(path))
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    package = parts[:-1] if parts[-1] != "__init__" else parts[:-1]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[: len(package) - node.level + 1])
                target = base + (node.module.split(".") if node.module else [])
                if target:
                    found.add(target[0])
                else:
                    found.update("__init__" if a.name == "__version__" else a.name for a in node.names)
            elif node.module and node.module.split(".")[0] == "tradeproof":
                rest = node.module.split(".")[1:]
                found.update([rest[0]] if rest else [a.name for a in node.names])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                names = alias.name.split(".")
                if names[0] == "tradeproof" and len(names) > 1:
                    found.add(names[1])
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(PACKAGE)) for p in MODULES])
def test_imports_point_down(path: Path) -> None:
    own = top_of(path)
    for top in imported_tops(path) - {own}:
        if own == "reference":
            assert top in REFERENCE_MAY_USE, f"reference imports {top}"
            continue
        if own == "runner" and top == "reference":
            continue  # runner.context starts the embedded reference lazily
        assert layer_of(top) >= layer_of(own), f"{own} (layer {layer_of(own)}) imports {top} (layer {layer_of(top)})"


def test_rules_import_only_codes() -> None:
    for path in (PACKAGE / "rules").rglob("*.py"):
        assert imported_tops(path) <= {"rules", "codes"}, path


SUITE_FILES = sorted((ROOT / "conformance").rglob("*.py")) + sorted((ROOT / "fuzz").rglob("*.py"))


@pytest.mark.parametrize("path", SUITE_FILES, ids=[str(p.relative_to(ROOT)) for p in SUITE_FILES])
def test_shipped_suites_use_only_public_modules(path: Path) -> None:
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        modules = [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
        if isinstance(node, ast.ImportFrom) and node.module == "tradeproof":
            modules = [f"tradeproof.{a.name}" for a in node.names]
        if isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        for module in modules:
            names = module.split(".")
            if names[0] != "tradeproof":
                continue
            assert len(names) > 1 and names[1] in PUBLIC_FOR_SUITES, f"{path.name} imports {module}"
            assert not any(n.startswith("_") for n in names[1:]), f"{path.name} imports private {module}"
