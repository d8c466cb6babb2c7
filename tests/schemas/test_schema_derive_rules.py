"""Derive schemas: execute_quote params exactly as seed 003, the quote result field for
field, the JSON-RPC envelope, and the other methods' params being closed."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tradeproof import schemas

EXAMPLES = Path(__file__).resolve().parent.parent / "vectors" / "seed_examples"
PARAMS = "derive/execute_quote_params"
RESULT = "derive/execute_quote_result"
REQUIRED_PARAMS = [
    "direction",
    "max_fee",
    "nonce",
    "quote_id",
    "rfq_id",
    "signature",
    "signature_expiry_sec",
    "signer",
    "subaccount_id",
    "legs",
]


def params() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EXAMPLES / "derive_execute_quote_params.json").read_text())
    return loaded


def result() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        (EXAMPLES / "derive_execute_quote_response.json").read_text()
    )
    return loaded["result"]  # type: ignore[no-any-return]


def assert_invalid(name: str, instance: Any) -> None:
    assert not schemas.is_valid(name, instance), f"{name} accepted {instance!r}"


def test_base_examples_are_valid() -> None:
    assert schemas.errors(PARAMS, params()) == []
    assert schemas.errors(RESULT, result()) == []


# --------------------------------------------------------------------------- execute_quote params


@pytest.mark.parametrize("value", ["BUY", "Buy", "long", "", None, 1])
def test_bad_direction(value: Any) -> None:
    body = params()
    body["direction"] = value
    assert_invalid(PARAMS, body)


@pytest.mark.parametrize("value", ["BUY", "both", None])
def test_bad_leg_direction(value: Any) -> None:
    body = params()
    body["legs"][0]["direction"] = value
    assert_invalid(PARAMS, body)


@pytest.mark.parametrize("field", REQUIRED_PARAMS)
def test_missing_required_param(field: str) -> None:
    body = params()
    del body[field]
    assert_invalid(PARAMS, body)


def test_label_is_optional() -> None:
    body = params()
    del body["label"]
    assert schemas.is_valid(PARAMS, body)


@pytest.mark.parametrize(
    "extra",
    [
        {"enable_taker_protection": True},
        {"client": "x"},
        {"wallet": "0x" + "1" * 40},
        {"quote": {}},
    ],
    ids=["enable_taker_protection", "client", "wallet", "quote"],
)
def test_extra_param(extra: dict[str, Any]) -> None:
    assert_invalid(PARAMS, {**params(), **extra})


@pytest.mark.parametrize("field", ["amount", "direction", "instrument_name", "price"])
def test_leg_missing_field(field: str) -> None:
    body = params()
    del body["legs"][1][field]
    assert_invalid(PARAMS, body)


def test_leg_without_price_is_an_rfq_leg_not_a_quote_leg() -> None:
    leg = {"instrument_name": "ETH-20270625-6000-C", "direction": "buy", "amount": "2"}
    assert schemas.is_valid("derive/rfq_leg", leg)
    assert_invalid("derive/leg", leg)
    body = params()
    body["legs"] = [leg]
    assert_invalid(PARAMS, body)


def test_leg_extra_field() -> None:
    body = params()
    body["legs"][0]["sub_id"] = "0"
    assert_invalid(PARAMS, body)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("nonce", "1695836058725002"),
        ("nonce", 1695836058725002.5),
        ("subaccount_id", "1002"),
        ("signature_expiry_sec", "1893456000"),
        ("max_fee", 12.5),
        ("max_fee", "1E+3"),
        ("max_fee", "ten"),
        ("signature", 123),
        ("signer", None),
        ("quote_id", 2),
        ("legs", {}),
        ("label", None),
    ],
)
def test_wrong_param_type(field: str, value: Any) -> None:
    body = params()
    body[field] = value
    assert_invalid(PARAMS, body)


@pytest.mark.parametrize(("where", "value"), [("price", "1E+3"), ("amount", 2), ("amount", "2.")])
def test_leg_numbers_are_decimal_strings(where: str, value: Any) -> None:
    body = params()
    body["legs"][0][where] = value
    assert_invalid(PARAMS, body)


# --------------------------------------------------------------------------- the quote result


@pytest.mark.parametrize("field", sorted(result()))
def test_every_seed_result_field_is_required(field: str) -> None:
    quote = result()
    del quote[field]
    assert_invalid(RESULT, quote)
    assert_invalid("derive/quote", quote)


def test_nullable_fields_are_exactly_tx_hash_and_tx_status() -> None:
    quote = result()
    quote.update(tx_hash=None, tx_status=None, status="open")
    assert schemas.is_valid(RESULT, quote)
    for field in sorted(set(result()) - {"tx_hash", "tx_status"}):
        nulled = result()
        nulled[field] = None
        assert_invalid(RESULT, nulled)


@pytest.mark.parametrize(
    "reason",
    [
        "",
        "user_request",
        "insufficient_margin",
        "signed_max_fee_too_low",
        "mmp_trigger",
        "cancel_on_disconnect",
        "session_key_deregistered",
        "subaccount_withdrawn",
        "rfq_no_longer_open",
        "compliance",
    ],
)
def test_cancel_reason_is_the_seed_enum_plus_empty(reason: str) -> None:
    quote = result()
    quote["cancel_reason"] = reason
    assert schemas.is_valid(RESULT, quote)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("cancel_reason", "validation_failed"),
        ("cancel_reason", None),
        ("tx_status", "confirmed"),
        ("status", "partially_filled"),
        ("liquidity_role", "both"),
        ("direction", "sell "),
        ("nonce", "1"),
        ("is_transfer", "false"),
        ("tx_hash", 0),
        ("fee", 1.5),
    ],
)
def test_bad_result_values(field: str, value: Any) -> None:
    quote = result()
    quote[field] = value
    assert_invalid(RESULT, quote)


def test_later_result_fields_are_tolerated() -> None:
    assert schemas.is_valid(
        RESULT, {**result(), "fill_pct": "1", "rfq_filled_pct": "1", "extra_fee": "0"}
    )


# --------------------------------------------------------------------------- envelope


def test_rpc_response_is_result_xor_error() -> None:
    error = {"code": -32602, "message": "Invalid params", "data": {"max_fee": "bad"}}
    assert schemas.is_valid("derive/rpc_response", {"id": "1", "result": "ok"})
    assert schemas.is_valid("derive/rpc_response", {"id": 7, "error": error})
    assert schemas.is_valid(
        "derive/rpc_response", {"id": None, "error": {"code": -32700, "message": "Parse error"}}
    )
    for bad in [
        {"id": "1"},
        {"id": "1", "result": 1, "error": error},
        {"result": 1},
        {"id": "1", "error": {"code": "-32602", "message": "x"}},
        {"id": "1", "error": {"code": 1, "message": "x", "data": 5}},
    ]:
        assert_invalid("derive/rpc_response", bad)


def test_rpc_request() -> None:
    assert schemas.is_valid(
        "derive/rpc_request", {"id": "1", "method": "private/execute_quote", "params": params()}
    )
    for bad in [
        {"id": "1", "method": "execute_quote", "params": {}},
        {"id": 1.5, "method": "public/get_time", "params": {}},
        {"id": "1", "method": "public/get_time"},
        {"id": "1", "method": "public/get_time", "params": []},
    ]:
        assert_invalid("derive/rpc_request", bad)


# --------------------------------------------------------------------------- other methods

METHODS = [
    "get_time",
    "get_instruments",
    "get_instrument",
    "send_rfq",
    "poll_rfqs",
    "send_quote",
    "poll_quotes",
    "get_quotes",
    "execute_quote",
    "cancel_quote",
    "cancel_rfq",
    "get_subaccount",
    "register_scoped_session_key",
]

MINIMAL_PARAMS: dict[str, dict[str, Any]] = {
    "get_time": {},
    "get_instruments": {"currency": "ETH", "instrument_type": "option", "expired": False},
    "get_instrument": {"instrument_name": "ETH-PERP"},
    "send_rfq": {
        "subaccount_id": 1,
        "legs": [{"instrument_name": "ETH-PERP", "direction": "buy", "amount": "1"}],
    },
    "poll_rfqs": {"subaccount_id": 1},
    "send_quote": {k: v for k, v in params().items() if k not in ("quote_id", "label")},
    "poll_quotes": {"subaccount_id": 1},
    "get_quotes": {"subaccount_id": 1},
    "execute_quote": {k: v for k, v in params().items() if k != "label"},
    "cancel_quote": {"subaccount_id": 1, "quote_id": "q"},
    "cancel_rfq": {"subaccount_id": 1, "rfq_id": "r"},
    "get_subaccount": {"subaccount_id": 1},
    "register_scoped_session_key": {
        "wallet": "0x" + "1" * 40,
        "public_session_key": "0x" + "2" * 40,
        "expiry_sec": 1893456000,
    },
}


def test_every_method_has_params_and_result() -> None:
    names = set(schemas.names())
    for method in METHODS:
        assert f"derive/{method}_params" in names and f"derive/{method}_result" in names, method


@pytest.mark.parametrize("method", METHODS)
def test_params_are_closed_and_minimal_params_are_valid(method: str) -> None:
    name = f"derive/{method}_params"
    body = MINIMAL_PARAMS[method]
    assert schemas.errors(name, body) == []
    assert_invalid(name, {**body, "unexpected": 1})
    for field in body:
        smaller = copy.deepcopy(body)
        del smaller[field]
        assert_invalid(name, smaller)


def test_send_quote_has_no_quote_id() -> None:
    assert_invalid("derive/send_quote_params", {**MINIMAL_PARAMS["send_quote"], "quote_id": "q"})
    assert schemas.is_valid(
        "derive/send_quote_params", {**MINIMAL_PARAMS["send_quote"], "mmp": True, "label": "x"}
    )


def test_results_of_quote_methods_are_the_seed_quote() -> None:
    for method in ["send_quote", "cancel_quote", "execute_quote"]:
        assert schemas.is_valid(f"derive/{method}_result", result())
        assert_invalid(f"derive/{method}_result", {**result(), "tx_status": "unknown"})


def test_simple_results() -> None:
    assert schemas.is_valid("derive/get_time_result", 1695836058725)
    assert_invalid("derive/get_time_result", "1695836058725")
    assert schemas.is_valid("derive/cancel_rfq_result", "ok")
    assert_invalid("derive/cancel_rfq_result", "OK")


def test_instrument_and_subaccount_results() -> None:
    instrument = {
        "instrument_name": "ETH-20270625-6000-C",
        "instrument_type": "option",
        "is_active": True,
        "tick_size": "0.1",
        "amount_step": "0.01",
        "minimum_amount": "0.1",
        "maximum_amount": "1000",
        "base_asset_address": "0x4BB4C3CDc7562f08e9910A0C7D8bB7e108861eB4",
        "base_asset_sub_id": "39614083834112546398585885568",
        "maker_fee_rate": "0.0003",
        "taker_fee_rate": "0.0003",
        "option_details": {
            "expiry": 1813910400,
            "index": "ETH-USD",
            "option_type": "C",
            "strike": "6000",
        },
    }
    assert schemas.is_valid("derive/get_instrument_result", instrument)
    assert schemas.is_valid(
        "derive/get_instruments_result", [instrument, {**instrument, "option_details": None}]
    )
    assert_invalid(
        "derive/get_instrument_result",
        {**instrument, "base_asset_sub_id": 39614083834112546398585885568},
    )
    assert_invalid("derive/get_instrument_result", {**instrument, "instrument_type": "future"})
    subaccount = {
        "subaccount_id": 1002,
        "collaterals": [{"asset_name": "USDC", "amount": "1000"}],
        "positions": [{"instrument_name": "ETH-PERP", "amount": "-1", "average_price": "3000"}],
        "initial_margin": "10",
        "maintenance_margin": "5",
        "subaccount_value": "1000",
    }
    assert schemas.is_valid("derive/get_subaccount_result", subaccount)
    assert_invalid("derive/get_subaccount_result", {**subaccount, "subaccount_value": 1000})
