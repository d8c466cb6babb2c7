"""Order types (seed 000 table): what rests, what fills, at which prices, and what
reverts the whole batch. Each scenario trades inside the spread and cleans up."""

from __future__ import annotations

import time

import pytest

from tradeproof.checks import expect_accepted, expect_outcome, require, require_o2_unchanged
from tradeproof.messages import o2 as msg
from tradeproof.scenarios.o2 import Scene, cleaned, place, remaining
from tradeproof.target import o2_snapshot

# trades around the market's mid: with --workers, these tests share one worker
pytestmark = pytest.mark.xdist_group("o2-book")


@pytest.fixture
def quiet_market(o2_markets):
    """The market with the lowest fees: fills are then easiest to read exactly."""
    return min(o2_markets, key=lambda m: (m.maker_fee + m.taker_fee, m.market_id))


@pytest.fixture
def two(new_trader):
    return new_trader("maker"), new_trader("taker")


def _received_base(before, after, trader, spec):
    key = (trader.trade_account_id, spec.base_asset)
    return after.balances[key].total - before.balances[key].total


def _spent_quote(before, after, trader, spec):
    key = (trader.trade_account_id, spec.quote_asset)
    return before.balances[key].total - after.balances[key].total


@pytest.mark.rule("O2-SPOT-RESTS")
def test_spot_fills_then_rests(o2, two, quiet_market, o2_zones):
    maker, taker = two
    s = Scene(quiet_market, o2_zones, "O2-SPOT-RESTS")
    with cleaned(s.spec, maker, taker):
        s.rest(maker, "Sell", 0, s.q)
        expect_accepted(s.rule_id, place(taker, s.spec, "Buy", s.price(2), 2 * s.q))
        resting = list(s.open_by_id(taker).values())
        require(s.rule_id, len(resting) == 1 and remaining(resting[0]) == s.q and str(resting[0].get("price")) == str(s.price(2)),
                f"one resting buy of {s.q} at its own price {s.price(2)}",
                f"{[(o.get('price'), remaining(o)) for o in resting]}")
        require(s.rule_id, not s.open_by_id(maker), "the maker's ask filled", "it is still open")


@pytest.mark.rule("O2-MARKET-NO-REST")
def test_market_never_rests(o2, two, quiet_market, o2_zones):
    maker, taker = two
    s = Scene(quiet_market, o2_zones, "O2-MARKET-NO-REST")
    with cleaned(s.spec, maker, taker):
        s.rest(maker, "Sell", 0, s.q)
        expect_accepted(s.rule_id, place(taker, s.spec, "Buy", s.p, 2 * s.q, "Market"))
        require(s.rule_id, not s.open_by_id(taker), "no resting remainder", f"{list(s.open_by_id(taker))}")
        book = o2.balance(s.spec.quote_asset, taker.trade_account_id).books.get(s.spec.contract_id)
        require(s.rule_id, book is None or book.locked == 0, "nothing locked for the taker", f"{book}")


@pytest.mark.rule("O2-FOK-REVERT")
@pytest.mark.parametrize("side", ["Buy", "Sell"])
def test_fill_or_kill_reverts_unless_filled(side, o2, two, quiet_market, o2_zones):
    maker, taker = two
    s = Scene(quiet_market, o2_zones, "O2-FOK-REVERT")
    maker_side, ticks = ("Sell", 0) if side == "Buy" else ("Buy", -2)
    with cleaned(s.spec, maker, taker):
        s.rest(maker, maker_side, ticks, s.q)
        before = o2_snapshot(o2, [maker, taker])
        outcome = place(taker, s.spec, side, s.price(ticks), 2 * s.q, "FillOrKill")
        expect_outcome(s.rule_id, outcome, detail="FOK for twice the available quantity")
        require_o2_unchanged(s.rule_id, before, o2_snapshot(o2, [maker, taker]))


@pytest.mark.rule("O2-FOK-FILLS")
def test_fill_or_kill_fills_completely(o2, two, quiet_market, o2_zones):
    maker, taker = two
    s = Scene(quiet_market, o2_zones, "O2-FOK-FILLS")
    with cleaned(s.spec, maker, taker):
        order = s.rest(maker, "Sell", 0, 2 * s.q)
        expect_outcome(s.rule_id, place(taker, s.spec, "Buy", s.p, s.q, "FillOrKill"))
        require(s.rule_id, not s.open_by_id(taker), "the FOK does not rest", f"{list(s.open_by_id(taker))}")
        left = s.open_by_id(maker).get(order)
        require(s.rule_id, left is not None and remaining(left) == s.q, f"maker has {s.q} left", f"{left}")


