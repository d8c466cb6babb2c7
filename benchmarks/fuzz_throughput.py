"""Fuzz throughput of one client process against the embedded reference, four ways, one run.

    python benchmarks/fuzz_throughput.py [--examples N] [--raw N]

All rows drive ``POST /v1/session/actions`` of the reference, which runs in a
**separate process** (``BackgroundServer`` on loopback, rate limit off so that pacing
does not decide the numbers), so client and server each get a core of a 2-core machine.
The server counts requests per path; each row's rate is the server-side count divided
by the time between its first and last request (start-up, imports and account setup
excluded), so every row is measured the same way.

Rows:

* **tradeproof** — ``tradeproof.strategies.o2`` (valid batches and every invalid-case
  family) → sign with the trader's session key (``O2Trader.actions_body``) → send
  (``O2Target.post_actions``, httpx) → check (``checks.expect_outcome`` /
  ``expect_accepted``). The trader re-reads its nonce after a rejection, as the
  suites do: those GETs are counted in "all requests" but not in "signed/s".
* **tradeproof + Schemathesis** — ``tradeproof.fuzzing``: Schemathesis' positive and
  negative cases of the operation, re-signed in ``before_call``, sent with its
  ``requests`` transport, judged by tradeproof's checks (what ``fuzz/test_schemathesis.py``
  does).
* **st run** — Schemathesis' own CLI in a subprocess: ``st run o2.yaml --phases fuzzing
  -n N`` on the same operation, default checks, one worker. It signs nothing (it cannot),
  so its requests stop at the reference's cheapest refusals.
* **raw** — pre-built signed bodies replayed over one keep-alive ``http.client``
  connection: no generation, no signing, no checks. The ceiling of client + server.
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from http.client import HTTPConnection
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import urlsplit

import httpx
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

ACTIONS = "/v1/session/actions"
STATS = "/_bench/stats"


# =========================================================================== the server process


class Counting:
    """ASGI middleware: counts requests per path with the times of the first and last."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.reset()

    def reset(self) -> None:
        self.counts: dict[str, int] = {}
        self.first: float | None = None
        self.last: float | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == STATS:
            body = json.dumps({"counts": self.counts, "first": self.first, "last": self.last}).encode()
            if scope["method"] == "DELETE":
                self.reset()
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": body})
            return
        if scope["type"] == "http":
            now = time.monotonic()
            self.first = now if self.first is None else self.first
            self.last = now
            self.counts[scope["path"]] = self.counts.get(scope["path"], 0) + 1
        await self.app(scope, receive, send)


def serve(conn: Connection) -> None:
    """Child process: the reference (both protocols, rate limit off) until told to stop."""
    from tradeproof.reference import BackgroundServer, create_app

    server = BackgroundServer(Counting(create_app(rate_limit=False))).start()
    conn.send(server.url)
    conn.recv()
    server.stop()


class Window:
    """Server-side request counts and timing between ``start()`` and ``stop()``."""

    def __init__(self, url: str) -> None:
        self.url = url

    def start(self) -> None:
        httpx.delete(self.url + STATS)

    def stop(self) -> dict[str, Any]:
        stats = httpx.get(self.url + STATS).json()
        seconds = (stats["last"] or 0) - (stats["first"] or 0)
        return {"counts": stats["counts"], "seconds": seconds}


# =========================================================================== rows


