"""Broken Derive targets: one ``DeriveExchange`` subclass per rule."""

from __future__ import annotations

from . import Broken

BROKEN: list[Broken] = []
