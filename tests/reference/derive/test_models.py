"""The margin model, the fee formula, position averaging and number formatting, exactly."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from tradeproof.reference.derive.accounts import Position, Subaccount, filled
from tradeproof.reference.derive.fees import leg_fee, trade_fee
from tradeproof.reference.derive.instruments import (
    EXPIRY_2027_06_25,
    by_name,
    default_instruments,
    option,
    option_sub_id,
)
from tradeproof.reference.derive.margin import MarginModel
from tradeproof.reference.derive.numbers import fmt, on_grid, parse_decimal

INSTRUMENTS = by_name(default_instruments())
PERP, CALL, PUT6000 = (
    INSTRUMENTS["ETH-PERP"],
    INSTRUMENTS["ETH-20270625-3000-C"],
    INSTRUMENTS["ETH-20270625-6000-P"],
)


def _sub(cash: str, **positions: str) -> Subaccount:
    """Positions as ``name="amount"`` (entered at mark) or ``name="amount@entry"``."""
    names = {"perp": "ETH-PERP", "call": "ETH-20270625-3000-C", "put6000": "ETH-20270625-6000-P"}
    held = {}
    for short, text in positions.items():
        amount, _, entry = text.partition("@")
        name = names[short]
        held[name] = Position(D(amount), D(entry) if entry else INSTRUMENTS[name].mark_price)
    return Subaccount(1, "0x", D(cash), held)


@pytest.mark.parametrize(
    ("sub", "value", "initial", "maintenance"),
    [
        (_sub("1000"), "1000", "1000", "1000"),
        # long perp 1 @ mark 3000: value −2000 + 3000; requirement 300 (10 %)
        (_sub("-2000", perp="1"), "1000", "700", "850"),
        # short perp 2: value 7000 − 6000; requirement 600
        (_sub("7000", perp="-2"), "1000", "400", "700"),
        # long call: worth its mark (520), but no credit for initial margin
        (_sub("0", call="1"), "520", "0", "520"),
        # short 6000 put (mark 2850): liability in value, plus 15 % of index 3000 = 450
        (_sub("5000", put6000="-1"), "2150", "1700", "1925"),
        (_sub("0", perp="-1", call="3"), "-1440", "-3300", "-1590"),
        # bought below mark: the gain is in the value but not in the initial margin
        (_sub("-100", call="1@100"), "420", "-100", "420"),
        (_sub("-100", perp="1@100"), "2900", "-300", "2750"),
        # sold above mark: the liability counts at the entry price for initial margin
        (_sub("4000", perp="-1@4000"), "1000", "-300", "850"),
        # losses count in full either way
        (_sub("-600", call="1@600"), "-80", "-600", "-80"),
    ],
)
def test_margin_summary(sub: Subaccount, value: str, initial: str, maintenance: str) -> None:
    summary = MarginModel().summary(sub, INSTRUMENTS)
    got = (summary.value, summary.initial_margin, summary.maintenance_margin)
    assert got == (D(value), D(initial), D(maintenance))
    assert summary.sufficient == (D(initial) >= 0)


def test_fees_use_index_notional_with_the_option_cap() -> None:
    assert leg_fee(PERP, D("1.5"), "taker") == D("1.35")
    assert leg_fee(PERP, D("-1.5"), "maker") == D("0.45")
    assert leg_fee(CALL, D(2), "taker") == D("1.8")  # 0.0003·3000·2, below the cap 0.125·520·2
    cheap = option("ETH", CALL.asset, EXPIRY_2027_06_25, "9000", "C", mark="4", index="3000")
    assert leg_fee(cheap, D(10), "taker") == D(5)  # capped: 0.125·4·10 < 0.0003·3000·10 = 9
    assert trade_fee([(PERP, D(1)), (CALL, D(1))], "taker") == D("1.8")


@pytest.mark.parametrize(
    ("start", "delta", "price", "end"),
    [
        (None, "1", "100", ("1", "100")),
        (("1", "100"), "1", "200", ("2", "150")),
        (("-1", "100"), "-3", "120", ("-4", "115")),
        (("2", "100"), "-1", "500", ("1", "100")),
        (("2", "100"), "-2", "500", None),
        (("1", "100"), "-3", "90", ("-2", "90")),
        (("3", "1"), "3", "2", ("6", "1.5")),
        (("1", "1"), "2", "1", ("3", "1")),
        (("1", "0"), "2", "1", ("3", "0.666666666666666667")),
    ],
)
def test_position_averaging(
    start: tuple[str, str] | None, delta: str, price: str, end: tuple[str, str] | None
) -> None:
    position = None if start is None else Position(D(start[0]), D(start[1]))
    result = filled(position, D(delta), D(price))
    assert (None if result is None else (result.amount, result.average_price)) == (
        None if end is None else (D(end[0]), D(end[1]))
    )


def test_option_sub_ids_match_protocol_vectors() -> None:
    assert option_sub_id(1813910400, D(6000), True) == 39614083834112546398585885568
    assert option_sub_id(1813910400, D(6000), False) == 2576980377601813910400
    assert INSTRUMENTS["ETH-20270625-6000-C"].sub_id == 39614083834112546398585885568
    assert PERP.sub_id == 0


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12.5", D("12.5")),
        ("0", D(0)),
        ("-3.25", D("-3.25")),
        ("1e3", None),
        ("01", None),
        ("1.", None),
        (".5", None),
        ("+1", None),
        ("NaN", None),
        (" 1", None),
        ("1\n", None),
        ("1" * 65, None),
    ],
)
def test_parse_decimal(text: str, value: D | None) -> None:
    assert parse_decimal(text) == value


def test_fmt_and_grid() -> None:
    assert [fmt(D(x)) for x in ("100", "1E+2", "2.50", "-0", "0.000", "-1.0")] == [
        "100",
        "100",
        "2.5",
        "0",
        "0",
        "-1",
    ]
    assert on_grid(D("520.1"), D("0.1")) and not on_grid(D("520.05"), D("0.1"))
    assert on_grid(D(1000), D("0.01")) and not on_grid(D("0.005"), D("0.01"))
