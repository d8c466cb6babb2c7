"""Derive request faults the schemas cannot express: unknown methods, bodies that are not
JSON, broken X-Lyra headers, executions signed by a key that may not sign (unregistered,
below admin, expired), a nonce the wallet used before (on any of its subaccounts), a
quote with 300 s or less left, and a maker short of margin when its quote is executed.

Each rule has its own search. An example draws all the fault's parameters first (the
method name's parts, how the body is broken, whose key signs what, the key's scope, the
quoted package, the maker's funding ladder, …), then sends the request(s) on freshly
quoted packages and judges the answers by the rule: refused with its code, and nothing
changed. Where a fault has a few kinds that real targets get wrong separately (a
session key as the action's signer, as the caller, or both), every kind is tried, in a
drawn order. Every draw is a plain value, so a failure's replay file re-signs the same
logical requests for fresh accounts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import assume
from hypothesis import strategies as st

from tradeproof.checks import RuleViolation, expect_accepted, require
from tradeproof.scenarios.derive import (
    AUTH_FAULTS,
    KEY_ROLES,
    QUOTE_EXPIRED_AT,
    UNPARSEABLE_FORMS,
    ExpiringKey,
    LegPlan,
    Quoted,
    as_session,
    earliest_expiry,
    execute_until_refused,
    expiring_session_key,
    faulty_auth_headers,
    key_in_role,
    leg_of,
    more_quotes,
    new_session_key,
    open_quote,
    open_quote_until,
    options,
    poorest_quoting_maker,
    refuse_execute,
    refused_and_unchanged,
    steps_for,
    unparseable_body,
    wait_for_server_time,
    wait_until_expired,
)
from tradeproof.signing import derive as sig
from tradeproof.signing.keys import Key
from tradeproof.strategies import DeriveView, QuotePlan, derive_executions
from tradeproof.target import DeriveTarget, NotProvisioned, Party

STAGE = 0  # mostly single-request refusals: run first, so a broken target fails fast (see tradeproof.pytest_plugin)

EXECUTE = "private/execute_quote"
METHODS = (  # the methods TARGET.md §2 names
    "public/get_time", "public/get_instruments", "public/get_instrument", "private/send_rfq", "private/poll_rfqs",
    "private/send_quote", "private/poll_quotes", "private/get_quotes", "private/execute_quote",
    "private/cancel_quote", "private/cancel_rfq", "private/get_subaccount", "private/register_scoped_session_key",
)
METHOD_FORMS = ("suffix", "case", "segment", "invented")
TOKENS = st.from_regex(r"tp[a-z0-9_]{0,8}", fullmatch=True)  # "tp": never a method a real Derive serves
SEPARATORS = ("", "_", "/", ".", "-")
GARBAGE = ("}", ",", "]", "x", "{}", "[]", "0", '"', "\\")
LITERALS = ("NaN", "Infinity", "-Infinity", "undefined", "0x10", "01", "+1", ".5", "1.", "'x'")
WORDS = st.from_regex(r"[A-Za-z_]{1,12}", fullmatch=True).filter(lambda w: w not in ("true", "false", "null"))
WEAK_SCOPES = ("account", "read_only")
FOREIGN_SIGNERS = ("other-wallets-session-key", "stranger", "other-wallet")
KEY_LIFETIME = 3  # seconds before the expiring key expires (as in conformance): waited out once per run
FUNDING_STARTS = (1, 2, 5)  # USDC: far below the margin of one short option
FUNDING_CAP = 10**7
MIN_EXECUTION_AHEAD = 320  # seconds: an execution's own signature expiry, above the 310 s minimum with room for clocks
KEY_RULES = ("DRV-SESSION-KEY-SCOPE", "DRV-SESSION-KEY-EXPIRED")  # need session keys (others use them if offered)
Draw = Callable[[st.SearchStrategy[Any], str], Any]


@dataclass
class World:
    """What a fault needs from the run: the target, its instruments, and parties (made
    once per test, with the taker's admin session key — None if the target offers no
    session keys; the expiring key once, when first needed)."""

    derive: DeriveTarget
    domain: sig.Domain
    new_party: Callable[..., Party]
    harness: bool
    rule_id: str
    expiring_quote: tuple[Quoted, int] | None = None  # made when the module started: its parties trade here
    view: DeriveView = field(init=False)
    taker: Party = field(init=False)
    maker: Party = field(init=False)
    admin: Key | None = field(init=False)
    _expiring: ExpiringKey | None = None
    _sibling: Party | None = None

    def __post_init__(self) -> None:
        self.view = DeriveView.of(self.derive.instruments)
        if self.expiring_quote is not None:
            self.taker, self.maker = self.expiring_quote[0].taker, self.expiring_quote[0].maker
        else:
            self.taker, self.maker = self.new_party("fault-taker"), self.new_party("fault-maker")
        self.admin = new_session_key(self.derive, self.taker, self.rule_id, scope="admin", label="fault-login")

    def unsupported(self) -> str | None:
        """Why this target cannot be given the rule's fault (None: it can)."""
        if self.rule_id in KEY_RULES and self.admin is None:
            return "the target does not offer private/register_scoped_session_key"
        if self.rule_id == "DRV-NONCE-UNIQUE" and not self.harness:
            return "needs a second subaccount of one wallet (the harness extension's fund)"
        if self.rule_id == "DRV-MARGIN-MAKER" and not (self.harness and options(self.derive)):
            return "needs the harness's fund (makers holding little USDC) and an active option"
        return None

    def package(self, draw: Draw) -> QuotePlan:
        """A drawn package on the target's instruments (legs, quote direction, max_fee)."""
        return draw(derive_executions("semantic", self.view), "package")

    def quote(self, plan: QuotePlan, taker: Party | None = None) -> Quoted:
        """An RFQ of ``plan``'s legs with the maker's quote on it."""
        legs = [LegPlan(leg.instrument, leg.direction, leg.steps, leg.price_ticks) for leg in plan.legs]
        return open_quote(self.derive, self.domain, taker or self.taker, self.maker, self.rule_id, plan=legs,
                          quote_direction=plan.direction)

    def session_key(self, owner: Party, scope: str) -> Key:
        """A new session key of ``owner`` (the target offers them: ``admin`` was made)."""
        key = new_session_key(self.derive, owner, self.rule_id, scope=scope, label=f"fault-{scope}")
        assert key is not None, "register_scoped_session_key answered -32601 after registering a key"
        return key

    def expired_key(self) -> ExpiringKey:
        """An admin key shown to work, then waited out (once: later examples reuse it)."""
        if self._expiring is None:
            owner = self.new_party("fault-expiring-owner")
            made = expiring_session_key(self.derive, self.domain, owner, self.maker, self.rule_id, lifetime=KEY_LIFETIME)
            assert made is not None, "register_scoped_session_key answered -32601 after registering a key"
            expect_accepted(self.rule_id, made.before_expiry, detail="an execution signed by the admin key before its expiry")
            wait_until_expired(self.rule_id, self.derive, made)
            self._expiring = made
        return self._expiring

    def sibling(self) -> Party:
        """Another subaccount of the taker's wallet (made once, by the harness's fund)."""
        if self._sibling is None:
            self._sibling = Party(self.taker.wallet, self.derive.fund(self.taker.wallet, "1000000"), self.taker.key)
        return self._sibling

    def expired_quote(self) -> tuple[Quoted, int]:
        """The quote signed with the earliest expiry the target accepted (≈ now + 310 s,
        made when the module started, or now), and its ``signature_expiry_sec``, once it
        has less than 300 s left (the first call waits for that; later examples reuse it
        — refused executions leave it as it was)."""
        if self.expiring_quote is None:
            self.expiring_quote = quote_to_expire(self.derive, self.domain, self.taker, self.maker, self.rule_id)
        quoted, expiry = self.expiring_quote
        expired_from_ms = (expiry - QUOTE_EXPIRED_AT) * 1000
        now_ms = wait_for_server_time(self.derive, expired_from_ms + 200)
        require(self.rule_id, now_ms >= expired_from_ms, f"server time ≥ {expired_from_ms}", f"{now_ms}",
                detail="public/get_time while waiting for the quote to have 300 s left")
        return quoted, expiry


