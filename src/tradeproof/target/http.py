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
GIVE_UP_AFTER = 5  # consecutive transport faults after which the target is taken as down


class HttpClient:
    """A base URL, a per-request timeout, and a record of recent exchanges."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        deadline: float | None = None,
    ) -> None:
        """``deadline`` (a ``time.monotonic()`` value) ends the run's budget: past it, no
        request is sent and every call is a fault, so a hanging target cannot hold a run."""
        self.base_url = base_url.rstrip("/")
        self.deadline = deadline
        self.timeout = timeout
        self._down_streaks: dict[tuple[str, str], int] = {}  # per endpoint: a target may fail only some
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
        endpoint = (method, path)
        refusal = self._refusal(endpoint)
        if refusal:
            return self._fault(method, url, shown_body, headers, started, refusal, endpoint=None)
        self.request_count += 1
        timeout = self.timeout
        if self.deadline is not None:
            timeout = max(0.05, min(timeout, self.deadline - time.monotonic()))
        try:
            response = self._client.request(
                method, path, content=body_bytes, params=params, headers=headers, timeout=timeout
            )
        except httpx.TimeoutException:
            return self._fault(method, url, shown_body, headers, started, "timeout: no answer in time", endpoint)
        except httpx.ConnectError as exc:
            return self._fault(method, url, shown_body, headers, started, f"unreachable: {exc}", endpoint)
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            return self._fault(method, url, shown_body, headers, started, f"connection reset: {exc}", endpoint)
        except httpx.HTTPError as exc:
            return self._fault(method, url, shown_body, headers, started, f"transport error: {exc}", endpoint)
        elapsed = time.perf_counter() - started
        self._down_streaks: dict[tuple[str, str], int] = {}  # per endpoint: a target may fail only some
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

    @property
    def past_deadline(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    def _refusal(self, endpoint: tuple[str, str]) -> str:
        """Why no request should be sent now (empty: send it)."""
        if self.past_deadline:
            return "the run's time budget (--deadline) is spent: not sent"
        if self._down_streaks.get(endpoint, 0) >= GIVE_UP_AFTER:
            return f"{endpoint[0]} {endpoint[1]} did not answer {GIVE_UP_AFTER} times in a row: taken as down, not sent"
        return ""

    def _fault(
        self,
        method: str,
        url: str,
        body: Any,
        headers: Mapping[str, str] | None,
        started: float,
        error: str,
        endpoint: tuple[str, str] | None = None,
    ) -> Outcome:
        if endpoint is not None:
            self._down_streaks[endpoint] = self._down_streaks.get(endpoint, 0) + 1
        exchange = Exchange(method, url, body, dict(headers or {}), None, None, "", time.perf_counter() - started, error)
        self.recent.append(exchange)
        return Outcome(Kind.FAULT, None, error, exchange)
