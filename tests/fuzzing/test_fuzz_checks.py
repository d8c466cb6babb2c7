"""Each tradeproof check can fail — on a made-up answer, and end to end against a tiny
broken app — and stays quiet on what TARGET.md allows."""

from __future__ import annotations

import json
import time

import pytest
import requests
import schemathesis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from tradeproof import fuzzing
from tradeproof.checks import RuleViolation
from tradeproof.errors import TargetFault, TargetMisbehaved, TargetTimeout
from tradeproof.fuzzing import checks
from tradeproof.reference import BackgroundServer

ZERO = "0x" + "00" * 32
VALID_ACTIONS = {
    "actions": [{"market_id": ZERO, "actions": [{"CancelOrder": {"order_id": ZERO}}]}],
    "signature": {"Secp256k1": "0x" + "11" * 64}, "nonce": "3", "trade_account_id": ZERO,
    "session_id": {"Address": ZERO},
}
TX = {"tx_id": "0x" + "ab" * 32}


def case_of(method: str, path: str, body=None):
    operation = fuzzing.api_operation(fuzzing.lookup(method, path))
    return operation.Case() if body is None else operation.Case(body=json.loads(json.dumps(body)))


def answer(case, status: int, content, sent=None, content_type="application/json"):
    """A Schemathesis response to ``case`` (sent body ``sent``, default: the case's JSON)."""
    if sent is None and isinstance(case.body, (dict, list)):
        sent = json.dumps(case.body).encode()
    raw = content if isinstance(content, bytes) else json.dumps(content).encode()
    request = requests.Request(case.method, f"http://target.test{case.path}", data=sent).prepare()
    return schemathesis.Response(status, {"content-type": [content_type]}, raw, request, 0.001, True)


def run(check, case, response):
    return check(None, response, case)


# --------------------------------------------------------------------------- outcome


@pytest.mark.parametrize("status, content, why", [
    (500, {"code": 1000, "message": "boom"}, "HTTP 500"),
    (200, b"<html>gateway</html>", "not JSON"),
    (200, {"ok": True}, "without tx_id"),
])
def test_outcome_faults_on_a_session_write(status, content, why):
    case = case_of("POST", "/v1/session/actions", VALID_ACTIONS)
    with pytest.raises(checks.FaultFound, match=why) as found:
        run(checks.tradeproof_outcome, case, answer(case, status, content))
    assert isinstance(found.value.fault, TargetMisbehaved)


def test_outcome_faults_on_an_rpc_answer_with_neither_result_nor_error():
    case = case_of("POST", "/public/get_time", {})
    with pytest.raises(checks.FaultFound, match="neither result nor error"):
        run(checks.tradeproof_outcome, case, answer(case, 200, {"id": 1}))


@pytest.mark.parametrize("method, path, status, content", [
    ("POST", "/v1/session/actions", 429, b"Too Many Requests"),  # a rate-limit page may be anything
    ("POST", "/v1/session/actions", 200, {"code": 4000, "message": "Invalid signature"}),  # pre-flight, HTTP 200
    ("GET", "/_harness", 404, b"<html>Not Found</html>"),  # a real deployment has no harness
    ("POST", "/public/get_time", 200, {"id": 1, "error": {"code": -32602, "message": "Invalid params"}}),
])
def test_outcome_accepts_what_target_md_allows(method, path, status, content):
    case = case_of(method, path, VALID_ACTIONS if "actions" in path else ({} if method == "POST" else None))
    assert run(checks.tradeproof_outcome, case, answer(case, status, content)) is None


# --------------------------------------------------------------------------- documented codes


