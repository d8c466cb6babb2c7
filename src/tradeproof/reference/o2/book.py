"""One order book: price-time priority matching for the six O2 order types.

Semantics (seed 000 "Order Types", ``protocol/o2.md`` §4.2, TARGET.md §1):

* Fills happen at the maker's price; the quote amount of a fill is
  floor(price · quantity / 10^base.decimals) on both sides. Each side receives its
  proceeds less its fee (maker or taker rate, millionths, rounded down) into its
  ``unlocked`` balance of this book; fees go to the fee account.
* Best price first, oldest order first within a price level (FIFO).
* A buy spends at most the coins it forwarded (floor(price · quantity / 10^base)), so a
  Market or BoundedMarket buy may fill less than its quantity; priced buys never hit
  that bound because every fill is at or below their price.
* Spot and Limit match up to their price and rest the remainder; PostOnly reverts if it
  would take anything, else rests; FillOrKill reverts unless completely filled;
  Market and BoundedMarket never rest (the remainder is refunded), and BoundedMarket
  reverts when nothing fills inside [min_price, max_price].
* Matching stops at the first price level that is outside the order's limit or bounds;
  it never skips a better level to reach a worse one (so a buy whose ``min_price`` is above
  the best ask fills nothing and reverts).
* Limit ``[limit_price, timestamp]`` matches up to, and rests at, the tighter of its price
  and limit price (a buy the lower, a sell the higher). The timestamp is accepted but does
  not set priority: the seed calls it "for price-time priority", but a client-chosen time
  would let anyone jump the queue, so arrival order is the only time the book trusts. It
  does not expire the order either (the deployed semantics are unknown, o2.md §8).
* An account may trade with its own resting orders (self-trades are not prevented).

Every method that breaks one rule in a "broken target" is small and overridable:
:meth:`OrderBook.next_maker` (FIFO), :meth:`OrderBook.fee` (fees),
:meth:`OrderBook.check_post_only`, :meth:`OrderBook.check_fill_or_kill`,
:meth:`OrderBook.check_bounded_market`, :meth:`OrderBook.acceptable` (price limits).
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .errors import Revert
from .journal import Journal
from .ledger import Ledger
from .markets import MILLION, Market

RESTING_KINDS = frozenset({"Spot", "Limit", "PostOnly"})
MARKET_KINDS = frozenset({"Market", "BoundedMarket"})


@dataclass(frozen=True, slots=True)
class Fill:
    """One trade an order took part in, at the maker's price."""

    price: int
    quantity: int
    timestamp: int  # unix milliseconds


@dataclass(eq=False, slots=True)
class Order:
    """An order, open or closed. ``price`` is the price it matches up to and rests at."""

    order_id: bytes
    owner: bytes  # trade account id
    side: str  # "Buy" | "Sell"
    kind: str  # "Spot", "Limit", "FillOrKill", "PostOnly", "Market", "BoundedMarket"
    order_type: Any  # the wire form, echoed in responses
    price: int
    quantity: int
    timestamp: int  # unix milliseconds
    bounds: tuple[int, int] | None = None  # BoundedMarket (min_price, max_price)
    filled: int = 0
    value: int = 0  # Σ price · fill quantity, for the average fill price
    locked: int = 0  # coins held by the book behind the resting remainder
    open: bool = False  # resting on the book
    cancelled: bool = False  # a remainder was cancelled (by CancelOrder or a Market's end)
    fills: list[Fill] = field(default_factory=list)

    @property
    def is_buy(self) -> bool:
        return self.side == "Buy"

    @property
    def remaining(self) -> int:
        return self.quantity - self.filled

    def restorer(self) -> Callable[[], None]:
        """A closure that puts the mutable fields back as they are now (for the journal)."""
        filled, value, locked, is_open, cancelled = (
            self.filled,
            self.value,
            self.locked,
            self.open,
            self.cancelled,
        )
        n_fills = len(self.fills)

        def restore() -> None:
            self.filled, self.value, self.locked = filled, value, locked
            self.open, self.cancelled = is_open, cancelled
            del self.fills[n_fills:]

        return restore


