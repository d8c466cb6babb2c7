"""Accounts the suite trades with: created through the harness, or taken from config.

An ``O2Trader`` is one owner with a trade account, a session key and the nonce the
suite believes is current (re-read from the target after anything but success). A
Derive ``Party`` is a wallet with a funded subaccount. Keys are derived from the run
seed and a label, so reports name them without ever holding a secret.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import TargetMisbehaved
from ..messages import o2 as o2msg
from ..signing import o2 as o2sig
from ..signing.keys import Key
from .derive import DeriveTarget, Party
from .o2 import O2Target, norm_id
from .outcome import Outcome

DAY = 86_400


class NotProvisioned(Exception):
    """The target cannot give the suite what a test needs (no harness, too few accounts)."""


@dataclass
class O2Trader:
    """An O2 owner, its trade account and current session, as the suite drives them."""

    target: O2Target
    owner: Key
    trade_account_id: str
    evm_owner: bool = False
    session_key: Key | None = None
    contract_ids: tuple[bytes, ...] = ()
    nonce: int = 0
    label: str = ""

    @property
    def owner_b256(self) -> bytes:
        return o2sig.owner_b256(self.owner, self.evm_owner)

    @property
    def account_bytes(self) -> bytes:
        return o2sig.parse_b256(self.trade_account_id)

    def refresh(self) -> int:
        """Re-read the nonce from the target (after any outcome but success)."""
        self.nonce = self.target.nonce(self.trade_account_id)
        return self.nonce

    # ------------------------------------------------------------------ sessions

    def session_body(
        self,
        session_key: Key,
        *,
        expiry: int | None = None,
        contract_ids: Sequence[bytes] | None = None,
        nonce: int | None = None,
    ) -> dict[str, Any]:
        return o2msg.session_body(
            self.target.context,
            self.owner,
            trade_account_id=self.account_bytes,
            session_key=session_key,
            nonce=self.nonce if nonce is None else nonce,
            expiry=int(time.time()) + DAY if expiry is None else expiry,
            contract_ids=list(self.all_contracts() if contract_ids is None else contract_ids),
            evm_owner=self.evm_owner,
        )

    def all_contracts(self) -> list[bytes]:
        return [m.contract_id for m in self.target.context.markets.values()]

    def open_session(
        self, session_key: Key, *, expiry: int | None = None, contract_ids: Sequence[bytes] | None = None
    ) -> Outcome:
        """Sign and send a session update; on success it becomes the trader's session."""
        contracts = tuple(self.all_contracts() if contract_ids is None else contract_ids)
        body = self.session_body(session_key, expiry=expiry, contract_ids=contracts)
        outcome = self.send_session(body)
        if outcome.accepted:
            self.session_key, self.contract_ids = session_key, contracts
        return outcome

    def send_session(self, body: Any) -> Outcome:
        outcome = self.target.put_session(body, self.owner_b256)
        self._after(outcome)
        return outcome

    # ------------------------------------------------------------------ actions

    def actions_body(
        self,
        groups: Sequence[Mapping[str, Any]],
        *,
        nonce: int | None = None,
        session_key: Key | None = None,
        signature: bytes | None = None,
    ) -> dict[str, Any]:
        key = session_key or self.session_key
        if key is None:
            raise RuntimeError(f"trader {self.label} has no session")
        return o2msg.actions_body(
            self.target.context,
            key,
            trade_account_id=self.account_bytes,
            nonce=self.nonce if nonce is None else nonce,
            groups=groups,
            signature=signature,
        )

    def submit(self, *groups: Mapping[str, Any]) -> Outcome:
        """Sign the groups with the current nonce and send them."""
        return self.send_actions(self.actions_body(groups))

    def send_actions(self, body: Any, *, content: bytes | None = None) -> Outcome:
        outcome = self.target.post_actions(body, self.owner_b256, content=content)
        self._after(outcome)
        return outcome

    def cancel_open_orders(self) -> None:
        """Cancel every open order of this trader on every market, five per batch."""
        for market in self.target.markets_json["markets"]:
            market_id = norm_id(market["market_id"])
            ids = [norm_id(o["order_id"]) for o in self.target.open_orders(market_id, self.trade_account_id)]
            for start in range(0, len(ids), 5):
                self.submit(o2msg.group(market_id, *(o2msg.cancel_order(i) for i in ids[start : start + 5])))

    def _after(self, outcome: Outcome) -> None:
        if outcome.accepted:
            self.nonce += 1
        else:
            self.refresh()


