"""``tradeproof baseline write``: known failures from a run, for ``run --baseline``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..errors import UsageError
from . import app, plain_errors


@app.group("baseline")
def baseline_group() -> None:
    """Known-failure baselines: adopt the CI gate before you are fully conformant."""


@baseline_group.command("write")
@click.option("--from", "source", type=click.Path(dir_okay=False), default="reports/tradeproof-report.json",
              show_default=True, help="The JSON report of the run to take the failures from.")
@click.option("--output", type=click.Path(dir_okay=False), default="tradeproof-baseline.json", show_default=True)
@plain_errors
def write_command(source: str, output: str) -> None:
    """List every failed rule of a run as a known failure."""
    from ..runner.baseline import baseline_from_report

    try:
        report = json.loads(Path(source).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{source} does not exist: run `tradeproof run` first (or give --from)") from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"{source} is not a JSON report: {exc}") from None
    if not isinstance(report, dict) or "rules" not in report:
        raise UsageError(f"{source} is not a tradeproof JSON report")
    baseline = baseline_from_report(report)
    Path(output).write_text(json.dumps(baseline, indent=2) + "\n", encoding="utf-8")
    known = baseline["known_failures"]
    click.echo(f"wrote {output}: {len(known)} known failure(s)" + (": " + ", ".join(sorted(known)) if known else ""))
