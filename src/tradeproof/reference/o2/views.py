"""JSON bodies of the read endpoints, in the shapes the live API and the SDK use.

Shapes: ``protocol/o2.md`` §1.3 (orders) and §5; every one parses with the matching
``o2_sdk.models`` ``from_dict`` and satisfies the response schemas in ``schemas/o2``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ...signing.o2 import hex0x
from .accounts import Account
from .book import BookSide, Order, OrderBook
from .ledger import Ledger
from .markets import Market
from .requests import Identity


def identity_json(identity: Identity) -> dict[str, str]:
    variant, value = identity
    return {variant: hex0x(value)}


def order_json(order: Order, market: Market) -> dict[str, Any]:
    """An order (``o2_sdk.models.Order``); ``price_fill`` is the average fill price."""
    average = order.value // order.filled if order.filled else 0
    return {
        "order_id": hex0x(order.order_id),
        "side": order.side,
        "order_type": order.order_type,
        "quantity": str(order.quantity),
        "quantity_fill": str(order.filled),
        "price": str(order.price),
        "price_fill": str(average),
        "timestamp": str(order.timestamp),
        "close": not order.open,
        "partially_filled": 0 < order.filled < order.quantity,
        "cancel": order.cancelled,
        "account": {"ContractId": hex0x(order.owner)},
        "market_id": hex0x(market.market_id),
        "desired_quantity": str(order.quantity),
        "base_decimals": market.base.decimals,
        "fills": [
            {"price": str(f.price), "quantity": str(f.quantity), "timestamp": str(f.timestamp)}
            for f in order.fills
        ],
    }


def account_json(account: Account | None) -> dict[str, Any]:
    """``GET /v1/accounts``: nulls for an unknown account (what the SDK checks)."""
    if account is None:
        return {"trade_account_id": None, "trade_account": None, "session": None}
    session = account.session
    return {
        "trade_account_id": hex0x(account.trade_account_id),
        "trade_account": {
            "last_modification": account.last_modification,
            "nonce": str(account.nonce),
            "owner": identity_json(account.owner),
            "synced_with_network": True,
            "sync_state": "None",
        },
        "session": None
        if session is None
        else {
            "session_id": {"Address": hex0x(session.address)},
            "expiry": str(session.expiry),
            "contract_ids": [hex0x(c) for c in session.contract_ids],
        },
    }


def balance_json(
    ledger: Ledger, books: Iterable[OrderBook], holder: bytes, asset: bytes
) -> dict[str, Any]:
    """``GET /v1/balance``: locked/unlocked per book; total_unlocked includes the trading one."""
    trading = ledger.trading(holder, asset)
    per_book: dict[str, dict[str, str]] = {}
    total_locked, total_unlocked = 0, trading
    for book in books:
        market = book.market
        if asset not in (market.base.asset_id, market.quote.asset_id):
            continue
        locked = book.locked(holder, asset)
        unlocked = ledger.unlocked(book.contract_id, holder, asset)
        per_book[hex0x(book.contract_id)] = {"locked": str(locked), "unlocked": str(unlocked)}
        total_locked += locked
        total_unlocked += unlocked
    return {
        "order_books": per_book,
        "total_locked": str(total_locked),
        "total_unlocked": str(total_unlocked),
        "trading_account_balance": str(trading),
    }


def orders_json(book: OrderBook, orders: Iterable[Order], contract: bytes | None) -> dict[str, Any]:
    """``GET /v1/orders``: ``identity`` only when the orders are one account's."""
    result: dict[str, Any] = {
        "market_id": hex0x(book.market.market_id),
        "orders": [order_json(o, book.market) for o in orders],
    }
    if contract is not None:
        result["identity"] = {"ContractId": hex0x(contract)}
    return result


def depth_json(book: OrderBook, precision: int, limit: int | None) -> dict[str, Any]:
    """``GET /v1/depth`` (``o2_sdk.models.DepthSnapshot``)."""
    return {
        "action": "depth",
        "market_id": hex0x(book.market.market_id),
        "orders": {
            "buys": depth_levels(book.bids, precision, limit),
            "sells": depth_levels(book.asks, precision, limit),
        },
    }


def depth_levels(side: BookSide, precision: int, limit: int | None) -> list[dict[str, str]]:
    """Remaining quantity per price bucket, best first.

    Bids round down and asks round up to a multiple of ``precision``, so a bucket never
    shows a better price than the orders in it.
    """
    buckets: dict[int, int] = {}
    for price, queue in side.levels():
        bucket = (
            price // precision * precision if side.is_bid else -(-price // precision) * precision
        )
        if bucket not in buckets and limit is not None and len(buckets) == limit:
            break
        buckets[bucket] = buckets.get(bucket, 0) + sum(order.remaining for order in queue)
    return [{"price": str(p), "quantity": str(q)} for p, q in buckets.items()]


def orders_page(
    orders: Sequence[Order],
    *,
    is_open: bool | None,
    descending: bool,
    count: int,
    after: bytes | None,
) -> list[Order]:
    """Filter by open state, sort by creation, start after ``after``, take ``count``."""
    chosen = [o for o in orders if is_open is None or o.open == is_open]
    if descending:
        chosen.reverse()
    if after is not None:
        ids = [o.order_id for o in chosen]
        chosen = chosen[ids.index(after) + 1 :] if after in ids else []
    return chosen[:count]
