"""Generated examples under a fuzz campaign: a timed campaign runs rounds of examples,
each seeded from the run's seed; shrinking is bounded in time, and what is reported and
kept for the replay file is then the smallest failure found so far."""

from __future__ import annotations

import math

import pytest
from hypothesis import settings
from hypothesis import strategies as st

from tradeproof.runner.campaign import CampaignOver
from tradeproof.runner.examples import ROUND, Examples

NUMBERS = st.integers(0, 10**9)
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


def timed_run(seed: int, examples: int, strategy: st.SearchStrategy = NUMBERS) -> list:
    """A timed campaign's examples until its time (here: a count) is up."""
    runner = Examples(settings=SETTINGS, rounds=True, seed=seed, key="test")
    seen: list = []

    def check(draw) -> None:
        seen.append(draw(strategy, "value"))
        if len(seen) == examples:  # after drawing: a campaign's tick ends an example, never starts one
            raise CampaignOver()

    with pytest.raises(CampaignOver):
        runner(check)
    return seen


def test_a_timed_campaign_runs_rounds_each_with_its_own_seed():
    seen = timed_run(seed=7, examples=3 * ROUND)
    rounds = [seen[i:i + ROUND] for i in range(0, len(seen), ROUND)]
    assert len(rounds) == 3 and rounds[0] != rounds[1] != rounds[2]  # the same seed every round would repeat them
    assert len(set(seen)) > 2 * ROUND  # mostly new values, not a minimal phase per round
    assert timed_run(seed=7, examples=3 * ROUND) == seen  # the run's seed makes the rounds repeatable
    assert timed_run(seed=8, examples=3 * ROUND) != seen


def test_rounds_spare_a_timed_campaign_the_minimal_examples_of_one_long_run():
    """One run with an unbounded count starts with 50 minimal examples (here: lists of
    about two elements on average); rounds of 25 start with two or three each."""
    lists = timed_run(seed=1, examples=2 * ROUND, strategy=st.lists(st.integers(0, 9), max_size=20))
    assert sum(map(len, lists)) / len(lists) > 4
