"""Read what an O2 target reports and compare it with ``O2Model``, naming the most
specific rule when they disagree.

The order of the comparisons is the order of specificity: open orders (which maker a
step filled, what rested), then the book's depth, then balances (per asset over all the
machine's accounts, then per account, per book). A step the model rejects must leave
everything as it was: any difference then names the step's revert rule (one action) or
O2-ATOMIC-BATCH (several).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..checks import RuleViolation
from ..scenarios.o2 import remaining
from ..target import Exchange, O2Target, norm_id
from ..target.o2 import parse_int
from .o2_model import FOREIGN, MARKET_KINDS, O2Model, Placed, Prediction, Range, Resting

# a taker whose own outcome is wrong: the rule its order type is judged by
KIND_RULE = {
    "Spot": "O2-SPOT-RESTS", "Limit": "O2-LIMIT-PRICE", "FillOrKill": "O2-FOK-FILLS",
    "PostOnly": "O2-POSTONLY-RESTS", "Market": "O2-MARKET-NO-REST", "BoundedMarket": "O2-BOUNDED-RANGE",
}
# a maker filled at a price the taker must not accept
PRICE_RULE = {"BoundedMarket": "O2-BOUNDED-RANGE", "Limit": "O2-LIMIT-PRICE"}
BOOK_RULE = "O2-SPOT-RESTS"  # a resting order not as it should rest
MONEY_RULE = "O2-CONSERVATION"

OrderView = tuple[str, int, int]  # side, price, remaining


@dataclass
class Observed:
    """One read of everything the model predicts, for the machine's accounts."""

    totals: dict[tuple[str, str], int] = field(default_factory=dict)
    unlocked: dict[tuple[str, str, str], int] = field(default_factory=dict)  # (account, contract, asset)
    locked: dict[tuple[str, str, str], int] = field(default_factory=dict)  # (account, market, asset)
    orders: dict[tuple[str, str], dict[str, OrderView]] = field(default_factory=dict)
    depth: dict[str, dict[str, dict[int, int]]] = field(default_factory=dict)


@dataclass
class StepRecord:
    """What the last step did, for naming the rule when the target disagrees."""

    account: str
    before: O2Model
    prediction: Prediction
    actions: int
    exchange: Exchange | None = None
    description: str = ""
    rule_if_changed: str | None = None  # a step that must change nothing, and the rule saying so


def depth_levels(body: Any, side: str) -> dict[int, int]:
    """``{price: quantity}`` of one side of a ``GET /v1/depth`` body."""
    orders = body.get("orders", body) if isinstance(body, dict) else {}
    names = ("buys", "bids") if side == "Buy" else ("sells", "asks")
    levels: dict[int, int] = {}
    for level in next((orders[n] for n in names if orders.get(n) is not None), None) or []:
        if isinstance(level, (list, tuple)) and len(level) >= 2:
            price, quantity = level[0], level[1]
        elif isinstance(level, dict):
            price, quantity = level.get("price"), level.get("quantity")
        else:
            continue
        p = parse_int(price, "depth price")
        levels[p] = levels.get(p, 0) + parse_int(quantity, "depth quantity")
    return levels


def observe(o2: O2Target, model: O2Model, bands: dict[str, tuple[int, int]]) -> Observed:
    seen = Observed()
    for account in model.accounts:
        for asset in model.assets():
            balance = o2.balance(asset, account)
            seen.totals[(account, asset)] = balance.total
            for market, spec in model.markets.items():
                if asset in (spec.base_asset, spec.quote_asset):
                    book = balance.books.get(spec.contract_id)
                    seen.locked[(account, market, asset)] = book.locked if book else 0
                    seen.unlocked[(account, spec.contract_id, asset)] = book.unlocked if book else 0
        for market in model.markets:
            seen.orders[(account, market)] = {
                norm_id(o["order_id"]): (str(o.get("side")), parse_int(o.get("price"), "price"), remaining(o))
                for o in o2.open_orders(market, account)
            }
    for market, (low, high) in bands.items():
        body = o2.depth(market)
        seen.depth[market] = {
            side: {p: q for p, q in depth_levels(body, side).items() if low <= p <= high} for side in ("Buy", "Sell")
        }
    return seen


def bind_ids(model: O2Model, seen: Observed) -> None:
    """Give the model's new resting orders the ids the target listed, when the accepted
    response did not name them (oldest first, only when the counts agree)."""
    known = {o.target_id for o in model.orders.values() if o.target_id}
    for (account, market), listed in seen.orders.items():
        unnamed = [o for o in model.open_orders(account, market) if o.target_id is None]
        fresh = [i for i in listed if i not in known]
        if unnamed and len(unnamed) == len(fresh):
            for order, order_id in zip(unnamed, fresh, strict=True):
                order.target_id = order_id


