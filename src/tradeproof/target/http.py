"""The one HTTP client every target call goes through.

It never raises for what a target answers: every response (or failure to get one)
becomes an ``Outcome``. Timeouts, resets, refused connections, 5xx and non-JSON bodies
are target faults carrying the request that caused them.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from .outcome import Exchange, Kind, Outcome, parse_body

Classifier = Callable[[int, Any], tuple[Kind, "int | None", str]]

DEFAULT_TIMEOUT = 10.0
_KEEP = 64  # recent exchanges kept for failure reports


class HttpClient:
    """A base URL, a per-request timeout, and a record of recent exchanges."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout),
            transport=transport,
            headers={"user-agent": "tradeproof", "content-type": "application/json"},
        )
        self.recent: deque[Exchange] = deque(maxlen=_KEEP)
        self.request_count = 0

    def close(self) -> None:
        self._client.close()

    def send(
        self,
        method: str,
        path: str,
        classify: Classifier,
        *,
        json_body: Any = None,
        content: bytes | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Outcome:
        """Send one request and classify what came back."""
        body_bytes = content if content is not None else (
            None if json_body is None else json.dumps(json_body, separators=(",", ":")).encode()
        )
        shown_body = json_body if content is None else content.decode("utf-8", "replace")
        url = path if not params else f"{path}?{httpx.QueryParams(params)}"
        started = time.perf_counter()
        self.request_count += 1
        try:
            response = self._client.request(method, path, content=body_bytes, params=params, headers=headers)
        except httpx.TimeoutException:
            return self._fault(method, url, shown_body, headers, started, "timeout: no answer in time")
        except httpx.ConnectError as exc:
            return self._fault(method, url, shown_body, headers, started, f"unreachable: {exc}")
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            return self._fault(method, url, shown_body, headers, started, f"connection reset: {exc}")
        except httpx.HTTPError as exc:
            return self._fault(method, url, shown_body, headers, started, f"transport error: {exc}")
        elapsed = time.perf_counter() - started
        text = response.text
        is_json, parsed = parse_body(text)
        exchange = Exchange(
            method, url, shown_body, dict(headers or {}), response.status_code, parsed if is_json else None,
            "" if is_json else text[:500], elapsed,
        )
        self.recent.append(exchange)
        if not is_json:
            return Outcome(Kind.FAULT, None, f"HTTP {response.status_code} with a body that is not JSON", exchange)
        kind, code, message = classify(response.status_code, parsed)
        return Outcome(kind, code, message, exchange)

    def _fault(
        self, method: str, url: str, body: Any, headers: Mapping[str, str] | None, started: float, error: str
    ) -> Outcome:
        exchange = Exchange(method, url, body, dict(headers or {}), None, None, "", time.perf_counter() - started, error)
        self.recent.append(exchange)
        return Outcome(Kind.FAULT, None, error, exchange)
