"""Aggregation of test results into rule verdicts, and the exit code."""

from __future__ import annotations

from tradeproof import rules
from tradeproof.runner.results import Status, TestResult, aggregate, exit_code


def result(rule_id, status, violated=""):
    return TestResult(f"t::{rule_id}::{status}", (rule_id,), status, violated=violated)


def verdict(*tests):
    rule = rules.get(tests[0].rule_ids[0])
    return aggregate(tests, [rule])[0].status


def test_a_rule_passes_only_when_a_test_passed_and_none_did_worse():
    assert verdict(result("O2-FOK-REVERT", Status.PASSED)) is Status.PASSED
    assert verdict(result("O2-FOK-REVERT", Status.PASSED), result("O2-FOK-REVERT", Status.SKIPPED)) is Status.PASSED
    assert verdict(result("O2-FOK-REVERT", Status.SKIPPED)) is Status.SKIPPED
    assert verdict(result("O2-FOK-REVERT", Status.PASSED), result("O2-FOK-REVERT", Status.FAILED)) is Status.FAILED
    assert verdict(result("O2-FOK-REVERT", Status.FAILED), result("O2-FOK-REVERT", Status.FAULT)) is Status.FAULT


def test_a_rule_with_no_test_is_reported_not_passed():
    [outcome] = aggregate([], [rules.get("O2-FOK-REVERT")])
    assert outcome.status is Status.SKIPPED and "no test" in outcome.reason


def test_a_failure_on_another_rule_does_not_fail_this_one():
    test = TestResult("t", ("O2-FOK-REVERT", "O2-ATOMIC-BATCH"), Status.FAILED, violated="O2-ATOMIC-BATCH")
    fok, atomic = aggregate([test], [rules.get("O2-FOK-REVERT"), rules.get("O2-ATOMIC-BATCH")])
    assert (fok.status, atomic.status) == (Status.SKIPPED, Status.FAILED)


def test_exit_codes():
    must, advisory = rules.get("O2-FOK-REVERT"), rules.get("O2-REFERER-TO")
    ok = aggregate([result(must.id, Status.PASSED)], [must])
    assert exit_code(ok) == 0
    assert exit_code(aggregate([result(must.id, Status.FAILED)], [must])) == 1
    assert exit_code(aggregate([result(advisory.id, Status.FAILED)], [advisory])) == 0
    assert exit_code(aggregate([result(must.id, Status.FAULT)], [must])) == 3
    assert exit_code(aggregate([result(must.id, Status.ERROR)], [must])) == 1


def test_a_violation_counts_against_the_rule_it_names_even_if_not_tagged():
    setup_failure = TestResult("t", ("DRV-MAX-FEE",), Status.FAILED, violated="DRV-VALID-ACCEPTED")
    fee, valid = aggregate([setup_failure], [rules.get("DRV-MAX-FEE"), rules.get("DRV-VALID-ACCEPTED")])
    assert (fee.status, valid.status) == (Status.FAILED, Status.FAILED)


def test_a_fault_outside_any_rule_still_decides_the_exit_code():
    must = rules.get("O2-FOK-REVERT")
    passed = aggregate([result(must.id, Status.PASSED)], [must])
    probe = TestResult("fuzz/test_schemathesis.py::test_schemathesis[o2-GET-/v1/depth]", (), Status.FAULT, "HTTP 500")
    assert exit_code(passed, [probe]) == 3
    assert exit_code(passed, [TestResult("t", (), Status.ERROR, "suite error")]) == 1
    assert exit_code(passed, []) == 0
