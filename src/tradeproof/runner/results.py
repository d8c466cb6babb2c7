"""Result records: one per test, aggregated into one per rule.

Every writer (console, JUnit, JSON, and later HTML and replay files) reads only
these records, so adding an output never reworks the run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .. import rules
from ..rules import Rule, Severity


class Status(StrEnum):
    """Outcome of a test or rule, worst last."""

    PASSED = "passed"
    SKIPPED = "skipped"
    EXPECTED_FAILURE = "known-failure"  # listed in a baseline
    FAILED = "failed"
    ERROR = "suite-error"  # the suite itself broke: not a verdict on the target
    FAULT = "target-fault"


_WORST = [Status.PASSED, Status.SKIPPED, Status.EXPECTED_FAILURE, Status.ERROR, Status.FAILED, Status.FAULT]


@dataclass(frozen=True)
class TestResult:
    """What one test (one pytest item) found."""

    __test__ = False  # not a pytest test class, despite the name

    nodeid: str
    rule_ids: tuple[str, ...]
    status: Status
    message: str = ""
    duration: float = 0.0
    evidence: tuple[dict[str, Any], ...] = ()  # request/response pairs (public data only)
    expected: str = ""
    observed: str = ""
    violated: str = ""  # the rule a failure names
    replay: str = ""  # path of the replay file written for this failure
    examples: int = 0  # examples (or state-machine steps) a fuzz test ran

    def status_for(self, rule_id: str) -> Status:
        """This test's verdict on one of its rules: a failure on another rule did not reach it."""
        if self.status is Status.FAILED and self.violated != rule_id and self.violated in self.rule_ids:
            return Status.SKIPPED  # failed on a sibling rule of the same test: this one not reached
        return self.status

    def as_dict(self) -> dict[str, Any]:
        return {
            "nodeid": self.nodeid,
            "rules": list(self.rule_ids),
            "status": self.status.value,
            "message": self.message,
            "duration_s": round(self.duration, 3),
            "expected": self.expected,
            "observed": self.observed,
            "evidence": list(self.evidence),
            "replay": self.replay,
            "violated": self.violated,
            "examples": self.examples,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TestResult:
        """The record ``as_dict`` made (how results travel from xdist workers)."""
        return cls(
            nodeid=str(data["nodeid"]),
            rule_ids=tuple(data["rules"]),
            status=Status(data["status"]),
            message=str(data.get("message", "")),
            duration=float(data.get("duration_s", 0.0)),
            evidence=tuple(data.get("evidence", ())),
            expected=str(data.get("expected", "")),
            observed=str(data.get("observed", "")),
            violated=str(data.get("violated", "")),
            replay=str(data.get("replay", "")),
            examples=int(data.get("examples", 0)),
        )


@dataclass(frozen=True)
class RuleResult:
    """A rule's verdict over every test tagged with it."""

    rule: Rule
    status: Status
    tests: tuple[TestResult, ...] = field(default=())

    @property
    def first_problem(self) -> TestResult | None:
        for test in self.tests:
            if test.status_for(self.rule.id) is self.status and self.status is not Status.PASSED:
                return test
        return None

    @property
    def reason(self) -> str:
        problem = self.first_problem
        if problem is not None:
            return problem.message
        return "" if self.tests else "no test for this rule was run"

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.rule.id,
            "protocol": self.rule.protocol.value,
            "category": self.rule.category,
            "severity": self.rule.severity.value,
            "statement": self.rule.statement,
            "source": self.rule.source,
            "expected": self.rule.expected_text,
            "status": self.status.value,
            "reason": self.reason,
            "tests": [t.as_dict() for t in self.tests],
        }


def rule_status(rule_id: str, tests: Sequence[TestResult]) -> Status:
    """The worst status of a rule's tests, except that a rule is passed only when at least
    one test passed and none did worse than skip."""
    decided = [s for s in (t.status_for(rule_id) for t in tests) if s is not Status.SKIPPED]
    if not decided:
        return Status.SKIPPED
    return max(decided, key=_WORST.index)


