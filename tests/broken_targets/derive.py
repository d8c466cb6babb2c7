"""Broken Derive targets: one ``DeriveExchange`` subclass per bug.

Each variant is the reference exchange with one behaviour changed the way real
implementations get it wrong (a missing or lax check, a wrong error code, an extra
"convenience"), made by overriding one extension point (``engine.py`` docstring) and
leaving everything else correct. A bug may break neighbouring rules too (a target that
never verifies the action signature fails every signature rule); the catalogue lists it
under the rule it is the textbook case of. The body decoder (DRV-PARSE-ERROR) lives in
front of the exchange, so those two bugs are ASGI layers around the reference app.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from decimal import Decimal
from typing import Any

from starlette.applications import Starlette

from tradeproof.codes import DeriveCode as C
from tradeproof.reference import create_app
from tradeproof.reference.derive.accounts import Scope, Subaccount, Transfer
from tradeproof.reference.derive.auth import WALLET, Caller
from tradeproof.reference.derive.engine import DeriveExchange
from tradeproof.reference.derive.errors import RpcError
from tradeproof.reference.derive.params import FIELDS, Params, checksummed
from tradeproof.reference.derive.registry import METHODS
from tradeproof.reference.derive.rfq import Quote, QuoteLeg, Rfq
from tradeproof.signing import _secp
from tradeproof.signing import derive as sig

from . import Broken

EXECUTE = "private/execute_quote"


def _app(exchange: type[DeriveExchange]) -> Callable[..., Starlette]:
    """A fresh Derive-only reference app on a (broken) exchange."""
    return lambda rate_limit=True: create_app(derive=exchange(), protocols=["derive"], rate_limit=rate_limit)


# =========================================================================== requests


class _BodyGate:
    """ASGI layer in front of the app that decodes each POST body with plain ``json.loads``
    and lets ``undecodable`` answer for the bodies it cannot decode."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def undecodable(self, scope: Any, receive: Any, send: Any, body: bytes) -> None:
        raise NotImplementedError

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        chunks, more = [], True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if body.strip():
            try:
                json.loads(body)
            except ValueError:  # includes UnicodeDecodeError
                await self.undecodable(scope, receive, send, body)
                return
        await self.app(scope, _replay(body, receive), send)


def _replay(body: bytes, receive: Any) -> Callable[[], Awaitable[MutableMapping[str, Any]]]:
    delivered = False

    async def replay() -> MutableMapping[str, Any]:
        nonlocal delivered
        if delivered:
            return await receive()  # type: ignore[no-any-return]
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


class _NullForUndecodableJson(_BodyGate):
    """A body ``json.loads`` cannot decode is passed on as ``null``."""

    async def undecodable(self, scope: Any, receive: Any, send: Any, body: bytes) -> None:
        await self.app(scope, _replay(b"null", receive), send)


