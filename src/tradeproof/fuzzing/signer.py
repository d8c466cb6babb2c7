"""Sign what Schemathesis generates, just before it is sent.

Both protocols sign the request body itself (O2: a session-key signature over the ABI
encoding of the actions; Derive: an EIP-712 signature over the quote's fields), so an
unsigned generated body is refused at the signature check and never reaches the
validation behind it. Schemathesis has no signing feature (issue #2329): its auth hooks
do not know that ``signature`` depends on the other fields.

Here the signing runs in Schemathesis' ``before_call`` hook, the one hook that runs in
every phase (examples, coverage, fuzzing, stateful) after all generation and mutation,
and may still change the request. It:

* puts a real account into the fields that name one (trade account, session, owner
  header, subaccount, signer, wallet) and a live nonce into ``nonce`` — but only where
  the generated value is already well-formed, so a negative case stays exactly as
  invalid as Schemathesis made it;
* maps well-formed generated ids onto real ones deterministically (O2 market and
  contract ids onto the target's markets, Derive instrument names onto its
  instruments, RFQ and quote ids onto open ones), so the same generated value always
  lands on the same real object and shrinking stays meaningful;
* then, if the body (as mutated) can be encoded for signing, replaces a well-formed
  ``signature`` with a correct one over exactly those fields. A body that cannot be
  encoded is sent as generated: it exercises the parser, which must refuse it.

Session writes are paced per owner (``target.pacer``) and spread over a pool of
owners. ``after_call`` keeps each pool account's nonce current.

Use :func:`signing` around the code that calls ``case.call()``::

    with signing(O2Signer(target, new_trader), DeriveSigner(derive, domain, new_party)):
        case.call(base_url=url)
"""

from __future__ import annotations

import re
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from .. import schemas
from ..errors import EncodingError
from ..messages import derive as derive_msg
from ..scenarios.derive import default_plan, leg_of
from ..signing import derive as derive_sig
from ..signing import o2 as o2_sig
from ..signing.keys import Key
from ..target import DeriveTarget, NotProvisioned, O2Target, O2Trader, Party
from ..target.outcome import Kind, classify_derive, classify_o2, parse_body

if TYPE_CHECKING:
    import schemathesis

OWNER_HEADER = "O2-Owner-Id"
SESSION, ACTIONS = "/v1/session", "/v1/session/actions"
_B256 = re.compile(r"0x[0-9a-fA-F]{64}")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
# What can go wrong encoding a generated body for signing: it is not the shape the
# encoder reads. Any of these means "send it unsigned".
_UNENCODABLE = (EncodingError, KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError)


def _pick(value: Any, count: int) -> int:
    """A stable index in ``range(count)`` for a generated value (not Python's salted hash)."""
    return zlib.crc32(repr(value).encode("utf-8", "surrogatepass")) % count


def _onto(value: str, real: Sequence[str]) -> str:
    """``value`` if it names a real object already, else the real one it maps onto."""
    return value if value in real else real[_pick(value, len(real))]


def _is_b256(value: Any) -> bool:
    return isinstance(value, str) and _B256.fullmatch(value) is not None


def _is_u64(value: Any) -> bool:
    try:
        o2_sig.parse_u64(value)
    except EncodingError:
        return False
    return True


def _well_formed_legs(legs: Any) -> bool:
    return isinstance(legs, list) and bool(legs) and all(schemas.is_valid("derive/leg", leg) for leg in legs)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _header(case: schemathesis.Case, name: str) -> str | None:
    """The header's name as generated (any case), or None when absent."""
    for key in case.headers or {}:
        if key.lower() == name.lower():
            return str(key)
    return None


class Signer(Protocol):
    """What the hooks need from a protocol's signer."""

    def handles(self, case: schemathesis.Case) -> bool: ...

    def prepare(self, case: schemathesis.Case) -> Any: ...

    def finish(self, token: Any, status: int | None, body: Any) -> None: ...


# =========================================================================== O2


@dataclass
class _Pool:
    """Round-robin O2 traders, created on first use; each knows whether its nonce is stale."""

    make: Callable[[], O2Trader]
    size: int
    traders: list[O2Trader] = field(default_factory=list)
    stale: set[int] = field(default_factory=set)
    turn: int = 0

    def next(self) -> O2Trader:
        if len(self.traders) < self.size:
            try:
                self.traders.append(self.make())
            except NotProvisioned:
                if not self.traders:
                    raise
                self.size = len(self.traders)  # configured accounts ran out: use those there are
            trader = self.traders[-1]
        else:
            trader = self.traders[self.turn % self.size]
            self.turn += 1
        if id(trader) in self.stale:
            trader.refresh()
            self.stale.discard(id(trader))
        return trader


