"""The JSON summary: run metadata, counts, and every rule with its tests and evidence."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..runner.results import RuleResult, RunInfo, counts, exit_code

FORMAT_VERSION = 1


def json_summary(run: RunInfo, results: Sequence[RuleResult]) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "run": run.as_dict(),
        "summary": counts(results),
        "exit_code": exit_code(results, run.unattributed),
        "rules": [r.as_dict() for r in results],
    }


def write_json(path: Path, run: RunInfo, results: Sequence[RuleResult]) -> None:
    path.write_text(json.dumps(json_summary(run, results), indent=2, default=str) + "\n", encoding="utf-8")
