"""Report writers. They read result records only (``tradeproof.runner.results``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..runner.results import RuleResult, RunInfo
from .html import html_report, write_html
from .json_report import json_summary, write_json
from .junit import junit_xml, write_junit

__all__ = ["html_report", "json_summary", "junit_xml", "write_all", "write_html", "write_json", "write_junit"]

JUNIT_NAME = "tradeproof-junit.xml"
JSON_NAME = "tradeproof-report.json"
HTML_NAME = "tradeproof-report.html"


def write_all(report_dir: Path, run: RunInfo, results: Sequence[RuleResult]) -> list[Path]:
    """Write every report into ``report_dir`` (created if needed); return the paths."""
    report_dir.mkdir(parents=True, exist_ok=True)
    junit, summary, page = report_dir / JUNIT_NAME, report_dir / JSON_NAME, report_dir / HTML_NAME
    write_junit(junit, run, results)
    write_json(summary, run, results)
    write_html(page, run, results)
    return [junit, summary, page]