@dataclass(frozen=True)
class _O2Sent:
    trader: O2Trader
    pool: _Pool
    nonce: int | None  # the nonce put into the body, if any


class O2Signer:
    """Re-signs ``PUT /v1/session`` (owner) and ``POST /v1/session/actions`` (session key).

    ``new_trader(label, session=...)`` makes a funded trader (the ``new_trader`` fixture,
    or ``O2Accounts.new``). Session actions rotate over ``pool_size`` traders with open
    sessions; session updates over ``session_pool_size`` other traders, so that a
    generated session update that succeeds never revokes the session the actions sign
    with.
    """

    def __init__(
        self,
        target: O2Target,
        new_trader: Callable[..., O2Trader],
        *,
        pool_size: int = 12,
        session_pool_size: int = 4,
    ) -> None:
        self.target = target
        self.actions_pool = _Pool(lambda: new_trader("schemathesis"), pool_size)
        self.session_pool = _Pool(
            lambda: new_trader("schemathesis-owner", session=False), session_pool_size
        )

    def ready(self) -> None:
        """Create one trader of each pool now (raises ``NotProvisioned`` when the target
        cannot give accounts), so that nothing slow happens inside a hook."""
        self.actions_pool.next()
        self.session_pool.next()

    def handles(self, case: schemathesis.Case) -> bool:
        return (case.method.upper(), case.path) in (("PUT", SESSION), ("POST", ACTIONS))

    # ------------------------------------------------------------------ before the call

    def prepare(self, case: schemathesis.Case) -> _O2Sent:
        session = case.path == SESSION
        pool = self.session_pool if session else self.actions_pool
        trader = pool.next()
        name = _header(case, OWNER_HEADER)
        if name is not None and _is_b256(case.headers[name]):
            case.headers[name] = o2_sig.hex0x(trader.owner_b256)
        nonce = None
        body = case.body
        if isinstance(body, dict):
            if _is_u64(body.get("nonce")):
                body["nonce"] = str(trader.nonce)
                nonce = trader.nonce
            if session:
                self._fill_session(body, trader)
            else:
                self._fill_actions(body, trader)
            if schemas.is_valid("common/signature", body.get("signature")):
                sign = self._sign_session if session else self._sign_actions
                try:
                    body["signature"] = o2_sig.signature_json(sign(body, trader))
                except _UNENCODABLE:
                    pass  # sent as generated: the parser must refuse it
        # pace on what is actually sent: the target counts requests by this header
        sent = case.headers.get(name) if name is not None else None
        key: Any = o2_sig.parse_b256(sent) if _is_b256(sent) else sent
        self.target.pacer.wait((key, case.path))
        return _O2Sent(trader, pool, nonce)

    def _fill_actions(self, body: dict[str, Any], trader: O2Trader) -> None:
        if _is_b256(body.get("trade_account_id")):
            body["trade_account_id"] = trader.trade_account_id
        if self._is_identity(body.get("session_id")) and trader.session_key is not None:
            body["session_id"] = {"Address": o2_sig.hex0x(trader.session_key.fuel_address)}
        markets = [o2_sig.hex0x(m) for m in sorted(self.target.context.markets)]
        for group in body.get("actions") if isinstance(body.get("actions"), list) else ():
            if isinstance(group, dict) and _is_b256(group.get("market_id")):
                group["market_id"] = _onto(group["market_id"].lower(), markets)

    def _fill_session(self, body: dict[str, Any], trader: O2Trader) -> None:
        if _is_b256(body.get("contract_id")):
            body["contract_id"] = trader.trade_account_id
        contracts = sorted(o2_sig.hex0x(m.contract_id) for m in self.target.context.markets.values())
        if isinstance(body.get("contract_ids"), list):
            body["contract_ids"] = [
                _onto(c.lower(), contracts) if _is_b256(c) else c for c in body["contract_ids"]
            ]

    @staticmethod
    def _is_identity(value: Any) -> bool:
        return schemas.is_valid("common/identity", value)

    def _sign_actions(self, body: Mapping[str, Any], trader: O2Trader) -> bytes:
        if trader.session_key is None:
            raise EncodingError("the trader has no session")
        context = self.target.context
        calls = o2_sig.batch_calls(body["actions"], context.markets, context.accounts_registry_id)
        return o2_sig.sign_actions(trader.session_key, o2_sig.parse_u64(body["nonce"], "nonce"), calls)

    def _sign_session(self, body: Mapping[str, Any], trader: O2Trader) -> bytes:
        session_id = body["session_id"]
        if not isinstance(session_id, Mapping) or set(session_id) != {"Address"}:
            raise EncodingError("only an Address session can be signed")
        if not isinstance(body["contract_ids"], list):
            raise EncodingError("contract_ids must be a list")
        message = o2_sig.session_signing_bytes(
            o2_sig.parse_u64(body["nonce"], "nonce"),
            self.target.context.chain_id,
            o2_sig.parse_b256(session_id["Address"], "session_id"),
            o2_sig.parse_u64(body["expiry"], "expiry"),
            [o2_sig.parse_b256(c, "contract_ids") for c in body["contract_ids"]],
        )
        return o2_sig.sign_session(trader.owner, message, evm=trader.evm_owner)

    # ------------------------------------------------------------------ after the call

    def finish(self, token: _O2Sent, status: int | None, body: Any) -> None:
        """Keep the trader's nonce current without re-reading it after every request:
        +1 after an accepted request with our nonce, unchanged after a pre-flight
        rejection (or rate limit), re-read before its next use otherwise."""
        if status is None:
            token.pool.stale.add(id(token.trader))
            return
        kind, code, _ = classify_o2(status, body)
        if kind is Kind.ACCEPTED and token.nonce is not None and token.nonce == token.trader.nonce:
            token.trader.nonce += 1
        elif kind is Kind.RATE_LIMITED or (kind is Kind.REJECTED and code not in (None, 1000)):
            return
        else:
            token.pool.stale.add(id(token.trader))


