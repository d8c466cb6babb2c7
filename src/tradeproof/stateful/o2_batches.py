"""Logical batches for the O2 machine: what a step records, and the resolved form it sends.

A logical action is a small dict of plain values, e.g. ``{"do": "create", "market": 0,
"side": "Buy", "type": "Spot", "ticks": -2, "lots": 1}``: ``ticks`` from the market's
scenario mid (or ``"at": "join"``/``"take"``: the best price of its own side / of the
other, ``"past": k`` ticks beyond it in the direction of trading), ``lots`` of a quantity valid at every price of the band, ``limit`` (Limit) and
``min``/``max`` (BoundedMarket; from the other side's best price with ``"take"``) in
ticks too, an optional ``flaw`` (``off-tick``,
``zero``) that must make the batch fail; ``{"do": "cancel", "market": m, "index": k}``
names the trader's k-th open order (``cancel-other``: another trader's, which must
fail; ``cancel-gone``: one of the trader's orders already filled or cancelled, sent
alone, which either outcome may answer but nothing may change); ``{"do": "settle",
"market": m}``. The machine resolves them against its model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from ..messages import o2 as msg
from .o2_model import Cancel, ModelAction, NewOrder

W = 6  # the machine trades within mid ± W ticks …
BAND = W + 2  # … and compares the book over mid ± BAND ticks (liquidity found there at start is "foreign")
MAX_MARKETS = 3

KINDS = ("Spot", "Spot", "Spot", "Limit", "PostOnly", "FillOrKill", "Market", "BoundedMarket")
DOS = ("create",) * 30 + ("cancel",) * 10 + ("settle",) * 3 + ("cancel-other", "cancel-gone")
TICKS = st.integers(-2, 2)
MARKET = st.integers(0, MAX_MARKETS - 1)


@st.composite
def _create(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(KINDS))
    action: dict[str, Any] = {"do": "create", "market": draw(MARKET), "side": draw(st.sampled_from(["Buy", "Sell"])),
                              "type": kind, "ticks": draw(TICKS), "lots": draw(st.integers(1, 3))}
    at = draw(st.sampled_from(("mid", "join", "take")))
    if at != "mid" and kind != "Market" and (kind, at) != ("BoundedMarket", "join"):
        action["at"] = at  # the best price of its own side (join the queue) or of the other (take it)
    if kind == "Limit":
        action["limit"] = draw(TICKS)
    if kind == "BoundedMarket":
        low = draw(st.integers(-W, 2))
        high = min(W, low + draw(st.integers(2, 2 * W)))
        inverted = low < high and draw(st.sampled_from((False,) * 7 + (True,)))
        action["min"], action["max"] = (high, low) if inverted else (low, high)
    flaw = draw(st.sampled_from((None,) * 38 + ("off-tick", "zero")))
    if flaw:
        action["flaw"] = flaw
    return action


def _action(do: str) -> st.SearchStrategy[dict[str, Any]]:
    if do == "create":
        return _create()
    if do == "settle":
        return st.fixed_dictionaries({"do": st.just("settle"), "market": MARKET})
    return st.fixed_dictionaries({"do": st.just(do), "market": MARKET, "index": st.integers(0, 7)})


def batches() -> st.SearchStrategy[tuple[dict[str, Any], ...]]:
    """1–5 logical actions (see the module docstring)."""
    return st.lists(st.sampled_from(DOS).flatmap(_action), min_size=1, max_size=5).map(tuple)


@dataclass(frozen=True)
class Sent:
    """A resolved batch: model actions and wire actions, in request (group) order."""

    model: list[ModelAction]
    wire: list[tuple[str, dict[str, Any]]]  # (market id, action JSON)
    dropped: list[str]

    def groups(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for market, action in self.wire:
            if not out or out[-1]["market_id"] != market:
                out.append(msg.group(market))
            out[-1]["actions"].append(action)
        return out


def describe(actions: Sequence[ModelAction]) -> str:
    """One line naming what a resolved batch does, for failure messages."""

    def one(a: ModelAction) -> str:
        if isinstance(a, NewOrder):
            extra = f" limit {a.limit}" if a.limit is not None else f" in [{a.bounds[0]}, {a.bounds[1]}]" if a.bounds else ""
            return f"{a.kind} {a.side} {a.quantity} @ {a.price}{extra} on {a.market[:8]}…"
        if isinstance(a, Cancel):
            return f"cancel order #{a.seq} on {a.market[:8]}…"
        return f"settle on {a.market[:8]}…"

    return "; ".join(one(a) for a in actions)