class BookSide:
    """The resting orders of one side: FIFO queues per price, prices kept sorted."""

    def __init__(self, is_bid: bool, journal: Journal) -> None:
        self.is_bid = is_bid
        self._journal = journal
        self._levels: dict[int, deque[Order]] = {}
        self._prices: list[int] = []  # ascending; the best bid is last, the best ask first

    def best_price(self) -> int | None:
        if not self._prices:
            return None
        return self._prices[-1] if self.is_bid else self._prices[0]

    def level(self, price: int) -> deque[Order]:
        return self._levels[price]

    def levels(self) -> Iterator[tuple[int, deque[Order]]]:
        """(price, queue) from the best price outwards."""
        prices = reversed(self._prices) if self.is_bid else iter(self._prices)
        return ((price, self._levels[price]) for price in prices)

    def push(self, order: Order) -> None:
        """Queue ``order`` last at its price."""
        price = order.price
        queue = self._levels.get(price)
        if queue is None:
            queue = self._levels[price] = deque()
            bisect.insort(self._prices, price)
        queue.append(order)
        self._journal.record(lambda: self._unpush(price))

    def _unpush(self, price: int) -> None:
        queue = self._levels[price]
        queue.pop()
        if not queue:
            self._drop_level(price)

    def remove(self, order: Order) -> None:
        """Take ``order`` out of its queue (filled or cancelled)."""
        price = order.price
        queue = self._levels[price]
        index = 0 if queue[0] is order else queue.index(order)
        del queue[index]
        if not queue:
            self._drop_level(price)
        self._journal.record(lambda: self._reinsert(order, index))

    def _reinsert(self, order: Order, index: int) -> None:
        queue = self._levels.get(order.price)
        if queue is None:
            queue = self._levels[order.price] = deque()
            bisect.insort(self._prices, order.price)
        queue.insert(index, order)

    def _drop_level(self, price: int) -> None:
        del self._levels[price]
        del self._prices[bisect.bisect_left(self._prices, price)]


