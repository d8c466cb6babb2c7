"""Public Hypothesis strategies for both protocols.

O2: ``valid_cases``, ``invalid_cases(rule_id, ...)`` and their building blocks; each
drawn ``Case`` carries the rule it breaks. See ``tradeproof.strategies.o2``.
"""

from __future__ import annotations

from .edits import DELETE, Edit
from .o2 import INVALID as O2_INVALID_RULES
from .o2 import Batch, Case, Zones, invalid_cases, valid_batches, valid_cases

__all__ = [
    "DELETE",
    "O2_INVALID_RULES",
    "Batch",
    "Case",
    "Edit",
    "Zones",
    "invalid_cases",
    "valid_batches",
    "valid_cases",
]
