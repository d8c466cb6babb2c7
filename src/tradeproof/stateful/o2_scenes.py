"""Short O2 scenes for the model-based machine: a drawn book, one order against it, and
perhaps a cancel or a second order — a few requests instead of a long random walk.

The random walk of ``o2_machine`` reaches a particular book (three orders at one level,
two levels either side of a price, a part-filled maker) only now and then, and under a
per-owner rate limit each of its steps costs time. A scene builds such a book on purpose:
makers (traders 1–3) rest 1–4 orders each on one side of one market, at one shared level
or at drawn levels near the mid; the taker (trader 0) sends one order of any of the six
types across it, priced from just short of the book to a few levels into it, large
enough to sweep several levels; then up to two more steps: a maker or the taker
cancelling an order (a part-filled one, often), another taker order, or the taker
trying to cancel a maker's order.

A scene is plain data — ``[(trader index, batch), ...]`` in the logical form of
``o2_batches`` — and ``scene_steps`` turns it into the machine's recorded steps, which
the machine runs and checks one by one (``tradeproof.stateful.base.replay_steps``).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from .o2_batches import MAX_MARKETS

Scene = list[tuple[int, tuple[dict[str, Any], ...]]]
TAKER, MAKERS = 0, (1, 2, 3)
TAKER_KINDS = ("Spot", "Limit", "FillOrKill", "PostOnly", "Market", "BoundedMarket")


@st.composite
def _maker_batch(draw: st.DrawFn, market: int, side: str, sign: int) -> tuple[int, tuple[dict[str, Any], ...]]:
    """One maker's 1–4 resting orders: all at one level (time priority inside it; a third
    of batches), or each at its own drawn level."""
    trader = draw(st.sampled_from(MAKERS))
    count = draw(st.integers(1, 4))
    shared = draw(st.sampled_from((True, False, False)))
    level = draw(st.integers(0, 3))
    orders = tuple(
        {"do": "create", "market": market, "side": side, "type": draw(st.sampled_from(("Spot", "PostOnly"))),
         "ticks": sign * (level if shared else draw(st.integers(0, 3))), "lots": draw(st.integers(1, 3))}
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
        inverted = low < high and draw(st.sampled_from((False,) * 7 + (True,)))
        order["min"], order["max"] = (high, low) if inverted else (low, high)
    return order


@st.composite
def _after(draw: st.DrawFn, market: int, side: str, sign: int) -> tuple[int, tuple[dict[str, Any], ...]]:
    """A follow-up: a maker or the taker cancels one of its orders, the taker sends
    another order, or tries to cancel a maker's order (which must fail)."""
    what = draw(st.sampled_from(("maker-cancel", "taker-cancel", "taker-order", "cancel-other")))
    if what == "taker-order":
        return TAKER, (draw(_taker_order(market, side, sign)),)
    trader = draw(st.sampled_from(MAKERS)) if what == "maker-cancel" else TAKER
    do = "cancel-other" if what == "cancel-other" else "cancel"
    return trader, ({"do": do, "market": market, "index": draw(st.integers(0, 3))},)


@st.composite
def scenes(draw: st.DrawFn) -> Scene:
    """Makers' batches on one side of one market, a taker's order, 0–2 follow-ups."""
    market = draw(st.integers(0, MAX_MARKETS - 1))
    book_side = draw(st.sampled_from(("Sell", "Buy")))
    sign = 1 if book_side == "Sell" else -1
    taker_side = "Buy" if book_side == "Sell" else "Sell"
    makers = draw(st.lists(_maker_batch(market, book_side, sign), min_size=1, max_size=3))
    taker = (TAKER, (draw(_taker_order(market, taker_side, sign)),))
    after = draw(st.lists(_after(market, taker_side, sign), max_size=2))
    return [*makers, taker, *after]


def scene_steps(scene: Scene) -> list[dict[str, Any]]:
    """The machine's steps for a scene: open the accounts, then one trade per batch."""
    trades = [{"step": "trade", "args": {"trader": {"$ref": f"trader-{trader}"}, "batch": [dict(a) for a in batch]}}
              for trader, batch in scene]
    return [{"step": "open_accounts", "args": {}}, *trades]