class _InvalidRequestForUndecodableJson(_BodyGate):
    """A body ``json.loads`` cannot decode is answered -32600 Invalid Request."""

    async def undecodable(self, scope: Any, receive: Any, send: Any, body: bytes) -> None:
        error = RpcError(C.INVALID_REQUEST, "invalid request").to_json()
        payload = json.dumps({"id": None, "error": error}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": payload})


def _gated(gate: type[_BodyGate]) -> Callable[..., Starlette]:
    def build(rate_limit: bool = True) -> Starlette:
        app = create_app(derive=DeriveExchange(), protocols=["derive"], rate_limit=rate_limit)
        app.add_middleware(gate)
        return app

    return build


class DropsUnknownParams(DeriveExchange):
    """Silently drops execute params the method does not take."""

    def call(self, method: str, params: Any, headers: Any = None) -> Any:
        if method == EXECUTE and isinstance(params, dict):
            required, optional = FIELDS[EXECUTE]
            params = {k: v for k, v in params.items() if k in required | optional}
        return super().call(method, params, headers)


class CoercesNumericStrings(DeriveExchange):
    """Accepts integer params sent as digit strings ("nonce": "1695…")."""

    def call(self, method: str, params: Any, headers: Any = None) -> Any:
        if method == EXECUTE and isinstance(params, dict):
            params = dict(params)
            for name in ("nonce", "signature_expiry_sec", "subaccount_id"):
                value = params.get(name)
                if isinstance(value, str) and value.isdigit():
                    params[name] = int(value)
        return super().call(method, params, headers)


class UnknownMethodIsInvalidRequest(DeriveExchange):
    """Answers -32600 Invalid Request for a method it does not serve."""

    def call(self, method: str, params: Any, headers: Any = None) -> Any:
        if method not in METHODS:
            raise RpcError(C.INVALID_REQUEST, f"invalid request: {method!r}")
        return super().call(method, params, headers)


class PrefixRouting(DeriveExchange):
    """Routes a method by prefix: ``private/execute_quote_x`` runs execute_quote."""

    def call(self, method: str, params: Any, headers: Any = None) -> Any:
        if isinstance(method, str) and method not in METHODS:
            method = next((known for known in METHODS if method.startswith(known)), method)
        return super().call(method, params, headers)


class OwnerSignsExecutions(DeriveExchange):
    """Only the owner may sign an execution; admin session keys are refused (14023)."""

    def check_signer(self, owner: str, signer: str) -> None:
        if signer != owner:
            raise RpcError(C.SIGNER_NOT_OWNER_OR_SESSION_KEY, f"{signer} is not {owner}")


class ResultWithoutIsTransfer(DeriveExchange):
    """The execute result omits ``is_transfer``."""

    def private_execute_quote(self, p: Params, caller: Caller) -> dict[str, Any]:
        result = super().private_execute_quote(p, caller)
        del result["is_transfer"]
        return result


class ResultNonceAsString(DeriveExchange):
    """The execute result carries ``nonce`` as a string (to spare JavaScript clients)."""

    def private_execute_quote(self, p: Params, caller: Caller) -> dict[str, Any]:
        result = super().private_execute_quote(p, caller)
        result["nonce"] = str(result["nonce"])
        return result


class WalletHeaderTrusted(DeriveExchange):
    """Trusts ``X-LyraWallet`` as the caller; the header signature is never checked."""

    def authenticate(self, headers: Any) -> Caller:
        lowered = {k.lower(): v for k, v in headers.items()}
        wallet = checksummed(lowered.get(WALLET, ""))
        if wallet is None:
            return super().authenticate(headers)
        return Caller(wallet, wallet, Scope.ADMIN)


class AnyHeaderSigner(DeriveExchange):
    """Requires a well-formed ``X-LyraSignature`` but not that the wallet (or its key) made it."""

    def authenticate(self, headers: Any) -> Caller:
        try:
            return super().authenticate(headers)
        except RpcError as refused:
            lowered = {k.lower(): v for k, v in headers.items()}
            wallet = checksummed(lowered.get(WALLET, ""))
            signer = sig.recover_auth_signer(
                lowered.get("x-lyratimestamp", ""), lowered.get("x-lyrasignature", "")
            )
            if refused.code != C.INVALID_SIGNATURE or wallet is None or signer is None:
                raise
            return Caller(wallet, wallet, Scope.ADMIN)


# =========================================================================== signatures


def _raw(signature: str) -> bytes | None:
    body = signature[2:] if signature[:2] in ("0x", "0X") else signature
    try:
        return bytes.fromhex(body)
    except ValueError:
        return None


def _hex(raw: bytes) -> str:
    return "0x" + raw.hex()


def _low_s(raw: bytes) -> bytes:
    """r ‖ s ‖ v with a high s replaced by n − s and v flipped 27 ↔ 28 (its low-s twin)."""
    s = int.from_bytes(raw[32:64], "big")
    if s <= _secp.HALF_N or len(raw) != 65 or raw[64] not in (27, 28):
        return raw
    return raw[:32] + (_secp.SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - raw[64]])


def _verify_any(
    actions: Sequence[sig.Action],
    domains: Sequence[sig.Domain],
    signature: str,
) -> None:
    """14014 unless ``signature`` recovers to the signer of one action under one domain."""
    for action in actions:
        for domain in domains:
            if sig.recover_action_signer(signature, action, domain) == action.signer:
                return
    raise RpcError(C.INVALID_SIGNATURE, "signature does not match the signer")


