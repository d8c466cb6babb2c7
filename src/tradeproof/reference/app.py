"""``create_app()``: the reference exchange as one Starlette application.

Each protocol is an exchange object (all state and rules) plus a list of routes that
translate HTTP to it. Tests build deliberately broken targets by passing a subclass
of an exchange with one behaviour changed.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ._http import json_response
from .derive.engine import DeriveExchange
from .derive.routes import derive_routes
from .o2.engine import O2Exchange
from .o2.routes import o2_routes
from .ratelimit import SlidingWindowLimiter

PROTOCOLS = ("o2", "derive")


def create_app(
    *,
    o2: O2Exchange | None = None,
    derive: DeriveExchange | None = None,
    protocols: Sequence[str] = PROTOCOLS,
    rate_limit: bool = True,
) -> Starlette:
    """The reference target serving ``protocols`` (default both) on fresh state."""
    unknown = set(protocols) - set(PROTOCOLS)
    if unknown:
        raise ValueError(f"unknown protocol(s): {', '.join(sorted(unknown))}")
    routes: list[BaseRoute] = []
    if "o2" in protocols:
        limiter = SlidingWindowLimiter(limit=5, window=1.0) if rate_limit else None
        routes += o2_routes(o2 or O2Exchange(), limiter)
    if "derive" in protocols:
        routes += derive_routes(derive or DeriveExchange())
    info = {"protocols": [p for p in PROTOCOLS if p in protocols], "rate_limit": rate_limit}

    async def harness_info(request: Request) -> Response:
        return json_response(info)

    routes.append(Route("/_harness", harness_info, methods=["GET"]))
    return Starlette(routes=routes)
