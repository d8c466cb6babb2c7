"""Broken O2 targets: one ``O2Exchange`` or ``OrderBook`` subclass per rule.

Each variant is the reference exchange with one behaviour changed the way real
implementations get it wrong (a missing check, a lenient parser, an off-by-one), made
by overriding one extension point (``engine.py`` / ``book.py`` docstrings) and leaving
everything else correct. Two bugs live outside the exchange object and are built at the
HTTP layer: the JSON body decoder (O2-PARSE-ERROR) and the rate limiter (O2-RATE-LIMIT).
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any
from unittest import mock

from starlette.applications import Starlette

from tradeproof.codes import O2Code
from tradeproof.reference import app as app_module
from tradeproof.reference import create_app
from tradeproof.reference.o2 import O2Exchange, Order, OrderBook
from tradeproof.reference.o2.accounts import Session
from tradeproof.reference.o2.errors import Rejection, Revert, Reverted
from tradeproof.reference.o2.requests import CreateOrder, batch_shape_rejection
from tradeproof.reference.ratelimit import SlidingWindowLimiter
from tradeproof.signing import _secp
from tradeproof.signing import o2 as sig
from tradeproof.signing.keys import fuel_address_of

from . import Broken

U64 = 2**64
ZERO_ID = "0x" + "00" * 32


def _app(exchange: type[O2Exchange] = O2Exchange, book: type[OrderBook] = OrderBook) -> Callable[..., Starlette]:
    """A fresh O2-only reference app on a (broken) exchange or book, rate limit on by default."""
    return lambda rate_limit=True: create_app(o2=exchange(book_class=book), protocols=["o2"], rate_limit=rate_limit)


# --------------------------------------------------------------------------- body helpers
# Lenient parsers rewrite the decoded body before the strict reference parser sees it;
# they must never crash on a malformed body (that would be a fault, not a rule failure).


def _groups(body: Any) -> list[dict[str, Any]]:
    if not isinstance(body, dict) or not isinstance(body.get("actions"), list):
        return []
    return [g for g in body["actions"] if isinstance(g, dict)]


def _actions(body: Any) -> Iterator[dict[str, Any]]:
    for group in _groups(body):
        if isinstance(group.get("actions"), list):
            yield from (a for a in group["actions"] if isinstance(a, dict))


def _create_orders(body: Any) -> Iterator[dict[str, Any]]:
    for action in _actions(body):
        payload = action.get("CreateOrder")
        if isinstance(payload, dict):
            yield payload


def _known_order_type(order_type: Any) -> bool:
    if order_type in ("Spot", "Market", "FillOrKill", "PostOnly"):
        return True
    if not isinstance(order_type, dict) or len(order_type) != 1:
        return False
    ((kind, args),) = order_type.items()
    if kind == "Limit":
        return isinstance(args, list) and len(args) == 2
    return kind == "BoundedMarket" and isinstance(args, dict) and args.keys() == {"max_price", "min_price"}


def _validate_order(market: Any, order: CreateOrder, *, skip: str) -> None:
    """``O2Exchange.validate_order`` with the check named ``skip`` left out."""
    prices = [order.price] if order.limit_price is None else [order.price, order.limit_price]
    if order.quantity == 0 or 0 in prices:
        raise Revert("InvalidOrderArgs", "price and quantity must be non-zero")
    if skip != "tick" and any(p % market.tick for p in prices):
        raise Revert("PricePrecision", f"price must be a multiple of {market.tick}")
    if skip != "fractional" and order.price * order.quantity % market.base_unit:
        raise Revert("FractionalPrice", "price·quantity must be divisible by 10^base.decimals")
    if skip != "min-notional-sells" or order.side == "Buy":
        if market.quote_value(order.price, order.quantity) < market.min_order:
            raise Revert("InvalidInputAmount", f"order value is below min_order {market.min_order}")
    if order.bounds is not None and order.bounds[1] < order.bounds[0]:
        raise Revert("InvalidMarketOrderArgs", "BoundedMarket max_price is below min_price")


# =========================================================================== batch shape


class EmptyBatchIsInvalidRequest(O2Exchange):
    def check_batch_shape(self, body: Any) -> None:
        rejection = batch_shape_rejection(body)
        if rejection is not None and rejection.code != O2Code.NO_ACTIONS_PROVIDED:
            raise rejection  # an empty batch falls through to the schema: 1001, not 7003


class CountsActionsPerGroup(O2Exchange):
    def check_batch_shape(self, body: Any) -> None:
        rejection = batch_shape_rejection(body)
        if rejection is not None and (rejection.code != O2Code.TOO_MANY_ACTIONS or len(body["actions"]) > 5):
            raise rejection  # only the count of actions is wrong: per group, not in all
        if any(isinstance(g.get("actions"), list) and len(g["actions"]) > 5 for g in _groups(body)):
            raise Rejection(O2Code.TOO_MANY_ACTIONS, "more than 5 actions in a market group")


class DropsEmptyGroups(O2Exchange):
    def check_batch_shape(self, body: Any) -> None:
        if _groups(body):  # "tidy" the body first: empty groups never count against the limit
            body["actions"] = [g for g in body["actions"] if not (isinstance(g, dict) and g.get("actions") == [])]
        super().check_batch_shape(body)


class _NullForUndecodableJson:
    """ASGI layer in front of the app: a body json cannot decode is passed on as ``null``."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT"):
            await self.app(scope, receive, send)
            return
        chunks, more = [], True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        try:
            json.loads(body)
        except ValueError:  # includes UnicodeDecodeError
            body = b"null"
        delivered = False

        async def replay() -> Any:
            nonlocal delivered
            if delivered:
                return await receive()
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


