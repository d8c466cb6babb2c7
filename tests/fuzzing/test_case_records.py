"""A Schemathesis case survives a replay file: ``recorded`` keeps the generated request
as JSON, ``rebuilt`` makes the same case of the same operation again."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings

from tradeproof import fuzzing

CHECK = settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), database=None)
OPERATIONS = {o.id: o for o in fuzzing.operations()}
SOME = ["o2-PUT-/v1/session", "o2-GET-/v1/markets", "derive-POST-/private/execute_quote"]


@pytest.mark.parametrize("operation_id", SOME)
def test_a_recorded_case_is_rebuilt_the_same(operation_id):
    operation = OPERATIONS[operation_id]

    @CHECK
    @given(case=fuzzing.cases(operation))
    def roundtrip(case):
        record = fuzzing.recorded(case)
        assert json.loads(json.dumps(record)) == record  # JSON-ready as it is
        again = fuzzing.rebuilt(operation, json.loads(json.dumps(record)))
        assert (again.method, again.path) == (case.method, case.path)
        for name in ("path_parameters", "query", "cookies", "media_type"):
            assert getattr(again, name) == getattr(case, name), name
        assert dict(again.headers or {}) == dict(case.headers or {})
        assert fuzzing.recorded(again) == record

    roundtrip()


def test_a_body_that_is_not_json_is_kept_as_bytes():
    operation = OPERATIONS["o2-PUT-/v1/session"]
    case = fuzzing.api_operation(operation).Case(body=b"\x00{not json", media_type="application/json")
    record = fuzzing.recorded(case)
    assert record["body"] == {"$bytes": "AHtub3QganNvbg=="} and record["has_body"]
    assert fuzzing.rebuilt(operation, record).body == b"\x00{not json"
