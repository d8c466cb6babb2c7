"""Cancels, referers, and the cases the sources leave open (checked only for invariants)."""

from __future__ import annotations

import pytest

from tradeproof.checks import expect_accepted, expect_outcome, fault_if_faulty, require, require_o2_unchanged
from tradeproof.messages import o2 as msg
from tradeproof.scenarios.o2 import Scene, cleaned, open_ids, place
from tradeproof.signing.keys import Key
from tradeproof.target import o2_snapshot

# trades around the market's mid: with --workers, these tests share one worker
pytestmark = pytest.mark.xdist_group("o2-book")


def _only(snapshot, trader):
    """The part of a snapshot that belongs to one account."""
    mine = trader.trade_account_id
    return type(snapshot)(
        {k: v for k, v in snapshot.balances.items() if k[0] == mine}, {k: v for k, v in snapshot.orders.items() if k[0] == mine}
    )


@pytest.mark.rule("O2-CANCEL-OTHERS")
def test_cancel_of_another_accounts_order_is_refused(o2, new_trader, o2_markets, o2_zones):
    owner, intruder = new_trader("owner"), new_trader("intruder")
    s = Scene(o2_markets[0], o2_zones, "O2-CANCEL-OTHERS")
    with cleaned(s.spec, owner):
        order = s.rest(owner, "Buy", -3, s.q)
        before = o2_snapshot(o2, [owner, intruder])
        outcome = intruder.submit(msg.group(s.spec.market_id, msg.cancel_order(order)))
        expect_outcome(s.rule_id, outcome, detail="cancel of another account's order")
        require_o2_unchanged(s.rule_id, before, o2_snapshot(o2, [owner, intruder]))
        require(s.rule_id, order in open_ids(owner, s.spec), "the order still open", "it is gone")


@pytest.mark.parametrize(
    ("rule_id", "field"),
    [pytest.param("O2-REFERER", "referer", marks=pytest.mark.rule("O2-REFERER"), id="referer"),
     pytest.param("O2-REFERER-TO", "to", marks=pytest.mark.rule("O2-REFERER-TO"), id="to")],
)
def test_register_referer(rule_id, field, new_trader, o2_markets):
    trader = new_trader(f"referee-{field}")
    referer = msg.address(Key.derive("tradeproof-referer", trader.label).fuel_address)
    outcome = trader.submit(msg.group(o2_markets[0].market_id, msg.register_referer(referer, field=field)))
    expect_outcome(rule_id, outcome, detail=f"RegisterReferer with `{field}`, registry not in contract_ids")


@pytest.mark.rule("O2-UNSPECIFIED-SAFE")
@pytest.mark.rule("O2-CONSERVATION")
@pytest.mark.parametrize("case", ["cancel-unknown", "cancel-filled", "self-trade"])
def test_open_cases_keep_the_invariants(case, o2, new_trader, o2_markets, o2_zones):
    trader, bystander = new_trader("open-case"), new_trader("bystander")
    s = Scene(o2_markets[0], o2_zones, "O2-UNSPECIFIED-SAFE")
    with cleaned(s.spec, trader, bystander):
        s.rest(bystander, "Buy", -40, s.q)
        if case == "cancel-unknown":
            action = msg.cancel_order("0x" + "7e" * 32)
        elif case == "cancel-filled":
            order = s.rest(trader, "Sell", 1, s.q)
            expect_accepted(s.rule_id, place(bystander, s.spec, "Buy", s.price(1), s.q, "FillOrKill"))
            action = msg.cancel_order(order)
        else:
            s.rest(trader, "Sell", 1, s.q)
            action = msg.create_order("Buy", s.price(1), 2 * s.q, "Market")
        before = o2_snapshot(o2, [trader, bystander])
        fault_if_faulty(trader.submit(msg.group(s.spec.market_id, action)))
        after = o2_snapshot(o2, [trader, bystander])
        require_o2_unchanged(s.rule_id, _only(before, bystander), _only(after, bystander), detail=f"{case}: a bystander's state")
        if case != "self-trade":  # no trade in this step: whatever the target chose, no money appears
            for asset in (s.spec.base_asset, s.spec.quote_asset):
                require("O2-CONSERVATION", after.total(asset) <= before.total(asset),
                        f"total of {asset[:10]}… not above {before.total(asset)}", f"{after.total(asset)}", detail=case)
        if case == "self-trade":
            leftover = [o for o in o2.open_orders(s.spec.market_id, trader.trade_account_id) if o.get("side") == "Buy"]
            require(s.rule_id, not leftover, "no resting Market remainder", f"{leftover}")