class NeverVerifiesSignature(DeriveExchange):
    """Checks that the signer may sign, but never verifies the action signature."""

    def verify_action_signature(self, **action: Any) -> None:
        pass


class OwnerSignatureTrusted(DeriveExchange):
    """Skips the action signature when the signer is the owner (the headers proved it)."""

    def verify_action_signature(self, **action: Any) -> None:
        if action["signer"] != action["owner"]:
            super().verify_action_signature(**action)


class AnyKnownWalletSigns(DeriveExchange):
    """Accepts an action signature by the signer or by any wallet that has an account."""

    def verify_action_signature(self, **action: Any) -> None:
        try:
            super().verify_action_signature(**action)
        except RpcError:
            signed = sig.Action(
                action["subaccount_id"], action["nonce"], self.signing_module(), action["data"],
                action["expiry"], action["owner"], action["signer"],
            )
            recovered = sig.recover_action_signer(
                action["signature"], signed, self.signing_domain()
            )
            if recovered is None or self.accounts.wallet(recovered) is None:
                raise


class AcceptsEitherChain(DeriveExchange):
    """Verifies under the testnet and the mainnet chain id alike."""

    def verify_action_signature(self, **action: Any) -> None:
        signed = sig.Action(
            action["subaccount_id"], action["nonce"], self.signing_module(), action["data"],
            action["expiry"], action["owner"], action["signer"],
        )
        domains = [
            dataclasses.replace(self.signing_domain(), chain_id=chain)
            for chain in (sig.V2_TESTNET.chain_id, sig.V2_MAINNET.chain_id)
        ]
        _verify_any([signed], domains, action["signature"])


class MatchingContractAsModule(DeriveExchange):
    """Accepts an Action naming the Matching contract as its module, as well as the RFQ module."""

    def verify_action_signature(self, **action: Any) -> None:
        actions = [
            sig.Action(
                action["subaccount_id"], action["nonce"], module, action["data"],
                action["expiry"], action["owner"], action["signer"],
            )
            for module in (self.signing_module(), self.signing_domain().verifying_contract)
        ]
        _verify_any(actions, [self.signing_domain()], action["signature"])


class AcceptsVZeroOne(DeriveExchange):
    """Normalises v = 0/1 to 27/28 before recovering (ecrecover refuses them)."""

    def verify_action_signature(self, *, signature: str, **action: Any) -> None:
        raw = _raw(signature)
        if raw is not None and len(raw) == 65 and raw[64] in (0, 1):
            signature = _hex(raw[:64] + bytes([raw[64] + 27]))
        super().verify_action_signature(signature=signature, **action)


class NormalisesHighS(DeriveExchange):
    """Turns a high-s signature into its low-s twin instead of refusing it."""

    def verify_action_signature(self, *, signature: str, **action: Any) -> None:
        raw = _raw(signature)
        if raw is not None:
            signature = _hex(_low_s(raw))
        super().verify_action_signature(signature=signature, **action)


class IgnoresTrailingBytes(DeriveExchange):
    """Reads the first 65 bytes of the signature and ignores the rest."""

    def verify_action_signature(self, *, signature: str, **action: Any) -> None:
        raw = _raw(signature)
        if raw is not None and len(raw) > 65:
            signature = _hex(raw[:65])
        super().verify_action_signature(signature=signature, **action)


class LaxEcrecover(DeriveExchange):
    """Recovers from r and a normalised s with either recovery id, ignoring v and length."""

    def verify_action_signature(self, *, signature: str, **action: Any) -> None:
        raw = _raw(signature)
        if raw is None or len(raw) < 64:
            super().verify_action_signature(signature=signature, **action)
            return
        rs = _low_s(raw[:64] + b"\x1b")[:64]
        for v in (27, 28):
            try:
                super().verify_action_signature(signature=_hex(rs + bytes([v])), **action)
                return
            except RpcError:
                continue
        raise RpcError(C.INVALID_SIGNATURE, "signature does not match the signer")


# =========================================================================== who signs


class SignerNotChecked(DeriveExchange):
    """Never checks that the signer is the owner or one of its session keys."""

    def check_signer(self, owner: str, signer: str) -> None:
        pass


