"""Conservation with fees (TARGET.md §1): random trading on both books never creates or
destroys coins, and the fee account holds exactly the fees, each floor(received·rate/10^6)."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from tradeproof.messages import o2 as msg
from tradeproof.reference.o2 import FEE_ACCOUNT_ID, O2Exchange
from tradeproof.signing import o2 as sig

from .support import Trader

E = 10**9


def random_order(rng: random.Random, market: Any) -> dict[str, Any]:
    """A valid order near the middle of ``market`` (whole-USDC prices: never fractional)."""
    mid = 2000 if market.base.symbol == "fETH" else 60_000
    price = (mid + rng.randint(-5, 5)) * E
    min_qty = market.min_order * market.base_unit // price + 1
    qty = rng.randint(min_qty, 4 * min_qty)
    side = rng.choice(["Buy", "Sell"])
    types: list[Any] = [
        "Spot",
        "Spot",
        "PostOnly",
        "Market",
        "FillOrKill",
        msg.limit((mid + rng.randint(-5, 5)) * E, rng.randint(0, 2**40)),
        msg.bounded_market((mid + 4) * E, (mid - 4) * E),
    ]
    order_type = rng.choice(types)
    return msg.create_order(side, price, qty, order_type)


def expected_fees(exchange: O2Exchange) -> dict[bytes, int]:
    """Σ over fills of floor(received · rate / 10^6), buyer and seller, maker or taker."""
    fees: dict[bytes, int] = {}
    for book in exchange.books.values():
        market = book.market
        seen: dict[int, Any] = {}
        for order in book.orders_of():
            for fill in order.fills:
                if id(fill) in seen:  # the maker's copy; the newer order is the taker
                    maker, taker = seen.pop(id(fill)), order
                    buyer_rate = market.taker_fee if taker.is_buy else market.maker_fee
                    seller_rate = market.maker_fee if taker.is_buy else market.taker_fee
                    quote = fill.price * fill.quantity // market.base_unit
                    fees[market.base.asset_id] = (
                        fees.get(market.base.asset_id, 0) + fill.quantity * buyer_rate // 10**6
                    )
                    fees[market.quote.asset_id] = (
                        fees.get(market.quote.asset_id, 0) + quote * seller_rate // 10**6
                    )
                    assert maker is not taker
                else:
                    seen[id(fill)] = order
        assert not seen, "every fill has a maker and a taker"
    return fees


def held_over_the_api(traders: list[Trader], asset: bytes) -> int:
    client = traders[0].client
    total = 0
    holders = [sig.hex0x(t.trade_account_id) for t in traders] + [sig.hex0x(FEE_ACCOUNT_ID)]
    for holder in holders:
        balance = client.get(
            "/v1/balance", params={"asset_id": sig.hex0x(asset), "contract": holder}
        ).json()
        total += int(balance["total_unlocked"]) + int(balance["total_locked"])
    return total


def test_random_trading_conserves_every_asset(
    make_trader: Callable[..., Trader], exchange: O2Exchange
) -> None:
    rng = random.Random(20260921)
    traders = [make_trader(f"trader-{i}") for i in range(4)]
    outcomes = {"accepted": 0, "reverted": 0}
    for _ in range(150):
        trader = rng.choice(traders)
        market = rng.choice(exchange.markets)
        actions: list[dict[str, Any]] = [
            random_order(rng, market) for _ in range(rng.randint(1, 3))
        ]
        open_orders = trader.orders(market.ref, is_open=True)
        if open_orders and rng.random() < 0.4:
            actions.append(msg.cancel_order(rng.choice(open_orders)["order_id"]))
        if rng.random() < 0.3:
            actions.insert(0, msg.settle_balance(trader.identity))
        answer = trader.act(msg.group(market.market_id, *actions), collect=False).json()
        assert "code" not in answer, answer  # only reverts, never a pre-flight rejection
        outcomes["accepted" if "tx_id" in answer else "reverted"] += 1
        assert exchange.supply() == exchange.minted()
    assert outcomes["accepted"] > 50 and outcomes["reverted"] > 5, outcomes

    fees = expected_fees(exchange)
    assert fees.get(exchange.markets[1].quote.asset_id, 0) > 0, "the BTC book traded with fees"
    for asset, minted in exchange.minted().items():
        assert held_over_the_api(traders, asset) == minted
        assert exchange.ledger.trading(FEE_ACCOUNT_ID, asset) == fees.get(asset, 0)
