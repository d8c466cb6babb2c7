"""tradeproof's pytest plugin: options, fixtures, the ``rule`` marker, result records.

Loaded in every pytest run of an environment where tradeproof is installed (entry
point ``pytest11``), so it stays import-light: everything heavy is imported inside
hooks and fixtures. ``pytest conformance --target URL`` and ``tradeproof run --target
URL`` are the same run.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from .runner import keys

if TYPE_CHECKING:
    from .runner.context import RunContext

# (flag, settings key, help)
OPTIONS: tuple[tuple[str, str, str], ...] = (
    ("--target", "target", "base URL of a target serving both protocols"),
    ("--o2-target", "o2_target", "base URL of the O2 target"),
    ("--derive-target", "derive_target", "base URL of the Derive target"),
    ("--protocol", "protocol", "o2, derive or all (default all)"),
    ("--profile", "profile", "ci (default) or full"),
    ("--tradeproof-config", "config", "config file (default: tradeproof.toml or pyproject.toml [tool.tradeproof])"),
    ("--report-dir", "report_dir", "write JUnit and JSON reports here"),
    ("--seed", "seed", "seed for keys and examples (default: random, printed in the report)"),
    ("--request-timeout", "request_timeout", "seconds to wait for each response (default 10)"),
    ("--rule", "rule", "only these rule ids (comma-separated)"),
    ("--deadline", "deadline", "seconds for the whole run; past it nothing is sent and every check is a target fault"),
    ("--tradeproof-replay", "replay", "run the test of this replay file with its stored values"),
    ("--baseline", "baseline", "known failures (a file from `tradeproof baseline write`): reported, not failing"),
    ("--shard", "shard", "run only shard i of n (e.g. 2/4): rules split deterministically between CI jobs"),
    ("--database", "database", "Hypothesis example database: a directory, or redis://host:port/db to share one"),
    ("--database-readonly", "database_readonly", "use --database without writing to it (e.g. CI reading a campaign's finds)"),
    ("--duration", "duration", "fuzz campaigns: total time, e.g. 90s, 10m, 1h (shared by the fuzz tests)"),
    ("--max-examples", "max_examples", "fuzz campaigns: examples per fuzz test instead of a duration"),
)

SWITCHES = {"database_readonly"}  # options that take no value
_MIDS_KEY = pytest.StashKey[Any]()
_FIRST_PASS_KEY = pytest.StashKey[float]()
_RECORDER = "tradeproof-recorder"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("tradeproof", "tradeproof conformance")
    for flag, dest, help_text in OPTIONS:
        if dest in SWITCHES:
            group.addoption(flag, dest=f"tradeproof_{dest}", action="store_true", default=None, help=help_text)
        else:
            group.addoption(flag, dest=f"tradeproof_{dest}", default=None, help=help_text)
    group.addoption("--first-pass", dest="tradeproof_first_pass", default=None,
                    help="timed fuzz campaigns: length of the first pass over the fuzz tests (default 60s; "
                         "each later pass is twice as long)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "rule(*ids): the tradeproof rule ids this test checks")
    config.addinivalue_line("markers", "fuzz_weight(n): this fuzz test's share of a campaign's time (default 1)")
    config.addinivalue_line("markers", "protocol(name): a test of one protocol's endpoints with no rule of its own "
                            "(left out, not skipped, when --protocol leaves that protocol out)")
    first_pass = config.getoption("tradeproof_first_pass", None)
    if first_pass:  # parsed here: a bad value stops the run before it starts
        config.stash[_FIRST_PASS_KEY] = _first_pass(first_pass)
    if not config.pluginmanager.has_plugin(_RECORDER):
        from .runner.recorder import Recorder

        config.pluginmanager.register(Recorder(config, run_context), _RECORDER)


def _first_pass(text: str) -> float:
    from .runner.campaign import parse_duration

    try:
        return parse_duration(text)
    except ValueError as exc:
        raise pytest.UsageError(f"--first-pass: {exc}") from None


def flags_from(config: pytest.Config) -> dict[str, Any]:
    """The tradeproof options given on the command line (None where absent)."""
    flags = {dest: config.getoption(f"tradeproof_{dest}") for _, dest, _ in OPTIONS}
    for number in ("seed",):
        if flags[number] is not None:
            flags[number] = int(flags[number])
    if flags["request_timeout"] is not None:
        flags["request_timeout"] = float(flags["request_timeout"])
    flags["database_readonly"] = bool(flags["database_readonly"]) or None
    if flags["deadline"] is not None:
        flags["deadline"] = float(flags["deadline"])
    if flags["max_examples"] is not None:
        flags["max_examples"] = int(flags["max_examples"])
    return flags


def _resolve_context(config: pytest.Config) -> RunContext:
    from .errors import ConfigError
    from .runner.config import find_config, resolve
    from .runner.context import RunContext
    from .runner.profiles import load

    flags = flags_from(config)
    flags.pop("replay")
    worker = getattr(config, "workerinput", None)
    if worker is not None:
        flags["seed"] = worker.get("tradeproof_seed", flags.get("seed"))
    try:
        table, origin = find_config(flags.pop("config"), config.invocation_params.dir)
        if flags.get("seed") is None and "seed" not in table:
            flags["seed"] = secrets.randbelow(2**31)
        settings = resolve(flags, table, origin)
        load(settings.profile, database=settings.database, readonly=settings.database_readonly)
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    return RunContext(
        settings,
        worker_id=str(worker.get("workerid", "")) if worker is not None else "",
        worker_count=int(worker.get("workercount", 1)) if worker is not None else 1,
        shared_reference=worker.get("tradeproof_reference_url") if worker is not None else None,
    )


def run_context(config: pytest.Config) -> RunContext:
    """The run's context, created on first use (so plain test runs never touch a target)."""
    context = config.stash.get(keys.CONTEXT, None)
    if context is None:
        context = _resolve_context(config)
        config.stash[keys.CONTEXT] = context
    return context


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist controller: every worker tests the same target with the same seed —
    the embedded reference is started here, once, not once per worker."""
    context = run_context(node.config)
    node.workerinput["tradeproof_seed"] = context.settings.seed
    if context.settings.embedded:
        node.workerinput["tradeproof_reference_url"] = context.url(context.settings.protocols[0])
    node.workerinput["tradeproof_o2_mids"] = _shared_mids(node.config)


def _shared_mids(config: pytest.Config) -> dict[str, int] | None:
    """The O2 scenario zones, measured once by the controller: workers measuring the book
    themselves would each see the others' orders and pick overlapping zones."""
    cached = config.stash.get(_MIDS_KEY, None)
    if cached is None:
        context = run_context(config)
        if "o2" not in context.settings.protocols:
            return None
        from .runner.context import ProtocolUnavailable
        from .scenarios.o2 import zones_for
        from .target.market import markets_of

        try:
            cached = dict(zones_for(context.o2, markets_of(context.o2.markets_json)).mids)
        except (ProtocolUnavailable, Exception):  # the workers will meet and report the problem
            return None
        config.stash[_MIDS_KEY] = cached
    return cached


