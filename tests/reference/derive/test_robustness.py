"""Bad input never yields a 5xx, a traceback or -32603, and never changes state."""

from __future__ import annotations

import json
from typing import Any

import pytest
from derive_rig import Deal, Rig
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradeproof.reference.derive import DeriveExchange, RpcError
from tradeproof.reference.derive.registry import METHODS

pytestmark = pytest.mark.anyio

WEIRD: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    1.5,
    10**40,
    -(10**40),
    2**63,
    2**256,
    "",
    " ",
    "0x",
    "NaN",
    "-Infinity",
    "1e999999",
    "9" * 80,
    "0." + "0" * 60 + "1",
    "٣",
    "\u0000",
    "\ud800"[:0] + "é",
    [],
    [1],
    {},
    {"a": 1},
    [[[[]]]],
    "buy",
    "sell",
    "0x" + "ab" * 20,
    "0x" + "ab" * 65,
]


async def test_unparseable_body_32700(rig: Rig) -> None:
    for body in (
        b"{",
        b"not json",
        b"\xff\xfe",
        b"[" * 500,
        b'{"a": NaN}',
        b'{"a": Infinity}',
        b'{"a": 1} x',
    ):
        response = await rig.client.post("/private/execute_quote", content=body)
        assert response.status_code == 200
        assert response.json()["error"]["code"] == -32700, body[:20]


async def test_deeply_nested_body_refused_without_recursing(rig: Rig) -> None:
    for body in (b"[" * 100_000, b"[" * 5000 + b"]" * 5000, b'{"a":' * 3000 + b"1" + b"}" * 3000):
        response = await rig.client.post("/private/execute_quote", content=body)
        assert response.status_code == 200 and response.json()["error"]["code"] == -32600


async def test_unknown_method_32601(rig: Rig) -> None:
    for path in ("/public/nope", "/private/execute_quotes", "/private/", "/public/get_time/x"):
        response = await rig.client.post(path, json={})
        assert response.json()["error"]["code"] == -32601, path


@pytest.mark.parametrize("body", [[], [{}], 5, "x", None])
async def test_params_not_an_object_32602(rig: Rig, body: Any) -> None:
    response = await rig.client.post("/private/execute_quote", content=json.dumps(body))
    assert response.json()["error"]["code"] == -32602


async def test_oversized_body_rejected(rig: Rig) -> None:
    response = await rig.client.post("/public/get_time", content=b" " * (1 << 20) + b"{}")
    assert response.status_code == 200 and response.json()["error"]["code"] == -32600


async def test_envelope_on_base_url(rig: Rig, deal: Deal) -> None:
    response = await rig.client.post("/", json={"id": 7, "method": "public/get_time", "params": {}})
    assert response.json() == {"id": 7, "result": rig.clock.ms}
    response = await rig.client.post(
        "/",
        json={"id": "x", "method": "private/execute_quote", "params": deal.execute},
        headers=rig.headers(deal.taker),
    )
    assert response.json()["id"] == "x" and response.json()["result"]["status"] == "filled"
    for bad in ({"id": 1}, [], {"method": 5}):
        response = await rig.client.post("/", json=bad)
        assert response.json()["error"]["code"] == -32600
    response = await rig.client.post("/", json={"id": 2, "method": "public/nope"})
    assert response.json() == {
        "id": 2,
        "error": {
            "code": -32601,
            "message": "Method not found",
            "data": "unknown method 'public/nope'",
        },
    }


@pytest.mark.parametrize("value", WEIRD, ids=repr)
async def test_weird_values_in_every_execute_param(rig: Rig, deal: Deal, value: Any) -> None:
    before = rig.state(deal.maker, deal.taker)
    for name in deal.execute:
        if value == deal.execute[name] and type(value) is type(deal.execute[name]):
            continue
        body = await rig.execute(deal.taker, {**deal.execute, name: value})
        assert "error" in body and body["error"]["code"] != -32603, (name, body)
    if not isinstance(value, str):  # any string is a valid label
        body = await rig.execute(deal.taker, {**deal.execute, "label": value})
        assert body["error"]["code"] == -32602, body
    for name in ("instrument_name", "direction", "price", "amount"):
        if value == deal.execute["legs"][0][name]:
            continue
        legs = [dict(deal.execute["legs"][0], **{name: value}), deal.execute["legs"][1]]
        body = await rig.execute(deal.taker, {**deal.execute, "legs": legs})
        assert "error" in body and body["error"]["code"] != -32603, (name, body)
    assert rig.state(deal.maker, deal.taker) == before
    assert await rig.quote_status(deal.maker, deal.quote["quote_id"]) == "open"


