"""Small HTTP helpers shared by the reference routes: JSON in, JSON out, never a 500."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from .._json import loads


class BodyNotJson(Exception):
    """The request body is not parseable JSON."""


def json_response(payload: Any, status: int = 200) -> Response:
    """Compact JSON (no spaces), as the live APIs answer."""
    return Response(
        json.dumps(payload, separators=(",", ":")), status_code=status, media_type="application/json"
    )


async def read_json(request: Request) -> Any:
    """The parsed body; raises BodyNotJson for anything ``_json.loads`` refuses.

    That includes absurd nesting (``[[[[…``), refused before json's C decoder can
    overflow the stack, and RecursionError in case the interpreter's limit is low.
    """
    raw = await request.body()
    try:
        return loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BodyNotJson() from None
