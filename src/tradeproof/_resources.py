"""Locate the suites and schemas shipped with the package.

A wheel carries ``schemas/``, ``conformance/`` and ``fuzz/`` under
``tradeproof/_shipped/`` (see ``pyproject.toml``). An editable install maps only the
Python package, so there the same folders are found at the top of the checkout the
package was installed from.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

SHIPPED = ("schemas", "conformance", "fuzz")


@cache
def shipped_path(name: str) -> Path:
    """Return the directory of a shipped folder (``schemas``, ``conformance`` or ``fuzz``)."""
    if name not in SHIPPED:
        raise ValueError(f"unknown shipped folder {name!r}; expected one of {SHIPPED}")
    packaged = Path(str(files("tradeproof"))) / "_shipped" / name
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "pyproject.toml").is_file() and (checkout / name).is_dir():
        return checkout / name
    raise FileNotFoundError(
        f"tradeproof's {name}/ folder is missing from this installation; reinstall the package"
    )
