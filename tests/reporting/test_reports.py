"""Every report renders recorded results of every status, and says what it must."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import jsonschema

from tradeproof._resources import shipped_path
from tradeproof.reporting import html_report, json_summary, junit_xml, write_all


def test_json_report_follows_its_published_schema(recorded):
    run, results = recorded
    schema = json.loads((shipped_path("schemas") / "report.schema.json").read_text())
    report = json.loads(json.dumps(json_summary(run, results)))
    jsonschema.Draft202012Validator(schema).validate(report)
    statuses = {r["id"]: r["status"] for r in report["rules"]}
    assert statuses == {
        "O2-BATCH-NONEMPTY": "passed", "O2-FOK-REVERT": "failed", "O2-SESSION-CONTRACTS": "skipped",
        "DRV-MAX-FEE": "target-fault", "DRV-PARSE-ERROR": "passed", "O2-RATE-LIMIT": "skipped",
    }
    assert report["exit_code"] == 3  # a fault wins
    assert report["summary"]["failed"] == 1 and report["summary"]["target-fault"] == 1
    assert len(report["run"]["timeline"]) == 8


def test_junit_has_one_testcase_per_rule_with_the_evidence(recorded):
    run, results = recorded
    root = junit_xml(run, results).getroot()
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert set(cases) == {r.rule.id for r in results}
    failure = cases["O2-FOK-REVERT"].find("failure")
    assert failure is not None
    assert "expected rejected, observed accepted" in failure.get("message")
    assert "tradeproof replay reports/replays/O2-FOK-REVERT-0123456789.json" in failure.get("message")
    assert "rule: O2-FOK-REVERT (must)" in failure.text and "POST" in failure.text
    assert cases["DRV-MAX-FEE"].find("error").get("type") == "target-fault"
    assert "one market" in cases["O2-SESSION-CONTRACTS"].find("skipped").get("message")
    assert cases["O2-RATE-LIMIT"].find("skipped").get("message") == "no test for this rule was run"
    assert cases["O2-FOK-REVERT"].get("classname") == "tradeproof.o2.order-type"
    assert root.get("failures") == "1" and root.get("errors") == "1" and root.get("skipped") == "2"


def test_html_report_shows_matrix_details_chart_and_metadata(recorded):
    run, results = recorded
    page = html_report(run, results)
    assert 'id="matrix"' in page and 'id="timeline"' in page
    for result in results:
        assert f'data-status="{result.status.value}"' in page and f'id="{result.rule.id}"' in page
    assert "observed <b>accepted</b>" in page
    assert "recovered" in page and "0x" + "22" * 32 in page  # the recovered signer is shown
    assert "tradeproof replay reports/replays/O2-FOK-REVERT-0123456789.json" in page
    for text in ("http://target.test", "seed", "42", "0.1.0", "3 (target fault)"):
        assert text in page
    # self-contained: nothing to fetch, nothing to run
    for reference in ("<script", " src=", 'href="http', "url(", "@import", "<link"):
        assert reference not in page


def test_write_all_writes_the_three_reports(tmp_path, recorded):
    paths = write_all(tmp_path / "out", *recorded)
    assert sorted(p.name for p in paths) == ["tradeproof-junit.xml", "tradeproof-report.html", "tradeproof-report.json"]
    ET.parse(paths[0])
    json.loads(paths[1].read_text())


def test_faults_outside_the_rules_are_reported(recorded):
    import dataclasses

    from tradeproof.runner.results import Status, TestResult

    run, results = recorded
    probe = TestResult("fuzz/test_schemathesis.py::test_schemathesis[o2-GET-/v1/depth]", (), Status.FAULT,
                       "target fault: HTTP 500", 0.1, ({"method": "GET", "url": "/v1/depth", "status": 500},))
    run = dataclasses.replace(run, unattributed=(probe,))
    report = json.loads(json.dumps(json_summary(run, results)))
    assert report["run"]["unattributed"][0]["nodeid"] == probe.nodeid and report["exit_code"] == 3
    suite = junit_xml(run, results).getroot().find("testsuite[@name='tradeproof.unattributed']")
    assert suite is not None and suite.find("testcase/error") is not None
    assert 'id="unattributed"' in html_report(run, results)
