"""Deliberately broken targets: the reference exchange with one behaviour changed.

Each ``Broken`` breaks one rule the way real implementations go wrong; the test
``tests/test_rules_can_fail.py`` runs the conformance suite against every one and
requires that exactly that rule is reported as failing. This is the proof that no rule
check is vacuous — and the mutation catalogue the self-test measures.

Kept in the test tree: the shipped reference never contains these.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from starlette.applications import Starlette


@dataclass(frozen=True)
class Broken:
    """One single-bug variant of the reference target."""

    rule_id: str  # the rule the suite must report as failing
    name: str  # short, unique: what the bug is
    description: str  # one sentence: how a real implementation gets this wrong
    build: Callable[..., Starlette]  # build(rate_limit=True): a fresh app serving the broken target

    @property
    def id(self) -> str:
        return f"{self.rule_id}:{self.name}"


def unpaced(broken: Broken) -> Starlette:
    """The broken target without the O2 rate limit, unless the limit is its bug. The
    suite then does not pace its requests, so tests of every other rule run two to three
    times faster; the benchmarks keep the limit on, as users run it."""
    return broken.build(rate_limit=broken.rule_id == "O2-RATE-LIMIT")


def catalogue() -> list[Broken]:
    """Every broken target, O2 first."""
    from . import derive, o2

    return [*o2.BROKEN, *derive.BROKEN]
