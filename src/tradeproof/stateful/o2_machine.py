"""The O2 model-based fuzzer: a few traders send random batches (1–5 actions over 1–3
markets, every order type, cancels, settles, batches that must fail), and after every
step the target is compared with ``O2Model``.

Steps take plain values (a trader by alias, a batch of logical actions, see
``o2_batches``) and resolve them against the model when they run — prices in ticks from
the market's scenario mid, a cancel naming the k-th open order — so a recorded run
replays on any target. Actions whose outcome TARGET.md leaves open are left out before
sending (``O2Model.simulate`` says which); the rest goes through the normal, paced client.

Build the machine class with ``o2_machine(...)`` (the target and fixtures become its
``context``), run it with ``O2Machine.run(settings)`` and replay a recorded run with
``tradeproof.stateful.base.replay_steps``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.errors import FlakyStrategyDefinition
from hypothesis.stateful import precondition, run_state_machine_as_test

from ..checks import RuleViolation, fault_if_faulty
from ..errors import TargetFault, TargetMisbehaved
from ..messages import o2 as msg
from ..scenarios.o2 import order_ids
from ..signing.keys import Key
from ..strategies.o2 import Zones
from ..target import Balance, Kind, O2Target, O2Trader, Outcome, norm_id
from ..target.market import MarketSpec
from ..target.o2 import parse_int
from .base import FuzzMachine, setup_step, step
from .o2_batches import BAND, MAX_MARKETS, Sent, batches, describe
from .o2_compare import MONEY_RULE, Judge, Observed, StepRecord, depth_levels, observe
from .o2_model import FOREIGN, BudgetBinds, Cancel, ModelAction, NewOrder, O2Model, Open, Prediction, SettleOwn

TRADERS = 4
RENEW_EVERY = 8  # trades before a session renewal may be drawn
SHRINK_SECONDS = 15.0  # after the first failure: time to find a smaller one

# every rule a failed comparison of this machine can name
RULES: tuple[str, ...] = (
    "O2-VALID-ACCEPTED", "O2-ATOMIC-BATCH", "O2-SPOT-RESTS", "O2-MARKET-NO-REST", "O2-FOK-REVERT",
    "O2-FOK-FILLS", "O2-POSTONLY-REVERT", "O2-POSTONLY-RESTS", "O2-BOUNDED-RANGE", "O2-BOUNDED-INVERTED",
    "O2-BOUNDED-NO-FILL", "O2-LIMIT-PRICE", "O2-PRICE-PROTECTION", "O2-MARKET-BUDGET",
    "O2-PRICE-TIME-PRIORITY", "O2-ORDER-ZERO", "O2-ORDER-TICK", "O2-CANCEL-OTHERS", "O2-NONCE-REPORTED",
    "O2-SESSION-REVOKED", "O2-CONSERVATION",
)


def any_trader() -> Any:
    """One of the machine's traders: a drawn offset from the step's position, so the
    choice Hypothesis draws most (0, the simplest) goes round robin. (Drawn from a
    Hypothesis bundle, one trader sent nearly every request; under a per-owner rate limit
    the machine then ran at that one owner's pace.)"""

    def pick(machine: O2Machine) -> Any:
        crew = machine.trader_list
        return st.integers(0, len(crew) - 1).map(lambda k: crew[(k + len(machine.steps)) % len(crew)])

    return st.runner().flatmap(pick)


@dataclass
class Rig:
    """What a machine run needs: the target, a way to get funded traders, the markets."""

    o2: O2Target
    new_trader: Callable[..., O2Trader]
    markets: tuple[MarketSpec, ...]
    zones: Zones
    tick: Callable[..., Any] | None = None
    traders: int = TRADERS
    dust: Mapping[str, int] = field(default_factory=dict)
    pool: list[O2Trader] = field(default_factory=list)  # reused by every run of the machine
    crews: int = 1  # sets of ``traders`` taken in turn by successive runs (short runs wait less on pacing)
    turn: int = 0


class ShrinkBudgetSpent(BaseException):
    """Shrinking has had its time: stop Hypothesis and report the smallest failure seen."""


@dataclass(frozen=True)
class Failure:
    size: tuple[int, int]  # steps, actions
    steps: list[dict[str, Any]]
    violation: RuleViolation


class O2Machine(FuzzMachine):
    """Traders, an ``O2Model`` of their books and balances, and the target compared with it.

    Run it with ``run(settings)``: once a run fails, campaign ticks stop (the campaign's
    end must not cut the search short) and shrinking gets ``shrink_seconds``; the failure
    reported, and ``failing_steps()`` for the replay file, are the smallest failing run.
    """

    context: Rig
    shrink_seconds: float = SHRINK_SECONDS
    found_at: float | None = None
    smallest: Failure | None = None

    @classmethod
    def run(cls, settings: Any) -> None:
        cls.time_up = False
        try:
            run_state_machine_as_test(cls, settings=hypothesis_settings(settings, report_multiple_bugs=False))
        except ShrinkBudgetSpent:
            pass
        except (KeyboardInterrupt, SystemExit):
            raise
        except FlakyStrategyDefinition:
            # the campaign's stop, raised where Hypothesis was replaying a known prefix of
            # steps: to it, a run that stopped drawing early (seen in 5-minute campaigns)
            if cls.smallest is None and not cls.time_up:
                raise
        except BaseException:
            if cls.smallest is None:
                raise
        if cls.smallest is not None:
            raise cls.smallest.violation

    @classmethod
    def forget(cls) -> None:
        """Start afresh: no failure seen (a caller running steps itself, one short run per
        example, does its own shrinking)."""
        cls.found_at, cls.smallest = None, None

    @classmethod
    def failing_steps(cls) -> list[dict[str, Any]]:
        """The smallest failing run's steps (the latest run's when none failed)."""
        return cls.smallest.steps if cls.smallest is not None else cls.last_steps

    def __init__(self) -> None:
        found_at = type(self).found_at
        if found_at is not None and time.monotonic() - found_at > self.shrink_seconds:
            raise ShrinkBudgetSpent()
        super().__init__()
        rig = self.context
        self.model = O2Model(rig.markets, rig.dust)
        self.accounts: dict[str, O2Trader] = {}
        self.names: dict[str, str] = {}
        self.pending: StepRecord | None = None
        self.dirty = False
        self.trades_since_renewal = 0
        self.trader_list: list[O2Trader] = []
        self.gone: dict[str, list[tuple[str, str]]] = {}  # account -> (market, id) of its filled or cancelled orders
        self._centre({s.market_id: rig.zones.mid(s) for s in rig.markets})

    def _centre(self, mids: Mapping[str, int]) -> None:
        """Each market's mid, and the price band and lot size that follow from it."""
        self.mids = dict(mids)
        markets = self.context.markets
        self.bands = {s.market_id: (self._price(s, -BAND), self._price(s, BAND)) for s in markets}
        self.lot = {s.market_id: s.lots(self.bands[s.market_id][0]) for s in markets}

    def _price(self, spec: MarketSpec, ticks: int) -> int:
        return max(spec.tick, self.mids[spec.market_id] + ticks * spec.tick)

    def _tick(self) -> None:
        if self.context.tick is not None and type(self).found_at is None:
            type(self).count_step(self.context.tick, RULES)

    def _violation(self, *args: Any, **kwargs: Any) -> RuleViolation:
        return self._found(RuleViolation(*args, **kwargs))

    def _found(self, violation: RuleViolation) -> RuleViolation:
        cls = type(self)
        if cls.found_at is None:
            cls.found_at = time.monotonic()
        size = (len(self.steps), sum(len(s["args"].get("batch", ())) for s in self.steps))
        if cls.smallest is None or size < cls.smallest.size:
            cls.smallest = Failure(size, list(self.steps), violation)
        return violation

    # ----------------------------------------------------------------- steps

    @setup_step()
    def open_accounts(self, book: Any = None, mids: Any = None) -> None:
        """The traders (made once per machine class, then reused with their orders
        cancelled), their balances, and whatever already rests near each mid (foreign).

        The mids and the book found (every level; those near the mids are modelled as
        foreign) are written into the recorded step. A replay passes them back: prices are
        counted from the recorded mids (the target's book may have moved since), and the
        levels are placed again first, so a failure that traded against orders other tests
        left reproduces on a fresh target."""
        rig, o2 = self.context, self.context.o2
        if mids:
            self._centre({market: int(mid) for market, mid in mids.items()})
        if book:
            self._place_foreign(book)
        made = []
        first, rig.turn = (rig.turn % rig.crews) * rig.traders, rig.turn + 1
        for index in range(first, first + rig.traders):
            while index >= len(rig.pool):
                rig.pool.append(rig.new_trader("fuzz-o2"))
            balances = self._ready(rig.pool[index])
            if balances is None:  # orders or locked funds it cannot get back: retire it
                rig.pool[index] = rig.new_trader("fuzz-o2")
                balances = self._ready(rig.pool[index])
            if balances is None:
                raise TargetMisbehaved("a new trade account has open orders or locked funds")
            trader = self.name(rig.pool[index], "trader")
            made.append(trader)
            account = trader.trade_account_id
            self.accounts[account], self.names[account] = trader, trader.alias  # type: ignore[attr-defined]
            unlocked = {(book, asset): b.unlocked for asset, bal in balances.items() for book, b in bal.books.items()}
            self.model.add_account(account, {asset: bal.total for asset, bal in balances.items()}, unlocked)
        found: dict[str, dict[str, list[list[int]]]] = {}
        for market, (low, high) in self.bands.items():
            body = o2.depth(market)
            for side in ("Buy", "Sell"):
                for price, quantity in sorted(depth_levels(body, side).items()):
                    # every level is recorded, the band's are modelled: a target that trades
                    # outside an order's price range reaches the others, and a replay needs them
                    found.setdefault(market, {}).setdefault(side, []).append([price, quantity])
                    if low <= price <= high:
                        self.model.add_foreign(market, side, price, quantity)
        self.steps[-1]["args"].update(book=found, mids=dict(self.mids))
        self.dirty = True
        self.trader_list = made

    @step(trader=any_trader(), batch=batches())
    def trade(self, trader: O2Trader, batch: tuple[dict[str, Any], ...]) -> None:
        """Send one batch; the target must accept or reject it as the model says."""
        self._tick()
        self.trades_since_renewal += 1
        account = trader.trade_account_id
        gone = next((a for a in batch if a["do"] == "cancel-gone"), None)
        if gone is not None:
            self._cancel_gone(trader, gone)
            return
        sent, (after, prediction), binds = self._resolve(account, batch)
        if not sent.wire:
            return
        description = f"{self.names[account]}: {describe(sent.model)}"
        if sent.dropped:
            description += f" (left out, outcome not fixed by TARGET.md: {', '.join(sent.dropped)})"
        outcome = self._send(trader, sent.groups())
        if binds is not None and binds.first and not outcome.accepted:  # it may fill nothing: refusing is allowed
            after, prediction = self.model, Prediction(False, None, "a Market buy that may fill nothing was refused")
        else:
            if outcome.accepted and not prediction.accepted:
                self._explain_by_fills(account, sent, prediction, outcome, description)
            self._judge_outcome(prediction, outcome, description)
        if binds is not None and outcome.accepted:
            after, prediction = self._learn_binding_fill(account, sent, binds, after, outcome, description)
        if prediction.accepted:
            ids = order_ids(outcome)
            if len(ids) == len(prediction.placed):
                for placed, order_id in zip(prediction.placed, ids, strict=True):
                    if placed.rested:
                        after.orders[placed.seq].target_id = order_id
        self.pending = StepRecord(account, self.model, prediction, len(sent.model), outcome.exchange, description)
        for seq, order in self.model.orders.items():
            if seq not in after.orders and order.target_id and order.owner != FOREIGN:
                self.gone.setdefault(order.owner, []).append((order.market, order.target_id))
        self.model, self.dirty = after, True

    def _cancel_gone(self, trader: O2Trader, action: Mapping[str, Any]) -> None:
        """Cancel one of the trader's orders that is filled or cancelled, alone in its
        batch: TARGET.md lets the target accept (a no-op) or reject it; either way
        nothing may change (a target refunding the order's lock again makes money)."""
        account = trader.trade_account_id
        market = self.context.markets[int(action["market"]) % len(self.context.markets)].market_id
        orders = [order_id for m, order_id in self.gone.get(account, []) if m == market]
        if not orders:
            return
        order_id = orders[int(action["index"]) % len(orders)]
        outcome = self._send(trader, [msg.group(market, msg.cancel_order(order_id))])
        description = f"{self.names[account]}: cancel of its order {order_id[:6]}…{order_id[-6:]}, no longer open"
        either = Prediction(False, None, "an order no longer open: accepted or not, nothing changes")
        self.pending = StepRecord(account, self.model, either, 1, outcome.exchange, description, MONEY_RULE)
        self.dirty = True

    @precondition(lambda self: self.trades_since_renewal >= RENEW_EVERY)
    @step(trader=any_trader())
    def renew_session(self, trader: O2Trader) -> None:
        """A new session key; the old one must then be refused, changing nothing."""
        self._tick()
        self.trades_since_renewal = 0
        old = trader.session_key
        outcome = trader.open_session(Key.derive(trader.trade_account_id, f"fuzz-session-{trader.nonce}"))  # never reused
        fault_if_faulty(outcome)
        if not outcome.accepted:
            raise self._violation("O2-SESSION-REVOKED", "a correctly signed new session accepted", outcome.describe(),
                                  [outcome.exchange], "renewing the session")
        spec = self.context.markets[0]
        body = trader.actions_body([msg.group(spec.market_id, msg.settle_balance(msg.contract(trader.trade_account_id)))],
                                   session_key=old)
        stale = trader.send_actions(body)
        fault_if_faulty(stale)
        if stale.accepted:
            raise self._violation("O2-SESSION-REVOKED", "rejected (signed by the replaced session key)", "accepted",
                                  [stale.exchange], f"{self.names[trader.trade_account_id]} after renewing its session")
        self.pending = StepRecord(trader.trade_account_id, self.model, Prediction(False, "O2-SESSION-REVOKED"), 1,
                                  stale.exchange, "actions signed by a replaced session key", "O2-SESSION-REVOKED")
        self.dirty = True

    # ----------------------------------------------------------------- checks

    def check_all(self) -> None:
        if not self.dirty:
            return
        self.dirty = False
        try:
            seen: Observed = observe(self.context.o2, self.model, self.bands)
            Judge(self.model, seen, self.pending, self.names).check()
            step_ = self.pending
            if step_ is not None and step_.prediction.accepted:
                trader = self.accounts[step_.account]
                reported = self.context.o2.nonce(step_.account)
                if reported != trader.nonce:
                    raise RuleViolation("O2-NONCE-REPORTED", f"nonce {trader.nonce} after an accepted request",
                                        f"{reported}", [step_.exchange] if step_.exchange else [], step_.description)
        except RuleViolation as violation:
            self._found(violation)
            raise

    def teardown(self) -> None:
        """Cancel what the traders left on the book, so the next run starts clean."""
        for trader in self.accounts.values():
            with contextlib.suppress(TargetFault):  # a dead target: the next run retires the trader
                self._tidy(trader)

    # ----------------------------------------------------------------- helpers

    def _resolve(
        self, account: str, batch: Sequence[Mapping[str, Any]]
    ) -> tuple[Sent, tuple[O2Model, Prediction], BudgetBinds | None]:
        """Concrete actions in request order, minus those whose outcome is open. A Market
        buy whose budget binds is kept when it is the batch's last action: what it takes
        at that level is then read from the book (``_learn_binding_fill``); the prediction
        returned meanwhile has it take nothing there."""
        count = len(self.context.markets)
        groups = list(dict.fromkeys(int(a["market"]) % count for a in batch))  # markets in order of first use
        pairs = [self._concrete(account, a) for a in sorted(batch, key=lambda a: groups.index(int(a["market"]) % count))]
        model, wire = [p[0] for p in pairs], [p[1] for p in pairs]
        dropped: list[str] = []
        while True:
            try:
                return Sent(model, wire, dropped), self.model.simulate(account, model), None
            except BudgetBinds as binds:
                if binds.index == len(model) - 1:
                    return Sent(model, wire, dropped), self.model.simulate(account, _taking(model, 0)), binds
                dropped.append(binds.reason)
                del model[binds.index], wire[binds.index]
            except Open as open_case:
                dropped.append(open_case.reason)
                del model[open_case.index], wire[open_case.index]

    def _learn_binding_fill(
        self, account: str, sent: Sent, binds: BudgetBinds, after: O2Model, outcome: Outcome, description: str
    ) -> tuple[O2Model, Prediction]:
        """How much the target's Market buy took at the level where its budget binds (the
        level's depth fell by that much): more than the budget buys is O2-MARKET-BUDGET;
        otherwise the model takes that amount as fact and predicts the rest from it."""
        untouched = after.depth(binds.market)[binds.side].get(binds.price, 0)
        now = depth_levels(self.context.o2.depth(binds.market), binds.side).get(binds.price, 0)
        took = untouched - now
        if took > binds.most:
            raise self._violation(
                "O2-MARKET-BUDGET", f"at most {binds.most} taken at {binds.price}, where the budget runs out",
                f"{took} taken there", [outcome.exchange], description)
        return self.model.simulate(account, _taking(sent.model, max(0, took)))

    def _explain_by_fills(
        self, account: str, sent: Sent, prediction: Prediction, outcome: Outcome, description: str
    ) -> None:
        """The target accepted a batch the model rejects at one action. If the target's
        fills for the other actions already differ from the model's, that is the finding:
        a target that fills the wrong maker first and then takes a cancel of the maker the
        model still has open for a cancel of a filled order breaks price-time priority,
        not the cancel rule. Raises the fills' violation; returns when the fills agree."""
        if not prediction.index:  # nothing traded before the refused action
            return
        others = [a for i, a in enumerate(sent.model) if i != prediction.index]
        try:
            after, alternative = self.model.simulate(account, others)
        except Open:
            return
        if not alternative.accepted or not alternative.fills:
            return
        refused = sent.model[prediction.index]
        skip = [refused.seq] if isinstance(refused, Cancel) else []
        step_ = StepRecord(account, self.model, alternative, len(others), outcome.exchange,
                           f"{description} (the fills before action {prediction.index} differ)")
        judge = Judge(after, observe(self.context.o2, after, self.bands), step_, self.names)
        if judge.underfilled(skip):
            try:
                judge.check()
            except RuleViolation as violation:
                raise self._found(violation) from None

    def _concrete(self, account: str, action: Mapping[str, Any]) -> tuple[ModelAction, tuple[str, dict[str, Any]]]:
        spec = self.context.markets[int(action["market"]) % len(self.context.markets)]
        market = spec.market_id
        settle = (SettleOwn(market), (market, msg.settle_balance(msg.contract(account))))
        if action["do"] == "settle":
            return settle
        if action["do"] in ("cancel", "cancel-other"):
            mine = action["do"] == "cancel"
            orders = [o for o in self.model.open_orders(market=market)
                      if o.target_id and o.owner != FOREIGN and (o.owner == account) == mine]
            orders.sort(key=lambda o: o.filled == 0)  # part-filled first: where a refund can go wrong
            if not orders:
                return settle
            order = orders[int(action["index"]) % len(orders)]
            return Cancel(market, order.seq), (market, msg.cancel_order(str(order.target_id)))
        kind, side = str(action["type"]), str(action["side"])
        price, quantity = self._price(spec, int(action["ticks"])), int(action["lots"]) * self.lot[market]
        touch = None
        if action.get("at") in ("join", "take"):  # the best price of its own side, or of the other
            book_side = side if action["at"] == "join" else "Sell" if side == "Buy" else "Buy"
            levels = self.model.depth(market)[book_side]
            touch = (max(levels) if book_side == "Buy" else min(levels)) if levels else None
        limit = self._price(spec, int(action["limit"])) if kind == "Limit" else None
        bounds = None
        if kind == "BoundedMarket":
            base = spec.tick * int(action["min"]), spec.tick * int(action["max"])
            origin = touch if touch is not None else self.mids[market]
            bounds = (max(spec.tick, origin + base[0]), max(spec.tick, origin + base[1]))
        elif touch is not None:  # "past": that many ticks beyond the touch, into the other side's book
            price = max(spec.tick, touch + (1 if side == "Buy" else -1) * int(action.get("past", 0)) * spec.tick)
        flaw = action.get("flaw")
        if flaw == "off-tick" and spec.tick > 1:
            price += spec.tick // 2
        elif flaw:
            quantity = 0
        order_type: Any = kind
        if limit is not None:
            order_type = msg.limit(limit, int(time.time() * 1000) + 86_400_000)  # far ahead: expiry is not what is tested
        if bounds is not None:
            order_type = msg.bounded_market(bounds[1], bounds[0])
        model = NewOrder(market, side, price, quantity, kind, limit, bounds)
        return model, (market, msg.create_order(side, price, quantity, order_type))

    def _send(self, trader: O2Trader, groups: list[dict[str, Any]]) -> Outcome:
        for _ in range(3):  # the client paces under the limit; a 429 anyway is retried after a pause
            outcome = trader.submit(*groups)
            fault_if_faulty(outcome)
            if outcome.kind is not Kind.RATE_LIMITED:
                return outcome
            time.sleep(1.1)
        raise TargetMisbehaved("paced session actions were rate-limited three times", request=outcome.exchange.describe())

    def _judge_outcome(self, prediction: Prediction, outcome: Outcome, description: str) -> None:
        if prediction.accepted and not outcome.accepted:
            rule = "O2-NONCE-REPORTED" if "nonce" in outcome.message.lower() else next(
                ({"FillOrKill": "O2-FOK-FILLS", "PostOnly": "O2-POSTONLY-RESTS"}[p.order.kind]
                 for p in prediction.placed if p.order.kind in ("FillOrKill", "PostOnly")), "O2-VALID-ACCEPTED")
            raise self._violation(rule, "accepted", outcome.describe(), [outcome.exchange], description)
        if not prediction.accepted and outcome.accepted:
            assert prediction.rule_id is not None
            raise self._violation(prediction.rule_id, f"rejected ({prediction.reason})", "accepted",
                                  [outcome.exchange], description)

    def _place_foreign(self, book: Mapping[str, Mapping[str, Sequence[Sequence[int]]]]) -> None:
        """Rest the recorded foreign levels again, from a trader of their own (PostOnly:
        a level that would now cross is refused instead of trading)."""
        maker = self.context.new_trader("fuzz-o2-foreign")
        for market, sides in book.items():
            orders = [msg.create_order(side, int(price), int(quantity), "PostOnly")
                      for side, levels in sides.items() for price, quantity in levels]
            for start in range(0, len(orders), 5):
                fault_if_faulty(maker.submit(msg.group(market, *orders[start:start + 5])))

    def _ready(self, trader: O2Trader) -> dict[str, Balance] | None:
        """Tidy the trader, re-read its nonce; its balances, or None if something stays locked."""
        if not self._tidy(trader):
            return None
        trader.refresh()
        balances = {a: self.context.o2.balance(a, trader.trade_account_id) for a in self.model.assets()}
        return None if any(b.locked for bal in balances.values() for b in bal.books.values()) else balances

    def _tidy(self, trader: O2Trader) -> bool:
        """Cancel the trader's open orders on the machine's markets; were they all cancelled?"""
        def listed() -> list[tuple[str, str]]:
            return [(s.market_id, norm_id(o["order_id"])) for s in self.context.markets
                    for o in self.context.o2.open_orders(s.market_id, trader.trade_account_id)]

        orders = listed()
        for start in range(0, len(orders), 5):
            trader.submit(*Sent([], [(m, msg.cancel_order(i)) for m, i in orders[start:start + 5]], []).groups())
        return not orders or not listed()


def _taking(actions: Sequence[ModelAction], quantity: int) -> list[ModelAction]:
    """The batch with its last action, a Market buy whose budget binds, taking
    ``quantity`` at the binding level."""
    last = actions[-1]
    assert isinstance(last, NewOrder)
    return [*actions[:-1], replace(last, binding_fill=quantity)]


def o2_machine(
    o2: O2Target,
    new_trader: Callable[..., O2Trader],
    markets: Sequence[MarketSpec],
    zones: Zones,
    *,
    tick: Callable[..., Any] | None = None,
    traders: int = TRADERS,
    crews: int = 1,
) -> type[O2Machine]:
    """The machine class for one target. ``new_trader(label)`` gives a funded trader with
    an open session (the ``new_trader`` fixture); ``tick`` is ``campaign.tick``; successive
    runs take ``crews`` sets of ``traders`` in turn (under a per-owner rate limit, short
    runs then do not wait for the previous run's requests)."""
    chosen = tuple(markets[:MAX_MARKETS])
    dust = {s.market_id: parse_int(o2.market(s.market_id).get("dust", 0) or 0, "dust") for s in chosen}
    rig = Rig(o2, new_trader, chosen, zones, tick, traders, dust, crews=crews)
    return type("O2Machine", (O2Machine,), {"context": rig, "found_at": None, "smallest": None, "last_steps": []})
