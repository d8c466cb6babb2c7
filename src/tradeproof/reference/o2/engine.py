"""``O2Exchange``: the whole O2 exchange state and every rule, behind plain methods.

The routes (``routes.py``) only translate HTTP; everything a rule says happens here,
under one lock, with no ``await`` while state changes.

``POST /v1/session/actions`` runs these steps in this order. Each is a small method, so
a "broken target" overrides exactly one to break exactly one rule (extension points):

====================  =================================================  ===============
method                refuses                                            answer
====================  =================================================  ===============
check_batch_shape     no action; > 5 actions; > 5 market groups          7003; 7004
parse_actions         what the schema refuses; an unknown market         1001; 2000
check_session         no session; another session key; expired          4001
check_nonce           a nonce other than the current one                 1001 (a)
verify_signature      not the session key over the rebuilt calls         4000
check_contract_scope  a contract outside contract_ids (registry exempt)  4001 (b)
run_atomically        runs execute_batch as one transaction              revert (c)
execute_batch         the actions in order: create_order (validate_order
                      first), cancel_order, settle_balance,
                      register_referer
====================  =================================================  ===============

``PUT /v1/session``: check_nonce, verify_owner_signature (4000), then install_session in
a transaction (expiry in the past: revert ``SessionInThePast``). Matching is the book
class's (``book_class=``; its extension points are listed in ``book.py``).

Choices where TARGET.md leaves one:

(a) A stale, future or replayed nonce is a pre-flight 1001 whose message starts "Nonce in
    the request", the marker the SDK's ``is_nonce_too_low`` looks for.
(b) Contract scope is checked before submitting (4001 "Contract not allowed"), since the
    API knows the session; so is expiry (4001 "Expired session").
(c) Everything after the pre-flight checks is on chain: the nonce is consumed first, and a
    revert (``validate_order``'s InvalidOrderArgs / PricePrecision / FractionalPrice /
    InvalidInputAmount / InvalidMarketOrderArgs, NotEnoughBalance, OrderNotFilled,
    OrderPartiallyFilled, NotOrderOwner, TradeAccountAlreadyHasReferer) undoes the whole
    batch but keeps the nonce consumed, as the SDK documentation says the chain does.
    ``GET /v1/accounts`` always reports the nonce the next request must carry.
    CancelOrder of an unknown or closed order is an accepted no-op (contract source).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from ...codes import O2Code
from ...signing import o2 as sig
from .accounts import Account, AccountRegistry, Session
from .book import Order, OrderBook
from .errors import Rejection, Revert, Reverted
from .journal import Journal
from .ledger import Ledger
from .markets import (
    ACCOUNTS_REGISTRY_ID,
    CHAIN_ID,
    FEE_ACCOUNT_ID,
    Market,
    default_markets,
    label_id,
    markets_json,
)
from .requests import (
    ActionsRequest,
    CancelOrder,
    CreateOrder,
    RegisterReferer,
    SessionRequest,
    SettleBalance,
    Step,
    batch_shape_rejection,
    checked,
    parse_actions,
    parse_session,
)
from .views import account_json, balance_json, depth_json, order_json, orders_json, orders_page

T = TypeVar("T")
MINT_WHOLE_UNITS = 10**6


class O2Exchange:
    """An in-memory O2 exchange: markets, trade accounts, sessions, books and balances."""

    def __init__(
        self,
        markets: Sequence[Market] | None = None,
        *,
        clock: Callable[[], float] = time.time,
        book_class: type[OrderBook] = OrderBook,
        chain_id: int = CHAIN_ID,
    ) -> None:
        self.markets = tuple(markets) if markets is not None else default_markets()
        self.chain_id = chain_id
        self.clock = clock
        self.journal = Journal()
        self.ledger = Ledger(self.journal)
        self.books = {
            m.market_id: book_class(m, self.ledger, self.journal, FEE_ACCOUNT_ID)
            for m in self.markets
        }
        self.accounts = AccountRegistry()
        self._markets_by_id = {m.market_id: m for m in self.markets}
        self._tx_count = 0
        self._order_count = 0
        self._markets_json = markets_json(self.markets, chain_id)
        self._lock = threading.RLock()

    # =================================================================== read endpoints

    def markets_info(self) -> dict[str, Any]:
        return self._markets_json

    def account_info(
        self, *, owner: bytes | None = None, trade_account_id: bytes | None = None
    ) -> dict[str, Any]:
        """By owner b256 (an Address owner) or by trade-account id; nulls when unknown."""
        with self._lock:
            if owner is not None:
                return account_json(self.accounts.of_owner(("Address", owner)))
            return account_json(self.accounts.get(trade_account_id or b""))

    def balance(self, asset_id: bytes, contract: bytes) -> dict[str, Any]:
        with self._lock:
            if contract != FEE_ACCOUNT_ID:
                self.accounts.require(contract)
            return balance_json(self.ledger, self.books.values(), contract, asset_id)

    def order(self, market_id: bytes, order_id: bytes) -> dict[str, Any]:
        with self._lock:
            book = self._book(market_id)
            order = book.get(order_id)
            if order is None:
                raise Rejection(O2Code.ORDER_NOT_FOUND, f"Order not found: {sig.hex0x(order_id)}")
            return {"order": order_json(order, book.market)}

    def orders(
        self,
        market_id: bytes,
        *,
        contract: bytes | None,
        is_open: bool | None,
        descending: bool,
        count: int,
        after: bytes | None,
    ) -> dict[str, Any]:
        """``GET /v1/orders``: one account's orders (everyone's without ``contract``)."""
        with self._lock:
            book = self._book(market_id)
            page = orders_page(
                book.orders_of(contract),
                is_open=is_open,
                descending=descending,
                count=count,
                after=after,
            )
            return orders_json(book, page, contract)

    def depth(self, market_id: bytes, precision: int, limit: int | None) -> dict[str, Any]:
        """``GET /v1/depth``: remaining quantity per price bucket of ``precision`` units."""
        with self._lock:
            return depth_json(self._book(market_id), precision, limit)

    # =================================================================== accounts, harness

    def create_account(self, body: Any) -> dict[str, Any]:
        """One trade account per owner; asking again returns the existing one."""
        ((variant, text),) = checked("o2/account_create_request", body)["identity"].items()
        if variant != "Address":
            raise Rejection(
                O2Code.INVALID_REQUEST,
                "ProxyOwnerIsContract: a contract cannot own a trade account",
            )
        with self._lock:
            account = self.accounts.open((variant, sig.parse_b256(text)), self._now_ms())
            return {
                "trade_account_id": sig.hex0x(account.trade_account_id),
                "nonce": str(account.nonce),
            }

    def mint(self, body: Any) -> dict[str, Any]:
        """Credit a trading balance (``POST /_harness/o2/mint``, also the SDK's faucet)."""
        request = checked("harness/o2_mint_request", body)
        assets = {a.asset_id: a for m in self.markets for a in (m.base, m.quote)}
        if "asset" in request:
            grants = {sig.parse_b256(request["asset"]): sig.parse_u64(request["amount"])}
            if not grants.keys() <= assets.keys():
                raise Rejection(O2Code.INVALID_REQUEST, f"{request['asset']} is not traded here")
        else:
            grants = {i: MINT_WHOLE_UNITS * 10**a.decimals for i, a in assets.items()}
        with self._lock:
            account = self.accounts.require(sig.parse_b256(request["contract"]))
            self.ledger.mint(account.trade_account_id, grants)
        minted = [{"asset": sig.hex0x(a), "amount": str(n)} for a, n in grants.items()]
        return {"message": f"Minted to {request['contract']}", "minted": minted}

    # =================================================================== session update

    def update_session(self, body: Any) -> dict[str, Any]:
        """``PUT /v1/session``: verify the owner, consume a nonce, replace the session."""
        request = parse_session(body)
        if request.session[0] != "Address":
            raise Rejection(
                O2Code.INVALID_REQUEST,
                "session_id must be an Address: session keys are Fuel addresses",
            )
        with self._lock:
            account = self.accounts.require(request.trade_account_id)
            self.check_nonce(account, request.nonce)
            self.verify_owner_signature(account, request)
            tx_id = self._consume_nonce(account)
            try:
                self.run_atomically(lambda: self.install_session(account, request))
            except Revert as revert:
                raise Reverted(revert.payload(tx_id, "set_session", request.nonce)) from None
        return {
            "tx_id": tx_id,
            "trade_account_id": sig.hex0x(account.trade_account_id),
            "contract_ids": [sig.hex0x(c) for c in request.contract_ids],
            "session_id": {"Address": sig.hex0x(request.session[1])},
            "session_expiry": str(request.expiry),
        }

    def verify_owner_signature(self, account: Account, request: SessionRequest) -> None:
        """The owner's personal-sign signature over exactly the session's fields (4000)."""
        message = sig.session_signing_bytes(
            request.nonce, self.chain_id, request.session[1], request.expiry, request.contract_ids
        )
        if not sig.owner_signer_is(request.signature, message, account.owner[1]):
            raise Rejection(
                O2Code.INVALID_SIGNATURE,
                "Invalid signature: not the owner's signature over this session",
            )

    def install_session(self, account: Account, request: SessionRequest) -> None:
        """The contract's set_session: reverts for an expiry in the past or no contracts."""
        if request.expiry < self.clock():
            raise Revert("SessionInThePast", f"Session in past: expiry {request.expiry}")
        if not request.contract_ids:
            raise Revert(
                "NoApprovedContractIdsProvided", "Session must specify at least one contracts"
            )
        session = Session(request.session[1], request.expiry, request.contract_ids)
        self.journal.set_attr(account, "session", session)

    # =================================================================== session actions

    def session_actions(self, body: Any) -> dict[str, Any]:
        """``POST /v1/session/actions``: the pre-flight checks, then one atomic batch."""
        self.check_batch_shape(body)
        request = self.parse_actions(body)
        with self._lock:
            account = self.accounts.require(request.trade_account_id)
            self.check_session(account, request)
            self.check_nonce(account, request.nonce)
            self.verify_signature(account, request)
            self.check_contract_scope(account, request)
            tx_id = self._consume_nonce(account)
            try:
                created = self.run_atomically(lambda: self.execute_batch(account, request))
            except Revert as revert:
                raise Reverted(revert.payload(tx_id, "SessionCallPayload", request.nonce)) from None
            result: dict[str, Any] = {"tx_id": tx_id}
            if request.collect_orders:
                result["orders"] = [order_json(o, m) for o, m in created]
            return result

    def check_batch_shape(self, body: Any) -> None:
        rejection = batch_shape_rejection(body)
        if rejection is not None:
            raise rejection

    def parse_actions(self, body: Any) -> ActionsRequest:
        return parse_actions(body, self._markets_by_id, ACCOUNTS_REGISTRY_ID)

    def check_session(self, account: Account, request: ActionsRequest) -> None:
        session = account.session
        if session is None:
            raise Rejection(O2Code.INVALID_SESSION, "No session found")
        if request.session != ("Address", session.address):
            raise Rejection(
                O2Code.INVALID_SESSION, "Invalid session address: not the account's current session"
            )
        if self.clock() > session.expiry:
            raise Rejection(O2Code.INVALID_SESSION, f"Expired session: expired at {session.expiry}")

    def check_nonce(self, account: Account, nonce: int) -> None:
        if nonce != account.nonce:
            raise Rejection(
                O2Code.INVALID_REQUEST,
                f"Nonce in the request ({nonce}) is not the account's nonce ({account.nonce})",
            )

    def verify_signature(self, account: Account, request: ActionsRequest) -> None:
        assert account.session is not None  # check_session ran first
        digest = sig.actions_digest(request.nonce, [step.call for step in request.steps])
        if not sig.session_signer_is(request.signature, digest, account.session.address):
            raise Rejection(
                O2Code.INVALID_SIGNATURE, "Invalid signature: does not recover to the session key"
            )

    def check_contract_scope(self, account: Account, request: ActionsRequest) -> None:
        assert account.session is not None
        for step in request.steps:
            contract = step.call.contract_id
            if contract != ACCOUNTS_REGISTRY_ID and not account.session.allows(contract):
                raise Rejection(
                    O2Code.INVALID_SESSION, f"Contract not allowed: {sig.hex0x(contract)}"
                )

    def run_atomically(self, work: Callable[[], T]) -> T:
        """Run ``work`` as one transaction: if it raises, nothing it changed remains."""
        with self.journal.transaction():
            return work()

    def execute_batch(
        self, account: Account, request: ActionsRequest
    ) -> list[tuple[Order, Market]]:
        """Every action in request order; returns the orders created (for collect_orders)."""
        created: list[tuple[Order, Market]] = []
        for step in request.steps:
            action = step.action
            if isinstance(action, CreateOrder):
                created.append((self.create_order(account, step), step.market))
            elif isinstance(action, CancelOrder):
                self.cancel_order(account, step.market, action)
            elif isinstance(action, SettleBalance):
                self.settle_balance(step.market, action)
            else:
                self.register_referer(account, action)
        return created

    def validate_order(self, market: Market, order: CreateOrder) -> None:
        """The order book's argument checks (``protocol/o2.md`` §4.1); each reverts."""
        prices = [order.price] if order.limit_price is None else [order.price, order.limit_price]
        if order.quantity == 0 or 0 in prices:
            raise Revert("InvalidOrderArgs", "price and quantity must be non-zero")
        if any(p % market.tick for p in prices):
            raise Revert("PricePrecision", f"price must be a multiple of {market.tick}")
        if order.price * order.quantity % market.base_unit:
            raise Revert(
                "FractionalPrice", f"price·quantity must be divisible by 10^{market.base.decimals}"
            )
        if market.quote_value(order.price, order.quantity) < market.min_order:
            raise Revert("InvalidInputAmount", f"order value is below min_order {market.min_order}")
        if order.bounds is not None and order.bounds[1] < order.bounds[0]:
            raise Revert("InvalidMarketOrderArgs", "BoundedMarket max_price is below min_price")

    def create_order(self, account: Account, step: Step) -> Order:
        """Forward the signed call's coins and place the order on the book."""
        action = step.action
        assert isinstance(action, CreateOrder)
        self.validate_order(step.market, action)
        self.ledger.debit(account.trade_account_id, step.call.asset_id, step.call.amount)
        price = action.price
        if action.limit_price is not None:  # Limit: the tighter of price and limit price
            price = (
                min(price, action.limit_price)
                if action.side == "Buy"
                else max(price, action.limit_price)
            )
        order = Order(
            order_id=self._next_order_id(price, action),
            owner=account.trade_account_id,
            side=action.side,
            kind=action.kind,
            order_type=action.order_type,
            price=price,
            quantity=action.quantity,
            timestamp=self._now_ms(),
            bounds=action.bounds,
        )
        self.books[step.market.market_id].place(order, step.call.amount)
        return order

    def cancel_order(self, account: Account, market: Market, action: CancelOrder) -> None:
        self.books[market.market_id].cancel(action.order_id, account.trade_account_id)

    def settle_balance(self, market: Market, action: SettleBalance) -> None:
        """Settle the proceeds of ``to`` (a trade account) to its own trading balance."""
        variant, trader = action.to
        if variant == "ContractId":  # only trade accounts (contracts) hold proceeds
            self.books[market.market_id].settle(trader)

    def register_referer(self, account: Account, action: RegisterReferer) -> None:
        if account.referer is not None:
            raise Revert(
                "TradeAccountAlreadyHasReferer", "this trade account already has a referer"
            )
        self.journal.set_attr(account, "referer", action.referer)

    # =================================================================== audits

    def minted(self) -> dict[bytes, int]:
        """Total minted per asset."""
        with self._lock:
            return self.ledger.minted()

    def supply(self) -> dict[bytes, int]:
        """Per asset, everything held anywhere (trading, unlocked, locked, fees)."""
        with self._lock:
            held: dict[bytes, int] = {}
            for _holder, asset, amount in self.ledger.holdings():
                held[asset] = held.get(asset, 0) + amount
            for book in self.books.values():
                quote, base = book.market.quote.asset_id, book.market.base.asset_id
                for order in book.orders_of():
                    if order.open:
                        asset = quote if order.is_buy else base
                        held[asset] = held.get(asset, 0) + order.locked
            return held

    # =================================================================== internals

    def _book(self, market_id: bytes) -> OrderBook:
        book = self.books.get(market_id)
        if book is None:
            raise Rejection(O2Code.MARKET_NOT_FOUND, f"Market not found: {sig.hex0x(market_id)}")
        return book

    def _consume_nonce(self, account: Account) -> str:
        account.nonce += 1
        account.last_modification = self._now_ms()
        self._tx_count += 1
        return sig.hex0x(label_id(f"tx/{self._tx_count}"))

    def _next_order_id(self, price: int, action: CreateOrder) -> bytes:
        """u64 number ‖ u64 price ‖ u64 side ‖ u64 order type, as the contract source builds it."""
        self.journal.set_attr(self, "_order_count", self._order_count + 1)
        side = 0 if action.side == "Buy" else 1
        return b"".join(
            sig.u64(v)
            for v in (self._order_count, price, side, sig.ORDER_TYPE_VARIANTS[action.kind])
        )

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)