def _null_for_bad_json(rate_limit: bool = True) -> Starlette:
    app = create_app(o2=O2Exchange(), protocols=["o2"], rate_limit=rate_limit)
    app.add_middleware(_NullForUndecodableJson)
    return app


# =========================================================================== parsing


class SkipsUnknownActions(O2Exchange):
    def parse_actions(self, body: Any) -> Any:
        known = {"CreateOrder", "CancelOrder", "SettleBalance", "RegisterReferer"}
        for group in _groups(body):
            if isinstance(group.get("actions"), list):
                group["actions"] = [a for a in group["actions"] if not (isinstance(a, dict) and not known & a.keys())]
        if _groups(body):
            body["actions"] = [g for g in body["actions"] if not (isinstance(g, dict) and g.get("actions") == [])]
        return super().parse_actions(body)


class UnknownOrderTypeIsSpot(O2Exchange):
    def parse_actions(self, body: Any) -> Any:
        for order in _create_orders(body):
            if "order_type" in order and not _known_order_type(order["order_type"]):
                order["order_type"] = "Spot"
        return super().parse_actions(body)


def _lenient_u64(text: Any) -> Any:
    """Decimal-ish parsing: sign, fraction (truncated), exponent, '_' and wrap past u64."""
    if not isinstance(text, str):
        return text
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return text
    if not value.is_finite():
        return text
    return str(int(value) % U64)


class LenientNumbers(O2Exchange):
    def parse_actions(self, body: Any) -> Any:
        for order in _create_orders(body):
            for field in ("price", "quantity"):
                if field in order:
                    order[field] = _lenient_u64(order[field])
        if isinstance(body, dict) and "nonce" in body:
            body["nonce"] = _lenient_u64(body["nonce"])
        return super().parse_actions(body)


def _padded_id(text: Any) -> Any:
    if not isinstance(text, str) or text[:2] != "0x":
        return text
    digits = text[2:]
    if len(digits) > 64 or any(c not in "0123456789abcdefABCDEF" for c in digits):
        return "0x" + digits[-64:] if len(digits) > 64 else text
    return "0x" + digits.rjust(64, "0")


class PadsIds(O2Exchange):
    def parse_actions(self, body: Any) -> Any:
        for group in _groups(body):
            if "market_id" in group:
                group["market_id"] = _padded_id(group["market_id"])
        if isinstance(body, dict):
            if "trade_account_id" in body:
                body["trade_account_id"] = _padded_id(body["trade_account_id"])
            session = body.get("session_id")
            if isinstance(session, dict) and "Address" in session:
                session["Address"] = _padded_id(session["Address"])
        return super().parse_actions(body)


