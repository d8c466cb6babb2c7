"""``tradeproof fuzz``: a fuzz campaign (the shipped ``fuzz/`` suites) against a target.

Bounded by ``--duration`` (shared by the fuzz tests) or ``--max-examples`` (per test).
A live panel shows examples per second, requests, failures and the rules exercised;
Ctrl-C stops the campaign cleanly and keeps what it found (replay files are written
as failures happen, reports at the end).
"""

from __future__ import annotations

import secrets
import sys
import threading
import time
from typing import Any

import click
import pytest
from rich.live import Live
from rich.table import Table

from ..errors import EXIT_USAGE, UsageError
from . import app, plain_errors
from .console import ConsoleReporter
from .run_cmd import exit_on_suite_errors, preflight, pytest_args, resolve_settings, target_options

REFRESH = 0.5
PLAIN_EVERY = 10.0


class FuzzConsole(ConsoleReporter):
    """The run console plus a campaign panel (live on a terminal, a line every 10 s in CI)."""

    def __init__(self) -> None:
        super().__init__()
        self.config: pytest.Config | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.interrupted = False

    def pytest_configure(self, config: pytest.Config) -> None:
        super().pytest_configure(config)
        self.config = config

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.console.print(f"tradeproof fuzz: {len(session.items)} fuzz tests", markup=False)
        self._thread = threading.Thread(target=self._watch, daemon=True, name="tradeproof-fuzz-panel")
        self._thread.start()

    def pytest_keyboard_interrupt(self, excinfo: Any) -> None:
        self.interrupted = True

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2)
        super().pytest_sessionfinish(session)

    def _numbers(self) -> dict[str, Any]:
        from ..pytest_plugin import run_campaign, run_context

        assert self.config is not None
        campaign, context = run_campaign(self.config), run_context(self.config)
        requests = context.requests_sent()
        elapsed = time.monotonic() - campaign.started
        left = "" if campaign.deadline is None else f"{max(0.0, campaign.deadline - time.monotonic()):.0f}s"
        passes = len(campaign.pass_ends())
        return {
            "elapsed": f"{elapsed:.0f}s", "left": left,
            "pass": f"{campaign.pass_index + 1} of {passes}" if passes > 1 else "",
            "examples": campaign.examples,
            "examples/s": f"{campaign.rate:.1f}", "requests": requests,
            "requests/s": f"{requests / elapsed:.1f}" if elapsed > 0 else "0",
            "failures": campaign.failures, "rules exercised": len(campaign.rules_seen),
        }

    def _panel(self) -> Table:
        table = Table(title="tradeproof fuzz", show_header=False)
        for key, value in self._numbers().items():
            if value != "":
                table.add_row(key, str(value))
        return table

    def _watch(self) -> None:
        if self.live:
            with Live(self._panel(), console=self.console, refresh_per_second=4, transient=True) as live:
                while not self._stop.wait(REFRESH):
                    live.update(self._panel())
            return
        while not self._stop.wait(PLAIN_EVERY):
            numbers = self._numbers()
            self.console.print("fuzz: " + ", ".join(f"{k} {v}" for k, v in numbers.items() if v != ""), markup=False)


@app.command("fuzz")
@target_options
@click.option("--duration", help="Campaign length, e.g. 90s, 10m, 1h (shared by the fuzz tests).")
@click.option("--max-examples", type=click.IntRange(min=1), help="Examples per fuzz test, instead of a duration.")
@plain_errors
def fuzz_command(**flags: Any) -> None:
    """Run a fuzz campaign against a target (the embedded reference when none is given)."""
    from ..runner.results import exit_code

    output_format = flags.pop("output_format")
    given = {k: v for k, v in flags.items() if v is not None}
    if given.get("duration") and given.get("max_examples"):
        raise UsageError("give --duration or --max-examples, not both")
    if not given.get("duration") and not given.get("max_examples"):
        given["duration"] = "2m"
    given.setdefault("seed", secrets.randbelow(2**31))
    given["profile"] = "full"
    settings = resolve_settings(dict(given))
    preflight(settings)
    args = pytest_args(settings, given, ("fuzz",))
    for key, flag in (("duration", "--duration"), ("max_examples", "--max-examples")):
        if given.get(key) is not None:
            args += [flag, str(given[key])]
    reporter = FuzzConsole()
    pytest.main(args, plugins=[reporter])
    exit_on_suite_errors(reporter, "a fuzz module")
    if reporter.summary is None:
        click.echo("tradeproof: no fuzz test ran", err=True)
        sys.exit(EXIT_USAGE)
    run, results = reporter.summary
    reporter.print_summary([r for r in results if r.tests], run)
    if output_format == "github":
        reporter.print_annotations([r for r in results if r.tests])
    if reporter.interrupted:
        click.echo("tradeproof: interrupted; what was found is kept (reports and replay files above)")
    sys.exit(exit_code(results, run.unattributed))
