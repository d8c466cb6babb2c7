"""``private/execute_quote`` requests as requests: params that break seed 003's schema
(-32602), unknown methods (-32601), bodies that are not JSON (-32700) and missing or
foreign X-Lyra headers are refused and change nothing; a correct execution is accepted,
settles, and answers seed 003's result object field for field."""

from __future__ import annotations

import json

import pytest

from tradeproof import schemas
from tradeproof.checks import expect_accepted, expect_outcome, require
from tradeproof.messages.derive import auth_headers
from tradeproof.scenarios.derive import (
    as_session,
    default_plan,
    new_session_key,
    open_quote,
    refuse_execute,
    refused_and_unchanged,
)
from tradeproof.signing.corrupt import other_key
from tradeproof.strategies import DRV_SCHEMA_BREAKS, invalid_execute_params

STAGE = 0  # one-request refusals: run first, so a broken target fails fast (see tradeproof.pytest_plugin)

EXECUTE = "private/execute_quote"


# --------------------------------------------------------------------------- schema


@pytest.mark.rule("DRV-PARAMS-SCHEMA")
@pytest.mark.parametrize("kind", DRV_SCHEMA_BREAKS)
def test_schema_violation_is_refused(kind, derive, new_party, derive_domain, examples):
    rule = "DRV-PARAMS-SCHEMA"
    taker, maker = new_party("schema-taker"), new_party("schema-maker")

    def check(draw) -> None:
        quoted = open_quote(derive, derive_domain, taker, maker, rule)  # a fresh quote: examples stay independent
        params = quoted.execute_params()
        case = draw(invalid_execute_params(rule, params, kinds=[kind]), "case")
        refuse_execute(rule, quoted, case.finish(params), detail=case.description)

    examples(check)


# --------------------------------------------------------------------------- methods and bodies


UNKNOWN_METHODS = [
    "private/tradeproof_no_such_method",
    "public/tradeproof_no_such_method",
    "private/execute_quote_tradeproof",
    "private/tradeproof/execute_quote",
]


@pytest.mark.rule("DRV-UNKNOWN-METHOD")
@pytest.mark.parametrize("method", UNKNOWN_METHODS)
def test_unknown_method_is_refused(method, derive, new_party, derive_domain):
    rule = "DRV-UNKNOWN-METHOD"
    quoted = open_quote(derive, derive_domain, new_party("method-taker"), new_party("method-maker"), rule)
    params = quoted.execute_params()  # a valid execute body, sent to a method that does not exist
    refused_and_unchanged(
        rule, quoted, lambda: derive.call(method, params, party=quoted.taker), detail=f"POST /{method}"
    )


