"""Trade accounts and their sessions: the state of the trade-account contract.

One trade account per owner; one u64 nonce per account, shared by session updates and
session actions; at most one session, which a new one replaces (``protocol/o2.md`` §3).
"""

from __future__ import annotations

from dataclasses import dataclass

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
