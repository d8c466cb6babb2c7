"""The HTTP client and TARGET.md's outcome classification, against odd responses
(respx fakes the transport: these are unit tests of our client, not of any target)."""

from __future__ import annotations

import httpx
import pytest
import respx

from tradeproof.target import HttpClient, Kind
from tradeproof.target.outcome import classify_derive, classify_o2, classify_plain

BASE = "http://target.test"


@pytest.fixture
def client():
    c = HttpClient(BASE, timeout=0.5)
    yield c
    c.close()


def send_o2(client, status=None, **response):
    with respx.mock(base_url=BASE) as mock:
        mock.post("/v1/session/actions").mock(**response) if not status else mock.post("/v1/session/actions").respond(status, **response)
        return client.send("POST", "/v1/session/actions", classify_o2, json_body={"x": 1})


@pytest.mark.parametrize(
    ("status", "body", "kind", "code"),
    [
        (200, {"tx_id": "0xab", "orders": []}, Kind.ACCEPTED, None),
        (200, {"code": 4000, "message": "Invalid signature"}, Kind.REJECTED, 4000),  # pre-flight with HTTP 200
        (400, {"code": 7004, "message": "Too many actions"}, Kind.REJECTED, 7004),
        (200, {"message": "Failed", "reason": "Revert(123)", "receipts": None}, Kind.REJECTED, None),
        (400, {"detail": "bad"}, Kind.REJECTED, None),  # any 4xx
        (429, {"code": 1003, "message": "Rate limit exceeded"}, Kind.RATE_LIMITED, 1003),
        (429, {}, Kind.RATE_LIMITED, None),
        (200, {"code": 1003, "message": "Rate limit exceeded"}, Kind.RATE_LIMITED, 1003),
        (500, {"code": 1000, "message": "boom"}, Kind.FAULT, None),
        (503, {}, Kind.FAULT, None),
        (200, {}, Kind.FAULT, None),  # 2xx with neither tx_id nor an error
        (200, {"tx_id": "0x1", "code": 4000, "message": "x"}, Kind.REJECTED, 4000),  # the body's code decides
    ],
)
def test_o2_classification(client, status, body, kind, code):
    outcome = send_o2(client, status, json=body)
    assert (outcome.kind, outcome.code) == (kind, code)
    assert outcome.exchange.status == status


def test_non_json_body_is_a_fault_even_with_200(client):
    outcome = send_o2(client, 200, text="<html>gateway</html>")
    assert outcome.kind is Kind.FAULT
    assert "not JSON" in outcome.message
    assert outcome.exchange.response_text.startswith("<html>")


def test_non_json_4xx_is_a_fault(client):
    assert send_o2(client, 404, text="Not Found").kind is Kind.FAULT


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (httpx.ReadTimeout("slow"), "timeout"),
        (httpx.ConnectError("refused"), "unreachable"),
        (httpx.RemoteProtocolError("reset"), "reset"),
        (httpx.ReadError("reset by peer"), "reset"),
    ],
)
def test_transport_failures_are_faults_with_the_request(client, error, words):
    outcome = send_o2(client, side_effect=error)
    assert outcome.kind is Kind.FAULT
    assert words in outcome.message
    assert outcome.exchange.request_body == {"x": 1}
    assert outcome.exchange.status is None
    assert "POST /v1/session/actions" in outcome.exchange.describe()


def test_slow_response_times_out_as_a_fault():
    """A real slow server (not respx): the per-request timeout turns it into a fault."""
    import threading
    import time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Slow(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            time.sleep(1.0)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client = HttpClient(f"http://127.0.0.1:{server.server_port}", timeout=0.2)
    try:
        started = time.monotonic()
        outcome = client.send("POST", "/v1/session/actions", classify_o2, json_body={})
        assert outcome.kind is Kind.FAULT and "timeout" in outcome.message
        assert time.monotonic() - started < 0.9
    finally:
        client.close()
        server.shutdown()


@pytest.mark.parametrize(
    ("status", "body", "kind", "code"),
    [
        (200, {"id": 1, "result": {"quote_id": "q"}}, Kind.ACCEPTED, None),
        (200, {"id": 1, "error": {"code": 11104, "message": "not open", "data": None}}, Kind.REJECTED, 11104),
        (400, {"id": 1, "error": {"code": -32602, "message": "Invalid params"}}, Kind.REJECTED, -32602),
        (200, {"id": 1, "error": {"code": -32000, "message": "Rate limit exceeded"}}, Kind.RATE_LIMITED, -32000),
        (429, {"id": 1, "result": {}}, Kind.RATE_LIMITED, None),
        (200, {"id": 1}, Kind.FAULT, None),
        (502, {"id": 1, "result": {}}, Kind.FAULT, None),
    ],
)
def test_derive_classification_reads_the_body(client, status, body, kind, code):
    with respx.mock(base_url=BASE) as mock:
        mock.post("/private/execute_quote").respond(status, json=body)
        outcome = client.send("POST", "/private/execute_quote", classify_derive, json_body={})
    assert (outcome.kind, outcome.code) == (kind, code)


def test_plain_reads():
    assert classify_plain(200, {})[0] is Kind.ACCEPTED
    assert classify_plain(404, {"code": 4002, "message": "x"}) == (Kind.REJECTED, 4002, "x")
    assert classify_plain(500, {})[0] is Kind.FAULT


def test_recent_exchanges_are_kept_for_reports(client):
    for _ in range(3):
        send_o2(client, 200, json={"tx_id": "0x1"})
    assert len(client.recent) == 3 and client.request_count == 3


def test_after_the_deadline_nothing_is_sent():
    import time

    client = HttpClient(BASE, timeout=5, deadline=time.monotonic() - 1)
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        route = mock.post("/v1/session/actions").respond(200, json={"tx_id": "0x1"})
        outcome = client.send("POST", "/v1/session/actions", classify_o2, json_body={})
    assert outcome.kind is Kind.FAULT and "deadline" in outcome.message
    assert route.call_count == 0


def test_a_target_that_stops_answering_is_taken_as_down(client):
    with respx.mock(base_url=BASE) as mock:
        route = mock.post("/v1/session/actions").mock(side_effect=httpx.ConnectError("refused"))
        outcomes = [client.send("POST", "/v1/session/actions", classify_o2, json_body={}) for _ in range(8)]
    assert all(o.kind is Kind.FAULT for o in outcomes)
    assert route.call_count == 5 and "taken as down" in outcomes[-1].message


def test_an_answer_resets_the_count_of_faults(client):
    with respx.mock(base_url=BASE) as mock:
        route = mock.post("/v1/session/actions")
        route.side_effect = [httpx.ConnectError("x")] * 4 + [httpx.Response(500, json={})] + [httpx.ConnectError("x")] * 4
        outcomes = [client.send("POST", "/v1/session/actions", classify_o2, json_body={}) for _ in range(9)]
    assert route.call_count == 9 and all(o.kind is Kind.FAULT for o in outcomes)
