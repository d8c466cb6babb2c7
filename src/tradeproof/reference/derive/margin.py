"""A small, real margin model: fixed marks, a rate per exposure, one inequality.

For a subaccount with USDC cash ``C`` and positions ``q_i`` (entry price ``a_i``) in
instruments with mark ``m_i``::

    value        V  = C + Σ q_i · m_i                          (subaccount_value)
    credit       K  = C + Σ_long perps  q_i · min(m_i, a_i)
                        + Σ_shorts      q_i · max(m_i, a_i)    (q_i < 0: a liability)
                        (long options: no credit — their premium must be paid in cash)
    requirement  R  = Σ_perps          |q_i| · m_i · 10 %      (mark = index)
                    + Σ_short options  |q_i| · index_i · 15 %
    initial_margin  = K − R            maintenance_margin = V − R/2

A trade is accepted only if, after it (legs, cash and both fees together), the
subaccount's ``initial_margin`` is ≥ 0 — for the taker and for the maker. Since
unrealised gains and long options are not credited, nobody trades on borrowed cash:
an option buyer pays premium and fee from its own USDC, and buying below mark
creates no margin. The reported
``initial_margin``/``maintenance_margin`` are margin *surpluses*, as Derive's
``get_subaccount`` reports them ("trades are rejected if this falls below zero").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from .accounts import Subaccount
from .instruments import Instrument
from .numbers import EXACT, ZERO


@dataclass(frozen=True, slots=True)
class MarginSummary:
    value: Decimal
    initial_margin: Decimal
    maintenance_margin: Decimal

    @property
    def sufficient(self) -> bool:
        return self.initial_margin >= 0


@dataclass(frozen=True)
class MarginModel:
    """The rates of the model above; subclass or replace to try another."""

    perp_rate: Decimal = Decimal("0.10")
    short_option_rate: Decimal = Decimal("0.15")
    maintenance_fraction: Decimal = Decimal("0.5")

    def requirement(self, instrument: Instrument, amount: Decimal) -> Decimal:
        """Initial requirement of holding ``amount`` (signed) of ``instrument``."""
        if instrument.kind == "option":
            if amount >= 0:
                return ZERO
            return EXACT.multiply(
                EXACT.multiply(-amount, instrument.index_price), self.short_option_rate
            )
        return EXACT.multiply(EXACT.multiply(abs(amount), instrument.mark_price), self.perp_rate)

    def credit(self, instrument: Instrument, amount: Decimal, entry: Decimal) -> Decimal:
        """What a position counts for initial margin: never an unrealised gain."""
        if amount > 0:
            if instrument.kind == "option":
                return ZERO
            return EXACT.multiply(amount, min(instrument.mark_price, entry))
        return EXACT.multiply(amount, max(instrument.mark_price, entry))

    def summary(
        self, subaccount: Subaccount, instruments: Mapping[str, Instrument]
    ) -> MarginSummary:
        value = credit = subaccount.cash
        required = ZERO
        for name, position in subaccount.positions.items():
            instrument, amount = instruments[name], position.amount
            value = EXACT.add(value, EXACT.multiply(amount, instrument.mark_price))
            credit = EXACT.add(credit, self.credit(instrument, amount, position.average_price))
            required = EXACT.add(required, self.requirement(instrument, amount))
        maintenance = EXACT.multiply(required, self.maintenance_fraction)
        return MarginSummary(
            value, EXACT.subtract(credit, required), EXACT.subtract(value, maintenance)
        )
