"""The Derive model-based fuzzer: random RFQ → quote → execute flows between several
parties, with the target compared after every step against an independent model of a
conformant target (cash, positions, quote and RFQ states, conservation). A failure is
kept as the list of steps, which ``tradeproof replay`` runs again."""

from __future__ import annotations

import pytest

from tradeproof.stateful.base import replay_steps
from tradeproof.stateful.derive_machine import RULES, derive_machine


@pytest.mark.fuzz_weight(10)  # a state machine needs long runs: a bigger share of --duration
@pytest.mark.rule(*RULES)
def test_derive_matches_its_model(derive, tradeproof_context, derive_domain, new_party, campaign, examples):
    machine = derive_machine(
        derive, derive_domain, new_party, fresh_parties=tradeproof_context.derive_accounts.harness, tick=campaign.tick
    )
    if examples.replaying:
        replay_steps(machine, examples.stored("steps"))
        return
    try:
        with campaign.running():
            machine.run_as_test(campaign.hypothesis_settings())
    finally:
        examples.keep("steps", machine.last_steps)
