"""Scaling with processes: fuzz examples per second, and the ci conformance run's wall
time, with 1 and with 2 workers — measured side by side against the same target.

    python benchmarks/scaling.py [--duration 40s] [--protocol derive]

The reference target runs in its own process (``tradeproof serve --no-rate-limit``: the
limit is the target's to enforce, the throughput is the suite's to measure), so the
suite's workers and the target share the machine's two cores as they would in CI.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "tradeproof", "serve", "--port", str(port), "--no-rate-limit"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    import httpx

    for _ in range(200):
        try:
            httpx.get(url + "/_harness", timeout=0.5)
            return proc, url
        except httpx.TransportError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("the reference target did not start")


def tradeproof(*args: str) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory() as out:
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", "tradeproof", *args, "--report-dir", out], capture_output=True, timeout=3600)
        seconds = time.monotonic() - started
        return seconds, json.loads((Path(out) / "tradeproof-report.json").read_text())


def examples_of(report: dict) -> int:
    seen = {}
    for rule in report["rules"]:
        for test in rule["tests"]:
            seen[test["nodeid"]] = test.get("examples", 0)
    return sum(seen.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", default="40s")
    parser.add_argument("--protocol", choices=["o2", "derive", "all"], default="all")
    options = parser.parse_args()
    server, url = serve()
    try:
        rows = []
        for workers in (1, 2):
            seconds, report = tradeproof("fuzz", "--target", url, "--protocol", options.protocol,
                                         "--duration", options.duration, "--workers", str(workers), "--seed", "1")
            examples = examples_of(report)
            run_seconds, run_report = tradeproof("run", "--target", url, "--protocol", options.protocol,
                                                 "--workers", str(workers), "--seed", "1")
            rows.append((workers, examples, examples / report["run"]["duration_s"], run_seconds, run_report["exit_code"]))
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"{'workers':>7} {'fuzz examples':>14} {'examples/s':>11} {'ci run wall s':>14} {'exit':>5}")
    for workers, examples, rate, run_seconds, code in rows:
        print(f"{workers:>7} {examples:>14} {rate:>11.1f} {run_seconds:>14.1f} {code:>5}")
    (_, _, rate1, wall1, _), (_, _, rate2, wall2, _) = rows
    print(f"\n2 workers vs 1: fuzz throughput x{rate2 / rate1:.2f}, ci run time x{wall2 / wall1:.2f} ({options.protocol})")


if __name__ == "__main__":
    main()
