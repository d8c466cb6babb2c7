"""The three flavours of each message kind: structural values validate, semantic ones keep
the view's market rules, invalid ones carry exactly their one rule."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tradeproof import rules, schemas
from tradeproof.messages import derive as dmsg
from tradeproof.messages import o2 as omsg
from tradeproof.reference.derive.instruments import default_instruments
from tradeproof.reference.o2.markets import CHAIN_ID, default_markets, markets_json
from tradeproof.signing import derive as dsig
from tradeproof.signing.keys import Key
from tradeproof.strategies import (
    DERIVE_EXECUTION_RULES,
    DERIVE_QUOTE_RULES,
    O2_BATCH_RULES,
    O2_ORDER_TYPE_RULES,
    O2_SESSION_RULES,
    Book,
    DeriveLeg,
    DeriveView,
    Labelled,
    O2View,
    QuotePlan,
    Refer,
    SessionPlan,
    SignatureFault,
    Zones,
    derive_executions,
    derive_quotes,
    o2_batches,
    o2_order_types,
    o2_session_updates,
)
from tradeproof.strategies.flavours import execute_template, o2_template, quote_template, session_template
from tradeproof.strategies.o2 import Batch, CancelOwn, Create, Settle
from tradeproof.target.market import markets_of

CHECK = settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None)
COVER = settings(CHECK, max_examples=60, phases=[Phase.generate], derandomize=True)


def seen(strategy: st.SearchStrategy, features) -> set:
    """Everything ``features(value)`` names over a fixed run of generated values."""
    found: set = set()

    @COVER
    @given(strategy)
    def collect(value):
        found.update(features(value))

    collect()
    return found

MARKETS_JSON = markets_json(default_markets(), CHAIN_ID)
MARKETS = tuple(markets_of(MARKETS_JSON))
CONTEXT = omsg.O2Context.from_markets_json(MARKETS_JSON)
ZONES = Zones({m.market_id: m.price(1000) for m in MARKETS})
VIEW = O2View(MARKETS, ZONES)
ETH = MARKETS[0]
BOOKED = O2View(
    MARKETS, ZONES,
    books={ETH.market_id: Book(ETH.price(999), 40 * ETH.lots(ETH.price(999)), ETH.price(1001), 40 * ETH.lots(ETH.price(1001)))},
    referer_free=True,
)
DERIVE_VIEW = DeriveView.of({i.name: i.to_json(time.time()) for i in default_instruments()})


def _groups(batch: Batch, view: O2View = VIEW) -> list[dict]:
    return batch.resolve(view.markets, view.trade_account_id, lambda spec: ["0x" + "0d" * 32])


def _signed_body(batch: Batch) -> dict:
    return omsg.actions_body(CONTEXT, Key.derive("tests", "session"), trade_account_id=bytes(32), nonce=3, groups=_groups(batch))


# --------------------------------------------------------------------------- structural


@pytest.mark.parametrize(
    ("strategy", "schema"),
    [
        (o2_batches("structural"), "o2/session_actions_request"),
        (o2_order_types("structural"), "o2/order_type"),
        (o2_session_updates("structural"), "o2/session_request"),
        (derive_quotes("structural"), "derive/send_quote_params"),
        (derive_executions("structural"), "derive/execute_quote_params"),
    ],
)
def test_structural_values_conform(strategy, schema):
    @CHECK
    @given(strategy)
    def check(value):
        assert schemas.errors(schema, value) == []
        if schema == "o2/session_actions_request":
            assert schemas.batch_total_violation(value) is None
            assert 1 <= len(value["actions"]) <= 5

    check()


ORDER_TYPES = ["Spot", "Market", "FillOrKill", "PostOnly", "Limit", "BoundedMarket"]


def _kinds(body: dict) -> set[str]:
    found = set()
    for group in body["actions"]:
        for action in group["actions"]:
            found |= set(action)
            order_type = action.get("CreateOrder", {}).get("order_type")
            found |= {order_type} if isinstance(order_type, str) else set(order_type or {})
    return found


def test_structural_batches_reach_every_action_and_order_type():
    wanted = {"CreateOrder", "CancelOrder", "SettleBalance", "RegisterReferer", *ORDER_TYPES}
    assert wanted <= seen(o2_batches("structural"), _kinds)


# --------------------------------------------------------------------------- semantic O2


@CHECK
@given(o2_batches("semantic", BOOKED))
def test_semantic_batches_keep_the_market_rules(batch):
    assert isinstance(batch, Batch)
    assert 1 <= len(batch.groups) <= 5 and 1 <= batch.action_count <= 5
    assert len({m for m, _ in batch.groups}) == len(batch.groups)  # one group per market
    body = _signed_body(batch)
    assert schemas.errors("o2/session_actions_request", body) == []
    referers = 0
    for m, actions in batch.groups:
        spec, book = MARKETS[m], BOOKED.books.get(MARKETS[m].market_id)
        takers = 0
        for action in actions:
            referers += isinstance(action, Refer)
            if not isinstance(action, Create):
                continue
            assert action.price > 0 and action.price % spec.tick == 0
            assert action.price * action.quantity % spec.base_unit == 0
            assert spec.notional(action.price, action.quantity) >= spec.min_order
            kind = action.order_type if isinstance(action.order_type, str) else next(iter(action.order_type))
            if kind in ("FillOrKill", "Market", "BoundedMarket"):
                takers += 1
                assert book is not None
                level, available = (book.best_ask, book.ask_quantity) if action.side == "Buy" else (book.best_bid, book.bid_quantity)
                assert action.price == level and action.quantity <= available
                if kind == "BoundedMarket":
                    bounds = action.order_type["BoundedMarket"]
                    assert int(bounds["min_price"]) <= level <= int(bounds["max_price"])
            else:  # resting orders stay far from the mid: they never cross
                mid = ZONES.mid(spec)
                assert action.price <= mid // 10 if action.side == "Buy" else action.price >= 10 * mid
        assert takers <= 1
    assert referers <= 1


def test_without_a_book_there_are_no_taker_orders():
    @CHECK
    @given(o2_batches("semantic", VIEW))
    def check(batch):
        for _, actions in batch.groups:
            for action in actions:
                assert not isinstance(action, Refer)
                if isinstance(action, Create):
                    assert action.order_type in ("Spot", "PostOnly") or "Limit" in action.order_type

    check()


def test_a_book_lets_every_order_type_in_and_referer_free_a_referer():
    def kinds(batch: Batch) -> set[str]:
        return _kinds({"actions": _groups(batch, BOOKED)})

    assert {*ORDER_TYPES, "RegisterReferer", "CancelOrder", "SettleBalance"} <= seen(o2_batches("semantic", BOOKED), kinds)


def test_session_contracts_and_funds_narrow_the_batches():
    only_btc = O2View(MARKETS, ZONES, session_contracts=(MARKETS[1].contract_id,), funds={})

    @CHECK
    @given(o2_batches("semantic", only_btc))
    def check(batch):
        assert {m for m, _ in batch.groups} == {1}
        assert all(not isinstance(a, Create) for _, acts in batch.groups for a in acts)  # no funds: no orders

    check()


@CHECK
@given(o2_session_updates("semantic", VIEW))
def test_semantic_session_plans_sign_into_valid_bodies(plan):
    assert isinstance(plan, SessionPlan) and plan.expires_in >= 60 and plan.markets
    body = omsg.session_body(
        CONTEXT, Key.derive("tests", "owner"), trade_account_id=bytes(32), session_key=plan.session_key("t"), nonce=0,
        expiry=int(time.time()) + plan.expires_in, contract_ids=plan.contract_ids(MARKETS),
    )
    assert schemas.errors("o2/session_request", body) == []


@CHECK
@given(o2_order_types("semantic", ETH))
def test_semantic_order_types(order_type):
    assert schemas.errors("o2/order_type", order_type) == []
    if isinstance(order_type, dict) and "BoundedMarket" in order_type:
        bounds = order_type["BoundedMarket"]
        assert 0 < int(bounds["min_price"]) <= int(bounds["max_price"])
        assert int(bounds["min_price"]) % ETH.tick == 0
    if isinstance(order_type, dict) and "Limit" in order_type:
        assert int(order_type["Limit"][0]) > 0 and int(order_type["Limit"][0]) % ETH.tick == 0


# --------------------------------------------------------------------------- semantic Derive


@pytest.mark.parametrize("kind", [derive_quotes, derive_executions])
def test_semantic_quote_plans_are_on_the_grid(kind):
    @CHECK
    @given(kind("semantic", DERIVE_VIEW))
    def check(plan):
        assert isinstance(plan, QuotePlan) and plan.expires_in >= 400
        names = [leg.instrument for leg in plan.legs]
        assert names == sorted(set(names)) and 1 <= len(names) <= 3
        for leg in plan.json_legs(DERIVE_VIEW):
            info = DERIVE_VIEW.instrument(leg["instrument_name"])
            amount, price = dsig.to_decimal(leg["amount"]), dsig.to_decimal(leg["price"])
            assert info.minimum <= amount and amount % info.step == 0
            assert price > 0 and price % info.tick == 0
        assert dsig.to_decimal(plan.max_fee) >= DERIVE_VIEW.max_fee
        assert schemas.errors("derive/execute_quote_params", execute_template(plan, DERIVE_VIEW)) == []
        assert schemas.errors("derive/send_quote_params", quote_template(plan, DERIVE_VIEW)) == []

    check()


# --------------------------------------------------------------------------- invalid


@pytest.mark.parametrize(
    ("strategy", "allowed"),
    [
        (o2_batches("invalid", BOOKED), O2_BATCH_RULES),
        (o2_order_types("invalid"), O2_ORDER_TYPE_RULES),
        (o2_session_updates("invalid", VIEW), O2_SESSION_RULES),
        (derive_quotes("invalid", DERIVE_VIEW), DERIVE_QUOTE_RULES),
        (derive_executions("invalid", DERIVE_VIEW), DERIVE_EXECUTION_RULES),
    ],
)
def test_invalid_cases_carry_one_known_rule(strategy, allowed):
    @CHECK
    @given(strategy)
    def check(case):
        assert case.rule_id in allowed and case.rule_id in rules.ids()
        assert isinstance(case, (Labelled, SignatureFault))
        assert case.still_violates()
        if isinstance(case, Labelled):
            assert any(v.path == case.path for v in case.violations())

    check()


@pytest.mark.parametrize(
    ("make", "allowed"),
    [
        (lambda rules: o2_batches("invalid", BOOKED, rules=rules), O2_BATCH_RULES),
        (lambda rules: o2_order_types("invalid", rules=rules), O2_ORDER_TYPE_RULES),
        (lambda rules: o2_session_updates("invalid", VIEW, rules=rules), O2_SESSION_RULES),
        (lambda rules: derive_quotes("invalid", DERIVE_VIEW, rules=rules), DERIVE_QUOTE_RULES),
        (lambda rules: derive_executions("invalid", DERIVE_VIEW, rules=rules), DERIVE_EXECUTION_RULES),
    ],
)
def test_rules_narrow_the_invalid_cases_to_those_rules(make, allowed):
    wanted = {allowed[0], allowed[-1]}  # a signature rule and a schema rule where there are both
    assert seen(make([*wanted, "O2-RATE-LIMIT"]), lambda case: [case.rule_id]) == wanted


def test_rules_are_checked_at_once():
    with pytest.raises(ValueError, match="none of"):
        o2_session_updates("invalid", VIEW, rules=["DRV-PARAMS-SCHEMA"])
    with pytest.raises(ValueError, match="breaks no rule"):
        derive_executions("semantic", DERIVE_VIEW, rules=["DRV-PARAMS-SCHEMA"])
    with pytest.raises(ValueError, match="collection of rule ids"):
        derive_executions("invalid", DERIVE_VIEW, rules="DRV-PARAMS-SCHEMA")


def test_an_invalid_batch_keeps_its_label_on_the_signed_body():
    @CHECK
    @given(o2_batches("invalid", VIEW))
    def check(case):
        assert not any(isinstance(a, CancelOwn) for _, acts in case.request.groups for a in acts)
        if isinstance(case, Labelled):
            assert case.finish(_signed_body(case.request)).still_violates()

    check()


def test_templates_have_the_shape_of_real_requests():
    batch = Batch(((0, (Create("Buy", ETH.price(1), ETH.lots(ETH.price(1))), Settle())),))
    assert set(o2_template(batch, VIEW)) == set(_signed_body(batch))
    plan = QuotePlan(tuple(DeriveLeg(i.name, "buy", 2, 3) for i in DERIVE_VIEW.instruments[:2]), "sell", "1000", 600)
    refs = {leg.instrument: dmsg.InstrumentRef(leg.instrument, "0x" + "11" * 20, 1) for leg in plan.legs}
    key = Key.derive("tests", "taker")
    real = dmsg.execute_params(
        dsig.V2_TESTNET, key, owner=key.evm_address, subaccount_id=9, rfq_id="r", quote_id="q", direction="buy",
        legs=plan.json_legs(DERIVE_VIEW), max_fee="1", nonce=5, expiry=6, instruments=refs, label="",
    )
    assert set(execute_template(plan, DERIVE_VIEW)) == set(real)
    session = session_template(SessionPlan(1, 60, (0,)), VIEW)
    assert schemas.errors("o2/session_request", session) == []


# --------------------------------------------------------------------------- the API


def test_flavour_and_view_are_checked_at_once():
    with pytest.raises(ValueError, match="flavour"):
        o2_batches("valid")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="needs a view"):
        o2_batches("semantic")
    with pytest.raises(ValueError, match="needs a view"):
        derive_executions("invalid", VIEW)  # type: ignore[arg-type]


def test_reprs_read_as_calls():
    assert repr(o2_batches("invalid", VIEW)) == "o2_batches(flavour='invalid', view=O2View(2 markets, books for 0, funds ample))"
    assert repr(o2_order_types()) == "o2_order_types(flavour='structural')"
    assert repr(o2_order_types("invalid", rules=["O2-UNKNOWN-ORDER-TYPE"])) == (
        "o2_order_types(flavour='invalid', rules=('O2-UNKNOWN-ORDER-TYPE',))"
    )
