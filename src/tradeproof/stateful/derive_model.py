"""An independent model of a conformant Derive RFQ target (TARGET.md §2): the oracle of
the Derive state machine.

It knows each party's cash and positions, every RFQ and quote the machine made and
their states, the nonces each wallet's accepted requests used, and what it has learned
of the fees. It predicts the verdict of each request (``Prediction``: must refuse with
one of these rules' codes, may refuse with these, or must accept), applies what the
target accepted, and compares what the target shows with what it expects
(``Mismatch``: the most specific rule, expected and observed). Pure: no I/O, and
nothing shared with the reference exchange it judges.

Economics (protocol/derive.md §1.4): executing a quote moves each leg to the maker by
``amount · leg_sign · quote_sign`` (the taker the opposite) and Σ price · that amount of
cash the other way; the taker pays the fee its result reports, the maker a fee the
target does not report, modelled as anything in ``[0, quote max_fee]``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..codes import DeriveCode as C

OPEN, FILLED, CANCELLED, EXPIRED = "open", "filled", "cancelled", "expired"
MIN_EXPIRY_AHEAD = 310  # seed 003: signature_expiry_sec ≥ now + 310
EXPIRED_WITHIN = 300  # seed 003: a quote with ≤ 300 s left is expired
NONCE_WINDOW = 3600  # first 10 digits of a nonce: UTC seconds within one hour
OPTION_VALUE_CAP = Decimal(10_000)  # USDC per unit: more than any option the suite buys is worth
ZERO = Decimal(0)

Leg = tuple[str, str, Decimal, Decimal]  # instrument, direction, price, amount


def sign(direction: str) -> int:
    return 1 if direction == "buy" else -1


def package(legs: Iterable[tuple[Any, ...]]) -> tuple[tuple[str, Decimal], ...]:
    """What a fee depends on: instruments and amounts (not prices, not directions), of
    priced legs or of an RFQ's legs (both start with the name and end with the amount)."""
    return tuple(sorted((leg[0], leg[-1]) for leg in legs))


@dataclass(frozen=True)
class Reason:
    """Why a request is (or may be) refused: the rule and the codes it allows."""

    rule_id: str
    codes: frozenset[int]  # empty: any refusal will do
    why: str

    def allows(self, code: int | None) -> bool:
        return not self.codes or code in self.codes

    @property
    def expected(self) -> str:
        codes = "/".join(str(c) for c in sorted(self.codes)) or "any code"
        return f"refused ({codes}: {self.why})"


def _reason(rule_id: str, why: str, *codes: int) -> Reason:
    return Reason(rule_id, frozenset(codes), why)


@dataclass
class Prediction:
    refuse: list[Reason] = field(default_factory=list)  # must be refused, with one of their codes
    may_refuse: list[Reason] = field(default_factory=list)  # the model cannot tell

    def allows(self, code: int | None) -> Reason | None:
        """The reason (must or may) that allows a refusal with ``code``, if any."""
        return next((r for r in (*self.refuse, *self.may_refuse) if r.allows(code)), None)


@dataclass(frozen=True)
class Mismatch:
    rule_id: str
    expected: str
    observed: str
    detail: str = ""


@dataclass
class Account:
    wallet: str
    subaccount_id: int
    cash: Decimal  # the most it can be: exact but for maker fees not yet seen
    positions: dict[str, Decimal]
    slack: Decimal = ZERO  # the true cash is in [cash − slack, cash]


@dataclass
class RfqState:
    rfq_id: str
    taker: str  # party alias
    legs: tuple[tuple[str, str, Decimal], ...]  # instrument, direction, amount
    valid_until_ms: int | None = None
    status: str = OPEN


@dataclass
class QuoteState:
    quote_id: str
    rfq_id: str
    maker: str
    direction: str
    legs: tuple[Leg, ...]
    max_fee: Decimal
    expiry: int
    status: str = OPEN
    closed_by_rfq: bool = False  # cancelled because its RFQ was filled or cancelled


@dataclass(frozen=True)
class Execution:
    """One ``private/execute_quote`` as the model sees it."""

    taker: str
    quote_id: str
    rfq_id: str
    direction: str
    legs: tuple[Leg, ...]
    max_fee: Decimal
    nonce: int
    expiry: int


