"""tradeproof's pytest plugin: options, fixtures, the ``rule`` marker, result records.

Loaded in every pytest run of an environment where tradeproof is installed (entry
point ``pytest11``), so it stays import-light: everything heavy is imported inside
hooks and fixtures. ``pytest conformance --target URL`` and ``tradeproof run --target
URL`` are the same run.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .runner.context import RunContext
    from .runner.results import RuleResult, RunInfo, TestResult

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
    ("--duration", "duration", "fuzz campaigns: total time, e.g. 90s, 10m, 1h (shared by the fuzz tests)"),
    ("--max-examples", "max_examples", "fuzz campaigns: examples per fuzz test instead of a duration"),
)

_CONTEXT_KEY = pytest.StashKey["RunContext"]()
_EXAMPLES_KEY = pytest.StashKey[Any]()
_CAMPAIGN_KEY = pytest.StashKey[Any]()
_RECORDER = "tradeproof-recorder"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("tradeproof", "tradeproof conformance")
    for flag, dest, help_text in OPTIONS:
        group.addoption(flag, dest=f"tradeproof_{dest}", default=None, help=help_text)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "rule(*ids): the tradeproof rule ids this test checks")
    config.addinivalue_line("markers", "fuzz_weight(n): this fuzz test's share of a campaign's time (default 1)")
    if not config.pluginmanager.has_plugin(_RECORDER):
        config.pluginmanager.register(Recorder(config), _RECORDER)


def flags_from(config: pytest.Config) -> dict[str, Any]:
    """The tradeproof options given on the command line (None where absent)."""
    flags = {dest: config.getoption(f"tradeproof_{dest}") for _, dest, _ in OPTIONS}
    for number in ("seed",):
        if flags[number] is not None:
            flags[number] = int(flags[number])
    if flags["request_timeout"] is not None:
        flags["request_timeout"] = float(flags["request_timeout"])
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
    try:
        table, origin = find_config(flags.pop("config"), config.invocation_params.dir)
        if flags.get("seed") is None and "seed" not in table:
            flags["seed"] = secrets.randbelow(2**31)
        settings = resolve(flags, table, origin)
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    load(settings.profile)
    return RunContext(settings)


def run_context(config: pytest.Config) -> RunContext:
    """The run's context, created on first use (so plain test runs never touch a target)."""
    context = config.stash.get(_CONTEXT_KEY, None)
    if context is None:
        context = _resolve_context(config)
        config.stash[_CONTEXT_KEY] = context
    return context


def pytest_unconfigure(config: pytest.Config) -> None:
    context = config.stash.get(_CONTEXT_KEY, None)
    if context is not None:
        context.close()


# --------------------------------------------------------------------------- collection


