"""Hypothesis strategies for O2 session-actions requests.

``valid_cases(markets)`` draws batches a conformant target must accept (resting orders
far from the touch, settles, cancels of the trader's own orders). ``invalid_cases(rule_id,
markets)`` draws batches that break exactly one rule and carry its id: the batch is
signed correctly, then the one offending change is made as an ``Edit`` (a signature
cannot cover a value the encoding cannot represent, so format breakage is applied after
signing — a target must parse before it can verify).
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from ..target.market import MarketSpec
from .edits import DELETE, Edit

# --------------------------------------------------------------------------- logical actions


@dataclass(frozen=True)
class Create:
    side: str
    price: int
    quantity: int
    order_type: Any = "Spot"

    def json(self, spec: MarketSpec, own: Sequence[str], account: str) -> dict[str, Any]:
        return {
            "CreateOrder": {
                "side": self.side,
                "price": str(self.price),
                "quantity": str(self.quantity),
                "order_type": self.order_type,
            }
        }


@dataclass(frozen=True)
class Settle:
    def json(self, spec: MarketSpec, own: Sequence[str], account: str) -> dict[str, Any]:
        return {"SettleBalance": {"to": {"ContractId": account}}}


@dataclass(frozen=True)
class CancelOwn:
    """Cancel the trader's k-th open order on the market (a settle when it has none)."""

    index: int

    def json(self, spec: MarketSpec, own: Sequence[str], account: str) -> dict[str, Any]:
        if not own:
            return Settle().json(spec, own, account)
        return {"CancelOrder": {"order_id": own[self.index % len(own)]}}


Action = Create | Settle | CancelOwn


@dataclass(frozen=True)
class Batch:
    """Groups of logical actions by market index; resolved against a trader when sent."""

    groups: tuple[tuple[int, tuple[Action, ...]], ...]

    @property
    def action_count(self) -> int:
        return sum(len(actions) for _, actions in self.groups)

    def resolve(
        self, markets: Sequence[MarketSpec], account: str, own_orders: Callable[[MarketSpec], Sequence[str]]
    ) -> list[dict[str, Any]]:
        """The JSON groups, with ``CancelOwn`` turned into real order ids."""
        out = []
        for index, actions in self.groups:
            spec = markets[index % len(markets)]
            own = own_orders(spec) if any(isinstance(a, CancelOwn) for a in actions) else ()
            out.append({"market_id": spec.market_id, "actions": [a.json(spec, own, account) for a in actions]})
        return out


@dataclass(frozen=True)
class Case:
    """A request to send: a batch, the edits that break it (if any), and its label."""

    rule_id: str | None
    batch: Batch
    edits: tuple[Edit, ...] = ()
    raw: bytes | None = None
    note: str = ""

    @property
    def description(self) -> str:
        parts = [f"{self.batch.action_count} action(s) in {len(self.batch.groups)} group(s)"]
        parts += [e.describe() for e in self.edits]
        if self.raw is not None:
            parts.append(f"raw body {self.raw[:40]!r}")
        if self.note:
            parts.append(self.note)
        return "; ".join(parts)

    def finish(self, signed_body: dict[str, Any]) -> dict[str, Any]:
        """Apply the edits to a correctly signed body."""
        body = signed_body
        for edit in self.edits:
            body = edit.apply(body)
        return body

    def __repr__(self) -> str:
        return f"Case({self.rule_id or 'valid'}: {self.description})"


# --------------------------------------------------------------------------- valid parts


@dataclass(frozen=True)
class Zones:
    """Per market, a mid price the scenario rules trade around; generated resting
    orders stay far from it (buys ≤ mid/10, sells ≥ 10·mid) so they never cross."""

    mids: Mapping[str, int] = field(default_factory=dict)

    def mid(self, spec: MarketSpec) -> int:
        return self.mids.get(spec.market_id) or spec.price(1000)


SIDES = ("Buy", "Sell")
RESTING_KINDS = ("Spot", "PostOnly", "Limit")


def resting_orders(spec: MarketSpec, zones: Zones) -> st.SearchStrategy[Create]:
    """Spot, PostOnly or Limit orders that rest without crossing anything."""
    return _resting_orders(spec, zones.mid(spec))


