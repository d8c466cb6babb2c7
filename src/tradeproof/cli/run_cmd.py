"""``tradeproof run``: the conformance run, as a thin wrapper around pytest.

It resolves settings (so a bad flag or config fails fast with exit 2), checks that the
target answers (exit 3 if not), then runs the shipped suites with the tradeproof
plugin — exactly what ``pytest conformance --target URL`` does — and exits 0/1/3 from
the per-rule results.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from .._resources import shipped_path
from ..errors import EXIT_USAGE, TargetUnreachable, UsageError
from . import app, plain_errors

PYTEST_INI = Path(__file__).resolve().parent.parent / "runner" / "pytest.ini"
# pytest plugins other installed packages bring that a run never uses (test-time mocks,
# benchmarks, async tests): not loading them saves ~0.3 s per start and keeps them out
# of the run; the cache is off so a run leaves nothing behind. pytest's unraisable-
# exception plugin runs five full garbage collections as the run ends (~0.3 s with the
# suite's modules loaded) to report exceptions no test can see: not a verdict.
UNUSED_PLUGINS = [arg for name in ("cacheprovider", "respx", "benchmark", "anyio", "xdist.looponfail",
                                   "unraisableexception")
                  for arg in ("-p", f"no:{name}")]


def _joined(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> str | None:
    """A repeatable option as one comma-separated value (None when not given)."""
    return ",".join(values) or None


def target_options(func: Any) -> Any:
    """The options ``run`` (and later ``fuzz``) share with the pytest plugin."""
    options = [
        click.option("--target", help="Base URL of a target serving both protocols."),
        click.option("--o2-target", help="Base URL of the O2 target (with --derive-target)."),
        click.option("--derive-target", help="Base URL of the Derive target."),
        click.option("--protocol", type=click.Choice(["o2", "derive", "all"]), help="Which protocol(s) to check [all]."),
        click.option("--config", "config", type=click.Path(dir_okay=False), help="Config file [tradeproof.toml or pyproject.toml]."),
        click.option("--report-dir", type=click.Path(file_okay=False), help="Where reports go [reports]."),
        click.option("--seed", type=click.IntRange(0, 2**32 - 1), help="Seed for keys and examples [random]."),
        click.option("--request-timeout", type=click.FloatRange(min=0.1, max=600), help="Seconds per request [10]."),
        click.option("--deadline", type=click.FloatRange(min=1), help="Seconds for the whole run; then every check still to do is a target fault."),
        click.option("--rule", multiple=True, callback=_joined,
                     help="Only these rule ids, comma-separated or repeated (see `tradeproof rules`)."),
        click.option("--baseline", type=click.Path(dir_okay=False), help="Known failures: reported, not failing the run."),
        click.option("--workers", type=click.IntRange(min=1, max=64), help="Processes to run checks in (pytest-xdist) [1]."),
        click.option("--shard", help="Run only shard I of N (e.g. 2/4): rules split deterministically between CI jobs."),
        click.option("--database", help="Hypothesis example database: a directory, or redis://host:port/db to share finds."),
        click.option("--database-readonly", is_flag=True, default=None, help="Read --database without writing to it (CI)."),
        click.option("--exit-first", is_flag=True, help="Stop at the first failing check (time-to-detect measurements)."),
        click.option("--format", "output_format", type=click.Choice(["text", "github"]), default="text",
                     show_default=True, help="github: also print GitHub Actions annotations."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def resolve_settings(flags: dict[str, Any]) -> Any:
    from ..runner.config import find_config, resolve

    config = flags.pop("config", None)
    table, origin = find_config(config)
    return resolve(flags, table, origin)


def preflight(settings: Any) -> None:
    """Fail fast, with exit code 3, when a given target does not answer at all."""
    if settings.embedded:
        return
    from ..target import HttpClient, discover

    for url in {u for u in (settings.o2_target, settings.derive_target) if u}:
        client = HttpClient(url, timeout=min(settings.request_timeout, 10.0))
        try:
            discover(client)
        except TargetUnreachable as exc:
            raise TargetUnreachable(f"target {url} is unreachable: {exc}") from None
        finally:
            client.close()


def pytest_args(settings: Any, flags: dict[str, Any], suites: tuple[str, ...]) -> list[str]:
    paths = [str(shipped_path(name)) for name in suites]
    args = [*paths, "-c", str(PYTEST_INI), "--rootdir", str(shipped_path(suites[0]).parent), *UNUSED_PLUGINS,
            "-p", "no:terminal"]
    mirrored = {
        "target": "--target", "o2_target": "--o2-target", "derive_target": "--derive-target",
        "protocol": "--protocol", "config": "--tradeproof-config", "report_dir": "--report-dir",
        "request_timeout": "--request-timeout", "profile": "--profile", "rule": "--rule", "baseline": "--baseline",
        "deadline": "--deadline", "shard": "--shard", "database": "--database",
    }
    for key, flag in mirrored.items():
        if flags.get(key) is not None:
            args += [flag, str(flags[key])]
    if flags.get("exit_first"):
        args.append("-x")
    if flags.get("database_readonly"):
        args.append("--database-readonly")
    workers = flags.get("workers") or 1
    if workers > 1:
        # processes, not threads: generation and signing are CPU-bound. Tests that trade
        # around a market's mid share one book, so they stay on one worker (xdist_group).
        args += ["-n", str(workers), "--dist", "loadgroup"]
    if "fuzz" not in suites:
        args += ["-p", "no:schemathesis"]  # its pytest plugin is only needed by the fuzz suites
    args += ["--seed", str(settings.seed)]
    if settings.database is None:
        # a fixed Hypothesis seed makes a run repeatable, but Hypothesis then neither reads
        # nor writes its example database: with --database, finds are shared instead
        args.append(f"--hypothesis-seed={settings.seed}")
    if settings.report_dir is None:
        args += ["--report-dir", "reports"]
    return args


def exit_on_suite_errors(reporter: Any, what: str) -> None:
    """Exit 2, saying why, when ``what`` would not load or pytest failed inside: the
    suite could not run, so no verdict may be given."""
    if not (reporter.collect_errors or reporter.internal_error):
        return
    for line in reporter.collect_errors:
        click.echo(f"tradeproof: cannot load {what}: {line}", err=True)
    if reporter.internal_error:
        click.echo(f"tradeproof: internal error: {reporter.internal_error}", err=True)
    sys.exit(EXIT_USAGE)


@app.command("run")
@target_options
@click.option("--profile", type=click.Choice(["ci", "full"]), help="ci: every rule once, bounded [default]; full: more examples + fuzz.")
@plain_errors
def run_command(**flags: Any) -> None:
    """Check a target against every rule (the embedded reference when no target is given)."""
    import secrets

    import pytest

    from ..runner.profiles import SUITES
    from ..runner.results import exit_code
    from .console import ConsoleReporter

    output_format = flags.pop("output_format")
    given = {k: v for k, v in flags.items() if v is not None}
    if given.get("target") and (given.get("o2_target") or given.get("derive_target")):
        raise UsageError("give either --target or --o2-target/--derive-target, not both")
    if "seed" not in given:
        given["seed"] = secrets.randbelow(2**31)
    settings = resolve_settings(dict(given))
    preflight(settings)
    reporter = ConsoleReporter()
    code = pytest.main(pytest_args(settings, given, SUITES[settings.profile]), plugins=[reporter])
    exit_on_suite_errors(reporter, "a suite module")
    if code == pytest.ExitCode.USAGE_ERROR:
        sys.exit(EXIT_USAGE)
    if reporter.summary is None:
        click.echo("tradeproof: no rule was checked (nothing selected)", err=True)
        sys.exit(EXIT_USAGE)
    run, results = reporter.summary
    reporter.print_summary(results, run)
    if output_format == "github":
        reporter.print_annotations(results)
    sys.exit(exit_code(results, run.unattributed))
