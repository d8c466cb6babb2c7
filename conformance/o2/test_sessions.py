"""Sessions: expiry, revocation by a newer session, and the allowed contracts."""

from __future__ import annotations

import time

import pytest

from tradeproof.checks import expect_accepted, expect_outcome, require_o2_unchanged
from tradeproof.messages import o2 as msg
from tradeproof.signing.keys import Key
from tradeproof.target import o2_snapshot

EXPIRY_MARGIN = 2  # seconds of clock difference tolerated between suite and target


def order_group(spec, zones):
    price = max(spec.tick, zones.mid(spec) // 20 // spec.tick * spec.tick)
    return msg.group(spec.market_id, msg.create_order("Buy", price, spec.quantity(price)))


@pytest.mark.rule("O2-SESSION-EXPIRY-PAST")
@pytest.mark.parametrize("seconds_ago", [60, 86_400])
def test_session_expiring_in_the_past_is_refused(seconds_ago, new_trader):
    trader = new_trader("past", session=False)
    key = Key.derive("tradeproof-past", trader.label)
    outcome = trader.open_session(key, expiry=int(time.time()) - seconds_ago)
    expect_outcome("O2-SESSION-EXPIRY-PAST", outcome, detail=f"expiry {seconds_ago}s ago")


@pytest.mark.rule("O2-SESSION-EXPIRED")
def test_actions_after_expiry_are_refused(o2, new_trader, o2_markets, o2_zones):
    trader, spec = new_trader("expiring"), o2_markets[0]
    expiry = int(time.time()) + EXPIRY_MARGIN
    expect_accepted("O2-SESSION-EXPIRED", trader.open_session(Key.derive("tradeproof-expiring", trader.label), expiry=expiry))
    time.sleep(max(0.0, expiry + EXPIRY_MARGIN + 0.5 - time.time()))
    before = o2_snapshot(o2, [trader])
    expect_outcome("O2-SESSION-EXPIRED", trader.submit(order_group(spec, o2_zones)), detail="session expired")
    require_o2_unchanged("O2-SESSION-EXPIRED", before, o2_snapshot(o2, [trader]))


@pytest.mark.rule("O2-SESSION-REVOKED")
def test_new_session_revokes_the_old(o2, new_trader, o2_markets, o2_zones):
    trader, spec = new_trader("revoke"), o2_markets[0]
    old_key = trader.session_key
    expect_accepted("O2-SESSION-REVOKED", trader.open_session(Key.derive("tradeproof-newer", trader.label)))
    before = o2_snapshot(o2, [trader])
    body = trader.actions_body([order_group(spec, o2_zones)], session_key=old_key)
    expect_outcome("O2-SESSION-REVOKED", trader.send_actions(body), detail="signed by the replaced session key")
    require_o2_unchanged("O2-SESSION-REVOKED", before, o2_snapshot(o2, [trader]))
    expect_accepted("O2-SESSION-REVOKED", trader.submit(order_group(spec, o2_zones)), detail="the new session works")


@pytest.mark.rule("O2-SESSION-CONTRACTS")
def test_contract_outside_the_session_is_refused(o2, new_trader, o2_markets, o2_zones):
    if len(o2_markets) < 2:
        pytest.skip("the target lists one market; scoping needs two")
    trader = new_trader("scope")
    allowed, other = o2_markets[0], o2_markets[1]
    key = Key.derive("tradeproof-scoped", trader.label)
    expect_accepted("O2-SESSION-CONTRACTS", trader.open_session(key, contract_ids=[allowed.contract_bytes]))
    settle_other = msg.group(other.market_id, msg.settle_balance(msg.contract(trader.trade_account_id)))
    outside = {  # every call is checked, not only the first one or only orders
        "market outside contract_ids": [order_group(other, o2_zones)],
        "allowed market first, then one outside": [order_group(allowed, o2_zones), order_group(other, o2_zones)],
        "SettleBalance on a market outside contract_ids": [settle_other],
    }
    for what, groups in outside.items():
        before = o2_snapshot(o2, [trader])
        expect_outcome("O2-SESSION-CONTRACTS", trader.submit(*groups), detail=what)
        require_o2_unchanged("O2-SESSION-CONTRACTS", before, o2_snapshot(o2, [trader]), detail=what)
    expect_accepted("O2-SESSION-CONTRACTS", trader.submit(order_group(allowed, o2_zones)), detail="allowed market")
