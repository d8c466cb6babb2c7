"""A market's trading constraints (tick, min order, decimals, fees) and the arithmetic
to build orders that satisfy or break exactly one of them.

Read from ``GET /v1/markets``; nothing here assumes the reference's markets.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .o2 import norm_id, parse_int


@dataclass(frozen=True)
class MarketSpec:
    """One O2 market as the suite reasons about it."""

    market_id: str
    contract_id: str
    base_asset: str
    quote_asset: str
    base_decimals: int
    quote_decimals: int
    quote_max_precision: int
    min_order: int
    maker_fee: int
    taker_fee: int

    @classmethod
    def from_json(cls, market: Mapping[str, Any]) -> MarketSpec:
        base, quote = market["base"], market["quote"]
        return cls(
            market_id=norm_id(market["market_id"]),
            contract_id=norm_id(market["contract_id"]),
            base_asset=norm_id(base["asset"]),
            quote_asset=norm_id(quote["asset"]),
            base_decimals=parse_int(base["decimals"], "base.decimals"),
            quote_decimals=parse_int(quote["decimals"], "quote.decimals"),
            quote_max_precision=parse_int(quote.get("max_precision", quote["decimals"]), "quote.max_precision"),
            min_order=parse_int(market.get("min_order", 0), "min_order"),
            maker_fee=parse_int(market.get("maker_fee", 0), "maker_fee"),
            taker_fee=parse_int(market.get("taker_fee", 0), "taker_fee"),
        )

    @property
    def contract_bytes(self) -> bytes:
        return bytes.fromhex(self.contract_id[2:])

    @property
    def tick(self) -> int:
        """Prices must be multiples of this (``10^(quote.decimals − quote.max_precision)``)."""
        return 10 ** max(self.quote_decimals - self.quote_max_precision, 0)

    @property
    def base_unit(self) -> int:
        return 10**self.base_decimals

    def price(self, whole: float | int) -> int:
        """A price of ``whole`` quote per base, in quote units, on the tick."""
        raw = int(round(whole * 10**self.quote_decimals))
        return max(self.tick, raw - raw % self.tick)

    def notional(self, price: int, quantity: int) -> int:
        """Quote value of an order: floor(price·quantity / 10^base.decimals)."""
        return price * quantity // self.base_unit

    def quantity_step(self, price: int) -> int:
        """The smallest quantity step keeping price·quantity divisible by 10^base.decimals."""
        return self.base_unit // math.gcd(price, self.base_unit)

    @property
    def lot(self) -> int:
        """A quantity step valid at every on-tick price (price·lot is a multiple of 10^base)."""
        return self.base_unit // math.gcd(self.tick, self.base_unit)

    def lots(self, price: int, count: int = 1) -> int:
        """``count`` × the smallest whole number of lots whose notional at ``price`` is at
        least twice min_order: valid at every on-tick price at or above ``price``."""
        per = max(1, -(-2 * max(self.min_order, 1) * self.base_unit // (price * self.lot)))
        return per * self.lot * count

    def quantity(self, price: int, lots: int = 1) -> int:
        """A valid quantity at ``price`` worth about ``lots`` × (twice min_order)."""
        step = self.quantity_step(price)
        target = max(2 * self.min_order, 1) * lots
        steps = max(1, -(-target * self.base_unit // (price * step)))
        return steps * step

    def fee(self, received: int, rate: int) -> int:
        """The fee ceiling on what a side receives: floor(received·rate / 10^6)."""
        return received * rate // 1_000_000


def markets_of(markets_json: Mapping[str, Any]) -> list[MarketSpec]:
    return [MarketSpec.from_json(m) for m in markets_json["markets"]]
