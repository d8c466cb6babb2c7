"""Atomic batches, CancelOrder, SettleBalance and RegisterReferer (TARGET.md §1, o2.md §4.3-4.4)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tradeproof.messages import o2 as msg
from tradeproof.signing import o2 as sig

from .support import Trader
from .test_order_types import P1, P2, P3, Q, cost, depth, group, order, place


def both(*traders: Trader) -> list[dict[str, Any]]:
    return [t.state() for t in traders]


# --------------------------------------------------------------------------- atomicity


@pytest.mark.parametrize(
    "failing",
    [
        order("Buy", P3, 10 * Q, "FillOrKill"),  # not fillable
        order("Sell", P1 - 2000, Q, "PostOnly"),  # would fill Bob's bid at P1 - 2000
        order("Buy", P1, 10**15, "Spot"),  # more quote than Alice has
        order("Buy", P1 + 1, Q, "Spot"),  # off tick
        msg.register_referer(msg.address(b"\x01" * 32)),  # the second referer of the batch
    ],
    ids=["fok", "post-only", "balance", "tick", "referer-twice"],
)
def test_a_failing_last_action_undoes_the_whole_batch(
    alice: Trader, bob: Trader, eth: sig.MarketRef, failing: dict[str, Any]
) -> None:
    (resting,) = place(alice, eth, order("Sell", P3, Q))
    place(bob, eth, order("Sell", P1, Q), order("Buy", P1 - 2000, Q))
    before, book, nonce = both(alice, bob), depth(alice, eth), alice.nonce()
    answer = alice.act(
        group(
            eth,
            order("Buy", P2, Q),  # fills Bob's ask at P1
            msg.cancel_order(resting["order_id"]),
            msg.settle_balance(alice.identity),
            msg.register_referer(msg.address(bob.owner_b256)),
            failing,
        )
    ).json()
    assert "tx_id" not in answer and answer["receipts"] is None, answer
    assert both(alice, bob) == before and depth(alice, eth) == book
    assert alice.nonce() == nonce + 1
    # the referer registration was undone too: Alice can still register one
    alice.ok(group(eth, msg.register_referer(msg.address(bob.owner_b256))))


def test_actions_run_in_request_order(alice: Trader, eth: sig.MarketRef) -> None:
    answer = alice.ok(group(eth, order("Sell", P2, Q), order("Buy", P2, Q)))
    sell, buy = answer["orders"]
    assert sell["close"] is True and buy["quantity_fill"] == str(
        Q
    )  # the buy met the sell placed before it


# --------------------------------------------------------------------------- cancel


def test_cancel_returns_locked_funds(alice: Trader, eth: sig.MarketRef) -> None:
    quote_before = alice.trading(eth.quote_asset)
    (bid,) = place(alice, eth, order("Buy", P1, Q))
    assert alice.trading(eth.quote_asset) == quote_before - cost(P1, Q)
    assert alice.balance(eth.quote_asset)["total_locked"] == str(cost(P1, Q))
    alice.ok(group(eth, msg.cancel_order(bid["order_id"])))
    assert alice.trading(eth.quote_asset) == quote_before
    assert alice.balance(eth.quote_asset)["total_locked"] == "0"
    (closed,) = alice.orders(eth)
    assert (closed["close"], closed["cancel"]) == (True, True)
    assert depth(alice, eth) == ([], [])


def test_cancel_of_another_accounts_order_reverts_and_keeps_it(
    alice: Trader, bob: Trader, eth: sig.MarketRef
) -> None:
    (ask,) = place(bob, eth, order("Sell", P1, Q))
    before, nonce = both(alice, bob), alice.nonce()
    answer = alice.act(group(eth, msg.cancel_order(ask["order_id"]))).json()
    assert "tx_id" not in answer and "NotOrderOwner" in answer["reason"]
    assert both(alice, bob) == before and alice.nonce() == nonce + 1
    assert depth(alice, eth) == ([], [(P1, Q)])


def test_cancel_of_unknown_or_filled_order_is_a_no_op(
    alice: Trader, bob: Trader, eth: sig.MarketRef
) -> None:
    (ask,) = place(alice, eth, order("Sell", P1, Q))
    place(bob, eth, order("Buy", P1, Q))  # fills it
    before = alice.state()
    alice.ok(group(eth, msg.cancel_order(ask["order_id"]), msg.cancel_order(b"\x42" * 32)))
    assert alice.state() == before


def test_cancel_in_another_market_group_does_not_find_the_order(
    alice: Trader, eth: sig.MarketRef, btc: sig.MarketRef
) -> None:
    (ask,) = place(alice, eth, order("Sell", P1, Q))
    alice.ok(msg.group(btc.market_id, msg.cancel_order(ask["order_id"])))
    assert alice.orders(eth, is_open=True)[0]["order_id"] == ask["order_id"]


# --------------------------------------------------------------------------- settle


def test_settle_moves_proceeds_to_the_trading_balance(
    alice: Trader, bob: Trader, eth: sig.MarketRef
) -> None:
    place(bob, eth, order("Sell", P1, Q))
    base_before = alice.trading(eth.base_asset)
    place(alice, eth, order("Buy", P1, Q))
    book = sig.hex0x(eth.contract_id)
    assert alice.balance(eth.base_asset)["order_books"][book]["unlocked"] == str(Q)
    alice.ok(group(eth, msg.settle_balance(alice.identity)))
    balance = alice.balance(eth.base_asset)
    assert balance["order_books"][book]["unlocked"] == "0"
    assert alice.trading(eth.base_asset) == base_before + Q
    # Bob's proceeds can be settled by anyone, and only to Bob
    bob_total = int(bob.balance(eth.quote_asset)["total_unlocked"])
    alice.ok(group(eth, msg.settle_balance(bob.identity)))
    assert bob.trading(eth.quote_asset) == bob_total


def test_settle_with_nothing_owed_is_a_no_op(alice: Trader, eth: sig.MarketRef) -> None:
    before = alice.state()
    alice.ok(
        group(
            eth,
            msg.settle_balance(alice.identity),
            msg.settle_balance(msg.address(alice.owner_b256)),
        )
    )
    assert alice.state() == before


# --------------------------------------------------------------------------- referer


@pytest.mark.parametrize("field", ["referer", "to"])
def test_register_referer_once(alice: Trader, bob: Trader, eth: sig.MarketRef, field: str) -> None:
    referer = msg.register_referer(msg.address(bob.owner_b256), field=field)
    alice.ok(group(eth, referer))
    answer = alice.act(group(eth, referer)).json()
    assert "tx_id" not in answer and "TradeAccountAlreadyHasReferer" in answer["reason"]


def test_register_referer_is_not_subject_to_contract_ids(
    make_trader: Callable[..., Trader], eth: sig.MarketRef, btc: sig.MarketRef
) -> None:
    gina = make_trader("gina", session=False)
    gina.open_session(contract_ids=[eth.contract_id])
    gina.ok(msg.group(btc.market_id, msg.register_referer(msg.contract(b"\x09" * 32))))
