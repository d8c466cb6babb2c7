"""``tradeproof rules``: the rule catalogue, as a table or JSON."""

from __future__ import annotations

import json

import click

from .. import rules
from . import app


@app.command("rules")
@click.option("--protocol", type=click.Choice(["o2", "derive", "all"]), default="all", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def rules_command(protocol: str, fmt: str) -> None:
    """List every rule: id, severity, expected outcome, statement."""
    chosen = rules.all_rules() if protocol == "all" else rules.by_protocol(protocol)
    if fmt == "json":
        click.echo(json.dumps([_as_dict(r) for r in chosen], indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False, expand=True)
    for column in ("rule", "severity", "expected", "statement"):
        table.add_column(column, overflow="fold")
    for rule in chosen:
        table.add_row(rule.id, rule.severity.value, rule.expected_text, rule.statement)
    Console().print(table)
    click.echo(f"{len(chosen)} rules")


def _as_dict(rule: rules.Rule) -> dict[str, object]:
    return {
        "id": rule.id,
        "protocol": rule.protocol.value,
        "category": rule.category,
        "severity": rule.severity.value,
        "expected": rule.expected_text,
        "codes": sorted(rule.codes),
        "statement": rule.statement,
        "source": rule.source,
    }
