"""tradeproof's verdicts as Schemathesis checks, and which built-in checks stay on.

Each check is a plain ``(ctx, response, case)`` function, registered with
``@schemathesis.check`` by :func:`register` (not at import, so importing this module
changes no global state). A check raises:

* ``FaultFound`` wrapping a ``TargetFault`` — the target answered in a way no rule can
  be judged on (TARGET.md: 5xx, non-JSON, no outcome; errors.py: "JSON of an impossible
  shape"; here also a code no source documents for the endpoint);
* ``RuleViolation`` — a rule of the catalogue did not hold, named by its id.

Both are ``AssertionError`` s, so Schemathesis reports them as check failures;
:func:`verdict` turns its ``FailureGroup`` back into the one exception the pytest
plugin records (a fault wins: a faulty target's verdicts cannot be trusted).

Checks that do not apply to these protocols are left out of :func:`checks_for`, each
with the reason next to it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlsplit

from .. import rules, schemas
from ..checks import RuleViolation
from ..errors import TargetFault, TargetMisbehaved
from ..target.outcome import Exchange, Kind, classify_derive, classify_o2, classify_plain, parse_body
from . import operations as ops
from .verdicts import Sent, o2_breaks, parse_sent

if TYPE_CHECKING:
    import schemathesis

CheckFunction = Callable[[Any, Any, Any], Any]


class FaultFound(AssertionError):
    """A target fault found by a check (an AssertionError so Schemathesis reports it)."""

    def __init__(self, fault: TargetFault) -> None:
        super().__init__(f"target fault: {fault}")
        self.fault = fault


# --------------------------------------------------------------------------- answers


@dataclass(frozen=True)
class Answer:
    """One response, classified as TARGET.md says, with the request that caused it."""

    operation: ops.Operation
    kind: Kind
    code: int | None
    message: str
    sent: Sent
    sent_value: Any
    exchange: Exchange

    def fault(self, text: str) -> FaultFound:
        return FaultFound(TargetMisbehaved(text, request=self.exchange.describe(), exchange=self.exchange.as_dict()))

    def violation(self, rule_id: str, detail: str = "", *, expected: str = "", observed: str = "") -> RuleViolation:
        outcome = f"{self.kind.value}" + (f" code {self.code}" if self.code is not None else "")
        return RuleViolation(
            rule_id, expected or rules.get(rule_id).expected_text, observed or outcome, [self.exchange], detail
        )


_last: tuple[Any, Answer | None] = (None, None)


def answer(case: schemathesis.Case, response: schemathesis.Response) -> Answer | None:
    """The classified answer (None for an operation of another API). Cached per response."""
    global _last
    if _last[0] is response:
        return _last[1]
    operation = ops.lookup(case.method, case.path)
    if operation is None:
        return None
    sent, value = parse_sent(response.request.body)
    text = response.content.decode("utf-8", "replace")
    is_json, body = parse_body(text)
    exchange = Exchange(
        method=str(response.request.method),
        url=_path_of(str(response.request.url)),
        request_body=value if sent is Sent.JSON else _shown(response.request.body),
        status=response.status_code,
        response_body=body if is_json else None,
        response_text="" if is_json else text[:500],
        elapsed=response.elapsed,
    )
    status = response.status_code
    if status == 429:
        kind, code, message = Kind.RATE_LIMITED, None, "HTTP 429"  # the body may be anything
    elif not is_json and not (operation.kind is ops.EndpointKind.HARNESS and status == 404):
        kind, code, message = Kind.FAULT, None, f"HTTP {status} with a body that is not JSON"
    else:
        classify = {ops.EndpointKind.SESSION: classify_o2, ops.EndpointKind.RPC: classify_derive}.get(operation.kind, classify_plain)
        kind, code, message = classify(status, body)
    result = Answer(operation, kind, code, message, sent, value, exchange)
    _last = (response, result)
    return result


def _path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _shown(raw: bytes | str | None) -> str | None:
    if raw is None:
        return None
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    return text[:500]


# --------------------------------------------------------------------------- the checks


def tradeproof_outcome(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> bool | None:
    """TARGET.md's outcome classification: a 5xx, a body that is not JSON, or an answer
    that is neither accepted nor rejected nor rate-limited is a target fault."""
    found = answer(case, response)
    if found is None:
        return True  # not ours: skipped
    if found.kind is Kind.FAULT:
        raise found.fault(f"{found.operation.label}: {found.message}")
    return None


def tradeproof_documented_code(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> bool | None:
    """A rejection carries a code documented for the endpoint (protocol/o2.md §1.4,
    derive.md §3.2). An unknown code cannot be judged by any rule: a target fault.
    Derive's -32603 is the JSON-RPC form of a crash and is reported as one."""
    found = answer(case, response)
    if found is None or found.kind is not Kind.REJECTED or found.code is None or found.operation.codes is None:
        return True
    if found.code in found.operation.codes:
        return None
    if found.operation.kind is ops.EndpointKind.RPC and found.code == -32603:
        raise found.fault(
            f"{found.operation.label}: JSON-RPC internal error (-32603): the target crashed on this input"
        )
    raise found.fault(
        f"{found.operation.label}: rejected with code {found.code}, which no source documents for this endpoint"
    )


