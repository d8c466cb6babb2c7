"""The O2 model-based fuzzer end to end, as a user runs it: quiet on the reference; on
each stateful-only broken target the fixed conformance tests of the rule pass but the
fuzzer fails, writes a replay file, and ``tradeproof replay`` reproduces it there (exit
1) and not on the reference (exit 0)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tradeproof.reference import BackgroundServer, create_app
from tradeproof.stateful.o2_machine import RULES

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/
from broken_targets import Broken, unpaced
from broken_targets.o2_stateful import BROKEN_STATEFUL
from fuzz_runs import FUZZ, found_and_replayed, fuzz, passes_on, python, verdicts

MACHINE = FUZZ / "o2" / "test_stateful.py"  # the machine alone


def fuzz_machine(report_dir: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    """The O2 machine in a fresh directory (its own Hypothesis database), fixed seeds."""
    return fuzz(MACHINE, report_dir, "--seed", "11", "--hypothesis-seed=11", *flags)


@pytest.mark.slow
def test_fuzzer_reports_nothing_on_the_reference(tmp_path):
    proc = fuzz_machine(tmp_path, "--max-examples", "5")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    statuses = verdicts(tmp_path)
    assert {r: statuses.get(r) for r in RULES} == {r: "passed" for r in RULES}
    assert not list(tmp_path.glob("replays/*.json"))


@pytest.mark.slow
@pytest.mark.parametrize("broken", BROKEN_STATEFUL, ids=[b.id for b in BROKEN_STATEFUL])
def test_fuzzer_finds_what_the_conformance_tests_miss(broken: Broken, tmp_path):
    conformance, fuzzing = tmp_path / "conformance", tmp_path / "fuzz"
    with BackgroundServer(unpaced(broken)) as server:
        run = python("-m", "tradeproof", "run", "--target", server.url, "--protocol", "o2", "--rule", broken.rule_id,
                     "--report-dir", str(conformance), "--seed", "3", cwd=tmp_path)
        assert run.returncode == 0, f"the conformance tests already catch {broken.id}: {run.stdout[-2000:]}"
        proc = fuzz_machine(fuzzing, "--target", server.url, "--max-examples", "60")  # usually found within 10
        replay = found_and_replayed(proc, fuzzing, broken.rule_id, server.url)
    with BackgroundServer(create_app(protocols=["o2"], rate_limit=False)) as reference:
        passes_on(replay, reference.url)
