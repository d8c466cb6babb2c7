"""What a person sees while a run goes: a live progress display on a terminal, plain
lines in CI, and a per-rule summary at the end. A pytest plugin fed by the recorder."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

import pytest
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..rules import Severity
from ..runner.results import RuleResult, RunInfo, Status, TestResult, counts


def _real_stdout() -> Any:
    try:
        return os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1, encoding="utf-8", errors="replace")
    except (OSError, ValueError, AttributeError):  # no real stdout (embedded use): write where print does
        return sys.stdout


_STYLE = {
    Status.PASSED: "green",
    Status.SKIPPED: "yellow",
    Status.EXPECTED_FAILURE: "cyan",
    Status.FAILED: "bold red",
    Status.ERROR: "magenta",
    Status.FAULT: "bold magenta",
}


class ConsoleReporter:
    """Registered by ``tradeproof run``; prints progress and problems as they happen."""

    def __init__(self, live: bool | None = None, stream: Any = None) -> None:
        # our own handle on the real stdout: pytest captures fd 1 while a test runs, and the
        # fuzz panel prints from a thread in the middle of tests
        stream = stream or _real_stdout()
        self.console = Console(file=stream, highlight=False)
        if not self.console.is_terminal:
            self.console = Console(file=stream, highlight=False, width=240, soft_wrap=True)
        self.live = self.console.is_terminal if live is None else live
        self.progress: Progress | None = None
        self.task: Any = None
        self.summary: tuple[RunInfo, list[RuleResult]] | None = None
        self.recorder: Any = None
        self.collect_errors: list[str] = []
        self.internal_error: str = ""

    # ------------------------------------------------------------------ pytest hooks

    def pytest_configure(self, config: pytest.Config) -> None:
        from ..pytest_plugin import recorder

        self.recorder = recorder(config)
        self.recorder.listeners.append(self.on_result)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collect_errors.append(f"{report.nodeid}: {report.longreprtext.strip().splitlines()[-1:]}")

    def pytest_internalerror(self, excrepr: Any) -> None:
        self.internal_error = str(excrepr).strip().splitlines()[-1] if str(excrepr).strip() else "internal error"

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        total = len(session.items)
        if self.live:
            self.progress = Progress(
                TextColumn("[bold]checking rules"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                TextColumn("{task.description}"), console=self.console, transient=True,
            )
            self.progress.start()
            self.task = self.progress.add_task("", total=total)
        else:
            self.console.print(f"tradeproof: {total} tests")

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        from ..pytest_plugin import recorder

        if self.progress is not None:
            self.progress.stop()
        self.summary = recorder(session.config).summary()

    # ------------------------------------------------------------------ events

    def on_result(self, result: TestResult) -> None:
        # a failure names the rule it broke (a fuzz test carries many rules)
        named = result.status is Status.FAILED and result.violated in result.rule_ids
        rules = result.violated if named else ",".join(result.rule_ids)
        if self.progress is not None:
            self.progress.update(self.task, advance=1, description=rules)
            if result.status not in (Status.PASSED, Status.SKIPPED):
                self.progress.console.print(f"[{_STYLE[result.status]}]{result.status.value:>12}[/] {rules}  {result.message[:200]}")
        else:
            line = f"{result.status.value:>12} {rules} ({result.nodeid.split('::')[-1]}, {result.duration:.2f}s)"
            if result.status not in (Status.PASSED,):
                line += f": {result.message[:300]}"
            self.console.print(line, markup=False)

    # ------------------------------------------------------------------ summary

    def print_summary(self, results: Sequence[RuleResult], run: RunInfo) -> None:
        problems = [r for r in results if r.status is not Status.PASSED]
        if problems and self.live:
            table = Table(title="rules that did not pass", expand=True, show_lines=False)
            for column in ("rule", "severity", "status", "reason"):
                table.add_column(column, overflow="fold")
            for result in problems:
                table.add_row(
                    result.rule.id,
                    result.rule.severity.value,
                    f"[{_STYLE[result.status]}]{result.status.value}[/]",
                    result.reason[:300],
                )
            self.console.print(table)
        elif problems:
            self.console.print("rules that did not pass:", markup=False)
            for result in problems:
                self.console.print(
                    f"  {result.rule.id} [{result.rule.severity.value}] {result.status.value}: {result.reason[:300]}",
                    markup=False,
                )
        for test in run.unattributed:
            self.console.print(f"  {test.status.value} outside any rule: {test.nodeid}: {test.message[:300]}", markup=False)
        tally = counts(results)
        must_failed = sum(r.status is Status.FAILED and r.rule.severity is Severity.MUST for r in results)
        parts = [f"{n} {status}" for status, n in tally.items() if n]
        self.console.print(
            f"tradeproof: {len(results)} rules, " + ", ".join(parts)
            + f" ({must_failed} must-rule failures) in {run.duration:.1f}s; seed {run.seed}, profile {run.profile}",
            markup=False,
        )
        for path in self.recorder.report_paths:
            self.console.print(f"report: {path}", markup=False)

    def print_annotations(self, results: Sequence[RuleResult]) -> None:
        """GitHub Actions workflow commands: an error per failed rule, a warning per skip."""
        for result in results:
            if result.status in (Status.FAILED, Status.FAULT, Status.ERROR):
                level = "error" if result.rule.severity is Severity.MUST else "warning"
            elif result.status is Status.SKIPPED and result.rule.severity is Severity.MUST:
                level = "warning"
            else:
                continue
            problem = result.first_problem
            text = f"{result.status.value}: {result.reason}"
            if problem is not None and problem.replay:
                text += f" (replay: tradeproof replay {problem.replay})"
            self.console.print(f"::{level} title={result.rule.id}::{_escape_command(text)}", markup=False, soft_wrap=True)


def _escape_command(text: str) -> str:
    """GitHub's escaping for workflow command data."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
