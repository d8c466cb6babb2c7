"""The O2 model-based fuzzer: random batches from several traders, and after every step
the target compared with an independent model of TARGET.md §1 (books with price-time
priority, all six order types, atomic batches, balances within fee bounds, nonces)."""

from __future__ import annotations

import pytest

from tradeproof.stateful.base import replay_steps
from tradeproof.stateful.o2_machine import RULES, o2_machine

# trades around the market's mid: with --workers, these tests share one worker
pytestmark = pytest.mark.xdist_group("o2-book")


@pytest.mark.fuzz_weight(5)  # long runs (sessions renewed, books built over many steps); the scenes take the order rules
@pytest.mark.rule(*RULES)
def test_o2_matches_its_model(o2, new_trader, o2_markets, o2_zones, campaign, examples):
    machine = o2_machine(o2, new_trader, o2_markets, o2_zones, tick=campaign.tick)
    if examples.replaying:
        replay_steps(machine, examples.stored("steps"))
        return
    try:
        with campaign.running():
            machine.run(campaign.hypothesis_settings(stateful_steps=25))
    finally:
        examples.keep("steps", machine.failing_steps())
