"""Fixtures for the Derive reference tests (helpers live in ``derive_rig.py``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from derive_rig import Clock, Deal, Rig

from tradeproof.reference import create_app
from tradeproof.reference.derive import DeriveExchange


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def exchange(request: pytest.FixtureRequest, clock: Clock) -> DeriveExchange:
    """A fresh exchange; ``parametrize("exchange", [Subclass], indirect=True)`` swaps the class."""
    cls = getattr(request, "param", DeriveExchange)
    return cls(clock=clock)


@pytest.fixture
async def rig(exchange: DeriveExchange, clock: Clock) -> AsyncIterator[Rig]:
    app = create_app(protocols=["derive"], derive=exchange)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://derive.test"
    ) as client:
        rig = Rig(exchange, client, clock)
        await rig.load_instruments()
        yield rig


@pytest.fixture
async def deal(rig: Rig) -> Deal:
    maker, taker = await rig.party(), await rig.party()
    rfq = await rig.send_rfq(taker)
    quote = await rig.send_quote(maker, rfq)
    return Deal(maker, taker, rfq, quote, rig.execute_params(taker, quote))
