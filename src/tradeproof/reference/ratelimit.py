"""A per-key sliding one-second window: O2's 5 requests/second per owner and endpoint."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Hashable


class SlidingWindowLimiter:
    """Allows ``limit`` events per key in any ``window`` seconds.

    A refused event is not counted, so a client that backs off is served again as
    soon as its oldest counted request leaves the window.
    """

    def __init__(
        self, limit: int = 5, window: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._events: dict[Hashable, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: Hashable) -> bool:
        """Count an event for ``key`` if it fits in the window; say whether it did."""
        now = self._clock()
        with self._lock:
            events = self._events.setdefault(key, deque())
            while events and events[0] <= now - self.window:
                events.popleft()
            if len(events) >= self.limit:
                return False
            events.append(now)
            return True
