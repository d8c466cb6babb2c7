"""The Derive model-based fuzzer: RFQ → quote → execute flows between several parties,
judged after every step against :class:`~.derive_model.DeriveModel`.

``derive_machine(target, domain, new_party)`` builds the machine class for one target
(``FuzzMachine.context`` is a class attribute, hence a factory). Its steps send RFQs of
1–3 legs, quote them (both directions, several makers), execute them — validly, and in
ways a conformant target refuses (max_fee below the fee it charged before, a used or
stale nonce, expiry < now + 310 s, the quote's own direction, altered legs, another
RFQ's id, an unknown quote, a cancelled or filled quote, a taker short of margin) — and
cancel quotes and RFQs. Every request's verdict is predicted by the model, and every
accepted execution's result must be seed 003's result object (DRV-RESULT-SCHEMA); after every
step ``check_all`` reads each party's cash and positions, every quote's and RFQ's state,
and compares them with the model, with conservation over the parties.

Steps take plain values (instrument names, directions, small ints) and aliased refs
(``party-0``, ``rfq-2``, ``quote-1``), so ``replay_steps`` re-runs a recorded failure
with fresh parties, nonces and signatures.
"""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import ROUND_DOWN, Decimal
from typing import Any, ClassVar, TypeVar

from hypothesis import Phase, settings
from hypothesis import strategies as st
from hypothesis.errors import FlakyStrategyDefinition
from hypothesis.stateful import Bundle, multiple, precondition, run_state_machine_as_test

from ..checks import RuleViolation, expect_accepted, fault_if_faulty
from ..messages import derive as msg
from ..scenarios.derive import nonce_at, require_execute_result
from ..signing import derive as sig
from ..target.derive import DeriveTarget, Party
from ..target.outcome import Kind, Outcome
from .base import FuzzMachine, Ref, replay_steps, setup_step, step
from .derive_model import DeriveModel, Execution, Leg, Mismatch, Prediction, package

RULES = (
    "DRV-VALID-ACCEPTED", "DRV-ATOMIC-SETTLE", "DRV-DOUBLE-EXECUTE", "DRV-QUOTE-NOT-OPEN",
    "DRV-QUOTE-OTHER-RFQ", "DRV-QUOTE-UNKNOWN", "DRV-QUOTE-EXPIRY-300", "DRV-DIRECTION-SAME",
    "DRV-LEGS-MISMATCH", "DRV-MAX-FEE", "DRV-NONCE-UNIQUE", "DRV-NONCE-DATE", "DRV-EXPIRY-MIN-310",
    "DRV-MARGIN-TAKER", "DRV-RESULT-SCHEMA",
)  # every rule the machine can report
FAULTS = {
    "max-fee-low": "DRV-MAX-FEE", "used-nonce": "DRV-NONCE-UNIQUE", "stale-nonce": "DRV-NONCE-DATE",
    "expiry-short": "DRV-EXPIRY-MIN-310", "same-direction": "DRV-DIRECTION-SAME",
    "altered-legs": "DRV-LEGS-MISMATCH", "other-rfq": "DRV-QUOTE-OTHER-RFQ", "unknown-quote": "DRV-QUOTE-UNKNOWN",
}
DIRECTIONS = ("buy", "sell")
REUSE = ("new", "same", "double")  # where an RFQ's legs come from (see send_rfq)
LIFETIME = 900  # seconds a signature is valid for (quotes and executions)
GENEROUS_FEE = "1000"
MAKER_FEES = ("1000", "25", "1")  # tight max_fees keep the unreported maker fee's interval small
POOR_PRICE = Decimal(20_000)  # USDC per option unit, twice the model's OPTION_VALUE_CAP
SHORT_EXPIRIES = (-60, 0, 60, 150, 240, 300, 305)  # seconds from now, all < 310
FINAL = ("settled", "reverted")
SETTLE_WITHIN = 10.0  # seconds to wait for tx_status settled or reverted
SHRINK_SECONDS = 60.0  # at most, for shrinking a failing run (less if the campaign ends first)

