"""Discover the harness extension (TARGET.md §3) a test target may offer."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import TargetUnreachable
from .http import HttpClient
from .outcome import Kind, classify_plain


@dataclass(frozen=True)
class HarnessInfo:
    """What ``GET /_harness`` says the target serves."""

    protocols: frozenset[str]
    rate_limit: bool


def discover(http: HttpClient) -> HarnessInfo | None:
    """The harness description, or None when the target does not offer one.

    A 404 (or any non-JSON / unexpected answer) means "no harness": the suite then
    needs configured accounts. A target that does not answer at all raises
    ``TargetUnreachable`` (exit code 3).
    """
    outcome = http.send("GET", "/_harness", classify_plain)
    if outcome.kind is Kind.FAULT and outcome.exchange.status is None:
        raise TargetUnreachable(
            f"{http.base_url} did not answer: {outcome.message}", request=outcome.exchange.describe()
        )
    body = outcome.body
    if not outcome.accepted or not isinstance(body, dict) or not isinstance(body.get("protocols"), list):
        return None
    return HarnessInfo(
        protocols=frozenset(str(p) for p in body["protocols"]),
        rate_limit=bool(body.get("rate_limit", True)),
    )
