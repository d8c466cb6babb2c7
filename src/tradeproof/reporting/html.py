"""The HTML report: one self-contained file (inline CSS and SVG, no script, no network).

A rule × protocol matrix coloured by outcome, each rule's detail with the smallest
failing request and response (signed fields and recovered signer shown), a chart of a
fuzz campaign over time, and the run's metadata.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from ..runner.results import RuleResult, RunInfo, Status, TestResult, counts, exit_code

COLOURS = {
    Status.PASSED: "#2e7d32",
    Status.SKIPPED: "#b28704",
    Status.EXPECTED_FAILURE: "#00838f",
    Status.FAILED: "#c62828",
    Status.ERROR: "#6a1b9a",
    Status.FAULT: "#ad1457",
}
EXIT_MEANING = {0: "every must rule holds", 1: "a must rule failed", 2: "usage error", 3: "target fault"}

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#1b1b1b;max-width:1200px}
h1{margin:0 0 4px} .muted{color:#666} table{border-collapse:collapse}
.meta td{padding:2px 12px 2px 0;vertical-align:top}
.matrix{margin:16px 0;width:100%} .matrix th,.matrix td{border:1px solid #ddd;padding:6px;vertical-align:top;text-align:left}
.matrix th{background:#f5f5f5}
.tile{display:inline-block;margin:2px;padding:3px 6px;border-radius:4px;color:#fff;font:12px/1.3 monospace;text-decoration:none}
.legend .tile{font-family:inherit}
.counts span{margin-right:14px}
details{border:1px solid #ddd;border-radius:6px;margin:8px 0;padding:6px 10px}
summary{cursor:pointer;font-weight:600}
pre{background:#f7f7f7;padding:8px;overflow:auto;font-size:12px;max-height:420px}
.kv td{padding:1px 10px 1px 0;vertical-align:top}
.status{font-weight:700}
"""


def _tile(result: RuleResult) -> str:
    colour = COLOURS[result.status]
    title = f"{result.rule.id}: {result.status.value}" + (f" — {result.reason[:200]}" if result.reason else "")
    return (
        f'<a class="tile" href="#{escape(result.rule.id)}" title="{escape(title)}" '
        f'data-status="{result.status.value}" style="background:{colour}">{escape(result.rule.id)}</a>'
    )


def _matrix(run: RunInfo, results: Sequence[RuleResult]) -> str:
    categories = sorted({r.rule.category for r in results})
    head = "".join(f"<th>{escape(p)}</th>" for p in run.protocols)
    rows = []
    for category in categories:
        cells = []
        for protocol in run.protocols:
            mine = [r for r in results if r.rule.category == category and r.rule.protocol.value == protocol]
            cells.append("<td>" + "".join(_tile(r) for r in mine) + "</td>")
        rows.append(f"<tr><th>{escape(category)}</th>{''.join(cells)}</tr>")
    return f'<table class="matrix" id="matrix"><tr><th>category</th>{head}</tr>{"".join(rows)}</table>'


def _legend(results: Sequence[RuleResult]) -> str:
    tally = counts(results)
    parts = [
        f'<span><span class="tile" style="background:{COLOURS[s]}">{escape(s.value)}</span> {tally[s.value]}</span>'
        for s in Status
    ]
    return f'<p class="legend counts">{"".join(parts)}</p>'


def _pretty(value: Any) -> str:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return escape(value)
    return escape(json.dumps(value, indent=2, sort_keys=False, default=str))


def _exchange(exchange: dict[str, Any]) -> str:
    parts = [f"<p><code>{escape(str(exchange.get('method', '')))} {escape(str(exchange.get('url', '')))}</code> → "
             f"<b>{escape(str(exchange.get('error') or exchange.get('status')))}</b></p>"]
    check = exchange.get("signature_check")
    if isinstance(check, dict):
        rows = "".join(
            f"<tr><td>{escape(k.replace('_', ' '))}</td><td><code>{escape(', '.join(v) if isinstance(v, list) else str(v))}</code></td></tr>"
            for k, v in check.items()
        )
        parts.append(f'<table class="kv signature">{rows}</table>')
    if exchange.get("request") is not None:
        parts.append(f"<p>request</p><pre>{_pretty(exchange['request'])}</pre>")
    if exchange.get("response") not in (None, ""):
        parts.append(f"<p>response</p><pre>{_pretty(exchange['response'])}</pre>")
    return "".join(parts)


def _smallest_problem(result: RuleResult) -> TestResult | None:
    problems = [t for t in result.tests if t.status_for(result.rule.id) is result.status and t.status is not Status.PASSED]
    return min(problems, key=lambda t: len(json.dumps(list(t.evidence), default=str))) if problems else None


