"""Who holds which coins outside resting orders: trading balances and settleable proceeds.

Two places, as on chain (``protocol/o2.md`` §4.3, §5 Balance):

* the **trading balance** of a trade account per asset (coins in the trade-account
  contract; what a CreateOrder forwards from and a cancel or refund returns to);
* **unlocked** per (order book, trader, asset): fill proceeds held by the order-book
  contract until a ``SettleBalance`` moves them to the trader's trading balance.

Funds behind resting orders (``locked``) are not stored here: each resting order
carries its own ``locked`` amount (see ``book.py``), so they cannot disagree.
Every change goes through the journal, so a reverted batch leaves no trace.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from ...codes import O2Code
from ...signing.o2 import U64_MAX
from .errors import Rejection, Revert
from .journal import Journal

Key2 = tuple[bytes, bytes]  # (trade account, asset)
Key3 = tuple[bytes, bytes, bytes]  # (order book, trader, asset)


class Ledger:
    """Trading balances and unsettled proceeds, in chain units."""

    def __init__(self, journal: Journal) -> None:
        self._journal = journal
        self._trading: dict[Key2, int] = {}
        self._unlocked: dict[Key3, int] = {}
        self._minted: dict[bytes, int] = {}

    # ----------------------------------------------------------------- trading balance

    def trading(self, account: bytes, asset: bytes) -> int:
        return self._trading.get((account, asset), 0)

    def credit(self, account: bytes, asset: bytes, amount: int) -> None:
        if amount:
            key = (account, asset)
            self._journal.set_item(self._trading, key, self._trading.get(key, 0) + amount)

    def debit(self, account: bytes, asset: bytes, amount: int) -> None:
        """Take coins for a contract call; reverts like the VM when they are not there."""
        key = (account, asset)
        have = self._trading.get(key, 0)
        if amount > have:
            raise Revert(
                "NotEnoughBalance",
                f"PanicInstruction {{ reason: NotEnoughBalance }}: forwarding {amount} of asset "
                f"0x{asset.hex()} but the trading balance is {have}",
            )
        if amount:
            self._journal.set_item(self._trading, key, have - amount)

    # ----------------------------------------------------------------- order-book proceeds

    def unlocked(self, book: bytes, trader: bytes, asset: bytes) -> int:
        return self._unlocked.get((book, trader, asset), 0)

    def credit_unlocked(self, book: bytes, trader: bytes, asset: bytes, amount: int) -> None:
        if amount:
            key = (book, trader, asset)
            self._journal.set_item(self._unlocked, key, self._unlocked.get(key, 0) + amount)

    def settle(self, book: bytes, trader: bytes, assets: tuple[bytes, ...]) -> None:
        """Move the trader's proceeds in ``book`` to its trading balance (both assets)."""
        for asset in assets:
            amount = self._unlocked.get((book, trader, asset), 0)
            if amount:
                self._journal.set_item(self._unlocked, (book, trader, asset), 0)
                self.credit(trader, asset, amount)

    # ----------------------------------------------------------------- minting, totals

    def mint(self, account: bytes, grants: Mapping[bytes, int]) -> None:
        """Create coins in a trading balance; refused (7000) past a u64 supply per asset,
        so that no balance or total can ever leave the u64 range."""
        for asset, amount in grants.items():
            if self._minted.get(asset, 0) + amount > U64_MAX:
                raise Rejection(O2Code.INVALID_AMOUNT, "minting this takes the supply past u64")
        for asset, amount in grants.items():
            self._minted[asset] = self._minted.get(asset, 0) + amount
            self.credit(account, asset, amount)

    def minted(self) -> dict[bytes, int]:
        """Total minted per asset."""
        return dict(self._minted)

    def holdings(self) -> Iterator[tuple[bytes, bytes, int]]:
        """Every non-zero (holder, asset, amount) outside resting orders, for audits."""
        for (account, asset), amount in self._trading.items():
            if amount:
                yield account, asset, amount
        for (_book, trader, asset), amount in self._unlocked.items():
            if amount:
                yield trader, asset, amount
