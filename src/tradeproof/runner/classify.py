"""From a pytest report to a ``TestResult``: pass, fail, skip, target fault, suite error."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..checks.failures import RuleViolation
from ..errors import TargetFault
from .results import Status, TestResult


def iter_exceptions(exc: BaseException) -> Iterator[BaseException]:
    """An exception and, for groups (Hypothesis may report several), its members."""
    yield exc
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            yield from iter_exceptions(inner)
    if exc.__cause__ is not None:
        yield from iter_exceptions(exc.__cause__)


def _skip_reason(report: Any) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def result_of(nodeid: str, rule_ids: tuple[str, ...], report: Any, call: Any) -> TestResult | None:
    """The record of one finished test phase (None for phases that decide nothing)."""
    duration = float(getattr(report, "duration", 0.0))
    if report.skipped:
        return TestResult(nodeid, rule_ids, Status.SKIPPED, _skip_reason(report), duration)
    if report.passed:
        return TestResult(nodeid, rule_ids, Status.PASSED, "", duration)
    exc = call.excinfo.value if call.excinfo is not None else None
    for inner in iter_exceptions(exc) if exc is not None else ():
        if isinstance(inner, TargetFault):
            evidence = (inner.exchange,) if inner.exchange else ({"request": inner.request},) if inner.request else ()
            return TestResult(nodeid, rule_ids, Status.FAULT, f"target fault: {inner}", duration, evidence)
    for inner in iter_exceptions(exc) if exc is not None else ():
        if isinstance(inner, RuleViolation):
            return TestResult(
                nodeid,
                rule_ids,
                Status.FAILED,
                str(inner),
                duration,
                tuple(x.as_dict() for x in inner.exchanges),
                inner.expected,
                inner.observed,
                inner.rule_id,
            )
    text = f"{type(exc).__name__}: {exc}" if exc is not None else "failed"
    return TestResult(nodeid, rule_ids, Status.ERROR, f"suite error: {text}"[:2000], duration)