def _bodies(params: dict) -> dict[str, bytes]:
    good = json.dumps(params, separators=(",", ":")).encode()
    return {
        "truncated": good[: len(good) // 2],
        "trailing-garbage": good + b"}",
        "single-quotes": good.replace(b'"', b"'"),
        "unquoted-keys": good.replace(b'"direction"', b"direction"),
        "bare-word": b"execute",
        "nan-literal": good.replace(b'"max_fee":"1000"', b'"max_fee":NaN'),
    }


@pytest.mark.rule("DRV-PARSE-ERROR")
@pytest.mark.parametrize("body", ["truncated", "trailing-garbage", "single-quotes", "unquoted-keys", "bare-word", "nan-literal"])
def test_unparseable_body_is_refused(body, derive, new_party, derive_domain):
    rule = "DRV-PARSE-ERROR"
    quoted = open_quote(derive, derive_domain, new_party("parse-taker"), new_party("parse-maker"), rule)
    raw = _bodies(quoted.execute_params())[body]
    refused_and_unchanged(
        rule, quoted, lambda: derive.call(EXECUTE, None, party=quoted.taker, content=raw), detail=f"{body}: {raw[:40]!r}"
    )


# --------------------------------------------------------------------------- valid executions


VALID = {
    "sell-quote-2-legs": ("sell", 2, "owner"),
    "buy-quote-2-legs": ("buy", 2, "owner"),
    "sell-quote-1-leg": ("sell", 1, "owner"),
    "buy-quote-3-legs": ("buy", 3, "owner"),
    "admin-session-key": ("sell", 2, "session"),
}


@pytest.mark.rule("DRV-VALID-ACCEPTED")
@pytest.mark.parametrize("variant", list(VALID))
def test_valid_execution_is_accepted_and_settles(variant, derive, new_party, derive_domain):
    rule = "DRV-VALID-ACCEPTED"
    direction, n_legs, signer = VALID[variant]
    taker, maker = new_party("valid-taker"), new_party("valid-maker")
    party, key = taker, None
    if signer == "session":
        key = new_session_key(derive, taker, rule, scope="admin", label="valid")
        if key is None:
            pytest.skip("the target does not offer private/register_scoped_session_key")
        party = as_session(taker, key)  # headers and action both signed by the admin session key
    plan = default_plan(derive, n_legs)
    quoted = open_quote(derive, derive_domain, taker, maker, rule, plan=plan, quote_direction=direction)
    outcome = quoted.execute(quoted.execute_params(key=key), party)
    expect_outcome(rule, outcome, detail=variant)
    final = quoted.wait_settled(outcome.body["result"])
    require(rule, final == "settled", "tx_status settled", f"tx_status {final}", detail=variant)
    status = quoted.quote_status()
    require(rule, status == "filled", "the quote filled", f"quote {status}", detail=variant)


@pytest.mark.rule("DRV-RESULT-SCHEMA")
@pytest.mark.parametrize("direction", ["sell", "buy"])
def test_result_matches_seed_003(direction, derive, new_party, derive_domain):
    rule = "DRV-RESULT-SCHEMA"
    quoted = open_quote(derive, derive_domain, new_party("result-taker"), new_party("result-maker"), rule, quote_direction=direction)
    outcome = expect_accepted(rule, quoted.execute(quoted.execute_params()), detail="a valid execute")
    result = outcome.body["result"]
    errors = schemas.errors("derive/execute_quote_result", result)
    require(rule, not errors, "seed 003's result object, field for field", "; ".join(errors[:4]))
    require(
        rule,
        (result["quote_id"], result["rfq_id"]) == (quoted.quote_id, quoted.rfq_id),
        f"quote_id {quoted.quote_id} and rfq_id {quoted.rfq_id}",
        f"quote_id {result['quote_id']} and rfq_id {result['rfq_id']}",
    )


# --------------------------------------------------------------------------- auth headers


def _headers(case: str, taker, maker) -> dict[str, str]:
    good = taker.headers()
    if case == "no-headers":
        return {}
    if case.startswith("no-"):
        name = {"no-wallet": "X-LyraWallet", "no-timestamp": "X-LyraTimestamp", "no-signature": "X-LyraSignature"}[case]
        return {k: v for k, v in good.items() if k != name}
    if case == "stranger-signature":
        return auth_headers(other_key(taker.key), taker.wallet)
    if case == "other-wallet":
        return maker.headers()  # a valid login of another wallet, for the taker's subaccount
    if case == "garbage-signature":
        return {**good, "X-LyraSignature": "0x" + "ab" * 65}
    if case == "timestamp-not-signed":
        return {**good, "X-LyraTimestamp": str(int(good["X-LyraTimestamp"]) + 1)}
    raise ValueError(case)


AUTH_CASES = ["no-headers", "no-wallet", "no-timestamp", "no-signature", "stranger-signature", "other-wallet", "garbage-signature", "timestamp-not-signed"]


@pytest.mark.rule("DRV-AUTH-HEADERS")
@pytest.mark.parametrize("case", AUTH_CASES)
def test_execute_needs_valid_auth_headers(case, derive, new_party, derive_domain):
    rule = "DRV-AUTH-HEADERS"
    quoted = open_quote(derive, derive_domain, new_party("auth-taker"), new_party("auth-maker"), rule)
    params = quoted.execute_params()
    headers = _headers(case, quoted.taker, quoted.maker)
    refused_and_unchanged(rule, quoted, lambda: derive.call(EXECUTE, params, headers=headers), detail=case)
