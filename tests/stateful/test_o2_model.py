"""The O2 model the fuzzer judges targets by: order types, price-time priority, market
budgets, fee bounds, atomic batches, the cases it refuses to guess, and how a
disagreement is named. Pure: no target involved."""

from __future__ import annotations

import copy
from dataclasses import replace

import pytest

from tradeproof.stateful.o2_compare import Judge, Observed, StepRecord
from tradeproof.stateful.o2_model import BudgetBinds, Cancel, NewOrder, O2Model, Open, Range, SettleOwn
from tradeproof.target.market import MarketSpec

BASE, QUOTE = "0x" + "ba" * 32, "0x" + "0c" * 32
UNIT = 10**9
P = 1000 * UNIT  # the mid: 1000 quote per base
T = 1000  # tick
Q = 10**7  # 0.01 base: notional 10 quote, a multiple of the lot at every tick
A, B, C, D = ("0x" + c * 32 for c in ("a1", "b2", "c3", "d4"))


def spec(maker_fee: int = 0, taker_fee: int = 0) -> MarketSpec:
    return MarketSpec("0x" + "11" * 32, "0x" + "22" * 32, BASE, QUOTE, 9, 9, 6, UNIT, maker_fee, taker_fee)


MARKET = spec().market_id


@pytest.fixture
def model() -> O2Model:
    m = O2Model([spec()])
    for account in (A, B, C, D):
        m.add_account(account, {BASE: 100 * UNIT, QUOTE: 10**6 * UNIT})
    return m


def order(side: str, ticks: int, lots: int = 1, kind: str = "Spot", **extra: object) -> NewOrder:
    return NewOrder(MARKET, side, P + ticks * T, lots * Q, kind, **extra)  # type: ignore[arg-type]


def run(model: O2Model, account: str, *actions: object):
    after, prediction = model.simulate(account, list(actions))  # type: ignore[arg-type]
    if prediction.accepted:
        model.__dict__.update(after.__dict__)
    return prediction


def seq_of(model: O2Model, owner: str) -> list[int]:
    return [o.seq for o in model.open_orders(owner)]


# --------------------------------------------------------------------------- order types


