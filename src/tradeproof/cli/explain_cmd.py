"""``tradeproof explain RULE-ID | REPLAY-FILE``: a rule, or a recorded failure, in words."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from .. import rules
from .._resources import shipped_path
from ..errors import UsageError
from . import app, plain_errors


def tests_of(rule_id: str) -> list[str]:
    """Shipped tests tagged with the rule, found by collecting the suites (nothing runs)."""
    import pytest

    from ..pytest_plugin import rule_ids_of

    found: list[str] = []

    class Collector:
        @pytest.hookimpl(trylast=True)
        def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
            found.extend(item.nodeid for item in items if rule_id in rule_ids_of(item))

    paths = [str(shipped_path(suite)) for suite in ("conformance", "fuzz")]
    from .run_cmd import PYTEST_INI, UNUSED_PLUGINS

    args = [*paths, "--collect-only", "--continue-on-collection-errors", "-c", str(PYTEST_INI), "-p", "no:terminal",
            *UNUSED_PLUGINS, "--rule", rule_id, "--rootdir", str(shipped_path("conformance").parent)]
    pytest.main(args, plugins=[Collector()])
    return found


def explain_rule(rule_id: str) -> str:
    rule = rules.get(rule_id)
    lines = [
        f"{rule.id}  ({rule.protocol.value}, {rule.category}, {rule.severity.value})",
        "",
        rule.statement,
        "",
        f"source:    {rule.source}",
        f"expected:  {rule.expected_text}" + (f" (preferred code {rule.preferred_code})" if rule.preferred_code else ""),
        "",
        "checked by:",
        *[f"  {t}" for t in tests_of(rule.id) or ["(no shipped test checks it)"]],
        "",
        f"how to fix: {rule.fix or '-'}",
    ]
    return "\n".join(lines)


def _describe_value(value: Any) -> str:
    from ..strategies import serial

    loaded = serial.load(value)
    description = getattr(loaded, "description", None)
    if isinstance(description, str):
        return description
    describe = getattr(loaded, "describe", None)
    return describe() if callable(describe) else json.dumps(value, default=str)


def _describe_step(number: int, step: dict[str, Any]) -> str:
    args = ", ".join(
        f"{k}={v['$ref'] if isinstance(v, dict) and '$ref' in v else _describe_value(v)}" for k, v in step.get("args", {}).items()
    )
    return f"  {number}. {step.get('step', '?')}({args})"


def explain_replay(path: str) -> str:
    from ..replay import read_replay

    replay = read_replay(path)
    rule = rules.get(replay.rule) if replay.rule in rules.ids() else None
    found = replay.found
    lines = [
        f"{replay.rule}: {rule.statement if rule else '(a rule this tradeproof does not know)'}",
        f"found by {replay.test}",
        f"on {found.get('target', '?')} at {found.get('at', '?')} (tradeproof {found.get('tool_version', '?')}, "
        f"profile {found.get('profile', '?')})",
        "",
        f"expected: {replay.expected}",
        f"observed: {replay.observed}",
        "",
    ]
    draws = replay.draws or {}
    steps = draws.get("steps")
    if isinstance(steps, list):
        lines.append(f"the failing sequence ({len(steps)} steps):")
        lines += [_describe_step(i + 1, s) for i, s in enumerate(steps)]
    elif draws:
        lines.append("what was sent:")
        lines += [f"  {label}: {_describe_value(value)}" for label, value in draws.items()]
    else:
        lines.append("the test draws nothing: re-running it re-creates the same scenario")
    if replay.evidence:
        lines += ["", "requests that showed it:"]
        for exchange in replay.evidence:
            response = exchange.get("response")
            summary = json.dumps(response, default=str)[:160] if response not in (None, "") else exchange.get("error", "")
            lines.append(f"  {exchange.get('method')} {exchange.get('url')} -> {exchange.get('status')} {summary}")
            check = exchange.get("signature_check")
            if isinstance(check, dict) and check.get("recovered") is not None:
                lines.append(f"    signature recovers to {check['recovered']} (expected {check.get('expected_signer')})")
    lines += ["", f"reproduce: tradeproof replay {path} [--target URL]"]
    return "\n".join(lines)


@app.command("explain")
@click.argument("subject")
@plain_errors
def explain_command(subject: str) -> None:
    """Explain a rule (by id) or a replay file (by path)."""
    if subject in rules.ids():
        click.echo(explain_rule(subject))
    elif Path(subject).suffix == ".json" or Path(subject).exists():
        click.echo(explain_replay(subject))
    else:
        raise UsageError(f"{subject!r} is neither a rule id (see `tradeproof rules`) nor a replay file")