def _view(order: Resting) -> OrderView:
    return (order.side, order.price, order.remaining)


def _id_labels(*groups: Iterable[str]) -> Callable[[str], str]:
    """Short labels for order ids that still tell every id apart: the fewest leading or
    trailing characters (at least 8) that do. A target's ids may share a long head or
    tail (the reference's start with a counter and end with the side and type), and a
    message whose expected and observed orders read the same shows nothing."""
    ids = {i for group in groups for i in group}
    longest = max((len(i) for i in ids), default=8)

    def width(cut: Callable[[str, int], str]) -> int:
        return next((w for w in range(8, longest) if len({cut(i, w) for i in ids}) == len(ids)), longest)

    head, tail = width(lambda i, w: i[:w]), width(lambda i, w: i[-w:])

    def label(i: str) -> str:
        if i.startswith("(") or len(i) <= min(head, tail) + 1:  # the model's "(unnamed #n)", or short already
            return i
        return f"{i[:head]}…" if head < tail else f"…{i[-tail:]}"

    return label


def _short(orders: dict[str, OrderView], label: Callable[[str], str]) -> str:
    """Orders as ``{id label: side remaining @ price, …}``."""
    if not orders:
        return "none"
    return "{" + ", ".join(f"{label(i)}: {s} {r} @ {p}" for i, (s, p, r) in orders.items()) + "}"