def aggregate(tests: Iterable[TestResult], wanted: Iterable[Rule]) -> list[RuleResult]:
    """One ``RuleResult`` per wanted rule, in catalogue order."""
    by_rule: dict[str, list[TestResult]] = {}
    for test in tests:
        # a violation counts against the rule it names, even when a scenario of another
        # rule found it (e.g. a setup step that must be accepted)
        for rule_id in dict.fromkeys((*test.rule_ids, *([test.violated] if test.violated else []))):
            by_rule.setdefault(rule_id, []).append(test)
    return [RuleResult(rule, rule_status(rule.id, by_rule.get(rule.id, [])), tuple(by_rule.get(rule.id, []))) for rule in wanted]


def exit_code(results: Sequence[RuleResult], unattributed: Sequence[TestResult] = ()) -> int:
    """0 all ``must`` rules hold; 1 one failed (or could not be checked because the suite
    broke); 3 the target faulted — also in a test no rule is tagged on (a fuzzer probing
    a read endpoint). A fault wins: a faulty target's verdicts cannot be trusted."""
    from ..errors import EXIT_OK, EXIT_RULE_FAILED, EXIT_TARGET_FAULT

    if any(r.status is Status.FAULT for r in results) or any(t.status is Status.FAULT for t in unattributed):
        return EXIT_TARGET_FAULT
    if any(r.status in (Status.FAILED, Status.ERROR) and r.rule.severity is Severity.MUST for r in results):
        return EXIT_RULE_FAILED
    if any(t.status in (Status.FAILED, Status.ERROR) for t in unattributed):
        return EXIT_RULE_FAILED
    return EXIT_OK


def catalogue(protocols: Iterable[str], only: Iterable[str] = (), shard: tuple[int, int] | None = None) -> list[Rule]:
    """The rules a run reports on: those of its protocols (or only the ``--rule`` ones),
    and of its shard when the run is one of several."""
    wanted, chosen = set(protocols), set(only)
    return [
        r for r in rules.all_rules()
        if r.protocol.value in wanted and (not chosen or r.id in chosen) and (shard is None or shard_of(r.id, shard[1]) == shard[0])
    ]


def shard_of(rule_id: str, shards: int) -> int:
    """The shard (1-based) a rule belongs to: round robin over the catalogue order, so
    every shard gets a fair mix and the split never changes between runs."""
    order = [r.id for r in rules.all_rules()]
    return order.index(rule_id) % shards + 1


@dataclass(frozen=True)
class RunInfo:
    """What was run, against what: the header of every report."""

    targets: dict[str, str]
    protocols: tuple[str, ...]
    profile: str
    seed: int
    started: float
    finished: float
    tool_version: str = ""
    schema_version: str = ""
    baseline: str | None = None
    timeline: tuple[dict[str, float], ...] = ()
    unattributed: tuple[TestResult, ...] = ()  # tests with no rule that did not pass (faults)

    @property
    def duration(self) -> float:
        return self.finished - self.started

    def as_dict(self) -> dict[str, Any]:
        return {
            "targets": self.targets,
            "protocols": list(self.protocols),
            "profile": self.profile,
            "seed": self.seed,
            "started": self.started,
            "finished": self.finished,
            "duration_s": round(self.duration, 3),
            "tool_version": self.tool_version,
            "schema_version": self.schema_version,
            "baseline": self.baseline,
            "timeline": list(self.timeline),
            "unattributed": [t.as_dict() for t in self.unattributed],
        }


def counts(results: Sequence[RuleResult]) -> dict[str, int]:
    """How many rules ended in each status (every status present, zero or not)."""
    out = {status.value: 0 for status in Status}
    for result in results:
        out[result.status.value] += 1
    return out
