"""The O2 model-based fuzzer end to end, as a user runs it: quiet on the reference; on
each stateful-only broken target the fixed conformance tests of the rule pass but the
fuzzer fails, writes a replay file, and ``tradeproof replay`` reproduces it there (exit
1) and not on the reference (exit 0)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tradeproof.reference import BackgroundServer, create_app
from tradeproof.stateful.o2_machine import RULES

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for broken_targets
from broken_targets import Broken
from broken_targets.o2_stateful import BROKEN_STATEFUL, unpaced

FUZZ_O2 = Path(__file__).resolve().parents[2] / "fuzz" / "o2"


def fuzz(report_dir: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    """``pytest fuzz/o2`` in a fresh directory (its own Hypothesis database), fixed seeds."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", str(FUZZ_O2), "-q", "-p", "no:cacheprovider", "--report-dir", str(report_dir),
         "--seed", "11", "--hypothesis-seed=11", *flags],
        cwd=report_dir, capture_output=True, text=True, timeout=400, check=False,
    )


def tradeproof(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tradeproof", *args], cwd=cwd, capture_output=True, text=True, timeout=400, check=False
    )


def report(report_dir: Path) -> dict[str, str]:
    data = json.loads((report_dir / "tradeproof-report.json").read_text())
    return {r["id"]: r["status"] for r in data["rules"]}


@pytest.mark.slow
def test_fuzzer_reports_nothing_on_the_reference(tmp_path):
    proc = fuzz(tmp_path, "--max-examples", "5")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    statuses = report(tmp_path)
    assert {r: statuses.get(r) for r in RULES} == {r: "passed" for r in RULES}
    assert not list(tmp_path.glob("replays/*.json"))


@pytest.mark.slow
@pytest.mark.parametrize("broken", BROKEN_STATEFUL, ids=[b.id for b in BROKEN_STATEFUL])
def test_fuzzer_finds_what_the_conformance_tests_miss(broken: Broken, tmp_path):
    conformance, fuzzing = tmp_path / "conformance", tmp_path / "fuzz"
    conformance.mkdir(), fuzzing.mkdir()
    with BackgroundServer(unpaced(broken)) as server:
        run = tradeproof("run", "--target", server.url, "--protocol", "o2", "--rule", broken.rule_id,
                         "--report-dir", str(conformance), "--seed", "3", cwd=conformance)
        assert run.returncode == 0, f"the conformance tests already catch {broken.id}: {report(conformance)}"

        proc = fuzz(fuzzing, "--target", server.url, "--max-examples", "60")  # usually found within 10
        assert proc.returncode == 1, f"{broken.description}: the fuzzer missed it\n{proc.stdout[-2000:]}"
        [replay] = fuzzing.glob("replays/*.json")
        assert json.loads(replay.read_text())["rule"] == broken.rule_id, proc.stdout[-2000:]
        again = tradeproof("replay", str(replay), "--target", server.url, cwd=fuzzing)
        assert again.returncode == 1, again.stdout[-2000:] + again.stderr[-2000:]
    with BackgroundServer(create_app(protocols=["o2"], rate_limit=False)) as reference:
        fixed = tradeproof("replay", str(replay), "--target", reference.url, cwd=fuzzing)
        assert fixed.returncode == 0, fixed.stdout[-2000:] + fixed.stderr[-2000:]