def quote_to_expire(derive: DeriveTarget, domain: sig.Domain, taker: Party, maker: Party, rule_id: str) -> tuple[Quoted, int]:
    """A quote signed with the earliest ``signature_expiry_sec`` the target accepts."""
    expiry = earliest_expiry(derive)
    return open_quote_until(derive, domain, taker, maker, rule_id, expiry=expiry), expiry


@pytest.fixture(scope="module")  # every search of the module asks for it: made before the first
def expiring_quote(request, derive, derive_domain, tradeproof_context) -> tuple[Quoted, int] | RuleViolation | None:
    """The quote the DRV-QUOTE-EXPIRY-300 search executes once it has less than 300 s
    left, made when the module starts (if that search is selected), so the searches
    before it run while it ages (~10 s) instead of the search waiting for it."""
    rule = "DRV-QUOTE-EXPIRY-300"
    if not any(item.module is request.module and f"[{rule}]" in item.nodeid for item in request.session.items):
        return None
    try:
        accounts = tradeproof_context.derive_accounts
        taker, maker = accounts.new("fault-taker"), accounts.new("fault-maker")
        return quote_to_expire(derive, derive_domain, taker, maker, rule)
    except NotProvisioned:
        return None  # the test itself skips with the reason
    except RuleViolation as exc:  # that search's finding, not a setup error of every search in the module
        return exc


