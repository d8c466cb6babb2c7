"""Shrinking keeps the label and finds the one bad field.

The target here is the reference exchange with a single-rule bug — its parser reads u64
strings with an exponent (``"1e3"``, ``"5e0"``) as numbers, the way a lenient decimal
parser does — asked in process whether it would accept a request (batch shape and
parsing: where a format rule is enforced). Hypothesis draws invalid-flavour batches of
that rule, finds one the buggy target accepts, and shrinks it: the reproduction it reports is one
request with one market group, one action and exactly one violation, still labelled
O2-NUMBER-FORMAT and re-checked by ``still_violates()``.
"""

from __future__ import annotations

import copy
import re
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings

from tradeproof.reference.o2 import O2Exchange
from tradeproof.reference.o2.errors import Rejection
from tradeproof.reference.o2.markets import CHAIN_ID, default_markets, markets_json
from tradeproof.strategies import Labelled, O2View, o2_batches
from tradeproof.strategies.flavours import o2_template
from tradeproof.target.market import markets_of

VIEW = O2View(tuple(markets_of(markets_json(default_markets(), CHAIN_ID))))
EXPONENT = re.compile(r"[0-9]+(?:\.[0-9]+)?[eE][+-]?[0-9]+")


def _read_exponents(value: Any) -> Any:
    if isinstance(value, str) and EXPONENT.fullmatch(value):
        return str(int(Decimal(value)))
    if isinstance(value, list):
        return [_read_exponents(v) for v in value]
    if isinstance(value, dict):
        return {k: _read_exponents(v) for k, v in value.items()}
    return value


class AcceptsExponents(O2Exchange):
    """O2-NUMBER-FORMAT broken one way: number strings with an exponent are read as numbers."""

    def parse_actions(self, body: Any) -> Any:
        return super().parse_actions(_read_exponents(body))


def accepts(exchange: O2Exchange, body: Any) -> bool:
    """Whether the exchange's pre-flight (shape and parsing) lets the body through."""
    try:
        exchange.check_batch_shape(copy.deepcopy(body))
        exchange.parse_actions(copy.deepcopy(body))
    except Rejection:
        return False
    return True


SEARCH = settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck), database=None, derandomize=True)


def test_the_correct_reference_accepts_the_request_and_refuses_each_case():
    exchange = O2Exchange()

    @settings(SEARCH, max_examples=60)
    @given(o2_batches("invalid", VIEW))
    def refused(case):
        assume(isinstance(case, Labelled))
        assert accepts(exchange, o2_template(case.request, VIEW))
        assert not accepts(exchange, case.instance), case

    refused()


def test_the_shrunk_reproduction_is_one_request_with_one_bad_field():
    buggy = AcceptsExponents()
    tried: list[Labelled] = []

    @SEARCH
    @given(o2_batches("invalid", VIEW, rules=["O2-NUMBER-FORMAT"]))  # as `--rule O2-NUMBER-FORMAT` draws
    def the_target_refuses_invalid_batches(case):
        assume(isinstance(case, Labelled))
        assume(case.still_violates())  # what a fuzz test does after shrinking
        tried.append(case)
        assert not accepts(buggy, case.instance), case.description

    with pytest.raises(AssertionError):
        the_target_refuses_invalid_batches()
    final = tried[-1]  # Hypothesis replays the minimal failing example last
    assert accepts(buggy, final.instance) and not accepts(O2Exchange(), final.instance)
    assert final.rule_id == "O2-NUMBER-FORMAT" and final.still_violates()
    assert len(final.request.groups) == 1, final.request
    assert final.request.action_count == 1, final.request
    [violation] = final.violations()  # exactly one violation, at the labelled place
    assert violation.path == final.path and violation.rule_id == "O2-NUMBER-FORMAT"
    assert EXPONENT.fullmatch(str(final.edit.value)), final.edit
    assert len(final.instance["actions"]) == 1 and len(final.instance["actions"][0]["actions"]) == 1
    print(f"shrunk to {final!r} after {len(tried)} examples")
