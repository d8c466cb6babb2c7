"""Where the tradeproof plugin keeps its per-run objects on pytest's config and items."""

from __future__ import annotations

from typing import Any

import pytest

CONTEXT = pytest.StashKey[Any]()  # runner.context.RunContext
EXAMPLES = pytest.StashKey[Any]()  # runner.examples.Examples, per item
CAMPAIGN = pytest.StashKey[Any]()  # runner.campaign.Campaign
RESULT_PROPERTY = "tradeproof_result"  # a TestResult travelling on a report (xdist sends reports to the controller)


def is_worker(config: pytest.Config) -> bool:
    """Is this process a pytest-xdist worker (which runs tests but writes no reports)?"""
    return hasattr(config, "workerinput")
