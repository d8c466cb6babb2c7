"""Derive RFQ scenarios: a taker's RFQ, a maker's signed quote, and executions of it.

Everything goes through the public JSON-RPC methods, so a scenario runs on any target.
Prices and amounts are put on each instrument's tick and step as listed by
``public/get_instruments``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..checks import expect_accepted
from ..messages import derive as msg
from ..signing import derive as sig
from ..signing.keys import Key
from ..target.derive import DeriveTarget, Party
from ..target.outcome import Outcome

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
