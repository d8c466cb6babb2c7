"""Running a long fuzz campaign in passes over its tests.

pytest runs each test once, in order: in a one-hour campaign the tests near the end of
the order would start only after the long slices of those before them, so a bug any
test finds in seconds could wait most of the hour. Here the fuzz tests run once per
pass (``Campaign.pass_ends``: 1 min, then 2, 4, … minutes), each taking its weight's
share of the pass. A pass before the last runs a test without reporting it: a test
that fails (or is skipped, or is not a fuzz test) is reported at once and not run again;
one that passes runs again in the next pass, and the last pass reports it. So every
test has one report, as in a run without passes.

As pytest-rerunfailures does, a test is run again through ``runtestprotocol``, and
the next test to run is always named, so fixtures are torn down only when no test
still to come needs them. Each pass draws new examples: the round seeds of
``tradeproof.runner.examples`` include the pass, and the seed pytest's ``--hypothesis-seed``
gives state machines is derived anew for each pass.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from _pytest.runner import runtestprotocol
from hypothesis import core as hypothesis_core

from .campaign import Campaign


def uses_passes(session: pytest.Session, campaign: Campaign) -> bool:
    """Passes only for a timed campaign long enough for two, in one process (xdist
    schedules tests itself), when tests will run (not a replay, not --collect-only)."""
    config = session.config
    if config.option.collectonly or config.getoption("tradeproof_replay", None):
        return False
    if config.pluginmanager.has_plugin("dsession") or hasattr(config, "workerinput"):
        return False
    return len(campaign.pass_ends()) > 1


def _is_fuzz(item: pytest.Item) -> bool:
    return "campaign" in getattr(item, "fixturenames", ())


def run_in_passes(session: pytest.Session, campaign: Campaign) -> None:
    """pytest's run loop, once per pass over the fuzz tests (see the module docstring)."""
    reported = campaign.reported
    passes = len(campaign.pass_ends())
    for index in range(passes):
        campaign.begin_pass(index)
        last_pass = index == passes - 1
        todo = [item for item in session.items if item.nodeid not in reported]
        with _pass_seed(index):
            for position, item in enumerate(todo):
                nextitem = todo[position + 1] if position + 1 < len(todo) else _first_of_next_pass(session, reported, last_pass)
                if last_pass:
                    item.config.hook.pytest_runtest_protocol(item=item, nextitem=nextitem)
                else:
                    _run_unreported(item, nextitem, reported)
                if session.shouldfail:
                    raise session.Failed(session.shouldfail)
                if session.shouldstop:
                    raise session.Interrupted(session.shouldstop)


def _first_of_next_pass(session: pytest.Session, reported: set[str], last_pass: bool) -> pytest.Item | None:
    if last_pass:
        return None
    return next((item for item in session.items if item.nodeid not in reported and _is_fuzz(item)), None)


def _run_unreported(item: pytest.Item, nextitem: pytest.Item | None, reported: set[str]) -> None:
    """Run ``item``; report it now only if this run settles it (failed, skipped, or not a
    fuzz test, which runs once)."""
    ihook = item.ihook
    reports = runtestprotocol(item, log=False, nextitem=nextitem)
    if _is_fuzz(item) and all(report.passed for report in reports):
        return  # runs again in the next pass, which reports it
    ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    for report in reports:
        ihook.pytest_runtest_logreport(report=report)
    ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    reported.add(item.nodeid)


@contextmanager
def _pass_seed(index: int) -> Iterator[None]:
    """For passes after the first, a seed derived from ``--hypothesis-seed`` and the pass
    (the Hypothesis pytest plugin sets ``global_force_seed`` from that option)."""
    seed = hypothesis_core.global_force_seed
    if index == 0 or seed is None:
        yield
        return
    hypothesis_core.global_force_seed = zlib.crc32(f"{seed}:pass:{index}".encode())
    try:
        yield
    finally:
        hypothesis_core.global_force_seed = seed
