"""HTTP for the Derive exchange: ``POST {base}/{method}`` with the params as the body.

Also accepted, for convenience: the WebSocket-style envelope
``{"id", "method", "params"}`` POSTed to ``/``. Every answer is HTTP 200 with
``{"id", "result"}`` or ``{"id", "error": {"code", "message", "data"}}``: the body is
what a client judges (TARGET.md §2). Nothing a client sends can produce a 5xx; an
unexpected exception becomes -32603.

``POST /_harness/derive/fund {"wallet", "amount"}`` (TARGET.md §3) opens a funded
subaccount → ``{"subaccount_id": n}``.
"""

from __future__ import annotations

import itertools
import json
import logging
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...codes import DeriveCode as C
from .._http import json_response
from .engine import DeriveExchange
from .errors import RpcError
from .numbers import parse_decimal

MAX_BODY = 1 << 20
# No valid request comes near this; it bounds nesting depth, which json's C parser does
# not survive unboundedly when the recursion limit has been raised.
MAX_BRACKETS = 1000
log = logging.getLogger(__name__)
_ids = itertools.count(1)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_body(raw: bytes) -> Any:
    """The JSON body (empty = ``{}``); RpcError -32700 for anything that is not JSON."""
    if len(raw) > MAX_BODY:
        raise RpcError(C.INVALID_REQUEST, f"body larger than {MAX_BODY} bytes")
    if not raw.strip():
        return {}
    if raw.count(b"[") + raw.count(b"{") > MAX_BRACKETS:
        raise RpcError(
            C.INVALID_REQUEST, f"more than {MAX_BRACKETS} arrays and objects in one request"
        )
    try:
        return json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise RpcError(C.PARSE_ERROR, str(exc)[:200]) from None


def _answer(
    exchange: DeriveExchange, request_id: Any, method: Any, params: Any, headers: Any
) -> Response:
    try:
        result = exchange.call(method, params, headers)
    except RpcError as error:
        return json_response({"id": request_id, "error": error.to_json()})
    except Exception:  # the reference must never answer 5xx; log and report -32603
        log.exception("derive %s failed", method)
        return json_response({"id": request_id, "error": RpcError(C.INTERNAL_ERROR).to_json()})
    return json_response({"id": request_id, "result": result})


def derive_routes(exchange: DeriveExchange) -> list[Route]:
    """Routes serving ``exchange``: ``/public/*``, ``/private/*``, ``/`` and the fund harness."""

    async def by_path(request: Request) -> Response:
        request_id = str(next(_ids))
        method = request.url.path.lstrip("/")
        try:
            params = parse_body(await request.body())
        except RpcError as error:
            return json_response({"id": request_id, "error": error.to_json()})
        return _answer(exchange, request_id, method, params, request.headers)

    async def envelope(request: Request) -> Response:
        try:
            body = parse_body(await request.body())
        except RpcError as error:
            return json_response({"id": None, "error": error.to_json()})
        if not isinstance(body, dict) or not isinstance(body.get("method"), str):
            request_id = body.get("id") if isinstance(body, dict) else None
            error = RpcError(C.INVALID_REQUEST, 'expected {"id", "method", "params"}')
            return json_response({"id": _id(request_id), "error": error.to_json()})
        return _answer(
            exchange, _id(body.get("id")), body["method"], body.get("params", {}), request.headers
        )

    async def fund(request: Request) -> Response:
        try:
            body = parse_body(await request.body())
            wallet, amount = _fund_args(body)
            subaccount_id = exchange.fund(wallet, amount)
        except RpcError as error:
            return json_response({"error": error.to_json()}, status=400)
        except ValueError as exc:
            return json_response(
                {"error": RpcError(C.INVALID_PARAMS, str(exc)).to_json()}, status=400
            )
        return json_response({"subaccount_id": subaccount_id})

    return [
        Route("/public/{name:path}", by_path, methods=["POST"]),
        Route("/private/{name:path}", by_path, methods=["POST"]),
        Route("/", envelope, methods=["POST"]),
        Route("/_harness/derive/fund", fund, methods=["POST"]),
    ]


def _id(value: Any) -> Any:
    return value if isinstance(value, (str, int)) and not isinstance(value, bool) else None


def _fund_args(body: Any) -> tuple[str, Decimal]:
    if not isinstance(body, dict) or not isinstance(body.get("wallet"), str):
        raise RpcError(C.INVALID_PARAMS, 'expected {"wallet": "0x…", "amount": "<USDC decimal>"}')
    raw = body.get("amount")
    amount = (
        parse_decimal(raw) if isinstance(raw, str) else (Decimal(raw) if type(raw) is int else None)
    )
    if amount is None:
        raise RpcError(C.INVALID_PARAMS, 'amount must be a decimal string such as "100000"')
    return body["wallet"], amount
