"""Generated values to JSON and back, for replay files.

Only the value types of ``tradeproof.strategies`` (and the named corruptions) are
known here, by name: loading a file never imports or builds anything else.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from enum import Enum
from typing import Any

from ..signing.corrupt import DeriveCorruption, O2Corruption
from .edits import DELETE, Edit


def _registry() -> dict[str, type]:
    from . import derive, flavours, o2

    classes: list[type] = [o2.Create, o2.Settle, o2.CancelOwn, o2.Batch, o2.Case, derive.ExecuteCase, Edit]
    classes += [getattr(o2, name) for name in getattr(o2, "SERIALISABLE", ())]
    classes += [getattr(derive, name) for name in getattr(derive, "SERIALISABLE", ())]
    classes += [getattr(flavours, name) for name in getattr(flavours, "SERIALISABLE", ())]
    return {cls.__name__: cls for cls in classes}


ENUMS: dict[str, type[Enum]] = {"O2Corruption": O2Corruption, "DeriveCorruption": DeriveCorruption}


def dump(value: Any) -> Any:
    """A JSON-ready form of a drawn value."""
    if value is DELETE:
        return {"$delete": True}
    if isinstance(value, Enum):
        return {"$enum": type(value).__name__, "value": value.value}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: dump(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
        return {"$type": type(value).__name__, **fields}
    if isinstance(value, (list, tuple)):
        return [dump(v) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) and not k.startswith("$") for k in value):
            raise TypeError("only JSON objects with plain string keys can be stored")
        return {k: dump(v) for k, v in value.items()}
    if isinstance(value, bytes):
        return {"$bytes": value.hex()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"cannot store a {type(value).__name__} in a replay file")


def load(data: Any) -> Any:
    """The value ``dump`` produced (lists come back as tuples, as the value types use)."""
    if isinstance(data, list):
        return tuple(load(v) for v in data)
    if not isinstance(data, dict):
        return data
    if data.get("$delete"):
        return DELETE
    if "$enum" in data:
        return ENUMS[data["$enum"]](data["value"])
    if "$decimal" in data:
        return Decimal(data["$decimal"])
    if "$bytes" in data:
        return bytes.fromhex(data["$bytes"])
    if "$type" in data:
        registry = _registry()
        name = data["$type"]
        if name not in registry:
            raise ValueError(f"unknown value type {name!r} in replay file")
        return registry[name](**{k: load(v) for k, v in data.items() if k != "$type"})
    if any(k.startswith("$") for k in data):
        raise ValueError(f"unexpected object in replay file: {sorted(data)}")
    return {k: load(v) for k, v in data.items()}
