"""Schema-derived invalid requests get their rule's outcome.

Each example is a semantically valid request (drawn from the target's own markets and
instruments) broken in exactly one labelled way: a mutation of one place of its JSON
(``Labelled``, rules from ``tradeproof.strategies.LABELS``) or a spoiled signature
(``SignatureFault``). The request is signed for a real trader or party, the break is
made, and the target must answer as the label's rule says. A shrunk case is re-checked
against the schemas before it is sent (``keep_label``: ``assume(case.still_violates())``),
so the minimal example Hypothesis reports still breaks the rule it is reported under.
A run limited to some rules (``--rule``) draws only cases of those rules.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import assume

from tradeproof.checks import expect_outcome
from tradeproof.messages import o2 as msg
from tradeproof.scenarios.derive import LegPlan, open_quote
from tradeproof.signing import o2 as osig
from tradeproof.strategies import (
    DERIVE_EXECUTION_RULES,
    O2_BATCH_RULES,
    O2_SESSION_RULES,
    DeriveView,
    O2View,
    SignatureFault,
    derive_executions,
    o2_batches,
    o2_session_updates,
)

STAGE = 0  # one request per example: runs with the request faults, before the state machines


def keep_label(case, examples) -> None:
    """Go on only if the (possibly shrunk) case still breaks exactly its rule."""
    if case.still_violates():
        return
    if examples.replaying:
        pytest.skip(f"the stored case no longer breaks {case.rule_id} under these schemas")
    assume(False)


@pytest.mark.fuzz_weight(4)
@pytest.mark.xdist_group("o2-book")  # semantic batches take liquidity at the touch
@pytest.mark.rule(*O2_BATCH_RULES)
def test_invalid_o2_batches_get_their_rule(o2, o2_pool, o2_markets, o2_zones, selected_rules, examples, campaign):
    view = O2View(tuple(o2_markets), o2_zones)

    def check(draw) -> None:
        case = draw(o2_batches("invalid", view, rules=selected_rules), "case")
        campaign.tick(rules=(case.rule_id,))
        trader = o2_pool.next()
        # an invalid case's batch has no CancelOwn: it resolves without reading orders
        groups = case.request.resolve(o2_markets, trader.trade_account_id, lambda spec: [])
        if isinstance(case, SignatureFault):
            digest = msg.actions_digest(o2.context, trader.nonce, groups)
            body = trader.actions_body(groups, signature=case.o2_signature(trader.session_key, digest))
        else:
            case = case.finish(trader.actions_body(groups))
            keep_label(case, examples)
            body = case.instance
        expect_outcome(case.rule_id, trader.send_actions(body), detail=case.description)

    with campaign.running():
        examples(check)


@pytest.mark.fuzz_weight(2)
@pytest.mark.rule(*O2_SESSION_RULES)
def test_invalid_o2_session_updates_get_their_rule(
    o2, new_trader, o2_markets, o2_zones, selected_rules, examples, campaign
):
    view = O2View(tuple(o2_markets), o2_zones)
    trader = new_trader("schema-fuzz-session")

    def check(draw) -> None:
        case = draw(o2_session_updates("invalid", view, rules=selected_rules), "case")
        plan = case.request
        key, expiry = plan.session_key(trader.label), int(time.time()) + plan.expires_in
        contracts = plan.contract_ids(o2_markets)
        body = trader.session_body(key, expiry=expiry, contract_ids=contracts)
        if isinstance(case, SignatureFault):
            signed = osig.session_signing_bytes(trader.nonce, o2.context.chain_id, key.fuel_address, expiry, contracts)
            bad = case.session_signature(trader.owner, signed, evm=trader.evm_owner)
            body = {**body, "signature": osig.signature_json(bad)}
        else:
            case = case.finish(body)
            keep_label(case, examples)
            body = case.instance
        expect_outcome(case.rule_id, trader.send_session(body), detail=case.description)
        campaign.tick(rules=(case.rule_id,))  # last, as in the request-fault tests

    with campaign.running():
        examples(check)


@pytest.mark.fuzz_weight(4)
@pytest.mark.rule(*DERIVE_EXECUTION_RULES)
def test_invalid_derive_executions_get_their_rule(derive, new_party, derive_domain, selected_rules, examples, campaign):
    view = DeriveView.of(derive.instruments)
    taker, maker = new_party("schema-fuzz-taker"), new_party("schema-fuzz-maker")

    def check(draw) -> None:
        case = draw(derive_executions("invalid", view, rules=selected_rules), "case")
        campaign.tick(rules=(case.rule_id,))
        plan = case.request
        legs = [LegPlan(leg.instrument, leg.direction, leg.steps, leg.price_ticks) for leg in plan.legs]
        quoted = open_quote(
            derive, derive_domain, taker, maker, case.rule_id, plan=legs, quote_direction=plan.direction
        )
        params = quoted.execute_params(max_fee=plan.max_fee, expiry=quoted.expiry(plan.expires_in))
        if isinstance(case, SignatureFault):
            bad = case.derive_signature(taker.key, quoted.action_of(params), derive_domain, known=maker.key)
            params = {**params, "signature": bad}
        else:
            case = case.finish(params)
            keep_label(case, examples)
            params = case.instance
        expect_outcome(case.rule_id, quoted.execute(params), detail=case.description)

    with campaign.running():
        examples(check)
