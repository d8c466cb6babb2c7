"""The ``ci`` and ``full`` profiles as Hypothesis settings profiles, registered once.

``ci`` checks every rule at least once with few examples (about a minute against the
reference on two cores); ``full`` runs more examples and adds the fuzz suites.

Both derive from Hypothesis' built-in ``default`` profile, never from whatever profile
is loaded: Hypothesis loads its own ``ci`` profile when it sees a CI environment
variable, and that profile's ``derandomize=True`` would silently ignore ``--seed`` and
turn off the example database (the shared failure database a CI gate reads). A run
must behave the same on a laptop and in a CI job.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, Phase, settings

not_set: Any = object()

_QUIET_CHECKS = [
    HealthCheck.too_slow,
    HealthCheck.filter_too_much,
    HealthCheck.data_too_large,
    HealthCheck.function_scoped_fixture,
]

EXAMPLES = {"ci": 6, "full": 60}
SUITES = {"ci": ("conformance",), "full": ("conformance", "fuzz")}


def profile_name(profile: str) -> str:
    return f"tradeproof-{profile}"


def register(database: Any = not_set) -> None:
    """Register both profiles with Hypothesis (idempotent)."""
    extra = {} if database is not_set else {"database": database}
    for name, examples in EXAMPLES.items():
        settings.register_profile(
            profile_name(name),
            settings.get_profile("default"),
            max_examples=examples,
            derandomize=False,
            **extra,
            deadline=None,  # network round trips vary; time limits belong to the HTTP client
            suppress_health_check=_QUIET_CHECKS,
            phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink),
            print_blob=False,
        )


def load(profile: str, database: str | None = None, readonly: bool = False) -> None:
    """Make ``profile`` Hypothesis' default, with the run's example database."""
    from .databases import example_database

    register(example_database(database, readonly))
    settings.load_profile(profile_name(profile))
