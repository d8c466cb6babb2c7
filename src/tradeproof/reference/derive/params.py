"""Params of every method: checked against the shipped JSON Schema, then typed.

Two layers, both answering -32602 (Invalid params):

1. the method's schema in ``schemas/derive/<method>_params.json`` (closed objects,
   required fields, enums, decimal-string pattern). For speed it is compiled once with
   its ``$ref`` s inlined (jsonschema-rs when present, a schemathesis dependency; else
   jsonschema); messages for a refusal come from :func:`tradeproof.schemas.errors`;
2. typed accessors (:class:`Params`) that also enforce what the schema leaves open:
   integers within int64 and non-negative, well-formed addresses, bounded strings,
   decimals without exponent and of sane magnitude, at most 64 legs.

Rules that have their own error code (tick, step, expiry, nonce, signature ...) are
not checked here; the engine does that.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any

from eth_utils import to_checksum_address
from jsonschema import Draft202012Validator

from ...codes import DeriveCode as C
from .errors import RpcError
from .numbers import parse_decimal
from .rfq import QuoteLeg, RfqLeg

INT64_MAX = 2**63 - 1
MAX_TEXT = 1024
MAX_LEGS = 64
MAX_DECIMAL_EXPONENT = 30
_HEX = frozenset("0123456789abcdefABCDEF")
_MISSING: Any = object()

_PAGING = {"page", "page_size", "from_timestamp", "to_timestamp", "status"}
_SIGNED = {"max_fee", "nonce", "signer", "signature", "signature_expiry_sec", "direction", "legs"}

FIELDS: dict[str, tuple[set[str], set[str]]] = {
    "public/get_time": (set(), set()),
    "public/get_instruments": ({"currency", "instrument_type", "expired"}, set()),
    "public/get_instrument": ({"instrument_name"}, set()),
    "private/get_subaccount": ({"subaccount_id"}, set()),
    "private/get_subaccounts": ({"wallet"}, set()),
    "private/send_rfq": (
        {"subaccount_id", "legs"},
        {"counterparties", "label", "max_total_cost", "min_total_cost", "partial_fill_step"},
    ),
    "private/poll_rfqs": ({"subaccount_id"}, {"rfq_id", "rfq_subaccount_id"} | _PAGING),
    "private/cancel_rfq": ({"subaccount_id", "rfq_id"}, set()),
    "private/send_quote": ({"subaccount_id", "rfq_id"} | _SIGNED, {"label", "mmp"}),
    "private/poll_quotes": ({"subaccount_id"}, {"quote_id", "rfq_id"} | _PAGING),
    "private/get_quotes": ({"subaccount_id"}, {"quote_id", "rfq_id"} | _PAGING),
    "private/cancel_quote": ({"subaccount_id", "quote_id"}, set()),
    "private/execute_quote": ({"subaccount_id", "rfq_id", "quote_id"} | _SIGNED, {"label"}),
    "private/register_scoped_session_key": (
        {"wallet", "public_session_key", "expiry_sec"},
        {"scope", "label", "ip_whitelist", "signed_raw_tx"},
    ),
}


def invalid(detail: str) -> RpcError:
    return RpcError(C.INVALID_PARAMS, detail)


def _schemas() -> Any:
    try:
        from tradeproof import schemas
    except ImportError:  # pragma: no cover - the schema module ships with the package
        return None
    return schemas


@cache
def _schema_name(method: str) -> str | None:
    """``derive/<name>_params`` if the shipped schemas have it (None otherwise)."""
    schemas = _schemas()
    name = f"derive/{method.partition('/')[2]}_params"
    try:
        return name if schemas is not None and name in schemas.names() else None
    except (OSError, ValueError):  # pragma: no cover - a broken installation
        return None


def inline_refs(name: str) -> dict[str, Any]:
    """Schema ``name`` with every ``$ref`` (to another file or to its own ``$defs``) inlined."""
    return _inline(_schemas().schema(name), name, _schemas().schema(name), 0)


def _inline(node: Any, name: str, document: dict[str, Any], depth: int) -> Any:
    if depth > 32:
        raise ValueError(f"$ref nesting too deep in {name}")
    if isinstance(node, list):
        return [_inline(item, name, document, depth) for item in node]
    if not isinstance(node, dict):
        return node
    out = {
        k: _inline(v, name, document, depth)
        for k, v in node.items()
        if k not in ("$ref", "$schema", "$id", "$defs")
    }
    ref = node.get("$ref")
    if isinstance(ref, str):
        path, _, pointer = ref.partition("#")
        target_name = (
            posixpath.normpath(posixpath.join(posixpath.dirname(name), path)).removesuffix(".json")
            if path
            else name
        )
        target_doc = _schemas().schema(target_name) if path else document
        target: Any = target_doc
        for part in filter(None, pointer.split("/")):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        resolved = _inline(target, target_name, target_doc, depth + 1)
        out = {**out, "allOf": [*out.get("allOf", []), resolved]} if out else resolved
    return out


@cache
def _fast_validator(name: str) -> Callable[[Any], bool]:
    schema = inline_refs(name)
    try:
        import jsonschema_rs

        return jsonschema_rs.Draft202012Validator(schema).is_valid  # type: ignore[no-any-return]
    except ImportError:  # pragma: no cover - schemathesis brings jsonschema-rs
        return Draft202012Validator(schema).is_valid  # type: ignore[no-any-return]


def check_schema(method: str, params: Any) -> None:
    """Raise -32602 listing every way ``params`` breaks the method's schema and field set."""
    if not isinstance(params, dict):
        raise invalid("params must be a JSON object")
    name = _schema_name(method)
    if name is not None and not _fast_validator(name)(params):
        raise invalid(
            "; ".join(_schemas().errors(name, params)) or "params do not match the schema"
        )
    required, optional = FIELDS[method]
    missing = sorted(required - params.keys())
    extra = sorted(params.keys() - required - optional)
    if missing or extra:
        parts = [f"missing: {', '.join(missing)}"] if missing else []
        parts += [f"unexpected: {', '.join(map(str, extra))}"] if extra else []
        raise invalid("; ".join(parts))


