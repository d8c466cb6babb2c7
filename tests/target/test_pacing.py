"""Per-owner pacing keeps every one-second window at or under the limit."""

from __future__ import annotations

from tradeproof.target import Pacer


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.sent: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_one_owner_never_exceeds_five_in_any_window():
    clock = FakeClock()
    pacer = Pacer(limit=5, window=1.0, clock=lambda: clock.now, sleep=clock.sleep)
    for _ in range(40):
        pacer.wait("owner")
        clock.sent.append(clock.now)
        clock.now += 0.001  # the request itself
    for i, start in enumerate(clock.sent):
        in_window = [t for t in clock.sent[i:] if t < start + 1.0]
        assert len(in_window) <= 5


def test_many_owners_do_not_wait_for_each_other():
    clock = FakeClock()
    pacer = Pacer(limit=5, window=1.0, clock=lambda: clock.now, sleep=clock.sleep)
    for owner in range(50):
        pacer.wait(owner)
    assert clock.now == 100.0
