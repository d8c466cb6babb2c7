"""--workers runs checks in several processes (book scenarios kept on one of them) with
the same verdicts; --shard i/n splits the rules between CI jobs without overlap."""

from __future__ import annotations

import json

import pytest
from warm_python import python

from tradeproof import rules
from tradeproof.runner.results import shard_of

pytestmark = pytest.mark.slow

# every family, book scenarios included (they must stay on one worker)
RULES = ",".join([
    "O2-BATCH-MAX-ACTIONS", "O2-SIG-HIGH-S", "O2-NONCE-STALE", "O2-FOK-REVERT", "O2-PRICE-TIME-PRIORITY",
    "O2-POSTONLY-RESTS", "O2-ATOMIC-BATCH", "O2-CONSERVATION", "O2-UNSPECIFIED-SAFE", "DRV-EXPIRY-MIN-310",
    "DRV-ATOMIC-SETTLE", "DRV-SIG-DOMAIN",
])


def run(tmp_path, name, *extra: str) -> tuple[int, dict]:
    out = tmp_path / name
    proc = python("-m", "tradeproof", "run", "--report-dir", str(out), "--seed", "5", *extra, timeout=600)
    report = json.loads((out / "tradeproof-report.json").read_text())
    return proc.returncode, {r["id"]: r["status"] for r in report["rules"]}


def test_two_workers_give_the_same_verdicts(tmp_path):
    code, verdicts = run(tmp_path, "w2", "--workers", "2", "--rule", RULES)
    assert code == 0 and set(verdicts.values()) == {"passed"} and len(verdicts) == len(RULES.split(","))


def test_shards_split_the_rules_without_overlap(tmp_path):
    first = run(tmp_path, "s1", "--shard", "1/2", "--rule", RULES)
    second = run(tmp_path, "s2", "--shard", "2/2", "--rule", RULES)
    assert first[0] == second[0] == 0
    assert not set(first[1]) & set(second[1])
    assert set(first[1]) | set(second[1]) == set(RULES.split(","))
    assert all(shard_of(r, 2) == 1 for r in first[1])


def test_sharding_is_stable_and_fair():
    ids = [r.id for r in rules.all_rules()]
    counts = [sum(shard_of(i, 4) == n for i in ids) for n in (1, 2, 3, 4)]
    assert max(counts) - min(counts) <= 1
    assert [shard_of(i, 4) for i in ids] == [shard_of(i, 4) for i in ids]


def test_a_bad_shard_is_a_usage_error(tmp_path):
    proc = python("-m", "tradeproof", "run", "--shard", "3/2")
    assert proc.returncode == 2 and "--shard" in proc.stderr
