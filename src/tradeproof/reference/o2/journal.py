"""An undo journal: how a batch of actions is all-or-nothing without copying the exchange.

Inside :meth:`Journal.transaction`, every state change registers its inverse; when the
block raises, the inverses run newest first and the state is exactly as before. Outside
a transaction (minting, account creation) changes are simply not recorded. Cost is one
small closure per change, so a batch of five actions costs microseconds to undo.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

_MISSING = object()


class Journal:
    """The undo log of the batch being executed (if any)."""

    def __init__(self) -> None:
        self._undo: list[Callable[[], None]] = []
        self._active = False

    def record(self, undo: Callable[[], None]) -> None:
        """Register the inverse of a change just made."""
        if self._active:
            self._undo.append(undo)

    def set_item(self, mapping: MutableMapping[Any, Any], key: Any, value: Any) -> None:
        """``mapping[key] = value``, undoably (an absent key is removed again)."""
        old = mapping.get(key, _MISSING)
        mapping[key] = value
        if self._active:
            self._undo.append(lambda: _restore_item(mapping, key, old))

    def set_attr(self, obj: object, name: str, value: Any) -> None:
        """``setattr(obj, name, value)``, undoably."""
        old = getattr(obj, name)
        setattr(obj, name, value)
        if self._active:
            self._undo.append(lambda: setattr(obj, name, old))

    def append(self, items: list[Any], item: Any) -> None:
        """``items.append(item)``, undoably."""
        items.append(item)
        if self._active:
            self._undo.append(items.pop)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run a block atomically: on any exception, undo everything it changed."""
        if self._active:
            raise RuntimeError("transactions do not nest")
        self._active = True
        try:
            yield
        except BaseException:
            self.rollback()
            raise
        finally:
            self._active = False
            self._undo.clear()

    def rollback(self) -> None:
        """Undo every recorded change, newest first."""
        while self._undo:
            self._undo.pop()()


def _restore_item(mapping: MutableMapping[Any, Any], key: Any, old: Any) -> None:
    if old is _MISSING:
        del mapping[key]
    else:
        mapping[key] = old
