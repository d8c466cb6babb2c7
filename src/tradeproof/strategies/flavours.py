"""Requests built from the schemas, in three flavours — the public entry points.

One function per message kind, each with ``flavour=``:

- ``"structural"``: JSON that conforms to the schema (``from_schema``), nothing more.
- ``"semantic"``: *logical* requests consistent with a live target as a ``view``
  describes it (markets, ticks, lots, min_order, funds, the book, instruments): a
  conformant target accepts each once the caller signs it with the current nonce.
- ``"invalid"``: exactly one violated rule, labelled — a :class:`~.mutations.Labelled`
  schema mutation of a semantically valid request, or a :class:`~.mutations.SignatureFault`
  on one. A fuzz test signs the semantic request, applies the case, and calls
  ``assume(case.still_violates())`` on the result before sending it.
  ``rules=`` narrows the cases to those rule ids, so a run limited to a few rules
  (``--rule``) spends every example on them.

Views are plain frozen values read from the target before the test; strategies do no
I/O. Semantic O2 batches are ``strategies.o2.valid_batches`` (resting Spot, PostOnly and
Limit orders, settles, cancels of own orders) plus, where the view allows it, a
RegisterReferer (``referer_free``) and one FillOrKill, Market or BoundedMarket order per
market group that the view's book snapshot shows can fill completely at the best level.
Without a book those three order types are left out: nothing then proves they can fill,
and a FillOrKill that cannot fill reverts the batch.

Also left out of "semantic", on purpose: cancels of orders the trader does not own or
that are already filled, and self-trades (TARGET.md leaves their outcome open);
RegisterReferer's SDK field ``to`` (advisory only); and Derive margin, which the view
does not describe (parties are assumed funded, as the harness funds them). Keep a view
the same for all examples of one test: Hypothesis replays choice sequences, and a view
that changes between examples makes generation inconsistent.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any, Literal

from hypothesis import assume
from hypothesis import strategies as st

from .. import schemas
from ..messages import derive as dmsg
from ..messages import o2 as omsg
from ..signing import derive as dsig
from ..signing.keys import Key
from ..target.market import MarketSpec
from .from_schema import from_schema, named_composite
from .mutations import (
    DERIVE_SIGNATURE_RULES,
    O2_SIGNATURE_RULES,
    SESSION_SIGNATURE_RULES,
    Labelled,
    SignatureFault,
    mutations,
    signature_faults,
    sites,
)
from .o2 import Batch, CancelOwn, Create, Settle, Zones, valid_batches

Flavour = Literal["structural", "semantic", "invalid"]
FLAVOURS: tuple[str, ...] = ("structural", "semantic", "invalid")
Rules = Collection[str] | None
"""Rule ids the invalid flavour may break (None: any it can)."""

SERIALISABLE = ("Labelled", "SignatureFault", "Refer", "SessionPlan", "DeriveLeg", "QuotePlan")
"""Value types drawn here that a replay file may hold (``strategies.serial``)."""


LABELLED: Mapping[str, tuple[str, ...]] = {
    # What mutations.rules_of(schema) computes from the files (a test keeps them equal);
    # written out so that importing this module reads no schema.
    "o2/session_actions_request": (
        "O2-NUMBER-FORMAT", "O2-ID-FORMAT", "O2-UNKNOWN-ACTION", "O2-UNKNOWN-ORDER-TYPE", "O2-BATCH-NONEMPTY",
        "O2-BATCH-MAX-MARKETS", "O2-BATCH-MAX-ACTIONS", "O2-MISSING-FIELD",
    ),
    "o2/session_request": ("O2-NUMBER-FORMAT", "O2-ID-FORMAT", "O2-MISSING-FIELD"),
    "o2/order_type": ("O2-NUMBER-FORMAT", "O2-UNKNOWN-ORDER-TYPE"),
    "derive/send_quote_params": ("DRV-PARAMS-SCHEMA",),
    "derive/execute_quote_params": ("DRV-PARAMS-SCHEMA",),
}


def _rules(schema: str, signatures: Mapping[Any, str]) -> tuple[str, ...]:
    """Every rule an invalid case of ``schema`` can carry (for ``pytest.mark.rule``)."""
    return tuple(dict.fromkeys([*LABELLED[schema], *signatures.values()]))


# --------------------------------------------------------------------------- O2 views and values


@dataclass(frozen=True)
class Book:
    """The best level *other* accounts offer on each side of one market (read from
    ``GET /v1/depth`` minus the trader's own orders, right before drawing)."""

    best_bid: int | None = None
    bid_quantity: int = 0
    best_ask: int | None = None
    ask_quantity: int = 0


PLACEHOLDER_ACCOUNT = "0x" + "a0" * 32


@dataclass(frozen=True)
class O2View:
    """What semantic O2 requests must agree with. Only ``markets`` is required; the
    defaults describe a pool trader (session on every market, ample funds, no book
    known, a referer already possibly set)."""

    markets: tuple[MarketSpec, ...]
    zones: Zones = field(default_factory=Zones)
    trade_account_id: str = PLACEHOLDER_ACCOUNT  # for the JSON of an invalid case's template
    nonce: int = 0  # likewise; the caller signs with the real nonce
    session_contracts: tuple[str, ...] | None = None  # contract ids the session allows (None: all)
    funds: Mapping[str, int] | None = None  # asset id -> trading balance to spend (None: ample)
    books: Mapping[str, Book] = field(default_factory=dict)  # market id -> others' best levels
    referer_free: bool = False  # the account has no referer yet: RegisterReferer may be drawn

    def __post_init__(self) -> None:
        object.__setattr__(self, "markets", tuple(self.markets))
        if not self.markets:
            raise ValueError("an O2View needs at least one market")

    @property
    def tradable(self) -> list[int]:
        """Indices of the markets the session may trade."""
        allowed = self.session_contracts
        return [i for i, m in enumerate(self.markets) if allowed is None or m.contract_id in allowed]

    def affords(self, batch: Batch) -> bool:
        """Whether the funds cover what the batch's orders lock (quote for buys, base for sells)."""
        if self.funds is None:
            return True
        need: dict[str, int] = {}
        for index, actions in batch.groups:
            spec = self.markets[index % len(self.markets)]
            for action in actions:
                if not isinstance(action, Create):
                    continue
                if action.side == "Buy":
                    asset, amount = spec.quote_asset, spec.notional(action.price, action.quantity)
                else:
                    asset, amount = spec.base_asset, action.quantity
                need[asset] = need.get(asset, 0) + amount
        return all(self.funds.get(asset, 0) >= amount for asset, amount in need.items())

    def __repr__(self) -> str:
        funds = "given" if self.funds is not None else "ample"
        return f"O2View({len(self.markets)} markets, books for {len(self.books)}, funds {funds})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # Hypothesis' reprs: short
        printer.text(repr(self))


@dataclass(frozen=True)
class Refer:
    """RegisterReferer with the seed's ``referer`` field (a logical action of a ``Batch``)."""

    kind: str  # "Address" | "ContractId"
    referer: str

    def json(self, spec: MarketSpec, own: Sequence[str], account: str) -> dict[str, Any]:
        return omsg.register_referer({self.kind: self.referer})


@dataclass(frozen=True)
class SessionPlan:
    """A session update to sign: a fresh session key, an expiry ``expires_in`` seconds
    after sending, and the contracts of the markets at ``markets`` (view indices)."""

    key: int
    expires_in: int
    markets: tuple[int, ...]

    def session_key(self, label: str = "") -> Key:
        return Key.derive("tradeproof-session-plan", f"{label}/{self.key}")

    def contract_ids(self, markets: Sequence[MarketSpec]) -> list[bytes]:
        return [markets[i].contract_bytes for i in self.markets]


O2_BATCH_RULES = _rules("o2/session_actions_request", O2_SIGNATURE_RULES)
O2_SESSION_RULES = _rules("o2/session_request", SESSION_SIGNATURE_RULES)
O2_ORDER_TYPE_RULES = _rules("o2/order_type", {})

_TEMPLATE_CONTEXT = omsg.O2Context(chain_id=0, accounts_registry_id=bytes(32), markets={})
TEMPLATE_EXPIRY = 2_000_000_000


@cache
def _template_key(role: str) -> Key:
    return Key.derive("tradeproof-template", role)


def _check(
    flavour: str, view: Any, view_type: type | None, rules: Rules = None, labelled: Sequence[str] = ()
) -> tuple[str, ...] | None:
    """Refuse a bad flavour, a missing view, or ``rules=`` that cannot be honoured; the
    rules as a tuple (None: all)."""
    if flavour not in FLAVOURS:
        raise ValueError(f"flavour must be one of {', '.join(FLAVOURS)}, not {flavour!r}")
    if flavour != "structural" and view_type is not None and not isinstance(view, view_type):
        raise ValueError(f"the {flavour} flavour needs a view: {view_type.__name__}(...), not {view!r}")
    if rules is None:
        return None
    if flavour != "invalid":
        raise ValueError(f"rules= narrows the invalid flavour; the {flavour} flavour breaks no rule")
    if isinstance(rules, str):
        raise ValueError(f"rules= takes a collection of rule ids, not the string {rules!r}")
    if not set(rules) & set(labelled):
        raise ValueError(f"none of {sorted(rules)} can be broken here (these can: {', '.join(labelled)})")
    return tuple(sorted(rules))


def _offered(rule_ids: Iterable[str], rules: Rules) -> list[str]:
    """Those of ``rule_ids`` that ``rules`` allows (all when None), in order, once each."""
    return [r for r in dict.fromkeys(rule_ids) if rules is None or r in rules]


def _called(composite: Any, flavour: str, view: Any, rules: tuple[str, ...] | None) -> st.SearchStrategy[Any]:
    """``composite`` with only the arguments given, so its repr reads as the call made."""
    return composite(flavour, *([] if view is None else [view]), **({} if rules is None else {"rules": rules}))


def _one_invalid(
    draw: st.DrawFn, signatures: Mapping[Any, str], template: Any, schema: str, request: Any, rules: Rules
) -> Any:
    """One case of one rule, the rule drawn first among all ``request`` can break (and
    ``rules`` allows), so a rule with few sites or corruptions is not starved by one with
    many. Hypothesis favours the first few choices of a list: the signature rules come
    first (a signature that is not checked is the worst bug), then the schema rules."""
    schema_rules = sorted(_offered((site.rule_id for site in sites(schema, template)), rules))
    signature_rules = _offered(signatures.values(), rules)
    assume(signature_rules or schema_rules)  # this request offers none of ``rules``: another one may
    rule_id = draw(st.sampled_from([*signature_rules, *schema_rules]))
    if rule_id in schema_rules:
        return draw(mutations(template, schema, request=request, rules=[rule_id]))
    return draw(signature_faults({kind: r for kind, r in signatures.items() if r == rule_id}, st.just(request)))


# ---- batches


def _within_total(body: dict[str, Any]) -> dict[str, Any]:
    """At most 5 actions summed over the groups (seed 000), each group keeping ≥ 1."""
    groups = body["actions"]
    left = schemas.MAX_ACTIONS_PER_BATCH
    for i, group in enumerate(groups):
        keep = max(1, min(len(group["actions"]), left - (len(groups) - i - 1)))
        group["actions"] = group["actions"][:keep]
        left -= keep
    return body


def _takers(spec: MarketSpec, book: Book | None) -> st.SearchStrategy[Create] | None:
    """FillOrKill / Market / BoundedMarket orders that fill completely at the best level."""
    if book is None:
        return None
    options = []
    sides = (("Buy", book.best_ask, book.ask_quantity), ("Sell", book.best_bid, book.bid_quantity))
    for side, price, available in sides:
        if price and available:
            step = spec.quantity_step(price)
            least = max(1, math.ceil(max(spec.min_order, 1) * spec.base_unit / (price * step)))
            if least * step <= available:
                options.append((side, price, step, least, available // step))
    if not options:
        return None

    @st.composite
    def taker(draw: st.DrawFn) -> Create:
        side, price, step, least, most = draw(st.sampled_from(options))
        quantity = step * draw(st.integers(least, most))
        kind = draw(st.sampled_from(["FillOrKill", "Market", "BoundedMarket"]))
        if kind != "BoundedMarket":
            return Create(side, price, quantity, kind)
        below, above = draw(st.integers(0, 5)), draw(st.integers(0, 5))
        bounds = omsg.bounded_market(price + above * spec.tick, max(spec.tick, price - below * spec.tick))
        return Create(side, price, quantity, bounds)

    return taker()


@st.composite
def _semantic_batches(draw: st.DrawFn, view: O2View) -> Batch:
    tradable = view.tradable
    batch = draw(valid_batches([view.markets[i] for i in tradable], view.zones))
    groups, referred = [], False
    for m, drawn in batch.groups:
        index, actions = tradable[m], list(drawn)
        takers = _takers(view.markets[index], view.books.get(view.markets[index].market_id))
        if takers is not None and draw(st.booleans()):
            actions[0] = draw(takers)  # one taker order per market group: the level is not shared
        if view.referer_free and not referred and draw(st.booleans()):
            kind = draw(st.sampled_from(["Address", "ContractId"]))
            actions[-1] = Refer(kind, "0x" + draw(st.binary(min_size=32, max_size=32)).hex())
            referred = True
        groups.append((index, tuple(actions)))
    return Batch(tuple(groups))


def _without_cancels(batch: Batch) -> Batch:
    """CancelOwn resolves to a cancel or a settle depending on the trader's open orders;
    an invalid case needs one JSON shape, so it settles."""
    settled = ((m, tuple(Settle() if isinstance(a, CancelOwn) else a for a in acts)) for m, acts in batch.groups)
    return Batch(tuple(settled))


def o2_template(batch: Batch, view: O2View) -> dict[str, Any]:
    """The JSON body of ``batch`` as a trader would send it, with a placeholder signature
    (the shape an invalid case's edit applies to; the caller re-applies it to the real one)."""
    groups = batch.resolve(view.markets, view.trade_account_id, lambda spec: ())
    return omsg.actions_body(
        _TEMPLATE_CONTEXT, _template_key("session"), trade_account_id=bytes.fromhex(view.trade_account_id[2:]),
        nonce=view.nonce, groups=groups, signature=bytes(64),
    )


@named_composite("o2_batches")
def _o2_batches(draw: st.DrawFn, flavour: str, view: O2View | None = None, *, rules: Rules = None) -> Any:
    if flavour == "structural":
        return _within_total(draw(from_schema("o2/session_actions_request")))
    assert view is not None
    semantic = _semantic_batches(view).filter(view.affords)
    if flavour == "semantic":
        return draw(semantic)
    batch = _without_cancels(draw(semantic))
    return _one_invalid(draw, O2_SIGNATURE_RULES, o2_template(batch, view), "o2/session_actions_request", batch, rules)


def o2_batches(flavour: Flavour = "structural", view: O2View | None = None, *, rules: Rules = None) -> st.SearchStrategy[Any]:
    """Session-actions requests: 1–5 actions over 1–5 market groups.

    structural → JSON bodies (all four action types, all six order types); semantic →
    ``strategies.o2.Batch`` values (sign with ``trader.actions_body(batch.resolve(...))``);
    invalid → ``Labelled`` (``case.finish(signed_body)``) or ``SignatureFault``
    (``case.o2_signature(session_key, digest)``), with ``case.request`` the Batch.
    """
    return _called(_o2_batches, flavour, view, _check(flavour, view, O2View, rules, O2_BATCH_RULES))


# ---- order types


@named_composite("order_types")
def _semantic_order_types(draw: st.DrawFn, market: MarketSpec | None = None) -> Any:
    tick = market.tick if market is not None else 1
    prices = st.integers(1, 10**9).map(lambda k: k * tick)
    kind = draw(st.sampled_from(["Spot", "Market", "FillOrKill", "PostOnly", "Limit", "BoundedMarket"]))
    if kind == "Limit":
        return omsg.limit(draw(prices), draw(st.integers(1_600_000_000_000, 2_000_000_000_000)))
    if kind == "BoundedMarket":
        low = draw(prices)
        return omsg.bounded_market(low + tick * draw(st.integers(0, 10**6)), low)
    return kind


@named_composite("o2_order_types")
def _o2_order_types(draw: st.DrawFn, flavour: str, market: MarketSpec | None = None, *, rules: Rules = None) -> Any:
    if flavour == "structural":
        return draw(from_schema("o2/order_type"))
    value = draw(_semantic_order_types(market))
    if flavour == "semantic":
        return value
    offered = _offered(O2_ORDER_TYPE_RULES, rules)
    assume(any(site.rule_id in offered for site in sites("o2/order_type", value)))
    return draw(mutations(value, "o2/order_type", request=value, rules=offered))


def o2_order_types(
    flavour: Flavour = "structural", market: MarketSpec | None = None, *, rules: Rules = None
) -> st.SearchStrategy[Any]:
    """``order_type`` values. Semantic: non-zero prices (on ``market``'s tick when given),
    BoundedMarket max_price ≥ min_price, a Limit timestamp in milliseconds. Invalid:
    ``Labelled`` (O2-UNKNOWN-ORDER-TYPE, O2-NUMBER-FORMAT); an order type alone is not
    signed, so there are no signature faults."""
    return _called(_o2_order_types, flavour, market, _check(flavour, None, None, rules, O2_ORDER_TYPE_RULES))


# ---- session updates


@st.composite
def _session_plans(draw: st.DrawFn, view: O2View) -> SessionPlan:
    count = len(view.markets)
    indices = draw(st.lists(st.sampled_from(range(count)), min_size=1, max_size=count, unique=True))
    return SessionPlan(draw(st.integers(0, 2**32)), draw(st.integers(60, 30 * 86_400)), tuple(sorted(indices)))


def session_template(plan: SessionPlan, view: O2View) -> dict[str, Any]:
    """The JSON of a session update for ``plan`` (placeholder owner, fixed expiry)."""
    return omsg.session_body(
        _TEMPLATE_CONTEXT, _template_key("owner"), trade_account_id=bytes.fromhex(view.trade_account_id[2:]),
        session_key=plan.session_key("template"), nonce=view.nonce, expiry=TEMPLATE_EXPIRY,
        contract_ids=plan.contract_ids(view.markets),
    )


@named_composite("o2_session_updates")
def _o2_session_updates(draw: st.DrawFn, flavour: str, view: O2View | None = None, *, rules: Rules = None) -> Any:
    if flavour == "structural":
        return draw(from_schema("o2/session_request"))
    assert view is not None
    plan = draw(_session_plans(view))
    if flavour == "semantic":
        return plan
    return _one_invalid(draw, SESSION_SIGNATURE_RULES, session_template(plan, view), "o2/session_request", plan, rules)


def o2_session_updates(
    flavour: Flavour = "structural", view: O2View | None = None, *, rules: Rules = None
) -> st.SearchStrategy[Any]:
    """``PUT /v1/session`` requests. Semantic: ``SessionPlan`` (sign with
    ``trader.session_body(plan.session_key(label), expiry=now + plan.expires_in,
    contract_ids=plan.contract_ids(markets))``). Invalid: ``Labelled`` or a
    ``SignatureFault`` on the owner's signature (``case.session_signature(...)``)."""
    return _called(_o2_session_updates, flavour, view, _check(flavour, view, O2View, rules, O2_SESSION_RULES))


# --------------------------------------------------------------------------- Derive


@dataclass(frozen=True)
class Instrument:
    """One instrument's grid, from ``public/get_instruments``."""

    name: str
    tick: Decimal
    step: Decimal
    minimum: Decimal
    maximum: Decimal | None = None

    @classmethod
    def from_json(cls, item: Mapping[str, Any]) -> Instrument:
        top = item.get("maximum_amount")
        return cls(
            str(item["instrument_name"]), Decimal(str(item["tick_size"])), Decimal(str(item["amount_step"])),
            Decimal(str(item["minimum_amount"])), Decimal(str(top)) if top is not None else None,
        )


PLACEHOLDER_WALLET = "0x" + "a0" * 20
PLACEHOLDER_ID = "00000000-0000-4000-8000-000000000000"


@dataclass(frozen=True)
class DeriveView:
    """What semantic Derive requests must agree with: the instruments (active ones, by
    name), a ``max_fee`` that covers the target's fee, and — for the JSON of invalid
    cases only — a wallet, subaccount and domain."""

    instruments: tuple[Instrument, ...]
    max_fee: Decimal = Decimal(1000)
    wallet: str = PLACEHOLDER_WALLET
    subaccount_id: int = 1
    domain: dsig.Domain = dsig.V2_TESTNET

    def __post_init__(self) -> None:
        object.__setattr__(self, "instruments", tuple(sorted(self.instruments, key=lambda i: i.name)))
        if not self.instruments:
            raise ValueError("a DeriveView needs at least one instrument")

    @classmethod
    def of(cls, listing: Mapping[str, Mapping[str, Any]], **facts: Any) -> DeriveView:
        """From ``DeriveTarget.instruments`` (name -> get_instruments item): active ones."""
        return cls(tuple(Instrument.from_json(i) for i in listing.values() if i.get("is_active", True)), **facts)

    def instrument(self, name: str) -> Instrument:
        return next(i for i in self.instruments if i.name == name)

    def __repr__(self) -> str:
        return f"DeriveView({len(self.instruments)} instruments, max_fee {self.max_fee})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # Hypothesis' reprs: short
        printer.text(repr(self))


def _fmt(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True)
class DeriveLeg:
    """A leg on the grid: ``steps`` amount steps (≥ the minimum) at ``price_ticks`` ticks."""

    instrument: str
    direction: str
    steps: int
    price_ticks: int

    def json(self, view: DeriveView) -> dict[str, str]:
        info = view.instrument(self.instrument)
        return {
            "instrument_name": self.instrument, "direction": self.direction,
            "price": _fmt(info.tick * self.price_ticks), "amount": _fmt(info.step * self.steps),
        }


@dataclass(frozen=True)
class QuotePlan:
    """An RFQ and its quote: legs, the maker's quote ``direction`` (the taker executes the
    opposite), the ``max_fee`` of the signed request and its expiry ``expires_in`` seconds
    after sending (≥ 400: above the 310 s minimum with room for clocks)."""

    legs: tuple[DeriveLeg, ...]
    direction: str
    max_fee: str
    expires_in: int

    def json_legs(self, view: DeriveView) -> list[dict[str, str]]:
        return [leg.json(view) for leg in self.legs]


DERIVE_QUOTE_RULES = _rules("derive/send_quote_params", DERIVE_SIGNATURE_RULES)
DERIVE_EXECUTION_RULES = _rules("derive/execute_quote_params", DERIVE_SIGNATURE_RULES)


@st.composite
def _quote_plans(draw: st.DrawFn, view: DeriveView) -> QuotePlan:
    count = min(3, len(view.instruments))
    chosen = draw(st.lists(st.sampled_from(range(len(view.instruments))), min_size=1, max_size=count, unique=True))
    legs = []
    for i in sorted(chosen):  # legs sorted by instrument name, distinct instruments
        info = view.instruments[i]
        least = max(1, math.ceil(info.minimum / info.step))
        most = least + 3 if info.maximum is None else min(least + 3, int(info.maximum // info.step))
        direction = draw(st.sampled_from(["buy", "sell"]))
        steps, ticks = draw(st.integers(least, max(least, most))), draw(st.integers(1, 500))
        legs.append(DeriveLeg(info.name, direction, steps, ticks))
    max_fee = _fmt(view.max_fee + draw(st.integers(0, 1000)))
    return QuotePlan(tuple(legs), draw(st.sampled_from(["sell", "buy"])), max_fee, draw(st.integers(400, 3600)))


def _refs(plan: QuotePlan) -> dict[str, dmsg.InstrumentRef]:
    return {leg.instrument: dmsg.InstrumentRef(leg.instrument, "0x" + "00" * 20, 0) for leg in plan.legs}


def quote_template(plan: QuotePlan, view: DeriveView) -> dict[str, Any]:
    """``private/send_quote`` params for ``plan`` (placeholder key, RFQ id and nonce)."""
    return dmsg.quote_params(
        view.domain, _template_key("derive"), owner=view.wallet, subaccount_id=view.subaccount_id,
        rfq_id=PLACEHOLDER_ID, direction=plan.direction, legs=plan.json_legs(view), max_fee=plan.max_fee, nonce=1,
        expiry=TEMPLATE_EXPIRY, instruments=_refs(plan),
    )


def execute_template(plan: QuotePlan, view: DeriveView) -> dict[str, Any]:
    """``private/execute_quote`` params for ``plan`` (placeholder key, ids and nonce)."""
    return dmsg.execute_params(
        view.domain, _template_key("derive"), owner=view.wallet, subaccount_id=view.subaccount_id,
        rfq_id=PLACEHOLDER_ID, quote_id=PLACEHOLDER_ID, direction=dsig.opposite(plan.direction),
        legs=plan.json_legs(view), max_fee=plan.max_fee, nonce=1, expiry=TEMPLATE_EXPIRY, instruments=_refs(plan),
        label="",
    )


def _derive(draw: st.DrawFn, flavour: str, view: DeriveView | None, schema: str, template: Any, rules: Rules) -> Any:
    if flavour == "structural":
        return draw(from_schema(schema))
    assert view is not None
    plan = draw(_quote_plans(view))
    if flavour == "semantic":
        return plan
    return _one_invalid(draw, DERIVE_SIGNATURE_RULES, template(plan, view), schema, plan, rules)


@named_composite("derive_quotes")
def _derive_quotes(draw: st.DrawFn, flavour: str, view: DeriveView | None = None, *, rules: Rules = None) -> Any:
    return _derive(draw, flavour, view, "derive/send_quote_params", quote_template, rules)


@named_composite("derive_executions")
def _derive_executions(draw: st.DrawFn, flavour: str, view: DeriveView | None = None, *, rules: Rules = None) -> Any:
    return _derive(draw, flavour, view, "derive/execute_quote_params", execute_template, rules)


def derive_quotes(
    flavour: Flavour = "structural", view: DeriveView | None = None, *, rules: Rules = None
) -> st.SearchStrategy[Any]:
    """``private/send_quote`` requests (a maker's signed quote on an RFQ). Semantic:
    ``QuotePlan`` (send the RFQ with its legs, then sign the quote). Invalid:
    ``Labelled`` (DRV-PARAMS-SCHEMA) or a ``SignatureFault`` (``case.derive_signature``)."""
    return _called(_derive_quotes, flavour, view, _check(flavour, view, DeriveView, rules, DERIVE_QUOTE_RULES))


def derive_executions(
    flavour: Flavour = "structural", view: DeriveView | None = None, *, rules: Rules = None
) -> st.SearchStrategy[Any]:
    """``private/execute_quote`` requests. Semantic: ``QuotePlan`` (open the RFQ and
    quote it, then execute with ``max_fee`` and expiry now + ``expires_in``). Invalid:
    ``Labelled`` (DRV-PARAMS-SCHEMA) or a ``SignatureFault`` (``case.derive_signature``)."""
    return _called(_derive_executions, flavour, view, _check(flavour, view, DeriveView, rules, DERIVE_EXECUTION_RULES))


__all__ = [
    "DERIVE_EXECUTION_RULES", "DERIVE_QUOTE_RULES", "FLAVOURS", "O2_BATCH_RULES", "O2_ORDER_TYPE_RULES",
    "O2_SESSION_RULES", "Book", "DeriveLeg", "DeriveView", "Instrument", "Labelled", "O2View", "QuotePlan",
    "Refer", "SessionPlan", "SignatureFault", "derive_executions", "derive_quotes", "execute_template",
    "o2_batches", "o2_order_types", "o2_session_updates", "o2_template", "quote_template", "session_template",
]