class OrderBook:
    """One market's order book contract: resting orders, matching, cancel, settle."""

    def __init__(
        self, market: Market, ledger: Ledger, journal: Journal, fee_account: bytes
    ) -> None:
        self.market = market
        self.contract_id = market.contract_id
        self._ledger = ledger
        self._journal = journal
        self._fee_account = fee_account
        self.bids = BookSide(True, journal)
        self.asks = BookSide(False, journal)
        self._orders: dict[bytes, Order] = {}
        self._by_owner: dict[bytes, list[Order]] = {}

    # ----------------------------------------------------------------- queries

    def get(self, order_id: bytes) -> Order | None:
        return self._orders.get(order_id)

    def orders_of(self, owner: bytes | None = None) -> list[Order]:
        """An owner's orders (every owner's when None), oldest first."""
        if owner is None:
            return list(self._orders.values())
        return self._by_owner.get(owner, [])

    def locked(self, owner: bytes, asset: bytes) -> int:
        """Coins of ``asset`` behind the owner's resting orders in this book."""
        side = "Buy" if asset == self.market.quote.asset_id else "Sell"
        return sum(o.locked for o in self._by_owner.get(owner, ()) if o.open and o.side == side)

    # ----------------------------------------------------------------- actions

    def place(self, order: Order, forwarded: int) -> None:
        """Match a new order, then rest, refund or revert as its type says.

        ``forwarded`` coins (quote for a buy, base for a sell) have already left the
        owner's trading balance; whatever neither fills nor rests goes back to it.
        """
        self._register(order)
        if order.kind == "PostOnly":
            self.check_post_only(order)
        limit = None if order.kind in MARKET_KINDS else order.price
        quote = self.match(order, limit, order.bounds, forwarded if order.is_buy else None)
        if order.kind == "FillOrKill":
            self.check_fill_or_kill(order)
        elif order.kind == "BoundedMarket":
            self.check_bounded_market(order)
        if order.remaining and order.kind in RESTING_KINDS:
            self._rest(order)
        elif order.remaining:
            self._journal.record(order.restorer())
            order.cancelled = True
        spent = quote if order.is_buy else order.filled
        refund = forwarded - spent - order.locked
        assert refund >= 0, f"order {order.order_id.hex()} overspent its forwarded coins"
        asset = self.market.quote.asset_id if order.is_buy else self.market.base.asset_id
        self._ledger.credit(order.owner, asset, refund)

    def cancel(self, order_id: bytes, caller: bytes) -> bool:
        """Cancel a resting order of ``caller``; its locked coins go back to the trading balance.

        Another account's order reverts (``NotOrderOwner``); an unknown or closed id
        is a no-op returning False, as in the contract source (``protocol/o2.md`` §4.3).
        """
        order = self._orders.get(order_id)
        if order is None or not order.open:
            return False
        if order.owner != caller:
            raise Revert("NotOrderOwner", f"order 0x{order_id.hex()} belongs to another account")
        self._journal.record(order.restorer())
        self._side_of(order).remove(order)
        asset = self.market.quote.asset_id if order.is_buy else self.market.base.asset_id
        self._ledger.credit(order.owner, asset, order.locked)
        order.locked, order.open, order.cancelled = 0, False, True
        return True

    def settle(self, trader: bytes) -> None:
        """Move ``trader``'s proceeds (both assets) to its trading balance."""
        assets = (self.market.base.asset_id, self.market.quote.asset_id)
        self._ledger.settle(self.contract_id, trader, assets)

    # ----------------------------------------------------------------- matching

    def match(
        self, taker: Order, limit: int | None, bounds: tuple[int, int] | None, budget: int | None
    ) -> int:
        """Fill ``taker`` against the opposite side, best price first; return the quote traded.

        ``budget`` caps the quote a buy may spend (its forwarded coins).
        """
        side = self.asks if taker.is_buy else self.bids
        unit = self.market.base_unit
        traded = 0
        while taker.remaining:
            price = side.best_price()
            if price is None or not self.acceptable(taker, price, limit, bounds):
                break
            maker = self.next_maker(side.level(price))
            quantity = min(taker.remaining, maker.remaining)
            if budget is not None:
                # the largest q with floor(price·q/unit) ≤ what is left of the budget
                quantity = min(quantity, ((budget - traded + 1) * unit - 1) // price)
                if quantity == 0:
                    break
            traded += self._fill(taker, maker, quantity)
        return traded

    def acceptable(
        self, taker: Order, price: int, limit: int | None, bounds: tuple[int, int] | None
    ) -> bool:
        """May ``taker`` trade at ``price``: not worse than its limit, not outside its bounds?"""
        if limit is not None and (price > limit if taker.is_buy else price < limit):
            return False
        return bounds is None or bounds[0] <= price <= bounds[1]

    def next_maker(self, level: deque[Order]) -> Order:
        """The maker to fill next at a price level: the oldest (time priority)."""
        return level[0]

    def fee(self, amount: int, rate: int) -> int:
        """The fee on ``amount`` received, at ``rate`` millionths, rounded down."""
        return amount * rate // MILLION

    def check_post_only(self, order: Order) -> None:
        """A PostOnly order that would take liquidity reverts the batch."""
        side = self.asks if order.is_buy else self.bids
        best = side.best_price()
        if best is not None and self.acceptable(order, best, order.price, None):
            raise Revert(
                "OrderPartiallyFilled",
                f"PostOnly {order.side} at {order.price} would trade with the order at {best}",
            )

    def check_fill_or_kill(self, order: Order) -> None:
        """A FillOrKill order that is not completely filled reverts the batch."""
        if order.remaining:
            raise Revert(
                "OrderNotFilled",
                f"FillOrKill filled {order.filled} of {order.quantity} up to price {order.price}",
            )

    def check_bounded_market(self, order: Order) -> None:
        """A BoundedMarket order with nothing fillable inside its bounds reverts the batch."""
        if not order.filled:
            low, high = order.bounds or (0, 0)
            raise Revert(
                "OrderNotFilled",
                f"BoundedMarket {order.side}: nothing fillable inside [{low}, {high}]",
            )

    # ----------------------------------------------------------------- internals

    def _fill(self, taker: Order, maker: Order, quantity: int) -> int:
        """Trade ``quantity`` at the maker's price; pay both sides; return the quote amount."""
        market = self.market
        price = maker.price
        quote = market.quote_value(price, quantity)
        buyer, seller = (taker, maker) if taker.is_buy else (maker, taker)
        self._pay(
            buyer,
            market.base.asset_id,
            quantity,
            market.taker_fee if buyer is taker else market.maker_fee,
        )
        self._pay(
            seller,
            market.quote.asset_id,
            quote,
            market.taker_fee if seller is taker else market.maker_fee,
        )
        fill = Fill(price, quantity, taker.timestamp)
        for order in (taker, maker):
            self._journal.record(order.restorer())
            order.filled += quantity
            order.value += price * quantity
            order.fills.append(fill)
        maker.locked -= quote if maker.is_buy else quantity
        if not maker.remaining:
            self._side_of(maker).remove(maker)
            maker.open = False
            if maker.locked:  # a buy's rounding leftover: the owner's, settleable
                self._ledger.credit_unlocked(
                    self.contract_id, maker.owner, market.quote.asset_id, maker.locked
                )
                maker.locked = 0
        return quote

    def _pay(self, order: Order, asset: bytes, amount: int, rate: int) -> None:
        fee = self.fee(amount, rate)
        self._ledger.credit_unlocked(self.contract_id, order.owner, asset, amount - fee)
        self._ledger.credit(self._fee_account, asset, fee)

    def _rest(self, order: Order) -> None:
        self._journal.record(order.restorer())
        order.locked = (
            self.market.quote_value(order.price, order.remaining)
            if order.is_buy
            else order.remaining
        )
        order.open = True
        self._side_of(order).push(order)

    def _register(self, order: Order) -> None:
        self._journal.set_item(self._orders, order.order_id, order)
        owned = self._by_owner.get(order.owner)
        if owned is None:
            self._journal.set_item(self._by_owner, order.owner, [])
            owned = self._by_owner[order.owner]
        self._journal.append(owned, order)

    def _side_of(self, order: Order) -> BookSide:
        return self.bids if order.is_buy else self.asks
