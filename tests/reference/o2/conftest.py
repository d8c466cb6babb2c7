"""Fixtures for the O2 reference tests: an exchange on a movable clock, an in-process
client, its markets, and funded traders with open sessions."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tradeproof.messages import o2 as msg
from tradeproof.reference import create_app
from tradeproof.reference.o2 import O2Exchange
from tradeproof.signing import o2 as sig
from tradeproof.signing.keys import Key

from .support import FakeClock, InProcessClient, Trader


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def exchange(clock: FakeClock) -> O2Exchange:
    return O2Exchange(clock=clock)


@pytest.fixture
def client(exchange: O2Exchange) -> Iterator[InProcessClient]:
    in_process = InProcessClient(create_app(o2=exchange, protocols=["o2"], rate_limit=False))
    yield in_process
    in_process.close()


@pytest.fixture
def ctx(exchange: O2Exchange) -> msg.O2Context:
    return msg.O2Context.from_markets_json(exchange.markets_info())


@pytest.fixture
def eth(exchange: O2Exchange) -> sig.MarketRef:
    """fETH/fUSDC: tick 10^3, base decimals 9, min order 1 USDC, no fees."""
    return exchange.markets[0].ref


@pytest.fixture
def btc(exchange: O2Exchange) -> sig.MarketRef:
    """fBTC/fUSDC: tick 10^6, base decimals 8, min order 5 USDC, maker 100 / taker 500 ppm."""
    return exchange.markets[1].ref


@pytest.fixture
def make_trader(client: InProcessClient, ctx: msg.O2Context) -> Callable[..., Trader]:
    """``make_trader("alice")``: account created, funded (10^6 of each asset), session open."""

    def make(label: str, *, evm: bool = False, fund: bool = True, session: bool = True) -> Trader:
        trader = Trader(client, ctx, Key.derive("o2-tests", label), evm=evm)
        trader.create_account()
        if fund:
            assert trader.mint().status_code == 200
        if session:
            assert "tx_id" in trader.open_session().json()
        return trader

    return make


@pytest.fixture
def alice(make_trader: Callable[..., Trader]) -> Trader:
    return make_trader("alice")


@pytest.fixture
def bob(make_trader: Callable[..., Trader]) -> Trader:
    return make_trader("bob")
