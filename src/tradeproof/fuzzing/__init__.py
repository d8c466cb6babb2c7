"""Fuzzing glue: Schemathesis hooks that sign what it generates, and tradeproof checks for it.

Schemathesis generates requests from ``schemas/openapi/*.yaml``; :mod:`.signer` re-signs
each one in the ``before_call`` hook (every phase) so that it gets past the signature
check; :mod:`.checks` judges each answer as TARGET.md does, registered as Schemathesis
checks. ``fuzz/test_schemathesis.py`` runs every operation this way::

    from tradeproof import fuzzing

    with fuzzing.signing(fuzzing.O2Signer(o2, accounts.new)):
        ...                                    # for each case of fuzzing.cases(operation)
        fuzzing.call_and_check(case, url)      # raises TargetFault / RuleViolation

For ``st run``, a module named by ``SCHEMATHESIS_HOOKS`` builds the signers and calls
``fuzzing.activate(...)`` (see ``tests/fuzzing/test_fuzz_phases.py``).
"""

from __future__ import annotations

from .calls import api_operation, call_and_check, cases, rebuilt, recorded
from .checks import BUILTIN_OFF, BUILTIN_ON, OURS, FaultFound, checks_for, register, verdict
from .operations import EndpointKind, Operation, load_schema, lookup, operations
from .signer import DeriveSigner, O2Signer, Signer, activate, deactivate, install_hooks, signing

__all__ = [
    "BUILTIN_OFF",
    "BUILTIN_ON",
    "DeriveSigner",
    "EndpointKind",
    "FaultFound",
    "O2Signer",
    "OURS",
    "Operation",
    "Signer",
    "activate",
    "api_operation",
    "call_and_check",
    "cases",
    "checks_for",
    "deactivate",
    "install_hooks",
    "load_schema",
    "lookup",
    "operations",
    "rebuilt",
    "recorded",
    "register",
    "signing",
    "verdict",
]
