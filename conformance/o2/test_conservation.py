"""Conservation: per asset, the accounts' totals change only by minting and by fees, and
each side's fee is at most floor(received · fee / 10^6)."""

from __future__ import annotations

import pytest

from tradeproof.checks import expect_accepted, require, require_conserved
from tradeproof.messages import o2 as msg
from tradeproof.scenarios.o2 import Scene, cleaned
from tradeproof.target import o2_snapshot

# trades around the market's mid: with --workers, these tests share one worker
pytestmark = pytest.mark.xdist_group("o2-book")


@pytest.mark.rule("O2-CONSERVATION")
@pytest.mark.parametrize("market_index", [0, 1])
def test_trading_moves_money_only_by_fees(market_index, o2, new_trader, o2_markets, o2_zones, tradeproof_context):
    if market_index >= len(o2_markets):
        pytest.skip("the target lists fewer markets")
    spec = o2_markets[market_index]
    maker, taker = new_trader("cons-maker"), new_trader("cons-taker")
    s = Scene(spec, o2_zones, "O2-CONSERVATION")
    with cleaned(spec, maker, taker):
        s.rest(maker, "Sell", 0, s.q)
        s.rest(maker, "Buy", -4, s.q)
        before = o2_snapshot(o2, [maker, taker])
        both = msg.group(
            spec.market_id,
            msg.create_order("Buy", s.price(0), s.q, "FillOrKill"),
            msg.create_order("Sell", s.price(-4), s.q, "FillOrKill"),
        )
        expect_accepted(s.rule_id, taker.submit(both))
        after = o2_snapshot(o2, [maker, taker])
        quote_1, quote_2 = spec.notional(s.price(0), s.q), spec.notional(s.price(-4), s.q)
        bound = {
            spec.quote_asset: spec.fee(quote_1, spec.maker_fee) + spec.fee(quote_2, spec.taker_fee),
            spec.base_asset: spec.fee(s.q, spec.taker_fee) + spec.fee(s.q, spec.maker_fee),
        }
        for asset, most in bound.items():
            paid = before.total(asset) - after.total(asset)
            require(s.rule_id, 0 <= paid <= most, f"fees paid in {asset[:10]}… between 0 and {most}", f"{paid}")

        if tradeproof_context.harness("o2") is not None:
            amount = 12345 * spec.lot
            expect_accepted(s.rule_id, o2.mint(maker.trade_account_id, spec.base_asset, amount))
            require_conserved(s.rule_id, after, o2_snapshot(o2, [maker, taker]), minted={spec.base_asset: amount})
