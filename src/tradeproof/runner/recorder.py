"""Turns pytest reports of rule-tagged tests into ``TestResult`` records, and the records
into the run's summary and reports.

Where a test runs (a single process, or a pytest-xdist worker) the result is built from
the report and its exception, annotated, given a replay file, and attached to the report
as a user property; where reports arrive (the single process, or the xdist controller)
it is collected. So the records are the same with or without workers, and only the
process that sees every result writes reports.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Generator
from typing import Any

import pytest

from . import keys
from .results import RuleResult, RunInfo, TestResult


def plain_nodeid(item: pytest.Item) -> str:
    """The node id without the ``@group`` suffix pytest-xdist's loadgroup appends (a
    replay must find the test in a run without workers too)."""
    nodeid = item.nodeid
    at = nodeid.rfind("@")
    return nodeid[:at] if at > nodeid.rfind("]") else nodeid


def _is_tradeproof(item: pytest.Item) -> bool:
    """Does the test use the run's target (a fixture of the plugin)? Only then is an
    untagged test's failure the target's business."""
    names = set(getattr(item, "fixturenames", ()))
    return bool(names & {"tradeproof_context", "o2", "derive", "campaign", "examples", "new_trader", "new_party"})


def rule_ids_of(item: pytest.Item) -> tuple[str, ...]:
    ids: list[str] = []
    for mark in item.iter_markers("rule"):
        ids.extend(str(arg) for arg in mark.args)
    return tuple(dict.fromkeys(ids))


class Recorder:
    """The tradeproof plugin's result recorder (one per pytest process)."""

    def __init__(self, config: pytest.Config, context_of: Callable[[pytest.Config], Any]) -> None:
        self.config = config
        self.context_of = context_of
        self.results: list[TestResult] = []
        self.listeners: list[Callable[[TestResult], None]] = []
        self.started = time.time()
        self._summary: tuple[RunInfo, list[RuleResult]] | None = None
        self._examples_at_start: dict[str, int] = {}
        self._examples_run: dict[str, int] = {}
        self.report_paths: list[Any] = []

    # ------------------------------------------------------------------ where tests run

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        campaign = self.config.stash.get(keys.CAMPAIGN, None)
        self._examples_at_start[item.nodeid] = campaign.examples if campaign is not None else 0

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
        outcome = yield
        report = outcome.get_result()
        ids = rule_ids_of(item)
        final = report.when == "call" or (report.when == "setup" and not report.passed)
        if not final:
            return
        if not ids and (report.passed or report.skipped or not _is_tradeproof(item)):
            return  # a test no rule is tagged on matters only when it fails against the target
        from .classify import result_of

        result = result_of(plain_nodeid(item), ids, report, call)
        if result is None:
            return
        campaign = self.config.stash.get(keys.CAMPAIGN, None)
        if campaign is not None:  # over every pass of a campaign that ran the test more than once
            ran = campaign.examples - self._examples_at_start.get(item.nodeid, 0)
            self._examples_run[item.nodeid] = self._examples_run.get(item.nodeid, 0) + ran
            result = dataclasses.replace(result, examples=self._examples_run[item.nodeid])
        if result.evidence:
            result = self._annotated(result)
        if result.violated:
            result = self._with_replay(item, result)
        report.user_properties.append((keys.RESULT_PROPERTY, result.as_dict()))

    def _annotated(self, result: TestResult) -> TestResult:
        """Evidence with each signature's recovered signer and signed fields."""
        from .evidence import annotate

        context = self.config.stash.get(keys.CONTEXT, None)
        if context is None:
            return result
        return dataclasses.replace(result, evidence=tuple(annotate(e, context) for e in result.evidence))

    def _with_replay(self, item: pytest.Item, result: TestResult) -> TestResult:
        """Write the failure's replay file (when reports are written) and name it."""
        context = self.config.stash.get(keys.CONTEXT, None)
        if context is None or context.settings.report_dir is None or self.config.getoption("tradeproof_replay"):
            return result
        from .. import __version__, rules
        from ..replay import ReplayFile, write_replay
        from ..replay.files import found_now

        runner = item.stash.get(keys.EXAMPLES, None)
        rule = rules.get(result.violated)
        replay = ReplayFile(
            rule=rule.id,
            protocol=rule.protocol.value,
            test=plain_nodeid(item),
            draws=runner.dumped() if runner is not None else None,
            expected=result.expected,
            observed=result.observed,
            seed=context.settings.seed,
            evidence=list(result.evidence),
            found=found_now(context.target_description().get(rule.protocol.value, ""), context.settings.profile, __version__),
        )
        path = write_replay(context.settings.report_dir / "replays", replay)
        return dataclasses.replace(result, replay=str(path))

    # ------------------------------------------------------------------ where reports arrive

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if keys.is_worker(self.config):
            return
        for name, value in report.user_properties:
            if name == keys.RESULT_PROPERTY:
                self._collect(TestResult.from_dict(value))

    def _collect(self, result: TestResult) -> None:
        self.results.append(result)
        campaign = self.config.stash.get(keys.CAMPAIGN, None)
        if campaign is not None:
            if result.violated:
                campaign.record_failure()
            if self.config.pluginmanager.has_plugin("dsession"):  # workers count their own examples
                campaign.add_examples(result.examples, result.rule_ids)
        for listener in self.listeners:
            listener(result)

    def summary(self) -> tuple[RunInfo, list[RuleResult]] | None:
        """The run's header and per-rule verdicts (None before the run has a context)."""
        context = self.config.stash.get(keys.CONTEXT, None)
        if context is None or keys.is_worker(self.config):
            return None
        if self._summary is None:
            from .. import __version__
            from .results import aggregate, catalogue

            settings = context.settings
            campaign = self.config.stash.get(keys.CAMPAIGN, None)
            run = RunInfo(
                targets=context.target_description(),
                protocols=settings.protocols,
                profile=settings.profile,
                seed=settings.seed,
                started=self.started,
                finished=time.time(),
                tool_version=__version__,
                schema_version=__version__,
                timeline=tuple(campaign.timeline) if campaign is not None else (),
                baseline=settings.baseline,
                unattributed=tuple(t for t in self.results if not t.rule_ids),
            )
            results = aggregate(self.results, catalogue(settings.protocols, settings.rules, settings.shard))
            if settings.baseline:
                from .baseline import apply, read_baseline

                results = apply(results, read_baseline(settings.baseline))
            self._summary = (run, results)
        return self._summary
