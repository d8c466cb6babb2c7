"""Reports from real runs against a broken target: replay from the JUnit report,
baselines, GitHub annotations, and no private key anywhere in what is written."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/
from warm_python import python

from tradeproof.reference import BackgroundServer, create_app
from tradeproof.reference.o2 import O2Exchange, OrderBook

pytestmark = pytest.mark.slow


class NoFillOrKill(OrderBook):
    """FillOrKill keeps its partial fill instead of reverting the batch."""

    def check_fill_or_kill(self, order):  # noqa: ANN001
        pass


@pytest.fixture(scope="module")
def broken_url():
    with BackgroundServer(create_app(o2=O2Exchange(book_class=NoFillOrKill), protocols=["o2"])) as server:
        yield server.url


def tradeproof(*args: str, cwd=None) -> subprocess.CompletedProcess[str]:
    return python("-m", "tradeproof", *args, timeout=300, cwd=cwd)


RULES = "O2-FOK-REVERT,O2-BATCH-NONEMPTY"


def test_replay_named_in_the_junit_report_reproduces(broken_url, tmp_path):
    run = tradeproof("run", "--target", broken_url, "--rule", RULES, "--report-dir", str(tmp_path), "--seed", "11")
    assert run.returncode == 1, run.stdout + run.stderr
    failure = ET.parse(tmp_path / "tradeproof-junit.xml").getroot().find(".//testcase[@name='O2-FOK-REVERT']/failure")
    replay_file = re.search(r"tradeproof replay (\S+?\.json)", failure.get("message")).group(1)
    replay = tradeproof("replay", replay_file, "--target", broken_url)
    assert replay.returncode == 1 and "reproduced" in replay.stdout, replay.stdout + replay.stderr
    explained = tradeproof("explain", replay_file)
    assert explained.returncode == 0 and "expected: rejected" in explained.stdout and "observed: accepted" in explained.stdout


def test_baseline_accepts_known_failures_and_catches_fixed_ones(broken_url, tmp_path):
    reports, baseline = tmp_path / "r", tmp_path / "baseline.json"
    first = tradeproof("run", "--target", broken_url, "--rule", RULES, "--report-dir", str(reports), "--seed", "12")
    assert first.returncode == 1
    wrote = tradeproof("baseline", "write", "--from", str(reports / "tradeproof-report.json"), "--output", str(baseline))
    assert wrote.returncode == 0 and "O2-FOK-REVERT" in json.loads(baseline.read_text())["known_failures"]

    known = tradeproof("run", "--target", broken_url, "--rule", RULES, "--baseline", str(baseline),
                       "--report-dir", str(tmp_path / "k"), "--seed", "13")
    assert known.returncode == 0, known.stdout + known.stderr
    assert json.loads((tmp_path / "k" / "tradeproof-report.json").read_text())["summary"]["known-failure"] == 1

    fixed = tradeproof("run", "--rule", RULES, "--baseline", str(baseline), "--report-dir", str(tmp_path / "f"),
                       "--seed", "14")  # the embedded reference: the listed failure is fixed
    assert fixed.returncode == 1 and "still listed" in fixed.stdout


def test_bad_baseline_file_is_a_config_error(tmp_path):
    (tmp_path / "b.json").write_text('{"format": "tradeproof-baseline", "version": 1, "known_failures": {"NOPE": "x"}}')
    proc = tradeproof("run", "--baseline", str(tmp_path / "b.json"))
    assert proc.returncode == 2 and "NOPE" in proc.stderr and "Traceback" not in proc.stderr


def test_github_annotations(broken_url, tmp_path):
    proc = tradeproof("run", "--target", broken_url, "--rule", RULES, "--format", "github", "--report-dir", str(tmp_path))
    assert proc.returncode == 1
    lines = [line for line in proc.stdout.splitlines() if line.startswith("::")]
    assert any(line.startswith("::error title=O2-FOK-REVERT::") and "tradeproof replay" in line for line in lines)


def test_reports_and_replays_never_contain_a_private_key(broken_url, tmp_path, monkeypatch):
    """Runs in-process so every key the run derives is seen, then greps every file written."""
    import pytest as _pytest

    from tradeproof.cli.run_cmd import PYTEST_INI
    from tradeproof.signing.keys import Key

    secrets: set[bytes] = set()
    original = Key.__init__

    def recording_init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        secrets.add(self.secret)

    monkeypatch.setattr(Key, "__init__", recording_init)
    from tradeproof._resources import shipped_path

    code = _pytest.main([
        str(shipped_path("conformance") / "o2"), "-c", str(PYTEST_INI), "-p", "no:cacheprovider", "-q",
        "--target", broken_url, "--rule", "O2-FOK-REVERT,O2-SIG-OTHER-KEY,O2-SESSION-OWNER-SIG,O2-ATOMIC-BATCH",
        "--report-dir", str(tmp_path), "--seed", "15",
    ])
    assert code == 1
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.parent.name == "replays" for p in written) and len(secrets) > 5
    for path in written:
        text = path.read_bytes().lower()
        for secret in secrets:
            assert secret.hex().encode() not in text, f"a private key leaked into {path.name}"
