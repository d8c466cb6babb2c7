"""A rule that did not hold, with the evidence a report shows."""

from __future__ import annotations

from collections.abc import Sequence

from ..target.outcome import Exchange


class RuleViolation(AssertionError):
    """Raised by checks; the pytest plugin turns it into a failed rule result.

    An ``AssertionError`` so that Hypothesis shrinks on it and plain pytest shows it.
    """

    def __init__(
        self,
        rule_id: str,
        expected: str,
        observed: str,
        exchanges: Sequence[Exchange] = (),
        detail: str = "",
    ) -> None:
        self.rule_id = rule_id
        self.expected = expected
        self.observed = observed
        self.exchanges = tuple(exchanges)
        self.detail = detail
        text = f"{rule_id}: expected {expected}, observed {observed}"
        if detail:
            text += f" ({detail})"
        if self.exchanges:
            text += f" [{self.exchanges[-1].describe()}]"
        super().__init__(text)
