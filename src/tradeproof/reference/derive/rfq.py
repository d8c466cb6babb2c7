"""RFQs and quotes: their state, their lifecycle in time, and their JSON views.

Status is stored for what happens by request (filled, cancelled) and derived from the
clock for what happens by time: an open RFQ is ``expired`` after ``valid_until``; an
open quote is ``expired`` once 300 s or less remain to its ``signature_expiry_sec``
(seed 003) or once its RFQ has expired.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from .numbers import fmt

QUOTE_EXPIRY_BUFFER_SEC = 300
RFQ_LIFETIME_MS = 600_000
DEFAULT_PAGE_SIZE = 100

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RfqLeg:
    instrument_name: str
    direction: str
    amount: Decimal

    def to_json(self) -> dict[str, str]:
        return {
            "instrument_name": self.instrument_name,
            "direction": self.direction,
            "amount": fmt(self.amount),
        }


@dataclass(frozen=True, slots=True)
class QuoteLeg:
    instrument_name: str
    direction: str
    price: Decimal
    amount: Decimal

    def to_json(self) -> dict[str, str]:
        return {
            "instrument_name": self.instrument_name,
            "direction": self.direction,
            "price": fmt(self.price),
            "amount": fmt(self.amount),
        }


def legs_key(legs: Iterable[QuoteLeg]) -> tuple[tuple[str, str, Decimal, Decimal], ...]:
    """Order-independent identity of a set of priced legs (Decimal equality: 2 == 2.0)."""
    return tuple(sorted((leg.instrument_name, leg.direction, leg.price, leg.amount) for leg in legs))


@dataclass(slots=True)
class Rfq:
    rfq_id: str
    subaccount_id: int
    wallet: str
    legs: tuple[RfqLeg, ...]
    created_ms: int
    label: str = ""
    counterparties: list[str] | None = None
    max_total_cost: Decimal | None = None
    min_total_cost: Decimal | None = None
    partial_fill_step: Decimal = Decimal(1)
    status: str = "open"
    cancel_reason: str = ""
    updated_ms: int = 0
    filled_direction: str | None = None
    total_cost: Decimal | None = None

    @property
    def valid_until_ms(self) -> int:
        return self.created_ms + RFQ_LIFETIME_MS

    def status_at(self, now_ms: int) -> str:
        if self.status == "open" and now_ms > self.valid_until_ms:
            return "expired"
        return self.status

    def visible_to(self, wallet: str) -> bool:
        return self.counterparties is None or wallet.lower() in self.counterparties

    def to_json(self, now_ms: int, public: bool = False) -> dict[str, Any]:
        view: dict[str, Any] = {
            "rfq_id": self.rfq_id,
            "subaccount_id": self.subaccount_id,
            "status": self.status_at(now_ms),
            "cancel_reason": self.cancel_reason,
            "creation_timestamp": self.created_ms,
            "last_update_timestamp": self.updated_ms or self.created_ms,
            "valid_until": self.valid_until_ms,
            "legs": [leg.to_json() for leg in self.legs],
            "filled_pct": "1" if self.status == "filled" else "0",
            "filled_direction": self.filled_direction,
            "partial_fill_step": fmt(self.partial_fill_step),
            "total_cost": None if self.total_cost is None else fmt(self.total_cost),
        }
        if not public:
            view.update(
                wallet=self.wallet,
                label=self.label,
                counterparties=self.counterparties,
                max_total_cost=None if self.max_total_cost is None else fmt(self.max_total_cost),
                min_total_cost=None if self.min_total_cost is None else fmt(self.min_total_cost),
                ask_total_cost=None,
                bid_total_cost=None,
                mark_total_cost=None,
            )
        return view


@dataclass(slots=True)
class Quote:
    """A maker's signed quote, or (``liquidity_role == "taker"``) a taker's execution."""

    quote_id: str
    rfq_id: str
    subaccount_id: int
    wallet: str
    direction: str
    legs: tuple[QuoteLeg, ...]
    max_fee: Decimal
    nonce: int
    signer: str
    signature: str
    signature_expiry_sec: int
    legs_hash: str
    created_ms: int
    label: str = ""
    mmp: bool = False
    liquidity_role: str = "maker"
    status: str = "open"
    cancel_reason: str = ""
    updated_ms: int = 0
    fee: Decimal = Decimal(0)
    tx_hash: str | None = None
    tx_status: str | None = None

    def expired_by_time(self, now: float) -> bool:
        """Seed 003: once 300 s or less remain to the signature expiry, the quote is expired."""
        return self.signature_expiry_sec - now <= QUOTE_EXPIRY_BUFFER_SEC

    def status_at(self, now: float, rfq: Rfq) -> str:
        if self.status == "open" and (
            self.expired_by_time(now) or rfq.status_at(int(now * 1000)) == "expired"
        ):
            return "expired"
        return self.status

    def to_json(self, status: str) -> dict[str, Any]:
        """Private view (seed 003's result object, field for field)."""
        return {
            "cancel_reason": self.cancel_reason,
            "creation_timestamp": self.created_ms,
            "direction": self.direction,
            "fee": fmt(self.fee),
            "is_transfer": False,
            "label": self.label,
            "last_update_timestamp": self.updated_ms or self.created_ms,
            "legs_hash": self.legs_hash,
            "liquidity_role": self.liquidity_role,
            "max_fee": fmt(self.max_fee),
            "mmp": self.mmp,
            "nonce": self.nonce,
            "quote_id": self.quote_id,
            "rfq_id": self.rfq_id,
            "signature": self.signature,
            "signature_expiry_sec": self.signature_expiry_sec,
            "signer": self.signer,
            "status": status,
            "subaccount_id": self.subaccount_id,
            "tx_hash": self.tx_hash,
            "tx_status": self.tx_status,
            "legs": [leg.to_json() for leg in self.legs],
        }

    def to_public_json(self, status: str) -> dict[str, Any]:
        """What a taker sees of a maker's quote: adds ``wallet``, omits signature, nonce, fees."""
        return {
            "cancel_reason": self.cancel_reason,
            "creation_timestamp": self.created_ms,
            "direction": self.direction,
            "last_update_timestamp": self.updated_ms or self.created_ms,
            "legs": [leg.to_json() for leg in self.legs],
            "legs_hash": self.legs_hash,
            "liquidity_role": self.liquidity_role,
            "quote_id": self.quote_id,
            "rfq_id": self.rfq_id,
            "status": status,
            "subaccount_id": self.subaccount_id,
            "tx_hash": self.tx_hash,
            "tx_status": self.tx_status,
            "wallet": self.wallet,
        }


@dataclass
class RfqBook:
    """All RFQs and maker quotes, indexed for the polling methods."""

    rfqs: dict[str, Rfq] = field(default_factory=dict)
    quotes: dict[str, Quote] = field(default_factory=dict)
    executions: dict[str, Quote] = field(default_factory=dict)  # by quote_id: the taker side
    quotes_by_rfq: dict[str, list[str]] = field(default_factory=dict)
    rfqs_by_subaccount: dict[int, list[str]] = field(default_factory=dict)
    quotes_by_subaccount: dict[int, list[str]] = field(default_factory=dict)

    def add_rfq(self, rfq: Rfq) -> None:
        self.rfqs[rfq.rfq_id] = rfq
        self.quotes_by_rfq[rfq.rfq_id] = []
        self.rfqs_by_subaccount.setdefault(rfq.subaccount_id, []).append(rfq.rfq_id)

    def add_quote(self, quote: Quote) -> None:
        self.quotes[quote.quote_id] = quote
        self.quotes_by_rfq[quote.rfq_id].append(quote.quote_id)
        self.quotes_by_subaccount.setdefault(quote.subaccount_id, []).append(quote.quote_id)

    def quotes_of_rfq(self, rfq_id: str) -> list[Quote]:
        return [self.quotes[q] for q in self.quotes_by_rfq.get(rfq_id, ())]


def paginate(
    items: list[T], page: int | None, page_size: int | None
) -> tuple[list[T], dict[str, int]]:
    """One page (1-based) of ``items`` and Derive's ``pagination`` object."""
    size = page_size or DEFAULT_PAGE_SIZE
    number = page or 1
    start = (number - 1) * size
    return items[start : start + size], {
        "count": len(items),
        "num_pages": max(1, math.ceil(len(items) / size)),
    }


def matching(items: Iterable[T], *predicates: Callable[[T], bool]) -> list[T]:
    return [item for item in items if all(predicate(item) for predicate in predicates)]
