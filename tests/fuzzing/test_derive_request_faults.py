"""The Derive request-fault fuzz tests end to end: ``fuzz/derive/test_request_faults.py``
reports nothing against the reference, and against each broken target of its rules it
finds the bug within a small, fixed number of examples, writes a replay file, and
``tradeproof replay`` reproduces the failure on the broken target (exit 1) but not on
the reference (exit 0). DRV-RESULT-SCHEMA is checked by the Derive state machine
(``fuzz/derive/test_stateful.py``) on every accepted execution, so its bugs are looked
for there."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from broken_targets import Broken, catalogue

from tradeproof.reference import BackgroundServer

ROOT = Path(__file__).resolve().parents[2]
INI = ROOT / "src" / "tradeproof" / "runner" / "pytest.ini"
REQUEST_FAULTS = ROOT / "fuzz" / "derive" / "test_request_faults.py"
STATEFUL = ROOT / "fuzz" / "derive" / "test_stateful.py"
RULES = (
    "DRV-UNKNOWN-METHOD", "DRV-PARSE-ERROR", "DRV-AUTH-HEADERS", "DRV-SIGNER-UNREGISTERED",
    "DRV-SESSION-KEY-SCOPE", "DRV-SESSION-KEY-EXPIRED", "DRV-MARGIN-MAKER", "DRV-RESULT-SCHEMA",
)
EXAMPLES = {REQUEST_FAULTS: "20", STATEFUL: "10"}  # each bug is found within 10 examples on seeds 1-3
SEED = "1"  # fixed, so the search is the same on every machine with the same Hypothesis
BROKEN = [b for b in catalogue() if b.rule_id in RULES]


def _run(args: list[str], cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)


def fuzz(module: Path, cwd: Path, report_dir: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    """``pytest`` on one fuzz module with the tradeproof plugin, from ``cwd`` (its own
    Hypothesis database), with a fixed seed and example count."""
    args = ["-m", "pytest", str(module), "-c", str(INI), "--rootdir", str(ROOT), "-p", "no:cacheprovider",
            "--report-dir", str(report_dir), "--max-examples", EXAMPLES[module], "--seed", SEED,
            f"--hypothesis-seed={SEED}", *flags]
    return _run(args, cwd)


def verdicts(report_dir: Path) -> dict[str, str]:
    report = json.loads((report_dir / "tradeproof-report.json").read_text())
    return {r["id"]: r["status"] for r in report["rules"] if r["tests"]}


def test_every_rule_has_a_broken_target():
    assert {b.rule_id for b in BROKEN} == set(RULES)


@pytest.mark.slow
def test_the_reference_passes_the_request_faults(tmp_path):
    proc = fuzz(REQUEST_FAULTS, tmp_path, tmp_path / "reports")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert verdicts(tmp_path / "reports") == {rule: "passed" for rule in RULES if rule != "DRV-RESULT-SCHEMA"}
    assert not (tmp_path / "reports" / "replays").exists()


@pytest.mark.slow
@pytest.mark.parametrize("broken", BROKEN, ids=[b.id for b in BROKEN])
def test_the_fuzz_suite_finds_the_bug(broken: Broken, tmp_path):
    module = STATEFUL if broken.rule_id == "DRV-RESULT-SCHEMA" else REQUEST_FAULTS
    reports = tmp_path / "reports"
    with BackgroundServer(broken.build()) as server:
        found = fuzz(module, tmp_path, reports, "--target", server.url, "--rule", broken.rule_id)
        assert found.returncode == 1, f"{broken.description} not found:\n{found.stdout[-3000:]}{found.stderr[-2000:]}"
        assert verdicts(reports)[broken.rule_id] == "failed"
        [replay] = sorted((reports / "replays").glob("*.json"))
        assert json.loads(replay.read_text())["rule"] == broken.rule_id
        again = _run(["-m", "tradeproof", "replay", str(replay), "--target", server.url], tmp_path)
        assert again.returncode == 1, again.stdout[-3000:] + again.stderr[-2000:]
    reference = _run(["-m", "tradeproof", "replay", str(replay)], tmp_path)  # the embedded reference
    assert reference.returncode == 0, reference.stdout[-3000:] + reference.stderr[-2000:]