def checksummed(text: Any) -> str | None:
    """``0x`` + 40 hex digits (any case) as an EIP-55 address; None for anything else."""
    if not isinstance(text, str) or len(text) != 42 or text[:2] not in ("0x", "0X"):
        return None
    return _checksummed(text[2:].lower())


@lru_cache(maxsize=4096)
def _checksummed(digits: str) -> str | None:
    return to_checksum_address("0x" + digits) if set(digits) <= _HEX else None


class Params:
    """Typed, validated access to one request's params (all failures are -32602)."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw

    def _get(self, name: str, default: Any) -> Any:
        value = self.raw.get(name, _MISSING)
        if value is _MISSING or (value is None and default is not _MISSING):
            if default is _MISSING:
                raise invalid(f"{name} is required")
            return default
        return value

    def uint(self, name: str, default: Any = _MISSING) -> Any:
        value = self._get(name, default)
        if value is default and default is not _MISSING:
            return value
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid(f"{name} must be an integer")
        if not 0 <= value <= INT64_MAX:
            raise invalid(f"{name} must be between 0 and 2^63-1")
        return value

    def text(self, name: str, default: Any = _MISSING) -> Any:
        value = self._get(name, default)
        if value is default and default is not _MISSING:
            return value
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            raise invalid(f"{name} must be a string of at most {MAX_TEXT} characters")
        return value

    def boolean(self, name: str, default: Any = _MISSING) -> Any:
        value = self._get(name, default)
        if not isinstance(value, bool):
            raise invalid(f"{name} must be a boolean")
        return value

    def choice(self, name: str, choices: tuple[str, ...], default: Any = _MISSING) -> Any:
        value = self._get(name, default)
        if value is default and default is not _MISSING:
            return value
        if value not in choices:
            raise invalid(f"{name} must be one of {', '.join(choices)}")
        return value

    def direction(self, name: str = "direction") -> str:
        return str(self.choice(name, ("buy", "sell")))

    def decimal(self, name: str, default: Any = _MISSING) -> Any:
        value = self._get(name, default)
        if value is default and default is not _MISSING:
            return value
        return _decimal(value, name)

    def address(self, name: str) -> str:
        value = checksummed(self._get(name, _MISSING))
        if value is None:
            raise invalid(f"{name} must be a 0x-prefixed 20-byte hex address")
        return value

    def addresses(self, name: str) -> list[str] | None:
        value = self._get(name, None)
        if value is None:
            return None
        if not isinstance(value, list) or len(value) > MAX_LEGS:
            raise invalid(f"{name} must be a list of addresses")
        out = [checksummed(item) for item in value]
        if any(item is None for item in out):
            raise invalid(f"{name} must contain only 0x-prefixed 20-byte hex addresses")
        return [str(item) for item in out]

    def strings(self, name: str) -> list[str]:
        value = self._get(name, [])
        if not isinstance(value, list) or not all(
            isinstance(v, str) and len(v) <= MAX_TEXT for v in value
        ):
            raise invalid(f"{name} must be a list of strings")
        return list(value)

    def quote_legs(self) -> tuple[QuoteLeg, ...]:
        return tuple(
            QuoteLeg(name, direction, _decimal(leg.get("price"), f"legs[{i}].price"), amount)
            for i, (leg, name, direction, amount) in enumerate(self._legs({"price"}))
        )

    def rfq_legs(self) -> tuple[RfqLeg, ...]:
        return tuple(
            RfqLeg(name, direction, amount) for _, name, direction, amount in self._legs(set())
        )

    def _legs(self, extra: set[str]) -> list[tuple[Mapping[str, Any], str, str, Decimal]]:
        value = self._get("legs", _MISSING)
        if not isinstance(value, list) or not 1 <= len(value) <= MAX_LEGS:
            raise invalid(f"legs must be a list of 1 to {MAX_LEGS} objects")
        fields = {"instrument_name", "direction", "amount"} | extra
        out = []
        for i, leg in enumerate(value):
            if not isinstance(leg, dict) or leg.keys() != fields:
                raise invalid(
                    f"legs[{i}] must be an object with exactly {', '.join(sorted(fields))}"
                )
            name, direction = leg["instrument_name"], leg["direction"]
            if not isinstance(name, str) or len(name) > MAX_TEXT:
                raise invalid(f"legs[{i}].instrument_name must be a string")
            if direction not in ("buy", "sell"):
                raise invalid(f"legs[{i}].direction must be buy or sell")
            out.append((leg, name, direction, _decimal(leg["amount"], f"legs[{i}].amount")))
        return out


def _decimal(value: Any, name: str) -> Decimal:
    parsed = parse_decimal(value) if isinstance(value, str) else None
    if parsed is None:
        raise invalid(f'{name} must be a decimal string like "12.5"')
    if not parsed.is_zero() and abs(parsed.adjusted()) > MAX_DECIMAL_EXPONENT:
        raise invalid(f"{name} is out of range")
    return parsed
