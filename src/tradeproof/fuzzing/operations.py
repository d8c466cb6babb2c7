"""The operations of the shipped OpenAPI documents, and what tradeproof knows about each.

``schemas/openapi/o2.yaml`` and ``derive.yaml`` describe every endpoint of the target
contract; Schemathesis loads them offline (their ``$ref`` s are relative file paths).
For each operation this module adds what the documents cannot say: which protocol and
kind of endpoint it is (how its answers are classified), the error codes documented
for it, the request-body schema by ``tradeproof.schemas`` name, and the rules the
Schemathesis checks can report for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .._resources import shipped_path
from ..codes import DeriveCode as D
from ..codes import O2Code as O

if TYPE_CHECKING:
    import schemathesis


class EndpointKind(StrEnum):
    """How an operation's answers are classified (TARGET.md §1-§3)."""

    SESSION = "session"  # O2 session write: body first, then status (classify_o2)
    READ = "read"  # O2 read or account creation: 2xx accepted, 4xx rejected
    RPC = "rpc"  # Derive JSON-RPC: the body decides, whatever the status
    HARNESS = "harness"  # TARGET.md §3: absent (404) on real deployments


PROTOCOLS = ("o2", "derive")

# --------------------------------------------------------------------------- documented codes
# protocol/o2.md §1.4 gives one code table for the whole API ("HTTP status per code not
# documented"); which codes can come from which endpoint is read from the codes' meaning.
# 1000 (InternalError) is documented only as the on-chain revert form of a session write.

_O2_COMMON = {O.INVALID_REQUEST, O.PARSE_ERROR, O.RATE_LIMIT_EXCEEDED, O.GEO_RESTRICTED}
O2_SESSION_CODES = frozenset(
    _O2_COMMON
    | {O.INTERNAL_ERROR, O.MARKET_NOT_FOUND, O.MARKET_PAUSED, O.ORDER_NOT_FOUND, O.ORDER_NOT_ACTIVE}
    | {O.INVALID_ORDER_PARAMS, O.INVALID_SIGNATURE, O.INVALID_SESSION, O.ACCOUNT_NOT_FOUND}
    | {O.WHITELIST_NOT_CONFIGURED, O.INVALID_AMOUNT, O.NO_ACTIONS_PROVIDED, O.TOO_MANY_ACTIONS}
)
O2_READ_CODES = frozenset(
    _O2_COMMON
    | {O.MARKET_NOT_FOUND, O.ORDER_NOT_FOUND, O.ACCOUNT_NOT_FOUND, O.INVALID_TIME_RANGE, O.INVALID_PAGINATION}
)

# protocol/derive.md §3.2. -32603 (Internal error) is deliberately absent: it is the
# JSON-RPC form of a crash, and a fuzzer reports it as one. -32601 is absent too: these
# methods exist. Codes the table documents that tradeproof.codes has no constant for:
_DERIVE_ONLY_DOCUMENTED = {
    9000,  # Order confirmation timeout
    10004,  # Multiple currencies not supported
    11015,  # MMP frozen
    11027,  # Subaccount undergoing liquidation
    11107,  # Quote maker total cost too high
    14002,  # Subaccount was withdrawn
    14012,  # Address must be checksummed
    14025,  # missing wallet or subaccount_id
    14028,  # Cross currency RFQ not supported
    14029,  # Session key IP not whitelisted
    16000,  # restricted region
    16001,  # account disabled
}
_RPC = {D.PARSE_ERROR, D.INVALID_REQUEST, D.INVALID_PARAMS, D.RATE_LIMIT_EXCEEDED}
DERIVE_PUBLIC_CODES = frozenset(_RPC | {D.INSTRUMENT_NOT_FOUND, D.INSTRUMENT_NOT_LIVE})
_AUTH = {
    D.INVALID_SIGNATURE, D.WALLET_HEADER_MISMATCH, D.AUTH_HEADER_MISSING, D.SESSION_KEY_NOT_FOUND,
    D.SESSION_KEY_EXPIRED, D.UNAUTHORIZED_KEY_SCOPE, D.ACCOUNT_NOT_FOUND, D.SUBACCOUNT_NOT_FOUND,
    D.INVALID_ADDRESS, 14002, 14012, 14025, 14029, 16000, 16001,
}
DERIVE_PRIVATE_CODES = frozenset(
    _RPC | _AUTH | {int(c) for c in D if c > 0} | _DERIVE_ONLY_DOCUMENTED
)


