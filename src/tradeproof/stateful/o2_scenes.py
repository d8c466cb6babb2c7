"""Short O2 scenes for the model-based machine: a drawn book, one order against it, and
perhaps a cancel or a second order — a few requests instead of a long random walk.

The random walk of ``o2_machine`` reaches a particular book (three orders at one level,
two levels either side of a price, a part-filled maker) only now and then, and under a
per-owner rate limit each of its steps costs time. A scene builds such a book on purpose:
makers (traders 1–3) rest 1–4 orders each on one side of one market, at one shared level
or at drawn levels near the mid; the taker (trader 0) sends one order of any of the six
types across it, priced from just short of the book to a few levels into it, large
enough to sweep several levels; then one or two follow-ups: the makers (or one of
them, or the taker) cancelling an order (a part-filled one, often), another taker
order, the taker trying to cancel a maker's order, or a maker cancelling an order
already filled. A third of the scenes straddle a gap instead: one maker rests a near
and a far level two or three ticks apart, and the taker, priced inside the gap, sweeps
the near level and reaches for the far one. Whether the far fill is allowed depends on
each fill's price, not on the average (price protection), and a Market or
BoundedMarket buy's budget binds between the two levels — books the free draw makes
rarely.

A scene is plain data — ``[(trader index, batch), ...]`` in the logical form of
``o2_batches`` — and ``scene_steps`` turns it into the machine's recorded steps, which
the machine runs and checks one by one (``tradeproof.stateful.base.replay_steps``).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from .o2_batches import MAX_MARKETS

Step = tuple[int, tuple[dict[str, Any], ...]]  # (trader index, logical batch)
Scene = list[Step]
TAKER, MAKERS = 0, (1, 2, 3)
# each type as often as the rules of its own it can break (Spot and Limit also carry
# priority and fees): FOK and PostOnly 2, Market and BoundedMarket 3
TAKER_KINDS = ("Spot", "Limit", *("FillOrKill", "PostOnly") * 2, *("Market", "BoundedMarket") * 3)


@st.composite
def _maker_batch(draw: st.DrawFn, market: int, side: str, sign: int) -> Step:
    """One maker's 1–4 resting orders: all at one level (time priority inside it; a third
    of batches), or each at its own drawn level."""
    trader = draw(st.sampled_from(MAKERS))
    count = draw(st.integers(1, 4))
    shared = draw(st.sampled_from((True, False, False)))
    level = draw(st.integers(0, 3)) if shared else None
    orders = tuple(
        {"do": "create", "market": market, "side": side, "type": draw(st.sampled_from(("Spot", "PostOnly"))),
         "ticks": sign * (level if level is not None else draw(st.integers(0, 3))), "lots": draw(st.integers(1, 5))}
        for _ in range(count)
    )
    return trader, orders


@st.composite
def _taker_order(draw: st.DrawFn, market: int, side: str, sign: int) -> dict[str, Any]:
    """An order of any type against the book (``sign``: +1 when the book is asks above
    the mid): priced from one level short of the book to four levels into it, or at its
    best level (BoundedMarket: bounds counted from there)."""
    kind = draw(st.sampled_from(TAKER_KINDS))
    reach = 1 if kind == "Market" else 4  # a Market's price is only its budget: near the best, where it binds
    into = st.integers(-1, reach).map(lambda t: sign * t)
    order: dict[str, Any] = {"do": "create", "market": market, "side": side, "type": kind,
                             "ticks": draw(into), "lots": draw(st.integers(1, 8))}
    if draw(st.booleans()):
        # priced from the book's best level: at it or a few ticks into the book (between its levels)
        order["at"], order["past"] = "take", draw(st.integers(0, min(reach, 3)))
    if kind == "Limit":
        order["limit"] = draw(into)
    if kind == "BoundedMarket":
        low, high = sorted((draw(into), draw(into)))
        inverted = low < high and draw(st.sampled_from((False, False, False, True)))  # must revert, whatever it could fill
        order["min"], order["max"] = (high, low) if inverted else (low, high)
    return order


@st.composite
def _straddle(draw: st.DrawFn, market: int, book_side: str, sign: int) -> tuple[Step, Step]:
    """A maker's near level (at the mid) and far level (2–3 ticks out), and a taker's
    order priced inside the gap for more than the near level holds: half the time as
    many lots as keep the average fill price inside the gap (price protection must
    still stop at the far level), half the time more (a budget then binds)."""
    gap = draw(st.integers(2, 3))
    inside, near = draw(st.integers(1, gap - 1)), draw(st.integers(1, 5))
    edge = near * gap // (gap - inside)  # the most lots whose average fill stays inside the gap
    if edge > near and draw(st.booleans()):
        lots = draw(st.integers(near + 1, edge))
    else:
        lots = draw(st.integers(edge + 1, edge + 4))
    far = lots - near + draw(st.integers(0, 2))  # enough to fill the rest, or a little more
    maker = draw(st.sampled_from(MAKERS))
    book = tuple({"do": "create", "market": market, "side": book_side, "type": "Spot", "ticks": ticks, "lots": size}
                 for ticks, size in ((0, near), (sign * gap, far)))
    kind = draw(st.sampled_from(("Spot", "FillOrKill", "Market", "BoundedMarket", "Limit")))
    order: dict[str, Any] = {"do": "create", "market": market, "side": "Buy" if book_side == "Sell" else "Sell",
                             "type": kind, "ticks": sign * inside, "lots": lots}
    if kind == "Limit":
        order["limit"] = sign * inside
    if kind == "BoundedMarket":  # bounds around the whole book: only the budget binds
        order["min"], order["max"] = sorted((-sign, sign * (gap + 1)))
    return (maker, book), (TAKER, (order,))


@st.composite
def _after(draw: st.DrawFn, market: int, side: str, sign: int, makers: tuple[int, ...]) -> list[Step]:
    """A follow-up: the scene's makers each cancel an order (part-filled ones first: see
    ``o2_machine``; whoever the taker part-filled then cancels that one), or one maker
    or the taker cancels one, the taker sends another order, tries to cancel a maker's
    order (which must fail), or a maker cancels one of its orders the taker filled
    (either outcome, nothing may change)."""
    what = draw(st.sampled_from(("makers-cancel", "maker-cancel", "taker-cancel", "taker-order", "cancel-other",
                                 "cancel-gone")))
    if what == "taker-order":
        return [(TAKER, (draw(_taker_order(market, side, sign)),))]
    # index 0 most often: the machine lists part-filled orders first
    index = st.sampled_from((0, 0, 0, 1, 2, 3))
    if what == "makers-cancel":
        return [(maker, ({"do": "cancel", "market": market, "index": draw(index)},)) for maker in makers]
    trader = draw(st.sampled_from(makers)) if what in ("maker-cancel", "cancel-gone") else TAKER
    do = "cancel" if what.endswith("-cancel") else what
    return [(trader, ({"do": do, "market": market, "index": draw(index)},))]


@st.composite
def scenes(draw: st.DrawFn) -> Scene:
    """Makers' batches on one side of one market (or a straddled gap), a taker's order,
    1–2 follow-ups."""
    market = draw(st.integers(0, MAX_MARKETS - 1))
    book_side = draw(st.sampled_from(("Sell", "Buy")))
    sign = 1 if book_side == "Sell" else -1
    taker_side = "Buy" if book_side == "Sell" else "Sell"
    if draw(st.sampled_from((False, False, True))):
        maker, taker = draw(_straddle(market, book_side, sign))
        makers = [maker]
    else:
        makers = draw(st.lists(_maker_batch(market, book_side, sign), min_size=1, max_size=3))
        taker = (TAKER, (draw(_taker_order(market, taker_side, sign)),))
    makers_used = tuple(sorted({trader for trader, _ in makers}))
    after = draw(st.lists(_after(market, taker_side, sign, makers_used), min_size=1, max_size=2))
    return [*makers, taker, *(step for steps in after for step in steps)]


def scene_steps(scene: Scene) -> list[dict[str, Any]]:
    """The machine's steps for a scene: open the accounts, then one trade per batch."""
    trades = [{"step": "trade", "args": {"trader": {"$ref": f"trader-{trader}"}, "batch": [dict(a) for a in batch]}}
              for trader, batch in scene]
    return [{"step": "open_accounts", "args": {}}, *trades]