def _detail(result: RuleResult) -> str:
    rule = result.rule
    rows = [
        ("status", f'<span class="status" style="color:{COLOURS[result.status]}">{escape(result.status.value)}</span>'),
        ("statement", escape(rule.statement)),
        ("source", escape(rule.source)),
        ("expected", escape(rule.expected_text)),
        ("severity", escape(rule.severity.value)),
        ("tests", str(len(result.tests))),
    ]
    if result.reason:
        rows.append(("reason", escape(result.reason)))
    if rule.fix:
        rows.append(("how to fix", escape(rule.fix)))
    body = "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in rows)
    problem = _smallest_problem(result)
    extra = ""
    if problem is not None:
        extra += f"<p>smallest failing case: <code>{escape(problem.nodeid)}</code></p>"
        if problem.expected or problem.observed:
            extra += f"<p>expected <b>{escape(problem.expected)}</b>, observed <b>{escape(problem.observed)}</b></p>"
        if problem.replay:
            extra += f"<p>replay: <code>tradeproof replay {escape(problem.replay)}</code></p>"
        extra += "".join(_exchange(e) for e in problem.evidence[-2:] if isinstance(e, dict))
    opened = " open" if result.status not in (Status.PASSED, Status.SKIPPED) else ""
    return (
        f'<details id="{escape(rule.id)}"{opened}><summary><span style="color:{COLOURS[result.status]}">●</span> '
        f"{escape(rule.id)} — {escape(result.status.value)}</summary>"
        f'<table class="kv">{body}</table>{extra}</details>'
    )


def _chart(timeline: Sequence[dict[str, float]]) -> str:
    """An SVG line chart: examples per second (left axis) and cumulative failures (right)."""
    if len(timeline) < 2:
        return ""
    width, height, pad = 900, 240, 40
    t_max = max(p["t"] for p in timeline) or 1.0
    rate_max = max(p["examples_per_s"] for p in timeline) or 1.0
    fail_max = max(p["failures"] for p in timeline) or 1.0

    def line(key: str, top: float, colour: str) -> str:
        points = " ".join(
            f"{pad + (p['t'] / t_max) * (width - 2 * pad):.1f},{height - pad - (p[key] / top) * (height - 2 * pad):.1f}"
            for p in timeline
        )
        return f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>'

    axes = (
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#999"/>'
        f'<text x="{pad}" y="{height - 10}" font-size="12">0 s</text>'
        f'<text x="{width - pad - 40}" y="{height - 10}" font-size="12">{t_max:.0f} s</text>'
        f'<text x="4" y="{pad - 10}" font-size="12" fill="#1565c0">examples/s (max {rate_max:.1f})</text>'
        f'<text x="{width - 260}" y="{pad - 10}" font-size="12" fill="#c62828">cumulative failures (max {fail_max:.0f})</text>'
    )
    return (
        f'<h2>Campaign over time</h2><svg id="timeline" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">{axes}'
        f'{line("examples_per_s", rate_max, "#1565c0")}{line("failures", fail_max, "#c62828")}</svg>'
    )


def _unattributed(run: RunInfo) -> str:
    """Target faults met by tests no rule is tagged on (a fuzzer probing a read endpoint)."""
    if not run.unattributed:
        return ""
    items = "".join(
        f"<details open><summary>{escape(t.status.value)}: {escape(t.nodeid)}</summary><p>{escape(t.message)}</p>"
        f"{''.join(_exchange(e) for e in t.evidence[-2:] if isinstance(e, dict))}</details>"
        for t in run.unattributed
    )
    return f'<h2 id="unattributed">Faults outside the rules</h2>{items}'


def html_report(run: RunInfo, results: Sequence[RuleResult]) -> str:
    code = exit_code(results, run.unattributed)
    started = datetime.fromtimestamp(run.started, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    meta = [
        ("targets", ", ".join(f"{k}: {v}" for k, v in run.targets.items())),
        ("started", started),
        ("duration", f"{run.duration:.1f} s"),
        ("profile", run.profile),
        ("seed", str(run.seed)),
        ("tradeproof", run.tool_version),
        ("schemas", run.schema_version),
        ("exit code", f"{code} ({EXIT_MEANING[code]})"),
    ]
    if run.baseline:
        meta.append(("baseline", run.baseline))
    meta_rows = "".join(f"<tr><td>{k}</td><td>{escape(v)}</td></tr>" for k, v in meta)
    ordered = sorted(results, key=lambda r: (r.status is Status.PASSED, r.rule.protocol.value, r.rule.id))
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>tradeproof report — {escape(', '.join(run.protocols))}</title><style>{CSS}</style></head><body>"
        f"<h1>tradeproof report</h1><p class='muted'>conformance of a signed trading API, rule by rule</p>"
        f'<table class="meta">{meta_rows}</table>'
        f"<h2>Rules</h2>{_legend(results)}{_matrix(run, results)}{_chart(run.timeline)}"
        f"{_unattributed(run)}<h2>Details</h2>{''.join(_detail(r) for r in ordered)}"
        "</body></html>\n"
    )


def write_html(path: Path, run: RunInfo, results: Sequence[RuleResult]) -> None:
    path.write_text(html_report(run, results), encoding="utf-8")
