"""Derive RFQ scenarios: a taker's RFQ, a maker's signed quote, and executions of it.

Everything goes through the public JSON-RPC methods, so a scenario runs on any target.
Prices and amounts are put on each instrument's tick and step as listed by
``public/get_instruments``.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .. import schemas
from ..checks import RuleViolation, expect_accepted, expect_outcome, require, require_derive_unchanged
from ..codes import DeriveCode
from ..messages import derive as msg
from ..signing import derive as sig
from ..signing.corrupt import DeriveCorruption, derive_bad_signature, other_key
from ..signing.keys import Key
from ..target.derive import DeriveTarget, Party
from ..target.outcome import Outcome
from ..target.snapshot import DeriveSnapshot, derive_snapshot

QUOTE_LIFETIME = 900  # seconds: well above the 310 s minimum
GENEROUS_FEE = "1000"


@dataclass(frozen=True)
class LegPlan:
    """One leg to ask for: instrument, taker-view direction, and a multiple of its step."""

    instrument: str
    direction: str
    steps: int = 1
    price_ticks: int = 100


def _dec(value: Any) -> Decimal:
    return Decimal(str(value))


def options(target: DeriveTarget) -> list[str]:
    """Active option instruments, by name (sorted, so scenarios are deterministic)."""
    names = [n for n, i in target.instruments.items() if i.get("instrument_type") == "option" and i.get("is_active", True)]
    return sorted(names)


def default_plan(target: DeriveTarget, n_legs: int = 2) -> list[LegPlan]:
    names = options(target) or sorted(target.instruments)
    directions = ["buy", "sell"]
    return [LegPlan(name, directions[i % 2], steps=i + 1) for i, name in enumerate(names[:n_legs])]


def _leg(target: DeriveTarget, plan: LegPlan) -> dict[str, str]:
    info = target.instruments[plan.instrument]
    amount = max(_dec(info["minimum_amount"]), _dec(info["amount_step"]) * plan.steps)
    price = _dec(info["tick_size"]) * plan.price_ticks
    return {"instrument_name": plan.instrument, "direction": plan.direction, "price": str(price), "amount": str(amount)}


@dataclass
class Quoted:
    """An open RFQ with one open maker quote on it."""

    target: DeriveTarget
    domain: sig.Domain
    taker: Party
    maker: Party
    rfq_id: str
    quote_id: str
    quote_direction: str
    legs: list[dict[str, str]]
    quote: Mapping[str, Any] = field(default_factory=dict)

    @property
    def taker_direction(self) -> str:
        return sig.opposite(self.quote_direction)

    def expiry(self, seconds: int = QUOTE_LIFETIME) -> int:
        return self.target.server_time_ms() // 1000 + seconds

    def execute_params(
        self,
        *,
        key: Key | None = None,
        subaccount_id: int | None = None,
        direction: str | None = None,
        legs: Sequence[Mapping[str, str]] | None = None,
        max_fee: str = GENEROUS_FEE,
        nonce: int | None = None,
        expiry: int | None = None,
        quote_id: str | None = None,
        rfq_id: str | None = None,
        owner: str | None = None,
    ) -> dict[str, Any]:
        """Correctly signed execute params; any argument overrides one signed input."""
        return msg.execute_params(
            self.domain,
            key or self.taker.key,
            owner=owner or self.taker.wallet,
            subaccount_id=self.taker.subaccount_id if subaccount_id is None else subaccount_id,
            rfq_id=rfq_id or self.rfq_id,
            quote_id=quote_id or self.quote_id,
            direction=direction or self.taker_direction,
            legs=list(legs if legs is not None else self.legs),
            max_fee=max_fee,
            nonce=msg.new_nonce() if nonce is None else nonce,
            expiry=self.expiry() if expiry is None else expiry,
            instruments=self.target.instrument_refs,
            label="",
        )

    def execute(self, params: Mapping[str, Any], party: Party | None = None) -> Outcome:
        return self.target.call("private/execute_quote", dict(params), party=party or self.taker)

    def quote_status(self) -> str:
        result = self.target.result("private/get_quotes", {"subaccount_id": self.maker.subaccount_id, "quote_id": self.quote_id}, party=self.maker)
        quotes = result.get("quotes", []) if isinstance(result, dict) else []
        return str(quotes[0]["status"]) if quotes else "missing"

    # ------------------------------------------------------------------ added helpers

    def snapshot(self, *others: Party) -> DeriveSnapshot:
        """Cash and positions of the taker, the maker and ``others``."""
        return derive_snapshot(self.target, [self.taker, self.maker, *others])

    def maker_view(self) -> Mapping[str, Any] | None:
        """The maker's own view of the quote (``private/get_quotes``), None if not listed."""
        result = self.target.result("private/get_quotes", {"subaccount_id": self.maker.subaccount_id, "quote_id": self.quote_id}, party=self.maker)
        quotes = result.get("quotes", []) if isinstance(result, dict) else []
        return quotes[0] if quotes and isinstance(quotes[0], dict) else None

    def action_of(self, params: Mapping[str, Any], *, owner: str | None = None) -> sig.Action:
        """The EIP-712 Action a correct signer signs for these execute params."""
        data = sig.execute_module_data(
            params["direction"], params["max_fee"], msg.signing_legs(params["legs"], self.target.instrument_refs)
        )
        return sig.Action(
            params["subaccount_id"], params["nonce"], self.domain.rfq_module, data,
            params["signature_expiry_sec"], owner or self.taker.wallet, params["signer"],
        )

    def corrupted(self, params: Mapping[str, Any], kind: DeriveCorruption, key: Key | None = None) -> dict[str, Any]:
        """``params`` with its signature replaced by a wrong one of the given kind."""
        bad = derive_bad_signature(kind, key or self.taker.key, self.action_of(params), self.domain)
        return {**params, "signature": bad}

    def send_another_quote(self, maker: Party, *, direction: str | None = None, expiry: int | None = None) -> Outcome:
        """A new quote on this RFQ (same legs) by ``maker``."""
        return send_quote(
            self.target, self.domain, maker, self.rfq_id, self.legs, direction or self.quote_direction,
            expiry=self.expiry() if expiry is None else expiry,
        )

    def another_quote(self, maker: Party, rule_id: str, *, direction: str | None = None) -> Quoted:
        """A second open quote on this RFQ, by ``maker`` (must be accepted)."""
        outcome = self.send_another_quote(maker, direction=direction)
        expect_accepted(rule_id, outcome, detail="send_quote (a second quote on the RFQ)")
        quote = outcome.body["result"]
        return Quoted(
            self.target, self.domain, self.taker, maker, self.rfq_id, str(quote["quote_id"]),
            direction or self.quote_direction, list(self.legs), quote,
        )

    def maker_position_moves(self) -> dict[str, Decimal]:
        """TARGET.md §2: the maker's position moves by amount·leg_sign·quote_sign per leg
        (the taker's by the opposite)."""
        q = _direction_sign(self.quote_direction)
        moves: dict[str, Decimal] = {}
        for leg in self.legs:
            name = leg["instrument_name"]
            moves[name] = moves.get(name, Decimal(0)) + _dec(leg["amount"]) * _direction_sign(leg["direction"]) * q
        return {name: move for name, move in moves.items() if move != 0}

    def maker_leg_cash(self) -> Decimal:
        """The maker's cash change from the legs alone: −Σ price · (signed maker amount)."""
        q = _direction_sign(self.quote_direction)
        return -sum(
            (_dec(leg["price"]) * _dec(leg["amount"]) * _direction_sign(leg["direction"]) * q for leg in self.legs),
            Decimal(0),
        )

    def wait_settled(self, result: Mapping[str, Any], timeout: float = 10.0) -> str | None:
        """The execution's final ``tx_status`` (``settled``/``reverted``), polling the maker's
        view of the quote while it is ``requested``/``pending``; None if it never ends."""
        status = result.get("tx_status")
        deadline = time.monotonic() + timeout
        while status not in FINAL_TX_STATUSES:
            if time.monotonic() > deadline:
                return None
            time.sleep(0.2)
            view = self.maker_view()
            status = view.get("tx_status") if view else None
        return str(status)


