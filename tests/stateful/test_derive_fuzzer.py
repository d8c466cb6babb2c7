"""The Derive model-based fuzzer end to end: it reports nothing against the reference,
and against each stateful-only broken target — which the fixed conformance tests pass —
it finds the bug within a bounded campaign, writes a replay file, and ``tradeproof
replay`` reproduces the failure on the broken target (exit 1) but not on the reference
(exit 0)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tradeproof.reference import BackgroundServer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for broken_targets
from broken_targets import Broken
from broken_targets.derive_stateful import BROKEN_STATEFUL

ROOT = Path(__file__).resolve().parents[2]
INI = ROOT / "src" / "tradeproof" / "runner" / "pytest.ini"
BUDGET = "60s"  # the campaign's time: finding (5-40 s) plus shrinking, then the replay is written
SEED = "1"  # fixed, so the search is the same on every machine with the same Hypothesis


def _run(args: list[str], cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)


def fuzz(cwd: Path, report_dir: Path, *flags: str, suite: Path = ROOT / "fuzz" / "derive") -> subprocess.CompletedProcess[str]:
    """``pytest fuzz/derive`` (or one module of it) with the tradeproof plugin, from
    ``cwd`` (its own Hypothesis database), the way ``tradeproof fuzz`` runs it."""
    args = ["-m", "pytest", str(suite), "-c", str(INI), "--rootdir", str(ROOT),
            "-p", "no:cacheprovider", "--report-dir", str(report_dir), *flags]
    return _run(args, cwd)


def verdicts(report_dir: Path) -> dict[str, str]:
    report = json.loads((report_dir / "tradeproof-report.json").read_text())
    return {r["id"]: r["status"] for r in report["rules"] if r["tests"]}


@pytest.mark.slow
def test_the_reference_passes_the_fuzzer(tmp_path):
    proc = fuzz(tmp_path, tmp_path / "reports", "--max-examples", "5", "--seed", "3", "--hypothesis-seed=3")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert set(verdicts(tmp_path / "reports").values()) == {"passed"}
    assert not (tmp_path / "reports" / "replays").exists()


@pytest.mark.slow
def test_a_timed_campaign_ends_quietly_on_the_reference(tmp_path):
    """The campaign's end stops the machine in the middle of a run: no error, no replay."""
    proc = fuzz(tmp_path, tmp_path / "reports", "--duration", "4s", "--seed", "5", "--hypothesis-seed=5")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert set(verdicts(tmp_path / "reports").values()) == {"passed"}


@pytest.mark.slow
@pytest.mark.parametrize("broken", BROKEN_STATEFUL, ids=[b.name for b in BROKEN_STATEFUL])
def test_the_fuzzer_finds_a_stateful_bug(broken: Broken, tmp_path):
    seed = SEED
    with BackgroundServer(broken.build()) as server:
        # the fixed tests of the rule pass: only a sequence shows the bug
        fixed = _run(["-m", "tradeproof", "run", "--target", server.url, "--protocol", "derive", "--rule", broken.rule_id,
                      "--report-dir", str(tmp_path / "fixed"), "--seed", seed], tmp_path)
        assert fixed.returncode == 0, f"the conformance suite already catches {broken.name}:\n{fixed.stdout[-3000:]}"
        # the machine alone: the campaign's whole budget is its own
        found = fuzz(tmp_path, tmp_path / "reports", "--target", server.url, "--duration", BUDGET,
                     "--seed", seed, f"--hypothesis-seed={seed}", suite=ROOT / "fuzz" / "derive" / "test_stateful.py")
        assert found.returncode == 1, f"{broken.description} not found:\n{found.stdout[-3000:]}{found.stderr[-2000:]}"
        assert verdicts(tmp_path / "reports")[broken.rule_id] == "failed"
        [replay] = sorted((tmp_path / "reports" / "replays").glob("*.json"))
        assert json.loads(replay.read_text())["rule"] == broken.rule_id
        again = _run(["-m", "tradeproof", "replay", str(replay), "--target", server.url], tmp_path)
        assert again.returncode == 1, again.stdout[-3000:] + again.stderr[-2000:]
    fixed_target = _run(["-m", "tradeproof", "replay", str(replay)], tmp_path)  # the embedded reference
    assert fixed_target.returncode == 0, fixed_target.stdout[-3000:] + fixed_target.stderr[-2000:]