F = TypeVar("F", bound=Callable[..., Any])


class Trader(Ref):
    """A party of the machine (``party-N``, or ``poor-0`` holding 1 USDC)."""

    def __init__(self, party: Party) -> None:
        self.party = party

    def __repr__(self) -> str:
        return self.alias


class Item(Ref):
    """An RFQ (``rfq-N``) or a quote (``quote-N``) the machine made, by its target id."""

    def __init__(self, id: str) -> None:
        self.id = id

    def __repr__(self) -> str:
        return self.alias


def _dec(value: Any) -> Decimal:
    return Decimal(str(value))


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _json_legs(legs: Iterable[Leg]) -> list[dict[str, str]]:
    return [{"instrument_name": n, "direction": d, "price": _fmt(p), "amount": _fmt(a)} for n, d, p, a in legs]


def _calling(target: DeriveTarget) -> Callable[..., Outcome]:
    """``target.call``, waiting and trying again (up to 4 times) while rate-limited."""

    def call(method: str, params: Any, *, party: Party) -> Outcome:
        outcome = target.call(method, params, party=party)
        for attempt in range(4):
            if outcome.kind is not Kind.RATE_LIMITED:
                break
            time.sleep(0.25 * 2**attempt)
            outcome = target.call(method, params, party=party)
        return outcome

    return call