# =========================================================================== Derive

TAKER_METHODS = frozenset(
    {"private/send_rfq", "private/poll_quotes", "private/execute_quote", "private/cancel_rfq",
     "private/get_subaccount", "private/register_scoped_session_key"}
)
CONSUMING = frozenset({"private/execute_quote", "private/cancel_quote", "private/cancel_rfq"})
# A generated expiry lands in [now - 290 s, now + 6910 s): about 8% too short (11011),
# the rest valid; small generated numbers (Hypothesis' favourites) land on valid ones.
EXPIRY_WINDOW = 7200
EXPIRY_FLOOR = 310 - 600
EXPIRY_SHIFT = 900
QUOTE_TTL = 900  # seconds a pooled quote is signed for; replaced after QUOTE_REFRESH
QUOTE_REFRESH = 500


@dataclass
class OpenQuote:
    """An open RFQ of the taker with one open quote of the maker on it."""

    rfq_id: str
    quote_id: str
    direction: str  # the quote's
    legs: list[dict[str, str]]
    created: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class _DeriveSent:
    method: str
    quote: OpenQuote | None


class DeriveSigner:
    """Re-signs Derive private calls: X-Lyra auth headers always, and the EIP-712
    ``signature`` of ``send_quote`` / ``execute_quote`` when the params can be encoded.

    ``new_party(label)`` makes a funded wallet and subaccount (the ``new_party``
    fixture, or ``DeriveAccounts.new``). One party is the taker (RFQs, executions),
    another the maker (quotes); ``open_quotes`` open RFQs with a maker quote each are
    kept for generated ``rfq_id`` / ``quote_id`` values to land on.
    """

    def __init__(
        self,
        target: DeriveTarget,
        domain: derive_sig.Domain,
        new_party: Callable[[str], Party],
        *,
        open_quotes: int = 2,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.target = target
        self.domain = domain
        self._new_party = new_party
        self._parties: dict[str, Party] = {}
        self.open_quotes = open_quotes
        self.quotes: list[OpenQuote] = []
        self.clock = clock
        self.skew = 0.0  # the target's clock minus ours, in seconds (set by ready())
        self._lock = threading.Lock()

    def party(self, role: str) -> Party:
        if role not in self._parties:
            self._parties[role] = self._new_party(f"schemathesis-{role}")
        return self._parties[role]

    def ready(self) -> None:
        """Create both parties, read the instruments and the target's clock now (see
        ``O2Signer.ready``)."""
        self.party("taker"), self.party("maker")
        _ = self.target.instrument_refs
        self.skew = self.target.server_time_ms() / 1000 - self.clock()

    def now(self) -> int:
        """The target's time in whole seconds, without asking it."""
        return int(self.clock() + self.skew)

    def handles(self, case: schemathesis.Case) -> bool:
        return case.method.upper() == "POST" and case.path.startswith("/private/")

    # ------------------------------------------------------------------ before the call

    def prepare(self, case: schemathesis.Case) -> _DeriveSent:
        method = case.path.lstrip("/")
        party = self.party("taker" if method in TAKER_METHODS else "maker")
        headers = dict(case.headers or {})
        for name in [k for k in headers if k.lower().startswith("x-lyra")]:
            del headers[name]
        headers.update(party.headers())
        case.headers = headers
        body, quote = case.body, None
        if isinstance(body, dict):
            quote = self._fill(body, party)
            signed = method in ("private/send_quote", "private/execute_quote")
            if signed and isinstance(body.get("signature"), str):
                try:
                    body["signature"] = self._sign(method, body, party)
                except _UNENCODABLE:
                    pass
        return _DeriveSent(method, quote)

    def _fill(self, body: dict[str, Any], party: Party) -> OpenQuote | None:
        if _is_int(body.get("subaccount_id")):
            body["subaccount_id"] = party.subaccount_id
        if isinstance(body.get("signer"), str):
            body["signer"] = party.key.evm_address
        if isinstance(body.get("wallet"), str):
            body["wallet"] = party.wallet
        if _is_int(body.get("nonce")):
            body["nonce"] = derive_msg.new_nonce()
        if _is_int(body.get("signature_expiry_sec")):
            given, now = body["signature_expiry_sec"], self.now()
            if not now + 310 <= given <= now + EXPIRY_WINDOW:  # generated, not chosen: bring it near now
                body["signature_expiry_sec"] = now + EXPIRY_FLOOR + (given + EXPIRY_SHIFT) % EXPIRY_WINDOW
        names = sorted(self.target.instrument_refs)
        for leg in body.get("legs") if isinstance(body.get("legs"), list) else ():
            if isinstance(leg, dict) and isinstance(leg.get("instrument_name"), str) and names:
                leg["instrument_name"] = _onto(leg["instrument_name"], names)
        key = body.get("public_session_key")
        if isinstance(key, str) and not _ADDRESS.fullmatch(key):
            body["public_session_key"] = Key.derive("schemathesis", key).evm_address  # any address
        generated = [body[k] for k in ("quote_id", "rfq_id") if isinstance(body.get(k), str)]
        if not generated:
            return None
        quote = self.quote_for(generated[0])
        if quote is not None:
            if isinstance(body.get("rfq_id"), str):
                body["rfq_id"] = quote.rfq_id
            if isinstance(body.get("quote_id"), str):
                body["quote_id"] = quote.quote_id
                if _well_formed_legs(body.get("legs")) and _pick(body["legs"], 2) == 0:
                    # half of the well-formed leg lists become the quote's own (and a
                    # well-formed direction the taker's), so that some executions match
                    # and settle, and their results get judged
                    body["legs"] = [dict(leg) for leg in quote.legs]
                    if body.get("direction") in ("buy", "sell"):
                        body["direction"] = derive_sig.opposite(quote.direction)
        return quote

    def _sign(self, method: str, body: Mapping[str, Any], party: Party) -> str:
        legs = derive_msg.signing_legs(body["legs"], self.target.instrument_refs)
        if method == "private/send_quote":
            data = derive_sig.quote_module_data(body["direction"], body["max_fee"], legs)
        else:
            data = derive_sig.execute_module_data(body["direction"], body["max_fee"], legs)
        for name in ("subaccount_id", "nonce", "signature_expiry_sec"):
            if not _is_int(body[name]) or body[name] < 0:
                raise EncodingError(f"{name} is not a uint256")
        action = derive_sig.Action(
            body["subaccount_id"], body["nonce"], self.domain.rfq_module, data,
            body["signature_expiry_sec"], party.wallet, body["signer"],
        )
        return derive_sig.sign_action(party.key, action, self.domain)

    # ------------------------------------------------------------------ open quotes

    def quote_for(self, generated: str) -> OpenQuote | None:
        """The open quote a generated ``rfq_id`` / ``quote_id`` lands on (None when the
        target will not open one); opens quotes as needed."""
        with self._lock:
            now = time.monotonic()
            self.quotes = [q for q in self.quotes if now - q.created < QUOTE_REFRESH]
            while len(self.quotes) < self.open_quotes:
                quote = self._new_quote()
                if quote is None:
                    break
                self.quotes.append(quote)
            for quote in self.quotes:
                if generated in (quote.rfq_id, quote.quote_id):
                    return quote
            return self.quotes[_pick(generated, len(self.quotes))] if self.quotes else None

    def _new_quote(self) -> OpenQuote | None:
        taker, maker = self.party("taker"), self.party("maker")
        legs = [leg_of(self.target, plan) for plan in default_plan(self.target)]
        rfq_legs = [{k: leg[k] for k in ("instrument_name", "amount", "direction")} for leg in legs]
        rfq = self.target.call(
            "private/send_rfq", {"subaccount_id": taker.subaccount_id, "legs": rfq_legs}, party=taker
        )
        if not rfq.accepted:
            return None
        rfq_id = str(rfq.body["result"]["rfq_id"])
        params = derive_msg.quote_params(
            self.domain, maker.key, owner=maker.wallet, subaccount_id=maker.subaccount_id, rfq_id=rfq_id,
            direction="sell", legs=legs, max_fee="1000", nonce=derive_msg.new_nonce(),
            expiry=self.now() + QUOTE_TTL, instruments=self.target.instrument_refs,
        )
        quote = self.target.call("private/send_quote", params, party=maker)
        if not quote.accepted:
            return None
        return OpenQuote(rfq_id, str(quote.body["result"]["quote_id"]), "sell", legs)

    # ------------------------------------------------------------------ after the call

    def finish(self, token: _DeriveSent, status: int | None, body: Any) -> None:
        """Drop a pooled quote that an accepted execute or cancel may have closed."""
        if token.quote is None or token.method not in CONSUMING or status is None:
            return
        kind, _, _ = classify_derive(status, body)
        if kind is Kind.ACCEPTED:
            with self._lock:
                self.quotes = [q for q in self.quotes if q is not token.quote]


# =========================================================================== hooks

_active: list[Signer] = []
_pending: dict[int, tuple[Signer, Any]] = {}
_installed = False
_install_lock = threading.Lock()


def _before_call(context: Any, case: schemathesis.Case, kwargs: dict[str, Any]) -> None:
    for signer in list(_active):
        if signer.handles(case):
            _pending[id(case)] = (signer, signer.prepare(case))
            return


def _after_call(context: Any, case: schemathesis.Case, response: schemathesis.Response) -> None:
    entry = _pending.pop(id(case), None)
    if entry is not None:
        is_json, body = parse_body(response.content.decode("utf-8", "replace"))
        entry[0].finish(entry[1], response.status_code, body if is_json else None)


def _after_network_error(context: Any, case: schemathesis.Case, request: Any) -> None:
    entry = _pending.pop(id(case), None)
    if entry is not None:
        entry[0].finish(entry[1], None, None)


def install_hooks() -> None:
    """Register the hooks with Schemathesis (global scope; once per process). They do
    nothing outside :func:`signing`, so other Schemathesis use is unaffected."""
    global _installed
    import schemathesis

    with _install_lock:
        if _installed:
            return
        schemathesis.hook("before_call")(_before_call)
        schemathesis.hook("after_call")(_after_call)
        schemathesis.hook("after_network_error")(_after_network_error)
        _installed = True


def activate(*signers: Signer) -> None:
    """Sign the cases of these signers' operations from now on (e.g. in a module loaded
    by ``SCHEMATHESIS_HOOKS`` for ``st run``)."""
    install_hooks()
    _active.extend(signers)


def deactivate(*signers: Signer) -> None:
    for signer in signers:
        _active.remove(signer)
    _pending.clear()


@contextmanager
def signing(*signers: Signer) -> Iterator[None]:
    """Sign the cases of these signers' operations while the block runs."""
    activate(*signers)
    try:
        yield
    finally:
        deactivate(*signers)


def active() -> Sequence[Signer]:
    """The signers in use (for diagnostics)."""
    return tuple(_active)
