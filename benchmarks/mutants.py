"""Mutation score and time to detection over the broken-target catalogue.

Every broken target in ``tests/broken_targets`` (the one-bug-per-rule catalogue plus the
bugs only a stateful sequence exposes) is served on loopback, and the suite is run
against it as a user would, in a subprocess:

    python benchmarks/mutants.py run                  # tradeproof run (ci profile) per mutant
    python benchmarks/mutants.py run --profile full   # the full profile (adds the fuzz suites)
    python benchmarks/mutants.py fuzz --duration 60s  # tradeproof fuzz per mutant
    python benchmarks/mutants.py fuzz --only stateful # just the stateful-only bugs
    python benchmarks/mutants.py fuzz --every 4       # every 4th mutant: a sample, faster
    python benchmarks/mutants.py fuzz --shard 1/2     # half of them (run 2/2 beside it on another core)
    python benchmarks/mutants.py fuzz --no-rate-limit # mutants served without the O2 rate limit

Each run stops at the first failing check (``--exit-first``), so the wall time is the
time to kill (``run``) or to detect (``fuzz``), start-up included. The table says which
rule killed each mutant, whether that is the rule it breaks, and — for ``fuzz`` — whether
the replay file it wrote reproduces the failure (``tradeproof replay`` exits 1). The
summary prints the kill rate and the median and worst times.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from broken_targets import Broken, catalogue, unpaced  # noqa: E402
from broken_targets.derive_stateful import BROKEN_STATEFUL as DERIVE_STATEFUL  # noqa: E402
from broken_targets.o2_stateful import BROKEN_STATEFUL as O2_STATEFUL  # noqa: E402

from tradeproof import rules  # noqa: E402
from tradeproof.reference import BackgroundServer  # noqa: E402


@dataclass
class Outcome:
    mutant: Broken
    killed: bool
    rules: list[str]
    seconds: float
    replayed: bool | None = None

    @property
    def by_own_rule(self) -> bool:
        return self.mutant.rule_id in self.rules


def tradeproof(*args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tradeproof", *args], capture_output=True, text=True, timeout=timeout)


def attack(mutant: Broken, mode: str, profile: str, duration: str, seed: int, rate_limit: bool = True) -> Outcome:
    protocol = rules.get(mutant.rule_id).protocol.value
    app = mutant.build() if rate_limit else unpaced(mutant)
    with tempfile.TemporaryDirectory() as tmp, BackgroundServer(app) as server:
        args = ["--target", server.url, "--protocol", protocol, "--exit-first", "--report-dir", tmp, "--seed", str(seed)]
        if mode == "run":
            args = ["run", *args, "--profile", profile]
        else:
            args = ["fuzz", *args, "--duration", duration]
        started = time.monotonic()
        proc = tradeproof(*args, timeout=1800)
        seconds = time.monotonic() - started
        report_path = Path(tmp) / "tradeproof-report.json"
        failed = []
        if report_path.exists():
            report = json.loads(report_path.read_text())
            failed = [r["id"] for r in report["rules"] if r["status"] == "failed"]
        # killed: a rule reported failed (an advisory rule's failure is reported with exit 0)
        advisory = rules.get(mutant.rule_id).severity.value == "advisory"
        outcome = Outcome(mutant, bool(failed) and proc.returncode == (0 if advisory and failed == [mutant.rule_id] else 1),
                          failed, seconds)
        replays = sorted((Path(tmp) / "replays").glob("*.json"))
        if mode == "fuzz" and outcome.killed and replays:
            outcome.replayed = tradeproof("replay", str(replays[0]), "--target", server.url, timeout=600).returncode == 1
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["run", "fuzz"])
    parser.add_argument("--profile", choices=["ci", "full"], default="ci")
    parser.add_argument("--duration", default="60s", help="fuzz budget per mutant")
    parser.add_argument("--only", choices=["all", "catalogue", "stateful"], default="all")
    parser.add_argument("--limit", type=int, default=0, help="only the first N mutants")
    parser.add_argument("--mutant", action="append", default=[], help="only this mutant id (repeatable)")
    parser.add_argument("--every", type=int, default=1, help="only every Nth mutant (a sample spread over the catalogue)")
    parser.add_argument("--shard", default="", metavar="K/N",
                        help="only the K-th of N interleaved parts (1-based), to run parts side by side")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-rate-limit", action="store_true",
                        help="serve the mutants without the O2 rate limit (except the rate-limit bug's own)")
    options = parser.parse_args()

    mutants: list[Broken] = []
    if options.only in ("all", "catalogue"):
        mutants += catalogue()
    if options.only in ("all", "stateful"):
        mutants += [*O2_STATEFUL, *DERIVE_STATEFUL]
    if options.mutant:
        mutants = [m for m in mutants if m.id in options.mutant]
    mutants = mutants[:: max(1, options.every)]
    if options.shard:
        k, n = (int(part) for part in options.shard.split("/"))
        mutants = mutants[k - 1 :: n]
    if options.limit:
        mutants = mutants[: options.limit]

    print(f"{'mutant':58} {'killed':6} {'by':28} {'seconds':>8} {'replay':>7}", flush=True)
    outcomes = []
    for mutant in mutants:
        outcome = attack(mutant, options.mode, options.profile, options.duration, options.seed, not options.no_rate_limit)
        outcomes.append(outcome)
        by = ",".join(outcome.rules[:2]) + ("" if outcome.by_own_rule or not outcome.killed else " (other)")
        replay = "" if outcome.replayed is None else ("yes" if outcome.replayed else "NO")
        print(f"{mutant.id[:58]:58} {'yes' if outcome.killed else 'NO':6} {by[:28]:28} {outcome.seconds:8.1f} {replay:>7}",
              flush=True)

    killed = [o for o in outcomes if o.killed]
    times = [o.seconds for o in killed]
    print()
    what = f"tradeproof {options.mode}" + (f" ({options.profile})" if options.mode == "run" else f" ({options.duration} each)")
    what += ", rate limit off" if options.no_rate_limit else ""
    print(f"{what}: killed {len(killed)}/{len(outcomes)} mutants ({100 * len(killed) / max(1, len(outcomes)):.0f}%), "
          f"{sum(o.by_own_rule for o in killed)} by the rule they break")
    if times:
        print(f"time to {'kill' if options.mode == 'run' else 'detect'} (start-up included): "
              f"median {statistics.median(times):.1f}s, worst {max(times):.1f}s")
    replayed = [o for o in killed if o.replayed is not None]
    if replayed:
        print(f"replay files reproducing: {sum(bool(o.replayed) for o in replayed)}/{len(replayed)}")
    missed = [o.mutant.id for o in outcomes if not o.killed]
    if missed:
        print("not killed: " + ", ".join(missed))


if __name__ == "__main__":
    main()