@dataclass
class O2Accounts:
    """Hands out fresh, funded traders with an open session on every market."""

    target: O2Target
    seed: str
    harness: bool
    configured: Sequence[Key] = ()
    _counter: Iterator[int] = field(default_factory=itertools.count)
    _configured_left: list[Key] = field(default_factory=list)
    created: list[O2Trader] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._configured_left = list(self.configured)

    def tidy(self) -> None:
        """Leave the target's books as found: cancel what the run's traders left resting
        (best effort; a target that fails here has already been judged)."""
        for trader in self.created:
            if trader.session_key is None:
                continue
            try:
                trader.cancel_open_orders()
            except Exception:  # noqa: BLE001 - tidying must never turn a verdict into an error
                continue

    def new(self, label: str = "trader", *, evm_owner: bool = False, session: bool = True) -> O2Trader:
        n = next(self._counter)
        if self.harness:
            owner = Key.derive(self.seed, f"o2/{label}/{n}/owner")
        elif self._configured_left:
            owner = self._configured_left.pop(0)
        else:
            raise NotProvisioned(
                "no harness extension and no configured O2 account left: add owner keys to the config"
            )
        b256 = o2sig.owner_b256(owner, evm_owner)
        account_id = self.target.create_account(b256)
        trader = O2Trader(self.target, owner, account_id, evm_owner=evm_owner, label=f"{label}/{n}")
        self.created.append(trader)
        if self.harness:
            minted = self.target.mint(account_id)
            if not minted.accepted:
                raise TargetMisbehaved(f"harness mint failed: {minted.describe()}", request=minted.exchange.describe())
        trader.refresh()
        if session:
            outcome = trader.open_session(Key.derive(self.seed, f"o2/{label}/{n}/session"))
            if not outcome.accepted:
                raise TargetMisbehaved(
                    f"a correctly signed session update was refused: {outcome.describe()}",
                    request=outcome.exchange.describe(),
                )
        return trader


@dataclass
class DeriveAccounts:
    """Hands out funded Derive parties (wallet + subaccount)."""

    target: DeriveTarget
    seed: str
    harness: bool
    configured: Sequence[Party] = ()
    _counter: Iterator[int] = field(default_factory=itertools.count)
    _configured_left: list[Party] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._configured_left = list(self.configured)

    def new(self, label: str = "party", usdc: str = "1000000") -> Party:
        n = next(self._counter)
        if not self.harness:
            if not self._configured_left:
                raise NotProvisioned(
                    "no harness extension and no configured Derive account left: add wallets to the config"
                )
            return self._configured_left.pop(0)
        key = Key.derive(self.seed, f"derive/{label}/{n}/owner")
        subaccount = self.target.fund(key.evm_address, usdc)
        return Party(key.evm_address, subaccount, key)


def same_id(a: str, b: str) -> bool:
    return norm_id(a) == norm_id(b)


@dataclass
class TraderPool:
    """A few long-lived traders used round robin, so paced requests from one owner
    never hold up the next example: throughput grows with the pool size."""

    accounts: O2Accounts
    size: int = 6
    label: str = "pool"
    _traders: list[O2Trader] = field(default_factory=list)
    _next: int = 0

    def next(self) -> O2Trader:
        if len(self._traders) < self.size:
            self._traders.append(self.accounts.new(self.label))
            return self._traders[-1]
        trader = self._traders[self._next % self.size]
        self._next += 1
        return trader
