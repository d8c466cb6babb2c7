"""Request faults the schemas cannot express: nonces (and the nonce reported after a
drawn run of accepted, refused and reverted requests), sessions, order parameters that
depend on the market (zero, off-tick, under the minimum, fractional), inverted
BoundedMarket bounds, RegisterReferer's two shapes, a self-trade, a burst past the rate
limit, and bodies that are not JSON.

One test per rule; each example draws the fault's parameters (how far the nonce is off,
which contracts the session allows and which calls fall outside, the order's side and
type, the burst's size, …) around a drawn valid batch, sends it and judges the answer
by the rule. Every draw is a plain value, so a failure's replay file re-signs the same
logical request for fresh accounts.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import assume
from hypothesis import strategies as st

from tradeproof.checks import expect_accepted, expect_outcome, fault_if_faulty, require, require_o2_unchanged
from tradeproof.messages import o2 as msg
from tradeproof.scenarios.o2 import Scene, bad_order, burst, cleaned, open_ids, unaffordable_fok
from tradeproof.signing.corrupt import O2Corruption, o2_bad_signature
from tradeproof.signing.keys import Key
from tradeproof.strategies import Batch, Zones, invalid_cases, valid_batches
from tradeproof.target import Kind, O2Target, o2_snapshot
from tradeproof.target.accounts import O2Trader, TraderPool
from tradeproof.target.market import MarketSpec
from tradeproof.target.outcome import Outcome

STAGE = 0  # mostly one-request refusals: run first, so a broken target fails fast

# trades around the market's mid (the self-trade): with --workers, these tests share one worker
pytestmark = pytest.mark.xdist_group("o2-book")

EXPIRY_MARGIN = 2  # seconds of clock difference tolerated between suite and target
Draw = Callable[[st.SearchStrategy[Any], str], Any]


@dataclass
class World:
    """What a fault needs from the run: the target, its markets, and accounts."""

    o2: O2Target
    markets: tuple[MarketSpec, ...]
    zones: Zones
    pool: TraderPool
    new_trader: Callable[..., O2Trader]
    rate_limited: bool

    def groups(self, draw: Draw, trader: O2Trader, label: str = "batch", max_actions: int = 5) -> list[dict[str, Any]]:
        """A drawn valid batch (resting orders far from mid, settles, cancels), as JSON."""
        batch: Batch = draw(valid_batches(self.markets, self.zones, max_actions), label)
        return batch.resolve(self.markets, trader.trade_account_id, lambda spec: open_ids(trader, spec))

    def market(self, draw: Draw, label: str = "market") -> MarketSpec:
        return self.markets[draw(st.integers(0, len(self.markets) - 1), label)]


def _refused_unchanged(rule_id: str, world: World, trader: O2Trader, send: Callable[[], Any], detail: str) -> None:
    """The request is refused as ``rule_id`` says, and the account is as it was."""
    before = o2_snapshot(world.o2, [trader])
    expect_outcome(rule_id, send(), detail=detail)
    require_o2_unchanged(rule_id, before, o2_snapshot(world.o2, [trader]), detail=detail)


# ---------------------------------------------------------------- nonces


def stale_nonce(draw: Draw, world: World) -> None:
    """A nonce the account has already used (``back`` below the current one)."""
    trader = world.new_trader("fault-stale")
    back = draw(st.integers(1, 4), "back")
    for i in range(back):  # use ``back`` nonces first, with drawn valid batches
        expect_accepted("O2-VALID-ACCEPTED", trader.submit(*world.groups(draw, trader, f"used batch {i}")))
    body = trader.actions_body(world.groups(draw, trader), nonce=trader.nonce - back)
    _refused_unchanged("O2-NONCE-STALE", world, trader, lambda: trader.send_actions(body), f"nonce current-{back}")


def future_nonce(draw: Draw, world: World) -> None:
    """A nonce ahead of the current one."""
    trader = world.pool.next()
    ahead = draw(st.one_of(st.integers(1, 9), st.integers(10, 2**40)), "ahead")
    body = trader.actions_body(world.groups(draw, trader), nonce=trader.nonce + ahead)
    _refused_unchanged("O2-NONCE-FUTURE", world, trader, lambda: trader.send_actions(body), f"nonce current+{ahead}")


def replayed_request(draw: Draw, world: World) -> None:
    """An accepted body sent again, byte for byte."""
    trader = world.new_trader("fault-replay")
    body = trader.actions_body(world.groups(draw, trader))
    expect_accepted("O2-VALID-ACCEPTED", trader.send_actions(body), detail="a drawn valid batch, first sent")
    _refused_unchanged("O2-NONCE-REPLAY", world, trader, lambda: trader.send_actions(body), "the accepted body sent again")


def _step_valid(draw: Draw, world: World, trader: O2Trader) -> Outcome:
    return trader.submit(*world.groups(draw, trader, "valid batch"))


def _step_bad_signature(draw: Draw, world: World, trader: O2Trader) -> Outcome:
    groups = world.groups(draw, trader, "badly signed batch")
    corruption = draw(st.sampled_from(sorted(O2Corruption, key=lambda c: c.value)), "corruption")
    digest = msg.actions_digest(world.o2.context, trader.nonce, groups)
    return trader.send_actions(trader.actions_body(groups, signature=o2_bad_signature(corruption, trader.session_key, digest)))


def _step_future_nonce(draw: Draw, world: World, trader: O2Trader) -> Outcome:
    body = trader.actions_body(world.groups(draw, trader, "batch ahead"), nonce=trader.nonce + draw(st.integers(1, 3), "ahead"))
    return trader.send_actions(body)


def _step_reverted(draw: Draw, world: World, trader: O2Trader) -> Outcome:
    return unaffordable_fok(trader, world.market(draw))


NONCE_STEPS: dict[str, Callable[[Draw, World, O2Trader], Outcome]] = {
    "valid batch": _step_valid,
    "bad signature": _step_bad_signature,
    "future nonce": _step_future_nonce,
    "reverted batch": _step_reverted,
}


def reported_nonce(draw: Draw, world: World) -> None:
    """After a drawn run of valid, refused and reverted requests, the nonce
    GET /v1/accounts reports is the one the target accepts."""
    trader = world.new_trader("fault-reported")
    steps = draw(st.lists(st.sampled_from(list(NONCE_STEPS)), min_size=1, max_size=4), "steps before")
    for i, step in enumerate(steps, 1):
        def draw_in_step(strategy: st.SearchStrategy[Any], label: str, i: int = i) -> Any:
            return draw(strategy, f"step {i}: {label}")  # labels are unique per example

        fault_if_faulty(NONCE_STEPS[step](draw_in_step, world, trader))
    reported = trader.refresh()
    # a settle: valid whatever the book holds, so a refusal is about the nonce (a drawn
    # batch of orders could be refused by a target's order bug, named after this rule)
    spec = world.market(draw, "market after")
    outcome = trader.submit(msg.group(spec.market_id, msg.settle_balance(msg.contract(trader.trade_account_id))))
    expect_accepted("O2-NONCE-REPORTED", outcome, detail=f"signed with the reported nonce {reported} after: {', '.join(steps)}")


# ---------------------------------------------------------------- sessions


def session_expiry_in_the_past(draw: Draw, world: World) -> None:
    trader = world.new_trader("fault-past", session=False)
    seconds_ago = draw(st.one_of(st.integers(60, 86_400), st.integers(86_400, 10**9)), "seconds ago")
    key = Key.derive("tradeproof-fault-past", f"{trader.label}/{draw(st.integers(0, 2**32), 'session key')}")
    outcome = trader.open_session(key, expiry=int(time.time()) - seconds_ago)
    expect_outcome("O2-SESSION-EXPIRY-PAST", outcome, detail=f"expiry {seconds_ago}s ago")


def expired_session(draw: Draw, world: World) -> None:
    """A batch signed by a session that has just expired (a few seconds' wait)."""
    trader = world.new_trader("fault-expired")
    # at least the clock margin ahead: a session one (truncated) second ahead can already
    # be in the past when the target reads its clock
    expiry = int(time.time()) + EXPIRY_MARGIN + draw(st.integers(1, 3), "expires in")
    key = Key.derive("tradeproof-fault-expired", trader.label)
    expect_accepted("O2-SESSION-EXPIRED", trader.open_session(key, expiry=expiry))
    time.sleep(max(0.0, expiry + EXPIRY_MARGIN + 0.5 - time.time()))
    groups = world.groups(draw, trader)
    _refused_unchanged("O2-SESSION-EXPIRED", world, trader, lambda: trader.submit(*groups), "session expired")


def call_outside_the_session(draw: Draw, world: World) -> None:
    """A session allowing some markets, and a batch with at least one call outside them
    (any position in the batch, an order or a settle)."""
    count = len(world.markets)
    allowed = draw(st.lists(st.integers(0, count - 1), min_size=1, max_size=count - 1, unique=True), "allowed markets")
    trader = world.new_trader("fault-scope")
    key = Key.derive("tradeproof-fault-scope", trader.label)
    contracts = [world.markets[i].contract_bytes for i in sorted(allowed)]
    expect_accepted("O2-SESSION-CONTRACTS", trader.open_session(key, contract_ids=contracts))
    groups = world.groups(draw, trader)
    outside = [i for i, m in enumerate(world.markets) if i not in allowed]
    spec = world.markets[draw(st.sampled_from(outside), "outside market")]
    action = draw(st.sampled_from(["order", "settle"]), "outside call")
    if action == "settle":
        call = msg.settle_balance(msg.contract(trader.trade_account_id))
    else:
        price = max(spec.tick, world.zones.mid(spec) // 20 // spec.tick * spec.tick)
        call = msg.create_order("Buy", price, spec.quantity(price))
    groups = [g for g in groups if g["market_id"] != spec.market_id][:4]
    at = draw(st.integers(0, len(groups)), "outside at")
    groups.insert(at, msg.group(spec.market_id, call))
    detail = f"{action} on a market outside contract_ids, group {at + 1} of {len(groups)}"
    _refused_unchanged("O2-SESSION-CONTRACTS", world, trader, lambda: trader.submit(*groups), detail)


# ---------------------------------------------------------------- orders and actions


def _bad_order_parameters(rule_id: str) -> Callable[[Draw, World], None]:
    def fault(draw: Draw, world: World) -> None:
        spec = world.market(draw)
        side = draw(st.sampled_from(["Buy", "Sell"]), "side")
        kind = draw(st.sampled_from(["Spot", "PostOnly", "FillOrKill", "Market"]), "order type")
        bad = bad_order(rule_id, spec, world.zones, draw(st.integers(1, 3), "lots"),
                        lambda lo, hi: draw(st.integers(lo, hi), "off by"))
        assume(bad is not None)
        assert bad is not None
        price, quantity = bad
        trader = world.pool.next()
        group = msg.group(spec.market_id, msg.create_order(side, price, quantity, kind))
        _refused_unchanged(rule_id, world, trader, lambda: trader.submit(group), f"{kind} {side} {price}x{quantity}")

    fault.__doc__ = f"An order breaking only {rule_id}, of a drawn side and type."
    return fault


def inverted_bounds(draw: Draw, world: World) -> None:
    """A BoundedMarket whose max_price is below its min_price, with another trader's
    order resting between the two (a target that swapped the bounds would fill it; with
    nothing there it would revert anyway), alone or among a drawn valid batch's actions:
    the whole batch reverts and both traders are as they were."""
    rule = "O2-BOUNDED-INVERTED"
    spec = world.market(draw)
    s = Scene(spec, world.zones, rule)
    side = draw(st.sampled_from(["Buy", "Sell"]), "side")
    sign = 1 if side == "Buy" else -1
    ticks = sign * draw(st.integers(1, 5), "maker at ticks from mid")
    resting = s.price(ticks)
    past, short = draw(st.integers(0, 5), "min_price: ticks above the maker"), draw(st.integers(0, 5), "max_price: ticks below")
    assume(past + short > 0)
    min_price, max_price = resting + past * spec.tick, max(spec.tick, resting - short * spec.tick)
    lots = draw(st.integers(1, 3), "lots")
    maker, taker = world.new_trader("fault-bounded-maker"), world.new_trader("fault-bounded-taker")
    with cleaned(spec, maker):
        s.rest(maker, "Sell" if side == "Buy" else "Buy", ticks, lots * s.q)
        order = msg.create_order(side, resting, lots * s.q, msg.bounded_market(max_price, min_price))
        groups = world.groups(draw, taker, "other actions", max_actions=4) if draw(st.booleans(), "in a batch") else []
        same = [g for g in groups if g["market_id"] == spec.market_id]
        if same:
            same[0]["actions"].insert(draw(st.integers(0, len(same[0]["actions"])), "at"), order)
        else:
            groups.insert(draw(st.integers(0, len(groups)), "group at"), msg.group(spec.market_id, order))
        detail = (f"BoundedMarket {side} min_price {min_price} > max_price {max_price}, a maker's order at {resting}; "
                  f"{sum(len(g['actions']) for g in groups)} action(s)")
        before = o2_snapshot(world.o2, [taker, maker])
        expect_outcome(rule, taker.submit(*groups), detail=detail)
        require_o2_unchanged(rule, before, o2_snapshot(world.o2, [taker, maker]), detail=detail)


def _register_referer(rule_id: str, field: str) -> Callable[[Draw, World], None]:
    def fault(draw: Draw, world: World) -> None:
        trader = world.new_trader(f"fault-referee-{field}")
        who = Key.derive("tradeproof-fault-referer", f"{trader.label}/{draw(st.integers(0, 2**32), 'referer key')}")
        kind = draw(st.sampled_from(["Address", "ContractId"]), "referer kind")
        referer = (msg.address if kind == "Address" else msg.contract)(who.fuel_address)
        spec = world.market(draw)
        outcome = trader.submit(msg.group(spec.market_id, msg.register_referer(referer, field=field)))
        expect_outcome(rule_id, outcome, detail=f"RegisterReferer with `{field}`: {kind}")

    fault.__doc__ = f"RegisterReferer with the `{field}` field is accepted (the registry is outside contract_ids)."
    return fault


def self_trade(draw: Draw, world: World) -> None:
    """A Market order that meets the trader's own resting order: whatever the target
    does, no Market remainder rests and a bystander is untouched."""
    spec = world.market(draw)
    s = Scene(spec, world.zones, "O2-UNSPECIFIED-SAFE")
    side = draw(st.sampled_from(["Buy", "Sell"]), "market order side")
    sign = 1 if side == "Buy" else -1
    ticks = draw(st.integers(1, 5), "resting at ticks from mid")
    resting, taking = draw(st.integers(1, 3), "resting lots"), draw(st.integers(1, 4), "taking lots")
    trader, bystander = world.new_trader("fault-self"), world.new_trader("fault-bystander")
    with cleaned(spec, trader, bystander):
        s.rest(bystander, side, -sign * 40, s.q)  # on the taker's side, far away: it cannot be hit
        s.rest(trader, "Sell" if side == "Buy" else "Buy", sign * ticks, resting * s.q)
        before = o2_snapshot(world.o2, [bystander])
        order = msg.create_order(side, s.price(sign * ticks), taking * s.q, "Market")
        fault_if_faulty(trader.submit(msg.group(spec.market_id, order)))
        require_o2_unchanged(s.rule_id, before, o2_snapshot(world.o2, [bystander]), detail="a bystander's state")
        leftover = [o for o in world.o2.open_orders(spec.market_id, trader.trade_account_id) if o.get("side") == side]
        require(s.rule_id, not leftover, "no resting Market remainder", f"{leftover}")


def burst_past_the_limit(draw: Draw, world: World) -> None:
    """More than five session requests of one owner within a second: one is rate-limited."""
    trader = world.new_trader("fault-burst")
    size = draw(st.integers(6, 10), "burst size")
    spec = world.market(draw)
    time.sleep(1.1)  # let this owner's setup requests leave the window
    settle = msg.group(spec.market_id, msg.settle_balance(msg.contract(trader.trade_account_id)))
    bodies = [trader.actions_body([settle], nonce=trader.nonce + i) for i in range(size)]
    outcomes, elapsed = burst(lambda body: world.o2.post_actions(body, trader.owner_b256, paced=False), bodies)
    for outcome in outcomes:
        fault_if_faulty(outcome)
    trader.refresh()
    assume(elapsed <= 0.9)  # the target was too slow for the window to be hit
    limited = [o for o in outcomes if o.kind is Kind.RATE_LIMITED]
    require("O2-RATE-LIMIT", bool(limited), f"at least one of {size} requests rate-limited",
            ", ".join(o.describe() for o in outcomes))
    expect_outcome("O2-RATE-LIMIT", limited[0])


def not_json(draw: Draw, world: World) -> None:
    """A body that is not JSON (truncated, text, a BOM, single quotes, …)."""
    case = draw(invalid_cases("O2-PARSE-ERROR", world.markets, world.zones), "case")
    trader = world.pool.next()
    _refused_unchanged("O2-PARSE-ERROR", world, trader, lambda: trader.send_actions(None, content=case.raw),
                       case.description)


FAULTS: dict[str, Callable[[Draw, World], None]] = {
    "O2-NONCE-STALE": stale_nonce,
    "O2-NONCE-FUTURE": future_nonce,
    "O2-NONCE-REPLAY": replayed_request,
    "O2-NONCE-REPORTED": reported_nonce,
    "O2-SESSION-EXPIRY-PAST": session_expiry_in_the_past,
    "O2-SESSION-EXPIRED": expired_session,
    "O2-SESSION-CONTRACTS": call_outside_the_session,
    "O2-ORDER-ZERO": _bad_order_parameters("O2-ORDER-ZERO"),
    "O2-ORDER-TICK": _bad_order_parameters("O2-ORDER-TICK"),
    "O2-ORDER-MIN-NOTIONAL": _bad_order_parameters("O2-ORDER-MIN-NOTIONAL"),
    "O2-ORDER-FRACTIONAL": _bad_order_parameters("O2-ORDER-FRACTIONAL"),
    "O2-BOUNDED-INVERTED": inverted_bounds,
    "O2-REFERER": _register_referer("O2-REFERER", "referer"),
    "O2-REFERER-TO": _register_referer("O2-REFERER-TO", "to"),
    "O2-UNSPECIFIED-SAFE": self_trade,
    "O2-RATE-LIMIT": burst_past_the_limit,
    "O2-PARSE-ERROR": not_json,
}


@pytest.mark.fuzz_weight(0.5)  # per rule: 8.5 for the module
@pytest.mark.parametrize("rule_id", [pytest.param(r, marks=pytest.mark.rule(r), id=r) for r in FAULTS])
def test_o2_request_fault_gets_its_rule(rule_id, o2, o2_pool, new_trader, o2_markets, o2_zones, tradeproof_context,
                                        examples, campaign):
    world = World(o2, tuple(o2_markets), o2_zones, o2_pool, new_trader, tradeproof_context.rate_limited())
    if rule_id == "O2-RATE-LIMIT" and not world.rate_limited:
        pytest.skip("the target says it has no rate limit (GET /_harness rate_limit=false)")
    if rule_id == "O2-SESSION-CONTRACTS" and len(o2_markets) < 2:
        pytest.skip("the target lists one market; scoping needs two")
    fault = FAULTS[rule_id]

    def check(draw: Draw) -> None:
        fault(draw, world)
        # last: a timed campaign ending the test mid-example would make Hypothesis see
        # an example that stopped drawing early (FlakyStrategyDefinition)
        campaign.tick(rules=(rule_id,))

    with campaign.running():
        examples(check)