@pytest.mark.parametrize("method, path, body, content, why", [
    ("POST", "/v1/session/actions", VALID_ACTIONS, {"code": 6001, "message": "?"}, "code 6001"),
    ("GET", "/v1/depth", None, {"code": 4000, "message": "?"}, "code 4000"),
    ("POST", "/public/get_time", {}, {"id": 1, "error": {"code": 14014, "message": "?"}}, "code 14014"),
    ("POST", "/private/get_subaccount", {"subaccount_id": 1}, {"id": 1, "error": {"code": -32603, "message": "Internal error"}}, "crashed"),
    ("POST", "/private/get_subaccount", {"subaccount_id": 1}, {"id": 1, "error": {"code": -32601, "message": "?"}}, "code -32601"),
])
def test_an_undocumented_code_is_a_fault(method, path, body, content, why):
    case = case_of(method, path, body)
    with pytest.raises(checks.FaultFound, match=why):
        run(checks.tradeproof_documented_code, case, answer(case, 400 if path.startswith("/v1") else 200, content))


def test_documented_codes_pass():
    case = case_of("POST", "/private/execute_quote", {})
    assert run(checks.tradeproof_documented_code, case, answer(case, 200, {"id": 1, "error": {"code": 11104, "message": "?"}})) is None
    case = case_of("POST", "/v1/session/actions", VALID_ACTIONS)
    assert run(checks.tradeproof_documented_code, case, answer(case, 200, {"code": 7004, "message": "?"})) is None


# --------------------------------------------------------------------------- invalid requests


def with_body(**changes):
    body = json.loads(json.dumps(VALID_ACTIONS))
    body.update(changes)
    return body


@pytest.mark.parametrize("sent, content, rule", [
    (b"{'nonce': 1}", {"code": 1001, "message": "?"}, "O2-PARSE-ERROR"),  # not JSON: 1002, not 1001
    (json.dumps(with_body(nonce="1e3")).encode(), TX, "O2-NUMBER-FORMAT"),
    (json.dumps(with_body(nonce="1e3")).encode(), {"code": 4000, "message": "?"}, "O2-NUMBER-FORMAT"),
    (json.dumps(with_body(trade_account_id="0x12")).encode(), {"message": "reverted", "reason": "?"}, "O2-ID-FORMAT"),
    (json.dumps({k: v for k, v in VALID_ACTIONS.items() if k != "session_id"}).encode(), TX, "O2-MISSING-FIELD"),
    (json.dumps(with_body(actions=[])).encode(), {"code": 1001, "message": "?"}, "O2-BATCH-NONEMPTY"),
    (json.dumps(with_body(nonce="1e3", trade_account_id="0x12")).encode(), {"code": 4000, "message": "?"}, "O2-NUMBER-FORMAT"),
    (json.dumps(with_body(actions=[{"market_id": ZERO, "actions": [{"Withdraw": {}}]}])).encode(), TX, "O2-UNKNOWN-ACTION"),
])
def test_a_broken_o2_body_must_be_refused_as_its_rule_says(sent, content, rule):
    case = case_of("POST", "/v1/session/actions", VALID_ACTIONS)
    response = answer(case, 400 if "code" in content or "reason" in content else 200, content, sent=sent)
    with pytest.raises(RuleViolation) as violation:
        run(checks.tradeproof_rejects_invalid, case, response)
    assert violation.value.rule_id == rule


@pytest.mark.parametrize("sent, content", [
    (json.dumps(with_body(extra=1)).encode(), TX),  # extra fields: no rule says refuse them
    (json.dumps(with_body(nonce=3)).encode(), TX),  # a JSON number: not "a number string"
    (json.dumps(with_body(nonce="1e3", extra=1)).encode(), {"code": 4000, "message": "?"}),  # an uncovered break: code not judged
    (json.dumps(with_body(nonce="1e3", actions=[])).encode(), {"code": 7003, "message": "?"}),  # either rule's code will do
    (b"NaN", {"code": 1001, "message": "?"}),  # JSON to some parsers: not judged
    (json.dumps(with_body(nonce="1e3")).encode(), {"code": 1003, "message": "Rate limit exceeded"}),  # no verdict
])
def test_what_no_rule_decides_is_not_judged(sent, content):
    case = case_of("POST", "/v1/session/actions", VALID_ACTIONS)
    run(checks.tradeproof_rejects_invalid, case, answer(case, 400, content, sent=sent))  # no verdict raised