def send_rfq(target: DeriveTarget, taker: Party, legs: Sequence[Mapping[str, str]], rule_id: str) -> str:
    rfq_legs = [{k: leg[k] for k in ("instrument_name", "amount", "direction")} for leg in legs]
    outcome = target.call("private/send_rfq", {"subaccount_id": taker.subaccount_id, "legs": rfq_legs}, party=taker)
    expect_accepted(rule_id, outcome, detail="send_rfq")
    return str(outcome.body["result"]["rfq_id"])


def send_quote(
    target: DeriveTarget,
    domain: sig.Domain,
    maker: Party,
    rfq_id: str,
    legs: Sequence[Mapping[str, str]],
    direction: str,
    *,
    expiry: int,
    max_fee: str = GENEROUS_FEE,
) -> Outcome:
    params = msg.quote_params(
        domain, maker.key, owner=maker.wallet, subaccount_id=maker.subaccount_id, rfq_id=rfq_id,
        direction=direction, legs=list(legs), max_fee=max_fee, nonce=msg.new_nonce(), expiry=expiry,
        instruments=target.instrument_refs,
    )
    return target.call("private/send_quote", params, party=maker)


def open_quote(
    target: DeriveTarget,
    domain: sig.Domain,
    taker: Party,
    maker: Party,
    rule_id: str,
    *,
    plan: Sequence[LegPlan] | None = None,
    quote_direction: str = "sell",
    lifetime: int = QUOTE_LIFETIME,
) -> Quoted:
    """RFQ by ``taker``, quote by ``maker``: both must be accepted for the scenario to run."""
    legs = [_leg(target, p) for p in (plan or default_plan(target))]
    rfq_id = send_rfq(target, taker, legs, rule_id)
    expiry = target.server_time_ms() // 1000 + lifetime
    outcome = send_quote(target, domain, maker, rfq_id, legs, quote_direction, expiry=expiry)
    expect_accepted(rule_id, outcome, detail="send_quote")
    quote = outcome.body["result"]
    return Quoted(target, domain, taker, maker, rfq_id, str(quote["quote_id"]), quote_direction, legs, quote)


