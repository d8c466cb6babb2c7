"""Verdicts: is an outcome what the rule expects, did the state change as it must.

Independent of the reference exchange: nothing here imports ``tradeproof.reference``.
"""

from __future__ import annotations

from .expected import expect_accepted, expect_outcome, expect_refused, fault_if_faulty, require
from .failures import RuleViolation
from .state import (
    derive_changes,
    o2_changes,
    position_delta,
    require_conserved,
    require_derive_unchanged,
    require_o2_unchanged,
)

__all__ = [
    "RuleViolation",
    "derive_changes",
    "expect_accepted",
    "expect_outcome",
    "expect_refused",
    "fault_if_faulty",
    "o2_changes",
    "position_delta",
    "require",
    "require_conserved",
    "require_derive_unchanged",
    "require_o2_unchanged",
]
