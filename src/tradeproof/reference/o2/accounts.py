"""Trade accounts and their sessions: the state of the trade-account contract.

One trade account per owner; one u64 nonce per account, shared by session updates and
session actions; at most one session, which a new one replaces (``protocol/o2.md`` §3).
"""

from __future__ import annotations

from dataclasses import dataclass

from ...codes import O2Code
from ...signing.o2 import hex0x
from .errors import Rejection
from .markets import label_id
from .requests import Identity


@dataclass(frozen=True, slots=True)
class Session:
    """The session key an owner delegated to, until ``expiry``, for ``contract_ids``."""

    address: bytes  # Fuel address of the session key
    expiry: int  # unix seconds; valid while now <= expiry
    contract_ids: tuple[bytes, ...]  # as signed (order kept for display)

    def allows(self, contract_id: bytes) -> bool:
        return contract_id in self.contract_ids


@dataclass(eq=False, slots=True)
class Account:
    """A trade account: owner, nonce, current session and referer."""

    trade_account_id: bytes
    owner: Identity
    nonce: int = 0
    session: Session | None = None
    referer: Identity | None = None
    last_modification: int = 0  # unix milliseconds of the last nonce change


def trade_account_id_for(owner: Identity) -> bytes:
    """The deterministic trade-account id of an owner (a contract id on chain)."""
    variant, value = owner
    return label_id(f"trade-account/{variant}/{value.hex()}")


class AccountRegistry:
    """The accounts registry contract: at most one trade account per owner."""

    def __init__(self) -> None:
        self._by_id: dict[bytes, Account] = {}
        self._by_owner: dict[Identity, Account] = {}

    def open(self, owner: Identity, now_ms: int) -> Account:
        """The owner's trade account, created on first use."""
        account = self._by_owner.get(owner)
        if account is None:
            account = Account(trade_account_id_for(owner), owner, last_modification=now_ms)
            self._by_id[account.trade_account_id] = account
            self._by_owner[owner] = account
        return account

    def get(self, trade_account_id: bytes) -> Account | None:
        return self._by_id.get(trade_account_id)

    def of_owner(self, owner: Identity) -> Account | None:
        return self._by_owner.get(owner)

    def require(self, trade_account_id: bytes) -> Account:
        """The account, or Rejection 4002 (AccountNotFound)."""
        account = self._by_id.get(trade_account_id)
        if account is None:
            raise Rejection(
                O2Code.ACCOUNT_NOT_FOUND, f"Trade account not found: {hex0x(trade_account_id)}"
            )
        return account
