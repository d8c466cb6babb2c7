"""Read back the state a rule compares before and after a request."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .accounts import O2Trader
from .derive import DeriveTarget, Party, SubaccountState
from .o2 import Balance, O2Target, norm_id


def _order_key(order: dict[str, Any]) -> tuple[str, str, str, str]:
    return (
        norm_id(order.get("order_id", "")),
        str(order.get("side", "")),
        str(order.get("price", "")),
        str(order.get("quantity", "")) + "/" + str(order.get("quantity_fill", "")),
    )


@dataclass(frozen=True)
class O2Snapshot:
    """Balances of every market asset and open orders of every market, per account."""

    balances: dict[tuple[str, str], Balance]
    orders: dict[tuple[str, str], frozenset[tuple[str, str, str, str]]]

    def total(self, asset: str) -> int:
        """Sum over the snapshot's accounts of trading + locked + unlocked for an asset."""
        return sum(b.total for (_, a), b in self.balances.items() if a == asset)


def assets_of(target: O2Target) -> list[str]:
    seen: dict[str, None] = {}
    for market in target.markets_json["markets"]:
        seen[norm_id(market["base"]["asset"])] = None
        seen[norm_id(market["quote"]["asset"])] = None
    return list(seen)


def o2_snapshot(target: O2Target, accounts: Iterable[O2Trader | str]) -> O2Snapshot:
    ids = [a.trade_account_id if isinstance(a, O2Trader) else a for a in accounts]
    markets = [norm_id(m["market_id"]) for m in target.markets_json["markets"]]
    balances = {(acc, asset): target.balance(asset, acc) for acc in ids for asset in assets_of(target)}
    orders = {
        (acc, market): frozenset(_order_key(o) for o in target.open_orders(market, acc))
        for acc in ids
        for market in markets
    }
    return O2Snapshot(balances, orders)


@dataclass(frozen=True)
class DeriveSnapshot:
    """Cash and positions of each party, plus the state of the quotes involved."""

    subaccounts: dict[int, SubaccountState]


def derive_snapshot(target: DeriveTarget, parties: Iterable[Party]) -> DeriveSnapshot:
    return DeriveSnapshot({p.subaccount_id: target.subaccount(p) for p in parties})
