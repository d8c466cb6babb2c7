"""Helpers for the Derive reference tests: a settable clock, parties, and the RFQ flow.

Everything goes through HTTP (``httpx.ASGITransport`` into ``create_app``), as the
suite will; the exchange object is used directly only to read state and move time.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx

from tradeproof.messages import derive as msg
from tradeproof.reference.derive import DeriveExchange
from tradeproof.signing.keys import Key

T0 = 1_800_000_000  # 2027-01-15: before the options' June 2027 expiry
CALL, PUT, PERP = "ETH-20270625-3000-C", "ETH-20270625-3000-P", "ETH-PERP"
RFQ_LEGS = [
    {"instrument_name": CALL, "direction": "buy", "amount": "1"},
    {"instrument_name": PERP, "direction": "sell", "amount": "0.5"},
]
PRICES = {
    CALL: "520",
    PUT: "380",
    PERP: "3000",
    "ETH-20270625-6000-C": "95",
    "ETH-20270625-6000-P": "2850",
}


class Clock:
    """A settable clock (seconds) for the exchange."""

    def __init__(self, t: float = T0) -> None:
        self.t = float(t)

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds

    @property
    def ms(self) -> int:
        return int(self.t * 1000)


@dataclass
class Party:
    """A funded wallet and one of its subaccounts."""

    key: Key
    subaccount_id: int

    @property
    def wallet(self) -> str:
        return self.key.evm_address


@dataclass
class Rig:
    """One exchange behind an in-process ASGI client, plus the RFQ flow as helpers."""

    exchange: DeriveExchange
    client: httpx.AsyncClient
    clock: Clock
    instruments: dict[str, msg.InstrumentRef] = field(default_factory=dict)
    _nonces: itertools.count = field(default_factory=lambda: itertools.count(1))
    _labels: itertools.count = field(default_factory=lambda: itertools.count())

    @property
    def domain(self):
        return self.exchange.domain

    # ----------------------------------------------------------------- transport

    async def rpc(
        self, method: str, params: Any, headers: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        response = await self.client.post(f"/{method}", json=params, headers=dict(headers or {}))
        assert response.status_code < 500, response.text
        return response.json()

    async def ok(self, method: str, params: Any, headers: Mapping[str, str] | None = None) -> Any:
        body = await self.rpc(method, params, headers)
        assert "error" not in body, body
        return body["result"]

    async def code(self, method: str, params: Any, headers: Mapping[str, str] | None = None) -> int:
        body = await self.rpc(method, params, headers)
        assert "result" not in body, body
        return body["error"]["code"]

    def headers(self, party: Party, key: Key | None = None) -> dict[str, str]:
        return msg.auth_headers(key or party.key, party.wallet, self.clock.ms)

    def nonce(self, offset_sec: int = 0) -> int:
        return int(f"{self.clock.ms + offset_sec * 1000}{next(self._nonces) % 1000:03d}")

    # ----------------------------------------------------------------- parties

    async def party(self, cash: str = "100000", key: Key | None = None) -> Party:
        key = key or Key.derive("derive-reference-tests", f"party-{next(self._labels)}")
        response = await self.client.post(
            "/_harness/derive/fund", json={"wallet": key.evm_address, "amount": cash}
        )
        assert response.status_code == 200, response.text
        return Party(key, response.json()["subaccount_id"])

    async def register_key(
        self, owner: Party, key: Key, scope: str = "admin", expiry: int | None = None
    ) -> None:
        params = {
            "wallet": owner.wallet,
            "public_session_key": key.evm_address,
            "expiry_sec": int(self.clock.t) + 86400 if expiry is None else expiry,
            "scope": scope,
        }
        await self.ok("private/register_scoped_session_key", params, self.headers(owner))

    # ----------------------------------------------------------------- RFQ flow

    async def load_instruments(self) -> None:
        for kind in ("option", "perp"):
            for item in await self.ok(
                "public/get_instruments",
                {"currency": "ETH", "instrument_type": kind, "expired": False},
            ):
                self.instruments[item["instrument_name"]] = msg.InstrumentRef.from_json(item)

    async def send_rfq(
        self, taker: Party, legs: Sequence[Mapping[str, str]] = RFQ_LEGS
    ) -> dict[str, Any]:
        return await self.ok(
            "private/send_rfq",
            {"subaccount_id": taker.subaccount_id, "legs": list(legs)},
            self.headers(taker),
        )

    def quote_params(
        self,
        maker: Party,
        rfq: Mapping[str, Any],
        *,
        direction: str = "sell",
        max_fee: str = "10",
        prices: Mapping[str, str] = PRICES,
        legs: Sequence[Mapping[str, str]] | None = None,
        nonce: int | None = None,
        expiry: int | None = None,
        key: Key | None = None,
    ) -> dict[str, Any]:
        priced = (
            legs
            if legs is not None
            else [dict(leg, price=prices[leg["instrument_name"]]) for leg in rfq["legs"]]
        )
        return msg.quote_params(
            self.domain,
            key or maker.key,
            owner=maker.wallet,
            subaccount_id=maker.subaccount_id,
            rfq_id=rfq["rfq_id"],
            direction=direction,
            legs=priced,
            max_fee=max_fee,
            nonce=self.nonce() if nonce is None else nonce,
            expiry=int(self.clock.t) + 600 if expiry is None else expiry,
            instruments=self.instruments,
        )

    async def send_quote(
        self, maker: Party, rfq: Mapping[str, Any], **kwargs: Any
    ) -> dict[str, Any]:
        return await self.ok(
            "private/send_quote", self.quote_params(maker, rfq, **kwargs), self.headers(maker)
        )

    def execute_params(
        self,
        taker: Party,
        quote: Mapping[str, Any],
        *,
        direction: str | None = None,
        max_fee: str = "10",
        legs: Sequence[Mapping[str, str]] | None = None,
        nonce: int | None = None,
        expiry: int | None = None,
        key: Key | None = None,
        subaccount_id: int | None = None,
    ) -> dict[str, Any]:
        return msg.execute_params(
            self.domain,
            key or taker.key,
            owner=taker.wallet,
            subaccount_id=taker.subaccount_id if subaccount_id is None else subaccount_id,
            rfq_id=quote["rfq_id"],
            quote_id=quote["quote_id"],
            direction=direction or ("buy" if quote["direction"] == "sell" else "sell"),
            legs=quote["legs"] if legs is None else legs,
            max_fee=max_fee,
            nonce=self.nonce() if nonce is None else nonce,
            expiry=int(self.clock.t) + 600 if expiry is None else expiry,
            instruments=self.instruments,
        )

    async def execute(
        self, taker: Party, params: Mapping[str, Any], headers: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        return await self.rpc("private/execute_quote", params, headers or self.headers(taker))

    # ----------------------------------------------------------------- state

    def state(self, *parties: Party) -> list[dict[str, Any]]:
        """Cash and positions of the parties and of the fee account (id 0)."""
        ids = [p.subaccount_id for p in parties] + [0]
        return [_balances(self.exchange.subaccount_view(i)) for i in ids]

    def cash(self, party: Party) -> Decimal:
        return Decimal(
            self.exchange.subaccount_view(party.subaccount_id)["collaterals"][0]["amount"]
        )

    def positions(self, party: Party) -> dict[str, Decimal]:
        view = self.exchange.subaccount_view(party.subaccount_id)
        return {p["instrument_name"]: Decimal(p["amount"]) for p in view["positions"]}

    async def quote_status(self, maker: Party, quote_id: str) -> str:
        result = await self.ok(
            "private/get_quotes",
            {"subaccount_id": maker.subaccount_id, "quote_id": quote_id},
            self.headers(maker),
        )
        return result["quotes"][0]["status"]

    async def rfq_status(self, maker: Party, rfq_id: str) -> str:
        result = await self.ok(
            "private/poll_rfqs",
            {"subaccount_id": maker.subaccount_id, "rfq_id": rfq_id},
            self.headers(maker),
        )
        return result["rfqs"][0]["status"]


def _balances(view: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "cash": Decimal(view["collaterals"][0]["amount"]),
        "positions": {p["instrument_name"]: Decimal(p["amount"]) for p in view["positions"]},
    }


@dataclass
class Deal:
    """A maker's open sell quote on a taker's 2-leg RFQ, and the taker's signed execute."""

    maker: Party
    taker: Party
    rfq: dict[str, Any]
    quote: dict[str, Any]
    execute: dict[str, Any]
