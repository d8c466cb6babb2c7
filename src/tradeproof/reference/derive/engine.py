"""``DeriveExchange``: an in-memory Derive v2 RFQ exchange (all state and all rules).

Transport-free: :meth:`DeriveExchange.call` takes a method name, the params object and
the request headers, and returns the JSON result or raises :class:`RpcError`;
``routes.py`` puts it on HTTP. All state sits behind one lock and every call runs
synchronously under it (no ``await`` while mutating), so requests never interleave.

``private/execute_quote`` checks, in this order (TARGET.md §2 codes)::

    params schema -32602 → headers 14021/14014/14030 → key scope 14031 → subaccount
    14001/14020 → quote exists 11102 → quote of rfq_id 11105 → quote and RFQ open
    11104 → expiry ≥ now+310 11011 → nonce date 11018 → nonce unused 11017 → signer
    14023/14030/14031 → direction and legs = the quote's 11103 → signature 14014 →
    RFQ sent by this subaccount 11101 → taker max_fee 11023 → maker max_fee 8501 →
    taker margin 11000 → maker margin 8500 → settle

then settles legs, cash and both fees in one batch (``tx_status`` is ``"settled"`` at
once: the reference settles synchronously). The open check precedes the nonce checks
so that replaying an accepted execute answers 11104, not 11017; the legs check precedes
the signature so a changed direction or leg gets the specific 11103; the sender check
follows the signature so a tampered ``subaccount_id`` is a signature failure (14014).

Extension points: override exactly one method to build a target with one rule broken
(methods of :class:`~.checks.RuleChecks` unless marked *engine*):

* ``check_signature_expiry`` 11011 · ``check_nonce_date`` 11018 ·
  ``check_nonce_unused`` 11017 · ``consume_nonce`` (which nonces count as used)
* ``check_signer`` 14023/14030/14031 · ``verify_action_signature`` 14014 ·
  ``signing_domain`` (EIP-712 domain) · ``signing_module`` (module in the Action)
* ``check_execute_matches_quote`` 11103 (execute vs quote) ·
  ``check_quote_matches_rfq`` 11103 (quote vs RFQ) · ``check_quote_legs`` /
  ``check_price`` 11013 / ``check_amount`` 11012 / ``check_unique_legs`` 11100
* ``lookup_quote`` 11102 · ``check_quote_of_rfq`` 11105 · ``check_rfq_sender`` 11101 ·
  ``check_open`` 11104 (filled / cancelled / expired, the 300 s rule)
* ``fee`` (what is charged) · ``check_taker_max_fee`` 11023 ·
  ``check_maker_max_fee`` 11023 · ``check_counterparty_max_fee`` 8501
* ``check_taker_margin`` 11000 · ``check_maker_margin`` 8500 ·
  ``settlement_transfers`` (what moves)
* *engine*: ``settle`` (applies the batch: atomicity) · ``record_fill`` (quote filled,
  RFQ closed: double execute) · ``authenticate`` (X-Lyra headers) · ``check_scope``
  (key level per method)
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, localcontext
from typing import Any

from eth_hash.auto import keccak

from ...codes import DeriveCode as C
from ...errors import EncodingError
from ...signing import derive as sig
from .accounts import Accounts, Scope, SessionKey, Transfer
from .auth import Caller, authenticate
from .errors import RpcError
from .instruments import Instrument, by_name, default_instruments
from .margin import MarginModel
from .numbers import EXACT, parse_decimal
from .params import Params, check_schema, checksummed
from .registry import METHODS, rpc
from .rfq import Quote, Rfq, RfqBook
from .views import ReadMethods

MAX_FUND = Decimal(10) ** 15


class DeriveExchange(ReadMethods):
    """The Derive RFQ half of the reference target."""

    def __init__(
        self,
        *,
        domain: sig.Domain = sig.V2_TESTNET,
        clock: Callable[[], float] = time.time,
        instruments: Iterable[Instrument] | None = None,
        margin: MarginModel | None = None,
    ) -> None:
        self.domain = domain
        self.clock = clock
        self.instruments = by_name(default_instruments() if instruments is None else instruments)
        self.margin = margin or MarginModel()
        self.accounts = Accounts()
        self.book = RfqBook()
        self.lock = threading.RLock()

    # ================================================================ entry points

    def call(self, method: str, params: Any, headers: Mapping[str, str] | None = None) -> Any:
        """Run one JSON-RPC method; returns its result or raises RpcError."""
        entry = METHODS.get(method) if isinstance(method, str) else None
        if entry is None:
            raise RpcError(C.METHOD_NOT_FOUND, f"unknown method {method!r}")
        name, scope = entry
        check_schema(method, params)
        with self.lock, localcontext(EXACT):
            handler = getattr(self, name)
            try:
                if scope is None:
                    return handler(Params(params))
                caller = self.authenticate(headers or {})
                self.check_scope(caller, scope)
                return handler(Params(params), caller)
            except EncodingError as exc:  # a value the signed encoding cannot hold
                raise RpcError(C.INVALID_PARAMS, str(exc)) from None

    def fund(self, wallet: str, amount: Decimal | str | int) -> int:
        """Harness: a new subaccount of ``wallet`` holding ``amount`` USDC; its id."""
        address = checksummed(wallet)
        if address is None:
            raise ValueError(f"not an address: {wallet!r}")
        if isinstance(amount, str):
            cash = parse_decimal(amount)
        elif isinstance(amount, int) and not isinstance(amount, bool):
            cash = Decimal(amount)
        else:
            cash = amount if isinstance(amount, Decimal) and amount.is_finite() else None
        if cash is None or not 0 <= cash <= MAX_FUND:
            raise ValueError(f"amount must be between 0 and 1e15 USDC, got {amount!r}")
        with self.lock:
            return self.accounts.open_subaccount(address, cash).id

    def subaccount_view(self, subaccount_id: int) -> dict[str, Any]:
        """``private/get_subaccount``'s result, without authentication (tests, harness)."""
        with self.lock, localcontext(EXACT):
            sub = (
                self.accounts.fee_account
                if subaccount_id == 0
                else self.accounts.subaccount(subaccount_id)
            )
            if sub is None:
                raise RpcError(C.SUBACCOUNT_NOT_FOUND, f"no subaccount {subaccount_id}")
            return self.subaccount_json(sub)

    # ================================================================ authentication

    def authenticate(self, headers: Mapping[str, str]) -> Caller:
        return authenticate(headers, self.accounts, self.now())

    def check_scope(self, caller: Caller, required: Scope) -> None:
        """14031: the header key's level is below the method's minimum."""
        if caller.scope < required:
            raise RpcError(
                C.UNAUTHORIZED_KEY_SCOPE,
                f"key scope {caller.scope.label}; {required.label} required",
            )

    # ================================================================ session keys

    @rpc("private/register_scoped_session_key", Scope.ADMIN)
    def private_register_scoped_session_key(self, p: Params, caller: Caller) -> dict[str, Any]:
        """Owner-authenticated (no ``signed_raw_tx`` needed here); re-registering replaces."""
        wallet = p.address("wallet")
        if wallet != caller.wallet:
            raise RpcError(C.WALLET_HEADER_MISMATCH, f"header wallet is {caller.wallet}")
        if not caller.is_owner:
            raise RpcError(
                C.UNAUTHORIZED_KEY_SCOPE, "only the wallet owner may register session keys"
            )
        key_address = p.address("public_session_key")
        if key_address == wallet:
            raise RpcError(C.INVALID_PARAMS, "public_session_key must differ from the wallet")
        expiry = p.uint("expiry_sec")
        scope = Scope.parse(p.choice("scope", ("admin", "account", "read_only"), "read_only"))
        label, whitelist = p.text("label", ""), p.strings("ip_whitelist")
        p.text("signed_raw_tx", "")
        account = self.accounts.wallet(wallet)
        if account is None:
            raise RpcError(C.ACCOUNT_NOT_FOUND, f"{wallet} has no account; fund it first")
        account.session_keys[key_address.lower()] = SessionKey(
            key_address, scope, expiry, label, whitelist
        )
        return {
            "public_session_key": key_address,
            "expiry_sec": expiry,
            "scope": scope.label,
            "label": label,
            "ip_whitelist": whitelist,
            "transaction_id": None,
        }

    # ================================================================ RFQs (taker)

    @rpc("private/send_rfq", Scope.ACCOUNT)
    def private_send_rfq(self, p: Params, caller: Caller) -> dict[str, Any]:
        sub = self.owned_subaccount(caller, p.uint("subaccount_id"))
        legs = p.rfq_legs()
        self.check_rfq_legs(legs)
        counterparties = p.addresses("counterparties")
        step = p.decimal("partial_fill_step", Decimal(1))
        if step <= 0:
            raise RpcError(C.INVALID_PARAMS, "partial_fill_step must be positive")
        now_ms = self.now_ms()
        rfq = Rfq(
            rfq_id=str(uuid.uuid4()),
            subaccount_id=sub.id,
            wallet=sub.wallet,
            legs=tuple(sorted(legs, key=lambda leg: leg.instrument_name)),
            created_ms=now_ms,
            label=p.text("label", ""),
            counterparties=None if counterparties is None else [a.lower() for a in counterparties],
            max_total_cost=p.decimal("max_total_cost", None),
            min_total_cost=p.decimal("min_total_cost", None),
            partial_fill_step=step,
        )
        self.book.add_rfq(rfq)
        return rfq.to_json(now_ms)

    @rpc("private/cancel_rfq", Scope.ACCOUNT)
    def private_cancel_rfq(self, p: Params, caller: Caller) -> str:
        sub = self.owned_subaccount(caller, p.uint("subaccount_id"))
        rfq_id = p.text("rfq_id")
        rfq = self.book.rfqs.get(rfq_id)
        if rfq is None or rfq.subaccount_id != sub.id:
            raise RpcError(C.RFQ_NOT_FOUND, f"no RFQ {rfq_id!r} of subaccount {sub.id}")
        now_ms = self.now_ms()
        if rfq.status_at(now_ms) != "open":
            raise RpcError(C.QUOTE_OR_RFQ_NOT_OPEN, f"RFQ {rfq_id} is {rfq.status_at(now_ms)}")
        rfq.status, rfq.cancel_reason, rfq.updated_ms = "cancelled", "user_request", now_ms
        self._close_quotes_of(rfq, now_ms)
        return "ok"

    # ================================================================ quotes (maker)

    @rpc("private/send_quote", Scope.ADMIN)
    def private_send_quote(self, p: Params, caller: Caller) -> dict[str, Any]:
        maker = self.owned_subaccount(caller, p.uint("subaccount_id"))
        rfq_id, direction, legs = p.text("rfq_id"), p.direction(), p.quote_legs()
        max_fee, nonce, expiry = (
            p.decimal("max_fee"),
            p.uint("nonce"),
            p.uint("signature_expiry_sec"),
        )
        signer, signature = p.address("signer"), p.text("signature")
        label, mmp = p.text("label", ""), p.boolean("mmp", False)
        if max_fee < 0:
            raise RpcError(C.INVALID_PARAMS, "max_fee must not be negative")
        rfq = self.book.rfqs.get(rfq_id)
        if rfq is None or not rfq.visible_to(maker.wallet):
            raise RpcError(C.RFQ_NOT_FOUND, f"no RFQ {rfq_id!r}")
        now = self.now()
        if rfq.status_at(int(now * 1000)) != "open":
            raise RpcError(
                C.QUOTE_OR_RFQ_NOT_OPEN, f"RFQ {rfq_id} is {rfq.status_at(int(now * 1000))}"
            )
        if rfq.subaccount_id == maker.id:
            raise RpcError(C.SELF_CROSSING_DISALLOWED, "a subaccount cannot quote its own RFQ")
        self.check_quote_legs(legs)
        self.check_quote_matches_rfq(legs, rfq)
        self.check_signature_expiry(expiry)
        self.check_nonce_date(nonce)
        self.check_nonce_unused(maker.wallet, nonce)
        self.check_signer(maker.wallet, signer)
        signing_legs = self.signing_legs(legs)
        self.verify_action_signature(
            subaccount_id=maker.id,
            nonce=nonce,
            data=sig.quote_module_data(direction, max_fee, signing_legs),
            expiry=expiry,
            owner=maker.wallet,
            signer=signer,
            signature=signature,
        )
        self.check_maker_max_fee(max_fee, self.fee(legs, "maker"))
        quote = Quote(
            quote_id=str(uuid.uuid4()),
            rfq_id=rfq_id,
            subaccount_id=maker.id,
            wallet=maker.wallet,
            direction=direction,
            legs=tuple(sorted(legs, key=lambda leg: leg.instrument_name)),
            max_fee=max_fee,
            nonce=nonce,
            signer=signer,
            signature=_hex_signature(signature),
            signature_expiry_sec=expiry,
            legs_hash="0x" + sig.legs_hash(direction, signing_legs).hex(),
            created_ms=int(now * 1000),
            label=label,
            mmp=mmp,
        )
        self.book.add_quote(quote)
        self.consume_nonce(maker.wallet, nonce)
        return quote.to_json("open")

    @rpc("private/cancel_quote", Scope.ADMIN)
    def private_cancel_quote(self, p: Params, caller: Caller) -> dict[str, Any]:
        sub = self.owned_subaccount(caller, p.uint("subaccount_id"))
        quote_id = p.text("quote_id")
        quote = self.book.quotes.get(quote_id)
        if quote is None or quote.subaccount_id != sub.id:
            raise RpcError(C.QUOTE_NOT_FOUND, f"no quote {quote_id!r} of subaccount {sub.id}")
        status = quote.status_at(self.now(), self.book.rfqs[quote.rfq_id])
        if status != "open":
            raise RpcError(C.QUOTE_OR_RFQ_NOT_OPEN, f"quote {quote_id} is {status}")
        quote.status, quote.cancel_reason, quote.updated_ms = (
            "cancelled",
            "user_request",
            self.now_ms(),
        )
        return quote.to_json("cancelled")

    # ================================================================ execution (taker)

    @rpc("private/execute_quote", Scope.ADMIN)
    def private_execute_quote(self, p: Params, caller: Caller) -> dict[str, Any]:
        taker = self.owned_subaccount(caller, p.uint("subaccount_id"))
        rfq_id, quote_id, direction, legs = (
            p.text("rfq_id"),
            p.text("quote_id"),
            p.direction(),
            p.quote_legs(),
        )
        max_fee, nonce, expiry = (
            p.decimal("max_fee"),
            p.uint("nonce"),
            p.uint("signature_expiry_sec"),
        )
        signer, signature, label = p.address("signer"), p.text("signature"), p.text("label", "")
        if max_fee < 0:
            raise RpcError(C.INVALID_PARAMS, "max_fee must not be negative")
        quote = self.lookup_quote(quote_id)
        rfq = self.check_quote_of_rfq(quote, rfq_id)
        self.check_open(quote, rfq)
        self.check_signature_expiry(expiry)
        self.check_nonce_date(nonce)
        self.check_nonce_unused(taker.wallet, nonce)
        self.check_signer(taker.wallet, signer)
        self.check_execute_matches_quote(direction, legs, quote)
        self.verify_action_signature(
            subaccount_id=taker.id,
            nonce=nonce,
            data=sig.execute_module_data(direction, max_fee, self.signing_legs(legs)),
            expiry=expiry,
            owner=taker.wallet,
            signer=signer,
            signature=signature,
        )
        self.check_rfq_sender(rfq, taker)
        taker_fee, maker_fee = self.fee(quote.legs, "taker"), self.fee(quote.legs, "maker")
        self.check_taker_max_fee(max_fee, taker_fee)
        self.check_counterparty_max_fee(quote, maker_fee)
        maker = self.accounts.subaccounts[quote.subaccount_id]  # quotes come from real subaccounts
        transfers = self.settlement_transfers(quote, taker, taker_fee, maker_fee)
        self.check_taker_margin(taker, transfers)
        self.check_maker_margin(maker, transfers)
        now_ms = self.now_ms()
        execution = Quote(
            quote_id=quote.quote_id,
            rfq_id=rfq.rfq_id,
            subaccount_id=taker.id,
            wallet=taker.wallet,
            direction=direction,
            legs=quote.legs,
            max_fee=max_fee,
            nonce=nonce,
            signer=signer,
            signature=_hex_signature(signature),
            signature_expiry_sec=expiry,
            legs_hash=quote.legs_hash,
            created_ms=now_ms,
            updated_ms=now_ms,
            label=label,
            liquidity_role="taker",
            status="filled",
            fee=taker_fee,
            tx_status="settled",
            tx_hash="0x"
            + keccak(f"tradeproof/derive/{quote.quote_id}/{taker.id}/{nonce}".encode()).hex(),
        )
        # ---- nothing below can fail: the whole trade is applied, or (above) none of it
        self.settle(transfers)
        self.consume_nonce(taker.wallet, nonce)
        self.record_fill(quote, rfq, execution, maker_fee)
        return execution.to_json("filled")

    def settle(self, transfers: list[Transfer]) -> None:
        """Apply legs, cash and both fees as one batch."""
        self.accounts.apply(transfers)

    def record_fill(self, quote: Quote, rfq: Rfq, execution: Quote, maker_fee: Decimal) -> None:
        """The quote is filled, the RFQ closed, and the RFQ's other open quotes cancelled."""
        now_ms = execution.created_ms
        quote.status, quote.fee, quote.updated_ms = "filled", maker_fee, now_ms
        quote.tx_status, quote.tx_hash = execution.tx_status, execution.tx_hash
        rfq.status, rfq.updated_ms, rfq.filled_direction = "filled", now_ms, execution.direction
        sign = 1 if execution.direction == "buy" else -1
        rfq.total_cost = sum(
            (
                leg.price * leg.amount * sign * (1 if leg.direction == "buy" else -1)
                for leg in quote.legs
            ),
            Decimal(0),
        )
        self.book.executions[quote.quote_id] = execution
        self._close_quotes_of(rfq, now_ms)

    # ================================================================ helpers

    def _close_quotes_of(self, rfq: Rfq, now_ms: int) -> None:
        for other in self.book.quotes_of_rfq(rfq.rfq_id):
            if other.status == "open":
                other.status, other.cancel_reason, other.updated_ms = (
                    "cancelled",
                    "rfq_no_longer_open",
                    now_ms,
                )


def _hex_signature(signature: str) -> str:
    """A verified signature as ``0x`` + lowercase hex (SDKs send it with or without 0x)."""
    body = signature[2:] if signature[:2] in ("0x", "0X") else signature
    return "0x" + bytes.fromhex(body).hex()
