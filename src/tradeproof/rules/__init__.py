"""The rule catalogue: every normative rule of the target contract, as data.

Tests in ``conformance/`` are tagged ``@pytest.mark.rule("O2-FOK-REVERT")``; reports
are organised by these ids; ``tradeproof rules`` lists them. Imports nothing from
tradeproof but ``codes``.
"""

from __future__ import annotations

from . import derive as _derive
from . import o2 as _o2
from ._model import Expect, Protocol, Rule, Severity

__all__ = ["Expect", "Protocol", "Rule", "Severity", "all_rules", "by_protocol", "get", "ids"]

_ALL: tuple[Rule, ...] = _o2.RULES + _derive.RULES
_BY_ID: dict[str, Rule] = {rule.id: rule for rule in _ALL}
if len(_BY_ID) != len(_ALL):  # pragma: no cover - caught by the catalogue tests
    raise RuntimeError("duplicate rule id in the catalogue")


def all_rules() -> tuple[Rule, ...]:
    """Every rule, O2 first, in catalogue order."""
    return _ALL


def by_protocol(protocol: Protocol | str) -> tuple[Rule, ...]:
    """The rules of one protocol."""
    wanted = Protocol(protocol)
    return tuple(rule for rule in _ALL if rule.protocol is wanted)


def get(rule_id: str) -> Rule:
    """The rule with this id; KeyError names the id when it is unknown."""
    try:
        return _BY_ID[rule_id]
    except KeyError:
        raise KeyError(f"unknown rule id {rule_id!r}") from None


def ids() -> frozenset[str]:
    """All rule ids."""
    return frozenset(_BY_ID)
