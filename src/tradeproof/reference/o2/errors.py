"""The two ways an O2 request fails, as exceptions the routes turn into bodies.

O2 has two error shapes (``protocol/o2.md`` §1.4), and they mean different things to a
client, so they are two classes:

* :class:`Rejection` — the API refused the request before any transaction existed:
  ``{"code": n, "message": ...}``. Nothing changed, the nonce is not consumed.
* :class:`Revert` — the transaction ran and reverted: ``{"message", "reason",
  "receipts": null}`` with no ``code`` and no ``tx_id``. Nothing of the batch happened,
  but the nonce *is* consumed (what the SDK documentation says the chain does).
"""

from __future__ import annotations

from typing import Any

from ...codes import O2Code

# HTTP status per pre-flight code; every code not listed answers 400.
_STATUS = {
    O2Code.RATE_LIMIT_EXCEEDED: 429,
    O2Code.ACCOUNT_NOT_FOUND: 404,
    O2Code.MARKET_NOT_FOUND: 404,
    O2Code.ORDER_NOT_FOUND: 404,
}

# Sway's REVERT_WITH_LOG signal (protocol/o2.md §1.4): a revert after logging an error enum.
_REVERT_WITH_LOG = 0xFFFF_FFFF_FFFF_0006


class Rejection(Exception):
    """A pre-flight error: ``{"code": n, "message": ...}``; nothing changed."""

    def __init__(self, code: O2Code, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def status(self) -> int:
        return _STATUS.get(self.code, 400)

    def payload(self) -> dict[str, Any]:
        return {"code": int(self.code), "message": self.message}


class Revert(Exception):
    """An on-chain revert; ``variant`` is the contract's error name (``OrderNotFilled``).

    ``variant`` is the name the official SDK decodes from ``LogResult`` (its
    ``onchain_revert`` table), so SDK users see a helpful error.
    """

    def __init__(self, variant: str, detail: str) -> None:
        super().__init__(f"{variant}: {detail}")
        self.variant = variant
        self.detail = detail

    def payload(self, tx_id: str, call: str, nonce: int) -> dict[str, Any]:
        """The failure body, shaped like the live API's (``protocol/o2.md`` §1.4)."""
        logs = (
            f'LogResult {{ results: [Ok("IncrementNonceEvent {{ nonce: {nonce + 1} }}"), '
            f'Ok("{self.variant}")] }}'
        )
        return {
            "message": f"Transaction {tx_id} reverted: {self.variant} ({self.detail})",
            "reason": (
                f"Failed to process {call} with error: Transaction {tx_id} failed with logs: "
                f"{logs} and error: transaction reverted: Revert({_REVERT_WITH_LOG}), receipts: []"
            ),
            "receipts": None,
        }


class Reverted(Exception):
    """A request whose transaction reverted; ``payload`` is the failure body to send."""

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__(payload["message"])
        self.payload = payload