@dataclass(frozen=True)
class Operation:
    """One operation of a shipped OpenAPI document."""

    protocol: str  # "o2" | "derive"
    method: str  # upper case
    path: str
    kind: EndpointKind
    body_schema: str | None  # tradeproof.schemas name of the request body
    codes: frozenset[int] | None  # codes a rejection may carry; None: not judged
    rules: tuple[str, ...] = ()  # rules the checks can report for this operation

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def id(self) -> str:
        """Test id, e.g. ``o2-POST-/v1/session/actions``."""
        return f"{self.protocol}-{self.method}-{self.path}"

    @property
    def signed(self) -> bool:
        """Does the request carry a signature or auth headers (and need real accounts)?"""
        return self.kind is EndpointKind.SESSION or self.path.startswith("/private/")

    @property
    def rpc_method(self) -> str | None:
        """``private/execute_quote`` for ``POST /private/execute_quote`` (JSON-RPC only)."""
        return self.path.lstrip("/") if self.kind is EndpointKind.RPC else None


# What the checks of ``tradeproof.fuzzing.checks`` can report, per operation. O2's body
# format rules come from TARGET.md §1 and apply to both session writes (O2-MISSING-FIELD
# cites o2.md §1.2-1.3, the two bodies); the batch-shape ones only to session actions.
_O2_BODY_RULES = ("O2-PARSE-ERROR", "O2-MISSING-FIELD", "O2-NUMBER-FORMAT", "O2-ID-FORMAT")
_O2_BATCH_RULES = (
    "O2-UNKNOWN-ACTION", "O2-UNKNOWN-ORDER-TYPE", "O2-BATCH-NONEMPTY", "O2-BATCH-MAX-MARKETS",
    "O2-BATCH-MAX-ACTIONS",
)
SESSION_PATHS = {"/v1/session": _O2_BODY_RULES, "/v1/session/actions": _O2_BODY_RULES + _O2_BATCH_RULES}
EXECUTE_RULES = ("DRV-PARSE-ERROR", "DRV-PARAMS-SCHEMA", "DRV-RESULT-SCHEMA")


def _describe(protocol: str, method: str, path: str, body_ref: str | None) -> Operation:
    body = _schema_name(body_ref)
    if path.startswith("/_harness"):
        return Operation(protocol, method, path, EndpointKind.HARNESS, body, None)
    if protocol == "o2":
        if path in SESSION_PATHS:
            rules = SESSION_PATHS[path]
            return Operation(protocol, method, path, EndpointKind.SESSION, body, O2_SESSION_CODES, rules)
        return Operation(protocol, method, path, EndpointKind.READ, body, O2_READ_CODES)
    if path == "/private/execute_quote":
        return Operation(protocol, method, path, EndpointKind.RPC, body, DERIVE_PRIVATE_CODES, EXECUTE_RULES)
    codes = DERIVE_PUBLIC_CODES if path.startswith("/public/") else DERIVE_PRIVATE_CODES
    return Operation(protocol, method, path, EndpointKind.RPC, body, codes, ("DRV-PARSE-ERROR",))


def _schema_name(ref: str | None) -> str | None:
    """``../o2/session_request.json`` → ``o2/session_request``."""
    if ref is None:
        return None
    return ref.removeprefix("../").removesuffix(".json")


def document_path(protocol: str) -> Path:
    """The shipped OpenAPI document of a protocol."""
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; expected one of {PROTOCOLS}")
    return shipped_path("schemas") / "openapi" / f"{protocol}.yaml"


@cache
def operations(protocols: Iterable[str] = PROTOCOLS) -> tuple[Operation, ...]:
    """Every operation of the documents of ``protocols``, in document order."""
    found: list[Operation] = []
    for protocol in protocols:
        raw: dict[str, Any] = yaml.safe_load(document_path(protocol).read_text(encoding="utf-8"))
        for path, methods in raw["paths"].items():
            for method, spec in methods.items():
                content = spec.get("requestBody", {}).get("content", {}).get("application/json", {})
                found.append(_describe(protocol, method.upper(), path, content.get("schema", {}).get("$ref")))
    return tuple(found)


def lookup(method: str, path: str) -> Operation | None:
    """The operation served at ``method path`` (``GET /_harness`` is in both documents,
    identically), or None for an operation of another API."""
    for operation in operations():
        if operation.method == method.upper() and operation.path == path:
            return operation
    return None


@cache
def load_schema(protocol: str) -> schemathesis.BaseSchema:
    """The Schemathesis schema of a protocol, loaded offline from the shipped document."""
    import schemathesis

    return schemathesis.openapi.from_path(str(document_path(protocol)))
