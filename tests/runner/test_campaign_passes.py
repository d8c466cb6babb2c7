"""A long timed campaign runs its fuzz tests in passes (``tradeproof.runner.passes``):
the pass lengths, each test's slice within its pass, and end to end — every test
reported once, examples counted over all passes, a find reported with a replay that
reproduces it."""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/
from broken_targets import catalogue, unpaced
from fuzz_runs import FUZZ, found_and_replayed, fuzz

from tradeproof.reference import BackgroundServer
from tradeproof.runner.campaign import Campaign


@pytest.mark.parametrize(
    ("duration", "ends"),
    [
        (30, [30]),
        (60, [60]),
        (179, [179]),
        (180, [60, 180]),
        (600, [60, 180, 600]),
        (3600, [60, 180, 420, 900, 3600]),
    ],
)
def test_passes_double_while_a_longer_one_still_fits(duration, ends):
    assert Campaign(duration=duration).pass_ends() == ends


def test_a_campaign_bounded_by_count_has_one_pass():
    assert Campaign(duration=None, max_examples=10).pass_ends() == [math.inf]
    assert Campaign(duration=600, max_examples=10).pass_ends() == [math.inf]


def test_a_test_gets_its_share_of_the_pass_not_of_the_campaign():
    now = time.monotonic()
    campaign = Campaign(duration=600, started=now)
    campaign.begin_pass(0)
    campaign.begin_test(weight=1, weights_left=4)  # a quarter of the first minute
    assert campaign.test_deadline is not None
    assert campaign.test_deadline - now == pytest.approx(15, abs=1)
    campaign.begin_pass(2)
    campaign.begin_test(weight=1, weights_left=1)  # the whole last pass
    assert campaign.test_deadline - now == pytest.approx(600, abs=1)


def _report(report_dir: Path) -> dict:
    return json.loads((report_dir / "tradeproof-report.json").read_text())


def _tests_per_rule(report: dict) -> dict[str, list[str]]:
    return {rule["id"]: [t["nodeid"] for t in rule["tests"]] for rule in report["rules"] if rule["tests"]}


@pytest.mark.slow
def test_a_campaign_in_passes_reports_each_test_once(tmp_path):
    proc = fuzz(FUZZ / "o2" / "test_request_faults.py", tmp_path, "--duration", "14s", "--first-pass", "2s",
                "--seed", "2", "--hypothesis-seed=2", "-k", "NONCE or REFERER")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    report = _report(tmp_path)
    assert {sample["pass"] for sample in report["run"]["timeline"]} == {0, 1, 2}  # 2 s, 4 s, the last 8 s
    for rule, tests in _tests_per_rule(report).items():
        assert len(tests) == len(set(tests)) == 1, rule
    examples = [t["examples"] for rule in report["rules"] for t in rule["tests"]]
    assert all(n > 0 for n in examples)
    junit = (tmp_path / "tradeproof-junit.xml").read_text()
    assert junit.count("<testcase") - junit.count("<skipped") == len(_tests_per_rule(report))  # rules not run: skipped


@pytest.mark.slow
def test_a_find_in_a_campaign_in_passes_is_reported_once_and_replays(tmp_path):
    [broken] = [b for b in catalogue() if b.id == "O2-NONCE-FUTURE:accepts-greater"]
    with BackgroundServer(unpaced(broken)) as server:
        proc = fuzz(FUZZ / "o2" / "test_request_faults.py", tmp_path, "--target", server.url, "--duration", "20s",
                    "--first-pass", "4s", "--seed", "1", "--hypothesis-seed=1", "-k", "NONCE")
        found_and_replayed(proc, tmp_path, broken.rule_id, server.url)
    report = _report(tmp_path)
    assert {0, 1} <= {sample["pass"] for sample in report["run"]["timeline"]}  # the campaign did run in passes
    tests = _tests_per_rule(report)
    assert all(len(nodeids) == 1 for nodeids in tests.values()), tests


def test_a_bad_first_pass_is_a_usage_error(tmp_path):
    proc = fuzz(FUZZ / "o2" / "test_request_faults.py", tmp_path, "--duration", "10s", "--first-pass", "soon",
                "--collect-only")
    assert proc.returncode == 4, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "--first-pass" in proc.stderr + proc.stdout
    assert "Traceback" not in proc.stderr
