"""Schemathesis over every operation of ``schemas/openapi/o2.yaml`` and ``derive.yaml``.

One test per operation: Schemathesis draws positive and negative cases from the
document (fuzzing phase; Hypothesis runs them under the campaign's budget), the
``before_call`` hook of ``tradeproof.fuzzing`` re-signs each one for a real account
(pooled O2 traders, paced per owner; a Derive taker and maker with open quotes), and
tradeproof's checks judge the answer (``tradeproof.fuzzing.checks``). A failure's replay
file keeps the case as Schemathesis generated it (``fuzzing.recorded``); a replay sends
that case again, signed afresh, instead of searching anew.

What is reported, and under which rule:

* a 5xx, a non-JSON body, an answer that is neither accepted nor rejected, a reset or
  a timeout, an undocumented error code and a response of the wrong shape are target
  faults: recorded under the test's rules when it has some, otherwise a plain pytest
  failure — no rule of the catalogue is about these endpoints in general;
* a request that breaks a body format rule and is not refused as that rule says is a
  violation of the rule (O2-PARSE-ERROR, O2-MISSING-FIELD, O2-NUMBER-FORMAT,
  O2-ID-FORMAT, O2-UNKNOWN-ACTION, O2-UNKNOWN-ORDER-TYPE, the batch-shape rules for
  the session writes; DRV-PARSE-ERROR for every JSON-RPC method; DRV-PARAMS-SCHEMA and
  DRV-RESULT-SCHEMA for execute_quote). An operation is tagged with exactly the rules
  its checks can report; the read and harness endpoints carry none.
"""

from __future__ import annotations

import pytest
import requests
from hypothesis import given

from tradeproof import fuzzing
from tradeproof.target import NotProvisioned

STAGE = 0  # one request per example: runs with the request faults, before the state machines


def _marks(operation):
    marks = [pytest.mark.rule(*operation.rules)] if operation.rules else []
    marks.append(pytest.mark.protocol(operation.protocol))
    # the signed writes carry the rules; reads and harness calls check response schemas,
    # and Schemathesis generates ~20 cases/s: a small share of a campaign each
    marks.append(pytest.mark.fuzz_weight(1 if operation.signed else 0.25))
    if operation.protocol == "o2" and operation.method != "GET":
        marks.append(pytest.mark.xdist_group("o2-book"))  # its orders land on the shared book
    return marks


OPERATIONS = [pytest.param(operation, id=operation.id, marks=_marks(operation)) for operation in fuzzing.operations()]


@pytest.fixture(scope="module")
def signers(tradeproof_context, derive_domain):
    """One signer per protocol, shared by this module's tests (their account pools too)."""
    made = {}

    def get(protocol):
        if protocol not in made:
            if protocol == "o2":
                accounts = tradeproof_context.o2_accounts
                made[protocol] = fuzzing.O2Signer(tradeproof_context.o2, accounts.new)
            else:
                accounts = tradeproof_context.derive_accounts
                made[protocol] = fuzzing.DeriveSigner(tradeproof_context.derive, derive_domain, accounts.new)
        return made[protocol]

    return get


@pytest.mark.parametrize("operation", OPERATIONS)
def test_schemathesis(operation, request, tradeproof_context, signers, examples, campaign):
    if operation.protocol not in tradeproof_context.settings.protocols:
        pytest.skip(f"--protocol leaves out {operation.protocol}")
    request.getfixturevalue(operation.protocol)  # skips when the target does not serve it
    base_url = tradeproof_context.url(operation.protocol)
    signer = signers(operation.protocol)
    if operation.signed:
        try:
            signer.ready()
        except NotProvisioned as exc:
            pytest.skip(str(exc))
    timeout = tradeproof_context.settings.request_timeout
    session = requests.Session()
    found = []  # the first failure and its case, kept in case the time slice ends while it is shrunk

    def send(case) -> None:
        record = fuzzing.recorded(case)  # as generated: the signing hook fills it in on sending
        try:
            fuzzing.call_and_check(case, base_url, session=session, timeout=timeout)
        except Exception as failure:
            found[:1] = found[:1] or [(failure, record)]
            examples.keep("case", record)  # the replay file's case: Hypothesis runs the shrunk one last
            raise

    @given(case=fuzzing.cases(operation))
    @campaign.hypothesis_settings()
    def fuzz(case):
        campaign.tick(rules=operation.rules)
        send(case)

    with session, fuzzing.signing(signer):
        if examples.replaying:  # the recorded case, signed afresh
            send(fuzzing.rebuilt(operation, examples.stored("case")))
            return
        with campaign.running():
            fuzz()
    if found:  # the campaign ended the test during shrinking: report the unshrunk failure
        failure, record = found[0]
        examples.keep("case", record)
        raise failure
