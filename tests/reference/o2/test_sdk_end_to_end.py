"""The official O2 SDK (``o2-sdk`` 0.5.0) trades on the reference over real HTTP, unmodified.

The SDK is configured like any custom network: our base URL, our mint endpoint as its
faucet, and dead WebSocket / Fuel RPC URLs (nothing here opens them). It creates the
accounts, funds them, opens sessions (one Fuel owner, one EVM owner), trades every order
type against each other, cancels, and reads balances, orders and depth back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from o2_sdk import (
    BoundedMarketOrder,
    LimitOrder,
    NetworkConfig,
    O2Client,
    OnChainRevert,
    OrderSide,
    OrderType,
)

from tradeproof.reference import BackgroundServer, create_app
from tradeproof.reference.o2 import O2Exchange

ETH = "fETH/fUSDC"
BTC = "fBTC/fUSDC"


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[BackgroundServer, O2Exchange]]:
    exchange = O2Exchange()
    with BackgroundServer(create_app(o2=exchange, protocols=["o2"], rate_limit=False)) as running:
        yield running, exchange


def sdk_client(url: str) -> O2Client:
    config = NetworkConfig(
        api_base=url,
        ws_url="ws://127.0.0.1:9/unused",
        fuel_rpc="http://127.0.0.1:9/unused",
        faucet_url=url + "/_harness/o2/mint",
    )
    return O2Client(custom_config=config)


async def trade(url: str) -> dict[str, Any]:
    async with sdk_client(url) as maker_client, sdk_client(url) as taker_client:
        maker = maker_client.generate_wallet()
        taker = taker_client.generate_evm_wallet()
        maker_account = await maker_client.setup_account(maker)
        taker_account = await taker_client.setup_account(taker)
        again = await maker_client.setup_account(maker)  # idempotent: same account, no second mint
        assert again.trade_account_id == maker_account.trade_account_id
        await maker_client.create_session(owner=maker, markets=[ETH, BTC])
        await taker_client.create_session(owner=taker, markets=[ETH])

        spot = await maker_client.create_order(ETH, OrderSide.SELL, "2000", "0.01")
        post = await maker_client.create_order(
            ETH, OrderSide.SELL, "2001", "0.01", OrderType.POST_ONLY
        )
        limit = await maker_client.create_order(
            ETH, OrderSide.SELL, "2005", "0.01", LimitOrder(price="2003")
        )
        btc_bid = await maker_client.create_order(BTC, OrderSide.BUY, "60000", "0.001")

        market = await taker_client.create_order(
            ETH, OrderSide.BUY, "2000", "0.005", OrderType.MARKET
        )
        fok = await taker_client.create_order(
            ETH, OrderSide.BUY, "2000", "0.005", OrderType.FILL_OR_KILL
        )
        bounded = await taker_client.create_order(
            ETH,
            OrderSide.BUY,
            "2001",
            "0.005",
            BoundedMarketOrder(max_price="2001.5", min_price="0"),
        )
        with pytest.raises(OnChainRevert) as revert:  # nothing left at 2000: the batch reverts
            await taker_client.create_order(
                ETH, OrderSide.BUY, "2000", "0.001", OrderType.FILL_OR_KILL
            )
        assert "OrderNotFilled" in str(revert.value)
        limit_id = limit.orders[0].order_id
        cancel = await maker_client.cancel_order(limit_id, market=ETH)

        return {
            "tx_ids": [r.tx_id for r in (spot, post, limit, btc_bid, market, fok, bounded, cancel)],
            "market": market.orders[0],
            "fok": fok.orders[0],
            "bounded": bounded.orders[0],
            "maker_open": await maker_client.get_orders(ETH, maker_account, is_open=True),
            "maker_all": await maker_client.get_orders(ETH, maker_account),
            "limit_id": limit_id,
            "taker_balances": await taker_client.get_balances(taker_account),
            "maker_balances": await maker_client.get_balances(maker_account),
            "depth": await taker_client.get_depth(ETH),
            "taker_nonce": await taker_client.get_nonce(taker_account.trade_account_id),
        }


def test_sdk_trades_every_order_type(server: tuple[BackgroundServer, O2Exchange]) -> None:
    running, exchange = server
    result = asyncio.run(trade(running.url))
    assert all(result["tx_ids"])
    market, fok, bounded = result["market"], result["fok"], result["bounded"]
    assert (market.quantity_fill, market.price_fill) == ("5000000", "2000000000000")
    assert (fok.quantity_fill, fok.close) == ("5000000", True)
    assert (bounded.quantity_fill, bounded.price_fill) == ("5000000", "2001000000000")
    open_prices = sorted(o.price for o in result["maker_open"])
    assert open_prices == [
        "2001000000000"
    ]  # the PostOnly's unfilled half (the BTC bid is on another book)
    cancelled = [o for o in result["maker_all"] if o.order_id == result["limit_id"]]
    assert (
        cancelled and cancelled[0].cancel and cancelled[0].price == "2005000000000"
    )  # a sell: the higher
    eth_balance = result["taker_balances"]["fETH"]
    assert eth_balance.total == 10**6 * 10**9 + 15_000_000  # minted + 0.015 ETH bought (no fees)
    usdc = result["taker_balances"]["fUSDC"]
    assert usdc.total == 10**6 * 10**9 - (10 + 10 + Decimal("10.005")) * 10**9
    assert [(b.price, b.quantity) for b in result["depth"].asks] == [("2001000000000", "5000000")]
    assert [(b.price, b.quantity) for b in result["depth"].bids] == []
    assert result["taker_nonce"] == 5  # session + three orders + the reverted one
    assert exchange.supply() == exchange.minted()