@functools.lru_cache(maxsize=256)
def _resting_orders(spec: MarketSpec, mid: int) -> st.SearchStrategy[Create]:
    # cached: batches draw these per action, and building a composite strategy costs
    # far more than drawing from one (it inspects the function's signature)
    low_ticks = max(1, mid // 10 // spec.tick)
    buy_ticks, sell_ticks = st.integers(1, low_ticks), st.integers(10 * mid // spec.tick, 20 * mid // spec.tick)

    @st.composite
    def build(draw: st.DrawFn) -> Create:
        side = draw(st.sampled_from(SIDES))
        price = draw(buy_ticks if side == "Buy" else sell_ticks) * spec.tick
        quantity = spec.quantity(price, draw(st.integers(1, 3)))
        kind = draw(st.sampled_from(RESTING_KINDS))
        order_type: Any = {"Limit": [str(price), str(int(time.time() * 1000))]} if kind == "Limit" else kind
        return Create(side, price, quantity, order_type)

    return build()


def _actions(spec: MarketSpec, zones: Zones, n: int) -> st.SearchStrategy[tuple[Action, ...]]:
    return _actions_at(spec, zones.mid(spec), n)


@functools.lru_cache(maxsize=1024)
def _actions_at(spec: MarketSpec, mid: int, n: int) -> st.SearchStrategy[tuple[Action, ...]]:
    one: st.SearchStrategy[Action] = st.one_of(
        _resting_orders(spec, mid), st.just(Settle()), st.integers(0, 9).map(CancelOwn)
    )
    return st.lists(one, min_size=n, max_size=n).map(tuple)


@st.composite
def valid_batches(draw: st.DrawFn, markets: Sequence[MarketSpec], zones: Zones, max_actions: int = 5) -> Batch:
    """1–5 actions over 1–``len(markets)`` distinct markets."""
    n_groups = draw(st.integers(1, min(len(markets), 5, max_actions)))
    chosen = draw(st.permutations(range(len(markets))))[:n_groups]
    total = draw(st.integers(n_groups, max_actions))
    sizes = [1] * n_groups
    for _ in range(total - n_groups):
        sizes[draw(st.integers(0, n_groups - 1))] += 1
    return Batch(tuple((m, draw(_actions(markets[m], zones, k))) for m, k in zip(chosen, sizes, strict=True)))


def valid_cases(markets: Sequence[MarketSpec], zones: Zones) -> st.SearchStrategy[Case]:
    return valid_batches(markets, zones).map(lambda b: Case(None, b))


# --------------------------------------------------------------------------- invalid cases


def _one_action_batch(markets: Sequence[MarketSpec], zones: Zones) -> st.SearchStrategy[Batch]:
    return st.integers(0, len(markets) - 1).flatmap(
        lambda m: resting_orders(markets[m], zones).map(lambda o: Batch(((m, (o,)),)))
    )


def _create_paths(batch: Batch) -> list[tuple[int, int]]:
    return [(g, a) for g, (_, acts) in enumerate(batch.groups) for a, act in enumerate(acts) if isinstance(act, Create)]


# Each invalid family has named variants; a test runs every variant so that even a short
# profile tries each kind of breakage, and Hypothesis varies everything else.
# Not here: "+5" and "007", which Rust's u64::from_str (what a real server likely uses) accepts.
BAD_NUMBERS = {
    "negative": "-1", "fraction": "1.5", "exponent": "1e3", "hex": "0x10", "space": " 7",
    "empty": "", "u64-max+1": "18446744073709551616", "huge": "99999999999999999999", "unicode-digit": "٣",
    "underscore": "1_000",
}
BAD_IDS = {
    "31-bytes": "0x" + "ab" * 31, "33-bytes": "0x" + "ab" * 33, "not-hex": "0x" + "zz" * 32, "empty": "",
    "prefix-only": "0x", "odd-length": "0x" + "ab" * 31 + "a", "spaces": "0x" + "ab" * 31 + "  ",
}
UNKNOWN_ACTIONS = {n: n for n in ("Withdraw", "createOrder", "CreateOrders", "Transfer", "CancelAll", "SETTLEBALANCE")}
UNKNOWN_ORDER_TYPES: dict[str, Any] = {
    "Fok": "Fok", "IOC": "IOC", "lowercase": "spot", "GoodTillCancel": "GoodTillCancel", "empty": "",
    "Limit-null": {"Limit": None}, "Limit-one-item": {"Limit": ["1"]}, "Spot-object": {"Spot": None},
    "Bounded-missing-min": {"BoundedMarket": {"max_price": "1"}}, "Stop": {"Stop": ["1", "2"]},
    "list": ["Spot"], "null": None,
}
MISSING_TOP = ("actions", "signature", "nonce", "trade_account_id", "session_id")
MISSING_ORDER = ("side", "price", "quantity", "order_type")
MISSING = {name: name for name in (*MISSING_TOP, *MISSING_ORDER, "market_id")}
BAD_RAW = {
    "truncated-object": b"{", "text": b"not json", "truncated-array": b'{"actions": [', "utf16-bom": b"\xff\xfe",
    "single-quotes": b"{'nonce': '1'}", "extra-bracket": b'{"actions":[]]}',
}
TAMPERED_FIELDS = ("price", "quantity", "side", "order_type", "session_id", "market_id")
EMPTY_BATCHES = {"no-groups": Batch(()), "empty-group": Batch(((0, ()),))}


@st.composite
def _with_create(draw: st.DrawFn, markets: Sequence[MarketSpec], zones: Zones) -> tuple[Batch, tuple[int, int]]:
    batch = draw(valid_batches(markets, zones).filter(lambda b: bool(_create_paths(b))))
    return batch, draw(st.sampled_from(_create_paths(batch)))


def _order_path(g: int, a: int, *rest: str | int) -> tuple[str | int, ...]:
    return ("actions", g, "actions", a, "CreateOrder", *rest)


Maker = Callable[[Sequence[MarketSpec], Zones, str], st.SearchStrategy["Case"]]


def _number_format(markets: Sequence[MarketSpec], zones: Zones, variant: str) -> st.SearchStrategy[Case]:
    bad = BAD_NUMBERS[variant]

    @st.composite
    def build(draw: st.DrawFn) -> Case:
        where = draw(st.sampled_from(["price", "quantity", "nonce"]))
        if where == "nonce":
            return Case("O2-NUMBER-FORMAT", draw(_one_action_batch(markets, zones)), (Edit(("nonce",), bad),))
        batch, (g, a) = draw(_with_create(markets, zones))
        return Case("O2-NUMBER-FORMAT", batch, (Edit(_order_path(g, a, where), bad),))

    return build()


def _id_format(markets: Sequence[MarketSpec], zones: Zones, variant: str) -> st.SearchStrategy[Case]:
    bad = BAD_IDS[variant]

    @st.composite
    def build(draw: st.DrawFn) -> Case:
        batch = draw(_one_action_batch(markets, zones))
        path = draw(st.sampled_from([("actions", 0, "market_id"), ("trade_account_id",), ("session_id", "Address")]))
        return Case("O2-ID-FORMAT", batch, (Edit(path, bad),))

    return build()


def _unknown_action(markets: Sequence[MarketSpec], zones: Zones, variant: str) -> st.SearchStrategy[Case]:
    return _with_create(markets, zones).map(
        lambda found: Case(
            "O2-UNKNOWN-ACTION", found[0], (Edit(_order_path(*found[1])[:-1] + ("CreateOrder",), rename=UNKNOWN_ACTIONS[variant]),)
        )
    )


def _unknown_order_type(markets: Sequence[MarketSpec], zones: Zones, variant: str) -> st.SearchStrategy[Case]:
    bad = UNKNOWN_ORDER_TYPES[variant]
    return _with_create(markets, zones).map(
        lambda found: Case("O2-UNKNOWN-ORDER-TYPE", found[0], (Edit(_order_path(*found[1], "order_type"), bad),))
    )


def _missing_field(markets: Sequence[MarketSpec], zones: Zones, variant: str) -> st.SearchStrategy[Case]:
    def case(found: tuple[Batch, tuple[int, int]]) -> Case:
        batch, (g, a) = found
        if variant in MISSING_ORDER:
            path: tuple[str | int, ...] = _order_path(g, a, variant)
        elif variant == "market_id":
            path = ("actions", g, "market_id")
        else:
            path = (variant,)
        return Case("O2-MISSING-FIELD", batch, (Edit(path, DELETE),))

    return _with_create(markets, zones).map(case)


def _too_many_actions(markets: Sequence[MarketSpec], zones: Zones, variant: str) -> st.SearchStrategy[Case]:
    @st.composite
    def build(draw: st.DrawFn) -> Case:
        n_groups = 1 if variant == "one-group" else draw(st.integers(min(2, len(markets)), min(len(markets), 5)))
        total = draw(st.integers(6, 10))
        sizes = [1] * n_groups
        for _ in range(total - n_groups):
            sizes[draw(st.integers(0, n_groups - 1))] += 1
        groups = tuple((m, draw(_actions(markets[m], zones, k))) for m, k in enumerate(sizes))
        return Case("O2-BATCH-MAX-ACTIONS", Batch(groups))

    return build()


def _too_many_markets(markets: Sequence[MarketSpec], zones: Zones, variant: str) -> st.SearchStrategy[Case]:
    """6–8 groups holding at most 5 actions in all (so only the group limit is broken)."""

    @st.composite
    def build(draw: st.DrawFn) -> Case:
        n_groups = draw(st.integers(6, 8))
        total = draw(st.integers(1, 5))
        groups = []
        for g in range(n_groups):
            m = g % len(markets)
            groups.append((m, draw(_actions(markets[m], zones, 1 if g < total else 0))))
        return Case("O2-BATCH-MAX-MARKETS", Batch(tuple(groups)), note="groups beyond the actions are empty")

    return build()


def _no_actions(markets: Sequence[MarketSpec], zones: Zones, variant: str) -> st.SearchStrategy[Case]:
    return st.just(Case("O2-BATCH-NONEMPTY", EMPTY_BATCHES[variant]))


def _parse_error(markets: Sequence[MarketSpec], zones: Zones, variant: str) -> st.SearchStrategy[Case]:
    return st.just(Case("O2-PARSE-ERROR", Batch(()), raw=BAD_RAW[variant]))


def _tampered(markets: Sequence[MarketSpec], zones: Zones, variant: str) -> st.SearchStrategy[Case]:
    """A correctly formed batch with one signed field changed after signing."""

    def edit_for(found: tuple[Batch, tuple[int, int]]) -> Case:
        batch, (g, a) = found
        order = batch.groups[g][1][a]
        assert isinstance(order, Create)
        spec = markets[batch.groups[g][0] % len(markets)]
        other = markets[(batch.groups[g][0] + 1) % len(markets)]
        edit = {
            "price": lambda: Edit(_order_path(g, a, "price"), str(order.price + math.lcm(spec.tick, spec.base_unit))),
            "quantity": lambda: Edit(_order_path(g, a, "quantity"), str(order.quantity + spec.quantity_step(order.price))),
            "side": lambda: Edit(_order_path(g, a, "side"), "Sell" if order.side == "Buy" else "Buy"),
            "order_type": lambda: Edit(_order_path(g, a, "order_type"), "PostOnly" if order.order_type == "Spot" else "Spot"),
            "session_id": lambda: Edit(("session_id", "Address"), "0x" + "5e" * 32),
            "market_id": lambda: Edit(("actions", g, "market_id"), other.market_id),
        }[variant]()
        return Case("O2-SIG-TAMPERED", batch, (edit,))

    batches = _with_create(markets, zones)
    if variant == "market_id":  # moving the group to another market must not merge two groups
        batches = batches.filter(lambda found: len(found[0].groups) == 1)
    return batches.map(edit_for)


INVALID: dict[str, tuple[Maker, tuple[str, ...]]] = {
    "O2-BATCH-NONEMPTY": (_no_actions, tuple(EMPTY_BATCHES)),
    "O2-BATCH-MAX-ACTIONS": (_too_many_actions, ("one-group", "several-groups")),
    "O2-BATCH-MAX-MARKETS": (_too_many_markets, ("six-or-more",)),
    "O2-PARSE-ERROR": (_parse_error, tuple(BAD_RAW)),
    "O2-UNKNOWN-ACTION": (_unknown_action, tuple(UNKNOWN_ACTIONS)),
    "O2-UNKNOWN-ORDER-TYPE": (_unknown_order_type, tuple(UNKNOWN_ORDER_TYPES)),
    "O2-NUMBER-FORMAT": (_number_format, tuple(BAD_NUMBERS)),
    "O2-ID-FORMAT": (_id_format, tuple(BAD_IDS)),
    "O2-MISSING-FIELD": (_missing_field, tuple(MISSING)),
    "O2-SIG-TAMPERED": (_tampered, TAMPERED_FIELDS),
}


def variants(rule_id: str) -> tuple[str, ...]:
    """The named kinds of breakage ``invalid_cases`` knows for a rule."""
    return INVALID[rule_id][1]


def invalid_cases(
    rule_id: str, markets: Sequence[MarketSpec], zones: Zones, variant: str | None = None
) -> st.SearchStrategy[Case]:
    """Requests that break exactly ``rule_id`` and nothing else (one variant, or any)."""
    try:
        make, names = INVALID[rule_id]
    except KeyError:
        raise ValueError(f"no invalid-case strategy for {rule_id!r}; known: {', '.join(INVALID)}") from None
    if variant is not None:
        if variant not in names:
            raise ValueError(f"unknown variant {variant!r} of {rule_id}; known: {', '.join(names)}")
        return make(markets, zones, variant)
    return st.one_of([make(markets, zones, name) for name in names])  # built once, not per draw (flatmap would)