def register_session_key(
    target: DeriveTarget, owner: Party, key: Key, *, scope: str = "admin", expiry_sec: int | None = None
) -> Outcome:
    """``private/register_scoped_session_key`` for ``key``, authenticated by the owner."""
    expiry = target.server_time_ms() // 1000 + 86_400 if expiry_sec is None else expiry_sec
    params = {"wallet": owner.wallet, "public_session_key": key.evm_address, "expiry_sec": expiry, "scope": scope, "label": "tradeproof"}
    return target.call("private/register_scoped_session_key", params, party=owner)


def as_session(owner: Party, key: Key) -> Party:
    """The owner's wallet and subaccount, signing (headers and actions) with ``key``."""
    return Party(owner.wallet, owner.subaccount_id, key)


# --------------------------------------------------------------------------- added helpers

FINAL_TX_STATUSES = ("settled", "reverted")
MIN_EXPIRY_AHEAD = 310  # seed 003: signature_expiry_sec at least now + 310 s
QUOTE_EXPIRED_AT = 300  # seed 003: a quote with 300 s or less left is expired


def _direction_sign(direction: str) -> int:
    return 1 if direction == "buy" else -1


def leg_of(target: DeriveTarget, plan: LegPlan) -> dict[str, str]:
    """The JSON leg a plan asks for (amount on the step, price on the tick)."""
    return _leg(target, plan)


def price_ticks_for(target: DeriveTarget, instrument: str, usdc: Decimal | int | str) -> int:
    """How many ticks make a price of at least ``usdc`` for this instrument."""
    tick = _dec(target.instruments[instrument]["tick_size"])
    return max(1, math.ceil(_dec(usdc) / tick))


def steps_for(target: DeriveTarget, instrument: str, amount: Decimal | int | str) -> int:
    """How many amount steps make at least ``amount`` of this instrument."""
    step = _dec(target.instruments[instrument]["amount_step"])
    return max(1, math.ceil(_dec(amount) / step))


def earliest_expiry(target: DeriveTarget, margin_ms: int = 400) -> int:
    """The smallest whole second that is still ≥ now + 310 s when a request sent next
    arrives: ``margin_ms`` plus twice the round trip of reading the target's clock."""
    started = time.monotonic()
    now_ms = target.server_time_ms()
    round_trip_ms = (time.monotonic() - started) * 1000
    return math.ceil((now_ms + MIN_EXPIRY_AHEAD * 1000 + margin_ms + 2 * round_trip_ms) / 1000)


