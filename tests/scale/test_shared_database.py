"""Two fuzz processes share one Redis example database: the second replays the first's
failure without searching for it (a control run without the database does not find it)."""

from __future__ import annotations

import json
import sys

import pytest
from warm_python import python

from tradeproof.reference import BackgroundServer

pytestmark = pytest.mark.slow


def fuzz(url: str, cwd, *extra: str) -> tuple[int, dict]:
    """``tradeproof fuzz`` in its own directory (so each has its own local database)."""
    cwd.mkdir()
    proc = python("-m", "tradeproof", "fuzz", "--target", url, "--protocol", "o2",
                  "--rule", "O2-PRICE-TIME-PRIORITY", "--report-dir", "out", *extra, timeout=600, cwd=cwd)
    report = json.loads((cwd / "out" / "tradeproof-report.json").read_text())
    return proc.returncode, {r["id"]: r["status"] for r in report["rules"]}


def test_the_second_process_replays_the_first_ones_find(redis_url, tmp_path):
    import redis

    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))
    from broken_targets import unpaced
    from broken_targets.o2_stateful import BROKEN_STATEFUL

    [fifo] = [b for b in BROKEN_STATEFUL if b.name == "fifo-from-three"]
    with BackgroundServer(unpaced(fifo)) as server:  # no rate limit: the suite need not pace
        # a campaign machine searches and writes what it finds (both O2 order fuzzers: not
        # --exit-first, since a scene found against one book need not fail against the book
        # the first run leaves, and the second run then has the random walk's find too)
        code, verdicts = fuzz(server.url, tmp_path / "campaign", "--max-examples", "20", "--seed", "1",
                              "--database", redis_url)
        assert code == 1 and verdicts["O2-PRICE-TIME-PRIORITY"] == "failed"
        assert redis.Redis.from_url(redis_url).dbsize() > 0

        # CI reads the shared database: one example is enough, the saved failure comes first
        code, verdicts = fuzz(server.url, tmp_path / "ci", "--max-examples", "1", "--seed", "2",
                              "--database", redis_url, "--database-readonly")
        assert code == 1 and verdicts["O2-PRICE-TIME-PRIORITY"] == "failed"

        # without it, one example does not find the bug
        code, verdicts = fuzz(server.url, tmp_path / "control", "--max-examples", "1", "--seed", "2")
        assert code == 0 and verdicts["O2-PRICE-TIME-PRIORITY"] == "passed"


def test_an_unreachable_database_is_a_config_error(tmp_path):
    proc = python("-m", "tradeproof", "fuzz", "--database", "redis://127.0.0.1:9/0", "--max-examples", "1",
                  timeout=60, cwd=tmp_path)
    assert proc.returncode == 2 and "does not answer" in proc.stderr and "Traceback" not in proc.stderr
