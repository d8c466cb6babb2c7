"""HTTP for the O2 exchange: parse the request, call ``O2Exchange``, send JSON.

Nothing here decides an outcome. Query parameters are parsed strictly (a bad one is
``400 {"code": 1001}``), bodies that are not JSON are ``1002``, pre-flight rejections
answer 400 (404 for an unknown account, market or order; 429 for 1003) and reverts 400
with the on-chain body. The two session endpoints count every request against the
per-owner rate limit (key: ``O2-Owner-Id`` and path) before anything else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...codes import O2Code
from .._http import BodyNotJson, json_response, read_json
from ..ratelimit import SlidingWindowLimiter
from .engine import O2Exchange
from .errors import Rejection, Reverted
from .requests import parse_id

RATE_LIMITED = Rejection(O2Code.RATE_LIMIT_EXCEEDED, "Rate limit exceeded")
MAX_PAGE = 200


def o2_routes(exchange: O2Exchange, limiter: SlidingWindowLimiter | None) -> list[Route]:
    """The O2 endpoints of TARGET.md §1 and the mint of §3, served by ``exchange``."""

    def limited(request: Request) -> bool:
        if limiter is None:
            return False
        owner = request.headers.get("O2-Owner-Id", "").lower()
        return not limiter.allow((owner, request.url.path))

    async def markets(request: Request) -> Response:
        return json_response(exchange.markets_info())

    async def create_account(request: Request) -> Response:
        return await _with_body(request, exchange.create_account)

    async def accounts(request: Request) -> Response:
        def work() -> dict[str, Any]:
            owner = _b256_param(request, "owner", required=False)
            trade_account_id = _b256_param(request, "trade_account_id", required=False)
            if (owner is None) == (trade_account_id is None):
                raise Rejection(
                    O2Code.INVALID_REQUEST, "give exactly one of owner or trade_account_id"
                )
            return exchange.account_info(owner=owner, trade_account_id=trade_account_id)

        return _answer(work)

    async def session(request: Request) -> Response:
        if limited(request):
            return _rejected(RATE_LIMITED)
        return await _with_body(request, exchange.update_session)

    async def session_actions(request: Request) -> Response:
        if limited(request):
            return _rejected(RATE_LIMITED)
        return await _with_body(request, exchange.session_actions)

    async def balance(request: Request) -> Response:
        return _answer(
            lambda: exchange.balance(
                _b256_param(request, "asset_id"), _b256_param(request, "contract")
            )
        )

    async def orders(request: Request) -> Response:
        def work() -> dict[str, Any]:
            direction = request.query_params.get("direction", "desc")
            if direction not in ("asc", "desc"):
                raise Rejection(O2Code.INVALID_REQUEST, "direction must be asc or desc")
            count = _int_param(request, "count", 20)
            if not 1 <= count <= MAX_PAGE:
                raise Rejection(O2Code.INVALID_PAGINATION, f"count must be 1 to {MAX_PAGE}")
            return exchange.orders(
                _b256_param(request, "market_id"),
                contract=_b256_param(request, "contract", required=False),
                is_open=_bool_param(request, "is_open"),
                descending=direction == "desc",
                count=count,
                after=_b256_param(request, "start_order_id", required=False),
            )

        return _answer(work)

    async def order(request: Request) -> Response:
        return _answer(
            lambda: exchange.order(
                _b256_param(request, "market_id"), _b256_param(request, "order_id")
            )
        )

    async def depth(request: Request) -> Response:
        def work() -> dict[str, Any]:
            precision = _int_param(request, "precision", 1)
            if precision < 1 or precision > 10**18 or str(precision).rstrip("0") != "1":
                raise Rejection(
                    O2Code.INVALID_REQUEST, "precision must be a power of ten, 1 to 10^18"
                )
            limit = _int_param(request, "limit", 0) or None
            return exchange.depth(_b256_param(request, "market_id"), precision, limit)

        return _answer(work)

    async def mint(request: Request) -> Response:
        return await _with_body(request, exchange.mint)

    return [
        Route("/v1/markets", markets, methods=["GET"]),
        Route("/v1/accounts", create_account, methods=["POST"]),
        Route("/v1/accounts", accounts, methods=["GET"]),
        Route("/v1/session", session, methods=["PUT"]),
        Route("/v1/session/actions", session_actions, methods=["POST"]),
        Route("/v1/balance", balance, methods=["GET"]),
        Route("/v1/orders", orders, methods=["GET"]),
        Route("/v1/order", order, methods=["GET"]),
        Route("/v1/depth", depth, methods=["GET"]),
        Route("/_harness/o2/mint", mint, methods=["POST"]),
    ]


# --------------------------------------------------------------------------- answering


def _answer(work: Callable[[], dict[str, Any]]) -> Response:
    try:
        return json_response(work())
    except Rejection as rejection:
        return _rejected(rejection)
    except Reverted as reverted:
        return json_response(reverted.payload, 400)


def _rejected(rejection: Rejection) -> Response:
    return json_response(rejection.payload(), rejection.status)


async def _with_body(request: Request, work: Callable[[Any], dict[str, Any]]) -> Response:
    try:
        body = await read_json(request)
    except BodyNotJson:
        return _rejected(Rejection(O2Code.PARSE_ERROR, "Failed to parse the request body as JSON"))
    return _answer(lambda: work(body))


# --------------------------------------------------------------------------- query parameters


def _b256_param(request: Request, name: str, required: bool = True) -> Any:
    """A 32-byte id parameter (None when absent and optional)."""
    text = request.query_params.get(name)
    if text is None:
        if required:
            raise Rejection(O2Code.INVALID_REQUEST, f"missing query parameter {name}")
        return None
    return parse_id(text, name)


def _int_param(request: Request, name: str, default: int) -> int:
    text = request.query_params.get(name)
    if text is None:
        return default
    if not (text.isascii() and text.isdigit() and len(text) <= 20):
        raise Rejection(O2Code.INVALID_REQUEST, f"{name} must be a non-negative integer")
    return int(text)


def _bool_param(request: Request, name: str) -> bool | None:
    text = request.query_params.get(name)
    if text is None:
        return None
    if text not in ("true", "false"):
        raise Rejection(O2Code.INVALID_REQUEST, f"{name} must be true or false")
    return text == "true"