def row_tradeproof(url: str, examples: int, random_seed: int) -> dict[str, Any]:
    from tradeproof.checks import RuleViolation, expect_accepted, expect_outcome
    from tradeproof.strategies import O2_INVALID_RULES, Zones, invalid_cases, valid_cases
    from tradeproof.target import HttpClient, NoPacer, O2Accounts, O2Target
    from tradeproof.target.market import markets_of

    http = HttpClient(url)
    target = O2Target(http, NoPacer())
    accounts = O2Accounts(target, "bench", harness=True)
    traders = [accounts.new("bench") for _ in range(4)]
    markets = markets_of(target.markets_json)
    zones = Zones()
    strategy = st.one_of(valid_cases(markets, zones), *(invalid_cases(rule, markets, zones) for rule in O2_INVALID_RULES))
    turn = itertools.cycle(traders)
    violations = 0

    @seed(random_seed)
    @given(case=strategy)
    @settings(max_examples=examples, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    def fuzz(case: Any) -> None:
        nonlocal violations
        trader = next(turn)
        groups = case.batch.resolve(markets, trader.trade_account_id, lambda spec: ())
        body = case.finish(trader.actions_body(groups)) if groups or case.raw is None else {}
        outcome = trader.send_actions(body, content=case.raw)
        try:
            if case.rule_id is None:
                expect_accepted("O2-VALID-ACCEPTED", outcome)
            else:
                expect_outcome(case.rule_id, outcome)
        except RuleViolation:
            violations += 1

    window = Window(url)
    window.start()
    fuzz()
    measured = window.stop()
    http.close()
    return {**measured, "violations": violations}


def row_schemathesis_hook(url: str, examples: int, random_seed: int) -> dict[str, Any]:
    import requests

    from tradeproof import fuzzing
    from tradeproof.target import HttpClient, NoPacer, O2Accounts, O2Target

    http = HttpClient(url)
    target = O2Target(http, NoPacer())
    signer = fuzzing.O2Signer(target, O2Accounts(target, "bench-st", harness=True).new, pool_size=4, session_pool_size=1)
    signer.ready()
    operation = fuzzing.lookup("POST", ACTIONS)
    findings = 0
    session = requests.Session()

    @seed(random_seed)
    @given(case=fuzzing.cases(operation))
    @settings(max_examples=examples, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    def fuzz(case: Any) -> None:
        nonlocal findings
        try:
            fuzzing.call_and_check(case, url, session=session)
        except Exception:  # noqa: BLE001 - counted, never expected against the reference
            findings += 1

    window = Window(url)
    with fuzzing.signing(signer):
        window.start()
        fuzz()
        measured = window.stop()
    http.close()
    return {**measured, "violations": findings}


def row_st_run(url: str, examples: int, random_seed: int) -> dict[str, Any]:
    from tradeproof.fuzzing.operations import document_path

    command = [  # `st`, run by this interpreter (so it finds tradeproof's hook module)
        sys.executable, "-m", "schemathesis.cli", "--no-color", "run", str(document_path("o2")), "--url", url, "--phases", "fuzzing",
        "-n", str(examples), "--include-operation-id", "sessionActions", "--continue-on-failure",
        "--generation-database", "none", "--workers", "1", "--seed", str(random_seed),
    ]
    window = Window(url)
    window.start()
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as scratch:  # st keeps crash files under its cwd
        proc = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=scratch)
    wall = time.monotonic() - started
    measured = window.stop()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"st run failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return {**measured, "wall": wall}


def row_raw(url: str, count: int) -> dict[str, Any]:
    from tradeproof.strategies import Zones, valid_cases
    from tradeproof.target import HttpClient, NoPacer, O2Accounts, O2Target
    from tradeproof.target.market import markets_of

    http = HttpClient(url)
    target = O2Target(http, NoPacer())
    trader = O2Accounts(target, "bench-raw", harness=True).new("raw")
    markets = markets_of(target.markets_json)
    batches = st.lists(valid_cases(markets, Zones()), min_size=64, max_size=64)

    prebuilt: list[bytes] = []

    @given(cases=batches)
    @settings(max_examples=1, database=None, phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    def build(cases: list[Any]) -> None:
        for offset, case in enumerate(cases):
            groups = case.batch.resolve(markets, trader.trade_account_id, lambda spec: ())
            body = trader.actions_body(groups, nonce=trader.nonce + offset)
            prebuilt.append(json.dumps(body, separators=(",", ":")).encode())

    build()
    http.close()
    parts = urlsplit(url)
    conn = HTTPConnection(parts.hostname, parts.port)
    conn.connect()
    assert conn.sock is not None
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    headers = {"content-type": "application/json", "O2-Owner-Id": "0x" + trader.owner_b256.hex()}
    window = Window(url)
    window.start()
    for body in itertools.islice(itertools.cycle(prebuilt), count):
        conn.request("POST", ACTIONS, body=body, headers=headers)
        conn.getresponse().read()
    measured = window.stop()
    conn.close()
    return measured


# =========================================================================== report


def rate(measured: dict[str, Any], path: str | None = ACTIONS) -> float:
    counts = measured["counts"]
    n = counts.get(path, 0) if path else sum(counts.values())
    return n / measured["seconds"] if measured["seconds"] > 0 else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=1000, help="examples per fuzz row (default 1000)")
    parser.add_argument("--raw", type=int, default=5000, help="requests of the raw row (default 5000)")
    parser.add_argument("--seed", type=int, default=1, help="Hypothesis / st seed of the fuzz rows (default 1)")
    args = parser.parse_args()

    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    server = context.Process(target=serve, args=(child,), daemon=True)
    server.start()
    url = parent.recv()
    try:
        rows: list[tuple[str, dict[str, Any]]] = []
        runs: list[tuple[str, Callable[[], dict[str, Any]]]] = [
            ("raw (pre-built, keep-alive)", lambda: row_raw(url, args.raw)),
            ("tradeproof strategies+sign+check", lambda: row_tradeproof(url, args.examples, args.seed)),
            ("tradeproof.fuzzing (Schemathesis)", lambda: row_schemathesis_hook(url, args.examples, args.seed)),
            ("st run --phases fuzzing", lambda: row_st_run(url, args.examples, args.seed)),
        ]
        for name, run in runs:
            print(f"running: {name} ...", file=sys.stderr, flush=True)
            rows.append((name, run()))
    finally:
        parent.send("stop")
        server.join(10)

    print(f"\nPython {platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}; "
          f"reference in a separate process, rate limit off; --examples {args.examples}, --raw {args.raw}, "
          f"--seed {args.seed}\n")
    header = f"{'row':36s} {'signed reqs':>11s} {'all reqs':>9s} {'seconds':>8s} {'signed/s':>9s} {'all/s':>8s}"
    print(header)
    print("-" * len(header))
    for name, measured in rows:
        signed = measured["counts"].get(ACTIONS, 0)
        total = sum(measured["counts"].values())
        print(f"{name:36s} {signed:11d} {total:9d} {measured['seconds']:8.2f} {rate(measured):9.1f} {rate(measured, None):8.1f}"
              + (f"   ({measured['violations']} findings)" if measured.get("violations") else ""))
    by_name = dict(rows)
    ours = rate(by_name["tradeproof strategies+sign+check"])
    hooked = rate(by_name["tradeproof.fuzzing (Schemathesis)"])
    st_rate = rate(by_name["st run --phases fuzzing"])
    raw = rate(by_name["raw (pre-built, keep-alive)"])
    print()
    print(f"ours/st  = {ours / st_rate:.2f}   (tradeproof strategies vs st run, requests/s on the operation)")
    print(f"ours/raw = {ours / raw:.2f}   (share of the ceiling)")
    print(f"tradeproof.fuzzing/st = {hooked / st_rate:.2f}   (Schemathesis with tradeproof's hook and checks vs st run)")
    print(f"st run wall time incl. start-up: {by_name['st run --phases fuzzing']['wall']:.1f} s")


if __name__ == "__main__":
    main()
