"""Many owners trading at once over real HTTP: no 5xx, no lost or duplicated order, and
every asset conserved (the exchange's one lock serialises batches)."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from typing import Any

import httpx

from tradeproof.messages import o2 as msg
from tradeproof.reference import BackgroundServer, create_app
from tradeproof.reference.o2 import FEE_ACCOUNT_ID, O2Exchange
from tradeproof.signing import o2 as sig
from tradeproof.signing.keys import Key

OWNERS, BATCHES = 8, 20
E = 10**9


async def owner_session(http: httpx.AsyncClient, ctx: msg.O2Context, index: int) -> dict[str, Any]:
    owner, session = (
        Key.derive("o2-concurrency", f"owner-{index}"),
        Key.derive("o2-concurrency", f"session-{index}"),
    )
    created = (
        await http.post("/v1/accounts", json={"identity": msg.address(owner.fuel_address)})
    ).json()
    account = sig.parse_b256(created["trade_account_id"])
    await http.post("/_harness/o2/mint", json={"contract": created["trade_account_id"]})
    body = msg.session_body(
        ctx,
        owner,
        trade_account_id=account,
        session_key=session,
        nonce=0,
        expiry=2**40,
        contract_ids=[r.contract_id for r in ctx.markets.values()],
    )
    assert (
        "tx_id"
        in (
            await http.put("/v1/session", json=body, headers=msg.owner_header(owner.fuel_address))
        ).json()
    )
    return {"owner": owner, "session": session, "account": account, "nonce": 1}


async def trade(
    http: httpx.AsyncClient, ctx: msg.O2Context, me: dict[str, Any], seed: int
) -> list[tuple[int, Any]]:
    """Send BATCHES signed batches one after another; return (status, body) of each."""
    rng = random.Random(seed)
    markets = list(ctx.markets.values())
    mine: list[tuple[bytes, str]] = []  # (market id, order id) of orders that may rest
    answers = []
    for _ in range(BATCHES):
        market = rng.choice(markets)
        mid = 2000 if market.base_decimals == 9 else 60_000
        qty = rng.randint(1, 4) * (1_000_000 if market.base_decimals == 9 else 10_000)
        actions = [
            msg.create_order(
                rng.choice(["Buy", "Sell"]),
                (mid + rng.randint(-3, 3)) * E,
                qty,
                rng.choice(["Spot", "Spot", "Market", "PostOnly"]),
            )
            for _ in range(rng.randint(1, 3))
        ]
        mine_here = [oid for m, oid in mine if m == market.market_id]
        if mine_here and rng.random() < 0.5:
            actions.append(msg.cancel_order(rng.choice(mine_here)))
        if rng.random() < 0.3:
            actions.append(msg.settle_balance(msg.contract(me["account"])))
        body = msg.actions_body(
            ctx,
            me["session"],
            trade_account_id=me["account"],
            nonce=me["nonce"],
            groups=[msg.group(market.market_id, *actions)],
        )
        response = await http.post(
            "/v1/session/actions", json=body, headers=msg.owner_header(me["owner"].fuel_address)
        )
        answer = response.json()
        answers.append((response.status_code, answer))
        if "tx_id" in answer or "reason" in answer:  # accepted or reverted: the nonce was used
            me["nonce"] += 1
        mine += [(market.market_id, o["order_id"]) for o in answer.get("orders", [])]
    return answers


async def run(url: str, exchange: O2Exchange) -> None:
    ctx = msg.O2Context.from_markets_json(exchange.markets_info())
    limits = httpx.Limits(max_connections=OWNERS * 2)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as http:
        owners = [await owner_session(http, ctx, i) for i in range(OWNERS)]
        results = await asyncio.gather(
            *(trade(http, ctx, me, seed) for seed, me in enumerate(owners))
        )

        statuses = Counter(status for answers in results for status, _ in answers)
        assert set(statuses) <= {200, 400}, statuses  # accepted or reverted; no 5xx, no 429
        accepted: Counter[tuple[bytes, str]] = Counter()
        for me, answers in zip(owners, results, strict=True):
            assert all("code" not in answer for _, answer in answers), (
                answers
            )  # nonces never collided
            for _, answer in answers:
                accepted.update((me["account"], o["order_id"]) for o in answer.get("orders", []))
        assert accepted and max(accepted.values()) == 1, "an order id was reported twice"
        assert statuses[200] > OWNERS * BATCHES // 2

        listed: Counter[tuple[bytes, str]] = Counter()
        for me in owners:
            for ref in ctx.markets.values():
                params: dict[str, Any] = {
                    "market_id": sig.hex0x(ref.market_id),
                    "contract": sig.hex0x(me["account"]),
                    "count": 200,
                }
                for o in (await http.get("/v1/orders", params=params)).json()["orders"]:
                    listed[(me["account"], o["order_id"])] += 1
                    assert o["close"] or int(o["quantity_fill"]) < int(o["quantity"])
        assert listed == accepted  # every accepted order once, nothing else

        for asset, minted in exchange.minted().items():
            total = 0
            for holder in [me["account"] for me in owners] + [FEE_ACCOUNT_ID]:
                params = {"asset_id": sig.hex0x(asset), "contract": sig.hex0x(holder)}
                balance = (await http.get("/v1/balance", params=params)).json()
                total += int(balance["total_unlocked"]) + int(balance["total_locked"])
            assert total == minted


def test_many_owners_trading_concurrently() -> None:
    exchange = O2Exchange()
    with BackgroundServer(create_app(o2=exchange, protocols=["o2"], rate_limit=False)) as server:
        asyncio.run(run(server.url, exchange))
    assert exchange.supply() == exchange.minted()