class Judge:
    """Compares one observation with the model after one step; raises ``RuleViolation``."""

    def __init__(self, model: O2Model, seen: Observed, step: StepRecord | None, names: dict[str, str]) -> None:
        self.model, self.seen, self.step, self.names = model, seen, step, names

    def fail(self, rule_id: str, expected: str, observed: str, detail: str) -> None:
        step = self.step
        if step is not None and (step.rule_if_changed or not step.prediction.accepted):
            rule_id = step.rule_if_changed or (
                step.prediction.rule_id if step.actions == 1 and step.prediction.rule_id else "O2-ATOMIC-BATCH"
            )
            detail = f"after a step that must change nothing ({step.prediction.reason or 'refused'}): {detail}"
        if step is not None and step.description:
            detail = f"{detail}; step: {step.description}"
        raise RuleViolation(rule_id, expected, observed, [step.exchange] if step and step.exchange else [], detail)

    def check(self) -> None:
        bind_ids(self.model, self.seen)
        self.check_orders()
        self.check_depth()
        self.check_money()

    # ----------------------------------------------------------------- orders

    def check_orders(self) -> None:
        for (account, market), listed in self.seen.orders.items():
            expected = {o.target_id or f"(unnamed #{o.seq})": _view(o) for o in self.model.open_orders(account, market)}
            if expected != listed:
                who = f"{self.names.get(account, account[:10])} on market {market[:10]}…"
                rule = self._orders_rule(account, market, listed)
                label = _id_labels(expected, listed)
                self.fail(rule, f"open orders of {who}: {_short(expected, label)}", _short(listed, label),
                          "open orders differ from the model")

    def _orders_rule(self, account: str, market: str, listed: dict[str, OrderView]) -> str:
        step = self.step
        if step is None or not step.prediction.accepted:
            return BOOK_RULE
        placed = [p for p in step.prediction.placed if p.order.market == market]
        rule = self._maker_rule(market, placed)
        if rule:
            return rule
        for p in placed:
            if p.seq in self.model.orders or account != step.account:
                continue
            known = {o.target_id for o in self.model.open_orders(account, market)}
            if any(i not in known for i in listed):  # something rested that should not have
                return "O2-MARKET-NO-REST" if p.order.kind in MARKET_KINDS else KIND_RULE[p.order.kind]
        for p in placed:
            order = self.model.orders.get(p.seq)
            if order is not None and listed.get(order.target_id or "") != _view(order):
                return KIND_RULE[p.order.kind]
        if any(seq in step.before.orders and step.before.orders[seq].target_id in listed for seq in step.prediction.cancelled):
            return "O2-VALID-ACCEPTED"  # an accepted cancel that did not happen
        return BOOK_RULE

    def underfilled(self, skip: Sequence[int] = ()) -> bool:
        """Whether the target filled less of some maker (not in ``skip``) than the model:
        its fills went elsewhere, which no refused or no-op action explains."""
        step = self.step
        assert step is not None
        for order in step.before.orders.values():
            if order.owner == FOREIGN or order.target_id is None or order.seq in skip:
                continue
            model_left, seen_left = self._left(order)
            if seen_left > model_left:
                return True
        return False

    def _left(self, order: Resting) -> tuple[int, int]:
        """What remains of a maker after the step: (per the model, per the target)."""
        after = self.model.orders.get(order.seq)
        seen = self.seen.orders.get((order.owner, order.market), {}).get(order.target_id or "")
        return (after.remaining if after else 0), (seen[2] if seen else 0)

    def _maker_rule(self, market: str, placed: Sequence[Placed]) -> str | None:
        """Which maker the target filled, against which the model filled, per price-time
        priority and each taker's price limits."""
        step = self.step
        assert step is not None
        over: list[Resting] = []
        under: list[Resting] = []
        known = {o.seq: o for o in [*step.before.open_orders(market=market), *self.model.open_orders(market=market)]}
        for order in known.values():  # the makers before the step, and what the step rested
            if order.owner == FOREIGN or order.target_id is None or order.seq in step.prediction.cancelled:
                continue
            model_left, seen_left = self._left(order)
            if seen_left < model_left:
                over.append(order)
            elif seen_left > model_left:
                under.append(order)
        if not over and not under:
            return None
        for maker in over:
            takers = [p.order for p in placed if p.order.side != maker.side]
            if takers and not any(t.accepts(maker.price) for t in takers):
                kinds = {t.kind for t in takers}
                return next((PRICE_RULE[k] for k in ("BoundedMarket", "Limit") if k in kinds), "O2-PRICE-PROTECTION")
        foreign_filled = any(step.before.orders[f.maker_seq].owner == FOREIGN for f in step.prediction.fills
                             if f.market == market and f.maker_seq in step.before.orders)
        if (over and under) or foreign_filled:
            return "O2-PRICE-TIME-PRIORITY"
        taker = next((p for p in placed), None)
        return KIND_RULE[taker.order.kind] if taker else BOOK_RULE

    # ----------------------------------------------------------------- depth

    def check_depth(self) -> None:
        for market, seen in self.seen.depth.items():
            expected = self.model.depth(market)
            for side in ("Buy", "Sell"):
                if expected[side] != seen[side]:
                    self.fail(BOOK_RULE, f"{side} depth near the mid of {market[:10]}…: {dict(sorted(expected[side].items()))}",
                              f"{dict(sorted(seen[side].items()))}", "the book's depth differs from the resting orders")

    # ----------------------------------------------------------------- money

    def check_money(self) -> None:
        model = self.model
        for asset in model.assets():
            want = sum((model.total[(a, asset)] for a in model.accounts), Range.exactly(0))
            got = sum(self.seen.totals[(a, asset)] for a in model.accounts)
            if got not in want:
                self.fail(MONEY_RULE, f"sum over the machine's accounts of {asset[:10]}… in {want}", f"{got} ({got - want.hi:+d})",
                          "money appeared or vanished beyond the fee bounds")
        for (account, asset), want in model.total.items():
            got = self.seen.totals[(account, asset)]
            if got not in want:
                self.fail(self._money_rule(account, asset, got, want),
                          f"{self.names.get(account, account[:10])}'s total of {asset[:10]}… in {want}", f"{got}",
                          "balance (trading + locked + unlocked) differs from the fills")
        for (account, contract, asset), got in self.seen.unlocked.items():
            want = model.unlocked.get((account, contract, asset), Range.exactly(0))
            if got not in want:
                self.fail(MONEY_RULE, f"{self.names.get(account, account[:10])}'s unlocked {asset[:10]}… in book {contract[:10]}… in {want}",
                          f"{got}", "unsettled proceeds differ from the fills")
        for (account, market, asset), got in self.seen.locked.items():
            want = model.locked(account, market, asset)
            if got not in want:
                self.fail(MONEY_RULE, f"{self.names.get(account, account[:10])}'s locked {asset[:10]}… on {market[:10]}… in {want}",
                          f"{got}", "funds behind open orders differ from their remainders")
        model.pin(self.seen.totals, self.seen.unlocked, self.seen.locked)

    def _money_rule(self, account: str, asset: str, got: int, want: Range) -> str:
        step = self.step
        if step is not None and step.prediction.accepted and account == step.account and got < want.lo:
            for p in step.prediction.placed:
                spec = self.model.markets[p.order.market]
                if p.order.is_buy and p.order.kind in ("Market", "BoundedMarket") and asset == spec.quote_asset:
                    return "O2-MARKET-BUDGET"
        return MONEY_RULE
