"""Generated examples for a test — or the exact examples of a replay file.

A conformance test hands its check to ``examples(check)``; the check draws values with
``draw(strategy, label)``. In a normal run that is Hypothesis (shrinking included), and
the draws of the last example run — the minimal failing one when a test fails — are
kept for the replay file. Replaying a file calls the check once with its stored draws.
A fuzz campaign bounds shrinking in time (``shrink_seconds``): when that is spent, the
smallest failure found so far is the one reported and kept.
"""

from __future__ import annotations

import itertools
import math
import time
import zlib
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from hypothesis import given
from hypothesis import seed as hypothesis_seed
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from ..errors import TargetFault
from ..strategies import serial

ROUND = 25  # examples per round in a timed campaign


class Draw(Protocol):
    def __call__(self, strategy: st.SearchStrategy[Any], label: str) -> Any: ...


class ReplayMismatch(Exception):
    """The replay file's draws do not fit this test (another tradeproof version?)."""


class Examples:
    """Runs a check over generated values, remembering the last example's draws."""

    def __init__(
        self, replay_draws: Mapping[str, Any] | None = None, key: str = "", settings: Any = None, campaign: Any = None,
        shrink_seconds: float = math.inf, rounds: bool = False, seed: int | None = None,
    ) -> None:
        self.campaign = campaign
        self.rounds = rounds  # a timed campaign: rounds of ROUND examples until the time is up
        self.seed = seed  # the run's Hypothesis seed (None: unseeded, the example database in use)
        self.shrink_seconds = shrink_seconds  # after the first failure: time to find a smaller one
        self.replay_draws = replay_draws
        self.key = key  # the test's node id: its own entries in the example database
        self.settings = settings  # a fuzz campaign's settings (None: the profile's)
        self.last: dict[str, Any] = {}

    def __call__(self, check: Callable[[Draw], None]) -> None:
        if self.replay_draws is not None:
            self._replay(check)
            return

        best: list[tuple[dict[str, Any], AssertionError]] = []  # the latest (smallest) failing example
        found_at: list[float] = []

        def shrinking_spent() -> bool:
            return bool(found_at) and time.monotonic() - found_at[0] >= self.shrink_seconds

        def example(data: st.DataObject) -> None:
            drawn: dict[str, Any] = {}
            self.last = drawn

            def draw(strategy: st.SearchStrategy[Any], label: str) -> Any:
                if label in drawn:
                    raise ValueError(f"label {label!r} drawn twice in one example")
                drawn[label] = data.draw(strategy, label=label)
                return drawn[label]

            try:
                check(draw)
            except TargetFault as fault:
                raise _Fault(fault) from None  # not something to shrink: stop at once
            except AssertionError as failure:
                if self.campaign is not None:
                    self.campaign.note_failure()  # a find: the time budget must not cut its shrinking
                found_at[:] = found_at or [time.monotonic()]
                best[:] = [(self.last, failure)]  # Hypothesis only tries smaller examples once one fails
                if shrinking_spent():
                    raise _ShrinkSpent() from None
                raise
            # stopping must come last in an example: Hypothesis records what it drew, and an
            # example that stopped drawing early makes it report flaky data generation
            if shrinking_spent():
                raise _ShrinkSpent()

        if self.key:
            # every check is run by this same inner function, so without a key of its own
            # each test would read the others' saved examples (Hypothesis' pytest plugin
            # keys parametrised tests the same way)
            example._hypothesis_internal_add_digest = self.key.encode()  # type: ignore[attr-defined]
        try:
            for number in itertools.count() if self.rounds else [0]:
                self._round(example, number)
        except _Fault as wrapped:
            raise wrapped.fault from None
        except _ShrinkSpent:
            self.last, failure = best[0]  # the replay file keeps the smallest failure found
            raise failure from None

    def _round(self, example: Callable[[st.DataObject], None], number: int) -> None:
        """One Hypothesis run. A timed campaign runs rounds of ``ROUND`` examples until its
        time ends (``tick`` raises): Hypothesis spends the first tenth of a run's
        ``max_examples`` (up to 50) on minimal examples, which for a test of several
        requests per example would be a whole slice of the campaign. Each round has its
        own seed, drawn from ``seed`` when the run is seeded."""
        settings = self.settings
        if self.rounds:
            settings = hypothesis_settings(settings, max_examples=ROUND)
        test = given(data=st.data())(example)
        if settings is not None:
            test = settings(test)
        if self.rounds and self.seed is not None:
            passed = getattr(self.campaign, "pass_index", 0)  # a later pass of the campaign: other seeds
            where = f"{self.key}:{number}" if not passed else f"{self.key}:pass{passed}:{number}"
            test = hypothesis_seed(zlib.crc32(f"{self.seed}:{where}".encode()))(test)
        test()

    def _replay(self, check: Callable[[Draw], None]) -> None:
        stored = {label: serial.load(value) for label, value in (self.replay_draws or {}).items()}
        self.last = dict(stored)

        def draw(strategy: st.SearchStrategy[Any], label: str) -> Any:
            if label not in stored:
                raise ReplayMismatch(f"the replay file has no value for {label!r}")
            return stored[label]

        check(draw)

    @property
    def replaying(self) -> bool:
        return self.replay_draws is not None

    def stored(self, label: str) -> Any:
        """A value a replay file holds under ``label`` (raw JSON form, for steps)."""
        if self.replay_draws is None or label not in self.replay_draws:
            raise ReplayMismatch(f"the replay file has no {label!r}")
        return self.replay_draws[label]

    def keep(self, label: str, value: Any) -> None:
        """Keep a value that was not drawn (e.g. a state machine's steps) for the replay file.
        Stored as given: it must already be JSON-ready."""
        self.last = {**self.last, label: _Raw(value)}

    def dumped(self) -> dict[str, Any] | None:
        """The last example's draws, JSON-ready (None if the test drew nothing or a value
        cannot be stored)."""
        if not self.last:
            return None
        try:
            return {label: v.value if isinstance(v, _Raw) else serial.dump(v) for label, v in self.last.items()}
        except TypeError:
            return None


class _Fault(BaseException):
    """Carries a target fault out of Hypothesis, which stops at once for a BaseException."""

    def __init__(self, fault: TargetFault) -> None:
        super().__init__(str(fault))
        self.fault = fault


class _ShrinkSpent(BaseException):
    """Shrinking has had its time: stop Hypothesis (a BaseException stops it at once)."""


class _Raw:
    """A JSON-ready value kept as is."""

    def __init__(self, value: Any) -> None:
        self.value = value
