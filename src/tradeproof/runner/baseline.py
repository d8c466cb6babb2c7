"""Baselines: the rule failures an implementation knows about and accepts for now.

With ``--baseline FILE`` a listed failure is reported as a *known failure* and does
not fail the run; a new failure still does, and so does a listed rule that now passes
(the file must be updated, so fixed bugs cannot silently come back). Implementations
adopt the CI gate before they are fully conformant, then shrink the file.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import rules
from ..errors import ConfigError
from .results import RuleResult, Status

FORMAT = "tradeproof-baseline"
VERSION = 1


@dataclasses.dataclass(frozen=True)
class Baseline:
    path: str
    known: dict[str, str]  # rule id → why it is known to fail


def read_baseline(path: str | Path) -> Baseline:
    file = Path(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"baseline file {file} does not exist (create one with `tradeproof baseline write`)") from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"baseline file {file} is not JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("version") != VERSION:
        raise ConfigError(f"{file} is not a tradeproof baseline (format {FORMAT}, version {VERSION})")
    known = data.get("known_failures")
    if not isinstance(known, dict) or not all(isinstance(v, str) for v in known.values()):
        raise ConfigError(f"{file}: known_failures must map rule ids to reasons")
    unknown = sorted(set(known) - rules.ids())
    if unknown:
        raise ConfigError(f"{file}: unknown rule id(s): {', '.join(unknown)}")
    return Baseline(str(file), dict(known))


def apply(results: Sequence[RuleResult], baseline: Baseline) -> list[RuleResult]:
    """The verdicts seen through the baseline."""
    out = []
    for result in results:
        listed = result.rule.id in baseline.known
        if listed and result.status is Status.FAILED:
            out.append(dataclasses.replace(result, status=Status.EXPECTED_FAILURE))
        elif listed and result.status is Status.PASSED:
            fixed = dataclasses.replace(result, status=Status.FAILED)
            out.append(_with_reason(fixed, f"now passes but is still listed as a known failure in {baseline.path}: remove it"))
        else:
            out.append(result)
    return out


def _with_reason(result: RuleResult, reason: str) -> RuleResult:
    return _Reasoned(result.rule, result.status, result.tests, reason)


@dataclasses.dataclass(frozen=True)
class _Reasoned(RuleResult):
    override: str = ""

    @property
    def reason(self) -> str:
        return self.override


def baseline_from_report(report: dict[str, Any]) -> dict[str, Any]:
    """A baseline listing every failed rule of a JSON report."""
    failed = {r["id"]: r.get("reason", "")[:300] for r in report.get("rules", []) if r.get("status") == "failed"}
    return {
        "format": FORMAT,
        "version": VERSION,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "targets": report.get("run", {}).get("targets", {}),
        "known_failures": failed,
    }
