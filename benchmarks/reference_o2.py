"""Requests per second of the O2 reference for signed session actions, over loopback HTTP.

    python benchmarks/reference_o2.py [--owners 1000] [--batches 5] [--connections 16]

The target runs in its own process (uvicorn, as ``tradeproof serve`` runs it). Every
request body is signed before the clock starts, and the client is a bare HTTP/1.1
keep-alive writer, so the number measures the target, not the client. Each owner sends
``--batches`` batches over one connection, in nonce order; with 5 per owner the rate limit
(5 per second per owner) can never trigger, so "limiter on" measures only its cost. A
last row sends as many ``GET /v1/markets`` (no parsing, signing or state): the ceiling
the HTTP stack (uvicorn + h11 + Starlette) allows.

Each batch is one Spot order at one price, alternating Buy and Sell between owners, so
orders keep crossing and the book stays small: every batch parses, verifies a signature,
forwards coins, matches and journals, like real trading.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import socket
import time
from typing import Any

from tradeproof.messages import o2 as msg
from tradeproof.reference import create_app, serve_forever
from tradeproof.signing import o2 as sig
from tradeproof.signing.keys import Key

PRICE, QTY = 2000 * 10**9, 1_000_000  # 2000 USDC for 0.001 fETH


def serve(port: int, rate_limit: bool) -> None:
    serve_forever(create_app(protocols=["o2"], rate_limit=rate_limit), port=port)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Connection:
    """One keep-alive HTTP/1.1 connection that sends prepared requests in turn."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def send(self, request: bytes) -> tuple[int, bytes]:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = next(
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        return status, await self.reader.readexactly(length)

    async def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> Any:
        return json.loads((await self.send(request(method, path, body, headers)))[1])

    def close(self) -> None:
        self.writer.close()


def request(
    method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> bytes:
    payload = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
    lines = [
        f"{method} {path} HTTP/1.1",
        "Host: 127.0.0.1",
        f"Content-Length: {len(payload)}",
        "Content-Type: application/json",
        *(f"{k}: {v}" for k, v in (headers or {}).items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


async def prepare(port: int, owners: int, batches: int, connections: int) -> list[list[bytes]]:
    """Accounts, funds and sessions over HTTP; then every signed request, per connection."""
    conns = [await Connection.open(port) for _ in range(connections)]
    ctx = msg.O2Context.from_markets_json(await conns[0].call("GET", "/v1/markets"))
    market = next(iter(ctx.markets.values()))

    async def setup(index: int) -> list[bytes]:
        conn = conns[index % connections]
        owner, session = (
            Key.derive("bench", f"owner-{index}"),
            Key.derive("bench", f"session-{index}"),
        )
        created = await conn.call(
            "POST", "/v1/accounts", {"identity": msg.address(owner.fuel_address)}
        )
        account = sig.parse_b256(created["trade_account_id"])
        await conn.call("POST", "/_harness/o2/mint", {"contract": created["trade_account_id"]})
        headers = msg.owner_header(owner.fuel_address)
        body = msg.session_body(
            ctx,
            owner,
            trade_account_id=account,
            session_key=session,
            nonce=0,
            expiry=2**40,
            contract_ids=[market.contract_id],
        )
        assert "tx_id" in await conn.call("PUT", "/v1/session", body, headers)
        side = "Buy" if index % 2 else "Sell"
        return [
            request(
                "POST",
                "/v1/session/actions",
                msg.actions_body(
                    ctx,
                    session,
                    trade_account_id=account,
                    nonce=nonce,
                    collect_orders=False,
                    groups=[
                        msg.group(market.market_id, msg.create_order(side, PRICE, QTY, "Spot"))
                    ],
                ),
                headers,
            )
            for nonce in range(1, batches + 1)
        ]

    per_owner = []
    for start in range(0, owners, connections):  # one owner per connection at a time
        per_owner += await asyncio.gather(
            *(setup(i) for i in range(start, min(owners, start + connections)))
        )
    for conn in conns:
        conn.close()
    # connection c sends, round by round, batch r of each of its owners (nonce order per owner)
    plans: list[list[bytes]] = [[] for _ in range(connections)]
    for r in range(batches):
        for index, requests in enumerate(per_owner):
            plans[index % connections].append(requests[r])
    return plans


async def fire(port: int, plans: list[list[bytes]]) -> tuple[float, dict[str, int]]:
    conns = [await Connection.open(port) for _ in plans]
    outcomes = {"accepted": 0, "other": 0}

    async def drive(conn: Connection, plan: list[bytes]) -> None:
        for raw in plan:
            status, body = await conn.send(raw)
            outcomes["accepted" if status == 200 and b'"tx_id"' in body else "other"] += 1

    start = time.perf_counter()
    await asyncio.gather(*(drive(c, p) for c, p in zip(conns, plans, strict=True)))
    elapsed = time.perf_counter() - start
    for conn in conns:
        conn.close()
    return elapsed, outcomes


def wait_for(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the reference did not start")


Row = tuple[str, int, float, int]  # label, requests, seconds, accepted


def measure(rate_limit: bool, args: argparse.Namespace) -> list[Row]:
    """Signed batches on a fresh target; with the limiter off, also the HTTP-stack ceiling."""
    port = free_port()
    server = multiprocessing.Process(target=serve, args=(port, rate_limit), daemon=True)
    server.start()
    try:
        wait_for(port)
        plans = asyncio.run(prepare(port, args.owners, args.batches, args.connections))
        total = sum(map(len, plans))
        elapsed, outcomes = asyncio.run(fire(port, plans))
        rows = [
            (
                f"actions, limiter {'on' if rate_limit else 'off'}",
                total,
                elapsed,
                outcomes["accepted"],
            )
        ]
        if not rate_limit:
            reads = [[request("GET", "/v1/markets")] * len(plan) for plan in plans]
            elapsed, _ = asyncio.run(fire(port, reads))
            rows.append(("GET /v1/markets (ceiling)", total, elapsed, total))
    finally:
        server.terminate()
        server.join()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--owners", type=int, default=1000)
    parser.add_argument(
        "--batches", type=int, default=5, help="signed batches per owner (5 keeps under the limit)"
    )
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    print(
        f"{args.owners} owners x {args.batches} signed batches, "
        f"{args.connections} keep-alive connections\n"
    )
    print(f"{'':<28}{'requests':>10}{'seconds':>10}{'req/s':>10}{'accepted':>10}")
    for rate_limit in (True, False):
        for label, total, elapsed, accepted in measure(rate_limit, args):
            print(f"{label:<28}{total:>10}{elapsed:>10.2f}{total / elapsed:>10.0f}{accepted:>10}")
            if accepted < total:
                print(f"  warning: {total - accepted} requests were not accepted")


if __name__ == "__main__":
    main()
