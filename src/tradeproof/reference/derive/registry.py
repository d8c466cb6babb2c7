"""The method table: JSON-RPC method name → handler attribute and minimum key scope."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from .accounts import Scope

F = TypeVar("F", bound=Callable[..., Any])

METHODS: dict[str, tuple[str, Scope | None]] = {}
"""method name -> (handler attribute, minimum scope; None for public methods)."""


def rpc(name: str, scope: Scope | None = None) -> Callable[[F], F]:
    """Register a handler; it is looked up by attribute name, so subclasses can override it."""

    def register(handler: F) -> F:
        METHODS[name] = (handler.__name__, scope)
        return handler

    return register
