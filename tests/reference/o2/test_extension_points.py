"""Overriding one documented method of ``O2Exchange`` / ``OrderBook`` breaks exactly that rule.

The suite builds its broken targets this way; these tests prove each extension point is
the one place its rule is enforced (the same scenario passes on the real exchange).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tradeproof.messages import o2 as msg
from tradeproof.reference import create_app
from tradeproof.reference.o2 import O2Exchange, Order, OrderBook
from tradeproof.signing.corrupt import O2Corruption, o2_bad_signature
from tradeproof.signing.keys import Key

from .support import FakeClock, InProcessClient, Trader
from .test_order_types import P1, P2, Q, group, order, place


class SkipsSignature(O2Exchange):
    def verify_signature(self, account: Any, request: Any) -> None:
        pass


class AcceptsOldNonces(O2Exchange):
    def check_nonce(self, account: Any, nonce: int) -> None:
        if nonce > account.nonce:
            super().check_nonce(account, nonce)


class NeverRollsBack(O2Exchange):
    def run_atomically(self, work: Callable[[], Any]) -> Any:
        return work()


class IgnoresScope(O2Exchange):
    def check_contract_scope(self, account: Any, request: Any) -> None:
        pass


class LifoBook(OrderBook):
    def next_maker(self, level: deque[Order]) -> Order:
        return level[-1]


class PostOnlyTakes(OrderBook):
    def check_post_only(self, order: Order) -> None:
        pass


class GreedyFees(OrderBook):
    def fee(self, amount: int, rate: int) -> int:
        return -(-amount * rate // 10**6)  # rounds up


_clients: list[InProcessClient] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _clients:
        _clients.pop().close()


def trader_on(exchange: O2Exchange, label: str, **session: Any) -> Trader:
    client = InProcessClient(create_app(o2=exchange, protocols=["o2"], rate_limit=False))
    _clients.append(client)
    ctx = msg.O2Context.from_markets_json(exchange.markets_info())
    trader = Trader(client, ctx, Key.derive("o2-extension", label))
    trader.create_account()
    trader.mint()
    trader.open_session(**session)
    return trader


def bad_signature(exchange: O2Exchange) -> bool:
    alice = trader_on(exchange, "alice")
    eth = exchange.markets[0].ref
    groups = [group(eth, order("Sell", P1, Q))]
    nonce = alice.nonce()
    assert alice.session_key is not None
    digest = msg.actions_digest(alice.ctx, nonce, groups)
    bad = o2_bad_signature(O2Corruption.OTHER_KEY, alice.session_key, digest)
    return "tx_id" in alice.act(*groups, nonce=nonce, signature=bad).json()


def replay(exchange: O2Exchange) -> bool:
    alice = trader_on(exchange, "alice")
    body = alice.body(group(exchange.markets[0].ref, order("Sell", P1, Q)))
    alice.send(body)
    return "tx_id" in alice.send(body).json()


def partial_batch(exchange: O2Exchange) -> bool:
    alice = trader_on(exchange, "alice")
    eth = exchange.markets[0].ref
    alice.act(
        group(
            eth,
            order("Sell", P1, Q),
            order("Buy", P1, Q, "FillOrKill"),
            order("Buy", P2, 10 * Q, "FillOrKill"),
        )
    )
    return bool(alice.orders(eth))


def out_of_scope(exchange: O2Exchange) -> bool:
    eth, btc = (m.ref for m in exchange.markets)
    alice = trader_on(exchange, "alice", contract_ids=[eth.contract_id])
    return "tx_id" in alice.act(msg.group(btc.market_id, msg.cancel_order(b"\x01" * 32))).json()


def second_maker_first(exchange: O2Exchange) -> bool:
    alice, bob = trader_on(exchange, "alice"), trader_on(exchange, "bob")
    eth = exchange.markets[0].ref
    first, _second = place(bob, eth, order("Sell", P1, Q), order("Sell", P1, Q))
    place(alice, eth, order("Buy", P1, Q))
    return first["order_id"] in {o["order_id"] for o in bob.orders(eth, is_open=True)}


def post_only_fills(exchange: O2Exchange) -> bool:
    alice, bob = trader_on(exchange, "alice"), trader_on(exchange, "bob")
    eth = exchange.markets[0].ref
    place(bob, eth, order("Sell", P1, Q))
    return "tx_id" in alice.act(group(eth, order("Buy", P1, Q, "PostOnly"))).json()


def fee_rounds_up(exchange: O2Exchange) -> bool:
    alice, bob = trader_on(exchange, "alice"), trader_on(exchange, "bob")
    btc = exchange.markets[1].ref
    place(bob, btc, order("Sell", 60_000 * 10**9, 10_001))
    place(alice, btc, order("Buy", 60_000 * 10**9, 10_001))
    received = int(alice.balance(btc.base_asset)["total_unlocked"]) - alice.trading(btc.base_asset)
    return received < 10_001 - 10_001 * 500 // 10**6


@pytest.mark.parametrize(
    ("scenario", "exchange_class", "book_class"),
    [
        (bad_signature, SkipsSignature, OrderBook),
        (replay, AcceptsOldNonces, OrderBook),
        (partial_batch, NeverRollsBack, OrderBook),
        (out_of_scope, IgnoresScope, OrderBook),
        (second_maker_first, O2Exchange, LifoBook),
        (post_only_fills, O2Exchange, PostOnlyTakes),
        (fee_rounds_up, O2Exchange, GreedyFees),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_one_override_breaks_one_rule(
    scenario: Callable[[O2Exchange], bool],
    exchange_class: type[O2Exchange],
    book_class: type[OrderBook],
) -> None:
    assert scenario(O2Exchange(clock=FakeClock())) is False
    assert scenario(exchange_class(clock=FakeClock(), book_class=book_class)) is True