def pytest_unconfigure(config: pytest.Config) -> None:
    context = config.stash.get(keys.CONTEXT, None)
    if context is not None:
        context.close()


# --------------------------------------------------------------------------- collection


from .runner.recorder import rule_ids_of  # noqa: E402  (re-exported: the public name)


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse unknown rule ids; keep only the selected protocols' rules."""
    tagged = [(item, rule_ids_of(item)) for item in items]
    if not any(ids for _, ids in tagged):
        return
    from . import rules

    unknown = sorted({i for _, ids in tagged for i in ids} - rules.ids())
    if unknown:
        raise pytest.UsageError(f"unknown rule id(s) in tests: {', '.join(unknown)}")
    settings = run_context(config).settings
    unknown = sorted(set(settings.rules) - rules.ids())
    if unknown:
        raise pytest.UsageError(f"unknown rule id(s) in --rule: {', '.join(unknown)}")
    # a replay runs the one test its file names, even when the failure it recorded is
    # another rule's (a request-fault test whose valid setup batch was refused)
    replaying = bool(config.getoption("tradeproof_replay", None))
    keep, drop = [], []
    for item, ids in tagged:
        selected = not ids or any(rules.get(i).protocol.value in settings.protocols for i in ids)
        marker = item.get_closest_marker("protocol")
        if marker is not None:  # left out, not skipped: a skipped fuzz test would still take a share of the time
            selected = selected and marker.args[0] in settings.protocols
        if settings.rules and not replaying:
            selected = selected and bool(set(ids) & set(settings.rules))
        if settings.shard is not None and ids:
            from .runner.results import shard_of

            selected = selected and shard_of(min(ids), settings.shard[1]) == settings.shard[0]
        (keep if selected else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
    suites: dict[object, int] = {}
    for item in items:
        suites.setdefault(_suite(item), len(suites))  # suites in collection order
    items.sort(key=lambda item: (suites[_suite(item)], _stage(item)))  # stable: modules stay whole


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> bool | None:
    """A long timed campaign runs its fuzz tests in passes (``tradeproof.runner.passes``);
    anything else runs as pytest runs it."""
    if not session.config.getoption("tradeproof_duration"):
        return None  # not a timed campaign (and no run context needed to know it)
    from .runner.passes import run_in_passes, uses_passes

    campaign = run_campaign(session.config)
    if session.testsfailed or not uses_passes(session, campaign):
        return None
    run_in_passes(session, campaign)
    return True


def _suite(item: pytest.Item) -> object:
    """The suite a test belongs to: the top folder under the root (``conformance``,
    ``fuzz``), so ``fuzz/o2/…`` and ``fuzz/test_schema_fuzz.py`` are ordered together."""
    try:
        return item.path.relative_to(item.config.rootpath).parts[0]
    except (ValueError, IndexError):
        return item.path.parent


def _stage(item: pytest.Item) -> int:
    """When a test module runs within its suite: its ``STAGE`` (default 1), lowest first.
    The suites put one-request refusals at 0, so a broken target fails fast
    (``--exit-first``, CI gates), and the rate limit, which waits out whole seconds, at 2.
    Suites and modules stay whole, so module-scoped fixtures (quotes and keys set to
    expire while their module runs) are made once."""
    module = getattr(item, "module", None)
    stage = getattr(module, "STAGE", 1)
    return stage if isinstance(stage, int) else 1


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Once the run's deadline has passed, every rule test still to run is a target fault
    at once (it could not be checked in time), instead of each timing out in turn."""
    context = item.config.stash.get(keys.CONTEXT, None)
    if context is not None and rule_ids_of(item) and context.past_deadline():
        from .errors import TargetFault

        raise TargetFault("the run's time budget (--deadline) was spent before this check could run")


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def tradeproof_context(request: pytest.FixtureRequest) -> RunContext:
    """The run's settings, target clients and account pools."""
    return run_context(request.config)


def _or_skip(get: Callable[[], Any]) -> Any:
    from .runner.context import ProtocolUnavailable
    from .target import NotProvisioned

    try:
        return get()
    except (ProtocolUnavailable, NotProvisioned) as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def o2(tradeproof_context: RunContext) -> Any:
    """The O2 target (``tradeproof.target.O2Target``)."""
    return _or_skip(lambda: tradeproof_context.o2)


@pytest.fixture(scope="session")
def derive(tradeproof_context: RunContext) -> Any:
    """The Derive target (``tradeproof.target.DeriveTarget``)."""
    return _or_skip(lambda: tradeproof_context.derive)


@pytest.fixture(scope="session")
def derive_domain(tradeproof_context: RunContext) -> Any:
    """The EIP-712 domain and RFQ module the Derive target verifies against."""
    return tradeproof_context.settings.derive_domain


@pytest.fixture
def new_trader(tradeproof_context: RunContext) -> Callable[..., Any]:
    """``new_trader(label, evm_owner=False, session=True)``: a fresh funded O2 trader."""

    def make(label: str = "trader", **kwargs: Any) -> Any:
        return _or_skip(lambda: tradeproof_context.o2_accounts.new(label, **kwargs))

    return make


@pytest.fixture
def new_party(tradeproof_context: RunContext) -> Callable[..., Any]:
    """``new_party(label, usdc="1000000")``: a funded Derive wallet and subaccount."""

    def make(label: str = "party", **kwargs: Any) -> Any:
        return _or_skip(lambda: tradeproof_context.derive_accounts.new(label, **kwargs))

    return make


@pytest.fixture(scope="session")
def o2_markets(o2: Any) -> list[Any]:
    """The target's markets as ``tradeproof.target.market.MarketSpec`` values."""
    from .target.market import markets_of

    return markets_of(o2.markets_json)


@pytest.fixture(scope="session")
def o2_zones(request: pytest.FixtureRequest, o2: Any, o2_markets: list[Any]) -> Any:
    """Where scenarios trade (around each market's mid) and where generated orders rest."""
    from .scenarios.o2 import zones_for
    from .strategies.o2 import Zones

    shared = getattr(request.config, "workerinput", {}).get("tradeproof_o2_mids")
    return Zones(shared) if shared else zones_for(o2, o2_markets)


@pytest.fixture(scope="session")
def o2_pool(tradeproof_context: RunContext) -> Any:
    """Round-robin traders for many-example tests (``pool.next()``)."""
    from .target.accounts import TraderPool

    return _or_skip(lambda: TraderPool(tradeproof_context.o2_accounts))


@pytest.fixture
def examples(request: pytest.FixtureRequest) -> Any:
    """``examples(check)``: run ``check(draw)`` over Hypothesis-generated values (or, when
    replaying a file, over its stored values); ``draw(strategy, label)`` gives one value."""
    from .runner.examples import Examples

    replay_path = request.config.getoption("tradeproof_replay")
    draws = None
    if replay_path:
        from .replay import read_replay

        draws = read_replay(replay_path).draws or {}
    settings, campaign = None, None
    if "campaign" in request.fixturenames:  # a fuzz test: the campaign's budget, not the profile's
        campaign = request.getfixturevalue("campaign")
        settings = campaign.hypothesis_settings()
    runner = Examples(draws, key=request.node.nodeid, settings=settings, campaign=campaign,
                      shrink_seconds=campaign.shrink_seconds if campaign is not None else math.inf,
                      rounds=campaign is not None and campaign.timed, seed=request.config.getoption("hypothesis_seed", None))
    request.node.stash[keys.EXAMPLES] = runner
    return runner


def run_campaign(config: pytest.Config) -> Any:
    """The run's fuzz campaign (budget and counters), created on first use."""
    campaign = config.stash.get(keys.CAMPAIGN, None)
    if campaign is None:
        from .runner.campaign import Campaign

        settings = run_context(config).settings
        campaign = Campaign(settings.duration, settings.max_examples, settings.profile)
        campaign.first_pass = config.stash.get(_FIRST_PASS_KEY, campaign.first_pass)
        config.stash[keys.CAMPAIGN] = campaign
    return campaign


@pytest.fixture
def campaign(request: pytest.FixtureRequest) -> Any:
    """This fuzz test's share of the campaign: ``campaign.hypothesis_settings()``,
    ``campaign.tick()`` per example, ``with campaign.running(): ...``."""
    shared = run_campaign(request.config)
    items = request.session.items
    position = items.index(request.node) if request.node in items else 0
    later = [
        item for item in items[position:]
        if "campaign" in getattr(item, "fixturenames", ()) and item.nodeid not in shared.reported
    ]
    shared.begin_test(fuzz_weight(request.node), sum(fuzz_weight(item) for item in later) or 1.0)
    return shared


def fuzz_weight(item: pytest.Item) -> float:
    """A fuzz test's share of a campaign's time (``@pytest.mark.fuzz_weight(n)``, default 1)."""
    mark = item.get_closest_marker("fuzz_weight")
    return float(mark.args[0]) if mark and mark.args else 1.0


@pytest.fixture(scope="session")
def selected_rules(tradeproof_context: RunContext) -> tuple[str, ...] | None:
    """The rule ids the run is limited to (``--rule``), or None for all: a fuzz test
    passes them to its strategies (``rules=``) so that every example tries one of them."""
    return tradeproof_context.settings.rules or None


@pytest.fixture(scope="session")
def tradeproof_profile(tradeproof_context: RunContext) -> str:
    """``ci`` or ``full``: tests scale their scenario counts by it."""
    return tradeproof_context.settings.profile


# --------------------------------------------------------------------------- results


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """Write the reports (in the process that saw every result)."""
    config = session.config
    plugin = recorder(config)
    summary = plugin.summary()
    context = config.stash.get(keys.CONTEXT, None)
    if summary is None or context is None or context.settings.report_dir is None:
        return
    from .reporting import write_all

    plugin.report_paths = write_all(context.settings.report_dir, *summary)


def recorder(config: pytest.Config) -> Any:
    """The run's ``tradeproof.runner.recorder.Recorder`` (results, listeners, summary)."""
    from .runner.recorder import Recorder

    plugin = config.pluginmanager.get_plugin(_RECORDER)
    assert isinstance(plugin, Recorder)
    return plugin

