"""Recorded results covering every status, for the report writers' tests."""

from __future__ import annotations

import pytest

from tradeproof import rules
from tradeproof.runner.results import RunInfo, Status, TestResult, aggregate

EXCHANGE = {
    "method": "POST", "url": "/v1/session/actions",
    "request": {"nonce": "3", "signature": {"Secp256k1": "0x" + "ab" * 64}, "actions": []},
    "headers": {"O2-Owner-Id": "0x" + "11" * 32}, "status": 200, "response": {"tx_id": "0x" + "cd" * 32},
    "elapsed_ms": 1.5, "error": "",
    "signature_check": {"recovered": "0x" + "22" * 32, "expected_signer": "0x" + "22" * 32, "signed_fields": ["nonce"]},
}


@pytest.fixture
def recorded():
    """(run, results): one rule of each status, with evidence and a replay path on the failure."""
    tests = [
        TestResult("conformance/o2/test_x.py::test_pass", ("O2-BATCH-NONEMPTY",), Status.PASSED, duration=0.2),
        TestResult(
            "conformance/o2/test_order_types.py::test_fok", ("O2-FOK-REVERT",), Status.FAILED,
            "O2-FOK-REVERT: expected rejected, observed accepted", 0.3, (EXCHANGE,), "rejected", "accepted",
            "O2-FOK-REVERT", "reports/replays/O2-FOK-REVERT-0123456789.json",
        ),
        TestResult("conformance/o2/test_x.py::test_skip", ("O2-SESSION-CONTRACTS",), Status.SKIPPED,
                   "the target lists one market; scoping needs two"),
        TestResult("conformance/derive/test_x.py::test_fault", ("DRV-MAX-FEE",), Status.FAULT,
                   "target fault: HTTP 500", 0.1, ({"method": "POST", "url": "/private/execute_quote", "status": 500,
                                                      "request": {"nonce": 1}, "response": "boom", "error": ""},)),
        TestResult("conformance/derive/test_x.py::test_pass", ("DRV-PARSE-ERROR",), Status.PASSED),
    ]
    wanted = [rules.get(t.rule_ids[0]) for t in tests] + [rules.get("O2-RATE-LIMIT")]
    timeline = tuple({"t": float(i), "examples": 10 * i, "examples_per_s": 10.0, "failures": i // 3} for i in range(8))
    run = RunInfo({"o2": "http://target.test", "derive": "http://target.test"}, ("o2", "derive"), "ci", 42,
                  1_800_000_000.0, 1_800_000_012.5, "0.1.0", "0.1.0", timeline=timeline)
    return run, aggregate(tests, wanted)
