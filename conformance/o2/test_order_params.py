"""Order parameters: zero price or quantity, price off tick, notional below min_order,
and price·quantity not divisible by 10^base.decimals are refused and change nothing."""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

from tradeproof.checks import expect_outcome, require_o2_unchanged
from tradeproof.messages import o2 as msg
from tradeproof.scenarios.o2 import bad_order
from tradeproof.target import o2_snapshot

STAGE = 0  # one-request refusals: run first, so a broken target fails fast (see tradeproof.pytest_plugin)


RULES = ["O2-ORDER-ZERO", "O2-ORDER-TICK", "O2-ORDER-MIN-NOTIONAL", "O2-ORDER-FRACTIONAL"]


@pytest.mark.parametrize("rule_id", [pytest.param(r, marks=pytest.mark.rule(r), id=r) for r in RULES])
def test_bad_order_parameters_are_refused(rule_id, o2, o2_pool, o2_markets, o2_zones, examples):
    def check(draw) -> None:
        spec = o2_markets[draw(st.integers(0, len(o2_markets) - 1), "market")]
        side = draw(st.sampled_from(["Buy", "Sell"]), "side")
        kind = draw(st.sampled_from(["Spot", "PostOnly", "FillOrKill", "Market"]), "order type")
        lots = draw(st.integers(1, 3), "lots")
        bad = bad_order(rule_id, spec, o2_zones, lots, lambda lo, hi: draw(st.integers(lo, hi), "off by"))
        if bad is None:
            pytest.skip(f"the market's numbers leave no order breaking only {rule_id}")
        price, quantity = bad
        trader = o2_pool.next()
        before = o2_snapshot(o2, [trader])
        outcome = trader.submit(msg.group(spec.market_id, msg.create_order(side, price, quantity, kind)))
        expect_outcome(rule_id, outcome, detail=f"{kind} {side} price={price} quantity={quantity}")
        require_o2_unchanged(rule_id, before, o2_snapshot(o2, [trader]))

    examples(check)
