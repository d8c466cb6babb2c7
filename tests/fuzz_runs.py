"""Running the shipped fuzz suites in a subprocess, as ``tradeproof fuzz`` does, and
checking that a find comes with a replay file that reproduces it.

Shared by the end-to-end fuzz tests (``tests/fuzzing``, ``tests/stateful``).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from warm_python import python

from tradeproof.cli.run_cmd import UNUSED_PLUGINS

ROOT = Path(__file__).resolve().parents[1]
INI = ROOT / "src" / "tradeproof" / "runner" / "pytest.ini"
FUZZ = ROOT / "fuzz"


def fuzz(suite: Path, report_dir: Path, *flags: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """pytest on a fuzz suite (a folder or one module) with the tradeproof plugin, from
    ``cwd`` (its own Hypothesis database; ``report_dir`` by default)."""
    report_dir.mkdir(parents=True, exist_ok=True)
    args = ["-m", "pytest", str(suite), "-c", str(INI), "--rootdir", str(ROOT), *UNUSED_PLUGINS,
            "--report-dir", str(report_dir), *flags]
    return python(*args, cwd=cwd or report_dir)


def verdicts(report_dir: Path) -> dict[str, str]:
    """Rule id -> status, for the rules the run had tests for."""
    report = json.loads((report_dir / "tradeproof-report.json").read_text())
    return {r["id"]: r["status"] for r in report["rules"] if r["tests"]}


def found_and_replayed(proc: subprocess.CompletedProcess[str], report_dir: Path, rule_id: str, target_url: str) -> Path:
    """Assert the run failed ``rule_id``, wrote one replay file for it, and that
    ``tradeproof replay`` reproduces the failure on the target; return the file."""
    assert proc.returncode == 1, f"{rule_id} not found:\n{proc.stdout[-3000:]}{proc.stderr[-2000:]}"
    assert verdicts(report_dir)[rule_id] == "failed", proc.stdout[-3000:]
    [replay] = sorted((report_dir / "replays").glob("*.json"))
    assert json.loads(replay.read_text())["rule"] == rule_id
    again = python("-m", "tradeproof", "replay", str(replay), "--target", target_url, cwd=report_dir)
    assert again.returncode == 1, again.stdout[-3000:] + again.stderr[-2000:]
    return replay


def passes_on(replay: Path, target_url: str | None = None) -> None:
    """Assert the replay reports nothing on a conformant target (the embedded reference
    when no URL is given)."""
    flags = ["--target", target_url] if target_url else []
    proc = python("-m", "tradeproof", "replay", str(replay), *flags, cwd=replay.parent)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
