"""The embedded reference passes every rule: ``tradeproof run`` (both protocols, ci
profile, fixed seed) exits 0 and the JSON report says ``passed`` for each rule of the
catalogue (none skipped, none missing). The counterpart of ``test_rules_can_fail.py``:
together they show that every check can pass and can fail."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tradeproof import rules


@pytest.mark.slow
def test_reference_passes_every_rule(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "tradeproof", "run", "--protocol", "all", "--profile", "ci",
         "--seed", "3", "--workers", "2", "--report-dir", str(tmp_path)],  # two: the run waits on expiries, overlap them
        capture_output=True, text=True, timeout=600,
    )
    report_path = tmp_path / "tradeproof-report.json"
    assert report_path.exists(), f"no report written\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    report = json.loads(report_path.read_text())
    not_passed = {r["id"]: f"{r['status']}: {r['reason']}" for r in report["rules"] if r["status"] != "passed"}
    assert not not_passed, f"rules the reference does not pass: {json.dumps(not_passed, indent=1)}"
    missing = sorted(rules.ids() - {r["id"] for r in report["rules"]})
    assert not missing, f"rules absent from the report: {missing}"
    assert proc.returncode == 0, f"exit code {proc.returncode}\nstdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}"
