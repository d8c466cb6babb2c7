"""A hostile target: a TCP proxy in front of the reference that misbehaves on chosen paths.

Modes: ``delay`` (answers, but only after a while), ``reset`` (drops the connection
with a TCP reset), ``not-json`` (an HTML error page with status 200), ``500``, and
``hang`` (reads the request and never answers). Requests to other paths pass through,
so the suite gets far enough to meet the misbehaviour.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Sequence

MODES = ("delay", "reset", "not-json", "500", "hang")


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def _response(status: str, content_type: str, body: bytes) -> bytes:
    return (
        f"HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    ).encode() + body


class HostileProxy:
    """Serves on a loopback port; ``mode`` applies to requests whose path starts with one
    of ``paths``. Use as a context manager."""

    def __init__(self, upstream: str, mode: str, paths: Sequence[str], delay: float = 3.0) -> None:
        if mode not in MODES:
            raise ValueError(mode)
        host, port = upstream.removeprefix("http://").split(":")
        self.upstream = (host, int(port))
        self.mode, self.paths, self.delay = mode, tuple(paths), delay
        self._server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._server.getsockname()[1]}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> HostileProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._server.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        try:
            while not self._stop.is_set():
                request = _read_request(conn)
                if not request:
                    return
                path = request.split(b" ", 2)[1].decode("latin-1") if request.count(b" ") >= 2 else ""
                if not path.startswith(self.paths):
                    conn.sendall(self._forward(request))
                    continue
                if self.mode == "hang":
                    self._stop.wait(3600)
                    return
                if self.mode == "reset":
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    return
                if self.mode == "delay":
                    time.sleep(self.delay)
                    conn.sendall(self._forward(request))
                elif self.mode == "not-json":
                    conn.sendall(_response("200 OK", "text/html", b"<html><body>Bad gateway</body></html>"))
                else:
                    conn.sendall(_response("500 Internal Server Error", "application/json", b'{"message":"boom"}'))
        except OSError:
            return
        finally:
            conn.close()

    def _forward(self, request: bytes) -> bytes:
        # one upstream connection per request: simple, and "connection: close" below
        request = request.replace(b"Connection: keep-alive", b"Connection: close").replace(
            b"connection: keep-alive", b"connection: close"
        )
        with socket.create_connection(self.upstream) as upstream:
            upstream.sendall(request)
            chunks = []
            while chunk := upstream.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks)
