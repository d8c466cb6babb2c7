"""Which rule a sent request breaks, read from the bytes that were actually sent.

Schemathesis labels its negative cases by the schema keyword it mutated, but the label
can be stale (a hook changed the body, shrinking changed it back — its issue #4332) and
names no rule of ours. So the checks judge the *sent* body themselves:

* :func:`parse_sent` — is it JSON at all (strictly, RFC 8259), not JSON under any
  reading, or ambiguous (``NaN``, UTF-16) — the last is never judged;
* :func:`o2_breaks` — the TARGET.md §1 format rules an O2 session body breaks, each
  occurrence once, plus a count of schema breaks no rule covers (an extra field, a
  number given as a JSON number, a bad ``side``: the contract does not say a target
  must refuse those, so they never decide a verdict).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from .. import schemas
from ..errors import EncodingError
from ..signing.o2 import parse_u64


class Sent(Enum):
    JSON = "json"
    NOT_JSON = "not-json"
    AMBIGUOUS = "ambiguous"
    EMPTY = "empty"


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_sent(raw: bytes | str | None) -> tuple[Sent, Any]:
    """What a request body is: strict JSON (with its value), not JSON, ambiguous or empty."""
    if raw is None:
        return Sent.EMPTY, None
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if not data.strip():
        return Sent.EMPTY, None
    try:
        return Sent.JSON, json.loads(data.decode("utf-8"), parse_constant=_no_constants)
    except (ValueError, UnicodeDecodeError, RecursionError):
        pass
    try:
        json.loads(data)  # NaN, Infinity, UTF-16/32 with or without BOM: some parsers take these
    except (ValueError, UnicodeDecodeError, RecursionError):
        return Sent.NOT_JSON, None
    return Sent.AMBIGUOUS, None


# --------------------------------------------------------------------------- O2 bodies

MISSING = "O2-MISSING-FIELD"
NUMBER = "O2-NUMBER-FORMAT"
ID = "O2-ID-FORMAT"
UNKNOWN_ACTION = "O2-UNKNOWN-ACTION"
UNKNOWN_ORDER_TYPE = "O2-UNKNOWN-ORDER-TYPE"
NONEMPTY = "O2-BATCH-NONEMPTY"
MAX_MARKETS = "O2-BATCH-MAX-MARKETS"
MAX_ACTIONS = "O2-BATCH-MAX-ACTIONS"

_B256 = re.compile(r"0x[0-9a-fA-F]{64}")
_ACTIONS_TOP = ({"actions", "signature", "nonce", "trade_account_id", "session_id"},
                {"collect_orders", "variable_outputs", "min_gas_limit"})
_SESSION_TOP = ({"contract_id", "session_id", "signature", "contract_ids", "nonce", "expiry"}, set())
_ORDER_FIELDS = {"side", "price", "quantity", "order_type"}


@dataclass
class Breaks:
    """Rule breaks found in a body (one entry per occurrence) and uncovered schema breaks."""

    rules: list[str] = field(default_factory=list)
    uncovered: int = 0

    @property
    def distinct(self) -> tuple[str, ...]:
        """The rules broken, each once, in the order first found."""
        return tuple(dict.fromkeys(self.rules))


def _u64(found: Breaks, value: Any) -> None:
    if not isinstance(value, str):
        found.uncovered += 1  # a JSON number is not "a number string" (O2-NUMBER-FORMAT)
        return
    try:
        parse_u64(value)
    except EncodingError:
        found.rules.append(NUMBER)


def _id(found: Breaks, value: Any) -> None:
    if not isinstance(value, str):
        found.uncovered += 1
    elif _B256.fullmatch(value) is None:
        found.rules.append(ID)


def _identity(found: Breaks, value: Any) -> None:
    if isinstance(value, Mapping) and len(value) == 1 and next(iter(value)) in ("Address", "ContractId"):
        _id(found, next(iter(value.values())))
    else:
        found.uncovered += 1


def _fields(found: Breaks, body: Mapping[str, Any], required: set[str], optional: set[str]) -> None:
    found.rules.extend(MISSING for _ in sorted(required - body.keys()))
    if body.keys() - required - optional:
        found.uncovered += 1


def _signature(found: Breaks, body: Mapping[str, Any]) -> None:
    if "signature" in body and not schemas.is_valid("common/signature", body["signature"]):
        found.uncovered += 1  # a malformed signature is refused, but no format rule names it


def _action(found: Breaks, action: Any) -> None:
    if not isinstance(action, Mapping) or len(action) != 1:
        found.uncovered += 1
        return
    (kind, inner), = action.items()
    if kind not in ("CreateOrder", "CancelOrder", "SettleBalance", "RegisterReferer"):
        found.rules.append(UNKNOWN_ACTION)
        return
    if not isinstance(inner, Mapping):
        found.uncovered += 1
        return
    if kind == "CreateOrder":
        _fields(found, inner, _ORDER_FIELDS, set())
        if "side" in inner and inner["side"] not in ("Buy", "Sell"):
            found.uncovered += 1
        for name in ("price", "quantity"):
            if name in inner:
                _u64(found, inner[name])
        if "order_type" in inner and not schemas.is_valid("o2/order_type", inner["order_type"]):
            found.rules.append(UNKNOWN_ORDER_TYPE)
    elif kind == "CancelOrder":
        _fields(found, inner, {"order_id"}, set())
        if "order_id" in inner:
            _id(found, inner["order_id"])
    elif kind == "SettleBalance":
        _fields(found, inner, {"to"}, set())
        if "to" in inner:
            _identity(found, inner["to"])
    else:
        names = [n for n in ("referer", "to") if n in inner]
        if len(names) != 1 or len(inner) != 1:
            found.uncovered += 1
        for name in names:
            _identity(found, inner[name])


def _groups(found: Breaks, groups: Any) -> None:
    if not isinstance(groups, list):
        found.uncovered += 1
        return
    if len(groups) > schemas.MAX_MARKETS_PER_BATCH:
        found.rules.append(MAX_MARKETS)
    sizes = []
    for group in groups:
        if not isinstance(group, Mapping):
            found.uncovered += 1
            continue
        _fields(found, group, {"market_id", "actions"}, set())
        if "market_id" in group:
            _id(found, group["market_id"])
        actions = group.get("actions")
        if isinstance(actions, list):
            sizes.append(len(actions))
            for action in actions:
                _action(found, action)
        elif "actions" in group:
            found.uncovered += 1
    if len(sizes) == len(groups):
        total = sum(sizes)
        if total == 0:
            found.rules.append(NONEMPTY)  # no groups, or only empty ones (7003)
        elif total > schemas.MAX_ACTIONS_PER_BATCH:
            found.rules.append(MAX_ACTIONS)
        elif 0 in sizes:
            found.uncovered += 1  # an empty group beside full ones: no rule says what to answer


def o2_breaks(path: str, body: Any) -> Breaks:
    """The format rules a parsed O2 session body breaks (``path``: which endpoint)."""
    found = Breaks()
    if not isinstance(body, Mapping):
        found.rules.append(MISSING)  # JSON, but not an object: every required field is missing
        return found
    required, optional = _SESSION_TOP if path == "/v1/session" else _ACTIONS_TOP
    _fields(found, body, required, optional)
    _signature(found, body)
    if "session_id" in body:
        _identity(found, body["session_id"])
    if "nonce" in body:
        _u64(found, body["nonce"])
    if path == "/v1/session":
        if "contract_id" in body:
            _id(found, body["contract_id"])
        if "expiry" in body:
            _u64(found, body["expiry"])
        contracts = body.get("contract_ids")
        if isinstance(contracts, list) and contracts:
            for contract in contracts:
                _id(found, contract)
        elif "contract_ids" in body:
            found.uncovered += 1  # empty: a revert ("at least one contract"), not a format rule
        return found
    if "trade_account_id" in body:
        _id(found, body["trade_account_id"])
    if "actions" in body:
        _groups(found, body["actions"])
    if "collect_orders" in body and not isinstance(body["collect_orders"], bool):
        found.uncovered += 1
    check = schemas.validator("o2/session_actions_request")
    for name in ("variable_outputs", "min_gas_limit"):
        if name in body and not check.is_valid({**_SKELETON, name: body[name]}):
            found.uncovered += 1
    return found


_ZERO = "0x" + "00" * 32
_SKELETON = {  # a schema-valid actions body, to judge one optional field at a time
    "actions": [{"market_id": _ZERO, "actions": [{"CancelOrder": {"order_id": _ZERO}}]}],
    "signature": {"Secp256k1": "0x"}, "nonce": "0", "trade_account_id": _ZERO,
    "session_id": {"Address": _ZERO},
}