@pytest.mark.rule("O2-POSTONLY-REVERT")
def test_post_only_reverts_when_it_would_take(o2, two, quiet_market, o2_zones):
    maker, taker = two
    s = Scene(quiet_market, o2_zones, "O2-POSTONLY-REVERT")
    with cleaned(s.spec, maker, taker):
        s.rest(maker, "Sell", 0, s.q)
        before = o2_snapshot(o2, [maker, taker])
        expect_outcome(s.rule_id, place(taker, s.spec, "Buy", s.p, 2 * s.q, "PostOnly"), detail="PostOnly crossing an ask")
        require_o2_unchanged(s.rule_id, before, o2_snapshot(o2, [maker, taker]))


@pytest.mark.rule("O2-POSTONLY-RESTS")
def test_post_only_rests_when_it_does_not_cross(o2, two, quiet_market, o2_zones):
    maker, taker = two
    s = Scene(quiet_market, o2_zones, "O2-POSTONLY-RESTS")
    with cleaned(s.spec, maker, taker):
        ask = s.rest(maker, "Sell", 0, s.q)
        expect_outcome(s.rule_id, place(taker, s.spec, "Buy", s.price(-2), s.q, "PostOnly"))
        require(s.rule_id, len(s.open_by_id(taker)) == 1, "the PostOnly bid rests", "it is not open")
        require(s.rule_id, ask in s.open_by_id(maker), "the ask is untouched", "it was taken")


@pytest.mark.rule("O2-BOUNDED-RANGE")
@pytest.mark.parametrize("side", ["Buy", "Sell"])
def test_bounded_market_stays_in_bounds(side, o2, two, quiet_market, o2_zones):
    maker, taker = two
    s = Scene(quiet_market, o2_zones, "O2-BOUNDED-RANGE")
    # a buy walks the asks up to max_price; a sell walks the bids down to min_price
    sign, maker_side, bound = (1, "Sell", "max_price") if side == "Buy" else (-1, "Buy", "min_price")
    with cleaned(s.spec, maker, taker):
        for ticks in (0, 2, 4):
            s.rest(maker, maker_side, sign * ticks, s.q)
        far = s.rest(maker, maker_side, sign * 6, s.q)
        before = o2_snapshot(o2, [taker])
        inner, outer = s.price(sign * 2), s.price(sign * -10)
        bounds = msg.bounded_market(inner, outer) if side == "Buy" else msg.bounded_market(outer, inner)
        expect_accepted(s.rule_id, place(taker, s.spec, side, s.price(sign * 6), 4 * s.q, bounds))
        after = o2_snapshot(o2, [taker])
        got = sign * _received_base(before, after, taker, s.spec)
        require(s.rule_id, 0 < got <= 2 * s.q, f"at most {2 * s.q} {'bought' if side == 'Buy' else 'sold'} (levels inside {bound})",
                f"{got}", detail=side)
        open_now = s.open_by_id(maker)
        require(s.rule_id, far in open_now and len(open_now) == 2, f"orders beyond {bound} untouched",
                f"{len(open_now)} maker orders open", detail=side)
        require(s.rule_id, not s.open_by_id(taker), "no resting remainder", "the BoundedMarket rested", detail=side)


@pytest.mark.rule("O2-BOUNDED-INVERTED")
def test_bounded_market_with_inverted_bounds_reverts(o2, two, quiet_market, o2_zones):
    maker, taker = two
    s = Scene(quiet_market, o2_zones, "O2-BOUNDED-INVERTED")
    with cleaned(s.spec, maker, taker):
        s.rest(maker, "Sell", 0, s.q)
        before = o2_snapshot(o2, [maker, taker])
        bounds = msg.bounded_market(s.price(-2), s.price(2))
        expect_outcome(s.rule_id, place(taker, s.spec, "Buy", s.p, s.q, bounds), detail="max_price < min_price")
        require_o2_unchanged(s.rule_id, before, o2_snapshot(o2, [maker, taker]))


@pytest.mark.rule("O2-BOUNDED-NO-FILL")
def test_bounded_market_with_nothing_inside_reverts(o2, two, quiet_market, o2_zones):
    maker, taker = two
    s = Scene(quiet_market, o2_zones, "O2-BOUNDED-NO-FILL")
    with cleaned(s.spec, maker, taker):
        s.rest(maker, "Sell", 0, s.q)
        before = o2_snapshot(o2, [maker, taker])
        bounds = msg.bounded_market(s.price(-2), s.price(-6))
        expect_outcome(s.rule_id, place(taker, s.spec, "Buy", s.p, s.q, bounds), detail="every ask above max_price")
        require_o2_unchanged(s.rule_id, before, o2_snapshot(o2, [maker, taker]))


