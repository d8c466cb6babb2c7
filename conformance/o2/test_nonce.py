"""Nonces: only the current nonce is accepted; what GET /v1/accounts reports is the
nonce the target then accepts, whatever happened before."""

from __future__ import annotations

import pytest

from tradeproof.checks import expect_accepted, expect_outcome, expect_refused, require_o2_unchanged
from tradeproof.messages import o2 as msg
from tradeproof.scenarios.o2 import unaffordable_fok
from tradeproof.signing.corrupt import O2Corruption, o2_bad_signature
from tradeproof.target import o2_snapshot

STAGE = 0  # one-request refusals: run first, so a broken target fails fast (see tradeproof.pytest_plugin)


def settle(trader, spec):
    return msg.group(spec.market_id, msg.settle_balance(msg.contract(trader.trade_account_id)))


@pytest.mark.rule("O2-NONCE-STALE")
def test_stale_nonce_is_refused(o2, new_trader, o2_markets):
    trader, spec = new_trader("stale"), o2_markets[0]
    expect_accepted("O2-NONCE-STALE", trader.submit(settle(trader, spec)))
    for back in (1, 2):
        before = o2_snapshot(o2, [trader])
        body = trader.actions_body([settle(trader, spec)], nonce=trader.nonce - back)
        expect_outcome("O2-NONCE-STALE", trader.send_actions(body), detail=f"nonce current-{back}")
        require_o2_unchanged("O2-NONCE-STALE", before, o2_snapshot(o2, [trader]))


@pytest.mark.rule("O2-NONCE-FUTURE")
@pytest.mark.parametrize("ahead", [1, 7])
def test_future_nonce_is_refused(ahead, o2, new_trader, o2_markets):
    trader, spec = new_trader("future"), o2_markets[0]
    before = o2_snapshot(o2, [trader])
    body = trader.actions_body([settle(trader, spec)], nonce=trader.nonce + ahead)
    expect_outcome("O2-NONCE-FUTURE", trader.send_actions(body), detail=f"nonce current+{ahead}")
    require_o2_unchanged("O2-NONCE-FUTURE", before, o2_snapshot(o2, [trader]))


@pytest.mark.rule("O2-NONCE-REPLAY")
def test_replayed_request_is_refused(o2, new_trader, o2_markets, o2_zones):
    trader, spec = new_trader("replay"), o2_markets[0]
    price = max(spec.tick, o2_zones.mid(spec) // 20 // spec.tick * spec.tick)
    body = trader.actions_body([msg.group(spec.market_id, msg.create_order("Buy", price, spec.quantity(price)))])
    expect_accepted("O2-NONCE-REPLAY", trader.send_actions(body))
    before = o2_snapshot(o2, [trader])
    expect_outcome("O2-NONCE-REPLAY", trader.send_actions(body), detail="the accepted body sent again")
    require_o2_unchanged("O2-NONCE-REPLAY", before, o2_snapshot(o2, [trader]))


def _refused_by_signature(trader, spec):
    digest = msg.actions_digest(trader.target.context, trader.nonce, [settle(trader, spec)])
    bad = o2_bad_signature(O2Corruption.OTHER_KEY, trader.session_key, digest)
    return trader.send_actions(trader.actions_body([settle(trader, spec)], signature=bad))


@pytest.mark.rule("O2-NONCE-REPORTED")
@pytest.mark.parametrize("before_step", ["accepted", "refused-signature", "reverted-batch"])
def test_reported_nonce_is_the_one_accepted(before_step, new_trader, o2_markets):
    trader, spec = new_trader("reported"), o2_markets[0]
    if before_step == "accepted":
        expect_accepted("O2-NONCE-REPORTED", trader.submit(settle(trader, spec)))
    elif before_step == "refused-signature":
        expect_refused("O2-NONCE-REPORTED", _refused_by_signature(trader, spec))
    else:
        expect_refused("O2-NONCE-REPORTED", unaffordable_fok(trader, spec), detail="an unaffordable FOK")
    reported = trader.refresh()
    outcome = trader.submit(settle(trader, spec))
    expect_accepted("O2-NONCE-REPORTED", outcome, detail=f"signed with the reported nonce {reported} after {before_step}")
