"""Generate, send and judge one Schemathesis case against a target.

``cases(operation)`` draws Schemathesis cases of one operation, positive and negative;
``call_and_check(case, url)`` sends one (the signing hooks run inside ``case.call``) and
runs :func:`tradeproof.fuzzing.checks.checks_for` on the answer, raising the
``TargetFault`` or ``RuleViolation`` the pytest plugin records.
"""

from __future__ import annotations

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
