"""The instruments the reference lists: an ETH perp and ETH options expiring in 2027.

Each instrument carries what ``public/get_instrument`` shows (on-chain asset and sub id,
tick, amount bounds, fee rates) plus the fixed prices the margin and fee models use
(``mark_price``, ``index_price``). Addresses are Derive v2 testnet's (Protocol Constants
table, ``protocol/derive.md`` §1.4); option sub ids use the on-chain option encoding,
so a client that computes them offline gets the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from .numbers import fmt

ETH_OPTION_TESTNET = "0xBcB494059969DAaB460E0B5d4f5c2366aab79aa1"
ETH_PERP_TESTNET = "0x010e26422790C6Cb3872330980FAa7628FD20294"
EXPIRY_2027_06_25 = 1813910400  # 2027-06-25 08:00 UTC
ETH_INDEX = Decimal(3000)
FAR_FUTURE = 9223372036854775807  # what Derive shows as a perp's scheduled_deactivation


def option_sub_id(expiry: int, strike: Decimal, is_call: bool) -> int:
    """``expiry | strike_1e8 << 32 | isCall << 95`` (lyra-utils ``OptionEncoding``)."""
    return expiry | (int(strike * 10**8) << 32) | (int(is_call) << 95)


@dataclass(frozen=True, slots=True)
class OptionDetails:
    """Expiry (unix seconds), strike and kind of an option."""

    expiry: int
    strike: Decimal
    option_type: str  # "C" | "P"
    index: str = "ETH-USD"


@dataclass(frozen=True, slots=True)
class Instrument:
    """One tradable instrument and the fixed prices the reference values it at."""

    name: str
    kind: str  # "perp" | "option"
    currency: str
    asset: str
    sub_id: int
    tick_size: Decimal
    amount_step: Decimal
    minimum_amount: Decimal
    maximum_amount: Decimal
    taker_fee_rate: Decimal
    maker_fee_rate: Decimal
    base_fee: Decimal
    fee_cap: Decimal | None  # mark_price_fee_rate_cap: options only
    mark_price: Decimal
    index_price: Decimal
    option: OptionDetails | None = None
    scheduled_activation: int = 1600000000

    @property
    def expiry(self) -> int | None:
        return self.option.expiry if self.option else None

    def is_live(self, now: float) -> bool:
        """Tradable now: activated and, for an option, not yet expired."""
        return self.scheduled_activation <= now and (
            self.option is None or now < self.option.expiry
        )

    def to_json(self, now: float) -> dict[str, Any]:
        """The ``public/get_instrument`` view (decimals as strings)."""
        option = self.option
        return {
            "instrument_name": self.name,
            "instrument_type": self.kind,
            "base_currency": self.currency,
            "quote_currency": "USDC",
            "is_active": self.is_live(now),
            "scheduled_activation": self.scheduled_activation,
            "scheduled_deactivation": option.expiry if option else FAR_FUTURE,
            "tick_size": fmt(self.tick_size),
            "amount_step": fmt(self.amount_step),
            "minimum_amount": fmt(self.minimum_amount),
            "maximum_amount": fmt(self.maximum_amount),
            "base_asset_address": self.asset,
            "base_asset_sub_id": str(self.sub_id),
            "taker_fee_rate": fmt(self.taker_fee_rate),
            "maker_fee_rate": fmt(self.maker_fee_rate),
            "base_fee": fmt(self.base_fee),
            "mark_price_fee_rate_cap": None if self.fee_cap is None else fmt(self.fee_cap),
            "option_details": None
            if option is None
            else {
                "expiry": option.expiry,
                "index": option.index,
                "option_type": option.option_type,
                "strike": fmt(option.strike),
                "settlement_price": None,
            },
            "perp_details": None
            if option is not None
            else {
                "index": f"{self.currency}-USD",
                "aggregate_funding": "0",
                "funding_rate": "0",
                "max_rate_per_hour": "0.004",
                "min_rate_per_hour": "-0.004",
                "static_interest_rate": "0",
            },
        }


def perp(currency: str, asset: str, mark: Decimal | str) -> Instrument:
    """A perp with Derive's ETH-PERP parameters; its mark is its index."""
    price = Decimal(mark)
    return Instrument(
        name=f"{currency}-PERP",
        kind="perp",
        currency=currency,
        asset=asset,
        sub_id=0,
        tick_size=Decimal("0.01"),
        amount_step=Decimal("0.01"),
        minimum_amount=Decimal("0.01"),
        maximum_amount=Decimal(10000),
        taker_fee_rate=Decimal("0.0003"),
        maker_fee_rate=Decimal("0.0001"),
        base_fee=Decimal(0),
        fee_cap=None,
        mark_price=price,
        index_price=price,
    )


def option(
    currency: str,
    asset: str,
    expiry: int,
    strike: Decimal | str,
    option_type: str,
    mark: Decimal | str,
    index: Decimal | str,
) -> Instrument:
    """An option named like Derive's (``ETH-20270625-3000-C``) with its encoded sub id."""
    strike = Decimal(strike)
    day = datetime.fromtimestamp(expiry, UTC).strftime("%Y%m%d")
    return Instrument(
        name=f"{currency}-{day}-{fmt(strike)}-{option_type}",
        kind="option",
        currency=currency,
        asset=asset,
        sub_id=option_sub_id(expiry, strike, option_type == "C"),
        tick_size=Decimal("0.1"),
        amount_step=Decimal("0.01"),
        minimum_amount=Decimal("0.01"),
        maximum_amount=Decimal(1000),
        taker_fee_rate=Decimal("0.0003"),
        maker_fee_rate=Decimal("0.0001"),
        base_fee=Decimal(0),
        fee_cap=Decimal("0.125"),
        mark_price=Decimal(mark),
        index_price=Decimal(index),
        option=OptionDetails(expiry, strike, option_type, f"{currency}-USD"),
    )


def default_instruments() -> list[Instrument]:
    """ETH-PERP and four ETH options (3000 and 6000 strikes, calls and puts, June 2027)."""
    marks = {("3000", "C"): "520", ("3000", "P"): "380", ("6000", "C"): "95", ("6000", "P"): "2850"}
    options = [
        option("ETH", ETH_OPTION_TESTNET, EXPIRY_2027_06_25, strike, kind, mark, ETH_INDEX)
        for (strike, kind), mark in marks.items()
    ]
    return [perp("ETH", ETH_PERP_TESTNET, ETH_INDEX), *options]


def by_name(instruments: Iterable[Instrument]) -> dict[str, Instrument]:
    """Index instruments by name, refusing duplicates."""
    table: dict[str, Instrument] = {}
    for instrument in instruments:
        if instrument.name in table:
            raise ValueError(f"duplicate instrument {instrument.name}")
        table[instrument.name] = instrument
    return table