class AnyWalletsSessionKey(DeriveExchange):
    """Finds the signer among every wallet's session keys, not only the owner's."""

    def check_signer(self, owner: str, signer: str) -> None:
        holder = next(
            (w.address for w in self.accounts.wallets.values() if signer.lower() in w.session_keys),
            owner,
        )
        super().check_signer(holder, signer)


class ScopeNotChecked(DeriveExchange):
    """Never compares the header key's scope with the method's minimum."""

    def check_scope(self, caller: Caller, required: Scope) -> None:
        pass


class AccountKeyMaySign(DeriveExchange):
    """Lets an account-scoped session key sign executions (admin required)."""

    def check_signer(self, owner: str, signer: str) -> None:
        try:
            super().check_signer(owner, signer)
        except RpcError as refused:
            account = self.accounts.wallet(owner)
            key = account.session_keys.get(signer.lower()) if account else None
            if refused.code != C.UNAUTHORIZED_KEY_SCOPE or key is None or key.scope < Scope.ACCOUNT:
                raise


class SignerKeyExpiryIgnored(DeriveExchange):
    """Checks the header key's expiry but not the action signer's."""

    def check_signer(self, owner: str, signer: str) -> None:
        try:
            super().check_signer(owner, signer)
        except RpcError as refused:
            if refused.code != C.SESSION_KEY_EXPIRED:
                raise
            account = self.accounts.wallet(owner)
            key = account.session_keys[signer.lower()] if account else None
            if key is None or key.scope < Scope.ADMIN:
                raise RpcError(C.UNAUTHORIZED_KEY_SCOPE, f"{signer}: admin required") from None


# =========================================================================== expiry, nonce


class ExpiryNotChecked(DeriveExchange):
    """Never checks signature_expiry_sec against the clock."""

    def check_signature_expiry(self, expiry: int) -> None:
        pass


class ExpiryOnlyInFuture(DeriveExchange):
    """Requires signature_expiry_sec in the future, not at least now + 310 s."""

    def check_signature_expiry(self, expiry: int) -> None:
        if expiry <= self.now():
            raise RpcError(C.INVALID_SIGNATURE_EXPIRY, "signature_expiry_sec is in the past")


class ExpiresAtSignatureExpiry(DeriveExchange):
    """Treats a quote as open until its signature expiry itself, not until 300 s before."""

    def check_open(self, quote: Quote, rfq: Rfq) -> None:
        now = self.now()
        if not (
            quote.status == "open"
            and now < quote.signature_expiry_sec
            and rfq.status_at(int(now * 1000)) == "open"
        ):
            super().check_open(quote, rfq)


class NonceReuseAllowed(DeriveExchange):
    """Never checks whether a nonce was used before."""

    def check_nonce_unused(self, wallet: str, nonce: int) -> None:
        pass


class NoncesPerSubaccount(DeriveExchange):
    """Remembers used nonces per subaccount, so another subaccount of the wallet may reuse one."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._acting: int | None = None  # the subaccount of the request being served
        self._used: set[tuple[int | None, int]] = set()

    def owned_subaccount(self, caller: Caller, subaccount_id: int) -> Subaccount:
        sub = super().owned_subaccount(caller, subaccount_id)
        self._acting = sub.id
        return sub

    def check_nonce_unused(self, wallet: str, nonce: int) -> None:
        if (self._acting, nonce) in self._used:
            raise RpcError(C.NON_UNIQUE_NONCE, "This nonce has already been used.")

    def consume_nonce(self, wallet: str, nonce: int) -> None:
        self._used.add((self._acting, nonce))


class NonceDateNotChecked(DeriveExchange):
    """Never checks that the nonce starts with the current UTC second."""

    def check_nonce_date(self, nonce: int) -> None:
        pass


class NonceDateWithinADay(DeriveExchange):
    """Accepts a nonce dated within a day of now instead of an hour."""

    def check_nonce_date(self, nonce: int) -> None:
        digits = str(nonce)
        if len(digits) < 10 or abs(int(digits[:10]) - self.now()) > 86400:
            raise RpcError(C.INVALID_NONCE_DATE, "nonce date is not within a day of now")


# =========================================================================== fees, margin


class MaxFeeNotChecked(DeriveExchange):
    """Never compares the taker's max_fee with the fee it charges."""

    def check_taker_max_fee(self, max_fee: Decimal, fee: Decimal) -> None:
        pass