class DefaultsMissingFields(O2Exchange):
    def session_actions(self, body: Any) -> dict[str, Any]:
        if isinstance(body, dict):  # serde(default)-style: every missing field gets a zero value
            defaults = {
                "actions": [], "signature": {"Secp256k1": "0x"}, "nonce": "0",
                "trade_account_id": ZERO_ID, "session_id": {"Address": ZERO_ID},
            }
            for key, value in defaults.items():
                body.setdefault(key, value)
            for group in _groups(body):
                group.setdefault("market_id", ZERO_ID)
            for order in _create_orders(body):
                for key, value in {"side": "Buy", "price": "0", "quantity": "0", "order_type": "Spot"}.items():
                    order.setdefault(key, value)
        return super().session_actions(body)


class OneMarketPerBatch(O2Exchange):
    def parse_actions(self, body: Any) -> Any:
        request = super().parse_actions(body)
        if len({step.market.market_id for step in request.steps}) > 1:
            raise Rejection(O2Code.INVALID_REQUEST, "a batch may address one market only")
        return request


# =========================================================================== signatures


class SkipsSignatureCheck(O2Exchange):
    def verify_signature(self, account: Any, request: Any) -> None:
        pass  # verification behind a flag that was left off


class AnySignerAccepted(O2Exchange):
    def verify_signature(self, account: Any, request: Any) -> None:
        digest = sig.actions_digest(request.nonce, [step.call for step in request.steps])
        if sig.compact_recover(request.signature, digest) is None:  # recovers *a* key: never compared
            raise Rejection(O2Code.INVALID_SIGNATURE, "Invalid signature")


class NormalisesHighS(O2Exchange):
    def verify_signature(self, account: Any, request: Any) -> None:
        try:
            super().verify_signature(account, request)
        except Rejection:
            signature = request.signature
            s = int.from_bytes(signature[32:], "big")
            if len(signature) != 64 or s <= _secp.HALF_N:
                raise
            low = (_secp.SECP256K1_N - s).to_bytes(32, "big")  # "normalise" the malleable twin
            digest = sig.actions_digest(request.nonce, [step.call for step in request.steps])
            for parity in (0, 1):
                public = _secp.recover(digest, signature[:32], low, parity)
                if public is not None and fuel_address_of(public) == account.session.address:
                    return
            raise


class FoldsEthereumSignature(O2Exchange):
    def verify_signature(self, account: Any, request: Any) -> None:
        signature = request.signature
        if len(signature) == 65:  # r ‖ s ‖ v: fold v into the top bit of s
            v = signature[64] - 27 if signature[64] >= 27 else signature[64]
            signature = signature[:32] + bytes([(v & 1) << 7 | signature[32]]) + signature[33:64]
        super().verify_signature(account, replace(request, signature=signature))


class TriesBothParities(O2Exchange):
    def verify_signature(self, account: Any, request: Any) -> None:
        try:
            super().verify_signature(account, request)
        except Rejection:
            signature = request.signature
            if len(signature) != 64:
                raise
            flipped = signature[:32] + bytes([signature[32] ^ 0x80]) + signature[33:]
            super().verify_signature(account, replace(request, signature=flipped))


class AnyOwnerSigner(O2Exchange):
    def verify_owner_signature(self, account: Any, request: Any) -> None:
        message = sig.session_signing_bytes(
            request.nonce, self.chain_id, request.session[1], request.expiry, request.contract_ids
        )
        if sig.compact_recover(request.signature, sig.owner_digest(message, account.owner[1])) is None:
            raise Rejection(O2Code.INVALID_SIGNATURE, "Invalid signature")


# =========================================================================== nonces


class AcceptsOldNonces(O2Exchange):
    def check_nonce(self, account: Any, nonce: int) -> None:
        if nonce > account.nonce:
            super().check_nonce(account, nonce)


class AcceptsFutureNonces(O2Exchange):
    def check_nonce(self, account: Any, nonce: int) -> None:
        if nonce < account.nonce:
            super().check_nonce(account, nonce)


