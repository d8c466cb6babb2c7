"""A typed client for any O2 target, through the endpoints of TARGET.md §1 only.

Reads are parsed leniently (the live API returns numbers as strings or numbers and
ids with or without ``0x``); writes return an ``Outcome`` and never raise for what the
target answered. A read that cannot be understood raises ``TargetMisbehaved``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ..errors import TargetMisbehaved
from ..messages.o2 import O2Context, owner_header
from ..signing.o2 import hex0x
from .http import HttpClient
from .outcome import Outcome, classify_o2, classify_plain
from .pacing import Pacer

SESSION = "/v1/session"
ACTIONS = "/v1/session/actions"


def parse_int(value: Any, what: str) -> int:
    """A u64 given as decimal string, 0x-hex string or JSON number."""
    if isinstance(value, bool):
        raise TargetMisbehaved(f"{what} is a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value, 16) if value.lower().startswith("0x") else int(value)
        except ValueError:
            pass
    raise TargetMisbehaved(f"{what} is not a number: {value!r}")


def norm_id(value: Any) -> str:
    """An id as lowercase ``0x`` hex, whatever prefix the target used."""
    if not isinstance(value, str):
        raise TargetMisbehaved(f"id is not a string: {value!r}")
    text = value.lower()
    return text if text.startswith("0x") else "0x" + text


@dataclass(frozen=True)
class AccountState:
    """What ``GET /v1/accounts`` says about one trade account."""

    trade_account_id: str
    nonce: int
    session_id: str | None
    session_expiry: int | None
    contract_ids: tuple[str, ...]


@dataclass(frozen=True)
class BookBalance:
    locked: int
    unlocked: int


@dataclass(frozen=True)
class Balance:
    """One asset of one account: trading balance plus per-book locked/unlocked."""

    trading: int
    books: Mapping[str, BookBalance]

    @property
    def total(self) -> int:
        return self.trading + sum(b.locked + b.unlocked for b in self.books.values())


class O2Target:
    """Calls to one O2 target. Session writes are paced per owner."""

    def __init__(self, http: HttpClient, pacer: Pacer) -> None:
        self.http = http
        self.pacer = pacer

    # ------------------------------------------------------------------ reads

    def _read(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        outcome = self.http.send("GET", path, classify_plain, params=params)
        if not outcome.accepted:
            raise TargetMisbehaved(f"GET {path} failed: {outcome.describe()}", request=outcome.exchange.describe())
        return outcome.body

    @cached_property
    def markets_json(self) -> dict[str, Any]:
        body = self._read("/v1/markets")
        if not isinstance(body, dict) or not isinstance(body.get("markets"), list) or not body["markets"]:
            raise TargetMisbehaved("GET /v1/markets has no markets")
        return body

    @cached_property
    def context(self) -> O2Context:
        try:
            return O2Context.from_markets_json(self.markets_json)
        except (KeyError, TypeError, ValueError) as exc:
            raise TargetMisbehaved(f"GET /v1/markets cannot be understood: {exc}") from None

    def market(self, market_id: str) -> dict[str, Any]:
        for market in self.markets_json["markets"]:
            if norm_id(market["market_id"]) == norm_id(market_id):
                return dict(market)
        raise KeyError(market_id)

    def account(self, trade_account_id: str) -> AccountState:
        body = self._read("/v1/accounts", {"trade_account_id": trade_account_id})
        try:
            account = body["trade_account"]
            session = body.get("session") or None
            return AccountState(
                trade_account_id=norm_id(body.get("trade_account_id") or trade_account_id),
                nonce=parse_int(account["nonce"], "nonce"),
                session_id=norm_id(next(iter(session["session_id"].values()))) if session else None,
                session_expiry=parse_int(session["expiry"], "expiry") if session else None,
                contract_ids=tuple(norm_id(c) for c in session.get("contract_ids", [])) if session else (),
            )
        except (KeyError, TypeError, AttributeError, StopIteration) as exc:
            raise TargetMisbehaved(f"GET /v1/accounts cannot be understood: {exc!r}") from None

    def nonce(self, trade_account_id: str) -> int:
        return self.account(trade_account_id).nonce

    def balance(self, asset_id: str, trade_account_id: str) -> Balance:
        body = self._read("/v1/balance", {"asset_id": asset_id, "contract": trade_account_id})
        try:
            books = {
                norm_id(book): BookBalance(parse_int(v.get("locked", 0), "locked"), parse_int(v.get("unlocked", 0), "unlocked"))
                for book, v in (body.get("order_books") or {}).items()
            }
            return Balance(parse_int(body["trading_account_balance"], "trading_account_balance"), books)
        except (KeyError, TypeError, AttributeError) as exc:
            raise TargetMisbehaved(f"GET /v1/balance cannot be understood: {exc!r}") from None

    def open_orders(self, market_id: str, trade_account_id: str) -> list[dict[str, Any]]:
        body = self._read(
            "/v1/orders",
            {"market_id": market_id, "contract": trade_account_id, "is_open": "true", "direction": "asc", "count": "200"},
        )
        orders = body.get("orders") if isinstance(body, dict) else None
        if not isinstance(orders, list):
            raise TargetMisbehaved("GET /v1/orders has no orders list")
        return orders

    def order(self, market_id: str, order_id: str) -> dict[str, Any]:
        body = self._read("/v1/order", {"market_id": market_id, "order_id": order_id})
        order = body.get("order", body) if isinstance(body, dict) else None
        if not isinstance(order, dict):
            raise TargetMisbehaved("GET /v1/order has no order")
        return order

    def depth(self, market_id: str) -> dict[str, Any]:
        body = self._read("/v1/depth", {"market_id": market_id})
        if not isinstance(body, dict):
            raise TargetMisbehaved("GET /v1/depth is not an object")
        return body

    # ------------------------------------------------------------------ writes

    def create_account(self, owner_b256: bytes) -> str:
        outcome = self.http.send("POST", "/v1/accounts", classify_plain, json_body={"identity": {"Address": hex0x(owner_b256)}})
        body = outcome.body
        if not outcome.accepted or not isinstance(body, dict) or not body.get("trade_account_id"):
            raise TargetMisbehaved(f"POST /v1/accounts failed: {outcome.describe()}", request=outcome.exchange.describe())
        return norm_id(body["trade_account_id"])

    def put_session(self, body: Any, owner_b256: bytes, *, content: bytes | None = None, paced: bool = True) -> Outcome:
        """``PUT /v1/session``; ``paced=False`` only for the rate-limit rule."""
        if paced:
            self.pacer.wait((owner_b256, SESSION))
        return self.http.send("PUT", SESSION, classify_o2, json_body=body, content=content, headers=owner_header(owner_b256))

    def post_actions(self, body: Any, owner_b256: bytes, *, content: bytes | None = None, paced: bool = True) -> Outcome:
        """``POST /v1/session/actions``; ``paced=False`` only for the rate-limit rule."""
        if paced:
            self.pacer.wait((owner_b256, ACTIONS))
        return self.http.send("POST", ACTIONS, classify_o2, json_body=body, content=content, headers=owner_header(owner_b256))

    def mint(self, trade_account_id: str, asset: str | None = None, amount: int | None = None) -> Outcome:
        """Harness extension: credit an account (TARGET.md §3)."""
        body: dict[str, Any] = {"contract": trade_account_id}
        if asset is not None:
            body["asset"] = asset
        if amount is not None:
            body["amount"] = str(amount)
        return self.http.send("POST", "/_harness/o2/mint", classify_plain, json_body=body)
