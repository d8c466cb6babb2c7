"""``tradeproof replay FILE``: re-run a recorded failure against a target.

The test named in the file runs once with the file's stored values; accounts are made
afresh and every request is re-signed with current nonces and expiries. Exit 1 when
the failure reproduces (the rule fails again), 0 when the rule now holds, 3 when the
target faults, 2 for a bad file or flag.
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path
from typing import Any

import click

from .._resources import shipped_path
from ..errors import EXIT_USAGE, UsageError
from . import app, plain_errors
from .run_cmd import PYTEST_INI, UNUSED_PLUGINS, preflight, resolve_settings


def _test_path(test: str) -> str:
    """The file::test id inside the installed suites (ids are relative to their parent)."""
    suite = test.split("/", 1)[0]
    if suite not in ("conformance", "fuzz"):
        raise UsageError(f"the replay file names a test outside the shipped suites: {test}")
    return str(shipped_path(suite).parent / test)


@app.command("replay")
@click.argument("replay_file", type=click.Path(dir_okay=False))
@click.option("--target", help="Base URL of a target serving the protocol [embedded reference].")
@click.option("--o2-target", help="Base URL of the O2 target.")
@click.option("--derive-target", help="Base URL of the Derive target.")
@click.option("--config", "config", type=click.Path(dir_okay=False), help="Config file (accounts, Derive domain).")
@click.option("--request-timeout", type=click.FloatRange(min=0.1, max=600), help="Seconds per request [10].")
@click.option("--seed", type=click.IntRange(0, 2**32 - 1), help="Key family for the fresh accounts [random].")
@plain_errors
def replay_command(replay_file: str, **flags: Any) -> None:
    """Re-run the failure recorded in REPLAY_FILE (written by `tradeproof run`)."""
    import pytest

    from ..replay import read_replay
    from ..runner.results import Status
    from .console import ConsoleReporter

    replay = read_replay(replay_file)
    given = {k: v for k, v in flags.items() if v is not None}
    given.setdefault("seed", secrets.randbelow(2**31))
    given["rule"] = replay.rule
    settings = resolve_settings(dict(given))
    preflight(settings)
    click.echo(f"replaying {replay.rule} ({replay.test}); originally: expected {replay.expected}, observed {replay.observed}")
    args = [_test_path(replay.test), "-c", str(PYTEST_INI), "--rootdir", str(shipped_path("conformance").parent),
            *UNUSED_PLUGINS, "-p", "no:terminal", "--tradeproof-replay", str(Path(replay_file).resolve()),
            "--rule", replay.rule, "--seed", str(settings.seed)]
    for key, flag in {"target": "--target", "o2_target": "--o2-target", "derive_target": "--derive-target",
                      "config": "--tradeproof-config", "request_timeout": "--request-timeout"}.items():
        if given.get(key) is not None:
            args += [flag, str(given[key])]
    reporter = ConsoleReporter()
    pytest.main(args, plugins=[reporter])
    if reporter.collect_errors or reporter.summary is None:
        for line in reporter.collect_errors:
            click.echo(f"tradeproof: cannot load the test: {line}", err=True)
        click.echo("tradeproof: the replay file's test was not found in this tradeproof", err=True)
        sys.exit(EXIT_USAGE)
    _, results = reporter.summary
    [verdict] = [r for r in results if r.rule.id == replay.rule]
    if verdict.status is Status.FAILED:
        click.echo(f"reproduced: {replay.rule} fails again: {verdict.reason}")
        sys.exit(1)
    if verdict.status is Status.FAULT:
        click.echo(f"target fault while replaying: {verdict.reason}")
        sys.exit(3)
    # the failure may have been another rule's than the test is tagged with (a refused
    # setup request): the test running clean is then the pass
    ran = list(reporter.recorder.results) if reporter.recorder is not None else []
    test_passed = bool(ran) and all(t.status is Status.PASSED for t in ran)
    if verdict.status is Status.PASSED or (not verdict.tests and test_passed):
        click.echo(f"not reproduced: {replay.rule} holds on this target")
        sys.exit(0)
    click.echo(f"could not replay ({verdict.status.value}): {verdict.reason}")
    sys.exit(EXIT_USAGE)