class IdempotentReplays(O2Exchange):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._answered: dict[str, dict[str, Any]] = {}

    def session_actions(self, body: Any) -> dict[str, Any]:
        key = json.dumps(body, sort_keys=True)
        if key in self._answered:  # a byte-identical retry gets the original answer back
            return self._answered[key]
        result = super().session_actions(body)
        self._answered[key] = result
        return result


class NonceCacheRolledBackOnRevert(O2Exchange):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._behind: set[bytes] = set()  # accounts whose cached nonce missed a consumed one

    def session_actions(self, body: Any) -> dict[str, Any]:
        account = body.get("trade_account_id") if isinstance(body, dict) else None
        try:
            result = super().session_actions(body)
        except Reverted:
            self._behind.add(sig.parse_b256(account))
            raise
        self._behind.discard(sig.parse_b256(account))
        return result

    def account_info(self, *, owner: bytes | None = None, trade_account_id: bytes | None = None) -> dict[str, Any]:
        info = super().account_info(owner=owner, trade_account_id=trade_account_id)
        if info["trade_account_id"] and sig.parse_b256(info["trade_account_id"]) in self._behind:
            info["trade_account"] = {**info["trade_account"], "nonce": str(int(info["trade_account"]["nonce"]) - 1)}
        return info


# =========================================================================== sessions


class AcceptsPastExpiry(O2Exchange):
    def install_session(self, account: Any, request: Any) -> None:
        if not request.contract_ids:  # the contract-ids check is there; the expiry check is not
            raise Revert("NoApprovedContractIdsProvided", "Session must specify at least one contracts")
        session = Session(request.session[1], request.expiry, request.contract_ids)
        self.journal.set_attr(account, "session", session)


class IgnoresSessionExpiry(O2Exchange):
    def check_session(self, account: Any, request: Any) -> None:
        session = account.session
        if session is None:
            raise Rejection(O2Code.INVALID_SESSION, "No session found")
        if request.session != ("Address", session.address):
            raise Rejection(O2Code.INVALID_SESSION, "Invalid session address")


class UpdatesSessionInPlace(O2Exchange):
    def install_session(self, account: Any, request: Any) -> None:
        if account.session is not None:  # upsert: expiry and contracts change, the key stays
            request = replace(request, session=("Address", account.session.address))
        super().install_session(account, request)


class IgnoresContractScope(O2Exchange):
    def check_contract_scope(self, account: Any, request: Any) -> None:
        pass


class ScopesFirstCallOnly(O2Exchange):
    def check_contract_scope(self, account: Any, request: Any) -> None:
        super().check_contract_scope(account, replace(request, steps=request.steps[:1]))


class ScopesTheRegistry(O2Exchange):
    def check_contract_scope(self, account: Any, request: Any) -> None:
        for step in request.steps:
            if not account.session.allows(step.call.contract_id):
                raise Rejection(O2Code.INVALID_SESSION, "Contract not allowed")


# =========================================================================== atomicity


class NoRollback(O2Exchange):
    def run_atomically(self, work: Callable[[], Any]) -> Any:
        return work()


# =========================================================================== order types


class SpotIsImmediateOrCancel(OrderBook):
    def _rest(self, order: Order) -> None:
        if order.kind != "Spot":
            super()._rest(order)


class MarketAsLimitAtPrice(OrderBook):
    def place(self, order: Order, forwarded: int) -> None:
        if order.kind == "Market":
            order.kind = "Spot"
        super().place(order, forwarded)


class FokNeverReverts(OrderBook):
    def check_fill_or_kill(self, order: Order) -> None:
        pass


class FokCheckedLikePostOnly(OrderBook):
    def place(self, order: Order, forwarded: int) -> None:
        if order.kind == "FillOrKill":
            self.check_post_only(order)  # the two "special" types share the crossing check
        super().place(order, forwarded)


class PostOnlyTakes(OrderBook):
    def check_post_only(self, order: Order) -> None:
        pass


class PostOnlyNeedsEmptySide(OrderBook):
    def check_post_only(self, order: Order) -> None:
        if (self.asks if order.is_buy else self.bids).best_price() is not None:
            raise Revert("OrderPartiallyFilled", "PostOnly with orders on the other side")


