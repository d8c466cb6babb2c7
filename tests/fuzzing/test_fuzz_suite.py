"""The shipped ``fuzz/test_schemathesis.py``: silent against the reference, and it finds
broken targets whose bug Schemathesis' generation reaches within a small budget."""

from __future__ import annotations

import json
import subprocess

import pytest
from broken_targets import catalogue, unpaced
from fuzz_runs import python

from tradeproof import fuzzing
from tradeproof._resources import shipped_path
from tradeproof.reference import BackgroundServer

FUZZ_TEST = shipped_path("fuzz") / "test_schemathesis.py"
BAD = {"failed", "target-fault", "suite-error"}


def run_fuzz_test(report_dir, *args: str) -> tuple[subprocess.CompletedProcess[str], dict]:
    proc = python("-m", "pytest", str(FUZZ_TEST), "-q", "-p", "no:cacheprovider",
                  "--report-dir", str(report_dir), "--seed", "1", *args, timeout=600)
    report = report_dir / "tradeproof-report.json"
    assert report.exists(), f"no report\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc, json.loads(report.read_text())


def test_every_operation_of_both_documents_is_fuzzed():
    labels = {(o.protocol, o.label) for o in fuzzing.operations()}
    assert len(labels) == 26  # 11 O2 + 15 Derive, GET /_harness in both
    tagged = {rule for o in fuzzing.operations() for rule in o.rules}
    assert "DRV-RESULT-SCHEMA" in tagged and "O2-PARSE-ERROR" in tagged


@pytest.mark.slow
def test_reports_nothing_against_the_reference(tmp_path):
    proc, report = run_fuzz_test(tmp_path, "--max-examples", "10")
    problems = {r["id"]: r["reason"] for r in report["rules"] if r["status"] in BAD}
    assert not problems, problems
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert report["exit_code"] == 0


# Bugs Schemathesis' own generation hits within 60 examples of the operation. Others
# need tradeproof's hand-made cases (a lenient u64 parser taking " 7" or "1e3"; the
# conformance suite has them). O2-BATCH-MAX-ACTIONS:per-group-count and
# O2-MISSING-FIELD:zero-defaults are found too, but shrinking them against the paced
# session endpoint takes minutes, so they are not run here. DRV-RESULT-SCHEMA:no-is-transfer
# is found too when an execution Schemathesis draws is accepted, but not on every run
# under load; the Derive state machine checks every accepted execution's result
# (tests/fuzzing/test_request_faults.py).
FOUND = ["O2-PARSE-ERROR:bad-json-is-null", "DRV-PARSE-ERROR:invalid-request-code"]


@pytest.mark.slow
@pytest.mark.parametrize("broken", [b for b in catalogue() if b.id in FOUND], ids=lambda b: b.id)
def test_finds_a_broken_target_and_the_replay_sends_that_case(broken, tmp_path):
    with BackgroundServer(unpaced(broken)) as server:
        proc, report = run_fuzz_test(tmp_path, "--target", server.url, "--rule", broken.rule_id, "--max-examples", "60")
        [verdict] = [r for r in report["rules"] if r["id"] == broken.rule_id]
        assert verdict["status"] == "failed", f"{broken.description}: {verdict['status']} {verdict['reason']}"
        assert proc.returncode == 1
        replays = sorted((tmp_path / "replays").glob("*.json"))  # one per operation that failed
        for replay in replays:  # the case itself, not a search to run again
            case = json.loads(replay.read_text())["draws"]["case"]
            assert case["method"] in ("GET", "POST", "PUT") and "has_body" in case
        again = python("-m", "tradeproof", "replay", str(replays[0]), "--target", server.url, cwd=tmp_path)
        assert again.returncode == 1, again.stdout[-3000:] + again.stderr[-2000:]
