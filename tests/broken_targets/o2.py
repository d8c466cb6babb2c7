"""Broken O2 targets: one ``O2Exchange`` or ``OrderBook`` subclass per rule."""

from __future__ import annotations

from . import Broken

BROKEN: list[Broken] = []
