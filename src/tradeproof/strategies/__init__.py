"""Public Hypothesis strategies for both protocols.

O2: ``valid_cases``, ``invalid_cases(rule_id, ...)`` and their building blocks; each
drawn ``Case`` carries the rule it breaks. See ``tradeproof.strategies.o2``.

Derive: ``invalid_execute_params(rule_id, template)`` (``ExecuteCase`` values breaking
one schema constraint of seed 003) and ``signed_field_tamperings(template)`` (``Edit``
values changing one signed param). See ``tradeproof.strategies.derive``.

Built from the schemas (``from_schema``, ``mutations``, ``flavours``): ``o2_batches``,
``o2_order_types``, ``o2_session_updates``, ``derive_quotes`` and ``derive_executions``,
each with ``flavour="structural" | "semantic" | "invalid"``; invalid cases are
``Labelled`` schema mutations or ``SignatureFault`` s, each carrying its one rule.
"""

from __future__ import annotations

from .derive import SCHEMA_BREAKS as DRV_SCHEMA_BREAKS
from .derive import TAMPERINGS as DRV_TAMPERINGS
from .derive import ExecuteCase, invalid_execute_params, signed_field_tamperings, tampering_cases
from .edits import DELETE, Edit
from .flavours import (
    DERIVE_EXECUTION_RULES,
    DERIVE_QUOTE_RULES,
    FLAVOURS,
    O2_BATCH_RULES,
    O2_ORDER_TYPE_RULES,
    O2_SESSION_RULES,
    Book,
    DeriveLeg,
    DeriveView,
    Instrument,
    O2View,
    QuotePlan,
    Refer,
    SessionPlan,
    derive_executions,
    derive_quotes,
    o2_batches,
    o2_order_types,
    o2_session_updates,
)
from .from_schema import LEAVES, from_schema
from .mutations import LABELS, Labelled, SignatureFault, mutations, rule_for, violations
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
    # built from the schemas
    "FLAVOURS",
    "LABELS",
    "LEAVES",
    "DERIVE_EXECUTION_RULES",
    "DERIVE_QUOTE_RULES",
    "O2_BATCH_RULES",
    "O2_ORDER_TYPE_RULES",
    "O2_SESSION_RULES",
    "Book",
    "DeriveLeg",
    "DeriveView",
    "Instrument",
    "Labelled",
    "O2View",
    "QuotePlan",
    "Refer",
    "SessionPlan",
    "SignatureFault",
    "derive_executions",
    "derive_quotes",
    "from_schema",
    "mutations",
    "o2_batches",
    "o2_order_types",
    "o2_session_updates",
    "rule_for",
    "violations",
]
