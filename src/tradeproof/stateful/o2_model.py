"""An independent model of what a conformant O2 target must do (TARGET.md §1).

Written from TARGET.md, seed 000's order-type table and ``protocol/o2.md`` §4 — never
from the reference exchange, which it judges. Per market a book with price-time
priority; per account balances as ranges (fees are only bounded: a fill's fee is
anywhere in [0, floor(received·rate/10^6)]); batches atomic (simulated on a copy).

Where TARGET.md leaves the behaviour open — Market with nothing (or not enough known
liquidity) to fill, cancel of an order that is not open, self-trades, a BoundedMarket
whose bounds skip a better level — the model does not guess: ``simulate`` raises
``Open`` naming the action, and the machine leaves it out.

A Market buy whose budget binds is half open: TARGET.md fixes that it spends at most its
forwarded coins, not how much of the binding level it takes. ``simulate`` raises
``BudgetBinds`` (an ``Open``) with the most that level may give; a caller that can see
what the target took there passes it back as ``NewOrder.binding_fill``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..target.market import MarketSpec

FOREIGN = "foreign"  # liquidity found in the band at start: someone else's, older than ours
PRICED = frozenset({"Spot", "Limit", "FillOrKill", "PostOnly"})
RESTING = frozenset({"Spot", "Limit", "PostOnly"})
MARKET_KINDS = frozenset({"Market", "BoundedMarket"})


class Open(Exception):
    """The outcome of action ``index`` is not fixed by TARGET.md: do not send it."""

    def __init__(self, index: int, reason: str) -> None:
        super().__init__(f"action {index}: {reason}")
        self.index, self.reason = index, reason


class BudgetBinds(Open):
    """A Market buy's budget runs out at ``price``: it may take anything from 0 to ``most``
    of that level (TARGET.md fixes only that it never spends more than it forwards).
    ``first``: nothing filled before it, so if it takes nothing there the target may
    also refuse the batch (a Market that fills nothing is an open case)."""

    def __init__(self, index: int, market: str, side: str, price: int, most: int, first: bool) -> None:
        super().__init__(index, "market buy whose budget binds")
        self.market, self.side, self.price, self.most, self.first = market, side, price, most, first


class Rejected(Exception):
    """A conformant target must reject the batch; ``rule_id`` says which rule decides it."""

    def __init__(self, index: int, rule_id: str, reason: str) -> None:
        super().__init__(f"action {index}: {reason}")
        self.index, self.rule_id, self.reason = index, rule_id, reason


@dataclass(frozen=True)
class Range:
    """An amount known to lie in [lo, hi]."""

    lo: int
    hi: int

    @classmethod
    def exactly(cls, value: int) -> Range:
        return cls(value, value)

    def __add__(self, other: Range | int) -> Range:
        o = other if isinstance(other, Range) else Range.exactly(other)
        return Range(self.lo + o.lo, self.hi + o.hi)

    def __contains__(self, value: int) -> bool:
        return self.lo <= value <= self.hi

    def __str__(self) -> str:
        return str(self.lo) if self.lo == self.hi else f"[{self.lo}, {self.hi}]"


# --------------------------------------------------------------------------- actions


@dataclass(frozen=True)
class NewOrder:
    """A CreateOrder, resolved to concrete numbers. ``limit`` is a Limit's limit price,
    ``bounds`` a BoundedMarket's (min_price, max_price)."""

    market: str
    side: str
    price: int
    quantity: int
    kind: str
    limit: int | None = None
    bounds: tuple[int, int] | None = None
    binding_fill: int | None = None  # a Market buy's take of the level where its budget binds

    @property
    def is_buy(self) -> bool:
        return self.side == "Buy"

    @property
    def rest_price(self) -> int:
        """Where it matches up to and rests: a Limit takes the tighter of its two prices."""
        if self.limit is None:
            return self.price
        return min(self.price, self.limit) if self.is_buy else max(self.price, self.limit)

    def accepts(self, price: int) -> bool:
        """May it trade at ``price``?"""
        if self.kind in PRICED and (price > self.rest_price if self.is_buy else price < self.rest_price):
            return False
        return self.bounds is None or self.bounds[0] <= price <= self.bounds[1]


@dataclass(frozen=True)
class Cancel:
    market: str
    seq: int  # the model's order


@dataclass(frozen=True)
class SettleOwn:
    market: str


ModelAction = NewOrder | Cancel | SettleOwn


# --------------------------------------------------------------------------- state


