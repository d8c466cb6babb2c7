"""State comparisons: nothing changed, conservation, exact settlement."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from ..target.snapshot import DeriveSnapshot, O2Snapshot
from .failures import RuleViolation


def o2_changes(before: O2Snapshot, after: O2Snapshot) -> list[str]:
    """Every balance or open-order difference, in words (empty: nothing changed)."""
    changes = []
    for key, old in before.balances.items():
        new = after.balances.get(key)
        if new != old:
            account, asset = key
            changes.append(f"balance of {asset[:10]}… for {account[:10]}…: {old} -> {new}")
    for key, old_orders in before.orders.items():
        new_orders = after.orders.get(key, frozenset())
        if new_orders != old_orders:
            account, market = key
            added, removed = new_orders - old_orders, old_orders - new_orders
            changes.append(
                f"open orders of {account[:10]}… on {market[:10]}…: +{sorted(added)} -{sorted(removed)}"
            )
    return changes


def require_o2_unchanged(rule_id: str, before: O2Snapshot, after: O2Snapshot, *, detail: str = "") -> None:
    """A refused request must leave balances and open orders exactly as they were."""
    changes = o2_changes(before, after)
    if changes:
        raise RuleViolation(rule_id, "nothing changed", "; ".join(changes[:4]), detail=detail)


def require_conserved(
    rule_id: str,
    before: O2Snapshot,
    after: O2Snapshot,
    *,
    minted: Mapping[str, int] | None = None,
    fees: Mapping[str, int] | None = None,
    detail: str = "",
) -> None:
    """Per asset, totals move only by minting (+) and fees paid out of the accounts (−)."""
    assets = {asset for _, asset in before.balances}
    for asset in sorted(assets):
        expected = before.total(asset) + (minted or {}).get(asset, 0) - (fees or {}).get(asset, 0)
        if after.total(asset) != expected:
            raise RuleViolation(
                rule_id,
                f"total of {asset[:10]}… = {expected}",
                f"{after.total(asset)} ({after.total(asset) - expected:+d})",
                detail=detail,
            )


def derive_changes(before: DeriveSnapshot, after: DeriveSnapshot) -> list[str]:
    changes = []
    for sub, old in before.subaccounts.items():
        new = after.subaccounts.get(sub)
        if new != old:
            changes.append(f"subaccount {sub}: {old} -> {new}")
    return changes


def require_derive_unchanged(rule_id: str, before: DeriveSnapshot, after: DeriveSnapshot, *, detail: str = "") -> None:
    changes = derive_changes(before, after)
    if changes:
        raise RuleViolation(rule_id, "both subaccounts unchanged", "; ".join(changes), detail=detail)


def position_delta(before: DeriveSnapshot, after: DeriveSnapshot, subaccount: int) -> dict[str, Decimal]:
    old, new = before.subaccounts[subaccount], after.subaccounts[subaccount]
    names = set(old.positions) | set(new.positions)
    delta = {n: new.positions.get(n, Decimal(0)) - old.positions.get(n, Decimal(0)) for n in names}
    return {n: d for n, d in delta.items() if d != 0}
