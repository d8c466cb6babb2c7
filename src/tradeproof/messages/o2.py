"""O2 request bodies: actions, market groups, signed session updates and batches."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..signing import o2 as sig
from ..signing.keys import Key

OrderType = str | dict[str, Any]


@dataclass(frozen=True)
class O2Context:
    """What signing needs to know about a target's markets (from ``GET /v1/markets``)."""

    chain_id: int
    accounts_registry_id: bytes
    markets: Mapping[bytes, sig.MarketRef]

    @classmethod
    def from_markets_json(cls, payload: Mapping[str, Any]) -> O2Context:
        chain = payload["chain_id"]
        chain_id = int(chain, 16) if isinstance(chain, str) and chain.lower().startswith("0x") else int(chain)
        refs = (sig.MarketRef.from_json(m) for m in payload["markets"])
        return cls(
            chain_id=chain_id,
            accounts_registry_id=sig.parse_b256(payload["accounts_registry_id"]),
            markets={ref.market_id: ref for ref in refs},
        )


# --------------------------------------------------------------------------- actions


def _u(value: int | str) -> str:
    return str(value)


def create_order(side: str, price: int | str, quantity: int | str, order_type: OrderType = "Spot") -> dict[str, Any]:
    """``{"CreateOrder": {...}}``."""
    return {"CreateOrder": {"side": side, "price": _u(price), "quantity": _u(quantity), "order_type": order_type}}


def limit(price: int | str, timestamp: int | str) -> dict[str, Any]:
    """The ``{"Limit": [price, timestamp]}`` order type."""
    return {"Limit": [_u(price), _u(timestamp)]}


def bounded_market(max_price: int | str, min_price: int | str) -> dict[str, Any]:
    """The ``{"BoundedMarket": {...}}`` order type."""
    return {"BoundedMarket": {"max_price": _u(max_price), "min_price": _u(min_price)}}


def cancel_order(order_id: bytes | str) -> dict[str, Any]:
    return {"CancelOrder": {"order_id": _hex(order_id)}}


def address(value: bytes | str) -> dict[str, str]:
    """Identity::Address."""
    return {"Address": _hex(value)}


def contract(value: bytes | str) -> dict[str, str]:
    """Identity::ContractId."""
    return {"ContractId": _hex(value)}


def settle_balance(to: Mapping[str, str]) -> dict[str, Any]:
    return {"SettleBalance": {"to": dict(to)}}


def register_referer(referer: Mapping[str, str], field: str = "referer") -> dict[str, Any]:
    """``referer`` is the seed's field; ``to`` is what the SDKs send."""
    return {"RegisterReferer": {field: dict(referer)}}


def group(market_id: bytes | str, *actions: Mapping[str, Any]) -> dict[str, Any]:
    """One market group of a batch."""
    return {"market_id": _hex(market_id), "actions": [dict(a) for a in actions]}


def _hex(value: bytes | str) -> str:
    return sig.hex0x(value) if isinstance(value, bytes) else value


# --------------------------------------------------------------------------- requests


def owner_header(owner_b256: bytes) -> dict[str, str]:
    """The ``O2-Owner-Id`` header every session request carries."""
    return {"O2-Owner-Id": sig.hex0x(owner_b256)}


def session_body(
    ctx: O2Context,
    owner: Key,
    *,
    trade_account_id: bytes,
    session_key: Key,
    nonce: int,
    expiry: int,
    contract_ids: Sequence[bytes],
    evm_owner: bool = False,
) -> dict[str, Any]:
    """A ``PUT /v1/session`` body signed by the owner."""
    message = sig.session_signing_bytes(nonce, ctx.chain_id, session_key.fuel_address, expiry, contract_ids)
    signature = sig.sign_session(owner, message, evm=evm_owner)
    return {
        "contract_id": sig.hex0x(trade_account_id),
        "session_id": address(session_key.fuel_address),
        "signature": sig.signature_json(signature),
        "contract_ids": [sig.hex0x(c) for c in contract_ids],
        "nonce": str(nonce),
        "expiry": str(expiry),
    }


def actions_digest(ctx: O2Context, nonce: int, groups: Sequence[Mapping[str, Any]]) -> bytes:
    """The digest a session key signs for these groups under this nonce."""
    return sig.actions_digest(nonce, sig.batch_calls(groups, ctx.markets, ctx.accounts_registry_id))


def actions_body(
    ctx: O2Context,
    session_key: Key,
    *,
    trade_account_id: bytes,
    nonce: int,
    groups: Sequence[Mapping[str, Any]],
    collect_orders: bool = True,
    signature: bytes | None = None,
) -> dict[str, Any]:
    """A ``POST /v1/session/actions`` body signed by the session key.

    ``signature`` replaces the real one (for signature rules); the body is otherwise
    exactly what a correct client sends.
    """
    if signature is None:
        signature = sig.compact_sign(session_key, actions_digest(ctx, nonce, groups))
    return {
        "actions": [dict(g) for g in groups],
        "signature": sig.signature_json(signature),
        "nonce": str(nonce),
        "trade_account_id": sig.hex0x(trade_account_id),
        "session_id": address(session_key.fuel_address),
        "collect_orders": collect_orders,
    }