def _params(quoted: Quoted, plan: QuotePlan, **overrides: Any) -> dict[str, Any]:
    return quoted.execute_params(max_fee=plan.max_fee, expiry=quoted.expiry(plan.expires_in), **overrides)


# ---------------------------------------------------------------- methods and bodies


def _flip_case(name: str, mask: int) -> str:
    """``name`` with the letters ``mask`` picks (at least one) in the other case."""
    letters = [i for i, c in enumerate(name) if c.isalpha()]
    bits = 1 + mask % (2 ** len(letters) - 1)
    chars = list(name)
    for n, i in enumerate(letters):
        if bits >> n & 1:
            chars[i] = chars[i].swapcase()
    return "".join(chars)


def _unknown_method(draw: Draw, form: str) -> str:
    """A method no target serves, made from a real one: a suffix, the name's case
    changed, an unknown namespace segment, or an invented name."""
    namespace, name = draw(st.sampled_from(METHODS), f"{form}: from").split("/", 1)
    if form == "suffix":
        return f"{namespace}/{name}{draw(st.sampled_from(SEPARATORS), 'suffix: separator')}{draw(TOKENS, 'suffix: token')}"
    if form == "case":
        return f"{namespace}/{_flip_case(name, draw(st.integers(0, 2**32), 'case: mask'))}"
    if form == "segment":
        return f"{namespace}/{draw(TOKENS, 'segment: token')}/{name}"
    return f"{namespace}/{draw(TOKENS, 'invented: token')}"


def unknown_methods(draw: Draw, world: World) -> None:
    """A valid execute body sent to unknown methods, each form in a drawn order: a
    target routing by prefix runs ``private/execute_quote_x``; one answering -32600
    gets every form wrong."""
    rule = "DRV-UNKNOWN-METHOD"
    plan = world.package(draw)
    methods = [(form, _unknown_method(draw, form)) for form in draw(st.permutations(METHOD_FORMS), "forms")]
    quoted = world.quote(plan)
    params = _params(quoted, plan)
    for form, method in methods:
        refused_and_unchanged(rule, quoted, lambda m=method: world.derive.call(m, params, party=quoted.taker),
                              detail=f"{form}: POST /{method}")


def unparseable(draw: Draw, world: World) -> None:
    """An execute body broken one drawn way so that it is not JSON."""
    rule = "DRV-PARSE-ERROR"
    form = draw(st.sampled_from(UNPARSEABLE_FORMS), "form")
    plan = world.package(draw)
    quoted = world.quote(plan)
    params = _params(quoted, plan)
    knobs: dict[str, Any] = {}
    if form in ("truncated", "invalid-utf8"):
        knobs["at"] = draw(st.integers(0, 10**6), "at")
    elif form == "trailing-garbage":
        knobs["garbage"] = draw(st.sampled_from(GARBAGE), "garbage")
    elif form in ("unquoted-keys", "nan-literal"):
        knobs["key"] = draw(st.sampled_from(sorted(params)), "key")
        if form == "nan-literal":
            knobs["literal"] = draw(st.sampled_from(LITERALS), "literal")
    elif form == "bare-word":
        knobs["word"] = draw(WORDS, "word")
    raw = unparseable_body(params, form, **knobs)
    refused_and_unchanged(rule, quoted, lambda: world.derive.call(EXECUTE, None, party=quoted.taker, content=raw),
                          detail=f"{form} {knobs}: {raw[:60]!r}")


