"""A client for any Derive RFQ target: JSON-RPC over ``POST {base}/{method}``.

Calls return an ``Outcome``; the typed helpers below raise ``TargetMisbehaved`` when
a read the suite depends on cannot be understood.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any

from ..errors import TargetMisbehaved
from ..messages.derive import InstrumentRef, auth_headers
from ..signing.keys import Key
from .http import HttpClient
from .outcome import Outcome, classify_derive, classify_plain


@dataclass(frozen=True)
class Party:
    """A wallet with one funded subaccount, and the key that signs for it."""

    wallet: str
    subaccount_id: int
    key: Key  # the owner key, or an admin session key registered for the wallet

    def headers(self) -> dict[str, str]:
        return auth_headers(self.key, self.wallet)


@dataclass(frozen=True)
class SubaccountState:
    """Cash and positions of a subaccount, compared before and after an execution."""

    cash: Decimal
    positions: Mapping[str, Decimal]


def _dec(value: Any, what: str) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise TargetMisbehaved(f"{what} is not a decimal: {value!r}") from None


class DeriveTarget:
    """Calls to one Derive target."""

    def __init__(self, http: HttpClient) -> None:
        self.http = http

    def call(
        self,
        method: str,
        params: Any,
        *,
        party: Party | None = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
    ) -> Outcome:
        """One JSON-RPC call; authenticated as ``party`` when given."""
        all_headers = dict(party.headers()) if party else {}
        all_headers.update(headers or {})
        return self.http.send("POST", f"/{method}", classify_derive, json_body=params, content=content, headers=all_headers)

    def result(self, method: str, params: Any, *, party: Party | None = None) -> Any:
        """The ``result`` of a call the suite needs to succeed (setup, reads)."""
        outcome = self.call(method, params, party=party)
        if not outcome.accepted:
            raise TargetMisbehaved(f"{method} failed: {outcome.describe()}", request=outcome.exchange.describe())
        return outcome.body["result"]

    # ------------------------------------------------------------------ reads

    def server_time_ms(self) -> int:
        value = self.result("public/get_time", {})
        if not isinstance(value, int):
            raise TargetMisbehaved(f"public/get_time returned {value!r}")
        return value

    @cached_property
    def instruments(self) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for currency in ("ETH", "BTC"):
            for kind in ("option", "perp"):
                outcome = self.call("public/get_instruments", {"currency": currency, "instrument_type": kind, "expired": False})
                if outcome.accepted and isinstance(outcome.body.get("result"), list):
                    for item in outcome.body["result"]:
                        found[item["instrument_name"]] = item
        if not found:
            raise TargetMisbehaved("public/get_instruments lists no instruments")
        return found

    @cached_property
    def instrument_refs(self) -> dict[str, InstrumentRef]:
        return {name: InstrumentRef.from_json(item) for name, item in self.instruments.items()}

    def subaccount(self, party: Party) -> SubaccountState:
        result = self.result("private/get_subaccount", {"subaccount_id": party.subaccount_id}, party=party)
        try:
            cash = sum((_dec(c["amount"], "collateral") for c in result["collaterals"] if c["asset_name"] == "USDC"), Decimal(0))
            positions = {p["instrument_name"]: _dec(p["amount"], "position") for p in result["positions"]}
        except (KeyError, TypeError) as exc:
            raise TargetMisbehaved(f"private/get_subaccount cannot be understood: {exc!r}") from None
        return SubaccountState(cash, {k: v for k, v in positions.items() if v != 0})

    # ------------------------------------------------------------------ harness

    def fund(self, wallet: str, amount: str) -> int:
        """Harness extension: a new subaccount of ``wallet`` holding ``amount`` USDC."""
        outcome = self.http.send("POST", "/_harness/derive/fund", classify_plain, json_body={"wallet": wallet, "amount": amount})
        body = outcome.body
        if not outcome.accepted or not isinstance(body, dict) or not isinstance(body.get("subaccount_id"), int):
            raise TargetMisbehaved(f"harness fund failed: {outcome.describe()}", request=outcome.exchange.describe())
        return int(body["subaccount_id"])
