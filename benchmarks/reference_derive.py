"""Throughput of the Derive reference over real loopback HTTP.

    python benchmarks/reference_derive.py [--n 2000] [--concurrency 1 8 32]

The server runs in a child process (uvicorn, as ``tradeproof serve`` would), so client
and server do not share a GIL. Preparation (funding, RFQs, signed quotes) goes through
HTTP first (httpx); then pre-built, pre-signed ``private/execute_quote`` requests — each
with its own nonce and its own freshly signed X-Lyra headers, so no cache helps — are
timed, and ``public/get_time`` is timed as the ceiling of the HTTP stack. The timed
requests are pre-serialised HTTP/1.1 bytes sent over keep-alive asyncio streams, so
the client costs little next to the server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any

import httpx

from tradeproof.messages import derive as msg
from tradeproof.signing.derive import V2_TESTNET
from tradeproof.signing.keys import Key

LEGS = [
    {"instrument_name": "ETH-20270625-3000-C", "direction": "buy", "amount": "1"},
    {"instrument_name": "ETH-PERP", "direction": "sell", "amount": "0.5"},
]
PRICES = {"ETH-20270625-3000-C": "520", "ETH-PERP": "3000"}


def serve(port: int) -> None:
    from tradeproof.reference import create_app, serve_forever

    serve_forever(create_app(protocols=["derive"]), port=port)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/_harness", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("the reference did not start")


def raw_request(port: int, path: str, body: dict[str, Any], headers: dict[str, str]) -> bytes:
    """One pre-serialised HTTP/1.1 keep-alive POST."""
    payload = json.dumps(body, separators=(",", ":")).encode()
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: application/json",
        f"Content-Length: {len(payload)}",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


async def run(
    port: int, requests: Sequence[bytes], concurrency: int
) -> tuple[float, list[float], int]:
    """Send all requests with ``concurrency`` connections; wall time, latencies, errors."""
    latencies: list[float] = []
    errors = 0
    queue = iter(requests)

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for request in queue:
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(
                next(
                    line.split(b":")[1]
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
            )
            body = await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
            if not head.startswith(b"HTTP/1.1 200") or b'"error"' in body:
                errors += 1
        writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - start, latencies, errors


async def prepare(client: httpx.AsyncClient, port: int, n: int) -> list[bytes]:
    maker, taker = Key.derive("bench", "maker"), Key.derive("bench", "taker")
    subs = {}
    for key in (maker, taker):
        response = await client.post(
            "/_harness/derive/fund", json={"wallet": key.evm_address, "amount": "1000000000"}
        )
        subs[key.evm_address] = response.json()["subaccount_id"]
    refs = {}
    for name in PRICES:
        result = (
            await client.post("/public/get_instrument", json={"instrument_name": name})
        ).json()["result"]
        refs[name] = msg.InstrumentRef.from_json(result)
    now = time.time()
    now_ms, expiry = int(now * 1000), int(now) + 3600

    async def one(i: int) -> bytes:
        headers_t = msg.auth_headers(taker, taker.evm_address, now_ms + i)
        rfq = (
            await client.post(
                "/private/send_rfq",
                json={"subaccount_id": subs[taker.evm_address], "legs": LEGS},
                headers=headers_t,
            )
        ).json()["result"]
        priced = [dict(leg, price=PRICES[leg["instrument_name"]]) for leg in rfq["legs"]]
        params = msg.quote_params(
            V2_TESTNET,
            maker,
            owner=maker.evm_address,
            subaccount_id=subs[maker.evm_address],
            rfq_id=rfq["rfq_id"],
            direction="sell",
            legs=priced,
            max_fee="10",
            nonce=now_ms * 1000 + i,
            expiry=expiry,
            instruments=refs,
        )
        headers_m = msg.auth_headers(maker, maker.evm_address, now_ms + i)
        quote = (await client.post("/private/send_quote", json=params, headers=headers_m)).json()[
            "result"
        ]
        execute = msg.execute_params(
            V2_TESTNET,
            taker,
            owner=taker.evm_address,
            subaccount_id=subs[taker.evm_address],
            rfq_id=rfq["rfq_id"],
            quote_id=quote["quote_id"],
            direction="buy",
            legs=quote["legs"],
            max_fee="10",
            nonce=now_ms * 1000 + i,
            expiry=expiry,
            instruments=refs,
        )
        return raw_request(
            port,
            "/private/execute_quote",
            execute,
            msg.auth_headers(taker, taker.evm_address, now_ms + n + i),
        )

    out = []
    for start in range(0, n, 64):
        out += await asyncio.gather(*(one(i) for i in range(start, min(n, start + 64))))
    return out


def row(method: str, concurrency: int, wall: float, latencies: list[float], errors: int) -> str:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"{method:<22}{concurrency:>6}{len(latencies):>9}{len(latencies) / wall:>11.0f}"
        f"{statistics.median(ordered) * 1000:>9.2f}{p99 * 1000:>9.2f}{errors:>8}"
    )


def main(args: argparse.Namespace) -> None:
    """Start the server in a child process, measure, stop it."""
    port = free_port()
    child = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--serve", str(port)])
    try:
        wait_until_up(f"http://127.0.0.1:{port}")
        asyncio.run(measure(args, port))
    finally:
        child.terminate()
        child.wait(10)


async def measure(args: argparse.Namespace, port: int) -> None:
    url = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        started = time.perf_counter()
        executes = await prepare(client, port, args.n * len(args.concurrency))
        print(
            f"prepared {len(executes)} RFQs + signed quotes + signed executes "
            f"in {time.perf_counter() - started:.1f} s\n"
        )
        print(
            f"{'method':<22}{'conc':>6}{'requests':>9}{'req/s':>11}"
            f"{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
        )
        get_time = raw_request(port, "/public/get_time", {}, {})
        for i, concurrency in enumerate(args.concurrency):
            wall, lat, errors = await run(port, [get_time] * args.n, concurrency)
            print(row("public/get_time", concurrency, wall, lat, errors))
            batch = executes[i * args.n : (i + 1) * args.n]
            wall, lat, errors = await run(port, batch, concurrency)
            print(row("private/execute_quote", concurrency, wall, lat, errors))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="requests per measurement")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.serve:
        serve(arguments.serve)
    else:
        main(arguments)
