"""TARGET.md's outcome classification, in one place.

Every response the suite gets is one of: accepted, rejected (with the code the body
carries, if any), rate-limited, or a target fault (5xx, non-JSON, reset, timeout).
Classification reads the body first, then the status, exactly as the contract says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .._json import loads


class Kind(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    RATE_LIMITED = "rate-limited"
    FAULT = "target-fault"


@dataclass(frozen=True)
class Exchange:
    """A request and what came back, as shown in reports (no secrets: bodies hold only
    public data and signatures)."""

    method: str
    url: str
    request_body: Any = None
    request_headers: dict[str, str] = field(default_factory=dict)
    status: int | None = None
    response_body: Any = None
    response_text: str = ""
    elapsed: float = 0.0
    error: str = ""

    def describe(self) -> str:
        """One line naming the request, for messages."""
        status = self.error or f"HTTP {self.status}"
        return f"{self.method} {self.url} -> {status}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "url": self.url,
            "request": self.request_body,
            "headers": self.request_headers,
            "status": self.status,
            "response": self.response_body if self.response_body is not None else self.response_text,
            "elapsed_ms": round(self.elapsed * 1000, 2),
            "error": self.error,
        }


@dataclass(frozen=True)
class Outcome:
    """The class of one response, the error code it carried, and the exchange itself."""

    kind: Kind
    code: int | None = None
    message: str = ""
    exchange: Exchange = field(default_factory=lambda: Exchange("", ""))

    @property
    def accepted(self) -> bool:
        return self.kind is Kind.ACCEPTED

    @property
    def rejected(self) -> bool:
        return self.kind is Kind.REJECTED

    @property
    def body(self) -> Any:
        return self.exchange.response_body

    def describe(self) -> str:
        code = f" code {self.code}" if self.code is not None else ""
        text = f": {self.message}" if self.message else ""
        return f"{self.kind.value}{code}{text}"


def _int_code(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def parse_body(text: str) -> tuple[bool, Any]:
    """``(True, value)`` when the text is JSON, ``(False, None)`` otherwise."""
    try:
        return True, loads(text)
    except (ValueError, RecursionError):
        return False, None


def classify_o2(status: int, body: Any) -> tuple[Kind, int | None, str]:
    """Outcome of an O2 session request (TARGET.md §1)."""
    if status >= 500:
        return Kind.FAULT, None, f"HTTP {status}"
    if isinstance(body, dict):
        code = _int_code(body.get("code"))
        message = str(body.get("message", ""))
        if status == 429 or code == 1003:
            return Kind.RATE_LIMITED, code, message or "rate limited"
        if code is not None:
            return Kind.REJECTED, code, message
        if "message" in body and "reason" in body and "tx_id" not in body:
            return Kind.REJECTED, None, message or str(body.get("reason", ""))
        if 200 <= status < 300 and "tx_id" in body:
            return Kind.ACCEPTED, None, ""
    elif status == 429:
        return Kind.RATE_LIMITED, None, "HTTP 429"
    if 400 <= status < 500:
        return Kind.REJECTED, None, f"HTTP {status}"
    return Kind.FAULT, None, f"HTTP {status} without tx_id or error"


def classify_derive(status: int, body: Any) -> tuple[Kind, int | None, str]:
    """Outcome of a Derive JSON-RPC call (TARGET.md §2): the body decides."""
    if status >= 500:
        return Kind.FAULT, None, f"HTTP {status}"
    if isinstance(body, dict):
        error = body.get("error")
        if error is not None:
            code = _int_code(error.get("code")) if isinstance(error, dict) else None
            message = str(error.get("message", "")) if isinstance(error, dict) else str(error)
            if code == -32000 or status == 429:
                return Kind.RATE_LIMITED, code, message
            return Kind.REJECTED, code, message
        if "result" in body:
            return (Kind.RATE_LIMITED, None, "HTTP 429") if status == 429 else (Kind.ACCEPTED, None, "")
    if status == 429:
        return Kind.RATE_LIMITED, None, "HTTP 429"
    return Kind.FAULT, None, f"HTTP {status} with neither result nor error"


def classify_plain(status: int, body: Any) -> tuple[Kind, int | None, str]:
    """Outcome of a read or harness call: 2xx JSON is accepted, 4xx rejected."""
    if status >= 500:
        return Kind.FAULT, None, f"HTTP {status}"
    if status == 429:
        return Kind.RATE_LIMITED, None, "HTTP 429"
    if 200 <= status < 300:
        return Kind.ACCEPTED, None, ""
    code = _int_code(body.get("code")) if isinstance(body, dict) else None
    message = str(body.get("message", "")) if isinstance(body, dict) else ""
    return Kind.REJECTED, code, message or f"HTTP {status}"