def open_quote_until(
    target: DeriveTarget,
    domain: sig.Domain,
    taker: Party,
    maker: Party,
    rule_id: str,
    *,
    expiry: int,
    plan: Sequence[LegPlan] | None = None,
    quote_direction: str = "sell",
) -> Quoted:
    """Like :func:`open_quote`, with the quote's ``signature_expiry_sec`` given exactly."""
    legs = [_leg(target, p) for p in (plan or default_plan(target))]
    rfq_id = send_rfq(target, taker, legs, rule_id)
    outcome = send_quote(target, domain, maker, rfq_id, legs, quote_direction, expiry=expiry)
    expect_accepted(rule_id, outcome, detail=f"send_quote with signature_expiry_sec {expiry}")
    quote = outcome.body["result"]
    return Quoted(target, domain, taker, maker, rfq_id, str(quote["quote_id"]), quote_direction, legs, quote)


def wait_for_server_time(target: DeriveTarget, at_ms: int, limit: float = 30.0) -> int:
    """Sleep until the target's clock reads at least ``at_ms``; its time then."""
    deadline = time.monotonic() + limit
    now = target.server_time_ms()
    while now < at_ms and time.monotonic() < deadline:
        time.sleep(min(max((at_ms - now) / 1000, 0.02), 1.0))
        now = target.server_time_ms()
    return now


def refused_and_unchanged(
    rule_id: str,
    quoted: Quoted,
    send: Callable[[], Outcome],
    *,
    detail: str = "",
    others: Sequence[Party] = (),
) -> Outcome:
    """Send, require the rule's rejection, then require that neither party's cash and
    positions changed and that the quote's status is what it was (still ``open`` for an
    open quote): a refused execution changes nothing."""
    status = quoted.quote_status()
    before = quoted.snapshot(*others)
    outcome = send()
    expect_outcome(rule_id, outcome, detail=detail)
    require_derive_unchanged(rule_id, before, quoted.snapshot(*others), detail=detail)
    after = quoted.quote_status()
    require(rule_id, after == status, f"the quote still {status}", f"quote {after}", detail=f"after a refused execute; {detail}")
    return outcome


def refuse_execute(
    rule_id: str,
    quoted: Quoted,
    params: Mapping[str, Any],
    *,
    party: Party | None = None,
    detail: str = "",
    others: Sequence[Party] = (),
) -> Outcome:
    """:func:`refused_and_unchanged` for one ``private/execute_quote`` with these params."""
    return refused_and_unchanged(rule_id, quoted, lambda: quoted.execute(params, party), detail=detail, others=others)


def new_session_key(
    target: DeriveTarget,
    owner: Party,
    rule_id: str,
    *,
    scope: str = "admin",
    expiry_sec: int | None = None,
    label: str = "session",
) -> Key | None:
    """A fresh key registered as ``owner``'s session key with ``scope``; None when the
    target does not offer ``private/register_scoped_session_key`` (-32601)."""
    key = Key.derive(f"tradeproof-derive-{label}-{scope}", f"{owner.wallet}/{owner.subaccount_id}/{time.time_ns()}")
    outcome = register_session_key(target, owner, key, scope=scope, expiry_sec=expiry_sec)
    if outcome.rejected and outcome.code == DeriveCode.METHOD_NOT_FOUND:
        return None
    expect_accepted(rule_id, outcome, detail=f"register a {scope} session key")
    return key


def nonce_at(seconds: int, suffix: int = 0) -> int:
    """A nonce whose first 10 digits are ``seconds``: UTC ms then three more digits."""
    return int(f"{seconds}000{suffix % 1000:03d}")


