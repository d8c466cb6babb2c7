"""Settlement is one atomic step. A refused execution changes neither subaccount and
leaves the quote open (and still executable); a successful one moves positions by
exactly the legs, cash by Σ price·amount and the fees, fills the quote and closes the
RFQ; a second execution of a filled quote is refused (11104) and changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradeproof.checks import expect_accepted, expect_refused, require, require_derive_unchanged
from tradeproof.scenarios.derive import (
    GENEROUS_FEE,
    LegPlan,
    default_plan,
    open_quote,
    options,
    price_ticks_for,
    refuse_execute,
    refused_and_unchanged,
    require_settled_exactly,
    steps_for,
)
from tradeproof.signing.corrupt import DeriveCorruption, other_key

ATOMIC = "DRV-ATOMIC-SETTLE"


def _execute_and_check(rule, quoted, params, *, detail=""):
    """Execute (must be accepted and settle), then check the exact settlement, the
    quote filled and the RFQ closed to new quotes."""
    before = quoted.snapshot()
    outcome = expect_accepted(rule, quoted.execute(params), detail=detail or "a valid execute")
    result = outcome.body["result"]
    final = quoted.wait_settled(result)
    require(rule, final == "settled", "tx_status settled", f"tx_status {final}", detail=detail)
    after = quoted.snapshot()
    require_settled_exactly(rule, quoted, before, after, result, taker_max_fee=params["max_fee"], maker_max_fee=GENEROUS_FEE)
    status = quoted.quote_status()
    require(rule, status == "filled", "the quote filled", f"quote {status}", detail=detail)
    return result


PACKAGES = {
    "sell-quote-2-legs": ("sell", 2),
    "buy-quote-2-legs": ("buy", 2),
    "sell-quote-3-legs": ("sell", 3),
    "buy-quote-1-leg": ("buy", 1),
}


@pytest.mark.rule(ATOMIC)
@pytest.mark.parametrize("package", list(PACKAGES))
def test_execution_moves_exactly_the_legs_and_fees(package, derive, new_party, derive_domain):
    direction, n_legs = PACKAGES[package]
    taker, maker = new_party("settle-taker"), new_party("settle-maker")
    quoted = open_quote(derive, derive_domain, taker, maker, ATOMIC, plan=default_plan(derive, n_legs), quote_direction=direction)
    _execute_and_check(ATOMIC, quoted, quoted.execute_params(), detail=package)
    # the RFQ is no longer open: a new quote on it is refused and changes nothing
    late_maker = new_party("settle-late-maker")
    before = quoted.snapshot(late_maker)
    expect_refused(ATOMIC, quoted.send_another_quote(late_maker), detail="a new quote on the filled RFQ")
    require_derive_unchanged(ATOMIC, before, quoted.snapshot(late_maker), detail="a refused quote on the filled RFQ")


def _refusals(quoted, derive):
    """Requests a conformant target refuses for different reasons, for one quote."""
    good = quoted.execute_params
    stranger = other_key(quoted.taker.key)
    first = quoted.legs[0]
    changed_leg = [{**first, "amount": str(2 * Decimal(first["amount"]))}, *quoted.legs[1:]]
    return {
        "signature-by-another-key": quoted.corrupted(good(), DeriveCorruption.OTHER_KEY),
        "max-fee-zero": good(max_fee="0"),
        "expiry-too-soon": good(expiry=derive.server_time_ms() // 1000 + 60),
        "quote-direction": good(direction=quoted.quote_direction),
        "changed-leg": good(legs=changed_leg),
        "unregistered-signer": good(key=stranger),
        "schema": {**good(), "extra": 1},
    }


@pytest.mark.rule(ATOMIC)
def test_refused_executions_leave_the_quote_open_and_executable(derive, new_party, derive_domain):
    quoted = open_quote(derive, derive_domain, new_party("atomic-taker"), new_party("atomic-maker"), ATOMIC)
    for reason, params in _refusals(quoted, derive).items():
        # any rejection will do (the codes are other rules' business); nothing may change
        refused_and_unchanged(ATOMIC, quoted, lambda p=params: quoted.execute(p), detail=reason)
    # the refusals did not spoil the quote: it still executes, and settles exactly
    _execute_and_check(ATOMIC, quoted, quoted.execute_params(), detail="after seven refused attempts")


@pytest.mark.rule(ATOMIC)
def test_refused_for_taker_margin_changes_nothing(derive, new_party, derive_domain):
    names = options(derive)
    if not names:
        pytest.skip("the target lists no active option")
    name = names[0]
    plan = [LegPlan(name, "buy", steps=steps_for(derive, name, 1), price_ticks=price_ticks_for(derive, name, 100))]
    quoted = open_quote(derive, derive_domain, new_party("atomic-poor", usdc="1"), new_party("atomic-maker"), ATOMIC, plan=plan)
    refused_and_unchanged(ATOMIC, quoted, lambda: quoted.execute(quoted.execute_params()), detail="taker short of margin")


@pytest.mark.rule("DRV-DOUBLE-EXECUTE")
@pytest.mark.parametrize("second", ["fresh-params", "higher-max-fee"])
def test_second_execution_of_a_filled_quote_is_refused(second, derive, new_party, derive_domain):
    rule = "DRV-DOUBLE-EXECUTE"
    quoted = open_quote(derive, derive_domain, new_party("double-taker"), new_party("double-maker"), rule)
    expect_accepted(rule, quoted.execute(quoted.execute_params()), detail="the first execution")
    params = quoted.execute_params() if second == "fresh-params" else quoted.execute_params(max_fee="5000")
    refuse_execute(rule, quoted, params, detail=f"second execution, {second}")