class ZeroMaxFeeIsNoLimit(DeriveExchange):
    """Reads max_fee = 0 as "no limit"."""

    def check_taker_max_fee(self, max_fee: Decimal, fee: Decimal) -> None:
        if max_fee != 0:
            super().check_taker_max_fee(max_fee, fee)


class TakerMarginNotChecked(DeriveExchange):
    """Never checks the taker's margin."""

    def check_taker_margin(self, taker: Subaccount, transfers: Sequence[Transfer]) -> None:
        pass


class TakerMarginPreTrade(DeriveExchange):
    """Checks the taker's margin on its state before the trade, not after it."""

    def check_taker_margin(self, taker: Subaccount, transfers: Sequence[Transfer]) -> None:
        super().check_taker_margin(taker, [])


class MakerMarginNotChecked(DeriveExchange):
    """Never checks the maker's margin at execution."""

    def check_maker_margin(self, maker: Subaccount, transfers: Sequence[Transfer]) -> None:
        pass


class MakerMarginAtQuoteOnly(DeriveExchange):
    """Checks the maker's margin when the quote is sent (as if it filled then), not at execution."""

    def private_send_quote(self, p: Params, caller: Caller) -> dict[str, Any]:
        result = super().private_send_quote(p, caller)
        quote = self.book.quotes[result["quote_id"]]
        maker = self.accounts.subaccounts[quote.subaccount_id]
        fill = self.settlement_transfers(quote, maker, Decimal(0), self.fee(quote.legs, "maker"))
        if not self.has_margin(maker, fill[:1]):  # the maker's side only
            self._withdraw(quote)
            raise RpcError(C.INSUFFICIENT_FUNDS, "maker short of margin for this quote")
        return result

    def check_maker_margin(self, maker: Subaccount, transfers: Sequence[Transfer]) -> None:
        pass

    def _withdraw(self, quote: Quote) -> None:
        """Undo the accepted send_quote: forget the quote and free its nonce."""
        del self.book.quotes[quote.quote_id]
        self.book.quotes_by_rfq[quote.rfq_id].remove(quote.quote_id)
        self.book.quotes_by_subaccount[quote.subaccount_id].remove(quote.quote_id)
        account = self.accounts.wallet(quote.wallet)
        if account is not None:
            account.used_nonces.discard(quote.nonce)


# =========================================================================== quote state


class UnknownQuoteIsRfqNotFound(DeriveExchange):
    """Answers an unknown quote_id with 11101 (RFQ not found) instead of 11102."""

    def lookup_quote(self, quote_id: str) -> Quote:
        quote = self.book.quotes.get(quote_id)
        if quote is None:
            raise RpcError(C.RFQ_NOT_FOUND, f"no quote {quote_id!r}")
        return quote


class IgnoresRfqId(DeriveExchange):
    """Takes the RFQ from the quote and ignores the rfq_id param."""

    def check_quote_of_rfq(self, quote: Quote, rfq_id: str) -> Rfq:
        return self.book.rfqs[quote.rfq_id]


class OpenNotChecked(DeriveExchange):
    """Never checks that the quote and its RFQ are still open."""

    def check_open(self, quote: Quote, rfq: Rfq) -> None:
        pass


class OnlyRfqMustBeOpen(DeriveExchange):
    """Checks that the RFQ is open, not that the quote is."""

    def check_open(self, quote: Quote, rfq: Rfq) -> None:
        status = rfq.status_at(self.now_ms())
        if status != "open":
            raise RpcError(C.QUOTE_OR_RFQ_NOT_OPEN, f"RFQ {rfq.rfq_id} is {status}")


class DirectionNotCompared(DeriveExchange):
    """Compares the execute legs with the quote's, but not the direction."""

    def check_execute_matches_quote(
        self, direction: str, legs: Sequence[QuoteLeg], quote: Quote
    ) -> None:
        super().check_execute_matches_quote(sig.opposite(quote.direction), legs, quote)


class ExecuteNotCompared(DeriveExchange):
    """Never compares the execute direction and legs with the quote's (the quote's settle)."""

    def check_execute_matches_quote(
        self, direction: str, legs: Sequence[QuoteLeg], quote: Quote
    ) -> None:
        pass