def require_settled_exactly(
    rule_id: str,
    quoted: Quoted,
    before: DeriveSnapshot,
    after: DeriveSnapshot,
    result: Mapping[str, Any],
    *,
    taker_max_fee: Decimal | str = GENEROUS_FEE,
    maker_max_fee: Decimal | str = GENEROUS_FEE,
) -> None:
    """After a successful execute: positions moved by exactly the legs (maker by
    amount·leg_sign·quote_sign, taker the opposite), the taker's cash by −Σ signed
    price·amount minus the fee the result reports, the maker's by the opposite minus a
    fee between 0 and the quote's signed max_fee."""
    from ..checks import position_delta

    maker_moves = quoted.maker_position_moves()
    taker_moves = {name: -move for name, move in maker_moves.items()}
    for who, party, wanted in (("maker", quoted.maker, maker_moves), ("taker", quoted.taker, taker_moves)):
        moved = position_delta(before, after, party.subaccount_id)
        require(rule_id, moved == wanted, f"{who} positions move by {_show(wanted)}", _show(moved))
    try:
        taker_fee: Decimal | None = Decimal(str(result["fee"]))
    except (KeyError, TypeError, ArithmeticError):  # an unreadable fee is a finding, reported below
        taker_fee = None
    require(rule_id, taker_fee is not None and taker_fee.is_finite(), "a decimal fee in the result", repr(result.get("fee")))
    assert taker_fee is not None
    require(
        rule_id, 0 <= taker_fee <= Decimal(str(taker_max_fee)),
        f"0 ≤ taker fee ≤ the signed max_fee {taker_max_fee}", f"fee {taker_fee}",
    )
    leg_cash = quoted.maker_leg_cash()
    cash = {p.subaccount_id: after.subaccounts[p.subaccount_id].cash - before.subaccounts[p.subaccount_id].cash for p in (quoted.taker, quoted.maker)}
    taker_wanted = -leg_cash - taker_fee
    require(
        rule_id, cash[quoted.taker.subaccount_id] == taker_wanted,
        f"taker cash {taker_wanted:+} (legs {-leg_cash:+}, fee {taker_fee})", f"{cash[quoted.taker.subaccount_id]:+}",
    )
    maker_fee = leg_cash - cash[quoted.maker.subaccount_id]
    require(
        rule_id, 0 <= maker_fee <= Decimal(str(maker_max_fee)),
        f"maker cash legs {leg_cash:+} minus a fee in [0, {maker_max_fee}]",
        f"{cash[quoted.maker.subaccount_id]:+} (a maker fee of {maker_fee})",
    )


def _show(moves: Mapping[str, Decimal]) -> str:
    return "{" + ", ".join(f"{name}: {move:+}" for name, move in sorted(moves.items())) + "}"


# --------------------------------------------------------------------------- the result object

EXECUTE_RESULT_SCHEMA = "derive/execute_quote_result"


def require_execute_result(rule_id: str, outcome: Outcome, quote_id: str, rfq_id: str, *, detail: str = "") -> None:
    """An accepted execution answers seed 003's result object, field for field, for the
    quote and RFQ it executed."""
    result: Any = outcome.body.get("result") if isinstance(outcome.body, dict) else None
    errors = schemas.errors(EXECUTE_RESULT_SCHEMA, result)
    if errors:
        raise RuleViolation(rule_id, "seed 003's result object, field for field", "; ".join(errors[:4]),
                            [outcome.exchange], detail)
    ids = (result.get("quote_id"), result.get("rfq_id"))
    if ids != (quote_id, rfq_id):
        raise RuleViolation(rule_id, f"quote_id {quote_id} and rfq_id {rfq_id}", f"quote_id {ids[0]} and rfq_id {ids[1]}",
                            [outcome.exchange], detail)


# --------------------------------------------------------------------------- request faults

UNPARSEABLE_FORMS = (
    "truncated", "trailing-garbage", "single-quotes", "unquoted-keys", "bare-word", "nan-literal",
    "trailing-comma", "comment", "invalid-utf8",
)
_FORM_KEYS = {"unquoted-keys": "direction", "nan-literal": "max_fee"}


