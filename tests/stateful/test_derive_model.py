"""The Derive model (``tradeproof.stateful.derive_model``): the oracle of the fuzzer,
tested on its own — economics of a fill, quote and RFQ lifecycle, every refusal it
predicts, what it learns, and how it compares observed state."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from tradeproof.codes import DeriveCode as C
from tradeproof.stateful.derive_model import DeriveModel, Execution

NOW = 1_800_000_000.0
OPT, PERP = "ETH-20270625-3000-C", "ETH-PERP"


def model() -> DeriveModel:
    m = DeriveModel(options=[OPT], tolerance=2.0)
    m.add_account("taker", "0xTaker", 1, D(1000), {})
    m.add_account("maker", "0xMaker", 2, D(1000), {})
    m.rfq_sent("r1", "taker", [(OPT, "buy", D("0.5")), (PERP, "sell", D(2))], valid_until_ms=int((NOW + 600) * 1000))
    m.quote_sent("q1", "r1", "maker", "sell", [(OPT, "buy", D(100), D("0.5")), (PERP, "sell", D(10), D(2))],
                 max_fee=D(5), expiry=int(NOW) + 900, nonce=111)
    return m


def execution(m: DeriveModel, **changes) -> Execution:
    q = m.quotes["q1"]
    fields = {"taker": "taker", "quote_id": "q1", "rfq_id": "r1", "direction": "buy", "legs": q.legs,
              "max_fee": D(1000), "nonce": int(NOW) * 1_000_000 + 1, "expiry": int(NOW) + 900}
    fields.update(changes)
    return Execution(**fields)


def refused_by(m: DeriveModel, e: Execution) -> list[str]:
    return [r.rule_id for r in m.predict_execute(e, NOW).refuse]


# ------------------------------------------------------------------ economics


def test_a_sell_quote_fill_moves_legs_to_the_taker_and_cash_to_the_maker():
    m = model()
    m.executed(execution(m), fee=D("0.75"))
    # quote sell: maker moves amount·leg_sign·(−1): sells 0.5 OPT, buys 2 PERP
    assert m.accounts["maker"].positions == {OPT: D("-0.5"), PERP: D(2)}
    assert m.accounts["taker"].positions == {OPT: D("0.5"), PERP: D(-2)}
    # maker cash: −Σ price·its move = −(100·−0.5 + 10·2) = +30, minus a fee in [0, 5]
    assert (m.accounts["maker"].cash, m.accounts["maker"].slack) == (D(1030), D(5))
    assert m.accounts["taker"].cash == D(1000) - 30 - D("0.75")


def test_a_buy_quote_fill_is_the_mirror_image():
    m = model()
    m.quote_sent("q2", "r1", "maker", "buy", m.quotes["q1"].legs, max_fee=D(5), expiry=int(NOW) + 900, nonce=112)
    m.executed(execution(m, quote_id="q2", direction="sell"), fee=D(0))
    assert m.accounts["maker"].positions == {OPT: D("0.5"), PERP: D(-2)}
    assert m.accounts["taker"].cash == D(1030)


def test_a_fill_closes_the_rfq_and_its_other_quotes():
    m = model()
    m.quote_sent("q2", "r1", "maker", "buy", m.quotes["q1"].legs, max_fee=D(5), expiry=int(NOW) + 900, nonce=112)
    m.executed(execution(m), fee=D(0))
    assert m.quote_statuses("q1", NOW) == {"filled"}
    assert m.rfq_statuses("r1", NOW) == {"filled"}
    assert m.quote_statuses("q2", NOW) == {"cancelled", "expired"}  # closed with its RFQ


def test_cancelling_the_rfq_closes_its_open_quotes():
    m = model()
    m.rfq_cancelled("r1")
    assert m.rfq_statuses("r1", NOW) == {"cancelled"}
    assert m.quote_statuses("q1", NOW) == {"cancelled", "expired"}
    assert refused_by(m, execution(m)) == ["DRV-QUOTE-NOT-OPEN"]


# ------------------------------------------------------------------ predictions


def test_a_correct_execution_is_predicted_accepted():
    m = model()
    p = m.predict_execute(execution(m), NOW)
    assert p.refuse == []
    assert p.allows(C.MAX_FEE_TOO_LOW) is not None  # the fee is not known yet
    assert p.allows(C.INSUFFICIENT_FUNDS) is None


@pytest.mark.parametrize(
    "change, rule",
    [
        ({"quote_id": "nope"}, "DRV-QUOTE-UNKNOWN"),
        ({"rfq_id": "r2"}, "DRV-QUOTE-OTHER-RFQ"),
        ({"direction": "sell"}, "DRV-DIRECTION-SAME"),
        ({"expiry": int(NOW) + 305}, "DRV-EXPIRY-MIN-310"),
        ({"nonce": (int(NOW) - 7200) * 1_000_000}, "DRV-NONCE-DATE"),
        ({"nonce": 111}, "DRV-NONCE-UNIQUE"),  # the maker's nonce, but another wallet's: allowed
    ],
)
def test_each_fault_is_predicted_refused_by_its_rule(change, rule):
    m = model()
    m.rfq_sent("r2", "taker", [(OPT, "buy", D(1))], None)
    m.quote_sent("q9", "r2", "maker", "sell", [(OPT, "buy", D(1), D(1))], max_fee=D(5), expiry=int(NOW) + 900, nonce=113)
    m.executed(execution(m, quote_id="q9", rfq_id="r2", legs=m.quotes["q9"].legs, nonce=111), fee=D(0))  # taker used 111
    assert rule in refused_by(m, execution(m, **change))


def test_altered_legs_are_refused_whatever_their_order():
    m = model()
    legs = m.quotes["q1"].legs
    assert refused_by(m, execution(m, legs=tuple(reversed(legs)))) == []
    changed = ((OPT, "buy", D(101), D("0.5")), legs[1])
    assert refused_by(m, execution(m, legs=changed)) == ["DRV-LEGS-MISMATCH"]


def test_a_filled_quote_is_a_double_execute():
    m = model()
    m.executed(execution(m), fee=D(1))
    assert refused_by(m, execution(m, nonce=int(NOW) * 1_000_000 + 2))[0] == "DRV-DOUBLE-EXECUTE"


def test_the_300_second_rule_and_the_clock_tolerance():
    m = model()
    expiry = m.quotes["q1"].expiry
    assert m.quote_statuses("q1", expiry - 310) == {"open"}
    assert m.quote_statuses("q1", expiry - 301) == {"open", "expired"}  # within the tolerance
    assert m.quote_statuses("q1", expiry - 290) == {"expired"}
    e = execution(m, expiry=int(expiry - 290) + 900)
    assert [r.rule_id for r in m.predict_execute(e, expiry - 290).refuse] == ["DRV-QUOTE-EXPIRY-300"]


def test_the_fee_is_learned_from_fills_and_from_refusals():
    m = model()
    m.executed(execution(m), fee=D(2))
    m.rfq_sent("r2", "taker", m.rfqs["r1"].legs, None)
    m.quote_sent("q2", "r2", "maker", "sell", m.quotes["q1"].legs, max_fee=D(5), expiry=int(NOW) + 900, nonce=114)
    again = {"quote_id": "q2", "rfq_id": "r2", "nonce": int(NOW) * 1_000_000 + 3}
    assert refused_by(m, execution(m, max_fee=D("0.9"), **again)) == ["DRV-MAX-FEE"]  # < half the fee charged
    assert m.predict_execute(execution(m, max_fee=D("1.5"), **again), NOW).allows(C.MAX_FEE_TOO_LOW)  # may be refused
    assert m.predict_execute(execution(m, max_fee=D(2), **again), NOW).allows(C.MAX_FEE_TOO_LOW) is None
    m.refused(execution(m, max_fee=D("1.5"), **again), C.MAX_FEE_TOO_LOW, NOW)
    assert refused_by(m, execution(m, max_fee=D("1.5"), **again)) == ["DRV-MAX-FEE"]


def test_a_taker_that_cannot_pay_for_options_is_short_of_margin():
    m = DeriveModel(options=[OPT])
    m.add_account("poor", "0xPoor", 3, D(1), {})
    m.add_account("maker", "0xMaker", 2, D(10**6), {})
    m.rfq_sent("r", "poor", [(OPT, "buy", D("0.01"))], None)
    m.quote_sent("q", "r", "maker", "sell", [(OPT, "buy", D(20000), D("0.01"))], max_fee=D(5), expiry=int(NOW) + 900, nonce=1)
    e = Execution("poor", "q", "r", "buy", m.quotes["q"].legs, D(1000), int(NOW) * 1_000_000, int(NOW) + 900)
    assert [r.rule_id for r in m.predict_execute(e, NOW).refuse] == ["DRV-MARGIN-TAKER"]
    m.accounts["poor"].cash = D(10**6)  # the same trade, funded
    assert m.predict_execute(e, NOW).refuse == []


def test_quotes_on_closed_rfqs_and_cancels_of_closed_quotes_are_predicted_refused():
    m = model()
    assert m.predict_quote("r1", NOW).refuse == []
    m.executed(execution(m), fee=D(0))
    assert [r.rule_id for r in m.predict_quote("r1", NOW).refuse] == ["DRV-ATOMIC-SETTLE"]
    assert m.predict_cancel_quote("q1", NOW).refuse
    assert m.predict_cancel_rfq("r1", NOW).refuse


# ------------------------------------------------------------------ comparisons


def test_the_maker_fee_is_bounded_then_pinned_by_observation():
    m = model()
    m.executed(execution(m), fee=D(1))
    assert m.compare_account("maker", D(1027), {OPT: D("-0.5"), PERP: D(2)}, "DRV-ATOMIC-SETTLE") == []  # fee 3 ≤ 5
    assert m.accounts["maker"].slack == 0 and m.accounts["maker"].cash == D(1027)
    m2 = model()
    m2.executed(execution(m2), fee=D(1))
    [wrong] = m2.compare_account("maker", D(1024), {OPT: D("-0.5"), PERP: D(2)}, "DRV-ATOMIC-SETTLE")  # fee 6 > 5
    assert wrong.rule_id == "DRV-ATOMIC-SETTLE" and "[1025, 1030]" in wrong.expected


def test_positions_and_taker_cash_are_exact():
    m = model()
    m.executed(execution(m), fee=D(1))
    found = m.compare_account("taker", D(970), {OPT: D("0.5")}, "DRV-ATOMIC-SETTLE")
    assert [f.rule_id for f in found] == ["DRV-ATOMIC-SETTLE"] * 2  # the perp leg is missing, 1 USDC too much
    assert "positions" in found[0].expected and "cash" in found[1].expected


def test_conservation_over_the_parties():
    m = model()
    m.executed(execution(m), fee=D(1))
    maker, taker = {OPT: D("-0.5"), PERP: D(2)}, {OPT: D("0.5"), PERP: D(-2)}
    assert m.compare_conservation([D(1027), D(969)], [maker, taker]) == []  # −1 taker fee − 3 maker fee
    [leak] = m.compare_conservation([D(1027), D(989)], [maker, taker])  # 20 USDC from nowhere
    assert "total cash" in leak.expected
    [net] = m.compare_conservation([D(1027), D(969)], [maker, {OPT: D("0.5"), PERP: D(-1)}])
    assert net.expected.startswith(PERP)


def test_status_comparisons_name_the_rule_that_breaks():
    m = model()
    m.quote_sent("q2", "r1", "maker", "buy", m.quotes["q1"].legs, max_fee=D(5), expiry=int(NOW) + 900, nonce=112)
    m.executed(execution(m), fee=D(0))
    assert m.compare_quote("q1", "filled", NOW) is None
    assert m.compare_quote("q2", "cancelled", NOW) is None
    assert m.compare_quote("q2", "open", NOW).rule_id == "DRV-QUOTE-NOT-OPEN"  # its RFQ was filled
    assert m.compare_quote("q1", "open", NOW).rule_id == "DRV-ATOMIC-SETTLE"  # the fill did not fill it
    assert m.compare_rfq("r1", "open", NOW).rule_id == "DRV-ATOMIC-SETTLE"


def test_a_refused_execution_changes_nothing():
    m = model()
    before = (m.accounts["taker"].cash, dict(m.accounts["taker"].positions), m.quotes["q1"].status)
    m.refused(execution(m, direction="sell"), C.QUOTE_LEG_MISMATCH, NOW)
    assert (m.accounts["taker"].cash, dict(m.accounts["taker"].positions), m.quotes["q1"].status) == before
    assert m.used("taker") == []