@dataclass
class Resting:
    """An open order. ``seq`` is its time priority; ``lock`` what it holds (a buy that
    crossed first may hold anything from its remainder's value to what it has left)."""

    seq: int
    owner: str
    market: str
    side: str
    price: int
    quantity: int
    kind: str
    lock: Range
    filled: int = 0
    target_id: str | None = None

    @property
    def remaining(self) -> int:
        return self.quantity - self.filled

    @property
    def is_buy(self) -> bool:
        return self.side == "Buy"


@dataclass(frozen=True)
class Fill:
    market: str
    taker_seq: int
    maker_seq: int
    price: int
    quantity: int


@dataclass(frozen=True)
class Placed:
    """What one CreateOrder of a batch did."""

    seq: int
    order: NewOrder
    filled: int
    spent: int  # quote paid (buys)
    rested: bool


@dataclass
class Prediction:
    accepted: bool
    rule_id: str | None = None  # why a conformant target rejects it
    reason: str = ""
    placed: list[Placed] = field(default_factory=list)
    fills: list[Fill] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    index: int | None = None  # the action a conformant target rejects the batch for


class O2Model:
    """Books and balances of the machine's accounts (plus foreign liquidity in the band)."""

    def __init__(self, markets: Sequence[MarketSpec], dust: Mapping[str, int] | None = None) -> None:
        self.markets = {m.market_id: m for m in markets}
        self.dust = dict(dust or {})  # per market: buy leftovers up to this may be kept (o2.md §4.1)
        self.orders: dict[int, Resting] = {}  # open orders only
        self.total: dict[tuple[str, str], Range] = {}  # (account, asset) → trading + locked + unlocked
        self.unlocked: dict[tuple[str, str, str], Range] = {}  # (account, book contract, asset)
        self.accounts: list[str] = []
        self.next_seq = 1

    # ----------------------------------------------------------------- setup

    def add_account(
        self, account: str, totals: Mapping[str, int], unlocked: Mapping[tuple[str, str], int] | None = None
    ) -> None:
        """An account without open orders, holding ``totals`` per asset, of which
        ``unlocked[(book contract, asset)]`` waits to be settled (read from the target once)."""
        self.accounts.append(account)
        for asset in self.assets():
            self.total[(account, asset)] = Range.exactly(totals.get(asset, 0))
        for (book, asset), amount in (unlocked or {}).items():
            if amount:
                self.unlocked[(account, book, asset)] = Range.exactly(amount)

    def add_foreign(self, market: str, side: str, price: int, quantity: int) -> None:
        """Liquidity already resting in the band: older than anything the machine places."""
        lock = Range.exactly(quantity if side == "Sell" else 0)
        self._new_resting(FOREIGN, market, side, price, quantity, "Spot", lock)

    # ----------------------------------------------------------------- queries

    def assets(self) -> list[str]:
        return list(dict.fromkeys(a for m in self.markets.values() for a in (m.base_asset, m.quote_asset)))

    def open_orders(self, owner: str | None = None, market: str | None = None) -> list[Resting]:
        return [
            o for o in sorted(self.orders.values(), key=lambda o: o.seq)
            if (owner is None or o.owner == owner) and (market is None or o.market == market)
        ]

    def locked(self, account: str, market: str, asset: str) -> Range:
        spec = self.markets[market]
        side = "Buy" if asset == spec.quote_asset else "Sell"
        total = Range.exactly(0)
        for order in self.open_orders(account, market):
            if order.side == side:
                total = total + order.lock
        return total

    def unlocked_of(self, account: str, market: str, asset: str) -> Range:
        return self.unlocked.get((account, self.markets[market].contract_id, asset), Range.exactly(0))

    def depth(self, market: str) -> dict[str, dict[int, int]]:
        """Remaining quantity per price, per side."""
        out: dict[str, dict[int, int]] = {"Buy": {}, "Sell": {}}
        for order in self.open_orders(market=market):
            levels = out[order.side]
            levels[order.price] = levels.get(order.price, 0) + order.remaining
        return out

    def free(self, account: str, asset: str) -> Range:
        """Trading balance: what is neither locked nor waiting to be settled."""
        held = Range.exactly(0)
        for market, spec in self.markets.items():
            if asset in (spec.base_asset, spec.quote_asset):
                held = held + self.locked(account, market, asset) + self.unlocked_of(account, market, asset)
        total = self.total[(account, asset)]
        return Range(total.lo - held.hi, total.hi - held.lo)

    # ----------------------------------------------------------------- batches

    def simulate(self, account: str, actions: Sequence[ModelAction]) -> tuple[O2Model, Prediction]:
        """Run a batch on a copy: (the state after it, what happened). A batch a conformant
        target must reject gives (self, a rejected prediction); ``Open`` when not fixed."""
        trial = copy.deepcopy(self)
        prediction = Prediction(True)
        try:
            for index, action in enumerate(actions):
                trial._apply(account, index, action, prediction)
        except Rejected as rejected:
            return self, Prediction(False, rejected.rule_id, str(rejected), index=rejected.index)
        return trial, prediction

    def _apply(self, account: str, index: int, action: ModelAction, out: Prediction) -> None:
        if isinstance(action, SettleOwn):
            contract = self.markets[action.market].contract_id
            for key in [k for k in self.unlocked if k[0] == account and k[1] == contract]:
                self.unlocked[key] = Range.exactly(0)  # moved to the trading balance
        elif isinstance(action, Cancel):
            order = self.orders.get(action.seq)
            if order is None:
                raise Open(index, "cancel of an order that is no longer open")
            if order.owner != account:
                raise Rejected(index, "O2-CANCEL-OTHERS", "cancel of another account's order")
            del self.orders[action.seq]  # its lock goes back to the trading balance
            out.cancelled.append(action.seq)
        else:
            out.placed.append(self._place(account, index, action, out))

    def _place(self, account: str, index: int, order: NewOrder, out: Prediction) -> Placed:
        spec = self.markets[order.market]
        self._validate(index, spec, order)
        forwarded = spec.notional(order.price, order.quantity) if order.is_buy else order.quantity
        if forwarded > self.free(account, spec.quote_asset if order.is_buy else spec.base_asset).lo:
            raise Open(index, "the trading balance may not cover the order")
        seq = self.next_seq
        self.next_seq += 1
        opposite = [o for o in self.open_orders(market=order.market) if o.side != order.side]
        opposite.sort(key=lambda o: (o.price if order.is_buy else -o.price, o.seq))  # price, then time
        if opposite and order.bounds is not None and not order.accepts(opposite[0].price):
            best, (low, high) = opposite[0].price, order.bounds
            if (order.is_buy and best < low) or (not order.is_buy and best > high):
                raise Open(index, "BoundedMarket whose bounds skip the best level")
        if order.kind == "PostOnly" and opposite and order.accepts(opposite[0].price):
            if opposite[0].owner == account:
                raise Open(index, "PostOnly crossing the account's own order")
            raise Rejected(index, "O2-POSTONLY-REVERT", "PostOnly would take liquidity")
        budget = forwarded if order.is_buy and order.kind in MARKET_KINDS else None
        filled = spent = 0
        budget_bound = False
        for maker in opposite:
            if filled == order.quantity or not order.accepts(maker.price):
                break
            if maker.owner == account:
                raise Open(index, "self-trade")
            quantity = min(order.quantity - filled, maker.remaining)
            cost = spec.notional(maker.price, quantity)
            if budget is not None and spent + cost > budget:
                quantity = self._binding_fill(index, order, maker, budget - spent, filled)
                budget_bound = True
                if quantity:
                    self._fill(account, order, maker, quantity, seq, out)
                filled, spent = filled + quantity, spent + spec.notional(maker.price, quantity)
                break
            self._fill(account, order, maker, quantity, seq, out)
            filled, spent = filled + quantity, spent + cost
        left = order.quantity - filled
        if order.kind == "FillOrKill" and left:
            raise Rejected(index, "O2-FOK-REVERT", f"FillOrKill can fill {filled} of {order.quantity}")
        if order.kind == "BoundedMarket" and not filled:
            raise Rejected(index, "O2-BOUNDED-NO-FILL", "nothing fillable inside the bounds")
        if order.kind == "Market" and left and not budget_bound:
            raise Open(index, "Market order the known book cannot fill")
        rests = bool(left) and order.kind in RESTING
        if rests:
            lock = (
                Range(spec.notional(order.rest_price, left), forwarded - spent) if order.is_buy else Range.exactly(left)
            )
            self._new_resting(account, order.market, order.side, order.rest_price, left, order.kind, lock, seq)
        if order.is_buy and self.dust.get(order.market):
            self._adjust_total(account, spec.quote_asset, Range(-self.dust[order.market], 0))
        return Placed(seq, order, filled, spent, rests)

    def _binding_fill(self, index: int, order: NewOrder, maker: Resting, left: int, filled: int) -> int:
        """What a Market buy takes from the maker where its budget (``left`` to spend)
        binds: the target's take when known, else ``BudgetBinds``. Not for a
        BoundedMarket: whether one that fills nothing there reverts is unclear too."""
        if order.kind != "Market":
            raise Open(index, "market buy whose budget binds")
        spec = self.markets[order.market]
        most = min(maker.remaining, order.quantity - filled, ((left + 1) * spec.base_unit - 1) // maker.price)
        if order.binding_fill is None:
            raise BudgetBinds(index, order.market, maker.side, maker.price, most, first=not filled)
        if not 0 <= order.binding_fill <= most:
            raise ValueError(f"a binding fill of {order.binding_fill} is outside [0, {most}]")
        return order.binding_fill

    def _validate(self, index: int, spec: MarketSpec, order: NewOrder) -> None:
        prices = [order.price] + ([order.limit] if order.limit is not None else [])
        if order.quantity == 0 or 0 in prices:
            raise Rejected(index, "O2-ORDER-ZERO", "zero price or quantity")
        if any(p % spec.tick for p in prices):
            raise Rejected(index, "O2-ORDER-TICK", f"price off the tick {spec.tick}")
        if order.price * order.quantity % spec.base_unit:
            raise Rejected(index, "O2-ORDER-FRACTIONAL", "price·quantity not divisible by 10^base.decimals")
        if spec.notional(order.price, order.quantity) < spec.min_order:
            raise Rejected(index, "O2-ORDER-MIN-NOTIONAL", "notional below min_order")
        if order.bounds is not None and order.bounds[1] < order.bounds[0]:
            raise Rejected(index, "O2-BOUNDED-INVERTED", "max_price below min_price")

    def _fill(self, taker: str, order: NewOrder, maker: Resting, quantity: int, seq: int, out: Prediction) -> None:
        """Trade at the maker's price; each side's proceeds (less a bounded fee) wait in
        its ``unlocked`` balance of the book until settled."""
        spec = self.markets[order.market]
        cost = spec.notional(maker.price, quantity)
        buyer, seller = (taker, maker.owner) if order.is_buy else (maker.owner, taker)
        buyer_fee, seller_fee = (spec.taker_fee, spec.maker_fee) if order.is_buy else (spec.maker_fee, spec.taker_fee)
        self._receive(buyer, spec, spec.base_asset, quantity, buyer_fee)
        self._adjust_total(buyer, spec.quote_asset, -cost)
        self._receive(seller, spec, spec.quote_asset, cost, seller_fee)
        self._adjust_total(seller, spec.base_asset, -quantity)
        maker.filled += quantity
        if maker.is_buy:
            maker.lock = Range(spec.notional(maker.price, maker.remaining), maker.lock.hi - cost)
        else:
            maker.lock = Range.exactly(maker.remaining)
        if not maker.remaining:
            del self.orders[maker.seq]
            if maker.is_buy and maker.lock.hi > 0 and maker.owner != FOREIGN:  # rounding leftover: its owner's
                key = (maker.owner, spec.contract_id, spec.quote_asset)
                self.unlocked[key] = self.unlocked.get(key, Range.exactly(0)) + Range(0, maker.lock.hi)
        out.fills.append(Fill(order.market, seq, maker.seq, maker.price, quantity))

    def _receive(self, account: str, spec: MarketSpec, asset: str, amount: int, rate: int) -> None:
        if account == FOREIGN:
            return
        got = Range(amount - spec.fee(amount, rate), amount)
        key = (account, spec.contract_id, asset)
        self.unlocked[key] = self.unlocked.get(key, Range.exactly(0)) + got
        self._adjust_total(account, asset, got)

    def _adjust_total(self, account: str, asset: str, delta: Range | int) -> None:
        if account != FOREIGN:
            self.total[(account, asset)] = self.total[(account, asset)] + delta

    def _new_resting(
        self, owner: str, market: str, side: str, price: int, quantity: int, kind: str, lock: Range, seq: int | None = None
    ) -> Resting:
        if seq is None:
            seq, self.next_seq = self.next_seq, self.next_seq + 1
        order = Resting(seq, owner, market, side, price, quantity, kind, lock)
        self.orders[seq] = order
        return order

    # ----------------------------------------------------------------- pinning

    def pin(self, totals: dict[tuple[str, str], int], unlocked: dict[tuple[str, str, str], int],
            locked: dict[tuple[str, str, str], int]) -> None:
        """Narrow ranges to what the target reports once it has been checked to lie inside
        them: the fee actually charged is then a fact, not a bound."""
        for key, value in totals.items():
            if key in self.total and value in self.total[key]:
                self.total[key] = Range.exactly(value)
        for key, value in unlocked.items():
            if value in self.unlocked.get(key, Range.exactly(0)):
                self.unlocked[key] = Range.exactly(value)
        for (account, market, asset), value in locked.items():
            spec = self.markets[market]
            side = "Buy" if asset == spec.quote_asset else "Sell"
            mine = [o for o in self.open_orders(account, market) if o.side == side]
            if len(mine) == 1 and value in mine[0].lock:
                mine[0].lock = Range.exactly(value)

