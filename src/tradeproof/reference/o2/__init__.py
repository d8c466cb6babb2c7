"""The O2 half of the reference target: an in-memory O2 exchange served over HTTP.

``O2Exchange`` (``engine.py``) holds all state and rules; ``o2_routes`` (``routes.py``)
serves it. The pieces, one job each: ``markets`` (configuration and ids), ``requests``
(strict request parsing), ``accounts`` (trade accounts and sessions), ``ledger``
(balances), ``book`` (matching), ``journal`` (atomic batches), ``views`` (response
bodies), ``errors`` (pre-flight rejections and on-chain reverts).
"""

from __future__ import annotations

from .book import Order, OrderBook
from .engine import O2Exchange
from .markets import FEE_ACCOUNT_ID, Asset, Market, default_markets
from .routes import o2_routes

__all__ = [
    "FEE_ACCOUNT_ID",
    "Asset",
    "Market",
    "O2Exchange",
    "Order",
    "OrderBook",
    "default_markets",
    "o2_routes",
]
