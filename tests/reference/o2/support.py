"""Helpers for the O2 reference tests: an in-process client, a movable clock, and
``Trader`` — an owner with a trade account, funds and a session, who signs batches
with ``tradeproof.messages.o2`` exactly as a correct client does."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from tradeproof.messages import o2 as msg
from tradeproof.signing import o2 as sig
from tradeproof.signing.keys import Key

START = 1_800_000_000.0  # unix seconds the fake clock starts at
DAY = 86_400


class InProcessClient:
    """A synchronous httpx client calling the ASGI app in-process (no sockets)."""

    def __init__(self, app: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://o2.test"
        )

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self._loop.run_until_complete(self._client.request(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", url, **kwargs)

    def close(self) -> None:
        self._loop.run_until_complete(self._client.aclose())
        self._loop.close()


class FakeClock:
    """A clock the test moves by hand (``clock.now += 60``)."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@dataclass
class Trader:
    """One owner: trade account, session key, and helpers that sign what they send."""

    client: InProcessClient
    ctx: msg.O2Context
    owner: Key
    evm: bool = False
    session_key: Key | None = None
    trade_account_id: bytes = b""
    expiry: int = int(START) + 30 * DAY
    sent: list[Any] = field(default_factory=list)

    @property
    def owner_b256(self) -> bytes:
        return sig.owner_b256(self.owner, self.evm)

    @property
    def headers(self) -> dict[str, str]:
        return msg.owner_header(self.owner_b256)

    @property
    def identity(self) -> dict[str, str]:
        return msg.contract(self.trade_account_id)

    # ----------------------------------------------------------------- setup

    def create_account(self) -> None:
        body = {"identity": msg.address(self.owner_b256)}
        answer = self.client.post("/v1/accounts", json=body).json()
        self.trade_account_id = sig.parse_b256(answer["trade_account_id"])

    def mint(self, asset: bytes | None = None, amount: int | None = None) -> httpx.Response:
        body: dict[str, Any] = {"contract": sig.hex0x(self.trade_account_id)}
        if asset is not None:
            body |= {"asset": sig.hex0x(asset), "amount": str(amount)}
        return self.client.post("/_harness/o2/mint", json=body)

    def session_body(
        self,
        session_key: Key,
        *,
        nonce: int | None = None,
        expiry: int | None = None,
        contract_ids: Sequence[bytes] | None = None,
    ) -> dict[str, Any]:
        return msg.session_body(
            self.ctx,
            self.owner,
            trade_account_id=self.trade_account_id,
            session_key=session_key,
            nonce=self.nonce() if nonce is None else nonce,
            expiry=self.expiry if expiry is None else expiry,
            contract_ids=list(contract_ids)
            if contract_ids is not None
            else all_contracts(self.ctx),
            evm_owner=self.evm,
        )

    def open_session(self, session_key: Key | None = None, **kwargs: Any) -> httpx.Response:
        """PUT /v1/session; on success the new key becomes this trader's session key."""
        key = session_key or Key.derive("o2-tests", f"session/{self.owner.label}/{len(self.sent)}")
        self.sent.append(key)
        response = self.client.put(
            "/v1/session", json=self.session_body(key, **kwargs), headers=self.headers
        )
        if "tx_id" in response.json():
            self.session_key = key
        return response

    # ----------------------------------------------------------------- requests

    def nonce(self) -> int:
        return int(self.account()["trade_account"]["nonce"])

    def account(self) -> dict[str, Any]:
        params = {"trade_account_id": sig.hex0x(self.trade_account_id)}
        answer: dict[str, Any] = self.client.get("/v1/accounts", params=params).json()
        return answer

    def body(
        self,
        *groups: Mapping[str, Any],
        nonce: int | None = None,
        key: Key | None = None,
        signature: bytes | None = None,
        collect: bool = True,
    ) -> dict[str, Any]:
        """A signed session-actions body (current nonce unless given)."""
        assert self.session_key is not None
        return msg.actions_body(
            self.ctx,
            key or self.session_key,
            trade_account_id=self.trade_account_id,
            nonce=self.nonce() if nonce is None else nonce,
            groups=list(groups),
            collect_orders=collect,
            signature=signature,
        )

    def send(self, body: Any) -> httpx.Response:
        """POST a body (a dict as JSON, bytes as they are)."""
        if isinstance(body, bytes | str):
            return self.client.post("/v1/session/actions", content=body, headers=self.headers)
        return self.client.post("/v1/session/actions", json=body, headers=self.headers)

    def act(self, *groups: Mapping[str, Any], **kwargs: Any) -> httpx.Response:
        """Sign and send a batch; returns the response."""
        return self.send(self.body(*groups, **kwargs))

    def ok(self, *groups: Mapping[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Sign and send a batch that must be accepted; returns the body."""
        response = self.act(*groups, **kwargs)
        answer = response.json()
        assert response.status_code == 200 and "tx_id" in answer, answer
        return answer  # type: ignore[no-any-return]

    def balance(self, asset: bytes) -> dict[str, Any]:
        params = {"asset_id": sig.hex0x(asset), "contract": sig.hex0x(self.trade_account_id)}
        return self.client.get("/v1/balance", params=params).json()  # type: ignore[no-any-return]

    def trading(self, asset: bytes) -> int:
        return int(self.balance(asset)["trading_account_balance"])

    def orders(self, market: sig.MarketRef, is_open: bool | None = None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {
            "market_id": sig.hex0x(market.market_id),
            "contract": sig.hex0x(self.trade_account_id),
            "direction": "asc",
            "count": 200,
        }
        if is_open is not None:
            params["is_open"] = str(is_open).lower()
        return self.client.get("/v1/orders", params=params).json()["orders"]  # type: ignore[no-any-return]

    def state(self) -> dict[str, Any]:
        """Everything a batch could change for this trader (balances, orders, referer-free)."""
        assets = {r.base_asset for r in self.ctx.markets.values()} | {
            r.quote_asset for r in self.ctx.markets.values()
        }
        return {
            "balances": {a.hex(): self.balance(a) for a in sorted(assets)},
            "orders": {m.hex(): self.orders(r) for m, r in sorted(self.ctx.markets.items())},
        }


def all_contracts(ctx: msg.O2Context) -> list[bytes]:
    return [ref.contract_id for ref in ctx.markets.values()]