class DeriveModel:
    """What a conformant target's state is after the requests it accepted."""

    def __init__(self, options: Iterable[str] = (), tolerance: float = 2.0) -> None:
        self.options = frozenset(options)  # instrument names that are options
        self.tolerance = tolerance  # seconds of doubt about the target's clock
        self.accounts: dict[str, Account] = {}
        self.nonces: dict[str, set[int]] = {}  # by lower-case wallet
        self.rfqs: dict[str, RfqState] = {}
        self.quotes: dict[str, QuoteState] = {}
        self.fees: dict[tuple[tuple[str, Decimal], ...], Decimal] = {}  # taker fee charged, by package
        self.fee_above: dict[tuple[tuple[str, Decimal], ...], Decimal] = {}  # a max_fee refused as too low
        self.initial_cash = ZERO
        self.initial_positions: dict[str, Decimal] = {}
        self.taker_fees = ZERO  # Σ taker fees reported
        self.maker_fee_caps = ZERO  # Σ max_fee of the quotes filled

    # ------------------------------------------------------------------ parties

    def add_account(
        self, alias: str, wallet: str, subaccount_id: int, cash: Decimal, positions: Mapping[str, Decimal]
    ) -> None:
        self.accounts[alias] = Account(wallet, subaccount_id, cash, {k: v for k, v in positions.items() if v})
        self.initial_cash += cash
        for name, amount in positions.items():
            self.initial_positions[name] = self.initial_positions.get(name, ZERO) + amount

    def used(self, alias: str) -> list[int]:
        return sorted(self.nonces.get(self.accounts[alias].wallet.lower(), ()))

    def _use_nonce(self, alias: str, nonce: int) -> None:
        self.nonces.setdefault(self.accounts[alias].wallet.lower(), set()).add(nonce)

    # ------------------------------------------------------------------ time

    def quote_statuses(self, quote_id: str, now: float) -> set[str]:
        """The statuses the target may show for a quote now (two near a time boundary)."""
        q = self.quotes[quote_id]
        rfq = self.rfq_statuses(q.rfq_id, now)
        if q.status != OPEN:
            return {CANCELLED, EXPIRED} if q.closed_by_rfq else {q.status}
        left = q.expiry - now
        if left <= EXPIRED_WITHIN - self.tolerance or rfq == {EXPIRED}:
            return {EXPIRED}
        if left <= EXPIRED_WITHIN + self.tolerance or EXPIRED in rfq:
            return {OPEN, EXPIRED}
        return {OPEN}

    def rfq_statuses(self, rfq_id: str, now: float) -> set[str]:
        r = self.rfqs[rfq_id]
        if r.status != OPEN or r.valid_until_ms is None:
            return {r.status}
        left = r.valid_until_ms / 1000 - now
        if left < -self.tolerance:
            return {EXPIRED}
        return {OPEN, EXPIRED} if left < self.tolerance else {OPEN}

    # ------------------------------------------------------------------ RFQs and quotes

    def rfq_sent(
        self, rfq_id: str, taker: str, legs: Iterable[tuple[str, str, Decimal]], valid_until_ms: int | None
    ) -> None:
        self.rfqs[rfq_id] = RfqState(rfq_id, taker, tuple(legs), valid_until_ms)

    def predict_quote(self, rfq_id: str, now: float) -> Prediction:
        """A quote on this RFQ (by a party other than its taker, its legs exactly)."""
        statuses = self.rfq_statuses(rfq_id, now)
        rule = "DRV-ATOMIC-SETTLE" if self.rfqs[rfq_id].status == FILLED else "DRV-QUOTE-NOT-OPEN"
        if OPEN not in statuses:
            return Prediction(refuse=[_reason(rule, f"RFQ {rfq_id} is {'/'.join(sorted(statuses))}")])
        fee_too_low = _reason("DRV-VALID-ACCEPTED", "the maker's max_fee may be below its fee", C.MAX_FEE_TOO_LOW)
        if len(statuses) > 1:
            return Prediction(may_refuse=[fee_too_low, _reason(rule, "the RFQ is about to expire")])
        return Prediction(may_refuse=[fee_too_low])

    def quote_sent(
        self, quote_id: str, rfq_id: str, maker: str, direction: str, legs: Iterable[Leg],
        max_fee: Decimal, expiry: int, nonce: int,
    ) -> None:
        self.quotes[quote_id] = QuoteState(quote_id, rfq_id, maker, direction, tuple(legs), max_fee, expiry)
        self._use_nonce(maker, nonce)

    def predict_cancel_quote(self, quote_id: str, now: float) -> Prediction:
        statuses = self.quote_statuses(quote_id, now)
        if OPEN in statuses:
            return Prediction(may_refuse=[_reason("DRV-QUOTE-NOT-OPEN", "about to expire")] if len(statuses) > 1 else [])
        return Prediction(refuse=[_reason("DRV-QUOTE-NOT-OPEN", f"quote {quote_id} is {'/'.join(sorted(statuses))}")])

    def quote_cancelled(self, quote_id: str) -> None:
        self.quotes[quote_id].status = CANCELLED

    def predict_cancel_rfq(self, rfq_id: str, now: float) -> Prediction:
        statuses = self.rfq_statuses(rfq_id, now)
        why = f"RFQ {rfq_id} is {'/'.join(sorted(statuses))}"
        if OPEN not in statuses:
            return Prediction(refuse=[_reason("DRV-QUOTE-NOT-OPEN", why)])
        return Prediction(may_refuse=[_reason("DRV-QUOTE-NOT-OPEN", why)] if len(statuses) > 1 else [])

    def rfq_cancelled(self, rfq_id: str) -> None:
        self._close(rfq_id, CANCELLED)

    def _close(self, rfq_id: str, status: str) -> None:
        self.rfqs[rfq_id].status = status
        for q in self.quotes.values():
            if q.rfq_id == rfq_id and q.status == OPEN:
                q.status, q.closed_by_rfq = CANCELLED, True

    # ------------------------------------------------------------------ execution

    def predict_execute(self, e: Execution, now: float) -> Prediction:
        """Every reason a conformant target refuses ``e`` (TARGET.md §2), most specific first."""
        p = Prediction()
        q = self.quotes.get(e.quote_id)
        if q is None:
            p.refuse.append(_reason("DRV-QUOTE-UNKNOWN", f"no quote {e.quote_id}", C.QUOTE_NOT_FOUND))
            return p
        if e.rfq_id != q.rfq_id:
            p.refuse.append(_reason("DRV-QUOTE-OTHER-RFQ", f"quote of RFQ {q.rfq_id}, not {e.rfq_id}", C.QUOTE_OF_OTHER_RFQ))
        statuses, not_open = self.quote_statuses(q.quote_id, now), C.QUOTE_OR_RFQ_NOT_OPEN
        if q.status == FILLED:
            p.refuse.append(_reason("DRV-DOUBLE-EXECUTE", "the quote is filled", not_open))
        elif statuses == {EXPIRED} and q.status == OPEN and q.expiry - now <= EXPIRED_WITHIN:
            p.refuse.append(_reason("DRV-QUOTE-EXPIRY-300", "≤ 300 s to the quote's expiry", not_open))
        elif OPEN not in statuses:
            why = "its RFQ is no longer open" if q.closed_by_rfq else f"the quote is {'/'.join(sorted(statuses))}"
            p.refuse.append(_reason("DRV-QUOTE-NOT-OPEN", why, not_open))
        elif len(statuses) > 1:
            p.may_refuse.append(_reason("DRV-QUOTE-EXPIRY-300", "the quote or its RFQ is about to expire", not_open))
        ahead = e.expiry - now
        if ahead < MIN_EXPIRY_AHEAD - self.tolerance:
            p.refuse.append(_reason("DRV-EXPIRY-MIN-310", f"expiry now{ahead:+.0f} s", C.INVALID_SIGNATURE_EXPIRY))
        elif ahead < MIN_EXPIRY_AHEAD + self.tolerance:
            p.may_refuse.append(_reason("DRV-EXPIRY-MIN-310", f"expiry now{ahead:+.0f} s", C.INVALID_SIGNATURE_EXPIRY))
        dated = int(str(e.nonce)[:10]) if len(str(e.nonce)) >= 10 else 0
        if abs(dated - now) > NONCE_WINDOW + self.tolerance:
            p.refuse.append(_reason("DRV-NONCE-DATE", f"nonce dated now{dated - now:+.0f} s", C.INVALID_NONCE_DATE))
        if e.nonce in self.nonces.get(self.accounts[e.taker].wallet.lower(), ()):
            p.refuse.append(_reason("DRV-NONCE-UNIQUE", f"nonce {e.nonce} already used by the wallet", C.NON_UNIQUE_NONCE))
        mismatch = (C.QUOTE_LEG_MISMATCH, C.INVALID_SIGNATURE)
        if e.direction == q.direction:
            p.refuse.append(_reason("DRV-DIRECTION-SAME", f"direction {e.direction} = the quote's", *mismatch))
        if sorted(e.legs) != sorted(q.legs):  # the same legs, in any order
            p.refuse.append(_reason("DRV-LEGS-MISMATCH", "legs other than the quote's", *mismatch))
        fee, above = self.fees.get(package(q.legs)), self.fee_above.get(package(q.legs))
        why = f"max_fee {e.max_fee} below the fee ({'charged before: ' + str(fee) if fee is not None else 'unknown'})"
        if (fee is not None and e.max_fee < fee / 2) or (above is not None and e.max_fee <= above):
            p.refuse.append(_reason("DRV-MAX-FEE", why, C.MAX_FEE_TOO_LOW))
        elif fee is None or e.max_fee < fee:
            p.may_refuse.append(_reason("DRV-MAX-FEE", why, C.MAX_FEE_TOO_LOW))
        p.may_refuse.append(
            _reason("DRV-VALID-ACCEPTED", "the maker's fee may exceed its max_fee", C.COUNTERPARTY_MAX_FEE_TOO_LOW)
        )
        maker_moves = self.maker_moves(q)
        taker_moves = {name: -move for name, move in maker_moves.items()}
        if self._short(e.taker, taker_moves, -self.maker_cash(q)):
            p.refuse.append(_reason("DRV-MARGIN-TAKER", "the taker cannot pay for its options", C.INSUFFICIENT_FUNDS))
        return p

    @staticmethod
    def maker_moves(q: QuoteState) -> dict[str, Decimal]:
        moves: dict[str, Decimal] = {}
        for name, direction, _, amount in q.legs:
            moves[name] = moves.get(name, ZERO) + amount * sign(direction) * sign(q.direction)
        return moves

    @staticmethod
    def maker_cash(q: QuoteState) -> Decimal:
        """The maker's cash change from the legs (before fees): −Σ price · its move."""
        return -sum((price * amount * sign(d) * sign(q.direction) for _, d, price, amount in q.legs), ZERO)

    def _short(self, alias: str, moves: Mapping[str, Decimal], cash_change: Decimal) -> bool:
        """Certainly short of margin: no positions before, only long options after, and
        even at ``OPTION_VALUE_CAP`` per unit the options do not cover the cash it owes."""
        account = self.accounts[alias]
        if account.positions or not moves or any(m <= 0 or n not in self.options for n, m in moves.items()):
            return False
        return account.cash + cash_change + OPTION_VALUE_CAP * sum(moves.values(), ZERO) < 0

    def executed(self, e: Execution, fee: Decimal) -> None:
        """The target accepted ``e`` and reported the taker ``fee``."""
        q = self.quotes[e.quote_id]
        moves = self.maker_moves(q)
        maker_cash = self.maker_cash(q)
        maker, taker = self.accounts[q.maker], self.accounts[e.taker]
        for name, move in moves.items():
            maker.positions[name] = maker.positions.get(name, ZERO) + move
            taker.positions[name] = taker.positions.get(name, ZERO) - move
        for account in (maker, taker):
            account.positions = {k: v for k, v in account.positions.items() if v}
        maker.cash += maker_cash
        maker.slack += q.max_fee
        taker.cash -= maker_cash + fee
        self.taker_fees += fee
        self.maker_fee_caps += q.max_fee
        self.fees[package(q.legs)] = fee
        self._use_nonce(e.taker, e.nonce)
        q.status = FILLED
        self._close(q.rfq_id, FILLED)

    def refused(self, e: Execution, code: int | None, now: float) -> None:
        """The target refused ``e``: nothing changed; learn what the refusal tells."""
        q = self.quotes.get(e.quote_id)
        if q is None:
            return
        if code == C.MAX_FEE_TOO_LOW:
            key = package(q.legs)
            self.fee_above[key] = max(e.max_fee, self.fee_above.get(key, e.max_fee))
        if code == C.QUOTE_OR_RFQ_NOT_OPEN and q.status == OPEN and EXPIRED in self.quote_statuses(q.quote_id, now):
            q.status = EXPIRED

    # ------------------------------------------------------------------ comparisons

    def compare_account(self, alias: str, cash: Decimal, positions: Mapping[str, Decimal], rule_id: str) -> list[Mismatch]:
        """Mismatches of one party's cash and positions; then the model adopts the cash
        (which pins the maker fees it could only bound)."""
        account, found = self.accounts[alias], []
        held = {k: v for k, v in positions.items() if v}
        if held != account.positions:
            found.append(Mismatch(rule_id, f"{alias} positions {_show(account.positions)}", _show(held)))
        low = account.cash - account.slack
        if not low <= cash <= account.cash:
            wanted = _n(account.cash)
            if account.slack:
                wanted = f"in [{_n(low)}, {wanted}] (maker fees ≤ {_n(account.slack)})"
            found.append(Mismatch(rule_id, f"{alias} cash {wanted}", f"{_n(cash)} ({_signed(cash - account.cash)})"))
        account.cash, account.slack = cash, ZERO
        return found

    def compare_conservation(self, cash: Iterable[Decimal], positions: Iterable[Mapping[str, Decimal]]) -> list[Mismatch]:
        """Over the machine's parties: each instrument nets to what it netted at the start,
        and cash fell by exactly the taker fees plus maker fees in [0, Σ max_fee]."""
        found, net = [], dict.fromkeys(self.initial_positions, ZERO)
        for held in positions:
            for name, amount in held.items():
                net[name] = net.get(name, ZERO) + amount
        for name in sorted(net):
            if net[name] != self.initial_positions.get(name, ZERO):
                wanted = f"{name} nets to {_n(self.initial_positions.get(name, ZERO))} over the parties"
                found.append(Mismatch("DRV-ATOMIC-SETTLE", wanted, _n(net[name]), "positions move between maker and taker"))
        moved = sum(cash, ZERO) - self.initial_cash
        high, low = -self.taker_fees, -self.taker_fees - self.maker_fee_caps
        if not low <= moved <= high:
            wanted = f"total cash moved by −{_n(self.taker_fees)} (taker fees) − [0, {_n(self.maker_fee_caps)}] (maker fees)"
            found.append(Mismatch("DRV-ATOMIC-SETTLE", wanted, _signed(moved), "cash changes only by fees"))
        return found

    def compare_quote(self, quote_id: str, observed: str, now: float) -> Mismatch | None:
        allowed, q = self.quote_statuses(quote_id, now), self.quotes[quote_id]
        if observed in allowed:
            if observed == EXPIRED and q.status == OPEN:
                q.status = EXPIRED
            return None
        rule = {FILLED: "DRV-ATOMIC-SETTLE", OPEN: "DRV-ATOMIC-SETTLE", EXPIRED: "DRV-QUOTE-EXPIRY-300"}
        rule = rule.get(q.status, "DRV-QUOTE-NOT-OPEN")
        detail = "its RFQ was filled or cancelled" if q.closed_by_rfq else ""
        return Mismatch(rule, f"quote {quote_id} {'/'.join(sorted(allowed))}", observed, detail)

    def compare_rfq(self, rfq_id: str, observed: str, now: float) -> Mismatch | None:
        allowed, r = self.rfq_statuses(rfq_id, now), self.rfqs[rfq_id]
        if observed in allowed:
            if observed == EXPIRED and r.status == OPEN:
                self._close(rfq_id, EXPIRED)
            return None
        rule = "DRV-ATOMIC-SETTLE" if r.status in (OPEN, FILLED) else "DRV-QUOTE-NOT-OPEN"
        return Mismatch(rule, f"RFQ {rfq_id} {'/'.join(sorted(allowed))}", observed)


def _n(value: Decimal) -> str:
    """A decimal as plain digits, without trailing zeros."""
    return format(value.normalize(), "f") if value else "0"


def _signed(value: Decimal) -> str:
    return ("+" if value > 0 else "") + _n(value)


def _show(moves: Mapping[str, Decimal]) -> str:
    return "{" + ", ".join(f"{name}: {_n(amount)}" for name, amount in sorted(moves.items())) + "}"