def _auth_knobs(draw: Draw, world: World, case: str) -> dict[str, Any]:
    """The drawn parameters of one way of breaking the headers."""
    if case.startswith("no-"):
        return {"blank": draw(st.booleans(), f"{case}: blank")}
    if case == "stranger-signature":
        whose = draw(st.sampled_from(("stranger", "maker")), f"{case}: signed by")
        seed = draw(st.integers(0, 2**32), f"{case}: stranger") if whose == "stranger" else None
        return {"stranger": world.maker.key if seed is None else Key.derive("tradeproof-fault-auth", seed)}
    if case == "garbage-signature":
        return {"garbage": draw(st.text("0123456789abcdef", max_size=160), f"{case}: garbage")}
    if case == "timestamp-not-signed":
        return {"skew_ms": draw(st.integers(-(10**9), 10**9).filter(bool), f"{case}: skew ms")}
    return {}


def bad_auth_headers(draw: Draw, world: World) -> None:
    """A valid execution whose X-Lyra headers are broken in every way (left out or
    empty, signed by another key, over other bytes, garbage, another wallet's), in a
    drawn order, each with drawn parameters: a target that only checks the signature is
    well formed logs in a stranger, one that skips a missing header gets other cases
    wrong."""
    rule = "DRV-AUTH-HEADERS"
    cases = draw(st.permutations(AUTH_FAULTS), "cases")
    plan = world.package(draw)
    broken = [(case, _auth_knobs(draw, world, case)) for case in cases]
    quoted = world.quote(plan)
    params = _params(quoted, plan)
    for case, knobs in broken:
        headers = faulty_auth_headers(case, quoted.taker, quoted.maker, **knobs)
        refused_and_unchanged(rule, quoted, lambda h=headers: world.derive.call(EXECUTE, params, headers=h),
                              detail=f"{case} {sorted(knobs)}")


# ---------------------------------------------------------------- who signs


def _foreign_signer(draw: Draw, kind: str) -> int | str | None:
    """What makes the signer of ``kind``: a stranger's seed, or the scope of the other
    wallet's session key."""
    if kind == "stranger":
        return draw(st.integers(0, 2**32), "stranger")
    if kind == "other-wallets-session-key":
        return draw(st.sampled_from(("admin", *WEAK_SCOPES)), "other wallet's key scope")
    return None


def _foreign_key(world: World, kind: str, made_of: int | str | None) -> Key:
    """A key that is not the taker's nor one of its session keys."""
    if kind == "stranger":
        return Key.derive("tradeproof-fault-signer", str(made_of))
    if kind == "other-wallet":
        return world.maker.key
    return world.session_key(world.maker, str(made_of))


def unregistered_signer(draw: Draw, world: World) -> None:
    """Executions signed by, and naming as signer, a stranger, another wallet, and
    another wallet's session key (of a drawn scope), in a drawn order; logged in as the
    owner or its admin session key (the session-key cases where the target has them)."""
    rule = "DRV-SIGNER-UNREGISTERED"
    admin = world.admin
    login = draw(st.sampled_from(("owner", "admin-session-key") if admin else ("owner",)), "login")
    plan = world.package(draw)
    kinds = FOREIGN_SIGNERS if admin else tuple(k for k in FOREIGN_SIGNERS if k != "other-wallets-session-key")
    signers = [(kind, _foreign_signer(draw, kind)) for kind in draw(st.permutations(kinds), "signers")]
    party = as_session(world.taker, admin) if admin and login != "owner" else world.taker
    for kind, made_of in signers:
        key = _foreign_key(world, kind, made_of)
        quoted = world.quote(plan)
        refuse_execute(rule, quoted, _params(quoted, plan, key=key), party=party,
                       detail=f"signer: {kind} {key.evm_address}, login: {login}")


