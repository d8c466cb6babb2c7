"""Fees and margin: an execution whose ``max_fee`` is below the fee the target charges
is refused (11023); so is one that would leave the taker (11000) or, at execution, the
maker (11000 or 8500) short of margin. Nothing changes when they are refused; the same
package with enough fee or margin is accepted, so the refusal is about fee or margin."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradeproof.checks import expect_accepted
from tradeproof.scenarios.derive import (
    LegPlan,
    default_plan,
    execute_until_refused,
    leg_of,
    more_quotes,
    open_quote,
    options,
    poorest_quoting_maker,
    price_ticks_for,
    refuse_execute,
    steps_for,
)


def _fmt(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


@pytest.mark.rule("DRV-MAX-FEE")
def test_max_fee_below_the_fee_charged_is_refused(derive, new_party, derive_domain):
    rule = "DRV-MAX-FEE"
    taker, maker = new_party("fee-taker"), new_party("fee-maker")
    plan = default_plan(derive, 2)
    # learn what the target charges this taker for this package
    learned = open_quote(derive, derive_domain, taker, maker, rule, plan=plan)
    outcome = expect_accepted(rule, learned.execute(learned.execute_params()), detail="the execution that shows the fee")
    fee = Decimal(str(outcome.body["result"]["fee"]))
    if fee <= 0:
        pytest.skip(f"the target charges no fee for this package (fee {fee}): max_fee cannot be too low")
    for below in (Decimal(0), fee / 2, fee * Decimal("0.99")):
        max_fee = _fmt(below.quantize(Decimal("1e-12")))
        quoted = open_quote(derive, derive_domain, taker, maker, rule, plan=plan)
        refuse_execute(rule, quoted, quoted.execute_params(max_fee=max_fee), detail=f"max_fee {max_fee} < fee {fee}")
    # and a max_fee equal to the fee is enough
    quoted = open_quote(derive, derive_domain, taker, maker, rule, plan=plan)
    expect_accepted(rule, quoted.execute(quoted.execute_params(max_fee=_fmt(fee))), detail=f"max_fee = fee = {fee}")


def _option(derive) -> str:
    names = options(derive)
    if not names:
        pytest.skip("the target lists no active option")
    return names[0]


@pytest.mark.rule("DRV-MARGIN-TAKER")
def test_taker_short_of_margin_is_refused(derive, new_party, derive_domain):
    rule = "DRV-MARGIN-TAKER"
    name = _option(derive)
    # the taker buys 1 option at ≥ 100 USDC with 1 USDC in its subaccount
    plan = [LegPlan(name, "buy", steps=steps_for(derive, name, 1), price_ticks=price_ticks_for(derive, name, 100))]
    maker = new_party("margin-taker-maker")
    poor = new_party("margin-taker-poor", usdc="1")
    quoted = open_quote(derive, derive_domain, poor, maker, rule, plan=plan, quote_direction="sell")
    refuse_execute(rule, quoted, quoted.execute_params(), detail=f"1 USDC buying {quoted.legs}")
    # control: the same package by a funded taker is accepted
    rich = open_quote(derive, derive_domain, new_party("margin-taker-rich"), maker, rule, plan=plan, quote_direction="sell")
    expect_accepted(rule, rich.execute(rich.execute_params()), detail="the same package, funded taker")


FUNDING_LEVELS = ("1", "10", "100", "1000", "10000")
MAX_QUOTES = 12


@pytest.mark.rule("DRV-MARGIN-MAKER")
def test_maker_short_of_margin_at_execution_is_refused(derive, new_party, derive_domain):
    """The maker sells options (short options need margin) for ~1 USDC each, holding
    little USDC. A target that checks margin only at execution accepts the quote and must
    refuse its execution. One that also checks at send_quote is given the smallest
    funding (1, 10, 100 … USDC) with which it accepts a quote; the maker then quotes up
    to 12 RFQs, each affordable alone when quoted, and executing them one after the other
    must be refused once the earlier fills have used the maker's margin."""
    rule = "DRV-MARGIN-MAKER"
    name = _option(derive)
    plan = [LegPlan(name, "buy", steps=steps_for(derive, name, 1), price_ticks=price_ticks_for(derive, name, 1))]
    legs = [leg_of(derive, p) for p in plan]
    taker = new_party("margin-maker-taker")
    found = poorest_quoting_maker(derive, derive_domain, new_party, taker, legs, rule, FUNDING_LEVELS)
    if found is None:
        pytest.skip(f"no maker funding up to {FUNDING_LEVELS[-1]} USDC gets a quote selling {legs} accepted")
    first, usdc = found
    quotes = [first, *more_quotes(first, rule, MAX_QUOTES - 1)]  # more than the maker's cash can margin together
    execute_until_refused(rule, quotes, detail=f"quotes selling {legs} by a maker funded with {usdc} USDC")
    # control: the same package quoted by a funded maker is accepted
    rich = open_quote(derive, derive_domain, taker, new_party("margin-maker-rich"), rule, plan=plan, quote_direction="sell")
    expect_accepted(rule, rich.execute(rich.execute_params()), detail="the same package, funded maker")
