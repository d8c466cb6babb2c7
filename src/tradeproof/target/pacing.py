"""Stay under a per-owner rate limit without ever being told to slow down.

O2 allows 5 requests per second per owner on each session endpoint. Spacing one
owner's requests to an endpoint at least ``1.1 / limit`` seconds apart keeps every
one-second window (measured anywhere, with some network jitter) at or under the limit;
spreading work over many owners keeps the suite fast.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable


class Pacer:
    """Per-key minimum spacing; ``wait(key)`` sleeps until the key may send again."""

    def __init__(
        self,
        limit: int = 5,
        window: float = 1.0,
        margin: float = 1.1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.spacing = window * margin / limit
        self._clock = clock
        self._sleep = sleep
        self._next: dict[Hashable, float] = {}
        self._lock = threading.Lock()

    def wait(self, key: Hashable) -> None:
        with self._lock:
            now = self._clock()
            slot = max(now, self._next.get(key, now))
            self._next[key] = slot + self.spacing
        if slot > now:
            self._sleep(slot - now)


class NoPacer(Pacer):
    """For targets without a rate limit."""

    def wait(self, key: Hashable) -> None:
        return None