def weak_session_key(draw: Draw, world: World) -> None:
    """A session key of the taker with a drawn scope below admin, in every role (the
    action's signer, the caller, both), in a drawn order."""
    rule = "DRV-SESSION-KEY-SCOPE"
    scope = draw(st.sampled_from(WEAK_SCOPES), "scope")
    plan = world.package(draw)
    roles = draw(st.permutations(tuple(KEY_ROLES)), "roles")
    key = world.session_key(world.taker, scope)
    for role in roles:
        quoted = world.quote(plan)
        params, party = key_in_role(quoted, key, role, max_fee=plan.max_fee, expiry=quoted.expiry(plan.expires_in))
        refuse_execute(rule, quoted, params, party=party, detail=f"{scope} key, {role}")


def expired_session_key(draw: Draw, world: World) -> None:
    """An admin key that worked before its expiry, in every role after it, in a drawn
    order (a target may check the caller's expiry and not the signer's)."""
    rule = "DRV-SESSION-KEY-EXPIRED"
    plan = world.package(draw)
    roles = draw(st.permutations(tuple(KEY_ROLES)), "roles")
    expired = world.expired_key()
    for role in roles:
        quoted = world.quote(plan, taker=expired.owner)
        params, party = key_in_role(quoted, expired.key, role, max_fee=plan.max_fee,
                                    expiry=quoted.expiry(plan.expires_in))
        refuse_execute(rule, quoted, params, party=party, detail=f"key expired at {expired.expiry}, {role}")


# ---------------------------------------------------------------- nonces and quote expiry

NONCE_USES = ("execute", "quote")  # the accepted request that used the nonce
NONCE_PLACES = ("same-subaccount", "sibling-subaccount")  # nonces are per wallet, not per subaccount


def used_nonce(draw: Draw, world: World) -> None:
    """An execution signed with a nonce its wallet used before: in an accepted execution
    or quote (a drawn package), on the executing subaccount or on another subaccount of
    the same wallet."""
    rule = "DRV-NONCE-UNIQUE"
    used_in, place = draw(st.sampled_from(NONCE_USES), "used in"), draw(st.sampled_from(NONCE_PLACES), "used on")
    plan = world.package(draw)
    user = world.sibling() if place == "sibling-subaccount" else world.taker
    if used_in == "execute":
        first = world.quote(plan, taker=user)
        params = _params(first, plan)
        expect_accepted(rule, first.execute(params), detail="the execution whose nonce is reused")
        nonce = int(params["nonce"])
    else:  # the wallet, as a maker, quotes another party's RFQ
        legs = [LegPlan(leg.instrument, leg.direction, leg.steps, leg.price_ticks) for leg in plan.legs]
        nonce = int(open_quote(world.derive, world.domain, world.maker, user, rule, plan=legs,
                               quote_direction=plan.direction).quote["nonce"])
    quoted = world.quote(plan)
    refuse_execute(rule, quoted, _params(quoted, plan, nonce=nonce), others=[user] if user is not world.taker else [],
                   detail=f"nonce {nonce} of an accepted {used_in} on the {place}")


def expired_quote(draw: Draw, world: World) -> None:
    """Executions of a quote with less than 300 s left to its signature expiry, each
    otherwise valid: signed and sent by the owner or with its admin session key in a
    drawn role, with a drawn max_fee and expiry."""
    rule = "DRV-QUOTE-EXPIRY-300"
    roles = ("owner", *KEY_ROLES) if world.admin else ("owner",)
    role = draw(st.sampled_from(roles), "signed")
    max_fee = draw(st.sampled_from(("1000", "100", "10")), "max_fee")
    ahead = draw(st.integers(MIN_EXECUTION_AHEAD, 3600), "expiry: seconds ahead")
    quoted, quote_expiry = world.expired_quote()
    overrides = {"max_fee": max_fee, "expiry": quoted.expiry(ahead)}
    if role == "owner" or world.admin is None:
        params, party = quoted.execute_params(**overrides), quoted.taker
    else:
        params, party = key_in_role(quoted, world.admin, role, **overrides)
    refuse_execute(rule, quoted, params, party=party,
                   detail=f"the quote expires at {quote_expiry}: < 300 s left; execution {role}, max_fee {max_fee}")


# ---------------------------------------------------------------- margin