class LegPricesNotCompared(DeriveExchange):
    """Compares the execute legs' instruments, directions and amounts, but not their prices."""

    def check_execute_matches_quote(
        self, direction: str, legs: Sequence[QuoteLeg], quote: Quote
    ) -> None:
        priced = {leg.instrument_name: leg.price for leg in quote.legs}
        repriced = [
            dataclasses.replace(leg, price=priced.get(leg.instrument_name, leg.price))
            for leg in legs
        ]
        super().check_execute_matches_quote(direction, repriced, quote)


# =========================================================================== settlement


class SettlementNeverApplied(DeriveExchange):
    """Records the fill but never applies the settlement batch."""

    def settle(self, transfers: list[Transfer]) -> None:
        pass


class TakerFeeNotCharged(DeriveExchange):
    """Reports the taker fee but never debits it (the fee account gets it from nowhere)."""

    def settlement_transfers(
        self, quote: Quote, taker: Subaccount, taker_fee: Decimal, maker_fee: Decimal
    ) -> list[Transfer]:
        transfers = super().settlement_transfers(quote, taker, taker_fee, maker_fee)
        taker_side = transfers[1]
        transfers[1] = dataclasses.replace(taker_side, cash=taker_side.cash + taker_fee)
        return transfers


class SettlesPartyByParty(DeriveExchange):
    """Applies each side, then checks that party's margin, with no rollback on refusal."""

    def check_taker_margin(self, taker: Subaccount, transfers: Sequence[Transfer]) -> None:
        pass

    def check_maker_margin(self, maker: Subaccount, transfers: Sequence[Transfer]) -> None:
        pass

    def settle(self, transfers: list[Transfer]) -> None:
        maker_side, taker_side, fees = transfers
        self.accounts.apply([maker_side])
        super().check_maker_margin(self.accounts.subaccounts[maker_side.subaccount_id], [])
        self.accounts.apply([taker_side])
        super().check_taker_margin(self.accounts.subaccounts[taker_side.subaccount_id], [])
        self.accounts.apply([fees])


class FillNeverRecorded(DeriveExchange):
    """Settles but never marks the quote filled or the RFQ closed."""

    def record_fill(self, quote: Quote, rfq: Rfq, execution: Quote, maker_fee: Decimal) -> None:
        pass


class RepeatIsIdempotent(DeriveExchange):
    """Answers a repeated execute of a quote the same taker filled with the original fill."""

    def private_execute_quote(self, p: Params, caller: Caller) -> dict[str, Any]:
        taker = self.owned_subaccount(caller, p.uint("subaccount_id"))
        done = self.book.executions.get(p.text("quote_id"))
        if done is not None and done.subaccount_id == taker.id:
            return done.to_json("filled")
        return super().private_execute_quote(p, caller)


# =========================================================================== the catalogue


def _b(rule_id: str, name: str, description: str, build: Callable[..., Starlette]) -> Broken:
    return Broken(rule_id, name, description, build)