def unparseable_body(
    params: Mapping[str, Any],
    form: str,
    *,
    at: int | None = None,
    garbage: str = "}",
    key: str | None = None,
    word: str = "execute",
    literal: str = "NaN",
) -> bytes:
    """``params`` as compact JSON, broken one way (``UNPARSEABLE_FORMS``) that no JSON
    parser accepts: cut (or an invalid UTF-8 byte put) at ``at`` (default: the middle),
    ``garbage`` after the object, the key ``key`` unquoted or its value replaced by
    ``literal``, or a bare ``word`` instead of the object."""
    good = json.dumps(params, separators=(",", ":")).encode()
    cut = len(good) // 2 if at is None else 1 + at % (len(good) - 1)  # never 0 nor the whole body
    name = key or _FORM_KEYS.get(form, "direction")
    if form == "truncated":
        return good[:cut]
    if form == "trailing-garbage":
        return good + garbage.encode()
    if form == "single-quotes":
        return good.replace(b'"', b"'")
    if form == "unquoted-keys":
        return good.replace(f'"{name}":'.encode(), f"{name}:".encode())
    if form == "bare-word":
        return word.encode()
    if form == "nan-literal":
        value = json.dumps(params[name], separators=(",", ":"))
        return good.replace(f'"{name}":{value}'.encode(), f'"{name}":{literal}'.encode())
    if form == "trailing-comma":
        return good[:-1] + b",}"
    if form == "comment":
        return b"{/* tradeproof */" + good[1:]
    if form == "invalid-utf8":
        return good[:cut] + b"\xff" + good[cut:]
    raise ValueError(form)


AUTH_FAULTS = (
    "no-headers", "no-wallet", "no-timestamp", "no-signature", "stranger-signature", "other-wallet",
    "other-wallet-header", "garbage-signature", "timestamp-not-signed",
)
_AUTH_HEADERS = {"no-wallet": "X-LyraWallet", "no-timestamp": "X-LyraTimestamp", "no-signature": "X-LyraSignature"}


def faulty_auth_headers(
    case: str,
    party: Party,
    other: Party,
    *,
    stranger: Key | None = None,
    garbage: str = "ab" * 65,
    skew_ms: int = 1,
    blank: bool = False,
) -> dict[str, str]:
    """``party``'s X-Lyra headers broken one way (``AUTH_FAULTS``): headers left out (or
    sent empty with ``blank``), the timestamp signed by ``stranger`` (default: a fixed
    stranger to the party's key) or a signature of ``garbage`` hex, ``other``'s valid
    login, ``other``'s wallet with the party's signature, or a timestamp ``skew_ms``
    off the one signed."""
    good = party.headers()
    if case == "no-headers":
        return {name: "" for name in good} if blank else {}
    if case in _AUTH_HEADERS:
        name = _AUTH_HEADERS[case]
        return {**good, name: ""} if blank else {k: v for k, v in good.items() if k != name}
    if case == "stranger-signature":
        return msg.auth_headers(stranger or other_key(party.key), party.wallet)
    if case == "other-wallet":
        return other.headers()  # a valid login of another wallet, for the party's subaccount
    if case == "other-wallet-header":
        return {**good, "X-LyraWallet": other.wallet}
    if case == "garbage-signature":
        return {**good, "X-LyraSignature": "0x" + garbage}
    if case == "timestamp-not-signed":
        return {**good, "X-LyraTimestamp": str(int(good["X-LyraTimestamp"]) + skew_ms)}
    raise ValueError(case)


# --------------------------------------------------------------------------- session keys in roles

KEY_ROLES: dict[str, tuple[bool, bool]] = {  # role -> (the key signs the action, the key signs the headers)
    "key-signs-owner-headers": (True, False),
    "key-signs-key-headers": (True, True),
    "owner-signs-key-headers": (False, True),
}


def key_in_role(quoted: Quoted, key: Key, role: str, **overrides: Any) -> tuple[dict[str, Any], Party]:
    """Execute params and the calling party with the taker's session ``key`` in ``role``
    (``KEY_ROLES``): the action's signer, the one logged in, or both."""
    signs, calls = KEY_ROLES[role]
    params = quoted.execute_params(key=key if signs else None, **overrides)
    return params, as_session(quoted.taker, key) if calls else quoted.taker


@dataclass(frozen=True)
class ExpiringKey:
    """An admin session key set to expire soon, and an execution it signed before then."""

    owner: Party
    key: Key
    expiry: int  # expiry_sec: usable while the target's clock is at or before it
    before_expiry: Outcome


def expiring_session_key(
    target: DeriveTarget, domain: sig.Domain, owner: Party, maker: Party, rule_id: str, *, lifetime: int
) -> ExpiringKey | None:
    """An admin session key of ``owner`` expiring ``lifetime`` seconds from the target's
    now, with an execution signed by it at once (the control: it worked until it
    expired); None when the target does not offer session keys. The quote is opened
    first, so the key's seconds are not spent on it."""
    quoted = open_quote(target, domain, owner, maker, rule_id)
    expiry = target.server_time_ms() // 1000 + lifetime
    key = new_session_key(target, owner, rule_id, scope="admin", expiry_sec=expiry, label="expiring")
    if key is None:
        return None
    return ExpiringKey(owner, key, expiry, quoted.execute(quoted.execute_params(key=key)))


