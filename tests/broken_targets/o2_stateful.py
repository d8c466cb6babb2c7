"""Broken O2 targets only a sequence of steps reveals: the fixed conformance scenarios
pass on each (``tradeproof run --protocol o2`` exits 0), the model-based fuzzer
(``fuzz/o2/test_stateful.py``) finds each.

Not in ``catalogue()``: that list is the proof that every rule's conformance test can
fail; these prove the fuzzer finds what those tests cannot. Each is the reference with
one ``OrderBook`` method overridden (extension points in ``reference/o2/book.py``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette

from tradeproof.reference import create_app
from tradeproof.reference.o2 import O2Exchange, Order, OrderBook

from . import Broken


def app_of(book: type[OrderBook]) -> Callable[..., Starlette]:
    """A fresh O2-only reference app on a (broken) order book."""
    return lambda rate_limit=True: create_app(o2=O2Exchange(book_class=book), protocols=["o2"], rate_limit=rate_limit)


class CrowdedLevelsServeNewest(OrderBook):
    """A level is kept in a small array whose read index is only maintained up to two
    entries: from the third order on, the level is served from the back (newest first)."""

    def next_maker(self, level: deque[Order]) -> Order:
        return level[-1] if len(level) >= 3 else level[0]


class PartialFillFeeSignSlip(OrderBook):
    """Partial maker fills go through a "rebate" path that adds the maker fee where it
    should subtract it: the maker gets its proceeds plus the fee, and the fee account
    is paid as well (money appears, only on partly filled resting orders with fees)."""

    def _fill(self, taker: Order, maker: Order, quantity: int) -> int:
        partial = quantity < maker.remaining
        quote = super()._fill(taker, maker, quantity)
        if partial:
            market = self.market
            received, asset = (quantity, market.base.asset_id) if maker.is_buy else (quote, market.quote.asset_id)
            self._ledger.credit_unlocked(self.contract_id, maker.owner, asset, 2 * self.fee(received, market.maker_fee))
        return quote


class CancelRefundsOriginalLock(OrderBook):
    """Cancelling a partly filled order returns what the whole order locked when it was
    placed, not what is still locked behind its remainder."""

    def cancel(self, order_id: bytes, caller: bytes) -> Any:
        order = self.get(order_id)
        if order is None or not order.open or order.owner != caller or not order.filled:
            return super().cancel(order_id, caller)
        market = self.market
        original = market.quote_value(order.price, order.quantity) if order.is_buy else order.quantity
        extra = original - order.locked
        done = super().cancel(order_id, caller)
        self._ledger.credit(order.owner, market.quote.asset_id if order.is_buy else market.base.asset_id, extra)
        return done


BROKEN_STATEFUL: list[Broken] = [
    Broken("O2-PRICE-TIME-PRIORITY", "fifo-from-three",
           "A price level holding three or more orders fills its newest order first.",
           app_of(CrowdedLevelsServeNewest)),
    Broken("O2-CONSERVATION", "partial-fill-fee-sign",
           "On a partial maker fill the maker fee is added to the maker's proceeds instead of deducted.",
           app_of(PartialFillFeeSignSlip)),
    Broken("O2-CONSERVATION", "cancel-refunds-original-lock",
           "Cancelling a partly filled order refunds the whole original lock.",
           app_of(CancelRefundsOriginalLock)),
]
