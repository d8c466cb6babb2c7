"""Every rule can fail: the suite, run through ``tradeproof run`` against a target that
breaks exactly one rule, reports that rule as failed (and the run exits 1 for a
``must`` rule). A rule check that cannot fail is a defect."""

from __future__ import annotations

import json

import pytest
from broken_targets import Broken, catalogue, unpaced
from warm_python import python

from tradeproof import rules
from tradeproof.reference import BackgroundServer

CATALOGUE = catalogue()


def test_every_rule_has_a_broken_target():
    covered = {b.rule_id for b in CATALOGUE}
    missing = sorted(rules.ids() - covered)
    assert not missing, f"rules without a broken target: {missing}"


def test_broken_target_names_are_unique():
    ids = [b.id for b in CATALOGUE]
    assert len(ids) == len(set(ids))


def run_suite(url: str, rule_id: str, report_dir, seed: int = 7) -> tuple[int, dict]:
    proc = python("-m", "tradeproof", "run", "--target", url, "--rule", rule_id,
                  "--report-dir", str(report_dir), "--seed", str(seed), timeout=300)
    report_path = report_dir / "tradeproof-report.json"
    assert report_path.exists(), f"no report written\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    return proc.returncode, json.loads(report_path.read_text())


@pytest.mark.slow
@pytest.mark.parametrize("broken", CATALOGUE, ids=[b.id for b in CATALOGUE])
def test_suite_reports_the_broken_rule(broken: Broken, tmp_path):
    with BackgroundServer(unpaced(broken)) as server:
        code, report = run_suite(server.url, broken.rule_id, tmp_path)
    [verdict] = [r for r in report["rules"] if r["id"] == broken.rule_id]
    assert verdict["status"] == "failed", f"{broken.description}: suite said {verdict['status']}: {verdict['reason']}"
    expected_code = 1 if rules.get(broken.rule_id).severity.value == "must" else 0
    assert code == expected_code
