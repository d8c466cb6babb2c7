"""Edits to a JSON body, as data: what an invalid case changes after signing.

Keeping the change as a value (not a closure) lets a case be shown in a report,
stored in a replay file, and re-applied to a freshly signed body on another day.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

Path = tuple[str | int, ...]


class _Delete:
    def __repr__(self) -> str:
        return "DELETE"


DELETE: Any = _Delete()


@dataclass(frozen=True)
class Edit:
    """Set the value at ``path`` (or delete it), or rename the key at ``path`` to ``rename``."""

    path: Path
    value: Any = None
    rename: str | None = None

    def apply(self, body: Any) -> Any:
        """A copy of ``body`` with this edit made."""
        out = copy.deepcopy(body)
        parent: Any = out
        for step in self.path[:-1]:
            parent = parent[step]
        last = self.path[-1]
        if self.rename is not None:
            parent[self.rename] = parent.pop(last)
        elif self.value is DELETE:
            del parent[last]
        else:
            parent[last] = self.value
        return out

    def describe(self) -> str:
        where = "/".join(str(p) for p in self.path)
        if self.rename is not None:
            return f"renamed {where} to {self.rename!r}"
        if self.value is DELETE:
            return f"removed {where}"
        return f"set {where} to {self.value!r}"

    def as_dict(self) -> dict[str, Any]:
        if self.rename is not None:
            return {"path": list(self.path), "rename": self.rename}
        if self.value is DELETE:
            return {"path": list(self.path), "delete": True}
        return {"path": list(self.path), "value": self.value}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Edit:
        path = tuple(data["path"])
        if "rename" in data:
            return cls(path, rename=data["rename"])
        if data.get("delete"):
            return cls(path, DELETE)
        return cls(path, data.get("value"))
