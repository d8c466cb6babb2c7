"""Order parameters: zero price or quantity, price off tick, notional below min_order,
and price·quantity not divisible by 10^base.decimals are refused and change nothing."""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

from tradeproof.checks import expect_outcome, require_o2_unchanged
from tradeproof.messages import o2 as msg
from tradeproof.target import o2_snapshot

STAGE = 0  # one-request refusals: run first, so a broken target fails fast (see tradeproof.pytest_plugin)


def _bad_order(rule_id, spec, zones, lots, draw):
    """(price, quantity) breaking only ``rule_id`` (as far as the market's numbers allow)."""
    price = max(spec.tick, zones.mid(spec) // 20 // spec.tick * spec.tick)
    good_qty = spec.lots(price, lots)
    if rule_id == "O2-ORDER-ZERO":
        return (0, good_qty) if draw(st.booleans(), "zero price") else (price, 0)
    if rule_id == "O2-ORDER-TICK":
        if spec.tick == 1:
            pytest.skip("the market's tick is 1: no price is off tick")
        off = price + draw(st.integers(1, spec.tick - 1), "off tick by")
        return off, spec.quantity(off, lots)
    if rule_id == "O2-ORDER-MIN-NOTIONAL":
        step = spec.quantity_step(price)
        if spec.notional(price, step) >= spec.min_order:
            pytest.skip("the market's min_order is below one quantity step")
        return price, step
    price += spec.tick  # off a whole number of quote units, so not every quantity divides
    if spec.quantity_step(price) == 1:
        pytest.skip("every quantity is whole at this price")
    return price, spec.lots(price, lots) + draw(st.integers(1, spec.quantity_step(price) - 1), "fraction")


RULES = ["O2-ORDER-ZERO", "O2-ORDER-TICK", "O2-ORDER-MIN-NOTIONAL", "O2-ORDER-FRACTIONAL"]


@pytest.mark.parametrize("rule_id", [pytest.param(r, marks=pytest.mark.rule(r), id=r) for r in RULES])
def test_bad_order_parameters_are_refused(rule_id, o2, o2_pool, o2_markets, o2_zones, examples):
    def check(draw) -> None:
        spec = o2_markets[draw(st.integers(0, len(o2_markets) - 1), "market")]
        side = draw(st.sampled_from(["Buy", "Sell"]), "side")
        kind = draw(st.sampled_from(["Spot", "PostOnly", "FillOrKill", "Market"]), "order type")
        lots = draw(st.integers(1, 3), "lots")
        price, quantity = _bad_order(rule_id, spec, o2_zones, lots, draw)
        trader = o2_pool.next()
        before = o2_snapshot(o2, [trader])
        outcome = trader.submit(msg.group(spec.market_id, msg.create_order(side, price, quantity, kind)))
        expect_outcome(rule_id, outcome, detail=f"{kind} {side} price={price} quantity={quantity}")
        require_o2_unchanged(rule_id, before, o2_snapshot(o2, [trader]))

    examples(check)
