"""Typed views of the O2 request bodies, parsed strictly.

``PUT /v1/session``, ``POST /v1/accounts`` and the mint body are checked against their
shipped JSON Schemas (``tradeproof.schemas``) and then read. The session-actions body is
the hot path, and a jsonschema pass costs ~0.8 ms, more than the rest of the request; so
it is parsed by :func:`parse_actions`, which accepts exactly what
``schemas/o2/session_actions_request.json`` accepts (a test pins the agreement) and asks
the schema for the message only when it refuses a body.

Each action also yields the contract call it becomes (``signing.o2.action_call``), so
signature, contract scope and execution all read one parse.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ... import schemas
from ...codes import O2Code
from ...errors import EncodingError
from ...signing.o2 import U64_MAX, Call, action_call, parse_u64
from .errors import Rejection
from .markets import Market

Identity = tuple[str, bytes]  # ("Address" | "ContractId", 32 bytes)

_HEX = frozenset("0123456789abcdefABCDEF")
_SIMPLE_TYPES = frozenset({"Spot", "Market", "FillOrKill", "PostOnly"})
_ACTION_KEYS = frozenset({"CreateOrder", "CancelOrder", "SettleBalance", "RegisterReferer"})
_TOP_REQUIRED = frozenset({"actions", "signature", "nonce", "trade_account_id", "session_id"})
_TOP_OPTIONAL = frozenset({"collect_orders", "variable_outputs", "min_gas_limit"})
MAX_GROUPS = schemas.MAX_MARKETS_PER_BATCH
MAX_ACTIONS = schemas.MAX_ACTIONS_PER_BATCH


class Invalid(Exception):
    """A body the schema refuses (becomes 1001 with the schema's own message)."""


@dataclass(frozen=True, slots=True)
class CreateOrder:
    side: str
    price: int
    quantity: int
    kind: str  # order-type variant name
    order_type: Any  # wire form
    limit_price: int | None = None
    bounds: tuple[int, int] | None = None  # BoundedMarket (min_price, max_price)


@dataclass(frozen=True, slots=True)
class CancelOrder:
    order_id: bytes


@dataclass(frozen=True, slots=True)
class SettleBalance:
    to: Identity


@dataclass(frozen=True, slots=True)
class RegisterReferer:
    referer: Identity


Action = CreateOrder | CancelOrder | SettleBalance | RegisterReferer


@dataclass(frozen=True, slots=True)
class Step:
    """One action of a batch, its market, and the contract call it was signed as."""

    market: Market
    action: Action
    call: Call


@dataclass(frozen=True, slots=True)
class ActionsRequest:
    steps: tuple[Step, ...]
    signature: bytes
    nonce: int
    trade_account_id: bytes
    session: Identity
    collect_orders: bool


@dataclass(frozen=True, slots=True)
class SessionRequest:
    trade_account_id: bytes
    session: Identity
    signature: bytes
    contract_ids: tuple[bytes, ...]
    nonce: int
    expiry: int


# --------------------------------------------------------------------------- batch shape


def batch_shape_rejection(body: Any) -> Rejection | None:
    """7003 for no actions, 7004 for more than 5 groups or 5 actions; None otherwise.

    Only counts what can be counted; a body too broken to count is the schema's to refuse.
    """
    if not isinstance(body, Mapping) or not isinstance(body.get("actions"), list):
        return None
    groups = body["actions"]
    if len(groups) > MAX_GROUPS:
        return Rejection(
            O2Code.TOO_MANY_ACTIONS,
            f"{len(groups)} market groups; at most {MAX_GROUPS} are allowed",
        )
    sizes = [
        len(g["actions"])
        for g in groups
        if isinstance(g, Mapping) and isinstance(g.get("actions"), list)
    ]
    if len(sizes) == len(groups) and sum(sizes) == 0:
        return Rejection(O2Code.NO_ACTIONS_PROVIDED, "No actions provided")
    too_many = schemas.batch_total_violation(body)
    return Rejection(O2Code.TOO_MANY_ACTIONS, too_many) if too_many else None


# --------------------------------------------------------------------------- actions


def parse_actions(
    body: Any, markets: Mapping[bytes, Market], accounts_registry_id: bytes
) -> ActionsRequest:
    """The typed request, or Rejection 1001 (schema) / 2000 (unknown market)."""
    try:
        return _parse_actions(body, markets, accounts_registry_id)
    except (Invalid, EncodingError) as error:
        found = schemas.errors("o2/session_actions_request", body)
        raise Rejection(O2Code.INVALID_REQUEST, found[0] if found else str(error)) from None


def _parse_actions(body: Any, markets: Mapping[bytes, Market], registry: bytes) -> ActionsRequest:
    _keys(body, _TOP_REQUIRED, _TOP_OPTIONAL, "body")
    collect = body.get("collect_orders", False)
    if not isinstance(collect, bool):
        raise Invalid("collect_orders must be a boolean")
    if "variable_outputs" in body:
        _non_negative_integer(body["variable_outputs"], "variable_outputs")
    if "min_gas_limit" in body:
        parse_u64(body["min_gas_limit"], "min_gas_limit")
    groups = body["actions"]
    if not isinstance(groups, list) or not 1 <= len(groups) <= MAX_GROUPS:
        raise Invalid(f"actions must be a list of 1 to {MAX_GROUPS} market groups")
    steps: list[Step] = []
    for group in groups:
        _keys(group, {"market_id", "actions"}, (), "market group")
        market_id = _b256(group["market_id"], "market_id")
        actions = group["actions"]
        if not isinstance(actions, list) or not 1 <= len(actions) <= MAX_ACTIONS:
            raise Invalid(f"a market group has 1 to {MAX_ACTIONS} actions")
        parsed = [_action(action) for action in actions]
        market = markets.get(market_id)
        if market is None:
            raise Rejection(O2Code.MARKET_NOT_FOUND, f"Market not found: 0x{market_id.hex()}")
        for action, raw in zip(parsed, actions, strict=True):
            call = action_call(raw, market.ref, registry)
            if call.amount > U64_MAX:  # a Buy's price·quantity/10^base: the signed u64 amount
                raise Invalid(f"the forwarded amount {call.amount} of {raw} does not fit in a u64")
            steps.append(Step(market, action, call))
    return ActionsRequest(
        steps=tuple(steps),
        signature=_signature(body["signature"]),
        nonce=parse_u64(body["nonce"], "nonce"),
        trade_account_id=_b256(body["trade_account_id"], "trade_account_id"),
        session=_identity(body["session_id"], "session_id"),
        collect_orders=collect,
    )


def _action(action: Any) -> Action:
    if not isinstance(action, Mapping) or len(action) != 1:
        raise Invalid("an action is an object with exactly one key")
    ((kind, payload),) = action.items()
    if kind not in _ACTION_KEYS:
        raise Invalid(f"unknown action {kind!r}")
    if kind == "CreateOrder":
        _keys(payload, {"side", "price", "quantity", "order_type"}, (), kind)
        if payload["side"] not in ("Buy", "Sell"):
            raise Invalid(f"side must be Buy or Sell, got {payload['side']!r}")
        return _create_order(payload)
    if kind == "CancelOrder":
        _keys(payload, {"order_id"}, (), kind)
        return CancelOrder(_b256(payload["order_id"], "order_id"))
    if kind == "SettleBalance":
        _keys(payload, {"to"}, (), kind)
        return SettleBalance(_identity(payload["to"], "to"))
    if (
        not isinstance(payload, Mapping)
        or len(payload) != 1
        or not ({"referer", "to"} >= payload.keys())
    ):
        raise Invalid("RegisterReferer takes exactly one of referer or to")
    ((field, identity),) = payload.items()
    return RegisterReferer(_identity(identity, field))


def _create_order(payload: Mapping[str, Any]) -> CreateOrder:
    side, order_type = payload["side"], payload["order_type"]
    price, quantity = (
        parse_u64(payload["price"], "price"),
        parse_u64(payload["quantity"], "quantity"),
    )
    if isinstance(order_type, str) and order_type in _SIMPLE_TYPES:
        return CreateOrder(side, price, quantity, order_type, order_type)
    if isinstance(order_type, Mapping) and len(order_type) == 1:
        ((kind, args),) = order_type.items()
        if kind == "Limit" and isinstance(args, list) and len(args) == 2:
            limit_price = parse_u64(args[0], "Limit price")
            parse_u64(args[1], "Limit timestamp")
            return CreateOrder(side, price, quantity, kind, order_type, limit_price=limit_price)
        if kind == "BoundedMarket":
            _keys(args, {"max_price", "min_price"}, (), kind)
            bounds = (
                parse_u64(args["min_price"], "min_price"),
                parse_u64(args["max_price"], "max_price"),
            )
            return CreateOrder(side, price, quantity, kind, order_type, bounds=bounds)
    raise Invalid(f"unknown order type {order_type!r}")


# --------------------------------------------------------------------------- session


def parse_session(body: Any) -> SessionRequest:
    """The typed ``PUT /v1/session`` body, or Rejection 1001 with the schema's message."""
    found = schemas.errors("o2/session_request", body)
    if found:
        raise Rejection(O2Code.INVALID_REQUEST, found[0])
    return SessionRequest(
        trade_account_id=_b256(body["contract_id"], "contract_id"),
        session=_identity(body["session_id"], "session_id"),
        signature=_signature(body["signature"]),
        contract_ids=tuple(_b256(c, "contract_ids") for c in body["contract_ids"]),
        nonce=parse_u64(body["nonce"], "nonce"),
        expiry=parse_u64(body["expiry"], "expiry"),
    )


def parse_id(text: Any, where: str) -> bytes:
    """A ``0x``-prefixed 32-byte hex id (query parameters), or Rejection 1001."""
    try:
        return _b256(text, where)
    except Invalid as error:
        raise Rejection(O2Code.INVALID_REQUEST, str(error)) from None


def checked(schema: str, body: Any) -> Mapping[str, Any]:
    """``body`` if it satisfies ``schema``, else Rejection 1001 with the first complaint."""
    found = schemas.errors(schema, body)
    if found:
        raise Rejection(O2Code.INVALID_REQUEST, found[0])
    return body  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- pieces


def _keys(value: Any, required: frozenset[str] | set[str], optional: Any, where: str) -> None:
    if not isinstance(value, Mapping):
        raise Invalid(f"{where} must be an object")
    keys = value.keys()
    if not keys >= required or not keys <= (required | set(optional)):
        raise Invalid(f"{where} must have the fields {sorted(required)}, got {sorted(keys)}")


def _hex_bytes(text: Any, where: str) -> bytes:
    if (
        not isinstance(text, str)
        or text[:2] != "0x"
        or len(text) % 2
        or not _HEX.issuperset(text[2:])
    ):
        raise Invalid(f"{where} must be 0x-prefixed hex, got {text!r}")
    return bytes.fromhex(text[2:])


def _b256(text: Any, where: str) -> bytes:
    raw = _hex_bytes(text, where)
    if len(raw) != 32:
        raise Invalid(f"{where} must be 32 bytes, got {len(raw)}")
    return raw


def _identity(value: Any, where: str) -> Identity:
    if not isinstance(value, Mapping) or len(value) != 1:
        raise Invalid(f"{where} must be {{Address: id}} or {{ContractId: id}}")
    ((variant, text),) = value.items()
    if variant not in ("Address", "ContractId"):
        raise Invalid(f"{where}: unknown identity variant {variant!r}")
    return variant, _b256(text, f"{where}.{variant}")


def _signature(value: Any) -> bytes:
    if not isinstance(value, Mapping) or value.keys() != {"Secp256k1"}:
        raise Invalid("signature must be {Secp256k1: hex}")
    return _hex_bytes(value["Secp256k1"], "signature")


def _non_negative_integer(value: Any, where: str) -> None:
    # JSON Schema's "integer": an int or an integral float, never a boolean
    integral = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if isinstance(value, bool) or not integral or value < 0:
        raise Invalid(f"{where} must be a non-negative integer")
