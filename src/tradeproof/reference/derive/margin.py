"""A small, real margin model: fixed marks, a rate per exposure, one inequality.

For a subaccount with USDC cash ``C`` and positions ``q_i`` in instruments with mark
``m_i``::

    value        V  = C + Σ q_i · m_i
    requirement  R  = Σ |q_i| · m_i · 10 %          (perps; mark = index)
                    + Σ |q_i| · index_i · 15 %       (short options; long options: 0,
                                                      their premium is already paid)
    initial_margin  = V − R            maintenance_margin = V − R/2

A trade is accepted only if, after it (legs, cash and fees together), the
subaccount's ``initial_margin`` is ≥ 0 — for the taker and for the maker. The
reported ``initial_margin``/``maintenance_margin`` are margin *surpluses*, as Derive's
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
            return EXACT.multiply(EXACT.multiply(-amount, instrument.index_price), self.short_option_rate)
        return EXACT.multiply(EXACT.multiply(abs(amount), instrument.mark_price), self.perp_rate)

    def summary(self, subaccount: Subaccount, instruments: Mapping[str, Instrument]) -> MarginSummary:
        value = subaccount.cash
        required = ZERO
        for name, position in subaccount.positions.items():
            instrument = instruments[name]
            value = EXACT.add(value, EXACT.multiply(position.amount, instrument.mark_price))
            required = EXACT.add(required, self.requirement(instrument, position.amount))
        maintenance = EXACT.multiply(required, self.maintenance_fraction)
        return MarginSummary(value, EXACT.subtract(value, required), EXACT.subtract(value, maintenance))
