"""Is this outcome what the rule expects? One short comparison per outcome class."""

from __future__ import annotations

from .. import rules
from ..errors import TargetFault
from ..rules import Expect
from ..target.outcome import Kind, Outcome
from .failures import RuleViolation


def fault_if_faulty(outcome: Outcome) -> None:
    """A target fault is never a verdict on a rule: raise it as such."""
    if outcome.kind is Kind.FAULT:
        raise TargetFault(outcome.message, request=outcome.exchange.describe(), exchange=outcome.exchange.as_dict())


def expect_outcome(rule_id: str, outcome: Outcome, *, detail: str = "") -> Outcome:
    """Raise ``RuleViolation`` unless the outcome is what ``rule_id`` expects.

    For a rejection the code must be one of the rule's acceptable codes (any code, or
    none, when the rule lists none).
    """
    rule = rules.get(rule_id)
    fault_if_faulty(outcome)
    wanted = {Expect.ACCEPTED: Kind.ACCEPTED, Expect.RATE_LIMITED: Kind.RATE_LIMITED}.get(rule.expect, Kind.REJECTED)
    if outcome.kind is not wanted:
        raise RuleViolation(rule_id, rule.expected_text, outcome.describe(), [outcome.exchange], detail)
    if wanted is Kind.REJECTED and not rule.accepts_code(outcome.code):
        raise RuleViolation(rule_id, rule.expected_text, outcome.describe(), [outcome.exchange], detail)
    return outcome


def expect_accepted(rule_id: str, outcome: Outcome, *, detail: str = "") -> Outcome:
    """A step a rule's scenario needs to succeed (e.g. placing the resting order)."""
    fault_if_faulty(outcome)
    if not outcome.accepted:
        raise RuleViolation(rule_id, "accepted", outcome.describe(), [outcome.exchange], detail)
    return outcome


def expect_refused(rule_id: str, outcome: Outcome, *, detail: str = "") -> Outcome:
    """Rejected with any code (for scenarios inside rules whose own expectation is an invariant)."""
    fault_if_faulty(outcome)
    if outcome.kind is not Kind.REJECTED:
        raise RuleViolation(rule_id, "rejected", outcome.describe(), [outcome.exchange], detail)
    return outcome


def require(rule_id: str, condition: bool, expected: str, observed: str, *, detail: str = "") -> None:
    """A state check: raise ``RuleViolation`` with both sides when it does not hold."""
    if not condition:
        raise RuleViolation(rule_id, expected, observed, detail=detail)
