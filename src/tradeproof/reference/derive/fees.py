"""Trade fees, exact in Decimal: Derive's formula with the reference's fixed prices.

Per leg, for the role's rate (``taker_fee_rate`` or ``maker_fee_rate``)::

    fee = base_fee + rate · index · |amount|                       (perps)
    fee = base_fee + min(rate · index · |amount|,
                         mark_price_fee_rate_cap · mark · |amount|)  (options)

and a trade's fee is the sum over its legs. The taker's must be ≤ its ``max_fee``
(11023), the maker's ≤ the quote's ``max_fee``.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from .instruments import Instrument
from .numbers import EXACT, ZERO


def leg_fee(instrument: Instrument, amount: Decimal, role: str) -> Decimal:
    """The fee for trading ``amount`` of ``instrument`` as ``role`` ("taker" | "maker")."""
    rate = instrument.taker_fee_rate if role == "taker" else instrument.maker_fee_rate
    size = abs(amount)
    fee = EXACT.multiply(EXACT.multiply(rate, instrument.index_price), size)
    if instrument.fee_cap is not None:
        fee = min(
            fee, EXACT.multiply(EXACT.multiply(instrument.fee_cap, instrument.mark_price), size)
        )
    return EXACT.add(instrument.base_fee, fee)


def trade_fee(legs: Iterable[tuple[Instrument, Decimal]], role: str) -> Decimal:
    """Sum of :func:`leg_fee` over ``(instrument, amount)`` pairs."""
    total = ZERO
    for instrument, amount in legs:
        total = EXACT.add(total, leg_fee(instrument, amount, role))
    return total