def _ladder(start: int, ratio: int) -> list[str]:
    """USDC amounts start, start·ratio, start·ratio², … up to the cap."""
    levels = [start]
    while levels[-1] * ratio <= FUNDING_CAP:
        levels.append(levels[-1] * ratio)
    return [str(level) for level in levels]


def maker_short_of_margin(draw: Draw, world: World) -> None:
    """A maker sells options short (they need margin) for a few ticks each. It is
    funded with the first rung of a drawn ladder (start·ratio^k USDC) at which its
    quote is accepted — so one quote needs more than a ratio-th of its cash if a lower
    rung was refused for margin, and far more than all of it on the first rung — and
    sends ratio+2 such quotes, each affordable alone
    when sent. Executing them in turn must be refused once earlier fills have used the
    margin; the same package from a funded maker is then accepted."""
    rule = "DRV-MARGIN-MAKER"
    chosen = sorted(draw(st.lists(st.sampled_from(options(world.derive)), min_size=1, max_size=2, unique=True), "options"))
    units, ticks = draw(st.integers(1, 3), "option units"), draw(st.integers(1, 10), "price ticks")
    quote_direction = draw(st.sampled_from(("sell", "buy")), "quote direction")
    start, ratio = draw(st.sampled_from(FUNDING_STARTS), "first funding"), draw(st.sampled_from((10, 4, 2)), "ratio")
    # the maker's legs: a sell quote of buy legs, or a buy quote of sell legs — short either way
    plan = [LegPlan(n, sig.opposite(quote_direction), steps_for(world.derive, n, units), ticks) for n in chosen]
    legs = [leg_of(world.derive, p) for p in plan]
    found = poorest_quoting_maker(world.derive, world.domain, world.new_party, world.taker, legs, rule,
                                  _ladder(start, ratio), direction=quote_direction)
    assume(found is not None)
    assert found is not None
    first, usdc = found
    quotes = [first, *more_quotes(first, rule, ratio + 1)]
    execute_until_refused(rule, quotes, detail=f"{quote_direction} quotes of {legs} by a maker funded with {usdc} USDC")
    rich = open_quote(world.derive, world.domain, world.taker, world.new_party("fault-rich-maker"), rule, plan=plan,
                      quote_direction=quote_direction)
    expect_accepted(rule, rich.execute(rich.execute_params()), detail="the same package, funded maker")


FAULTS: dict[str, Callable[[Draw, World], None]] = {
    "DRV-UNKNOWN-METHOD": unknown_methods,
    "DRV-PARSE-ERROR": unparseable,
    "DRV-AUTH-HEADERS": bad_auth_headers,
    "DRV-SIGNER-UNREGISTERED": unregistered_signer,
    "DRV-SESSION-KEY-SCOPE": weak_session_key,
    "DRV-SESSION-KEY-EXPIRED": expired_session_key,
    "DRV-NONCE-UNIQUE": used_nonce,
    "DRV-MARGIN-MAKER": maker_short_of_margin,
    "DRV-QUOTE-EXPIRY-300": expired_quote,  # last: its quote ages while the others run
}
FAULT_RULES = tuple(FAULTS)


# One Hypothesis search per rule, not one drawing the rule: Hypothesis breeds new examples
# from earlier ones, so a drawn rule leaves some rules without an example for dozens.
@pytest.mark.fuzz_weight(0.5)  # per rule: the module weighs 4.5 in a timed campaign
@pytest.mark.parametrize("rule_id", [pytest.param(r, marks=pytest.mark.rule(r), id=r) for r in FAULT_RULES])
def test_derive_request_faults_get_their_rule(
    rule_id, derive, new_party, derive_domain, tradeproof_context, examples, campaign, expiring_quote
):
    made = expiring_quote if rule_id == "DRV-QUOTE-EXPIRY-300" else None
    if isinstance(made, RuleViolation):
        raise made
    world = World(derive, derive_domain, new_party, tradeproof_context.harness("derive") is not None, rule_id, made)
    if (reason := world.unsupported()) is not None:
        pytest.skip(reason)

    def check(draw: Draw) -> None:
        FAULTS[rule_id](draw, world)
        # last: a campaign's end stopping an example between draws would make Hypothesis
        # see a known prefix draw less than before (FlakyStrategyDefinition)
        campaign.tick(rules=(rule_id,))

    with campaign.running():
        examples(check)
