"""Serve an ASGI app with uvicorn on a loopback port, in a background thread.

Used by the suite (ephemeral port, stopped at the end of the run), by tests, and by
``tradeproof serve`` (which runs in the foreground instead).
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import Any

import uvicorn


def _bind(host: str, port: int) -> socket.socket:
    # proto IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY on accepted sockets only when the
    # listening socket says TCP, and without it every response stalls ~40 ms (Nagle plus
    # delayed ACK on the two writes uvicorn makes per response)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def uvicorn_config(app: Any, **overrides: Any) -> uvicorn.Config:
    """The uvicorn settings the reference always runs with (quiet, no reload)."""
    settings: dict[str, Any] = dict(
        log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=2
    )
    settings.update(overrides)
    return uvicorn.Config(app, **settings)


class BackgroundServer:
    """A running server; ``url`` is its base URL. Use as a context manager."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        self._socket = _bind(host, port)
        self.host, self.port = self._socket.getsockname()[:2]
        self._server = uvicorn.Server(uvicorn_config(app))
        self._server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True,
            name=f"tradeproof-reference-{self.port}",
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> BackgroundServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the reference target did not start")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)
        self._socket.close()

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def serve_forever(app: Any, host: str = "127.0.0.1", port: int = 8700) -> None:
    """Run in the foreground until interrupted (``tradeproof serve``)."""
    uvicorn.Server(uvicorn_config(app, host=host, port=port)).run()