def rule_ids_of(item: pytest.Item) -> tuple[str, ...]:
    ids: list[str] = []
    for mark in item.iter_markers("rule"):
        ids.extend(str(arg) for arg in mark.args)
    return tuple(dict.fromkeys(ids))


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
    keep, drop = [], []
    for item, ids in tagged:
        selected = not ids or any(rules.get(i).protocol.value in settings.protocols for i in ids)
        if settings.rules:
            selected = selected and bool(set(ids) & set(settings.rules))
        (keep if selected else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Once the run's deadline has passed, every rule test still to run is a target fault
    at once (it could not be checked in time), instead of each timing out in turn."""
    context = item.config.stash.get(_CONTEXT_KEY, None)
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
def o2_zones(o2: Any, o2_markets: list[Any]) -> Any:
    """Where scenarios trade (around each market's mid) and where generated orders rest."""
    from .scenarios.o2 import zones_for

    return zones_for(o2, o2_markets)


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
    runner = Examples(draws, key=request.node.nodeid, settings=settings, campaign=campaign)
    request.node.stash[_EXAMPLES_KEY] = runner
    return runner


def run_campaign(config: pytest.Config) -> Any:
    """The run's fuzz campaign (budget and counters), created on first use."""
    campaign = config.stash.get(_CAMPAIGN_KEY, None)
    if campaign is None:
        from .runner.campaign import Campaign

        settings = run_context(config).settings
        campaign = Campaign(settings.duration, settings.max_examples, settings.profile)
        config.stash[_CAMPAIGN_KEY] = campaign
    return campaign


@pytest.fixture
def campaign(request: pytest.FixtureRequest) -> Any:
    """This fuzz test's share of the campaign: ``campaign.hypothesis_settings()``,
    ``campaign.tick()`` per example, ``with campaign.running(): ...``."""
    shared = run_campaign(request.config)
    items = request.session.items
    position = items.index(request.node) if request.node in items else 0
    later = [item for item in items[position:] if "campaign" in getattr(item, "fixturenames", ())]
    shared.begin_test(fuzz_weight(request.node), sum(fuzz_weight(item) for item in later) or 1.0)
    return shared


def fuzz_weight(item: pytest.Item) -> float:
    """A fuzz test's share of a campaign's time (``@pytest.mark.fuzz_weight(n)``, default 1)."""
    mark = item.get_closest_marker("fuzz_weight")
    return float(mark.args[0]) if mark and mark.args else 1.0


@pytest.fixture(scope="session")
def tradeproof_profile(tradeproof_context: RunContext) -> str:
    """``ci`` or ``full``: tests scale their scenario counts by it."""
    return tradeproof_context.settings.profile


# --------------------------------------------------------------------------- results


class Recorder:
    """Turns pytest reports of rule-tagged tests into ``TestResult`` records."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.results: list[TestResult] = []
        self.listeners: list[Callable[[TestResult], None]] = []
        self.started = time.time()
        self._summary: tuple[RunInfo, list[RuleResult]] | None = None
        self.report_paths: list[Any] = []

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
        outcome = yield
        report = outcome.get_result()
        ids = rule_ids_of(item)
        if not ids:
            return
        final = report.when == "call" or (report.when == "setup" and not report.passed)
        if not final:
            return
        from .runner.classify import result_of

        result = result_of(item.nodeid, ids, report, call)
        if result is None:
            return
        if result.evidence:
            result = self._annotated(result)
        if result.violated:
            result = self._with_replay(item, result)
            campaign = self.config.stash.get(_CAMPAIGN_KEY, None)
            if campaign is not None:
                campaign.record_failure()
        self.results.append(result)
        for listener in self.listeners:
            listener(result)

    def _annotated(self, result: TestResult) -> TestResult:
        """Evidence with each signature's recovered signer and signed fields."""
        import dataclasses

        from .runner.evidence import annotate

        context = self.config.stash.get(_CONTEXT_KEY, None)
        if context is None:
            return result
        return dataclasses.replace(result, evidence=tuple(annotate(e, context) for e in result.evidence))

    def _with_replay(self, item: pytest.Item, result: TestResult) -> TestResult:
        """Write the failure's replay file (when reports are written) and name it."""
        import dataclasses

        context = self.config.stash.get(_CONTEXT_KEY, None)
        if context is None or context.settings.report_dir is None or self.config.getoption("tradeproof_replay"):
            return result
        from . import __version__, rules
        from .replay import ReplayFile, write_replay
        from .replay.files import found_now

        runner = item.stash.get(_EXAMPLES_KEY, None)
        rule = rules.get(result.violated)
        replay = ReplayFile(
            rule=rule.id,
            protocol=rule.protocol.value,
            test=item.nodeid,
            draws=runner.dumped() if runner is not None else None,
            expected=result.expected,
            observed=result.observed,
            seed=context.settings.seed,
            evidence=list(result.evidence),
            found=found_now(context.target_description().get(rule.protocol.value, ""), context.settings.profile, __version__),
        )
        path = write_replay(context.settings.report_dir / "replays", replay)
        return dataclasses.replace(result, replay=str(path))

    def summary(self) -> tuple[RunInfo, list[RuleResult]] | None:
        """The run's header and per-rule verdicts (None when no rule test ran)."""
        context = self.config.stash.get(_CONTEXT_KEY, None)
        if context is None:
            return None
        if self._summary is None:
            from . import __version__
            from .runner.results import RunInfo, aggregate, catalogue

            settings = context.settings
            run = RunInfo(
                targets=context.target_description(),
                protocols=settings.protocols,
                profile=settings.profile,
                seed=settings.seed,
                started=self.started,
                finished=time.time(),
                tool_version=__version__,
                schema_version=__version__,
                timeline=tuple(campaign.timeline) if (campaign := self.config.stash.get(_CAMPAIGN_KEY, None)) else (),
                baseline=settings.baseline,
            )
            results = aggregate(self.results, catalogue(settings.protocols, settings.rules))
            if settings.baseline:
                from .runner.baseline import apply, read_baseline

                results = apply(results, read_baseline(settings.baseline))
            self._summary = (run, results)
        return self._summary

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        summary = self.summary()
        context = self.config.stash.get(_CONTEXT_KEY, None)
        if summary is None or context is None or context.settings.report_dir is None:
            return
        from .reporting import write_all

        self.report_paths = write_all(context.settings.report_dir, *summary)

def recorder(config: pytest.Config) -> Recorder:
    plugin = config.pluginmanager.get_plugin(_RECORDER)
    assert isinstance(plugin, Recorder)
    return plugin

