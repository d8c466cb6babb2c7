"""Every response body satisfies its shipped schema and parses with the official SDK's models."""

from __future__ import annotations

from typing import Any

from o2_sdk import models

from tradeproof import schemas
from tradeproof.messages import o2 as msg
from tradeproof.reference.o2 import O2Exchange
from tradeproof.signing import o2 as sig

from .support import Trader
from .test_order_types import P1, P2, Q, group, order, place


def valid(name: str, body: Any) -> Any:
    assert schemas.errors(name, body) == []
    return body


def test_markets(alice: Trader, exchange: O2Exchange) -> None:
    body = valid("o2/markets_response", alice.client.get("/v1/markets").json())
    parsed = models.MarketsResponse.from_dict(body)
    assert parsed.chain_id_int == 31337 and body["chain_id"] == "0x0000000000007a69"
    eth, btc = parsed.markets
    assert (eth.pair, btc.pair) == ("fETH/fUSDC", "fBTC/fUSDC")
    assert eth.quote.asset == btc.quote.asset  # one fUSDC for both books
    assert (eth.base.decimals, btc.base.decimals, btc.taker_fee, btc.maker_fee) == (
        9,
        8,
        "500",
        "100",
    )
    for market in exchange.markets:  # market_id = sha256(quote_asset ‖ base_asset)
        import hashlib

        assert (
            market.market_id
            == hashlib.sha256(market.quote.asset_id + market.base.asset_id).digest()
        )
    assert eth.scale_price("2000.5") % 10 ** (eth.quote.decimals - eth.quote.max_precision) == 0


def test_accounts_and_session(alice: Trader) -> None:
    account = valid("o2/account_response", alice.account())
    info = models.AccountInfo.from_dict(account)
    assert info.exists and info.nonce == 1
    response = alice.open_session().json()
    valid("o2/session_response", response)
    assert models.SessionResponse.from_dict(response).session_expiry == str(alice.expiry)
    created = alice.client.post("/v1/accounts", json={"identity": msg.address(b"\x05" * 32)}).json()
    valid("o2/account_create_response", created)
    assert models.AccountCreateResponse.from_dict(created).nonce == "0"


def test_orders_balance_depth(alice: Trader, bob: Trader, eth: sig.MarketRef) -> None:
    place(bob, eth, order("Sell", P2, Q))
    answer = valid(
        "o2/session_actions_response",
        alice.ok(group(eth, order("Buy", P2, 2 * Q), order("Buy", P1, Q))),
    )
    parsed = models.ActionsResponse.from_dict(answer)
    assert parsed.success and len(parsed.orders or []) == 2
    params = {
        "market_id": sig.hex0x(eth.market_id),
        "contract": sig.hex0x(alice.trade_account_id),
        "is_open": "true",
    }
    orders = valid("o2/orders_response", alice.client.get("/v1/orders", params=params).json())
    listed = models.OrdersResponse.from_dict(orders).orders
    assert [o.price for o in listed] == [str(P1), str(P2)]  # newest first by default
    one = alice.client.get(
        "/v1/order", params={"market_id": params["market_id"], "order_id": listed[0].order_id}
    )
    assert (
        models.Order.from_dict(valid("o2/order_response", one.json())["order"]).order_id
        == listed[0].order_id
    )
    balance = valid("o2/balance_response", alice.balance(eth.quote_asset))
    assert models.Balance.from_dict(balance).locked == (P1 * Q + P2 * Q) // 10**9
    depth = alice.client.get(
        "/v1/depth", params={"market_id": params["market_id"], "precision": 10**3}
    ).json()
    snapshot = models.DepthSnapshot.from_dict(valid("o2/depth_response", depth))
    assert [(b.price, b.quantity) for b in snapshot.bids] == [(str(P2), str(Q)), (str(P1), str(Q))]


def test_depth_buckets_and_pagination(alice: Trader, eth: sig.MarketRef) -> None:
    place(
        alice,
        eth,
        order("Buy", P1, Q),
        order("Buy", P1 + 10**9 - 1000, Q),
        order("Sell", P2 + 1000, Q),
    )
    params: dict[str, Any] = {"market_id": sig.hex0x(eth.market_id), "precision": 10**10}
    levels = alice.client.get("/v1/depth", params=params).json()["orders"]
    assert levels["buys"] == [{"price": str(P1), "quantity": str(2 * Q)}]  # bids round down
    assert levels["sells"] == [{"price": str(P2 + 9 * 10**9), "quantity": str(Q)}]  # asks round up
    assert alice.client.get("/v1/depth", params={**params, "precision": 3}).json()["code"] == 1001
    ids = [o["order_id"] for o in alice.orders(eth)]
    page = {
        "market_id": params["market_id"],
        "contract": sig.hex0x(alice.trade_account_id),
        "direction": "asc",
        "count": 1,
    }
    second = alice.client.get("/v1/orders", params={**page, "start_order_id": ids[0]}).json()[
        "orders"
    ]
    assert [o["order_id"] for o in second] == ids[1:2]
    assert alice.client.get("/v1/orders", params={**page, "count": 201}).json()["code"] == 7002


def test_mint_is_the_sdk_faucet(alice: Trader, eth: sig.MarketRef) -> None:
    before = alice.trading(eth.base_asset)
    answer = alice.mint().json()
    assert models.FaucetResponse.from_dict(answer).success
    assert alice.trading(eth.base_asset) == before + 10**6 * 10**9
    assert alice.mint(eth.quote_asset, 5).status_code == 200
    assert alice.mint(b"\x01" * 32, 5).json()["code"] == 1001
    unknown = alice.client.post("/_harness/o2/mint", json={"contract": "0x" + "66" * 32})
    assert (unknown.status_code, unknown.json()["code"]) == (404, 4002)
    assert alice.mint(eth.base_asset, sig.U64_MAX).json()["code"] == 7000  # supply stays a u64
