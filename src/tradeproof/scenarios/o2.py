"""O2 scenario helpers: find room in the book, place orders, read ids, clean up.

Scenarios trade inside the spread, around a market's mid price, where nothing else
rests: generated orders of the validation rules stay ≥ 10× away (``strategies.o2.Zones``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from ..messages import o2 as msg
from ..strategies.o2 import Zones
from ..target.accounts import O2Trader
from ..target.market import MarketSpec
from ..target.o2 import O2Target, norm_id, parse_int
from ..target.outcome import Outcome

DEFAULT_MID_WHOLE = 1000


def _levels(side: Any) -> list[int]:
    prices = []
    for level in side or []:
        if isinstance(level, (list, tuple)) and level:
            prices.append(parse_int(level[0], "depth price"))
        elif isinstance(level, dict) and "price" in level:
            prices.append(parse_int(level["price"], "depth price"))
    return prices


def best_prices(o2: O2Target, spec: MarketSpec) -> tuple[int | None, int | None]:
    """(best bid, best ask) from ``GET /v1/depth`` (None for an empty side)."""
    depth = o2.depth(spec.market_id)
    orders = depth.get("orders", depth)
    bids = _levels(orders.get("buys") or orders.get("bids"))
    asks = _levels(orders.get("sells") or orders.get("asks"))
    return (max(bids) if bids else None, min(asks) if asks else None)


def zones_for(o2: O2Target, markets: Sequence[MarketSpec]) -> Zones:
    """Each market's scenario mid: the middle of the spread, or a default on an empty book."""
    mids = {}
    for spec in markets:
        bid, ask = best_prices(o2, spec)
        if bid is not None and ask is not None:
            mid = (bid + ask) // 2
        elif bid is not None:
            mid = bid * 2
        elif ask is not None:
            mid = ask // 2
        else:
            mid = spec.price(DEFAULT_MID_WHOLE)
        mids[spec.market_id] = max(spec.tick, mid - mid % spec.tick)
    return Zones(mids)


def order_ids(outcome: Outcome) -> list[str]:
    """Ids of the orders an accepted batch created (``collect_orders``)."""
    body = outcome.body if isinstance(outcome.body, dict) else {}
    return [norm_id(o["order_id"]) for o in body.get("orders") or [] if isinstance(o, dict) and "order_id" in o]


def place(
    trader: O2Trader, spec: MarketSpec, side: str, price: int, quantity: int, order_type: Any = "Spot"
) -> Outcome:
    return trader.submit(msg.group(spec.market_id, msg.create_order(side, price, quantity, order_type)))


def open_orders(trader: O2Trader, spec: MarketSpec) -> list[dict[str, Any]]:
    return trader.target.open_orders(spec.market_id, trader.trade_account_id)


def open_ids(trader: O2Trader, spec: MarketSpec) -> list[str]:
    return [norm_id(o["order_id"]) for o in open_orders(trader, spec)]


def cancel_all(trader: O2Trader, spec: MarketSpec) -> None:
    """Cancel every open order of the trader on the market, five per batch."""
    ids = open_ids(trader, spec)
    for start in range(0, len(ids), 5):
        trader.submit(msg.group(spec.market_id, *(msg.cancel_order(i) for i in ids[start : start + 5])))


@contextmanager
def cleaned(spec: MarketSpec, *traders: O2Trader) -> Iterator[None]:
    """Leave the book as found: cancel the traders' orders when the scenario ends."""
    try:
        yield
    finally:
        for trader in traders:
            cancel_all(trader, spec)


def remaining(order: dict[str, Any]) -> int:
    """Unfilled quantity of an order object."""
    quantity = parse_int(order.get("quantity", 0), "quantity")
    filled = parse_int(order.get("quantity_fill", 0), "quantity_fill")
    return quantity - filled


class Scene:
    """A small order-book scenario around a market's mid: prices ``p ± k·tick`` and a
    base quantity ``q`` that is valid (tick, lot, min order) at every such price."""

    def __init__(self, spec: MarketSpec, zones: Zones, rule_id: str) -> None:
        self.spec = spec
        self.rule_id = rule_id
        self.t = spec.tick
        self.p = zones.mid(spec)
        self.q = spec.lots(self.p - 10 * self.t if self.p > 10 * self.t else self.p)

    def price(self, ticks: int) -> int:
        return self.p + ticks * self.t

    def rest(self, trader: O2Trader, side: str, ticks: int, quantity: int, order_type: Any = "Spot") -> str:
        """Place an order that must rest (a maker) and return its id."""
        from ..checks import expect_accepted, require

        outcome = place(trader, self.spec, side, self.price(ticks), quantity, order_type)
        expect_accepted(self.rule_id, outcome, detail=f"resting {side} at mid{ticks:+d} ticks")
        ids = order_ids(outcome) or open_ids(trader, self.spec)
        require(self.rule_id, bool(ids), "the resting order listed", "no order id returned or open")
        return ids[-1]

    def open_by_id(self, trader: O2Trader) -> dict[str, dict[str, Any]]:
        return {norm_id(o["order_id"]): o for o in open_orders(trader, self.spec)}


def unaffordable_fok(trader: O2Trader, spec: MarketSpec) -> Outcome:
    """Send a FillOrKill buy far beyond any minted balance: it reverts (the batch is
    signed and well-formed, so only the revert path decides the nonce after it)."""
    price = spec.price(1)
    huge = spec.quantity(price) * 10**6
    return trader.submit(msg.group(spec.market_id, msg.create_order("Buy", price, huge, "FillOrKill")))


def bad_order(
    rule_id: str, spec: MarketSpec, zones: Zones, lots: int, pick: Callable[[int, int], int]
) -> tuple[int, int] | None:
    """(price, quantity) breaking only ``rule_id`` of the order-parameter rules, or None
    when the market's numbers leave no such order. ``pick(lo, hi)`` chooses an integer
    in [lo, hi] (a Hypothesis draw)."""
    price = max(spec.tick, zones.mid(spec) // 20 // spec.tick * spec.tick)
    if rule_id == "O2-ORDER-ZERO":
        return (0, spec.lots(price, lots)) if pick(0, 1) == 0 else (price, 0)
    if rule_id == "O2-ORDER-TICK":
        if spec.tick == 1:
            return None
        off = price + pick(1, spec.tick - 1)
        return off, spec.quantity(off, lots)
    if rule_id == "O2-ORDER-MIN-NOTIONAL":
        step = spec.quantity_step(price)
        return None if spec.notional(price, step) >= spec.min_order else (price, step)
    if rule_id != "O2-ORDER-FRACTIONAL":
        raise ValueError(f"{rule_id} is not an order-parameter rule")
    price += spec.tick  # off a whole number of quote units, so not every quantity divides
    if spec.quantity_step(price) == 1:
        return None
    return price, spec.lots(price, lots) + pick(1, spec.quantity_step(price) - 1)


def burst(send: Callable[[Any], Outcome], bodies: Sequence[Any]) -> tuple[list[Outcome], float]:
    """Send all bodies at once (so a remote target also sees them within one second);
    the outcomes and the seconds the burst took."""
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        outcomes = list(pool.map(send, bodies))
    return outcomes, time.monotonic() - started
