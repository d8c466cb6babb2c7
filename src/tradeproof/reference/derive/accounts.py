"""Wallets, their subaccounts (USDC cash + positions), session keys and used nonces.

A wallet is the EOA that is the EIP-712 ``owner`` of its subaccounts. Nonces are
remembered per wallet, across quotes and executions (the RFQ module's
``usedNonces[owner][nonce]``, ``protocol/derive.md`` §4.1). Balances change only
through :meth:`Accounts.apply`, which takes a whole batch of transfers at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from enum import IntEnum

from .numbers import EXACT, ZERO

AVERAGE_PRICE_QUANTUM = Decimal("1e-18")
FIRST_SUBACCOUNT_ID = 1001


class Scope(IntEnum):
    """Session-key levels; a higher level may do everything a lower one may."""

    READ_ONLY = 0
    ACCOUNT = 1
    ADMIN = 2

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Scope:
        return cls[text.upper()]


@dataclass(slots=True)
class SessionKey:
    """A key allowed to act for a wallet until ``expiry_sec`` (inclusive)."""

    address: str
    scope: Scope
    expiry_sec: int
    label: str = ""
    ip_whitelist: list[str] = field(default_factory=list)

    def expired(self, now: float) -> bool:
        """On-chain rule: usable while ``now <= expiry`` (``sessionKeys[..] < timestamp`` fails)."""
        return self.expiry_sec < now


@dataclass(slots=True)
class Position:
    amount: Decimal
    average_price: Decimal


@dataclass(slots=True)
class Subaccount:
    """USDC cash (may go negative: borrowing, bounded by margin) and positions by name."""

    id: int
    wallet: str  # checksummed owner address ("" for the fee account)
    cash: Decimal = ZERO
    positions: dict[str, Position] = field(default_factory=dict)


@dataclass(slots=True)
class Wallet:
    address: str  # checksummed
    subaccount_ids: list[int] = field(default_factory=list)
    session_keys: dict[str, SessionKey] = field(default_factory=dict)  # by lowercase address
    used_nonces: set[int] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class Transfer:
    """What one subaccount gains: cash, and per instrument (name, amount, price)."""

    subaccount_id: int
    cash: Decimal
    legs: tuple[tuple[str, Decimal, Decimal], ...] = ()


def filled(position: Position | None, delta: Decimal, price: Decimal) -> Position | None:
    """A position after trading ``delta`` at ``price`` (None when it closes to zero).

    Adding to a position averages the entry price; reducing keeps it; flipping through
    zero starts again at ``price``.
    """
    old = position.amount if position else ZERO
    new = EXACT.add(old, delta)
    if new.is_zero():
        return None
    if position is None or old.is_zero():
        return Position(new, price)
    if (old > 0) == (delta > 0):
        total = EXACT.add(
            EXACT.multiply(abs(old), position.average_price), EXACT.multiply(abs(delta), price)
        )
        average = EXACT.divide(total, abs(new)).quantize(
            AVERAGE_PRICE_QUANTUM, ROUND_HALF_EVEN, EXACT
        )
        return Position(new, average)
    if (new > 0) == (old > 0):
        return Position(new, position.average_price)
    return Position(new, price)


class Accounts:
    """Every wallet and subaccount, plus the fee account (id 0) that collects fees."""

    def __init__(self) -> None:
        self.wallets: dict[str, Wallet] = {}
        self.subaccounts: dict[int, Subaccount] = {}
        self.fee_account = Subaccount(id=0, wallet="")
        self._next_id = FIRST_SUBACCOUNT_ID

    def wallet(self, address: str) -> Wallet | None:
        return self.wallets.get(address.lower())

    def subaccount(self, subaccount_id: int) -> Subaccount | None:
        return self.subaccounts.get(subaccount_id)

    def open_subaccount(self, wallet_address: str, cash: Decimal) -> Subaccount:
        """A new subaccount of ``wallet_address`` (created if new) holding ``cash`` USDC."""
        wallet = self.wallets.setdefault(wallet_address.lower(), Wallet(wallet_address))
        subaccount = Subaccount(self._next_id, wallet.address, cash)
        self._next_id += 1
        self.subaccounts[subaccount.id] = subaccount
        wallet.subaccount_ids.append(subaccount.id)
        return subaccount

    def projected(self, subaccount: Subaccount, transfers: Iterable[Transfer]) -> Subaccount:
        """A detached copy of ``subaccount`` as it would be after ``transfers``."""
        copy = Subaccount(
            subaccount.id, subaccount.wallet, subaccount.cash, dict(subaccount.positions)
        )
        for transfer in transfers:
            if transfer.subaccount_id == subaccount.id:
                _apply(copy, transfer)
        return copy

    def apply(self, transfers: Sequence[Transfer]) -> None:
        """Apply a batch of transfers. Nothing in here can fail half-way: the caller has
        already resolved every subaccount and checked every rule."""
        targets = [self._target(transfer.subaccount_id) for transfer in transfers]
        for target, transfer in zip(targets, transfers, strict=True):
            _apply(target, transfer)

    def _target(self, subaccount_id: int) -> Subaccount:
        if subaccount_id == self.fee_account.id:
            return self.fee_account
        return self.subaccounts[subaccount_id]


def _apply(subaccount: Subaccount, transfer: Transfer) -> None:
    subaccount.cash = EXACT.add(subaccount.cash, transfer.cash)
    for name, delta, price in transfer.legs:
        position = filled(subaccount.positions.get(name), delta, price)
        if position is None:
            subaccount.positions.pop(name, None)
        else:
            subaccount.positions[name] = position
