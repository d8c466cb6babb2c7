"""``from_schema``: every value drawn from a schema validates against it, for every
shipped schema, with the realistic leaves and with the schemas' own regexes."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradeproof import schemas
from tradeproof.strategies.from_schema import LEAVES, from_schema, node_of

FAST = settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), database=None)
THOROUGH = settings(FAST, max_examples=25)

# Every schema that describes a request (what a client sends); the rest are responses,
# shared leaves, harness bodies and the config file.
REQUESTS = [
    "o2/account_create_request", "o2/session_request", "o2/session_actions_request", "o2/market_actions",
    "o2/action", "o2/create_order", "o2/cancel_order", "o2/settle_balance", "o2/register_referer", "o2/order_type",
    *[n for n in schemas.names() if n.startswith("derive/") and n.endswith("_params")],
    "derive/leg", "derive/rfq_leg", "derive/direction", "derive/rpc_request",
    "harness/o2_mint_request", "harness/derive_fund_request",
]
OTHERS = [n for n in schemas.names() if n not in REQUESTS]


def test_every_request_schema_is_listed():
    looks_like_request = {n for n in schemas.names() if n.endswith(("_request", "_params"))}
    assert looks_like_request <= set(REQUESTS)
    assert {"derive/execute_quote_params", "derive/send_quote_params", "derive/send_rfq_params"} <= set(REQUESTS)


def _valid(name: str, value) -> None:
    assert schemas.errors(name, value) == [], f"{name}: {value!r}"


@pytest.mark.parametrize("name", REQUESTS)
def test_request_values_validate(name):
    @THOROUGH
    @given(from_schema(name))
    def check(value):
        _valid(name, value)

    check()


@pytest.mark.parametrize("name", OTHERS)
def test_every_other_schema_validates(name):
    @FAST
    @given(from_schema(name))
    def check(value):
        _valid(name, value)

    check()


@pytest.mark.parametrize("name", ["common/u64", "common/b256", "common/decimal", "o2/session_actions_request", "derive/execute_quote_params"])
def test_without_leaves_the_regexes_also_validate(name):
    @FAST
    @given(from_schema(name, leaves={}))
    def check(value):
        _valid(name, value)

    check()


@pytest.mark.parametrize("name", sorted(LEAVES))
def test_leaves_are_whole_shipped_files_and_validate(name):
    node_of(name)  # a shipped schema

    @THOROUGH
    @given(LEAVES[name])
    def check(value):
        _valid(name, value)

    check()


@FAST
@given(from_schema("o2/create_order", leaves={**LEAVES, "common/u64": st.just("7")}))
def test_a_leaf_can_be_replaced(order):
    assert order["price"] == order["quantity"] == "7"


@FAST
@given(from_schema({"type": "object", "required": ["n"], "properties": {"n": {"$ref": "common/u64.json"}}, "additionalProperties": False}))
def test_inline_schemas_ref_the_shipped_files(value):
    assert set(value) == {"n"} and value["n"].isdigit() and int(value["n"]) < 2**64


def test_repr_reads_as_the_call():
    assert repr(from_schema("o2/action")) == "from_schema('o2/action')"
    assert repr(from_schema({"$ref": "common/u64.json"})) == "from_schema({'$ref': 'common/u64.json'})"


def test_errors_are_raised_when_the_strategy_is_built():
    with pytest.raises(KeyError, match="no schema named"):
        from_schema("o2/nope")
    with pytest.raises(ValueError, match="unsupported keyword"):
        from_schema({"type": "string", "contentEncoding": "base64"})
    with pytest.raises(ValueError, match="not itself"):
        from_schema({"$defs": {"a": {"type": "null"}}, "$ref": "#/$defs/a"})
    with pytest.raises(TypeError):
        from_schema(42)  # type: ignore[arg-type]


@FAST
@given(from_schema("o2/session_actions_request"))
def test_object_keys_come_in_the_schemas_order(body):
    order = list(schemas.schema("o2/session_actions_request")["properties"])
    assert list(body) == [k for k in order if k in body]