def test_spot_fills_at_the_makers_price_then_rests_the_rest(model):
    run(model, A, order("Sell", 0))
    p = run(model, B, order("Buy", 2, lots=3))
    assert [(f.price, f.quantity) for f in p.fills] == [(P, Q)]
    [rest] = model.open_orders(B)
    assert (rest.price, rest.remaining) == (P + 2 * T, 2 * Q)
    assert model.total[(B, QUOTE)] == Range.exactly(10**6 * UNIT - P * Q // UNIT)  # paid the maker's price
    assert model.locked(B, MARKET, QUOTE) == Range((P + 2 * T) * 2 * Q // UNIT, (P + 2 * T) * 3 * Q // UNIT - P * Q // UNIT)


def test_best_price_first_then_oldest_first(model):
    run(model, A, order("Sell", 1))
    run(model, B, order("Sell", 1))
    run(model, C, order("Sell", 0))
    p = run(model, D, order("Buy", 1, lots=2))
    assert [f.price for f in p.fills] == [P, P + T]  # C's better ask, then A's
    assert seq_of(model, A) == [] and len(seq_of(model, B)) == 1  # the older ask at the level went first


def test_market_never_rests_and_open_cases_are_not_guessed(model):
    with pytest.raises(Open, match="cannot fill"):
        model.simulate(A, [order("Buy", 0, kind="Market")])  # empty book: the sources disagree
    run(model, A, order("Sell", 0, lots=2))
    p = run(model, B, order("Buy", 0, kind="Market"))
    assert p.accepted and not model.open_orders(B) and model.open_orders(A)[0].remaining == Q
    run(model, A, order("Sell", 5))
    with pytest.raises(Open, match="budget"):  # the second lot would cost more than price·quantity forwards
        model.simulate(B, [order("Buy", 0, lots=2, kind="Market")])


def test_a_market_buy_whose_budget_binds_takes_what_the_target_took_up_to_its_budget(model):
    run(model, A, order("Sell", 0))
    run(model, A, order("Sell", 5))
    buy = order("Buy", 0, lots=2, kind="Market")  # forwards P·2Q: the ask at P + 5T costs more than P·Q
    with pytest.raises(BudgetBinds) as binds:
        model.simulate(B, [buy])
    most = (P * Q // UNIT + 1) * UNIT - 1  # quote left after the first lot, in base·price units …
    assert (binds.value.price, binds.value.most, binds.value.first) == (P + 5 * T, most // (P + 5 * T), False)
    with pytest.raises(ValueError, match="outside"):
        model.simulate(B, [replace(buy, binding_fill=binds.value.most + 1)])
    p = run(model, B, replace(buy, binding_fill=binds.value.most))
    assert [f.quantity for f in p.fills] == [Q, binds.value.most] and not model.open_orders(B)
    assert 10**6 * UNIT - model.total[(B, QUOTE)].lo <= 2 * P * Q // UNIT  # never more than it forwarded
    [left] = model.open_orders(A)
    assert left.remaining == Q - binds.value.most
    run(model, D, order("Sell", 3))
    with pytest.raises(BudgetBinds) as first:  # binding at its first level: it may fill nothing at all
        model.simulate(C, [order("Buy", 0, kind="Market")])
    assert first.value.first


def test_fill_or_kill_reverts_the_whole_batch_unless_filled(model):
    run(model, A, order("Sell", 0))
    before = copy.deepcopy(model.__dict__)
    p = run(model, B, order("Buy", -3), order("Buy", 0, lots=2, kind="FillOrKill"))
    assert not p.accepted and p.rule_id == "O2-FOK-REVERT"
    assert model.orders.keys() == before["orders"].keys() and model.total == before["total"]
    p = run(model, B, order("Buy", 0, kind="FillOrKill"))
    assert p.accepted and not model.open_orders(B) and not model.open_orders(A)


def test_post_only_reverts_on_any_fill_else_rests(model):
    run(model, A, order("Sell", 0))
    assert run(model, B, order("Buy", 0, kind="PostOnly")).rule_id == "O2-POSTONLY-REVERT"
    with pytest.raises(Open, match="own"):
        model.simulate(A, [order("Buy", 0, kind="PostOnly")])
    assert run(model, B, order("Buy", -1, kind="PostOnly")).accepted and len(model.open_orders(B)) == 1


def test_bounded_market_stays_inside_its_bounds(model):
    for ticks in (0, 2, 4):
        run(model, A, order("Sell", ticks))
    bounds = (P - 10 * T, P + 2 * T)
    assert run(model, B, order("Buy", 0, bounds=bounds[::-1], kind="BoundedMarket")).rule_id == "O2-BOUNDED-INVERTED"
    p = run(model, B, order("Buy", 10, lots=3, kind="BoundedMarket", bounds=bounds))
    assert [f.price for f in p.fills] == [P, P + 2 * T] and not model.open_orders(B)
    assert run(model, B, order("Buy", 10, kind="BoundedMarket", bounds=(P, P + 3 * T))).rule_id == "O2-BOUNDED-NO-FILL"
    with pytest.raises(Open, match="skip"):
        model.simulate(B, [order("Buy", 10, kind="BoundedMarket", bounds=(P + 5 * T, P + 9 * T))])


def test_limit_is_bounded_by_the_tighter_price(model):
    run(model, A, order("Sell", 0))
    run(model, A, order("Sell", 2))
    p = run(model, B, order("Buy", 2, lots=3, kind="Limit", limit=P))
    assert [f.price for f in p.fills] == [P]
    assert [(o.price, o.remaining) for o in model.open_orders(B)] == [(P, 2 * Q)]


def test_validation_cancels_and_self_trades(model):
    assert run(model, A, order("Buy", 0, lots=0)).rule_id == "O2-ORDER-ZERO"
    assert run(model, A, NewOrder(MARKET, "Buy", P + T // 2, Q, "Spot")).rule_id == "O2-ORDER-TICK"
    run(model, A, order("Sell", 1, lots=2))
    [mine] = seq_of(model, A)
    assert run(model, B, Cancel(MARKET, mine)).rule_id == "O2-CANCEL-OTHERS"
    with pytest.raises(Open, match="self-trade"):
        model.simulate(A, [order("Buy", 1)])
    with pytest.raises(Open, match="no longer open"):
        model.simulate(B, [order("Buy", 1, lots=2), Cancel(MARKET, mine)])
    assert run(model, A, Cancel(MARKET, mine)).accepted and not model.open_orders(A)
    assert model.total[(A, BASE)] == Range.exactly(100 * UNIT) and model.locked(A, MARKET, BASE) == Range.exactly(0)


def test_fees_are_bounded_and_settled_proceeds_move_to_trading():
    fee_spec = spec(maker_fee=100, taker_fee=500)
    model = O2Model([fee_spec])
    for account in (A, B):
        model.add_account(account, {BASE: 100 * UNIT, QUOTE: 10**6 * UNIT})
    run(model, A, order("Sell", 0))
    run(model, B, order("Buy", 0))
    quote = P * Q // UNIT
    assert model.unlocked_of(A, MARKET, QUOTE) == Range(quote - quote * 100 // 10**6, quote)
    assert model.unlocked_of(B, MARKET, BASE) == Range(Q - Q * 500 // 10**6, Q)
    model.pin({(A, QUOTE): 10**6 * UNIT + quote - 3}, {(A, fee_spec.contract_id, QUOTE): quote - 3}, {})
    assert model.total[(A, QUOTE)] == Range.exactly(10**6 * UNIT + quote - 3)
    run(model, A, SettleOwn(MARKET))
    assert model.unlocked_of(A, MARKET, QUOTE) == Range.exactly(0)
    assert model.free(A, QUOTE) == Range.exactly(10**6 * UNIT + quote - 3)


# --------------------------------------------------------------------------- naming the rule


def _seen(model: O2Model, orders: dict) -> Observed:
    seen = Observed(orders={(a, MARKET): {} for a in model.accounts})
    seen.orders.update(orders)
    for (account, asset), total in model.total.items():
        seen.totals[(account, asset)] = total.hi
    return seen


def test_a_newer_maker_filled_first_is_named_price_time_priority(model):
    run(model, A, order("Sell", 0, lots=2))
    run(model, B, order("Sell", 0, lots=2))
    for o, name in zip(model.open_orders(), ("0xaa", "0xbb"), strict=True):
        o.target_id = name
    before = copy.deepcopy(model)
    prediction = run(model, D, order("Buy", 0))
    # the target filled B's (newer) ask instead of A's
    seen = _seen(model, {(A, MARKET): {"0xaa": ("Sell", P, 2 * Q)}, (B, MARKET): {"0xbb": ("Sell", P, Q)}})
    step = StepRecord(D, before, prediction, 1)
    with pytest.raises(AssertionError, match="O2-PRICE-TIME-PRIORITY"):
        Judge(model, seen, step, {}).check()


def test_any_change_after_a_rejected_batch_is_named_atomic_batch(model):
    run(model, A, order("Sell", 0))
    model.open_orders(A)[0].target_id = "0xaa"
    prediction = run(model, B, order("Buy", -2), order("Buy", 0, lots=2, kind="FillOrKill"))
    assert not prediction.accepted
    seen = _seen(model, {(A, MARKET): {}})  # the target kept the first fill
    with pytest.raises(AssertionError, match="O2-ATOMIC-BATCH"):
        Judge(model, seen, StepRecord(B, model, prediction, 2), {}).check()
    with pytest.raises(AssertionError, match="O2-FOK-REVERT"):
        Judge(model, seen, StepRecord(B, model, prediction, 1), {}).check()


def test_a_misfill_message_tells_the_orders_apart(model):
    """Order ids that differ only in their head (the reference's: a counter, then price,
    side and type) are shown by as much of the head as tells them apart, so the expected
    and observed open orders of a misfill never read the same."""
    ids = ["0x" + f"{n:016x}" + "00000000000f4240" + "0" * 15 + "1" + "0" * 16 for n in (1, 2, 3)]
    for _ in ids:
        run(model, A, order("Sell", 0))
    for o, order_id in zip(model.open_orders(A), ids, strict=True):
        o.target_id = order_id
    before = copy.deepcopy(model)
    prediction = run(model, D, order("Buy", 0))  # fills the oldest; the target filled the newest
    seen = _seen(model, {(A, MARKET): {ids[0]: ("Sell", P, Q), ids[1]: ("Sell", P, Q)}})
    with pytest.raises(AssertionError) as failure:
        Judge(model, seen, StepRecord(D, before, prediction, 1), {}).check()
    expected, observed = str(failure.value).split("expected ", 1)[1].split(", observed ", 1)
    assert "0x0000000000000002…" in expected and "0x0000000000000003…" in expected
    assert "0x0000000000000001…" in observed and "0x0000000000000003…" not in observed
