"""Generated examples for a test — or the exact examples of a replay file.

A conformance test hands its check to ``examples(check)``; the check draws values with
``draw(strategy, label)``. In a normal run that is Hypothesis (shrinking included), and
the draws of the last example run — the minimal failing one when a test fails — are
kept for the replay file. Replaying a file calls the check once with its stored draws.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from hypothesis import given
from hypothesis import strategies as st

from ..strategies import serial


class Draw(Protocol):
    def __call__(self, strategy: st.SearchStrategy[Any], label: str) -> Any: ...


class ReplayMismatch(Exception):
    """The replay file's draws do not fit this test (another tradeproof version?)."""


class Examples:
    """Runs a check over generated values, remembering the last example's draws."""

    def __init__(self, replay_draws: Mapping[str, Any] | None = None) -> None:
        self.replay_draws = replay_draws
        self.last: dict[str, Any] = {}

    def __call__(self, check: Callable[[Draw], None]) -> None:
        if self.replay_draws is not None:
            self._replay(check)
            return

        @given(data=st.data())
        def run(data: st.DataObject) -> None:
            drawn: dict[str, Any] = {}
            self.last = drawn

            def draw(strategy: st.SearchStrategy[Any], label: str) -> Any:
                if label in drawn:
                    raise ValueError(f"label {label!r} drawn twice in one example")
                drawn[label] = data.draw(strategy, label=label)
                return drawn[label]

            check(draw)

        run()

    def _replay(self, check: Callable[[Draw], None]) -> None:
        stored = {label: serial.load(value) for label, value in (self.replay_draws or {}).items()}
        self.last = dict(stored)

        def draw(strategy: st.SearchStrategy[Any], label: str) -> Any:
            if label not in stored:
                raise ReplayMismatch(f"the replay file has no value for {label!r}")
            return stored[label]

        check(draw)

    def dumped(self) -> dict[str, Any] | None:
        """The last example's draws, JSON-ready (None if the test drew nothing or a value
        cannot be stored)."""
        if not self.last:
            return None
        try:
            return {label: serial.dump(value) for label, value in self.last.items()}
        except TypeError:
            return None