def tradeproof_rejects_invalid(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> bool | None:
    """``negative_data_rejection`` judged by the body, under the rule the *sent* request
    breaks: a body that is not JSON gets the parse-error code (O2 1002, Derive -32700);
    an O2 session body breaking TARGET.md §1 format rules is refused with one of those
    rules' codes (only "refused" when it also breaks something no rule covers);
    execute_quote params outside seed 003's schema get -32602. An empty or ambiguous
    body (``NaN``, UTF-16) and a rate-limited answer are no verdict."""
    found = answer(case, response)
    if found is None or found.kind not in (Kind.ACCEPTED, Kind.REJECTED) or not found.operation.rules:
        return True
    operation = found.operation
    if found.sent is Sent.NOT_JSON:
        rule_id = "O2-PARSE-ERROR" if operation.protocol == "o2" else "DRV-PARSE-ERROR"
        _require(found, rule_id, exact=True, detail="the request body is not JSON")
    elif found.sent is not Sent.JSON:
        return True
    elif operation.kind is ops.EndpointKind.SESSION:
        breaks = o2_breaks(operation.path, found.sent_value)
        if breaks.rules:
            # Whichever break a target checks first, its answer must be that rule's: the
            # codes of all broken rules are acceptable. A break no rule covers (an extra
            # field, say) may draw any rejection, so then only "not accepted" is judged.
            detail = f"the body breaks {', '.join(breaks.distinct)}"
            _require(found, *breaks.distinct, exact=not breaks.uncovered, detail=detail)
    elif operation.rpc_method == "private/execute_quote":
        if not schemas.is_valid(operation.body_schema or "", found.sent_value):
            problems = schemas.errors(operation.body_schema or "", found.sent_value)
            _require(found, "DRV-PARAMS-SCHEMA", exact=True, detail=problems[0] if problems else "")
    return None


def _require(found: Answer, *rule_ids: str, exact: bool, detail: str = "") -> None:
    """Rejected, and with a code one of the rules accepts when ``exact``."""
    broken = [rules.get(rule_id) for rule_id in rule_ids]
    if found.kind is Kind.ACCEPTED or (exact and not any(rule.accepts_code(found.code) for rule in broken)):
        expected = " or ".join(dict.fromkeys(rule.expected_text for rule in broken))
        raise found.violation(rule_ids[0], detail, expected=expected)


def tradeproof_response_schema(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> bool | None:
    """Response bodies conform to the documents' response schemas (Schemathesis'
    ``response_schema_conformance``), and an accepted execute_quote's result to seed
    003's, field for field (DRV-RESULT-SCHEMA). A body of the wrong shape is a target
    fault: "JSON of an impossible shape" (errors.TargetMisbehaved)."""
    found = answer(case, response)
    if found is None or found.kind in (Kind.FAULT, Kind.RATE_LIMITED):
        return True  # a fault is reported by tradeproof_outcome; a rate limit may be any body
    if found.operation.rpc_method == "private/execute_quote" and found.kind is Kind.ACCEPTED:
        result = found.exchange.response_body.get("result")
        problems = schemas.errors("derive/execute_quote_result", result)
        if problems:
            raise found.violation(
                "DRV-RESULT-SCHEMA", expected="a result as seed 003's response schema", observed=problems[0]
            )
    try:
        case.operation.validate_response(response, case=case)
    except (AssertionError, BaseExceptionGroup) as failed:
        failure = failed.exceptions[0] if isinstance(failed, BaseExceptionGroup) else failed
        title = getattr(failure, "title", "Response violates schema")
        message = " ".join(str(getattr(failure, "message", failure)).split())
        raise found.fault(f"{found.operation.label}: {title}: {message[:400]}") from None
    return None


OURS: tuple[CheckFunction, ...] = (
    tradeproof_outcome,
    tradeproof_documented_code,
    tradeproof_rejects_invalid,
    tradeproof_response_schema,
)

# Built-in checks and why each is on or off for these protocols:
BUILTIN_ON = {
    # O2 documents its statuses per endpoint (200, 4XX, 429); an undocumented one
    # (e.g. 3xx) is worth reporting. Off for Derive: JSON-RPC answers every outcome with
    # HTTP 200 and the document says `default`, so the status says nothing there.
    "o2": ("status_code_conformance", "response_headers_conformance"),
    "derive": ("response_headers_conformance",),
}
BUILTIN_OFF = {
    "not_a_server_error": "tradeproof_outcome reports a 5xx as a target fault, with the classification",
    "response_schema_conformance": "run inside tradeproof_response_schema, which skips rate-limited answers "
    "(a 429 body may be anything, TARGET.md) and faults already reported",
    "content_type_conformance": "a rate-limit page may be text/plain (o2.yaml RateLimited); a non-JSON body "
    "anywhere else is already a fault of tradeproof_outcome",
    "negative_data_rejection": "status-based, but O2 pre-flight errors may come with HTTP 200 (o2.md §1.4) and "
    "JSON-RPC errors always do; re-expressed by body as tradeproof_rejects_invalid",
    "positive_data_acceptance": "a schema-valid request is routinely refused for semantic reasons (balance, "
    "nonce, unknown ids, tick, expiry): that is the protocols' business, judged by the conformance rules",
    "missing_required_header": "expects a 4xx for a missing O2-Owner-Id / X-Lyra header; TARGET.md does not "
    "require refusing a missing O2-Owner-Id, and Derive refuses with HTTP 200 (14021)",
    "unsupported_method": "sends extra, unpaced requests with undeclared methods; no rule covers them",
    "allow_header_conformance": "as unsupported_method",
    "ignored_auth": "sends extra unpaced requests without auth; Derive refuses with HTTP 200, a false alarm",
    "object_level_authorization": "sends extra requests as another identity; no such rule here",
    "use_after_free": "stateful REST resource check; these APIs have no DELETE",
    "ensure_resource_availability": "stateful REST resource check; no links between these operations",
    "max_response_time": "off by default; timeouts are the HTTP client's (a timeout is a target fault)",
}

_registered = False


def register() -> None:
    """Register tradeproof's checks with Schemathesis (once per process)."""
    global _registered
    if _registered:
        return
    import schemathesis

    for check in OURS:
        schemathesis.check(check)
    _registered = True


def checks_for(protocol: str) -> list[CheckFunction]:
    """The checks to run for a protocol's operations: ours plus the built-ins left on."""
    import schemathesis.checks

    register()
    return [*OURS, *(getattr(schemathesis.checks, name) for name in BUILTIN_ON[protocol])]


# --------------------------------------------------------------------------- verdicts


def verdict(group: BaseExceptionGroup[Any]) -> NoReturn:
    """Raise the one exception the pytest plugin records for a failed case."""
    faults: list[TargetFault] = []
    violations: list[RuleViolation] = []
    others: list[BaseException] = []
    for failure in group.exceptions:
        cause = getattr(failure, "exception", failure)
        if isinstance(cause, FaultFound):
            faults.append(cause.fault)
        elif isinstance(cause, RuleViolation):
            violations.append(cause)
        else:
            others.append(failure)
    if faults:
        raise faults[0] from group
    if violations:
        raise violations[0] from group
    first = others[0]
    title = getattr(first, "title", type(first).__name__)
    raise TargetMisbehaved(f"{title}: {getattr(first, 'message', str(first))}") from group


def names(checks: Sequence[CheckFunction]) -> list[str]:
    return [check.__name__ for check in checks]
