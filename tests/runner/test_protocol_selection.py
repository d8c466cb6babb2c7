"""``--protocol`` leaves out the other protocol's tests at collection, including those
without a rule of their own (Schemathesis over a harness endpoint): a skipped fuzz test
would still be counted in a timed campaign's shares, and its time would go unused."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/
from warm_python import python

ROOT = Path(__file__).resolve().parents[2]


def collected(*flags: str) -> list[str]:
    proc = python("-m", "pytest", str(ROOT / "fuzz"), "-c", str(ROOT / "src/tradeproof/runner/pytest.ini"),
                  "--rootdir", str(ROOT), "-p", "no:cacheprovider", "--collect-only", "-q", *flags, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return [line for line in proc.stdout.splitlines() if "::" in line]


def test_one_protocol_collects_none_of_the_other():
    both = collected()
    o2 = collected("--protocol", "o2")
    assert any("derive-GET-/_harness" in i for i in both)
    assert o2 and not any("derive" in i for i in o2), [i for i in o2 if "derive" in i]
    assert set(o2) < set(both)
