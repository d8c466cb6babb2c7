"""``private/execute_quote`` requests as requests: params that break seed 003's schema
(-32602), unknown methods (-32601), bodies that are not JSON (-32700) and missing or
foreign X-Lyra headers are refused and change nothing; a correct execution is accepted,
settles, and answers seed 003's result object field for field."""

from __future__ import annotations

import pytest

from tradeproof.checks import expect_accepted, expect_outcome, require
from tradeproof.scenarios.derive import (
    AUTH_FAULTS,
    UNPARSEABLE_FORMS,
    as_session,
    default_plan,
    faulty_auth_headers,
    new_session_key,
    open_quote,
    refuse_execute,
    refused_and_unchanged,
    require_execute_result,
    unparseable_body,
)
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


@pytest.mark.rule("DRV-PARSE-ERROR")
@pytest.mark.parametrize("body", UNPARSEABLE_FORMS)
def test_unparseable_body_is_refused(body, derive, new_party, derive_domain):
    rule = "DRV-PARSE-ERROR"
    quoted = open_quote(derive, derive_domain, new_party("parse-taker"), new_party("parse-maker"), rule)
    raw = unparseable_body(quoted.execute_params(), body)
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
    require_execute_result(rule, outcome, quoted.quote_id, quoted.rfq_id, detail=f"a {direction} quote executed")


# --------------------------------------------------------------------------- auth headers


@pytest.mark.rule("DRV-AUTH-HEADERS")
@pytest.mark.parametrize("case", AUTH_FAULTS)
def test_execute_needs_valid_auth_headers(case, derive, new_party, derive_domain):
    rule = "DRV-AUTH-HEADERS"
    quoted = open_quote(derive, derive_domain, new_party("auth-taker"), new_party("auth-maker"), rule)
    params = quoted.execute_params()
    headers = faulty_auth_headers(case, quoted.taker, quoted.maker)
    refused_and_unchanged(rule, quoted, lambda: derive.call(EXECUTE, params, headers=headers), detail=case)