def _noting_failures(func: F) -> F:
    """Keep the steps of the shortest run that failed (``run_as_test`` shrinks them)."""

    @functools.wraps(func)
    def noted(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return func(self, *args, **kwargs)
        except RuleViolation as violation:
            kept = type(self).failing_steps
            if not kept or len(self.steps) < len(kept):
                type(self).failing_steps, type(self).failing_rule = list(self.steps), violation.rule_id
            raise

    return noted  # type: ignore[return-value]


def _fails(machine: type[FuzzMachine], steps: list[dict[str, Any]], rule_id: str) -> list[dict[str, Any]] | None:
    """The steps up to the failure if replaying ``steps`` breaks ``rule_id``, else None."""
    try:
        replay_steps(machine, steps)
    except RuleViolation as violation:
        return list(machine.last_steps) if violation.rule_id == rule_id else None
    except Exception:  # noqa: BLE001 (e.g. a step needs a ref that a removed step made)
        return None
    return None


def shrink_steps(
    machine: type[FuzzMachine], steps: list[dict[str, Any]], rule_id: str, seconds: float
) -> list[dict[str, Any]]:
    """Drop steps (halves, quarters, … single ones; never the setup) while a replay
    still breaks ``rule_id``, for at most ``seconds``. Stops early, keeping what it has,
    when the campaign's time runs out (its ``tick`` raises)."""
    best, deadline = list(steps), time.monotonic() + seconds
    chunk = max(1, (len(best) - 1) // 2)
    try:
        while chunk >= 1 and time.monotonic() < deadline:
            i = 1
            while i < len(best) and time.monotonic() < deadline:
                smaller = _fails(machine, best[:i] + best[i + chunk :], rule_id)
                if smaller is not None and len(smaller) < len(best):
                    best = smaller
                else:
                    i += chunk
            chunk //= 2
    except (Exception, KeyboardInterrupt):
        raise
    except BaseException:  # noqa: BLE001 (the campaign's time is up: keep the smallest so far)
        return best
    return best


def derive_machine(
    target: DeriveTarget,
    domain: sig.Domain,
    new_party: Callable[..., Party],
    *,
    fresh_parties: bool = True,
    tick: Callable[..., None] | None = None,
    n_parties: int = 3,
) -> type[FuzzMachine]:
    """The Derive state machine class for ``target``.

    ``new_party(label, usdc=...)`` makes a funded party (the ``new_party`` fixture).
    With ``fresh_parties`` every run gets new ones, including a poor party (1 USDC) for
    the margin step; without (configured accounts, no harness) the first ``n_parties``
    are reused and the model starts from what they hold. ``tick(1, rules)`` is called
    once per step (``campaign.tick``).
    """
    names = sorted(n for n, i in target.instruments.items() if i.get("is_active", True))
    options = [n for n in names if target.instruments[n].get("instrument_type") == "option"]
    leg_plans = st.lists(
        st.tuples(st.sampled_from(names), st.sampled_from(DIRECTIONS), st.integers(1, 5)),
        min_size=1, max_size=min(3, len(names)), unique_by=lambda leg: leg[0],
    )
    prices = st.lists(st.integers(1, 3000), min_size=3, max_size=3)
    quote_plans = st.lists(
        st.tuples(st.integers(0, 3), st.sampled_from(DIRECTIONS), prices, st.sampled_from(MAKER_FEES)),
        min_size=0, max_size=3,
    )
    pool: list[Party] = []
    _call = _calling(target)

    def info(name: str, key: str) -> Decimal:
        return _dec(target.instruments[name][key])

    def amount_of(name: str, steps: int) -> Decimal:
        return info(name, "minimum_amount") + info(name, "amount_step") * (steps - 1)

    class DeriveMachine(FuzzMachine):
        parties = Bundle("parties")
        quotes = Bundle("quotes")
        context = target
        failing_steps: ClassVar[list[dict[str, Any]]] = []  # the shortest failing run seen
        failing_rule: ClassVar[str] = ""
        ticking: ClassVar[bool] = True  # off for the last replay of a failure

        @classmethod
        def run_as_test(cls, hypothesis_settings: settings, shrink_seconds: float = SHRINK_SECONDS) -> None:
            """``run_state_machine_as_test`` without Hypothesis' shrinker; a failing run is
            then shrunk by dropping steps (``shrink_steps``, bounded in time) and replayed
            once more, raising its violation (``last_steps`` are the steps to keep).

            Why not Hypothesis' shrinker: its runs cost requests and take minutes, and the
            campaign's ``tick`` cannot stop it — raised in the middle of a run replaying a
            known prefix, the stop becomes ``FlakyStrategyDefinition`` and the failure is lost."""
            cls.failing_steps, cls.failing_rule, cls.ticking, cls.time_up = [], "", True, False
            phases = [p for p in hypothesis_settings.phases if p is not Phase.shrink]
            try:
                run_state_machine_as_test(cls, settings=settings(hypothesis_settings, phases=phases))
                return
            except KeyboardInterrupt:
                raise
            except BaseException as exc:
                if not cls.failing_steps:
                    if cls.time_up and isinstance(exc, FlakyStrategyDefinition):
                        return  # the campaign's stop, raised where Hypothesis replayed a prefix
                    raise
                found = exc
            steps = shrink_steps(cls, cls.failing_steps, cls.failing_rule, shrink_seconds)
            cls.ticking = False
            replay_steps(cls, steps)
            raise found  # the failure did not reproduce: report what Hypothesis saw

        def __init__(self) -> None:
            super().__init__()
            self.model = DeriveModel(options)
            self.traders: dict[str, Trader] = {}
            self.poor: Trader | None = None
            self.rfq_items: dict[str, Item] = {}
            self.quote_items: dict[str, Item] = {}
            self.settled: set[str] = set()  # RFQs and quotes seen in their final state
            self.offset = 0.0  # target clock − local clock, seconds
            self.changed_rule = "DRV-ATOMIC-SETTLE"  # the rule a wrong cash or position breaks now

        # ============================================================== setup

        @setup_step(target=parties)
        @_noting_failures
        def open_accounts(self) -> Any:
            started = time.time()
            server = target.server_time_ms() / 1000
            ended = time.time()
            self.offset = server - (started + ended) / 2
            self.model.tolerance = 2.0 + (ended - started)
            if fresh_parties:
                parties = [new_party(f"stateful-{i}") for i in range(n_parties)]
            else:
                while len(pool) < n_parties:
                    pool.append(new_party(f"stateful-{len(pool)}"))
                parties = pool[:n_parties]
            return multiple(*[self._enrol(party, "party") for party in parties])

        def _enrol(self, party: Party, prefix: str) -> Trader:
            trader = self.name(Trader(party), prefix)
            state = target.subaccount(party)
            self.model.add_account(trader.alias, party.wallet, party.subaccount_id, state.cash, state.positions)
            self.traders[trader.alias] = trader
            return trader

        def now(self) -> float:
            return time.time() + self.offset

        def _tick(self, *rules: str) -> None:
            if tick is not None and type(self).ticking:
                type(self).count_step(tick, rules)

        # ============================================================== RFQs and quotes

        @step(target=quotes, taker=parties, legs=leg_plans, reuse=st.sampled_from(REUSE), quotes=quote_plans)
        @_noting_failures
        def send_rfq(
            self, taker: Trader, legs: Sequence[Sequence[Any]], reuse: str, quotes: Sequence[Sequence[Any]]
        ) -> Any:
            """An RFQ and its first quotes: ``(maker offset among the other parties,
            direction, prices, max_fee)``. Its legs are new (``reuse="new"``), those of the
            latest RFQ whose fee is known (``"same"``, so max_fee can be set just below it),
            or those of the latest RFQ at twice the amounts (``"double"``, so a position
            can be taken through zero rather than only back to it)."""
            self._tick("DRV-VALID-ACCEPTED")
            known = [r for r in self.model.rfqs.values() if package(r.legs) in self.model.fees]
            latest = next(reversed(self.model.rfqs.values()), None)
            if reuse == "same" and known:
                plan = list(known[-1].legs)
            elif reuse == "double" and latest is not None:
                plan = [(n, d, a * 2) for n, d, a in latest.legs]
            else:
                plan = [(str(n), str(d), amount_of(str(n), int(s))) for n, d, s in legs]
            rfq = self._rfq(taker, plan)
            others = [t for t in self.traders.values() if t is not taker and t is not self.poor]
            made = [self._priced_quote(rfq, others[int(k) % len(others)], str(d), p, str(f)) for k, d, p, f in quotes]
            return multiple(*[q for q in made if q is not None])

        @step(target=quotes, quote=quotes, maker=parties, direction=st.sampled_from(DIRECTIONS), prices=prices,
              max_fee=st.sampled_from(MAKER_FEES))
        @_noting_failures
        def send_quote(self, quote: Item, maker: Trader, direction: str, prices: Sequence[int], max_fee: str) -> Any:
            """Another quote on the RFQ of ``quote`` (refused if the RFQ is no longer open)."""
            self._tick("DRV-QUOTE-NOT-OPEN", "DRV-ATOMIC-SETTLE")
            rfq = self.rfq_items[self.model.quotes[quote.id].rfq_id]
            if maker.alias == self.model.rfqs[rfq.id].taker:
                return multiple()
            made = self._priced_quote(rfq, maker, direction, prices, max_fee)
            return made if made is not None else multiple()

        def _rfq(self, taker: Trader, legs: Sequence[tuple[str, str, Decimal]]) -> Item:
            legs = sorted(legs)
            body = {"subaccount_id": taker.party.subaccount_id,
                    "legs": [{"instrument_name": n, "amount": _fmt(a), "direction": d} for n, d, a in legs]}
            outcome = _call("private/send_rfq", body, party=taker.party)
            expect_accepted("DRV-VALID-ACCEPTED", outcome, detail="send_rfq (the flows need RFQs)")
            result = outcome.body["result"]
            until = result.get("valid_until") if isinstance(result, dict) else None
            self.model.rfq_sent(str(result["rfq_id"]), taker.alias, legs, until if isinstance(until, int) else None)
            item = self.name(Item(str(result["rfq_id"])), "rfq")
            self.rfq_items[item.id] = item
            return item

        def _priced_quote(
            self, rfq: Item, maker: Trader, direction: str, prices: Sequence[int], max_fee: str
        ) -> Item | None:
            r = self.model.rfqs[rfq.id]
            legs = [(n, d, info(n, "tick_size") * int(t), a) for (n, d, a), t in zip(r.legs, prices, strict=False)]
            return self._quote(rfq, maker, direction, legs, max_fee)

        def _quote(self, rfq: Item, maker: Trader, direction: str, legs: Sequence[Leg], max_fee: str) -> Item | None:
            nonce, expiry = msg.new_nonce(), int(self.now()) + LIFETIME
            params = msg.quote_params(
                domain, maker.party.key, owner=maker.party.wallet, subaccount_id=maker.party.subaccount_id,
                rfq_id=rfq.id, direction=direction, legs=_json_legs(legs), max_fee=max_fee, nonce=nonce,
                expiry=expiry, instruments=target.instrument_refs,
            )
            prediction = self.model.predict_quote(rfq.id, self.now())
            outcome = _call("private/send_quote", params, party=maker.party)
            if not self._judge(prediction, outcome, f"send_quote on {rfq.alias}", "DRV-VALID-ACCEPTED"):
                return None
            quote_id = str(outcome.body["result"]["quote_id"])
            self.model.quote_sent(quote_id, rfq.id, maker.alias, direction, legs, _dec(max_fee), expiry, nonce)
            item = self.name(Item(quote_id), "quote")
            self.quote_items[quote_id] = item
            return item

        @step(quote=quotes)
        @_noting_failures
        def cancel_quote(self, quote: Item) -> None:
            self._tick("DRV-QUOTE-NOT-OPEN")
            maker = self.traders[self.model.quotes[quote.id].maker].party
            prediction = self.model.predict_cancel_quote(quote.id, self.now())
            body = {"subaccount_id": maker.subaccount_id, "quote_id": quote.id}
            outcome = _call("private/cancel_quote", body, party=maker)
            if self._judge(prediction, outcome, f"cancel_quote {quote.alias}", None):
                self.model.quote_cancelled(quote.id)

        @step(quote=quotes)
        @_noting_failures
        def cancel_rfq(self, quote: Item) -> None:
            """The taker cancels the RFQ of ``quote``: its open quotes close with it."""
            self._tick("DRV-QUOTE-NOT-OPEN")
            rfq = self.rfq_items[self.model.quotes[quote.id].rfq_id]
            taker = self.traders[self.model.rfqs[rfq.id].taker].party
            prediction = self.model.predict_cancel_rfq(rfq.id, self.now())
            body = {"subaccount_id": taker.subaccount_id, "rfq_id": rfq.id}
            outcome = _call("private/cancel_rfq", body, party=taker)
            if self._judge(prediction, outcome, f"cancel_rfq {rfq.alias}", None):
                self.model.rfq_cancelled(rfq.id)

        # ============================================================== executions

        @step(quote=quotes, max_fee=st.sampled_from((GENEROUS_FEE, "100")), latest_open=st.booleans())
        @_noting_failures
        def execute(self, quote: Item, max_fee: str, latest_open: bool) -> None:
            """A correct execution by the RFQ's taker (refused if the quote is not open);
            with ``latest_open``, of the latest open quote instead of a closed one."""
            self._tick("DRV-VALID-ACCEPTED", "DRV-ATOMIC-SETTLE", "DRV-DOUBLE-EXECUTE", "DRV-QUOTE-NOT-OPEN", "DRV-RESULT-SCHEMA")
            if latest_open:
                quote = self._open_instead(quote)
            self._execute(quote, max_fee=max_fee, what=f"execute {quote.alias}")

        def _open_instead(self, quote: Item) -> Item:
            """``quote`` if the model has it open, else the latest open quote (if any)."""
            poor = self.poor.alias if self.poor is not None else ""
            open_now = [
                q for q in self.model.quotes.values() if q.status == "open" and self.model.rfqs[q.rfq_id].taker != poor
            ]
            if self.model.quotes[quote.id].status != "open" and open_now:
                return self.quote_items[open_now[-1].quote_id]
            return quote

        @step(quote=quotes, fault=st.sampled_from(sorted(FAULTS)), k=st.integers(0, 9), other=quotes)
        @_noting_failures
        def execute_faulty(self, quote: Item, fault: str, k: int, other: Item) -> None:
            """An execution a conformant target refuses for one reason (``FAULTS``)."""
            self._tick(FAULTS[fault], "DRV-ATOMIC-SETTLE")
            quote = self._open_instead(quote)  # one reason at a time
            q = self.model.quotes[quote.id]
            now, what = self.now(), f"execute {quote.alias}: {fault}"
            if fault == "max-fee-low":
                fee = self.model.fees.get(package(q.legs))
                low = (fee * k / 20).quantize(Decimal("1e-6"), ROUND_DOWN) if fee else Decimal(0)
                self._execute(quote, max_fee=_fmt(low), what=f"{what} (max_fee {low}, fee charged before {fee})")
            elif fault == "used-nonce":
                used = self.model.used(self.model.rfqs[q.rfq_id].taker)
                if used:
                    self._execute(quote, nonce=used[k % len(used)], what=what)
            elif fault == "stale-nonce":
                self._execute(quote, nonce=nonce_at(int(now) - 7200 - k, k), what=what)
            elif fault == "expiry-short":
                ahead = SHORT_EXPIRIES[k % len(SHORT_EXPIRIES)]
                self._execute(quote, expiry=int(now) + ahead, what=f"{what} (now{ahead:+d} s)")
            elif fault == "same-direction":
                self._execute(quote, direction=q.direction, what=what)
            elif fault == "altered-legs":
                legs, change = self._altered(q.legs, k)
                self._execute(quote, legs=legs, what=f"{what} ({change})")
            elif fault == "other-rfq" and self.model.quotes[other.id].rfq_id != q.rfq_id:
                other_rfq = self.rfq_items[self.model.quotes[other.id].rfq_id]
                self._execute(quote, rfq_id=other_rfq.id, what=f"{what} ({other_rfq.alias})")
            elif fault == "unknown-quote":
                self._execute(quote, quote_id=str(uuid.uuid4()), what=what)

        def _altered(self, legs: Sequence[Leg], k: int) -> tuple[list[Leg], str]:
            out, i, kind = list(legs), (k // 5) % len(legs), k % 5
            name, direction, price, amount = out[i]
            spare = [n for n in names if n not in {leg[0] for leg in legs}]
            if kind == 1:
                out[i] = (name, direction, price, amount + info(name, "amount_step"))
                return out, f"leg {i} amount +1 step"
            if kind == 2:
                out[i] = (name, sig.opposite(direction), price, amount)
                return out, f"leg {i} direction flipped"
            if kind == 3 and len(out) > 1:
                return out[:i] + out[i + 1 :], f"leg {i} dropped"
            if kind == 4 and spare:
                out[i] = (spare[0], direction, info(spare[0], "tick_size") * 100, amount_of(spare[0], 1))
                return out, f"leg {i} on {spare[0]}"
            out[i] = (name, direction, price + info(name, "tick_size"), amount)
            return out, f"leg {i} price +1 tick"

        @precondition(lambda self: fresh_parties and bool(options) and self.poor is None)
        @step(maker=parties, option=st.sampled_from(options or ["-"]), steps=st.integers(1, 3))
        @_noting_failures
        def poor_taker_buys(self, maker: Trader, option: str, steps: int) -> None:
            """The 1-USDC party asks for options; a maker sells them far above any value;
            executing is refused for the taker's margin (11000)."""
            self._tick("DRV-MARGIN-TAKER", "DRV-ATOMIC-SETTLE")
            if self.poor is not None or option not in options:
                return
            self.poor = self._enrol(new_party("stateful-poor", usdc="1"), "poor")
            rfq = self._rfq(self.poor, [(option, "buy", amount_of(option, steps))])
            r = self.model.rfqs[rfq.id]
            tick_size = info(option, "tick_size")
            price = (POOR_PRICE / tick_size).to_integral_value() * tick_size
            quote = self._quote(rfq, maker, "sell", [(n, d, price, a) for n, d, a in r.legs], GENEROUS_FEE)
            if quote is not None:
                self._execute(quote, what=f"execute {quote.alias} by {self.poor.alias} (1 USDC)")

        def _execute(
            self, quote: Item, *, what: str, max_fee: str = GENEROUS_FEE, direction: str | None = None,
            legs: Sequence[Leg] | None = None, nonce: int | None = None, expiry: int | None = None,
            rfq_id: str | None = None, quote_id: str | None = None,
        ) -> None:
            q = self.model.quotes[quote.id]
            taker = self.traders[self.model.rfqs[q.rfq_id].taker]
            e = Execution(
                taker.alias, quote_id or q.quote_id, rfq_id or q.rfq_id, direction or sig.opposite(q.direction),
                tuple(q.legs if legs is None else legs), _dec(max_fee), msg.new_nonce() if nonce is None else nonce,
                int(self.now()) + LIFETIME if expiry is None else expiry,
            )
            params = msg.execute_params(
                domain, taker.party.key, owner=taker.party.wallet, subaccount_id=taker.party.subaccount_id,
                rfq_id=e.rfq_id, quote_id=e.quote_id, direction=e.direction, legs=_json_legs(e.legs),
                max_fee=max_fee, nonce=e.nonce, expiry=e.expiry, instruments=target.instrument_refs, label="",
            )
            prediction = self.model.predict_execute(e, self.now())
            self.changed_rule = prediction.refuse[0].rule_id if prediction.refuse else "DRV-ATOMIC-SETTLE"
            outcome = _call("private/execute_quote", params, party=taker.party)
            if not self._judge(prediction, outcome, what, "DRV-VALID-ACCEPTED"):
                self.model.refused(e, outcome.code, self.now())
                return
            require_execute_result("DRV-RESULT-SCHEMA", outcome, q.quote_id, q.rfq_id, detail=what)
            result = outcome.body["result"]
            try:
                fee = _dec(result["fee"])
            except (KeyError, TypeError, ArithmeticError):
                raise RuleViolation("DRV-ATOMIC-SETTLE", "a decimal fee in the result", repr(result.get("fee")),
                                    [outcome.exchange], what) from None
            if not 0 <= fee <= e.max_fee:
                wanted = f"a taker fee in [0, max_fee {e.max_fee}]"
                raise RuleViolation("DRV-MAX-FEE", wanted, f"fee {fee}", [outcome.exchange], what)
            if self._final_status(result, q.quote_id, q.maker, outcome, what) == "settled":
                self.model.executed(e, fee)
            else:
                self.model.refused(e, None, self.now())

        def _final_status(self, result: Mapping[str, Any], quote_id: str, maker: str, outcome: Outcome, what: str) -> str:
            status, deadline = result.get("tx_status"), time.monotonic() + SETTLE_WITHIN
            while status not in FINAL:
                if time.monotonic() > deadline:
                    raise RuleViolation("DRV-ATOMIC-SETTLE", f"tx_status settled or reverted within {SETTLE_WITHIN:.0f} s",
                                        f"tx_status {status}", [outcome.exchange], what)
                time.sleep(0.2)
                view = self._quote_views(self.traders[maker].party, [quote_id]).get(quote_id, {})
                status = view.get("tx_status")
            return str(status)

        def _judge(self, prediction: Prediction, outcome: Outcome, what: str, accept_rule: str | None) -> bool:
            """Compare an outcome with the prediction; True when the request was accepted."""
            fault_if_faulty(outcome)
            if outcome.kind is Kind.RATE_LIMITED:
                return False
            if outcome.accepted:
                if prediction.refuse:
                    first = prediction.refuse[0]
                    raise RuleViolation(first.rule_id, first.expected, "accepted", [outcome.exchange], what)
                return True
            if prediction.allows(outcome.code) is None:
                if prediction.refuse:
                    first = prediction.refuse[0]
                    raise RuleViolation(first.rule_id, first.expected, outcome.describe(), [outcome.exchange], what)
                if accept_rule is not None:
                    raise RuleViolation(accept_rule, "accepted", outcome.describe(), [outcome.exchange], what)
            return False

        # ============================================================== checks

        @_noting_failures
        def check_all(self) -> None:
            now, found = self.now(), []
            observed = {alias: target.subaccount(t.party) for alias, t in self.traders.items()}
            for alias, state in observed.items():
                found += self.model.compare_account(alias, state.cash, state.positions, self.changed_rule)
            self.changed_rule = "DRV-ATOMIC-SETTLE"
            states = list(observed.values())
            found += self.model.compare_conservation([s.cash for s in states], [s.positions for s in states])
            for maker in sorted({q.maker for q in self.model.quotes.values()}):
                ids = [q.quote_id for q in self.model.quotes.values() if q.maker == maker and q.quote_id not in self.settled]
                if ids:
                    views = self._quote_views(self.traders[maker].party, ids)
                    statuses = {i: str(v.get("status")) for i, v in views.items()}
                    found += self._compare(ids, statuses, self.model.compare_quote, now)
            for taker in sorted({r.taker for r in self.model.rfqs.values()}):
                ids = [r.rfq_id for r in self.model.rfqs.values() if r.taker == taker and r.rfq_id not in self.settled]
                if ids:
                    statuses = self._rfq_statuses(self.traders[taker].party, ids)
                    found += self._compare(ids, statuses, self.model.compare_rfq, now)
            if found:
                _raise(found)

        def _compare(
            self, ids: Sequence[str], statuses: Mapping[str, str],
            compare: Callable[[str, str, float], Mismatch | None], now: float,
        ) -> list[Mismatch]:
            """Compare states; an RFQ or quote seen in the final state the model expects is
            settled and not read again."""
            found = []
            for i in ids:
                mismatch = compare(i, statuses.get(i, "missing"), now)
                if mismatch is not None:
                    found.append(mismatch)
                elif statuses.get(i) in ("filled", "cancelled", "expired"):
                    self.settled.add(i)
            return found

        def _quote_views(self, maker: Party, ids: Sequence[str]) -> dict[str, Mapping[str, Any]]:
            """The maker's own view of its quotes (``private/get_quotes``), by id."""
            base = {"subaccount_id": maker.subaccount_id}
            def read(**params: Any) -> dict[str, Mapping[str, Any]]:
                result = target.result("private/get_quotes", {**base, **params}, party=maker)
                return _by_id(result, "quotes", "quote_id")

            views = read(page_size=1000)
            for missing in [i for i in ids if i not in views]:
                views.update(read(quote_id=missing))
            return views

        def _rfq_statuses(self, taker: Party, ids: Sequence[str]) -> dict[str, str]:
            """RFQ states as a maker polls them (``private/poll_rfqs``, another party's view)."""
            viewer = next((t.party for t in self.traders.values() if t.party != taker and t is not self.poor), taker)
            base = {"subaccount_id": viewer.subaccount_id, "rfq_subaccount_id": taker.subaccount_id}
            def read(**params: Any) -> dict[str, Mapping[str, Any]]:
                result = target.result("private/poll_rfqs", {**base, **params}, party=viewer)
                return _by_id(result, "rfqs", "rfq_id")

            views = read(page_size=1000)
            for missing in [i for i in ids if i not in views]:
                views.update(read(rfq_id=missing))
            return {i: str(v.get("status")) for i, v in views.items()}

    DeriveMachine.__name__ = DeriveMachine.__qualname__ = "DeriveMachine"
    return DeriveMachine


def _by_id(result: Any, key: str, id_key: str) -> dict[str, Mapping[str, Any]]:
    items = result.get(key, []) if isinstance(result, dict) else []
    return {str(item[id_key]): item for item in items if isinstance(item, dict) and id_key in item}


def _raise(found: Sequence[Mismatch]) -> None:
    first = found[0]
    others = "; ".join(f"{m.rule_id}: {m.expected} ≠ {m.observed}" for m in found[1:4])
    detail = "; ".join(x for x in (first.detail, f"also {others}" if others else "") if x)
    raise RuleViolation(first.rule_id, first.expected, first.observed, detail=detail)
