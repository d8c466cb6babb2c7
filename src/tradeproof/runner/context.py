"""One run's connection to its target(s): started lazily, closed once.

Holds the resolved settings, the embedded reference server when no target was given,
the HTTP clients, what the harness extension says, and the account pools. The pytest
plugin exposes its parts as fixtures.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from ..errors import TargetFault
from ..target import (
    DeriveAccounts,
    DeriveTarget,
    HarnessInfo,
    HttpClient,
    NoPacer,
    O2Accounts,
    O2Target,
    Pacer,
    Party,
    discover,
)
from .config import Settings


class ProtocolUnavailable(Exception):
    """The target does not serve a protocol the test needs (a skip, with this reason)."""


@dataclass
class RunContext:
    settings: Settings
    worker_id: str = ""  # pytest-xdist worker ("gw0" …): its own accounts
    worker_count: int = 1
    shared_reference: str | None = None  # the embedded reference the xdist controller started
    _server: Any = None
    _clients: dict[str, HttpClient] = field(default_factory=dict)
    _harness: dict[str, HarnessInfo | None] = field(default_factory=dict)
    _o2: O2Target | None = None
    _derive: DeriveTarget | None = None
    _o2_accounts: O2Accounts | None = None
    _derive_accounts: DeriveAccounts | None = None
    _broken: TargetFault | None = None
    _started: float = field(default_factory=time.monotonic)

    # ------------------------------------------------------------------ targets

    def url(self, protocol: str) -> str:
        if self.settings.embedded:
            return self._reference_url()
        url = self.settings.o2_target if protocol == "o2" else self.settings.derive_target
        if url is None:
            raise ProtocolUnavailable(f"no {protocol} target configured")
        return url

    def _reference_url(self) -> str:
        if self.shared_reference:
            return self.shared_reference
        if self._server is None:
            from ..reference import BackgroundServer, create_app  # only the runner starts it

            self._server = BackgroundServer(create_app(rate_limit=True)).start()
        return str(self._server.url)

    def client(self, protocol: str) -> HttpClient:
        url = self.url(protocol)
        if url not in self._clients:
            deadline = None if self.settings.deadline is None else self._started + self.settings.deadline
            self._clients[url] = HttpClient(url, timeout=self.settings.request_timeout, deadline=deadline)
        return self._clients[url]

    def harness(self, protocol: str) -> HarnessInfo | None:
        """What ``GET /_harness`` says (cached). A dead target fails every later call fast."""
        if self._broken is not None:
            raise self._broken
        url = self.url(protocol)
        if url not in self._harness:
            try:
                self._harness[url] = discover(self.client(protocol))
            except TargetFault as fault:
                self._broken = fault
                raise
        info = self._harness[url]
        if info is not None and protocol not in info.protocols:
            raise ProtocolUnavailable(f"the target's /_harness says it does not serve {protocol}")
        return info

    def rate_limited(self) -> bool:
        if self.settings.rate_limit is not None:
            return self.settings.rate_limit
        info = self.harness("o2")
        return True if info is None else info.rate_limit

    @property
    def o2(self) -> O2Target:
        if self._o2 is None:
            self.harness("o2")
            pacer = Pacer() if self.rate_limited() else NoPacer()
            self._o2 = O2Target(self.client("o2"), pacer)
        return self._o2

    @property
    def derive(self) -> DeriveTarget:
        if self._derive is None:
            self.harness("derive")
            self._derive = DeriveTarget(self.client("derive"))
        return self._derive

    # ------------------------------------------------------------------ accounts

    @property
    def o2_accounts(self) -> O2Accounts:
        if self._o2_accounts is None:
            has_harness = self.harness("o2") is not None
            owners = self._mine([o.key for o in self.settings.o2_owners])
            self._o2_accounts = O2Accounts(self.o2, self._key_family(), has_harness, owners)
        return self._o2_accounts

    @property
    def derive_accounts(self) -> DeriveAccounts:
        if self._derive_accounts is None:
            has_harness = self.harness("derive") is not None
            parties = self._mine([Party(w.wallet, w.subaccount_id, w.key) for w in self.settings.derive_wallets])
            self._derive_accounts = DeriveAccounts(self.derive, self._key_family(), has_harness, parties)
        return self._derive_accounts

    def _mine(self, configured: list[Any]) -> list[Any]:
        """This worker's share of the configured accounts (workers never share an owner)."""
        if not self.worker_id:
            return configured
        index = int(self.worker_id.removeprefix("gw") or 0)
        return configured[index :: max(1, self.worker_count)]

    def _key_family(self) -> str:
        """Keys are derived from the seed; each xdist worker gets its own owners (and so its
        own nonces, and its own rate-limit budget per owner)."""
        return f"run-{self.settings.seed}" + (f"-{self.worker_id}" if self.worker_id else "")

    # ------------------------------------------------------------------ lifecycle

    def target_description(self) -> dict[str, str]:
        if self.settings.embedded:
            return {"o2": "embedded reference", "derive": "embedded reference"}
        return {p: str(self.settings.o2_target if p == "o2" else self.settings.derive_target) for p in self.settings.protocols}

    def past_deadline(self) -> bool:
        """Is the run's time budget (``--deadline``) spent?"""
        return self.settings.deadline is not None and time.monotonic() >= self._started + self.settings.deadline

    def requests_sent(self) -> int:
        """Requests sent to the target(s) so far, for progress displays."""
        return sum(client.request_count for client in self._clients.values())

    def close(self) -> None:
        if self._o2_accounts is not None and not self.past_deadline():
            self._o2_accounts.tidy()
        for client in self._clients.values():
            client.close()
        if self._server is not None:
            self._server.stop()
            self._server = None
