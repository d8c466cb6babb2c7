"""The request-fault fuzz modules end to end (``fuzz/o2/test_request_faults.py``,
``fuzz/derive/test_request_faults.py``): they report nothing against the reference,
and against broken targets of their rules they find the bug within a small, fixed
number of examples, write a replay file, and ``tradeproof replay`` reproduces the
failure on the broken target (exit 1) but not on the reference (exit 0).

Every broken target of these rules is attacked by ``benchmarks/mutants.py fuzz``
(results in benchmarks/README.md); here a sample of eight keeps the test suite short.
(Not the quote-expiry fault: its search waits ~10 s for a quote to age, then the two
replays wait as long again; the Derive module's reference run covers that search.)
DRV-RESULT-SCHEMA is checked by the Derive state machine on every accepted execution,
so its bug is looked for there.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/
from broken_targets import Broken, catalogue, unpaced
from fuzz_runs import FUZZ, found_and_replayed, fuzz, passes_on, verdicts

from tradeproof.reference import BackgroundServer

MODULES = {"o2": FUZZ / "o2" / "test_request_faults.py", "derive": FUZZ / "derive" / "test_request_faults.py"}
STATEFUL = FUZZ / "derive" / "test_stateful.py"
SEED = "1"  # fixed, so the search is the same on every machine with the same Hypothesis
SAMPLE = (  # nonces, sessions, the rate limit, order bounds; methods, signers, nonces per wallet, the result check
    "O2-NONCE-FUTURE:accepts-greater", "O2-SESSION-CONTRACTS:first-call-only", "O2-RATE-LIMIT:off-by-one",
    "O2-BOUNDED-INVERTED:swaps-bounds",
    "DRV-UNKNOWN-METHOD:prefix-routing", "DRV-SESSION-KEY-SCOPE:account-key-signs", "DRV-RESULT-SCHEMA:nonce-as-string",
    "DRV-NONCE-UNIQUE:per-subaccount",
)
BROKEN = [b for b in catalogue() if b.id in SAMPLE]


def run(module: Path, report_dir: Path, examples: str, *flags: str):
    return fuzz(module, report_dir, "--max-examples", examples, "--seed", SEED, f"--hypothesis-seed={SEED}", *flags)


def test_the_sample_is_in_the_catalogue():
    assert sorted(b.id for b in BROKEN) == sorted(SAMPLE)


@pytest.mark.slow
@pytest.mark.parametrize("protocol", sorted(MODULES))
def test_the_reference_passes_the_request_faults(protocol, tmp_path):
    proc = run(MODULES[protocol], tmp_path, "3")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert set(verdicts(tmp_path).values()) == {"passed"}
    assert not (tmp_path / "replays").exists()


@pytest.mark.slow
@pytest.mark.parametrize("broken", BROKEN, ids=[b.id for b in BROKEN])
def test_the_fuzz_suite_finds_the_bug(broken: Broken, tmp_path):
    protocol = "o2" if broken.rule_id.startswith("O2-") else "derive"
    module, examples = (STATEFUL, "10") if broken.rule_id == "DRV-RESULT-SCHEMA" else (MODULES[protocol], "20")
    with BackgroundServer(unpaced(broken)) as server:
        proc = run(module, tmp_path, examples, "--target", server.url, "--rule", broken.rule_id)
        replay = found_and_replayed(proc, tmp_path, broken.rule_id, server.url)
    passes_on(replay)


@pytest.mark.slow
def test_a_timed_campaign_ends_quietly_on_the_reference(tmp_path):
    """A timed campaign's slices end the request-fault tests between examples: no error,
    no failure, no replay."""
    proc = fuzz(MODULES["o2"].parent.parent, tmp_path, "--duration", "8s", "--seed", SEED, f"--hypothesis-seed={SEED}",
                "-k", "request_fault")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert set(verdicts(tmp_path).values()) == {"passed"}
    assert not (tmp_path / "replays").exists()


@pytest.mark.slow
def test_a_broken_setup_is_reported_under_its_own_rule_and_replays(tmp_path):
    """A target that refuses the drawn valid batch a fault builds on fails O2-VALID-ACCEPTED
    (not the fault's rule alone), and the replay file of that failure — recorded by a
    test marked with another rule — still runs its test and reproduces it."""
    [one_market] = [b for b in catalogue() if b.id == "O2-VALID-ACCEPTED:one-market-only"]
    with BackgroundServer(unpaced(one_market)) as server:
        proc = run(MODULES["o2"], tmp_path, "20", "--target", server.url, "-k", "NONCE-REPLAY")
        replay = found_and_replayed(proc, tmp_path, "O2-VALID-ACCEPTED", server.url)
    passes_on(replay)