@pytest.mark.parametrize(
    "value", ["1" * 64, "0.000000000000000000000000001", "99999999999999999999999999999999"]
)
async def test_extreme_decimals_in_legs_and_fees(rig: Rig, deal: Deal, value: str) -> None:
    for name in ("price", "amount"):
        legs = [
            {
                "instrument_name": "ETH-PERP",
                "direction": "sell",
                "amount": "0.5",
                "price": "3000",
                name: value,
            }
        ]
        body = await rig.rpc(
            "private/send_quote",
            {**rig.quote_params(deal.maker, deal.rfq), "legs": legs},
            rig.headers(deal.maker),
        )
        assert body["error"]["code"] in (-32602, 11012, 11013, 11103), body
    body = await rig.execute(deal.taker, {**deal.execute, "max_fee": value})
    assert body["error"]["code"] in (-32602, 14014), body


async def test_fund_harness_rejects_bad_input(rig: Rig) -> None:
    for body in (
        {},
        {"wallet": "0x12", "amount": "1"},
        {"wallet": "0x" + "1" * 40, "amount": "-1"},
        {"wallet": "0x" + "1" * 40, "amount": "1e3"},
        {"wallet": "0x" + "1" * 40, "amount": 1.5},
        [],
    ):
        response = await rig.client.post("/_harness/derive/fund", json=body)
        assert response.status_code == 400 and "error" in response.json(), body
    response = await rig.client.post(
        "/_harness/derive/fund", json={"wallet": "0x" + "1" * 40, "amount": 5}
    )
    assert response.status_code == 200


async def test_harness_info(rig: Rig) -> None:
    response = await rig.client.get("/_harness")
    assert "derive" in response.json()["protocols"]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.sampled_from(["buy", "sell", "0x" + "11" * 20, "1", "0.5", "ETH-PERP"]),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    method=st.sampled_from(sorted(METHODS)),
    params=json_values
    | st.dictionaries(
        st.sampled_from(
            [
                "subaccount_id",
                "legs",
                "rfq_id",
                "quote_id",
                "direction",
                "max_fee",
                "nonce",
                "signer",
                "signature",
                "signature_expiry_sec",
                "wallet",
                "currency",
                "instrument_type",
                "expired",
            ]
        ),
        json_values,
        max_size=8,
    ),
)
def test_engine_never_fails_internally(method: str, params: Any) -> None:
    exchange = _EXCHANGE
    try:
        exchange.call(method, params, {})
    except RpcError as error:
        assert error.code != -32603
        json.dumps(error.to_json())


_EXCHANGE = DeriveExchange(clock=lambda: 1_800_000_000.0)


execute_like = st.fixed_dictionaries(
    {
        "direction": st.sampled_from(["buy", "sell", "BUY", 1]),
        "max_fee": st.sampled_from(["1", "01", "1.", "-0.5", "1e3", 1, "1\n"]),
        "nonce": st.one_of(st.integers(-(2**300), 2**300), st.floats(), st.text(max_size=3)),
        "quote_id": st.text(max_size=3),
        "rfq_id": st.just("r"),
        "signature": st.just("s"),
        "signature_expiry_sec": st.integers(0, 2**70),
        "signer": st.just("0x"),
        "subaccount_id": st.integers(),
        "legs": st.lists(
            st.fixed_dictionaries(
                {
                    "instrument_name": st.text(max_size=2),
                    "direction": st.sampled_from(["buy", "x"]),
                    "price": st.sampled_from(["1", "1.50", "x"]),
                    "amount": st.just("2"),
                },
                optional={"extra": st.none()},
            ),
            max_size=2,
        ),
    },
    optional={"label": st.one_of(st.text(max_size=3), st.none()), "client": st.just("x")},
)


@settings(max_examples=300, deadline=None)
@given(params=execute_like)
def test_compiled_schema_agrees_with_tradeproof_schemas(params: dict[str, Any]) -> None:
    """The inlined, compiled params schema gives the shipped schema's verdict."""
    from tradeproof import schemas
    from tradeproof.reference.derive.params import _fast_validator

    assert _fast_validator("derive/execute_quote_params")(params) == schemas.is_valid(
        "derive/execute_quote_params", params
    )
