"""JUnit XML: one testcase per rule, so CI systems list rules, not test functions."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from ..runner.results import RuleResult, RunInfo, Status, counts


def _details(result: RuleResult) -> str:
    problem = result.first_problem
    lines = [f"rule: {result.rule.id} ({result.rule.severity.value})", f"statement: {result.rule.statement}",
             f"source: {result.rule.source}", f"expected: {result.rule.expected_text}"]
    if problem is not None:
        lines += [f"test: {problem.nodeid}", f"observed: {problem.observed or problem.message}"]
        if problem.replay:
            lines.append(f"replay: tradeproof replay {problem.replay}")
        for exchange in problem.evidence[-2:]:
            lines.append("exchange: " + json.dumps(exchange, indent=2, default=str))
    return "\n".join(lines)


def junit_xml(run: RunInfo, results: Sequence[RuleResult]) -> ET.ElementTree:
    tally = counts(results)
    root = ET.Element(
        "testsuites",
        name="tradeproof",
        tests=str(len(results)),
        failures=str(tally[Status.FAILED.value]),
        errors=str(tally[Status.FAULT.value] + tally[Status.ERROR.value]),
        skipped=str(tally[Status.SKIPPED.value]),
        time=f"{run.duration:.3f}",
    )
    for protocol in run.protocols:
        mine = [r for r in results if r.rule.protocol.value == protocol]
        suite = ET.SubElement(
            root, "testsuite", name=f"tradeproof.{protocol}", tests=str(len(mine)),
            failures=str(sum(r.status is Status.FAILED for r in mine)),
            errors=str(sum(r.status in (Status.FAULT, Status.ERROR) for r in mine)),
            skipped=str(sum(r.status is Status.SKIPPED for r in mine)),
        )
        props = ET.SubElement(suite, "properties")
        for name, value in (("target", run.targets.get(protocol, "")), ("profile", run.profile), ("seed", str(run.seed))):
            ET.SubElement(props, "property", name=name, value=value)
        for result in mine:
            case = ET.SubElement(
                suite, "testcase", classname=f"tradeproof.{protocol}.{result.rule.category}", name=result.rule.id,
                time=f"{sum(t.duration for t in result.tests):.3f}",
            )
            _outcome(case, result)
    if run.unattributed:
        suite = ET.SubElement(root, "testsuite", name="tradeproof.unattributed", tests=str(len(run.unattributed)),
                              errors=str(len(run.unattributed)))
        for test in run.unattributed:
            case = ET.SubElement(suite, "testcase", classname="tradeproof.unattributed", name=test.nodeid,
                                 time=f"{test.duration:.3f}")
            node = ET.SubElement(case, "error", message=test.message[:500], type=test.status.value)
            node.text = "\n".join(json.dumps(e, indent=2, default=str) for e in test.evidence[-2:])
    return ET.ElementTree(root)


def _outcome(case: ET.Element, result: RuleResult) -> None:
    status, rule = result.status, result.rule
    if status is Status.SKIPPED:
        ET.SubElement(case, "skipped", message=result.reason or "skipped")
    elif status is Status.FAILED and rule.severity.value == "must":
        replay = result.first_problem.replay if result.first_problem else ""
        message = result.reason[:500] + (f" (replay: tradeproof replay {replay})" if replay else "")
        node = ET.SubElement(case, "failure", message=message, type="rule-failed")
        node.text = _details(result)
    elif status in (Status.FAULT, Status.ERROR):
        node = ET.SubElement(case, "error", message=result.reason[:500], type=status.value)
        node.text = _details(result)
    else:
        out = ET.SubElement(case, "system-out")
        out.text = _details(result) + ("\nadvisory rule failed" if status is Status.FAILED else "")


def write_junit(path: Path, run: RunInfo, results: Sequence[RuleResult]) -> None:
    tree = junit_xml(run, results)
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)