class IgnoresMaxPrice(OrderBook):
    def acceptable(self, taker: Order, price: int, limit: int | None, bounds: tuple[int, int] | None) -> bool:
        if limit is not None and (price > limit if taker.is_buy else price < limit):
            return False
        return bounds is None or bounds[0] <= price


class IgnoresMinPrice(OrderBook):
    def acceptable(self, taker: Order, price: int, limit: int | None, bounds: tuple[int, int] | None) -> bool:
        if limit is not None and (price > limit if taker.is_buy else price < limit):
            return False
        return bounds is None or price <= bounds[1]


class SwapsInvertedBounds(O2Exchange):
    def parse_actions(self, body: Any) -> Any:
        request = super().parse_actions(body)
        steps = []
        for step in request.steps:
            action = step.action
            if isinstance(action, CreateOrder) and action.bounds is not None:
                step = replace(step, action=replace(action, bounds=tuple(sorted(action.bounds))))
            steps.append(step)
        return replace(request, steps=tuple(steps))


class BoundedNoFillRefunds(OrderBook):
    def check_bounded_market(self, order: Order) -> None:
        pass


class IgnoresLimitPrice(O2Exchange):
    def parse_actions(self, body: Any) -> Any:
        request = super().parse_actions(body)
        steps = tuple(
            replace(s, action=replace(s.action, limit_price=None)) if isinstance(s.action, CreateOrder) else s
            for s in request.steps
        )
        return replace(request, steps=steps)


class ProtectsAveragePrice(OrderBook):
    def acceptable(self, taker: Order, price: int, limit: int | None, bounds: tuple[int, int] | None) -> bool:
        if limit is not None:  # the average fill price, not each fill, is held to the limit
            average = (taker.value + price * taker.remaining) / taker.quantity
            if average > limit if taker.is_buy else average < limit:
                return False
        return bounds is None or bounds[0] <= price <= bounds[1]


class SellsUnprotected(OrderBook):
    def acceptable(self, taker: Order, price: int, limit: int | None, bounds: tuple[int, int] | None) -> bool:
        if limit is not None and taker.is_buy and price > limit:  # the sell-side comparison is missing
            return False
        return bounds is None or bounds[0] <= price <= bounds[1]


class MarketBuyIgnoresBudget(OrderBook):
    def match(self, taker: Order, limit: int | None, bounds: tuple[int, int] | None, budget: int | None) -> int:
        traded = super().match(taker, limit, bounds, None)
        if budget is not None and traded > budget:  # the overspend is taken from the trading balance
            self._ledger.debit(taker.owner, self.market.quote.asset_id, traded - budget)
            return budget
        return traded


class LifoBook(OrderBook):
    def next_maker(self, level: Any) -> Order:
        return level[-1]


class SkipsEmptyOrders(O2Exchange):
    def execute_batch(self, account: Any, request: Any) -> Any:
        steps = tuple(
            s for s in request.steps
            if not (isinstance(s.action, CreateOrder) and 0 in (s.action.price, s.action.quantity))
        )
        return super().execute_batch(account, replace(request, steps=steps))


class NoTickCheck(O2Exchange):
    def validate_order(self, market: Any, order: CreateOrder) -> None:
        _validate_order(market, order, skip="tick")


class MinOrderOnBuysOnly(O2Exchange):
    def validate_order(self, market: Any, order: CreateOrder) -> None:
        _validate_order(market, order, skip="min-notional-sells")


class NoFractionalCheck(O2Exchange):
    def validate_order(self, market: Any, order: CreateOrder) -> None:
        _validate_order(market, order, skip="fractional")


class SelfTradePostsTheOrder(OrderBook):
    def place(self, order: Order, forwarded: int) -> None:
        side = self.asks if order.is_buy else self.bids
        best = side.best_price()
        if best is None or all(o.owner != order.owner for o in side.level(best)):
            super().place(order, forwarded)
            return
        # self-trade prevention: post the order instead of trading with oneself, whatever its type
        self._register(order)
        self._rest(order)
        asset = self.market.quote.asset_id if order.is_buy else self.market.base.asset_id
        self._ledger.credit(order.owner, asset, forwarded - order.locked)