@pytest.mark.rule("O2-LIMIT-PRICE")
def test_limit_never_fills_beyond_its_limit(o2, two, quiet_market, o2_zones):
    maker, taker = two
    s = Scene(quiet_market, o2_zones, "O2-LIMIT-PRICE")
    with cleaned(s.spec, maker, taker):
        s.rest(maker, "Sell", 0, s.q)
        dearer = s.rest(maker, "Sell", 2, s.q)
        limit = msg.limit(s.p, int(time.time() * 1000))
        expect_accepted(s.rule_id, place(taker, s.spec, "Buy", s.price(2), 2 * s.q, limit))
        left = s.open_by_id(maker).get(dearer)
        require(s.rule_id, left is not None and remaining(left) == s.q,
                f"the ask above the limit price untouched ({s.q})", f"{left}")


@pytest.mark.rule("O2-PRICE-PROTECTION")
@pytest.mark.parametrize("side", ["Buy", "Sell"])
@pytest.mark.parametrize("order_type", ["Spot", "Limit", "FillOrKill"])
def test_priced_orders_never_fill_worse_than_price(order_type, side, o2, two, quiet_market, o2_zones):
    maker, taker = two
    s = Scene(quiet_market, o2_zones, "O2-PRICE-PROTECTION")
    # worse for a buy is a dearer ask; for a sell, a cheaper bid
    sign, maker_side, worse_text = (1, "Sell", "the ask above") if side == "Buy" else (-1, "Buy", "the bid below")
    with cleaned(s.spec, maker, taker):
        s.rest(maker, maker_side, 0, s.q)
        worse = s.rest(maker, maker_side, sign * 2, s.q)
        price = s.price(sign)
        kind = msg.limit(price, int(time.time() * 1000)) if order_type == "Limit" else order_type
        outcome = place(taker, s.spec, side, price, 2 * s.q, kind)
        if order_type != "FillOrKill":
            expect_accepted(s.rule_id, outcome)
        left = s.open_by_id(maker).get(worse)
        require(s.rule_id, left is not None and remaining(left) == s.q,
                f"{worse_text} the order price untouched ({s.q})", f"{left}", detail=f"{order_type} {side}")


@pytest.mark.rule("O2-MARKET-BUDGET")
@pytest.mark.parametrize("order_type", ["Market", "BoundedMarket"])
def test_market_buy_spends_at_most_what_it_forwards(order_type, o2, two, quiet_market, o2_zones):
    maker, taker = two
    s = Scene(quiet_market, o2_zones, "O2-MARKET-BUDGET")
    with cleaned(s.spec, maker, taker):
        for ticks in (0, 4, 8):
            s.rest(maker, "Sell", ticks, s.q)
        kind = msg.bounded_market(s.price(100), s.t) if order_type == "BoundedMarket" else "Market"
        before = o2_snapshot(o2, [taker])
        expect_accepted(s.rule_id, place(taker, s.spec, "Buy", s.p, 3 * s.q, kind))
        spent = _spent_quote(before, o2_snapshot(o2, [taker]), taker, s.spec)
        budget = s.spec.notional(s.p, 3 * s.q)
        require(s.rule_id, 0 < spent <= budget, f"0 < quote spent ≤ {budget}", f"{spent}", detail=order_type)


@pytest.mark.rule("O2-PRICE-TIME-PRIORITY")
def test_best_price_then_oldest_first(o2, new_trader, quiet_market, o2_zones):
    first, second, better, taker = (new_trader(n) for n in ("fifo-a", "fifo-b", "fifo-c", "fifo-taker"))
    s = Scene(quiet_market, o2_zones, "O2-PRICE-TIME-PRIORITY")
    with cleaned(s.spec, first, second, better, taker):
        a = s.rest(first, "Sell", 0, s.q)
        b = s.rest(second, "Sell", 0, s.q)
        c = s.rest(better, "Sell", -2, s.q)
        expect_accepted(s.rule_id, place(taker, s.spec, "Buy", s.p, 2 * s.q, "FillOrKill"))
        require(s.rule_id, c not in s.open_by_id(better), "the better-priced ask filled first", "it is still open")
        require(s.rule_id, a not in s.open_by_id(first), "the older ask at the level filled", "it is still open")
        left = s.open_by_id(second).get(b)
        require(s.rule_id, left is not None and remaining(left) == s.q, "the newer ask untouched", f"{left}")
