"""Which quote is executed: an unknown quote (11102), a quote of another RFQ (11105), a
quote or RFQ that is no longer open (11104), the quote's own direction or legs other
than the quote's (11103 or 14014) are refused, each correctly signed, and change
nothing."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from tradeproof.checks import expect_accepted
from tradeproof.scenarios.derive import (
    default_plan,
    open_quote,
    refuse_execute,
    refused_and_unchanged,
)


def _dec(value) -> Decimal:
    return Decimal(str(value))


@pytest.mark.rule("DRV-QUOTE-UNKNOWN")
@pytest.mark.parametrize("rfq", ["real-rfq", "unknown-rfq"])
def test_unknown_quote_is_refused(rfq, derive, new_party, derive_domain):
    rule = "DRV-QUOTE-UNKNOWN"
    quoted = open_quote(derive, derive_domain, new_party("unknown-taker"), new_party("unknown-maker"), rule)
    rfq_id = quoted.rfq_id if rfq == "real-rfq" else str(uuid.uuid4())
    params = quoted.execute_params(quote_id=str(uuid.uuid4()), rfq_id=rfq_id)
    refuse_execute(rule, quoted, params, detail=f"quote_id {params['quote_id']} (never issued), {rfq}")


@pytest.mark.rule("DRV-QUOTE-OTHER-RFQ")
@pytest.mark.parametrize("other", ["own-other-rfq", "rfq-of-another-taker"])
def test_quote_of_another_rfq_is_refused(other, derive, new_party, derive_domain):
    rule = "DRV-QUOTE-OTHER-RFQ"
    taker, maker = new_party("other-rfq-taker"), new_party("other-rfq-maker")
    quoted = open_quote(derive, derive_domain, taker, maker, rule)
    rfq_taker = taker if other == "own-other-rfq" else new_party("other-rfq-stranger")
    elsewhere = open_quote(derive, derive_domain, rfq_taker, maker, rule)  # an open RFQ with an open quote
    params = quoted.execute_params(rfq_id=elsewhere.rfq_id)
    refuse_execute(rule, quoted, params, detail=f"quote {quoted.quote_id} of RFQ {quoted.rfq_id} sent with rfq_id {elsewhere.rfq_id}")
    status = elsewhere.quote_status()
    expect_accepted(rule, elsewhere.execute(elsewhere.execute_params()), detail=f"the other RFQ's own quote (was {status})")


@pytest.mark.rule("DRV-QUOTE-NOT-OPEN")
@pytest.mark.parametrize("state", ["cancelled-quote", "cancelled-rfq", "rfq-filled-by-another-quote"])
def test_quote_not_open_is_refused(state, derive, new_party, derive_domain):
    rule = "DRV-QUOTE-NOT-OPEN"
    taker, maker = new_party("not-open-taker"), new_party("not-open-maker")
    quoted = open_quote(derive, derive_domain, taker, maker, rule)
    others = []
    if state == "cancelled-quote":
        expect_accepted(
            rule,
            derive.call("private/cancel_quote", {"subaccount_id": maker.subaccount_id, "quote_id": quoted.quote_id}, party=maker),
            detail="the maker cancels its quote",
        )
    elif state == "cancelled-rfq":
        expect_accepted(
            rule,
            derive.call("private/cancel_rfq", {"subaccount_id": taker.subaccount_id, "rfq_id": quoted.rfq_id}, party=taker),
            detail="the taker cancels its RFQ",
        )
    else:
        rival = quoted.another_quote(new_party("not-open-rival"), rule)
        expect_accepted(rule, rival.execute(rival.execute_params()), detail="the rival quote on the same RFQ is executed")
        others = [rival.maker]
    refuse_execute(rule, quoted, quoted.execute_params(), detail=state, others=others)


@pytest.mark.rule("DRV-DIRECTION-SAME")
@pytest.mark.parametrize("quote_direction", ["sell", "buy"])
def test_direction_of_the_quote_itself_is_refused(quote_direction, derive, new_party, derive_domain):
    rule = "DRV-DIRECTION-SAME"
    quoted = open_quote(
        derive, derive_domain, new_party("same-taker"), new_party("same-maker"), rule, quote_direction=quote_direction
    )
    params = quoted.execute_params(direction=quote_direction)  # correctly signed for that direction
    refuse_execute(rule, quoted, params, detail=f"execute direction {quote_direction} = the quote's")


def _mismatched_legs(change: str, legs: list[dict], derive) -> list[dict]:
    out = [dict(leg) for leg in legs]
    info = derive.instruments[out[0]["instrument_name"]]
    if change == "price":
        out[0]["price"] = str(_dec(out[0]["price"]) + _dec(info["tick_size"]))
    elif change == "amount":
        out[0]["amount"] = str(_dec(out[0]["amount"]) + _dec(info["amount_step"]))
    elif change == "leg-direction":
        out[0]["direction"] = "sell" if out[0]["direction"] == "buy" else "buy"
    elif change == "dropped-leg":
        out = out[1:]
    elif change == "extra-leg":
        used = {leg["instrument_name"] for leg in out}
        spare = sorted(set(derive.instruments) - used)
        if not spare:
            pytest.skip("no instrument left for an extra leg")
        extra = derive.instruments[spare[0]]
        out.append(
            {"instrument_name": spare[0], "direction": "buy", "price": str(_dec(extra["tick_size"]) * 100),
             "amount": str(max(_dec(extra["minimum_amount"]), _dec(extra["amount_step"])))}
        )
    elif change == "other-instrument":
        used = {leg["instrument_name"] for leg in out}
        spare = sorted(set(derive.instruments) - used)
        if not spare:
            pytest.skip("no other instrument to swap in")
        out[0]["instrument_name"] = spare[0]
    else:
        raise ValueError(change)
    return out


@pytest.mark.rule("DRV-LEGS-MISMATCH")
@pytest.mark.parametrize("change", ["price", "amount", "leg-direction", "dropped-leg", "extra-leg", "other-instrument"])
def test_legs_other_than_the_quotes_are_refused(change, derive, new_party, derive_domain):
    rule = "DRV-LEGS-MISMATCH"
    quoted = open_quote(
        derive, derive_domain, new_party("legs-taker"), new_party("legs-maker"), rule, plan=default_plan(derive, 2)
    )
    legs = _mismatched_legs(change, quoted.legs, derive)
    params = quoted.execute_params(legs=legs)  # correctly signed over the changed legs
    refused_and_unchanged(rule, quoted, lambda: quoted.execute(params), detail=f"{change}: {legs}")