def test_invalid_execute_params_need_invalid_params():
    case = case_of("POST", "/private/execute_quote", {})
    response = answer(case, 200, {"id": 1, "error": {"code": 14014, "message": "?"}}, sent=b'{"direction": "up"}')
    with pytest.raises(RuleViolation) as violation:
        run(checks.tradeproof_rejects_invalid, case, response)
    assert violation.value.rule_id == "DRV-PARAMS-SCHEMA"
    not_json = answer(case, 200, {"id": 1, "error": {"code": -32602, "message": "?"}}, sent=b"\x00{")
    with pytest.raises(RuleViolation) as violation:
        run(checks.tradeproof_rejects_invalid, case, not_json)
    assert violation.value.rule_id == "DRV-PARSE-ERROR"


# --------------------------------------------------------------------------- response schemas


def test_a_response_of_the_wrong_shape_is_a_fault():
    case = case_of("GET", "/v1/markets")
    with pytest.raises(checks.FaultFound, match="/v1/markets"):
        run(checks.tradeproof_response_schema, case, answer(case, 200, {"markets": 5}))


def test_an_execute_result_must_match_seed_003():
    case = case_of("POST", "/private/execute_quote", {})
    with pytest.raises(RuleViolation) as violation:
        run(checks.tradeproof_response_schema, case, answer(case, 200, {"id": 1, "result": {"quote_id": "q"}}))
    assert violation.value.rule_id == "DRV-RESULT-SCHEMA"


def test_a_rate_limited_answer_has_no_schema_to_meet():
    case = case_of("POST", "/v1/session/actions", VALID_ACTIONS)
    assert run(checks.tradeproof_response_schema, case, answer(case, 429, b"slow down", content_type="text/plain")) is True


# --------------------------------------------------------------------------- end to end


def broken_app() -> Starlette:
    async def crash(request: Request) -> Response:
        return PlainTextResponse("Internal Server Error", status_code=500)

    async def html(request: Request) -> Response:
        return Response("<html>maintenance</html>", media_type="text/html")

    async def odd_code(request: Request) -> Response:
        return JSONResponse({"code": 9999, "message": "?"}, status_code=400)

    async def slow(request: Request) -> Response:
        time.sleep(1.0)
        return JSONResponse({"id": 1, "result": 0})

    return Starlette(routes=[
        Route("/v1/session/actions", crash, methods=["POST"]),
        Route("/v1/markets", html, methods=["GET"]),
        Route("/v1/depth", odd_code, methods=["GET"]),
        Route("/public/get_time", slow, methods=["POST"]),
    ])


@pytest.fixture(scope="module")
def broken():
    with BackgroundServer(broken_app()) as server:
        yield server.url


@pytest.mark.parametrize("method, path, body, error, why", [
    ("POST", "/v1/session/actions", VALID_ACTIONS, TargetMisbehaved, "HTTP 500"),
    ("GET", "/v1/markets", None, TargetMisbehaved, "not JSON"),
    ("GET", "/v1/depth", None, TargetMisbehaved, "code 9999"),
])
def test_call_and_check_reports_target_faults(broken, method, path, body, error, why):
    case = case_of(method, path, body)
    if path == "/v1/depth":
        case.query = {"market_id": ZERO}
    with pytest.raises(error, match=why):
        fuzzing.call_and_check(case, broken)


def test_a_timeout_is_a_target_fault(broken):
    with pytest.raises(TargetTimeout):
        fuzzing.call_and_check(case_of("POST", "/public/get_time", {}), broken, timeout=0.2)


def test_a_refused_connection_is_a_target_fault():
    with pytest.raises(TargetFault, match="reset or refused"):
        fuzzing.call_and_check(case_of("POST", "/public/get_time", {}), "http://127.0.0.1:9", timeout=1)


def test_the_checks_are_registered_with_schemathesis():
    from schemathesis.checks import CHECKS

    fuzzing.register()
    assert {c.__name__ for c in fuzzing.OURS} <= set(CHECKS.get_all_names())
    assert not set(fuzzing.BUILTIN_OFF) & {c.__name__ for p in ("o2", "derive") for c in fuzzing.checks_for(p)}
