"""Hostile targets: slow, resetting, non-JSON, failing and silent ones. The suite must
finish within its time budget, call each a target fault (exit 3), and never report a
pass for a rule it could not check."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from tradeproof.reference import BackgroundServer, create_app

from .proxy import MODES, HostileProxy

pytestmark = pytest.mark.slow

SESSION_PATHS = ("/v1/session",)  # both session endpoints: every O2 rule needs them
BUDGET = 30  # --deadline of each run, seconds
# rules of every family, each needing session writes (a few keep the runs short)
RULES = "O2-BATCH-MAX-ACTIONS,O2-SIG-HIGH-S,O2-NONCE-STALE,O2-SESSION-REVOKED,O2-FOK-REVERT,O2-ATOMIC-BATCH,O2-CONSERVATION"


@pytest.fixture(scope="module")
def reference_url():
    with BackgroundServer(create_app(protocols=["o2"])) as server:
        yield server.url


@pytest.mark.parametrize("mode", MODES)
def test_hostile_target_is_a_fault_within_budget(mode, reference_url, tmp_path):
    with HostileProxy(reference_url, mode, SESSION_PATHS, delay=3.0) as proxy:
        started = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-m", "tradeproof", "run", "--target", proxy.url, "--protocol", "o2", "--rule", RULES,
             "--request-timeout", "1", "--deadline", str(BUDGET), "--report-dir", str(tmp_path), "--seed", "21"],
            capture_output=True, text=True, timeout=BUDGET + 60,
        )
        elapsed = time.monotonic() - started
    assert proc.returncode == 3, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert elapsed < BUDGET + 40  # the budget, plus start-up and the check that the target answers (slow CI)
    report = json.loads((tmp_path / "tradeproof-report.json").read_text())
    passed = [r["id"] for r in report["rules"] if r["status"] == "passed"]
    assert passed == [], f"rules reported as passing against a target that never completed a session write: {passed}"
    assert report["summary"]["target-fault"] > 0
    evidence = [e for r in report["rules"] for t in r["tests"] if t["status"] == "target-fault" for e in t["evidence"]]
    assert any(str(e.get("url", "")).startswith("/v1/session") or "/v1/session" in str(e.get("request", ""))
               for e in evidence), "faults carry the requests that caused them"
