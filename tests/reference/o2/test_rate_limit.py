"""Rate limit (seed 000): 5 requests/second per O2-Owner-Id and session endpoint."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tradeproof.messages import o2 as msg
from tradeproof.reference import create_app
from tradeproof.reference.o2 import O2Exchange
from tradeproof.signing import o2 as sig
from tradeproof.signing.keys import Key

from .support import InProcessClient, Trader
from .test_order_types import P1, Q, group, order


@pytest.fixture
def limited(exchange: O2Exchange, ctx: msg.O2Context) -> Iterator[Trader]:
    """A funded trader with a session, on an app whose rate limiter is on."""
    client = InProcessClient(create_app(o2=exchange, protocols=["o2"], rate_limit=True))
    trader = Trader(client, ctx, Key.derive("o2-tests", "limited"))
    trader.create_account()
    trader.mint()
    trader.open_session()
    yield trader
    client.close()


def test_sixth_request_in_a_second_is_rate_limited(limited: Trader, eth: sig.MarketRef) -> None:
    body = limited.body(group(eth, order("Sell", P1, Q)))  # one signed body: the 1st is accepted
    answers = [limited.send(body) for _ in range(5)]
    assert "tx_id" in answers[0].json() and all(
        a.status_code == 400 for a in answers[1:]
    )  # replays
    nonce = limited.nonce()
    sixth = limited.send(limited.body(group(eth, order("Sell", P1 + 1000, Q)), nonce=nonce))
    assert (sixth.status_code, sixth.json()) == (
        429,
        {"code": 1003, "message": "Rate limit exceeded"},
    )
    assert limited.nonce() == nonce  # refused before anything else happened
    assert len(limited.orders(eth, is_open=True)) == 1


def test_the_limit_is_per_owner_and_per_endpoint(limited: Trader, eth: sig.MarketRef) -> None:
    # PUT /v1/session was used once by the fixture; the actions endpoint has its own budget
    for _ in range(5):
        assert limited.send({}).status_code == 400
    assert limited.send({}).status_code == 429
    other = {"O2-Owner-Id": sig.hex0x(b"\x01" * 32)}
    assert limited.client.post("/v1/session/actions", json={}, headers=other).status_code == 400
    assert "tx_id" in limited.open_session().json()  # 2nd PUT this second


def test_session_endpoint_is_limited_too(limited: Trader) -> None:
    statuses = [
        limited.client.put("/v1/session", json={}, headers=limited.headers).status_code
        for _ in range(5)
    ]
    assert statuses == [400, 400, 400, 400, 429]  # the fixture's PUT counted as the first


def test_no_limit_when_the_limiter_is_off(alice: Trader) -> None:
    statuses = {alice.send({}).status_code for _ in range(20)}
    assert statuses == {400}
