"""A fuzz campaign's budget and counters: how long, how many examples, what was seen.

``tradeproof fuzz --duration 10m`` shares the time among the fuzz tests (each gets its
weight's slice of what is left when it starts); ``--max-examples N`` bounds each test by
count instead. A long campaign goes over the tests in passes of growing length (1 min,
2 min, 4 min, …, the last taking what is left, ``pass_ends``), so what a one-minute
campaign finds, a one-hour campaign finds in its first minute too, instead of after the
long slices of the tests before it. Fuzz tests call ``tick()`` once per example or
state-machine step; when the slice is spent it raises ``CampaignOver`` — a ``BaseException``, so Hypothesis
stops at once instead of treating it as a failure to shrink — and the test ends
normally. The counters feed the live progress display.

In a timed campaign, tests built on ``examples`` run in rounds of a few dozen examples,
each with its own seed (``tradeproof.runner.examples``): Hypothesis starts every run
with minimal examples, a tenth of ``max_examples`` up to 50, which for a test of several
requests per example would take its whole slice. Shrinking after a find has
``shrink_seconds``; then the smallest failure found so far is the one reported.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from hypothesis import HealthCheck, Phase, settings

from .profiles import EXAMPLES

UNBOUNDED = 10**9
FIRST_PASS = 60.0  # seconds: the first pass over the fuzz tests of a long campaign


class CampaignOver(BaseException):
    """The campaign's time for this test is spent (not an error)."""


@dataclass
class Campaign:
    """Shared by all fuzz tests of a run."""

    duration: float | None = None  # seconds for the whole campaign
    max_examples: int | None = None
    profile: str = "full"
    started: float = field(default_factory=time.monotonic)
    examples: int = 0
    failures: int = 0
    rules_seen: set[str] = field(default_factory=set)
    test_deadline: float | None = None
    failed_in_test: bool = False  # once a failure is found, time no longer stops the test (shrinking) …
    shrink_seconds: float = 20.0  # … but shrinking has this long
    timeline: list[dict[str, float]] = field(default_factory=list)  # one sample a second, for reports
    first_pass: float = FIRST_PASS  # seconds
    pass_index: int = 0  # which pass over the fuzz tests is running (see ``pass_ends``)
    reported: set[str] = field(default_factory=set)  # tests a pass settled: not run again
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def timed(self) -> bool:
        """Bounded by time, not by a count of examples."""
        return self.duration is not None and self.max_examples is None

    @property
    def deadline(self) -> float | None:
        return None if self.duration is None else self.started + self.duration

    def pass_ends(self) -> list[float]:
        """When each pass over the fuzz tests ends, in seconds from the start: passes of
        ``first_pass``, then twice as long each time, while there is room for this pass
        and a longer one after it; the last pass takes the rest. One pass unless timed."""
        if not self.timed or self.duration is None:
            return [math.inf]
        ends, at, length = [], 0.0, self.first_pass
        while self.duration - at >= 3 * length:
            at += length
            ends.append(at)
            length *= 2
        return [*ends, self.duration]

    def begin_pass(self, index: int) -> None:
        self.pass_index = index

    @property
    def pass_deadline(self) -> float | None:
        if self.deadline is None:
            return None
        ends = self.pass_ends()
        return min(self.deadline, self.started + ends[min(self.pass_index, len(ends) - 1)])

    def begin_test(self, weight: float = 1.0, weights_left: float = 1.0) -> None:
        """Give the next test its share of the time that is left: ``weight`` out of the
        ``weights_left`` of the tests still to run (a state machine weighs more than one
        Schemathesis operation) within this pass."""
        self.failed_in_test = False
        end = self.pass_deadline
        if end is None:
            self.test_deadline = None
            return
        left = max(0.0, end - time.monotonic())
        self.test_deadline = time.monotonic() + left * weight / max(weight, weights_left)

    def note_failure(self) -> None:
        """The running test found a failure: let Hypothesis finish with it."""
        self.failed_in_test = True

    def tick(self, n: int = 1, rules: tuple[str, ...] = ()) -> None:
        """Count ``n`` examples (or steps); stop the test when its time is up."""
        with self._lock:
            self.examples += n
            self.rules_seen.update(rules)
            self._sample()
        if self.test_deadline is not None and not self.failed_in_test and time.monotonic() > self.test_deadline:
            raise CampaignOver()

    @contextmanager
    def running(self) -> Iterator[None]:
        """Wrap a fuzz test's work: the end of its time slice ends it quietly."""
        try:
            yield
        except CampaignOver:
            pass

    def add_examples(self, n: int, rules: tuple[str, ...] = ()) -> None:
        """Count examples run elsewhere (xdist workers report theirs with each result)."""
        with self._lock:
            self.examples += n
            self.rules_seen.update(rules)
            self._sample(force=True)

    def record_failure(self) -> None:
        with self._lock:
            self.failures += 1
            self._sample(force=True)

    def _sample(self, force: bool = False) -> None:
        elapsed = time.monotonic() - self.started
        if force or not self.timeline or elapsed - self.timeline[-1]["t"] >= 1.0:
            last = self.timeline[-1] if self.timeline else {"t": 0.0, "examples": 0}
            span = elapsed - last["t"]
            rate = (self.examples - last["examples"]) / span if span > 0 else 0.0
            self.timeline.append(
                {"t": round(elapsed, 3), "examples": self.examples, "examples_per_s": round(rate, 2),
                 "failures": self.failures, "pass": self.pass_index}
            )

    def hypothesis_settings(self, stateful_steps: int = 30) -> settings:
        """Settings for a fuzz test: bounded by time (huge example count) or by count."""
        if self.max_examples is not None:
            examples = self.max_examples
        elif self.duration is not None:
            examples = UNBOUNDED
        else:
            examples = EXAMPLES.get(self.profile, EXAMPLES["full"])
        return settings(
            max_examples=examples,
            stateful_step_count=stateful_steps,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink),
            print_blob=False,
            # one failure per test, shrunk and reported: the replay file keeps the last
            # example run, which must be the failure the report shows
            report_multiple_bugs=False,
        )

    @property
    def rate(self) -> float:
        """Examples (or steps) per second so far."""
        elapsed = time.monotonic() - self.started
        return self.examples / elapsed if elapsed > 0 else 0.0


def parse_duration(text: str | float | int) -> float:
    """``90``, ``90s``, ``10m``, ``1h`` → seconds; raises ValueError otherwise."""
    if isinstance(text, (int, float)):
        seconds = float(text)
    else:
        raw = text.strip().lower()
        scale = {"s": 1, "m": 60, "h": 3600}.get(raw[-1:], None)
        number = raw[:-1] if scale else raw
        seconds = float(number) * (scale or 1)
    if not seconds > 0:
        raise ValueError(f"a duration must be positive, not {text!r}")
    return seconds
