"""A batch is one transaction: if any action fails, nothing of the batch happens."""

from __future__ import annotations

import pytest

from tradeproof.checks import expect_refused, require_o2_unchanged
from tradeproof.messages import o2 as msg
from tradeproof.scenarios.o2 import Scene, cleaned
from tradeproof.target import o2_snapshot

# trades around the market's mid: with --workers, these tests share one worker
pytestmark = pytest.mark.xdist_group("o2-book")

FAILING_LAST = ["fok-unfillable", "post-only-crossing", "cancel-of-another", "bounded-inverted"]


@pytest.mark.rule("O2-ATOMIC-BATCH")
@pytest.mark.parametrize("failure", FAILING_LAST)
def test_failed_batch_changes_nothing(failure, o2, new_trader, o2_markets, o2_zones):
    maker, taker, other = new_trader("atomic-maker"), new_trader("atomic-taker"), new_trader("atomic-other")
    s = Scene(o2_markets[0], o2_zones, "O2-ATOMIC-BATCH")
    with cleaned(s.spec, maker, taker, other):
        s.rest(maker, "Sell", 0, 2 * s.q)  # the first buy takes half; the rest can still be crossed
        foreign = s.rest(other, "Buy", -6, s.q)
        last = {
            "fok-unfillable": msg.create_order("Buy", s.price(0), 5 * s.q, "FillOrKill"),
            "post-only-crossing": msg.create_order("Buy", s.price(0), s.q, "PostOnly"),
            "cancel-of-another": msg.cancel_order(foreign),
            "bounded-inverted": msg.create_order("Buy", s.price(0), s.q, msg.bounded_market(s.price(-2), s.price(2))),
        }[failure]
        earlier = [
            msg.settle_balance(msg.contract(taker.trade_account_id)),
            msg.create_order("Buy", s.price(0), s.q, "Spot"),  # would fill the maker's ask
            msg.create_order("Buy", s.price(-4), s.q, "Spot"),  # would rest
        ]
        before = o2_snapshot(o2, [maker, taker, other])
        outcome = taker.submit(msg.group(s.spec.market_id, *earlier, last))
        expect_refused(s.rule_id, outcome, detail=f"batch whose last action is {failure}")
        require_o2_unchanged(s.rule_id, before, o2_snapshot(o2, [maker, taker, other]), detail=failure)
