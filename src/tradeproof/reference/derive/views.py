"""Read-only methods: time, instruments, subaccounts, and the RFQ/quote polling views."""

from __future__ import annotations

from typing import Any

from ...codes import DeriveCode as C
from .accounts import Scope, Subaccount
from .auth import Caller
from .checks import RuleChecks
from .errors import RpcError
from .numbers import EXACT, fmt
from .params import Params
from .registry import rpc
from .rfq import Quote, matching, paginate


class ReadMethods(RuleChecks):
    """Mixin of :class:`~.engine.DeriveExchange`: the methods that change nothing."""

    @rpc("public/get_time")
    def public_get_time(self, p: Params) -> int:
        return self.now_ms()

    @rpc("public/get_instruments")
    def public_get_instruments(self, p: Params) -> list[dict[str, Any]]:
        currency = p.text("currency").upper()
        kind = p.choice("instrument_type", ("erc20", "option", "perp"))
        expired = p.boolean("expired")
        now = self.now()
        return [
            i.to_json(now)
            for i in self.instruments.values()
            if i.currency == currency
            and i.kind == kind
            and (i.expiry is not None and i.expiry <= now) == expired
        ]

    @rpc("public/get_instrument")
    def public_get_instrument(self, p: Params) -> dict[str, Any]:
        name = p.text("instrument_name")
        instrument = self.instruments.get(name)
        if instrument is None:
            raise RpcError(C.INSTRUMENT_NOT_FOUND, f"unknown instrument {name!r}")
        return instrument.to_json(self.now())

    # ================================================================ account methods

    @rpc("private/get_subaccount", Scope.READ_ONLY)
    def private_get_subaccount(self, p: Params, caller: Caller) -> dict[str, Any]:
        return self.subaccount_json(self.owned_subaccount(caller, p.uint("subaccount_id")))

    @rpc("private/get_subaccounts", Scope.READ_ONLY)
    def private_get_subaccounts(self, p: Params, caller: Caller) -> dict[str, Any]:
        wallet = p.address("wallet")
        if wallet != caller.wallet:
            raise RpcError(C.WALLET_HEADER_MISMATCH, f"header wallet is {caller.wallet}")
        account = self.accounts.wallet(wallet)
        return {"wallet": wallet, "subaccount_ids": list(account.subaccount_ids) if account else []}

    @rpc("private/poll_rfqs", Scope.READ_ONLY)
    def private_poll_rfqs(self, p: Params, caller: Caller) -> dict[str, Any]:
        """RFQs a maker may quote: every RFQ without counterparties, or naming its wallet."""
        self.owned_subaccount(caller, p.uint("subaccount_id"))
        rfq_id, sender = p.text("rfq_id", None), p.uint("rfq_subaccount_id", None)
        status = p.choice("status", ("open", "filled", "cancelled", "expired"), None)
        start, end = p.uint("from_timestamp", 0), p.uint("to_timestamp", None)
        now_ms = self.now_ms()
        rfqs = matching(
            self.book.rfqs.values(),
            lambda r: r.visible_to(caller.wallet),
            lambda r: rfq_id is None or r.rfq_id == rfq_id,
            lambda r: sender is None or r.subaccount_id == sender,
            lambda r: status is None or r.status_at(now_ms) == status,
            lambda r: start <= r.created_ms and (end is None or r.created_ms <= end),
        )
        page, pagination = paginate(rfqs, p.uint("page", None), p.uint("page_size", None))
        return {"rfqs": [r.to_json(now_ms, public=True) for r in page], "pagination": pagination}

    @rpc("private/get_quotes", Scope.READ_ONLY)
    def private_get_quotes(self, p: Params, caller: Caller) -> dict[str, Any]:
        """The maker's own quotes (private view)."""
        sub = self.owned_subaccount(caller, p.uint("subaccount_id"))
        quotes = [self.book.quotes[q] for q in self.book.quotes_by_subaccount.get(sub.id, ())]
        return self._quote_page(p, quotes, public=False)

    @rpc("private/poll_quotes", Scope.READ_ONLY)
    def private_poll_quotes(self, p: Params, caller: Caller) -> dict[str, Any]:
        """The taker's view of quotes on its own RFQs (public quote view)."""
        sub = self.owned_subaccount(caller, p.uint("subaccount_id"))
        quotes = [
            q
            for rfq_id in self.book.rfqs_by_subaccount.get(sub.id, ())
            for q in self.book.quotes_of_rfq(rfq_id)
        ]
        return self._quote_page(p, quotes, public=True)

    def _quote_page(self, p: Params, quotes: list[Quote], *, public: bool) -> dict[str, Any]:
        quote_id, rfq_id = p.text("quote_id", None), p.text("rfq_id", None)
        status = p.choice("status", ("open", "filled", "cancelled", "expired"), None)
        start, end = p.uint("from_timestamp", 0), p.uint("to_timestamp", None)
        now = self.now()
        with_status = [(q, q.status_at(now, self.book.rfqs[q.rfq_id])) for q in quotes]
        selected = matching(
            with_status,
            lambda qs: quote_id is None or qs[0].quote_id == quote_id,
            lambda qs: rfq_id is None or qs[0].rfq_id == rfq_id,
            lambda qs: status is None or qs[1] == status,
            lambda qs: start <= qs[0].created_ms and (end is None or qs[0].created_ms <= end),
        )
        page, pagination = paginate(selected, p.uint("page", None), p.uint("page_size", None))
        views = [q.to_public_json(s) if public else q.to_json(s) for q, s in page]
        return {"quotes": views, "pagination": pagination}

    def subaccount_json(self, sub: Subaccount) -> dict[str, Any]:
        summary = self.margin.summary(sub, self.instruments)
        positions = []
        for name in sorted(sub.positions):
            position, instrument = sub.positions[name], self.instruments[name]
            positions.append(
                {
                    "instrument_name": name,
                    "instrument_type": instrument.kind,
                    "amount": fmt(position.amount),
                    "average_price": fmt(position.average_price),
                    "mark_price": fmt(instrument.mark_price),
                    "mark_value": fmt(EXACT.multiply(position.amount, instrument.mark_price)),
                }
            )
        return {
            "subaccount_id": sub.id,
            "wallet": sub.wallet,
            "currency": "USDC",
            "margin_type": "SM",
            "collaterals": [{"asset_name": "USDC", "currency": "USDC", "amount": fmt(sub.cash)}],
            "positions": positions,
            "initial_margin": fmt(summary.initial_margin),
            "maintenance_margin": fmt(summary.maintenance_margin),
            "subaccount_value": fmt(summary.value),
        }
