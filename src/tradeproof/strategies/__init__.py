"""Public Hypothesis strategies for both protocols.

O2: ``valid_cases``, ``invalid_cases(rule_id, ...)`` and their building blocks; each
drawn ``Case`` carries the rule it breaks. See ``tradeproof.strategies.o2``.

Derive: ``invalid_execute_params(rule_id, template)`` (``ExecuteCase`` values breaking
one schema constraint of seed 003) and ``signed_field_tamperings(template)`` (``Edit``
values changing one signed param). See ``tradeproof.strategies.derive``.
"""

from __future__ import annotations

from .derive import SCHEMA_BREAKS as DRV_SCHEMA_BREAKS
from .derive import TAMPERINGS as DRV_TAMPERINGS
from .derive import ExecuteCase, invalid_execute_params, signed_field_tamperings, tampering_cases
from .edits import DELETE, Edit
from .o2 import INVALID as O2_INVALID_RULES
from .o2 import Batch, Case, Zones, invalid_cases, valid_batches, valid_cases
from .o2 import variants as o2_variants

__all__ = [
    "DELETE",
    "O2_INVALID_RULES",
    "Batch",
    "Case",
    "Edit",
    "Zones",
    "invalid_cases",
    "o2_variants",
    "valid_batches",
    "valid_cases",
    "DRV_SCHEMA_BREAKS",
    "DRV_TAMPERINGS",
    "ExecuteCase",
    "invalid_execute_params",
    "signed_field_tamperings",
    "tampering_cases",
]