class CancelRefundsFilled(OrderBook):
    """Refunds the original lock when a filled order is cancelled (money appears)."""

    def cancel(self, order_id: bytes, caller: bytes) -> bool:
        order = self.get(order_id)
        if order is not None and not order.open and order.owner == caller and not order.cancelled:
            asset = self.market.quote.asset_id if order.is_buy else self.market.base.asset_id
            self._ledger.credit(order.owner, asset, order.quantity if not order.is_buy else order.price * order.quantity // 10**self.market.base.decimals)
            return True
        return super().cancel(order_id, caller)


class CancelsAnyOrder(OrderBook):
    def cancel(self, order_id: bytes, caller: bytes) -> bool:
        order = self.get(order_id)
        return super().cancel(order_id, order.owner if order is not None else caller)


def _refuses_referer_field(field: str) -> type[O2Exchange]:
    class RefusesRefererField(O2Exchange):
        def parse_actions(self, body: Any) -> Any:
            for action in _actions(body):
                payload = action.get("RegisterReferer")
                if isinstance(payload, dict) and field in payload:
                    raise Rejection(O2Code.INVALID_REQUEST, f"RegisterReferer: unknown field `{field}`")
            return super().parse_actions(body)

    RefusesRefererField.__name__ = f"Refuses{field.capitalize()}Field"
    return RefusesRefererField


# =========================================================================== rate limit, money


class OffByOneLimiter(SlidingWindowLimiter):
    def allow(self, key: Any) -> bool:
        now = self._clock()
        with self._lock:
            events = self._events.setdefault(key, deque())
            while events and events[0] <= now - self.window:
                events.popleft()
            if len(events) > self.limit:  # `>` where `>=` was meant: the 6th request passes
                return False
            events.append(now)
            return True


def _off_by_one_rate_limit(rate_limit: bool = True) -> Starlette:
    with mock.patch.object(app_module, "SlidingWindowLimiter", OffByOneLimiter):
        return create_app(o2=O2Exchange(), protocols=["o2"], rate_limit=rate_limit)


class FeesRoundUp(OrderBook):
    def fee(self, amount: int, rate: int) -> int:
        return -(-amount * rate // 10**6)


# =========================================================================== the catalogue


def _b(rule_id: str, name: str, description: str, build: Callable[..., Starlette]) -> Broken:
    return Broken(rule_id, name, description, build)


BROKEN: list[Broken] = [
    # batch shape
    _b("O2-BATCH-NONEMPTY", "empty-is-1001",
       "An empty batch is left to the schema and answered 1001 instead of 7003.",
       _app(EmptyBatchIsInvalidRequest)),
    _b("O2-BATCH-MAX-ACTIONS", "per-group-count",
       "The 5-action limit is applied to each market group, not to the total.",
       _app(CountsActionsPerGroup)),
    _b("O2-BATCH-MAX-MARKETS", "drops-empty-groups",
       "Empty market groups are dropped before counting, so 6+ groups pass.",
       _app(DropsEmptyGroups)),
    _b("O2-PARSE-ERROR", "bad-json-is-null",
       "An undecodable body is decoded as null and refused by the schema with 1001.",
       _null_for_bad_json),
    _b("O2-UNKNOWN-ACTION", "skips-unknown",
       "Unknown action keys are silently skipped (forward compatibility).",
       _app(SkipsUnknownActions)),
    _b("O2-UNKNOWN-ORDER-TYPE", "unknown-is-spot",
       "An order type the parser does not recognise is treated as Spot.",
       _app(UnknownOrderTypeIsSpot)),
    _b("O2-NUMBER-FORMAT", "lenient-u64",
       "u64 strings are parsed as decimals: ' 7', '1e3', '1.5', '1_000' pass, values past u64 wrap.",
       _app(LenientNumbers)),
    _b("O2-ID-FORMAT", "pads-ids",
       "Short hex ids are left-padded with zeros and long ones keep their last 32 bytes.",
       _app(PadsIds)),
    _b("O2-MISSING-FIELD", "zero-defaults",
       "Missing fields are filled with zero values (Spot, Buy, \"0\", zero ids) instead of refused.",
       _app(DefaultsMissingFields)),
    _b("O2-VALID-ACCEPTED", "one-market-only",
       "Only single-market batches are implemented; two market groups are refused with 1001.",
       _app(OneMarketPerBatch)),
    # signatures
    _b("O2-SIG-TAMPERED", "verification-off",
       "Session-action signatures are never verified (a verification flag left off).",
       _app(SkipsSignatureCheck)),
    _b("O2-SIG-OTHER-KEY", "signer-not-compared",
       "A signature that recovers to any key is accepted; the signer is never compared with the session key.",
       _app(AnySignerAccepted)),
    _b("O2-SIG-HIGH-S", "normalises-high-s",
       "A high-s signature is normalised (s -> n-s, both parities tried) instead of rejected.",
       _app(NormalisesHighS)),
    _b("O2-SIG-65-BYTES", "folds-v",
       "A 65-byte r‖s‖v signature is accepted by folding v into the top bit of s.",
       _app(FoldsEthereumSignature)),
    _b("O2-SIG-RECOVERY-BIT", "both-parities",
       "When recovery with the given parity fails, the other parity is tried.",
       _app(TriesBothParities)),
    _b("O2-SESSION-OWNER-SIG", "owner-not-compared",
       "The owner's session signature only has to recover to some key; it is not compared with the owner.",
       _app(AnyOwnerSigner)),
    # nonces
    _b("O2-NONCE-STALE", "accepts-old",
       "Only nonces above the current one are refused; used (lower) nonces are accepted.",
       _app(AcceptsOldNonces)),
    _b("O2-NONCE-FUTURE", "accepts-greater", "Any nonce >= the current one is accepted.",
       _app(AcceptsFutureNonces)),
    _b("O2-NONCE-REPLAY", "idempotent-retry",
       "A byte-identical retry is answered from an idempotency cache with the original success.",
       _app(IdempotentReplays)),
    _b("O2-NONCE-REPORTED", "cache-misses-revert",
       "After a reverted batch the API reports the nonce before it, though the revert consumed it.",
       _app(NonceCacheRolledBackOnRevert)),
    # sessions
    _b("O2-SESSION-EXPIRY-PAST", "no-past-check",
       "set_session does not compare the expiry with the clock.",
       _app(AcceptsPastExpiry)),
    _b("O2-SESSION-EXPIRED", "expiry-unchecked",
       "Session expiry is never checked when actions arrive.",
       _app(IgnoresSessionExpiry)),
    _b("O2-SESSION-REVOKED", "upsert-keeps-key",
       "A new session updates expiry and contracts in place but keeps the old session key.",
       _app(UpdatesSessionInPlace)),
    _b("O2-SESSION-CONTRACTS", "scope-unchecked", "The session's contract_ids are never checked.",
       _app(IgnoresContractScope)),
    _b("O2-SESSION-CONTRACTS", "first-call-only",
       "Only the batch's first call is checked against contract_ids.",
       _app(ScopesFirstCallOnly)),
    # atomicity
    _b("O2-ATOMIC-BATCH", "no-rollback",
       "Actions run on live state: a revert stops the batch but earlier actions stay applied.",
       _app(NoRollback)),
    # order types
    _b("O2-SPOT-RESTS", "spot-is-ioc",
       "Spot is handled as immediate-or-cancel: its remainder is refunded instead of resting.",
       _app(book=SpotIsImmediateOrCancel)),
    _b("O2-MARKET-NO-REST", "market-as-limit",
       "A Market order is handled as a limit at its price, so its remainder rests.",
       _app(book=MarketAsLimitAtPrice)),
    _b("O2-FOK-REVERT", "fok-keeps-partial",
       "An unfilled FillOrKill keeps its partial fill and refunds the rest instead of reverting.",
       _app(book=FokNeverReverts)),
    _b("O2-FOK-FILLS", "fok-as-post-only",
       "FillOrKill goes through the PostOnly crossing check, so it reverts whenever it would trade.",
       _app(book=FokCheckedLikePostOnly)),
    _b("O2-POSTONLY-REVERT", "post-only-takes",
       "PostOnly is never checked for crossing and takes liquidity like Spot.",
       _app(book=PostOnlyTakes)),
    _b("O2-POSTONLY-RESTS", "post-only-any-order",
       "PostOnly reverts whenever the other side has any order, crossing or not.",
       _app(book=PostOnlyNeedsEmptySide)),
    _b("O2-BOUNDED-RANGE", "ignores-max-price",
       "BoundedMarket matching checks min_price only and fills above max_price.",
       _app(book=IgnoresMaxPrice)),
    _b("O2-BOUNDED-RANGE", "ignores-min-price",
       "BoundedMarket matching checks max_price only, so a sell fills below min_price.",
       _app(book=IgnoresMinPrice)),
    _b("O2-BOUNDED-INVERTED", "swaps-bounds",
       "Inverted BoundedMarket bounds are silently swapped instead of reverting.",
       _app(SwapsInvertedBounds)),
    _b("O2-BOUNDED-NO-FILL", "refunds-no-fill",
       "A BoundedMarket with nothing fillable in its bounds is refunded instead of reverting.",
       _app(book=BoundedNoFillRefunds)),
    _b("O2-LIMIT-PRICE", "ignores-limit-price",
       "The Limit price is parsed but never used: the order matches up to `price`.",
       _app(IgnoresLimitPrice)),
    _b("O2-PRICE-PROTECTION", "average-price",
       "Price protection bounds the average fill price, so single fills go past the order price.",
       _app(book=ProtectsAveragePrice)),
    _b("O2-PRICE-PROTECTION", "sells-unprotected",
       "Only buys are held to their price; a priced sell fills at any lower bid.",
       _app(book=SellsUnprotected)),
    _b("O2-MARKET-BUDGET", "ignores-budget",
       "A Market buy fills its whole quantity and takes the overspend from the trading balance.",
       _app(book=MarketBuyIgnoresBudget)),
    _b("O2-PRICE-TIME-PRIORITY", "lifo-level",
       "Within a price level the newest order fills first (LIFO).",
       _app(book=LifoBook)),
    _b("O2-ORDER-ZERO", "zero-is-no-op",
       "An order with zero price or quantity is skipped as a no-op instead of reverting.",
       _app(SkipsEmptyOrders)),
    _b("O2-ORDER-TICK", "no-tick-check", "Prices are not checked against the market's tick.",
       _app(NoTickCheck)),
    _b("O2-ORDER-MIN-NOTIONAL", "min-order-buys-only",
       "min_order is enforced on buys only (on the forwarded quote), never on sells.",
       _app(MinOrderOnBuysOnly)),
    _b("O2-ORDER-FRACTIONAL", "no-divisibility-check",
       "price·quantity is not checked for divisibility; the quote value is silently floored.",
       _app(NoFractionalCheck)),
    _b("O2-UNSPECIFIED-SAFE", "self-trade-posts",
       "Self-trade prevention posts an order that meets its own account, even a Market order.",
       _app(book=SelfTradePostsTheOrder)),
    _b("O2-CANCEL-OTHERS", "owner-unchecked", "CancelOrder does not check the order's owner.",
       _app(book=CancelsAnyOrder)),
    _b("O2-REFERER", "registry-scoped",
       "The accounts registry is not exempt from contract_ids, so RegisterReferer is refused.",
       _app(ScopesTheRegistry)),
    _b("O2-REFERER", "only-to",
       "RegisterReferer is deserialised in the SDKs' shape only: the seed's `referer` field is refused.",
       _app(_refuses_referer_field("referer"))),
    _b("O2-REFERER-TO", "only-referer",
       "RegisterReferer accepts the seed's `referer` field only: the SDKs' `to` is refused.",
       _app(_refuses_referer_field("to"))),
    _b("O2-RATE-LIMIT", "off-by-one",
       "The limiter refuses only when more than 5 requests are already in the window (6 pass).",
       _off_by_one_rate_limit),
    _b("O2-CONSERVATION", "fee-rounds-up", "Fees are rounded up instead of down.",
       _app(book=FeesRoundUp)),
    _b("O2-CONSERVATION", "cancel-refunds-filled",
       "Cancelling an already filled order refunds its original lock a second time.",
       _app(book=CancelRefundsFilled)),
]
