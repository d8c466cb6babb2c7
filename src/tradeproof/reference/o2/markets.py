"""The reference exchange's configuration: assets, markets and well-known contract ids.

Every id is a sha256 of a readable label, so two runs (and two machines) agree on them
without storing anything. ``market_id = sha256(quote_asset ‖ base_asset)`` is the
derivation ``protocol/o2.md`` §8 infers from ``o2-api-types``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ...signing.o2 import MarketRef, hex0x

CHAIN_ID = 31337
"""A local-devnet chain id; reported as 16 hex digits like the live API (``"0x…7a69"``)."""

MILLION = 1_000_000
"""Fees are in millionths of what a side receives (``protocol/o2.md`` §4.1)."""


def label_id(label: str) -> bytes:
    """The 32-byte id named by ``label`` (deterministic)."""
    return hashlib.sha256(f"tradeproof/o2/{label}".encode()).digest()


ACCOUNTS_REGISTRY_ID = label_id("accounts-registry")
BOOKS_REGISTRY_ID = label_id("books-registry")
TRADE_ACCOUNT_ORACLE_ID = label_id("trade-account-oracle")
CHAIN_BASE_ASSET_ID = label_id("asset/ETH")  # the chain's gas asset; not traded here
FEE_ACCOUNT_ID = label_id("fee-account")
"""Where fees go: a trade-account-like id whose balances ``GET /v1/balance`` reports."""


@dataclass(frozen=True)
class Asset:
    """One fungible asset, by symbol, with its on-chain decimals."""

    symbol: str
    decimals: int

    @property
    def asset_id(self) -> bytes:
        return label_id(f"asset/{self.symbol}")


@dataclass(frozen=True)
class Market:
    """An order book: base/quote, tick, minimum order and fees (all in chain units)."""

    base: Asset
    quote: Asset
    base_max_precision: int
    quote_max_precision: int
    min_order: int  # minimum notional, quote units
    maker_fee: int = 0  # millionths
    taker_fee: int = 0  # millionths
    ref: MarketRef = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        base_id, quote_id = self.base.asset_id, self.quote.asset_id
        ref = MarketRef(
            market_id=hashlib.sha256(quote_id + base_id).digest(),
            contract_id=label_id(f"order-book/{self.pair}"),
            base_asset=base_id,
            base_decimals=self.base.decimals,
            quote_asset=quote_id,
        )
        object.__setattr__(self, "ref", ref)

    @property
    def pair(self) -> str:
        return f"{self.base.symbol}/{self.quote.symbol}"

    @property
    def market_id(self) -> bytes:
        return self.ref.market_id

    @property
    def contract_id(self) -> bytes:
        return self.ref.contract_id

    @property
    def tick(self) -> int:
        """Prices must be multiples of this (contract ``PRICE_PRECISION``)."""
        tick: int = 10 ** (self.quote.decimals - self.quote_max_precision)
        return tick

    @property
    def base_unit(self) -> int:
        """10^base.decimals: quote value = price · quantity / base_unit."""
        unit: int = 10**self.base.decimals
        return unit

    def quote_value(self, price: int, quantity: int) -> int:
        """floor(price · quantity / 10^base.decimals): the quote amount of a fill."""
        return price * quantity // self.base_unit

    def to_json(self) -> dict[str, Any]:
        """One entry of ``GET /v1/markets`` (``protocol/o2.md`` §5)."""
        return {
            "contract_id": hex0x(self.contract_id),
            "market_id": hex0x(self.market_id),
            "whitelist_id": None,
            "blacklist_id": None,
            "maker_fee": str(self.maker_fee),
            "taker_fee": str(self.taker_fee),
            "min_order": str(self.min_order),
            "dust": "0",
            "price_window": 0,
            "base": _asset_json(self.base, self.base_max_precision),
            "quote": _asset_json(self.quote, self.quote_max_precision),
        }


def _asset_json(asset: Asset, max_precision: int) -> dict[str, Any]:
    return {
        "symbol": asset.symbol,
        "asset": hex0x(asset.asset_id),
        "decimals": asset.decimals,
        "max_precision": max_precision,
    }


FETH = Asset("fETH", 9)
FBTC = Asset("fBTC", 8)
FUSDC = Asset("fUSDC", 9)


def default_markets() -> tuple[Market, ...]:
    """Two books quoting the same fUSDC: a fee-free fine-tick one and a coarse one with fees.

    fETH/fUSDC: tick 10^3 (0.000001 USDC), min order 1 USDC, no fees.
    fBTC/fUSDC: base decimals 8, tick 10^6 (0.001 USDC), min order 5 USDC, maker 0.01 %,
    taker 0.05 %.
    """
    return (
        Market(FETH, FUSDC, base_max_precision=6, quote_max_precision=6, min_order=10**9),
        Market(
            FBTC,
            FUSDC,
            base_max_precision=8,
            quote_max_precision=3,
            min_order=5 * 10**9,
            maker_fee=100,
            taker_fee=500,
        ),
    )


def markets_json(markets: Sequence[Market], chain_id: int = CHAIN_ID) -> dict[str, Any]:
    """The ``GET /v1/markets`` body (``protocol/o2.md`` §5, ``MarketsResponse.from_dict``)."""
    return {
        "books_registry_id": hex0x(BOOKS_REGISTRY_ID),
        "books_whitelist_id": None,
        "books_blacklist_id": None,
        "accounts_registry_id": hex0x(ACCOUNTS_REGISTRY_ID),
        "trade_account_oracle_id": hex0x(TRADE_ACCOUNT_ORACLE_ID),
        "chain_id": f"0x{chain_id:016x}",
        "base_asset_id": hex0x(CHAIN_BASE_ASSET_ID),
        "markets": [market.to_json() for market in markets],
    }