BROKEN: list[Broken] = [
    # requests
    _b("DRV-PARAMS-SCHEMA", "drops-unknown-params",
       "Params the method does not take are silently dropped instead of refused.",
       _app(DropsUnknownParams)),
    _b("DRV-PARAMS-SCHEMA", "coerces-numeric-strings",
       "Integer params sent as digit strings are coerced to integers.",
       _app(CoercesNumericStrings)),
    _b("DRV-UNKNOWN-METHOD", "invalid-request-code",
       "An unknown method is answered -32600 Invalid Request instead of -32601.",
       _app(UnknownMethodIsInvalidRequest)),
    _b("DRV-UNKNOWN-METHOD", "prefix-routing",
       "Methods are routed by prefix, so private/execute_quote_x executes a quote.",
       _app(PrefixRouting)),
    _b("DRV-PARSE-ERROR", "bad-json-is-null",
       "An undecodable body is decoded as null and refused by the schema with -32602.",
       _gated(_NullForUndecodableJson)),
    _b("DRV-PARSE-ERROR", "invalid-request-code",
       "A JSON-RPC layer answers an undecodable body -32600 Invalid Request instead of -32700.",
       _gated(_InvalidRequestForUndecodableJson)),
    _b("DRV-VALID-ACCEPTED", "owner-signs-only",
       "Session keys may log in but not sign: an admin key's execution is refused with 14023.",
       _app(OwnerSignsExecutions)),
    _b("DRV-RESULT-SCHEMA", "no-is-transfer",
       "The execute result leaves out the is_transfer field.",
       _app(ResultWithoutIsTransfer)),
    _b("DRV-RESULT-SCHEMA", "nonce-as-string",
       "The execute result returns nonce as a string rather than an integer.",
       _app(ResultNonceAsString)),
    _b("DRV-AUTH-HEADERS", "wallet-header-trusted",
       "X-LyraWallet is trusted as the caller and X-LyraSignature is never checked.",
       _app(WalletHeaderTrusted)),
    _b("DRV-AUTH-HEADERS", "any-header-signer",
       "Any well-formed X-LyraSignature logs in, whoever signed it and whatever it signed.",
       _app(AnyHeaderSigner)),
    # signatures
    _b("DRV-SIG-TAMPERED", "never-verified",
       "The signer's registration is checked but the action signature is never verified.",
       _app(NeverVerifiesSignature)),
    _b("DRV-SIG-OTHER-KEY", "owner-trusted",
       "The action signature is skipped when the signer is the owner the headers authenticated.",
       _app(OwnerSignatureTrusted)),
    _b("DRV-SIG-OTHER-KEY", "any-known-wallet",
       "A signature is accepted if it recovers to the signer or to any wallet with an account.",
       _app(AnyKnownWalletSigns)),
    _b("DRV-SIG-DOMAIN", "either-chain",
       "Signatures are verified under the testnet and the mainnet chain id alike.",
       _app(AcceptsEitherChain)),
    _b("DRV-SIG-MODULE", "matching-as-module",
       "An Action naming the Matching contract as module is accepted besides the RFQ module.",
       _app(MatchingContractAsModule)),
    _b("DRV-SIG-MALFORMED", "v-0-1",
       "v = 0/1 is normalised to 27/28 before recovery instead of refused.",
       _app(AcceptsVZeroOne)),
    _b("DRV-SIG-MALFORMED", "high-s-normalised",
       "A high-s signature is turned into its low-s twin instead of refused.",
       _app(NormalisesHighS)),
    _b("DRV-SIG-MALFORMED", "trailing-bytes",
       "Only the first 65 bytes of the signature are read; extra bytes are ignored.",
       _app(IgnoresTrailingBytes)),
    _b("DRV-SIG-MALFORMED", "lax-ecrecover",
       "Recovery normalises s and tries both recovery ids, ignoring v and the length.",
       _app(LaxEcrecover)),
    # who signs
    _b("DRV-SIGNER-UNREGISTERED", "signer-unchecked",
       "The signer is never checked to be the owner or one of its session keys.",
       _app(SignerNotChecked)),
    _b("DRV-SIGNER-UNREGISTERED", "any-wallets-key",
       "The signer is looked up among every wallet's session keys, not only the owner's.",
       _app(AnyWalletsSessionKey)),
    _b("DRV-SESSION-KEY-SCOPE", "scope-unchecked",
       "The header key's scope is never compared with the method's minimum.",
       _app(ScopeNotChecked)),
    _b("DRV-SESSION-KEY-SCOPE", "account-key-signs",
       "An account-scoped session key may sign executions.",
       _app(AccountKeyMaySign)),
    _b("DRV-SESSION-KEY-EXPIRED", "signer-expiry-ignored",
       "The header key's expiry is checked, the action signer's is not.",
       _app(SignerKeyExpiryIgnored)),
    # expiry, nonce
    _b("DRV-EXPIRY-MIN-310", "not-checked",
       "signature_expiry_sec is never checked against the clock.",
       _app(ExpiryNotChecked)),
    _b("DRV-EXPIRY-MIN-310", "future-only",
       "signature_expiry_sec must be in the future rather than at least now + 310 s.",
       _app(ExpiryOnlyInFuture)),
    _b("DRV-QUOTE-EXPIRY-300", "open-until-expiry",
       "A quote stays open until its signature expiry instead of 300 s before it.",
       _app(ExpiresAtSignatureExpiry)),
    _b("DRV-NONCE-UNIQUE", "not-checked",
       "A nonce is never checked against the wallet's used nonces.",
       _app(NonceReuseAllowed)),
    _b("DRV-NONCE-UNIQUE", "per-subaccount",
       "Used nonces are remembered per subaccount, so a sibling subaccount may reuse one.",
       _app(NoncesPerSubaccount)),
    _b("DRV-NONCE-DATE", "not-checked",
       "The nonce's first 10 digits are never compared with the clock.",
       _app(NonceDateNotChecked)),
    _b("DRV-NONCE-DATE", "day-window",
       "A nonce dated within a day of now is accepted instead of within an hour.",
       _app(NonceDateWithinADay)),
    # fees, margin
    _b("DRV-MAX-FEE", "not-checked",
       "The taker's max_fee is never compared with the fee charged.",
       _app(MaxFeeNotChecked)),
    _b("DRV-MAX-FEE", "zero-is-no-limit",
       "max_fee = 0 is read as no limit.",
       _app(ZeroMaxFeeIsNoLimit)),
    _b("DRV-MARGIN-TAKER", "not-checked",
       "The taker's margin is never checked.",
       _app(TakerMarginNotChecked)),
    _b("DRV-MARGIN-TAKER", "pre-trade",
       "The taker's margin is checked on its state before the trade.",
       _app(TakerMarginPreTrade)),
    _b("DRV-MARGIN-MAKER", "not-checked",
       "The maker's margin is never checked at execution.",
       _app(MakerMarginNotChecked)),
    _b("DRV-MARGIN-MAKER", "quote-time-only",
       "The maker's margin is checked when the quote is sent, not when it is executed.",
       _app(MakerMarginAtQuoteOnly)),
    # quote state
    _b("DRV-QUOTE-UNKNOWN", "rfq-not-found-code",
       "An unknown quote_id is answered 11101 (RFQ not found) instead of 11102.",
       _app(UnknownQuoteIsRfqNotFound)),
    _b("DRV-QUOTE-OTHER-RFQ", "ignores-rfq-id",
       "The RFQ is taken from the quote and the rfq_id param is ignored.",
       _app(IgnoresRfqId)),
    _b("DRV-QUOTE-NOT-OPEN", "not-checked",
       "Neither the quote nor its RFQ is checked to be open.",
       _app(OpenNotChecked)),
    _b("DRV-QUOTE-NOT-OPEN", "rfq-only",
       "The RFQ is checked to be open but the quote is not, so a cancelled quote executes.",
       _app(OnlyRfqMustBeOpen)),
    _b("DRV-DIRECTION-SAME", "not-compared",
       "The execute legs are compared with the quote's but the direction is not.",
       _app(DirectionNotCompared)),
    _b("DRV-LEGS-MISMATCH", "not-compared",
       "The execute direction and legs are never compared with the quote's.",
       _app(ExecuteNotCompared)),
    _b("DRV-LEGS-MISMATCH", "price-not-compared",
       "Execute legs are compared by instrument, direction and amount but not price.",
       _app(LegPricesNotCompared)),
    # settlement
    _b("DRV-ATOMIC-SETTLE", "never-applied",
       "The fill is recorded but the settlement batch is never applied.",
       _app(SettlementNeverApplied)),
    _b("DRV-ATOMIC-SETTLE", "taker-fee-not-debited",
       "The taker fee is reported and credited to the fee account but never debited.",
       _app(TakerFeeNotCharged)),
    _b("DRV-ATOMIC-SETTLE", "party-by-party",
       "Each side is applied before its margin check, so a refused taker leaves the maker moved.",
       _app(SettlesPartyByParty)),
    _b("DRV-DOUBLE-EXECUTE", "fill-not-recorded",
       "The trade settles but the quote is never marked filled nor the RFQ closed.",
       _app(FillNeverRecorded)),
    _b("DRV-DOUBLE-EXECUTE", "idempotent-repeat",
       "A repeated execute of a filled quote by its taker is answered with the original fill.",
       _app(RepeatIsIdempotent)),
]
