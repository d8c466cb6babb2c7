"""Bad input gets one plain message and a distinct exit code, never a traceback."""

from __future__ import annotations

import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


def tradeproof(*args: str, cwd=None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tradeproof", *args], capture_output=True, text=True, cwd=cwd, timeout=timeout
    )


def assert_plain(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stderr + proc.stdout


def test_unknown_flag_is_a_usage_error():
    proc = tradeproof("run", "--bogus")
    assert proc.returncode == 2 and "--bogus" in proc.stderr
    assert_plain(proc)


def test_conflicting_targets_are_a_usage_error():
    proc = tradeproof("run", "--target", "http://a", "--o2-target", "http://b")
    assert proc.returncode == 2 and "either --target" in proc.stderr
    assert_plain(proc)


def test_unknown_rule_is_a_usage_error():
    proc = tradeproof("run", "--rule", "O2-NOT-A-RULE")
    assert proc.returncode == 2 and "O2-NOT-A-RULE" in proc.stderr
    assert_plain(proc)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("this is = not toml [", "not valid TOML"),
        ('target = "ftp://x"', "target"),
        ('profile = "nightly"', "profile"),
        ('[o2]\naccounts = [{owner_key_env = "NOT_SET_ANYWHERE_42"}]', "NOT_SET_ANYWHERE_42"),
        ("unknown_key = 1", "unknown_key"),
    ],
)
def test_malformed_config_is_a_config_error(tmp_path, text, words):
    (tmp_path / "tradeproof.toml").write_text(text)
    proc = tradeproof("run", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert words in proc.stderr
    assert_plain(proc)


def test_unreachable_target_exits_3(tmp_path):
    proc = tradeproof("run", "--target", "http://127.0.0.1:9", "--report-dir", str(tmp_path))
    assert proc.returncode == 3 and "unreachable" in proc.stderr
    assert_plain(proc)


class _Always500(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        body = b'{"code": 1000, "message": "boom"}'
        self.send_response(500)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, *args: object) -> None:
        pass


def test_a_target_answering_500_is_a_target_fault(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Always500)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        proc = tradeproof(
            "run", "--target", f"http://127.0.0.1:{server.server_port}", "--rule", "O2-FOK-REVERT",
            "--report-dir", str(tmp_path),
        )
    finally:
        server.shutdown()
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "target-fault" in proc.stdout
    assert_plain(proc)


def test_serve_runs_the_reference_until_stopped():
    import signal
    import socket
    import time

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "tradeproof", "serve", "--port", str(port), "--no-rate-limit", "--protocols", "o2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                info = httpx.get(f"http://127.0.0.1:{port}/_harness", timeout=1).json()
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                time.sleep(0.2)
        assert info == {"protocols": ["o2"], "rate_limit": False}
        assert httpx.get(f"http://127.0.0.1:{port}/v1/markets", timeout=2).json()["markets"]
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)


def test_serve_refuses_an_unknown_protocol():
    proc = tradeproof("serve", "--protocols", "o2,fix")
    assert proc.returncode == 2 and "fix" in proc.stderr
    assert_plain(proc)
