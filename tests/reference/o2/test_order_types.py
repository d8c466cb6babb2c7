"""Order types, matching and order parameters (seed 000 "Order Types", TARGET.md §1).

fETH/fUSDC has no fees, so every balance below is exact: 1 ETH = 10^9 base units, prices
are USDC·10^9 per ETH, and a fill of q at p costs p·q/10^9 quote units.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tradeproof.messages import o2 as msg
from tradeproof.signing import o2 as sig

from .support import Trader

E = 10**9  # 10^base.decimals of fETH
P1, P2, P3 = 2000 * E, 2001 * E, 2002 * E
Q = 1_000_000  # 0.001 ETH; Q at P1 costs 2 USDC


def cost(price: int, qty: int) -> int:
    return price * qty // E


def group(eth: sig.MarketRef, *actions: dict[str, Any]) -> dict[str, Any]:
    return msg.group(eth.market_id, *actions)


def order(side: str, price: int, qty: int, order_type: Any = "Spot") -> dict[str, Any]:
    return msg.create_order(side, price, qty, order_type)


def place(trader: Trader, eth: sig.MarketRef, *orders: dict[str, Any]) -> list[dict[str, Any]]:
    return trader.ok(group(eth, *orders))["orders"]  # type: ignore[no-any-return]


def depth(
    trader: Trader, eth: sig.MarketRef
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    body = trader.client.get("/v1/depth", params={"market_id": sig.hex0x(eth.market_id)}).json()
    levels = body["orders"]
    return (
        [(int(x["price"]), int(x["quantity"])) for x in levels["buys"]],
        [(int(x["price"]), int(x["quantity"])) for x in levels["sells"]],
    )


def reverted(trader: Trader, eth: sig.MarketRef, variant: str, *orders: dict[str, Any]) -> None:
    """The batch reverts with ``variant``; nothing changes but the nonce."""
    before, nonce, book = trader.state(), trader.nonce(), depth(trader, eth)
    answer = trader.act(group(eth, *orders)).json()
    assert "tx_id" not in answer and "code" not in answer and variant in answer["reason"], answer
    assert trader.nonce() == nonce + 1
    assert trader.state() == before and depth(trader, eth) == book


@pytest.fixture
def asks(bob: Trader, eth: sig.MarketRef) -> list[dict[str, Any]]:
    """Bob sells Q at P1, P2 and P3."""
    return place(bob, eth, order("Sell", P1, Q), order("Sell", P2, Q), order("Sell", P3, Q))


@pytest.fixture
def bids(bob: Trader, eth: sig.MarketRef) -> list[dict[str, Any]]:
    """Bob bids Q at P3, P2 and P1."""
    return place(bob, eth, order("Buy", P3, Q), order("Buy", P2, Q), order("Buy", P1, Q))


# --------------------------------------------------------------------------- Spot


def test_spot_matches_up_to_its_price_then_rests(
    alice: Trader, bob: Trader, eth: sig.MarketRef, asks: Any
) -> None:
    quote_before = alice.trading(eth.quote_asset)
    (spot,) = place(alice, eth, order("Buy", P2, 5 * Q // 2))
    assert (spot["quantity_fill"], spot["close"], spot["price"]) == (str(2 * Q), False, str(P2))
    assert spot["price_fill"] == str((P1 + P2) // 2) and spot["partially_filled"] is True
    assert depth(alice, eth) == ([(P2, Q // 2)], [(P3, Q)])
    locked = cost(P2, Q // 2)
    balance = alice.balance(eth.quote_asset)
    assert alice.trading(eth.quote_asset) == quote_before - cost(P1, Q) - cost(P2, Q) - locked
    assert int(balance["total_locked"]) == locked
    assert (
        int(alice.balance(eth.base_asset)["order_books"][sig.hex0x(eth.contract_id)]["unlocked"])
        == 2 * Q
    )
    assert int(bob.balance(eth.quote_asset)["total_unlocked"]) - bob.trading(
        eth.quote_asset
    ) == cost(P1, Q) + cost(P2, Q)


def test_priced_orders_never_fill_at_a_worse_price(
    alice: Trader, eth: sig.MarketRef, asks: Any
) -> None:
    (buy,) = place(alice, eth, order("Buy", P1 - 1000, Q))
    assert buy["quantity_fill"] == "0" and buy["close"] is False
    assert depth(alice, eth) == ([(P1 - 1000, Q)], [(P1, Q), (P2, Q), (P3, Q)])


def test_price_time_priority(
    alice: Trader, bob: Trader, make_trader: Callable[..., Trader], eth: sig.MarketRef
) -> None:
    carol = make_trader("carol")
    first = place(bob, eth, order("Sell", P2, Q))[0]
    second = place(carol, eth, order("Sell", P2, Q))[0]
    third = place(bob, eth, order("Sell", P2, Q))[0]
    better = place(carol, eth, order("Sell", P1, Q))[0]  # newest but best price
    place(alice, eth, order("Buy", P2, 5 * Q // 2))
    fills = {
        o["order_id"]: int(alice_view(alice, eth, o["order_id"])["quantity_fill"])
        for o in (first, second, third, better)
    }
    assert fills == {
        better["order_id"]: Q,
        first["order_id"]: Q,
        second["order_id"]: Q // 2,
        third["order_id"]: 0,
    }


def alice_view(trader: Trader, eth: sig.MarketRef, order_id: str) -> dict[str, Any]:
    params = {"market_id": sig.hex0x(eth.market_id), "order_id": order_id}
    return trader.client.get("/v1/order", params=params).json()["order"]  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- Market


def test_market_buy_spends_at_most_what_it_forwarded(
    alice: Trader, bob: Trader, eth: sig.MarketRef
) -> None:
    place(bob, eth, order("Sell", P1, Q), order("Sell", 2 * P1, Q))
    quote_before = alice.trading(eth.quote_asset)
    (market,) = place(
        alice, eth, order("Buy", P1, 2 * Q, "Market")
    )  # forwards cost(P1, 2Q) = 4 USDC
    assert int(market["quantity_fill"]) == Q + Q // 2  # Q at P1 (2 USDC) + Q/2 at 2·P1 (2 USDC)
    assert (market["close"], market["cancel"]) == (True, True)
    assert alice.trading(eth.quote_asset) == quote_before - cost(P1, 2 * Q)
    assert depth(alice, eth) == ([], [(2 * P1, Q // 2)])
    assert alice.orders(eth, is_open=True) == []


def test_market_sell_ignores_its_price_and_never_rests(
    alice: Trader, eth: sig.MarketRef, bids: Any
) -> None:
    base_before = alice.trading(eth.base_asset)
    (market,) = place(alice, eth, order("Sell", P3 + 1000, 4 * Q, "Market"))
    assert int(market["quantity_fill"]) == 3 * Q and market["close"] is True
    assert alice.trading(eth.base_asset) == base_before - 3 * Q
    assert depth(alice, eth) == ([], [])


def test_market_on_an_empty_book_is_refunded(alice: Trader, eth: sig.MarketRef) -> None:
    before = alice.state()
    (market,) = place(alice, eth, order("Buy", P1, Q, "Market"))
    assert market["quantity_fill"] == "0" and market["close"] is True
    assert alice.state()["balances"] == before["balances"]


# --------------------------------------------------------------------------- FillOrKill


def test_fill_or_kill_fills_completely(alice: Trader, eth: sig.MarketRef, asks: Any) -> None:
    quote_before = alice.trading(eth.quote_asset)
    (fok,) = place(alice, eth, order("Buy", P2, 2 * Q, "FillOrKill"))
    assert fok["quantity_fill"] == str(2 * Q) and fok["close"] is True
    assert alice.trading(eth.quote_asset) == quote_before - cost(P1, Q) - cost(
        P2, Q
    )  # refund of P2-P1 on the first Q


def test_fill_or_kill_reverts_when_not_completely_filled(
    alice: Trader, eth: sig.MarketRef, asks: Any
) -> None:
    reverted(alice, eth, "OrderNotFilled", order("Buy", P2, 2 * Q + 1000, "FillOrKill"))
    reverted(alice, eth, "OrderNotFilled", order("Buy", P1 - 1000, Q, "FillOrKill"))


# --------------------------------------------------------------------------- PostOnly


def test_post_only_rests_when_it_does_not_cross(
    alice: Trader, eth: sig.MarketRef, asks: Any
) -> None:
    (post,) = place(alice, eth, order("Buy", P1 - 1000, Q, "PostOnly"))
    assert post["close"] is False and post["quantity_fill"] == "0"
    assert depth(alice, eth)[0] == [(P1 - 1000, Q)]


@pytest.mark.parametrize("price", [P1, P3])
def test_post_only_reverts_on_any_fill(
    alice: Trader, eth: sig.MarketRef, asks: Any, price: int
) -> None:
    reverted(alice, eth, "OrderPartiallyFilled", order("Buy", price, Q, "PostOnly"))


# --------------------------------------------------------------------------- BoundedMarket


def test_bounded_market_fills_only_inside_its_bounds(
    alice: Trader, eth: sig.MarketRef, asks: Any
) -> None:
    quote_before = alice.trading(eth.quote_asset)
    (bounded,) = place(alice, eth, order("Buy", P3, 3 * Q, msg.bounded_market(P2, P1)))
    assert bounded["quantity_fill"] == str(2 * Q) and bounded["close"] is True
    assert alice.trading(eth.quote_asset) == quote_before - cost(P1, Q) - cost(P2, Q)
    assert depth(alice, eth) == ([], [(P3, Q)])


def test_bounded_market_sell(alice: Trader, eth: sig.MarketRef, bids: Any) -> None:
    (bounded,) = place(alice, eth, order("Sell", P1, 3 * Q, msg.bounded_market(10**15, P2)))
    assert bounded["quantity_fill"] == str(2 * Q)
    assert depth(alice, eth) == ([(P1, Q)], [])


def test_bounded_market_buy_is_bounded_by_its_budget(
    alice: Trader, eth: sig.MarketRef, asks: Any
) -> None:
    (bounded,) = place(alice, eth, order("Buy", P1, 2 * Q, msg.bounded_market(P3, 0)))
    filled = int(bounded["quantity_fill"])
    assert Q < filled < 2 * Q  # Q at P1, then what the rest of cost(P1, 2Q) buys at P2


def test_bounded_market_reverts_with_inverted_bounds(
    alice: Trader, eth: sig.MarketRef, asks: Any
) -> None:
    reverted(alice, eth, "InvalidMarketOrderArgs", order("Buy", P3, Q, msg.bounded_market(P1, P2)))


def test_bounded_market_reverts_when_nothing_fills_inside(
    alice: Trader, eth: sig.MarketRef, asks: Any
) -> None:
    reverted(alice, eth, "OrderNotFilled", order("Buy", P3, Q, msg.bounded_market(P1 - 1000, 0)))
    # matching never skips the best level: P1 is below min_price, so nothing fills
    reverted(alice, eth, "OrderNotFilled", order("Buy", P3, Q, msg.bounded_market(P3, P2)))


def test_bounded_market_on_an_empty_book_reverts(alice: Trader, eth: sig.MarketRef) -> None:
    reverted(alice, eth, "OrderNotFilled", order("Sell", P1, Q, msg.bounded_market(P3, P1)))


# --------------------------------------------------------------------------- Limit


def test_limit_buy_uses_the_tighter_price_and_rests_there(
    alice: Trader, eth: sig.MarketRef, asks: Any
) -> None:
    (limit,) = place(alice, eth, order("Buy", P3, 2 * Q, msg.limit(P1, 1)))
    assert (
        limit["quantity_fill"] == str(Q) and limit["price"] == str(P1) and limit["close"] is False
    )
    assert limit["order_type"] == {"Limit": [str(P1), "1"]}
    assert depth(alice, eth) == ([(P1, Q)], [(P2, Q), (P3, Q)])


def test_limit_sell_uses_the_tighter_price(alice: Trader, eth: sig.MarketRef, bids: Any) -> None:
    (limit,) = place(alice, eth, order("Sell", P1, 3 * Q, msg.limit(P2, 1)))
    assert limit["quantity_fill"] == str(2 * Q) and limit["price"] == str(P2)
    assert depth(alice, eth) == ([(P1, Q)], [(P2, Q)])


def test_limit_timestamp_does_not_buy_priority(
    alice: Trader, bob: Trader, eth: sig.MarketRef
) -> None:
    late = place(bob, eth, order("Buy", P1, Q, msg.limit(P1, 2**63)))[0]
    early = place(bob, eth, order("Buy", P1, Q, msg.limit(P1, 0)))[0]
    place(alice, eth, order("Sell", P1, Q))
    assert alice_view(alice, eth, late["order_id"])["close"] is True
    assert alice_view(alice, eth, early["order_id"])["close"] is False


# --------------------------------------------------------------------------- parameters


@pytest.mark.parametrize(
    ("variant", "side", "price", "qty", "order_type"),
    [
        ("InvalidOrderArgs", "Buy", 0, Q, "Spot"),
        ("InvalidOrderArgs", "Sell", P1, 0, "Spot"),
        ("InvalidOrderArgs", "Buy", P1, Q, msg.limit(0, 1)),
        ("PricePrecision", "Buy", P1 + 1, Q, "Spot"),
        ("PricePrecision", "Sell", P1 + 999, Q, "PostOnly"),
        ("PricePrecision", "Buy", P1, Q, msg.limit(P1 + 1, 1)),
        ("InvalidInputAmount", "Buy", P1, Q // 4, "Spot"),  # 0.5 USDC < min_order 1 USDC
        ("InvalidInputAmount", "Sell", 1000, 10**9, "Market"),  # 0.000001 USDC
        ("FractionalPrice", "Buy", P1 + 1000, Q + 1, "Spot"),
    ],
)
def test_invalid_order_parameters_revert(
    alice: Trader,
    eth: sig.MarketRef,
    variant: str,
    side: str,
    price: int,
    qty: int,
    order_type: Any,
) -> None:
    reverted(alice, eth, variant, order(side, price, qty, order_type))


def test_coarser_tick_and_fees_of_the_btc_market(
    alice: Trader, bob: Trader, btc: sig.MarketRef
) -> None:
    price, qty = 60_000 * 10**9, 10_000  # 0.0001 BTC at 60 000 USDC: 6 USDC
    reverted(alice, btc, "PricePrecision", order("Buy", price + 1000, qty))
    reverted(alice, btc, "InvalidInputAmount", order("Buy", price, qty // 2))  # 3 USDC < 5
    place(bob, btc, order("Sell", price, qty))
    place(alice, btc, order("Buy", price, qty))
    value = price * qty // 10**8
    book = sig.hex0x(btc.contract_id)
    assert (
        int(alice.balance(btc.base_asset)["order_books"][book]["unlocked"])
        == qty - qty * 500 // 10**6
    )
    assert (
        int(bob.balance(btc.quote_asset)["order_books"][book]["unlocked"])
        == value - value * 100 // 10**6
    )


def test_insufficient_balance_reverts(
    make_trader: Callable[..., Trader], eth: sig.MarketRef
) -> None:
    poor = make_trader("poor", fund=False)
    reverted(poor, eth, "NotEnoughBalance", order("Buy", P1, Q))
    assert poor.mint(eth.quote_asset, cost(P1, Q)).status_code == 200
    place(poor, eth, order("Buy", P1, Q))
    assert poor.trading(eth.quote_asset) == 0
