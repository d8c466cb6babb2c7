"""Talking to any target over HTTP: clients, outcome classification, pacing, setup.

Public names for conformance suites and tools::

    from tradeproof.target import O2Target, DeriveTarget, Outcome, Kind
"""

from __future__ import annotations

from .accounts import DeriveAccounts, NotProvisioned, O2Accounts, O2Trader
from .derive import DeriveTarget, Party, SubaccountState
from .harness import HarnessInfo, discover
from .http import HttpClient
from .o2 import AccountState, Balance, O2Target, norm_id
from .outcome import Exchange, Kind, Outcome
from .pacing import NoPacer, Pacer
from .snapshot import DeriveSnapshot, O2Snapshot, derive_snapshot, o2_snapshot

__all__ = [
    "AccountState",
    "Balance",
    "DeriveAccounts",
    "DeriveSnapshot",
    "DeriveTarget",
    "Exchange",
    "HarnessInfo",
    "HttpClient",
    "Kind",
    "NoPacer",
    "NotProvisioned",
    "O2Accounts",
    "O2Snapshot",
    "O2Target",
    "O2Trader",
    "Outcome",
    "Pacer",
    "Party",
    "SubaccountState",
    "derive_snapshot",
    "discover",
    "norm_id",
    "o2_snapshot",
]
