"""One order against a drawn O2 book: makers rest a few orders on one side of a market
(or one maker a near and a far level with a gap between), a taker sends one order of
any type across them, one or two follow-ups come (cancels of part-filled or filled
orders, a second order), and after every request the target is compared with the model
(the same machine and model as ``test_stateful.py``, driven by short scenes instead of
a long random walk: a few requests reach the books that order-type, priority and fee
bugs need; see ``tradeproof.stateful.o2_scenes``)."""

from __future__ import annotations

import pytest

from tradeproof.stateful.base import replay_steps
from tradeproof.stateful.o2_machine import RULES, o2_machine
from tradeproof.stateful.o2_scenes import scene_steps, scenes

# trades around the market's mid: with --workers, these tests share one worker
pytestmark = pytest.mark.xdist_group("o2-book")


@pytest.mark.fuzz_weight(10)  # a few requests per example, most O2 order rules: the largest O2 share
@pytest.mark.rule(*RULES)
def test_one_order_against_a_drawn_book(o2, new_trader, o2_markets, o2_zones, campaign, examples):
    # no tick inside: an example ticks once, at its end; three crews of traders in turn
    # (under a per-owner rate limit, an example then need not wait for the previous one's)
    machine = o2_machine(o2, new_trader, o2_markets, o2_zones, crews=3)
    if examples.replaying:
        replay_steps(machine, examples.stored("steps"))
        return

    def check(draw) -> None:
        steps = scene_steps(draw(scenes(), "scene"))
        machine.forget()
        try:
            replay_steps(machine, steps)
        finally:
            examples.keep("steps", machine.last_steps)
        campaign.tick(rules=RULES)

    with campaign.running():
        examples(check)
