""""Semantic" means accepted: requests drawn from a view of the embedded reference target,
signed with the current nonce, are accepted by it — including FillOrKill, Market and
BoundedMarket orders against a book the view describes — and invalid cases made from
them are refused with their labelled rule."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings

from tradeproof.checks import expect_outcome
from tradeproof.messages import o2 as omsg
from tradeproof.reference import BackgroundServer, create_app
from tradeproof.scenarios.derive import LegPlan, open_quote, send_quote, send_rfq
from tradeproof.scenarios.o2 import cancel_all, open_ids
from tradeproof.signing import derive as dsig
from tradeproof.strategies import (
    Book,
    DeriveView,
    Labelled,
    O2View,
    Zones,
    derive_executions,
    derive_quotes,
    o2_batches,
    o2_session_updates,
)
from tradeproof.strategies.o2 import Create
from tradeproof.target import DeriveAccounts, DeriveTarget, HttpClient, NoPacer, O2Accounts, O2Target
from tradeproof.target.market import markets_of

FEW = settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), database=None, derandomize=True)


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with BackgroundServer(create_app(rate_limit=False)) as server:
        yield server.url


@pytest.fixture(scope="module")
def o2(url: str) -> O2Target:
    return O2Target(HttpClient(url), NoPacer())


@pytest.fixture(scope="module")
def derive(url: str) -> DeriveTarget:
    return DeriveTarget(HttpClient(url))


def _legs(plan) -> list[LegPlan]:
    return [LegPlan(leg.instrument, leg.direction, leg.steps, leg.price_ticks) for leg in plan.legs]


def test_semantic_o2_batches_are_accepted(o2):
    accounts = O2Accounts(o2, "strategies-semantic", True)
    maker = accounts.new("maker")
    markets = tuple(markets_of(o2.markets_json))
    zones = Zones({m.market_id: m.price(1000) for m in markets})
    levels = {m.market_id: (zones.mids[m.market_id] - m.tick, zones.mids[m.market_id] + m.tick, 40 * m.lots(zones.mids[m.market_id])) for m in markets}
    # The view is the same for every example (Hypothesis replays choices): before each
    # one the maker's best levels are restored, and the taker is new (no referer, no orders).
    books = {market: Book(bid, depth, ask, depth) for market, (bid, ask, depth) in levels.items()}
    view = O2View(markets, zones, books=books, referer_free=True)
    kinds: set[str] = set()

    @settings(FEW, max_examples=30)
    @given(o2_batches("semantic", view))
    def accepted(batch):
        for spec in markets:
            cancel_all(maker, spec)
            bid, ask, depth = levels[spec.market_id]
            assert maker.submit(omsg.group(spec.market_id, omsg.create_order("Sell", ask, depth), omsg.create_order("Buy", bid, depth))).accepted
        taker = accounts.new("taker")
        groups = batch.resolve(markets, taker.trade_account_id, lambda s: open_ids(taker, s))
        outcome = taker.submit(*groups)
        assert outcome.accepted, (batch, outcome.describe())
        kinds.update(str(a.order_type).split("'")[1] if isinstance(a.order_type, dict) else a.order_type
                     for _, acts in batch.groups for a in acts if isinstance(a, Create))

    accepted()
    assert {"FillOrKill", "Market", "BoundedMarket", "Spot", "PostOnly", "Limit"} <= kinds


def test_invalid_o2_cases_get_their_rule(o2):
    trader = O2Accounts(o2, "strategies-invalid", True).new("trader")
    markets = tuple(markets_of(o2.markets_json))
    view = O2View(markets, Zones({m.market_id: m.price(1000) for m in markets}))

    @settings(FEW, max_examples=25)
    @given(o2_batches("invalid", view))
    def refused(case):
        groups = case.request.resolve(markets, trader.trade_account_id, lambda s: [])
        if isinstance(case, Labelled):
            case = case.finish(trader.actions_body(groups))
            assert case.still_violates()
            body = case.instance
        else:
            digest = omsg.actions_digest(o2.context, trader.nonce, groups)
            body = trader.actions_body(groups, signature=case.o2_signature(trader.session_key, digest))
        expect_outcome(case.rule_id, trader.send_actions(body), detail=case.description)

    refused()


def test_semantic_session_updates_are_accepted(o2):
    trader = O2Accounts(o2, "strategies-session", True).new("trader")
    markets = tuple(markets_of(o2.markets_json))

    @settings(FEW, max_examples=4)
    @given(o2_session_updates("semantic", O2View(markets)))
    def accepted(plan):
        outcome = trader.open_session(
            plan.session_key(trader.label), expiry=int(time.time()) + plan.expires_in, contract_ids=plan.contract_ids(markets)
        )
        assert outcome.accepted, outcome.describe()
        settle = omsg.group(markets[plan.markets[0]].market_id, omsg.settle_balance(omsg.contract(trader.trade_account_id)))
        assert trader.submit(settle).accepted

    accepted()


def test_semantic_derive_quotes_and_executions_are_accepted(derive):
    accounts = DeriveAccounts(derive, "strategies-derive", True)
    taker, maker = accounts.new("taker"), accounts.new("maker")
    view = DeriveView.of(derive.instruments)
    domain = dsig.V2_TESTNET

    @settings(FEW, max_examples=4)
    @given(derive_quotes("semantic", view), derive_executions("semantic", view))
    def accepted(quote_plan, plan):
        rfq_id = send_rfq(derive, taker, quote_plan.json_legs(view), "DRV-VALID-ACCEPTED")
        expiry = derive.server_time_ms() // 1000 + quote_plan.expires_in
        outcome = send_quote(derive, domain, maker, rfq_id, quote_plan.json_legs(view), quote_plan.direction, expiry=expiry, max_fee=quote_plan.max_fee)
        assert outcome.accepted, outcome.describe()
        quoted = open_quote(derive, domain, taker, maker, "DRV-VALID-ACCEPTED", plan=_legs(plan), quote_direction=plan.direction)
        params = quoted.execute_params(max_fee=plan.max_fee, expiry=quoted.expiry(plan.expires_in))
        outcome = quoted.execute(params)
        assert outcome.accepted, outcome.describe()

    accepted()
