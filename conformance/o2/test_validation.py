"""Batch shape and field formats: every invalid request is refused with the rule's code
and changes nothing; every valid one is accepted."""

from __future__ import annotations

import pytest

from tradeproof.checks import expect_outcome, require_o2_unchanged
from tradeproof.scenarios.o2 import open_ids
from tradeproof.strategies import O2_INVALID_RULES, Case, invalid_cases, valid_cases
from tradeproof.strategies import o2_variants as variants
from tradeproof.target import o2_snapshot

STAGE = 0  # one-request refusals: run first, so a broken target fails fast (see tradeproof.pytest_plugin)


def send(case: Case, trader, markets):
    """Sign the case's batch for this trader, apply its edits, send it."""
    if case.raw is not None:
        return trader.send_actions(None, content=case.raw)
    groups = case.batch.resolve(markets, trader.trade_account_id, lambda spec: open_ids(trader, spec))
    return trader.send_actions(case.finish(trader.actions_body(groups)))


@pytest.mark.parametrize(
    ("rule_id", "variant"),
    [pytest.param(r, v, marks=pytest.mark.rule(r), id=f"{r}:{v}") for r in sorted(O2_INVALID_RULES) for v in variants(r)],
)
def test_invalid_request_is_refused(rule_id, variant, o2, o2_pool, o2_markets, o2_zones, examples):
    def check(draw) -> None:
        case: Case = draw(invalid_cases(rule_id, o2_markets, o2_zones, variant), "case")
        trader = o2_pool.next()
        before = o2_snapshot(o2, [trader])
        outcome = send(case, trader, o2_markets)
        expect_outcome(rule_id, outcome, detail=case.description)
        require_o2_unchanged(rule_id, before, o2_snapshot(o2, [trader]), detail=case.description)

    examples(check)


@pytest.mark.rule("O2-VALID-ACCEPTED")
def test_valid_batches_are_accepted(o2, o2_pool, o2_markets, o2_zones, examples):
    def check(draw) -> None:
        case: Case = draw(valid_cases(o2_markets, o2_zones), "case")
        trader = o2_pool.next()
        expect_outcome("O2-VALID-ACCEPTED", send(case, trader, o2_markets), detail=case.description)

    examples(check)
