"""The one exception the Derive engine raises for a refused request: a JSON-RPC error.

Messages are Derive's own (``protocol/derive.md`` §3.2), so a client that matches on
them behaves the same here as against the live API; ``data`` carries the detail.
"""

from __future__ import annotations

from typing import Any

from ...codes import DeriveCode as C

MESSAGES: dict[int, str] = {
    C.PARSE_ERROR: "Parse error",
    C.INVALID_REQUEST: "Invalid Request",
    C.METHOD_NOT_FOUND: "Method not found",
    C.INVALID_PARAMS: "Invalid params",
    C.INTERNAL_ERROR: "Internal error",
    C.COUNTERPARTY_INSUFFICIENT_FUNDS: "Counterparty insufficient funds",
    C.COUNTERPARTY_MAX_FEE_TOO_LOW: "Max fee for one or more counterparties is too low",
    C.INSUFFICIENT_FUNDS: "Insufficient funds",
    C.SELF_CROSSING_DISALLOWED: "Self-crossing disallowed",
    C.INVALID_SIGNATURE_EXPIRY: "Invalid signature expiry",
    C.INVALID_AMOUNT: "Invalid amount",
    C.INVALID_LIMIT_PRICE: "Invalid limit price",
    C.NON_UNIQUE_NONCE: "Non unique nonce",
    C.INVALID_NONCE_DATE: "Invalid nonce date",
    C.INSTRUMENT_NOT_LIVE: "Instrument is not live",
    C.MAX_FEE_TOO_LOW: "Max fee order param is too low",
    C.LEG_INSTRUMENTS_NOT_UNIQUE: "Leg instruments are not unique",
    C.RFQ_NOT_FOUND: "RFQ not found",
    C.QUOTE_NOT_FOUND: "Quote not found",
    C.QUOTE_LEG_MISMATCH: "Quote leg does not match RFQ leg",
    C.QUOTE_OR_RFQ_NOT_OPEN: "Requested quote or RFQ is not open",
    C.QUOTE_OF_OTHER_RFQ: "Requested quote ID references a different RFQ ID",
    C.INVALID_RFQ_COUNTERPARTY: "Invalid RFQ counterparty",
    C.INSTRUMENT_NOT_FOUND: "Instrument not found",
    C.ACCOUNT_NOT_FOUND: "Account not found",
    C.SUBACCOUNT_NOT_FOUND: "Subaccount not found",
    C.INVALID_ADDRESS: "String is not a valid ethereum address",
    C.INVALID_SIGNATURE: "Signature invalid for message or transaction",
    C.WALLET_HEADER_MISMATCH: "Header wallet does not match requested wallet or subaccount",
    C.AUTH_HEADER_MISSING: "Authentication header missing",
    C.SIGNER_NOT_OWNER_OR_SESSION_KEY: (
        "Signer in on-chain related request is not wallet owner or registered session key"
    ),
    C.SESSION_KEY_NOT_FOUND: "Session key not found",
    C.UNAUTHORIZED_RFQ_MAKER: "Unauthorized as RFQ maker",
    C.SESSION_KEY_EXPIRED: "Session key expired",
    C.UNAUTHORIZED_KEY_SCOPE: "Unauthorized key scope",
}


class RpcError(Exception):
    """A refused request: ``{"code", "message", "data"}`` in the response's ``error``."""

    def __init__(self, code: int, data: Any = None, message: str | None = None) -> None:
        self.code = int(code)
        self.message = message or MESSAGES.get(self.code, "Error")
        self.data = data
        super().__init__(f"{self.code} {self.message}: {data}")

    def to_json(self) -> dict[str, Any]:
        """The JSON-RPC error object (``data`` is a string, an object or null)."""
        return {"code": self.code, "message": self.message, "data": self.data}
