"""tradeproof's Hypothesis profiles do not change in a CI job.

Hypothesis loads its own ``ci`` profile (``derandomize=True``, no database) when it sees
a CI environment variable. A tradeproof run in CI must still honour ``--seed`` and keep
its example database — the shared failure database is what a CI gate reads."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROBE = """
from tradeproof.runner import profiles
from tradeproof.runner.campaign import Campaign
from hypothesis import settings
profiles.load({profile!r})
fuzz = Campaign(profile={profile!r}).hypothesis_settings()
print(settings._current_profile, settings.default.derandomize, type(settings.default.database).__name__,
      fuzz.derandomize, type(fuzz.database).__name__)
"""


@pytest.mark.parametrize("profile", ["ci", "full"])
@pytest.mark.parametrize("ci_variable", [{"CI": "true"}, {"GITHUB_ACTIONS": "true"}])
def test_a_ci_environment_neither_derandomizes_nor_drops_the_database(profile, ci_variable, tmp_path):
    env = {**os.environ, **ci_variable}
    proc = subprocess.run([sys.executable, "-c", PROBE.format(profile=profile)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    loaded, derandomize, database, fuzz_derandomize, fuzz_database = proc.stdout.split()
    assert loaded == f"tradeproof-{profile}"
    assert (derandomize, fuzz_derandomize) == ("False", "False")
    assert database == fuzz_database == "DirectoryBasedExampleDatabase"
