"""Generated examples under a fuzz campaign: shrinking is bounded in time, and what is
reported and kept for the replay file is then the smallest failure found so far."""

from __future__ import annotations

import math

import pytest
from hypothesis import settings
from hypothesis import strategies as st

from tradeproof.runner.examples import Examples

SETTINGS = settings(max_examples=1000, database=None, deadline=None, report_multiple_bugs=False)


def failing_run(shrink_seconds: float) -> tuple[Examples, list[int], AssertionError]:
    runner = Examples(settings=SETTINGS, shrink_seconds=shrink_seconds)
    seen: list[int] = []

    def check(draw) -> None:
        n = draw(st.integers(0, 10**9), "n")
        seen.append(n)
        if n >= 1000:
            raise AssertionError(f"n = {n}")

    with pytest.raises(AssertionError) as failure:
        runner(check)
    return runner, [n for n in seen if n >= 1000], failure.value


def test_without_a_budget_shrinking_runs_to_the_end():
    runner, _, failure = failing_run(math.inf)
    assert str(failure) == "n = 1000" and runner.dumped() == {"n": 1000}


def test_a_spent_budget_reports_the_latest_failure_and_keeps_its_draws():
    runner, failing, failure = failing_run(0.0)  # spent at once: no shrinking at all
    assert len(failing) == 1
    assert str(failure) == f"n = {failing[0]}" and runner.dumped() == {"n": failing[0]}
