"""The schema-driven invalid cases (``fuzz/test_schema_fuzz.py``) find signature bugs
that need a particular wrong signer or module: a target that accepts any wallet it
knows (a stranger's key would be refused anyway), and one that accepts the Matching
contract named as the Action's module (an arbitrary address would be refused too) —
and schema breaks that are one kind among many of their rule: a param the method does
not take, silently dropped (two additionalProperties sites among two dozen of
DRV-PARAMS-SCHEMA), and an integer sent as a digit string, coerced (the "retyped" kind
of type break). Each run is limited to the rule (``--rule``), as a developer chasing it
would run it: the strategies then draw only that rule's cases."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/
from broken_targets import catalogue, unpaced
from fuzz_runs import FUZZ, found_and_replayed, fuzz, passes_on

from tradeproof.reference import BackgroundServer

SUITE = FUZZ / "test_schema_fuzz.py"
FOUND = [
    "DRV-SIG-OTHER-KEY:any-known-wallet", "DRV-SIG-MODULE:matching-as-module",
    "DRV-PARAMS-SCHEMA:drops-unknown-params", "DRV-PARAMS-SCHEMA:coerces-numeric-strings",
]


@pytest.mark.slow
@pytest.mark.parametrize("broken", [b for b in catalogue() if b.id in FOUND], ids=lambda b: b.id)
def test_the_schema_fuzzer_finds_the_rarer_breaks(broken, tmp_path):
    with BackgroundServer(unpaced(broken)) as server:
        proc = fuzz(SUITE, tmp_path, "--target", server.url, "--rule", broken.rule_id, "--max-examples", "150",
                    "--seed", "1", "--hypothesis-seed=1")
        replay = found_and_replayed(proc, tmp_path, broken.rule_id, server.url)
    passes_on(replay)
