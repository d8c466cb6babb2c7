"""Generate, send and judge one Schemathesis case against a target.

``cases(operation)`` draws Schemathesis cases of one operation, positive and negative;
``call_and_check(case, url)`` sends one (the signing hooks run inside ``case.call``) and
runs :func:`tradeproof.fuzzing.checks.checks_for` on the answer, raising the
``TargetFault`` or ``RuleViolation`` the pytest plugin records. ``recorded(case)`` is
what a replay file keeps of a case, ``rebuilt(operation, record)`` the case again.
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st

from ..errors import TargetTimeout, TargetUnreachable
from .checks import checks_for, verdict
from .operations import Operation, load_schema, lookup

if TYPE_CHECKING:
    import requests
    import schemathesis


def api_operation(operation: Operation) -> schemathesis.APIOperation:
    """Schemathesis' view of an operation of the shipped documents."""
    return load_schema(operation.protocol)[operation.path][operation.method]


def cases(operation: Operation, modes: tuple[str, ...] = ("positive", "negative")) -> st.SearchStrategy[Any]:
    """Schemathesis' fuzzing-phase cases of ``operation`` in the given generation modes.

    An operation with nothing to break (``GET /v1/markets`` takes no input) has no
    negative cases; it then gets positive ones only.
    """
    from schemathesis import GenerationMode

    api = api_operation(operation)
    drawn = [api.as_strategy(generation_mode=GenerationMode(mode)) for mode in modes if mode == "positive"]
    if "negative" in modes and _can_break(api):
        drawn.append(api.as_strategy(generation_mode=GenerationMode.NEGATIVE))
    return st.one_of(drawn)


CASE_FIELDS = ("method", "path_parameters", "headers", "cookies", "query", "body", "media_type")


def recorded(case: schemathesis.Case) -> dict[str, Any]:
    """What a replay file keeps of a case: the request as Schemathesis generated it,
    before the signing hook fills in signer, nonce and signature (which a replay makes
    afresh). JSON-ready copies; the caller takes it before sending."""
    fields = {name: getattr(case, name, None) for name in CASE_FIELDS}
    fields["headers"] = dict(fields["headers"] or {})
    fields["body"] = None if _is_unset(case.body) else case.body
    fields["has_body"] = not _is_unset(case.body)
    return json.loads(json.dumps(fields, default=_bytes_to_json))


def rebuilt(operation: Operation, record: dict[str, Any]) -> schemathesis.Case:
    """The case ``recorded`` kept, for ``operation``, ready for ``call_and_check``."""
    fields = {name: _json_to_bytes(record.get(name)) for name in CASE_FIELDS if name != "body"}
    if record.get("has_body"):
        fields["body"] = _json_to_bytes(record.get("body"))
    return api_operation(operation).Case(**fields)


def _bytes_to_json(value: Any) -> Any:
    """Raw bytes (a negative case's body that is not JSON at all) as base64."""
    if isinstance(value, bytes | bytearray):
        return {"$bytes": base64.b64encode(bytes(value)).decode()}
    raise TypeError(f"a {type(value).__name__} cannot go into a replay file")


def _json_to_bytes(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$bytes"}:
            return base64.b64decode(value["$bytes"])
        return {k: _json_to_bytes(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_to_bytes(v) for v in value]
    return value


def _is_unset(value: Any) -> bool:
    from schemathesis.core import NOT_SET

    return value is NOT_SET


def _can_break(api: schemathesis.APIOperation) -> bool:
    return bool(getattr(api, "body", None)) or any(True for _ in api.iter_parameters())


def call_and_check(
    case: schemathesis.Case,
    base_url: str,
    *,
    session: requests.Session | None = None,
    timeout: float | None = None,
) -> schemathesis.Response:
    """Send ``case`` to ``base_url`` and judge the answer; raises ``TargetFault`` for a
    timeout, a reset or a faulty answer, ``RuleViolation`` for a broken rule."""
    import requests
    from schemathesis.errors import FailureGroup

    kwargs: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
    try:
        response = case.call(base_url=base_url, session=session, **kwargs)
    except requests.Timeout as exc:
        label = f"{case.method} {case.path}"
        raise TargetTimeout(f"{label}: no answer in time ({exc})", request=label) from None
    except requests.RequestException as exc:
        label = f"{case.method} {case.path}"
        raise TargetUnreachable(f"{label}: connection reset or refused ({exc})", request=label) from None
    known = lookup(case.method, case.path)
    try:
        case.validate_response(response, checks=checks_for(known.protocol if known else "o2"))
    except FailureGroup as group:
        verdict(group)
    return response