def wait_until_expired(rule_id: str, target: DeriveTarget, expiring: ExpiringKey) -> None:
    """Sleep until the target's clock is a second past the key's expiry."""
    at_ms = (expiring.expiry + 1) * 1000
    now_ms = wait_for_server_time(target, at_ms)
    require(rule_id, now_ms >= at_ms, f"server time past {expiring.expiry}", f"server time {now_ms} ms")


# --------------------------------------------------------------------------- the maker's margin

MARGIN_CODES = (DeriveCode.INSUFFICIENT_FUNDS, DeriveCode.COUNTERPARTY_INSUFFICIENT_FUNDS)


def quote_on_new_rfq(
    target: DeriveTarget,
    domain: sig.Domain,
    taker: Party,
    maker: Party,
    legs: Sequence[Mapping[str, str]],
    rule_id: str,
    *,
    direction: str = "sell",
) -> tuple[Quoted | None, Outcome]:
    """An RFQ of ``taker`` (must be accepted) with a quote of ``maker``: (the Quoted, or
    None when the quote was refused; the send_quote outcome)."""
    rfq_id = send_rfq(target, taker, legs, rule_id)
    sent = send_quote(target, domain, maker, rfq_id, legs, direction, expiry=target.server_time_ms() // 1000 + QUOTE_LIFETIME)
    if not sent.accepted:
        return None, sent
    quote = sent.body["result"]
    return Quoted(target, domain, taker, maker, rfq_id, str(quote["quote_id"]), direction, list(legs), quote), sent


def poorest_quoting_maker(
    target: DeriveTarget,
    domain: sig.Domain,
    new_party: Callable[..., Party],
    taker: Party,
    legs: Sequence[Mapping[str, str]],
    rule_id: str,
    levels: Sequence[str],
    *,
    direction: str = "sell",
) -> tuple[Quoted, str] | None:
    """The first of ``levels`` (USDC, rising) at which a new maker holding that much gets
    a quote of ``legs`` accepted: that quote and the level (None if no level does). A
    target may check margin at send_quote too: a refusal for margin moves on to the next
    level, any other refusal is a finding."""
    for usdc in levels:
        maker = new_party("margin-maker-poor", usdc=usdc)
        quoted, sent = quote_on_new_rfq(target, domain, taker, maker, legs, rule_id, direction=direction)
        if quoted is not None:
            return quoted, usdc
        if sent.code not in MARGIN_CODES:
            expect_accepted(rule_id, sent, detail=f"send_quote of a maker holding {usdc} USDC")
    return None


def more_quotes(first: Quoted, rule_id: str, count: int) -> list[Quoted]:
    """Up to ``count`` more quotes like ``first`` (same maker, legs and direction) on new
    RFQs of its taker, stopping at the first one refused."""
    made: list[Quoted] = []
    while len(made) < count:
        quoted, _ = quote_on_new_rfq(
            first.target, first.domain, first.taker, first.maker, first.legs, rule_id, direction=first.quote_direction
        )
        if quoted is None:
            break
        made.append(quoted)
    return made


def execute_until_refused(rule_id: str, quotes: Sequence[Quoted], *, detail: str) -> None:
    """Execute ``quotes`` one after another until one is refused: that refusal must be
    the rule's and change nothing. None refused is a finding: together they were more
    than the maker could margin."""
    for n, quoted in enumerate(quotes, 1):
        status, before = quoted.quote_status(), quoted.snapshot()
        outcome = quoted.execute(quoted.execute_params())
        if outcome.accepted:
            continue
        where = f"execution {n} of {len(quotes)}; {detail}"
        expect_outcome(rule_id, outcome, detail=where)
        require_derive_unchanged(rule_id, before, quoted.snapshot(), detail=where)
        after = quoted.quote_status()
        require(rule_id, after == status, f"the quote still {status}", f"quote {after}", detail=where)
        return
    require(rule_id, False, "an execution refused once the maker's margin is used up", f"all {len(quotes)} executed; {detail}")
