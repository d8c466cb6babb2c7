"""Broken Derive targets that only a sequence of requests shows.

Each passes the fixed conformance suite (``tradeproof run --protocol derive``): the bug
needs a flow the rule scenarios never take — a sell quote with a perp leg, a second
quote on an RFQ that was filled or cancelled, a position traded through zero. The
model-based fuzzer (``fuzz/derive/test_stateful.py``) must find each one. Not part of
``catalogue()``: ``tests/stateful`` runs the fuzzer against ``BROKEN_STATEFUL``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import Decimal

from starlette.applications import Starlette

from tradeproof.codes import DeriveCode as C
from tradeproof.reference import create_app
from tradeproof.reference.derive.accounts import Position, Subaccount, Transfer
from tradeproof.reference.derive.engine import DeriveExchange
from tradeproof.reference.derive.errors import RpcError
from tradeproof.reference.derive.rfq import Quote, Rfq

from . import Broken


def _app(exchange: type[DeriveExchange]) -> Callable[..., Starlette]:
    return lambda rate_limit=True: create_app(derive=exchange(), protocols=["derive"], rate_limit=rate_limit)


class PerpCashSignInSellQuotes(DeriveExchange):
    """Perps settle cash apart from options (derive.md §1.4 gives them their own price
    term); in a *sell* quote the taker is credited a perp leg's cash with the wrong sign,
    so every such fill creates (or destroys) 2 · price · amount USDC."""

    def settlement_transfers(
        self, quote: Quote, taker: Subaccount, taker_fee: Decimal, maker_fee: Decimal
    ) -> list[Transfer]:
        transfers = super().settlement_transfers(quote, taker, taker_fee, maker_fee)
        if quote.direction != "sell":
            return transfers
        wrong = Decimal(0)
        for leg in quote.legs:
            if self.instruments[leg.instrument_name].kind == "perp":
                maker_delta = leg.amount if leg.direction == "sell" else -leg.amount  # leg sign · (−1)
                wrong += 2 * leg.price * maker_delta  # the taker gets −price·δ instead of +price·δ
        taker_side = transfers[1]
        transfers[1] = dataclasses.replace(taker_side, cash=taker_side.cash - wrong)
        return transfers


class ClosesOnlyTheFirstQuote(DeriveExchange):
    """Keeps one "primary" quote per RFQ in mind: filling or cancelling the RFQ closes
    only its first quote, and an execution checks the quote's own status, not the
    RFQ's — so a second quote on a filled or cancelled RFQ still executes."""

    def _close_quotes_of(self, rfq: Rfq, now_ms: int) -> None:
        quotes = self.book.quotes_of_rfq(rfq.rfq_id)
        first = quotes[0] if quotes else None
        if first is not None and first.status == "open":
            first.status, first.cancel_reason, first.updated_ms = "cancelled", "rfq_no_longer_open", now_ms

    def check_open(self, quote: Quote, rfq: Rfq) -> None:
        status = quote.status_at(self.now(), rfq)
        if status != "open":
            raise RpcError(C.QUOTE_OR_RFQ_NOT_OPEN, f"quote {quote.quote_id} is {status}")


class FlipDropsTheOldPosition(DeriveExchange):
    """A fill that takes a position through zero (long to short or back) records only
    the trade's amount: the old position is dropped instead of netted."""

    def settle(self, transfers: list[Transfer]) -> None:
        flipped: list[tuple[Subaccount, str, Decimal, Decimal]] = []
        for transfer in transfers:
            sub = self.accounts.subaccount(transfer.subaccount_id)
            for name, delta, price in transfer.legs:
                held = sub.positions.get(name) if sub is not None else None
                if sub is None or held is None:
                    continue
                after = held.amount + delta
                if after != 0 and (held.amount > 0) != (after > 0):  # through zero
                    flipped.append((sub, name, delta, price))
        super().settle(transfers)
        for sub, name, delta, price in flipped:
            sub.positions[name] = Position(delta, price)


BROKEN_STATEFUL: list[Broken] = [
    Broken("DRV-ATOMIC-SETTLE", "perp-cash-sign-in-sell-quotes",
           "In a sell quote, the taker gets a perp leg's cash with the wrong sign (a leak of 2·price·amount).",
           _app(PerpCashSignInSellQuotes)),
    Broken("DRV-QUOTE-NOT-OPEN", "closes-only-the-first-quote",
           "Filling or cancelling an RFQ closes only its first quote, so a second quote still executes.",
           _app(ClosesOnlyTheFirstQuote)),
    Broken("DRV-ATOMIC-SETTLE", "flip-drops-old-position",
           "A fill that takes a position through zero records the trade's amount, dropping the old position.",
           _app(FlipDropsTheOldPosition)),
]
