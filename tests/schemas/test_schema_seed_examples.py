"""Every JSON example of the seed documents validates against its schema.

The fixtures live in ``tests/vectors/seed_examples/``; its README says where each one
appears in the seed and which placeholders were expanded. This file holds the same
table, fails when a fixture is missing from it, and checks the expansions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tradeproof import schemas

EXAMPLES = Path(__file__).resolve().parent.parent / "vectors" / "seed_examples"

# fixture file -> schema it must satisfy
SCHEMA_OF = {
    "o2_action_type_create_order.json": "o2/action",
    "o2_action_type_cancel_order.json": "o2/action",
    "o2_action_type_settle_balance.json": "o2/action",
    "o2_action_type_register_referer.json": "o2/action",
    "o2_order_type_format_spot.json": "o2/order_type",
    "o2_order_type_format_market.json": "o2/order_type",
    "o2_order_type_format_fill_or_kill.json": "o2/order_type",
    "o2_order_type_format_post_only.json": "o2/order_type",
    "o2_spot_create_order.json": "o2/action",
    "o2_market_create_order.json": "o2/action",
    "o2_limit_create_order.json": "o2/action",
    "o2_fill_or_kill_create_order.json": "o2/action",
    "o2_post_only_create_order.json": "o2/action",
    "o2_bounded_market_create_order.json": "o2/action",
    "o2_request_body_1.json": "o2/session_actions_request",
    "o2_request_body_multiple_order_types.json": "o2/session_actions_request",
    "derive_execute_quote_params.json": "derive/execute_quote_params",
    "derive_execute_quote_response.json": "derive/rpc_response",
}

# (fixture, path into it, placeholder as the seed writes it): see the README's table
PLACEHOLDERS = [
    ("o2_request_body_1.json", ("actions", 0, "market_id"), "0x1234567890abcdef..."),
    (
        "o2_request_body_1.json",
        ("actions", 0, "actions", 2, "CancelOrder", "order_id"),
        "0xabcdef...",
    ),
    ("o2_request_body_1.json", ("signature", "Secp256k1"), "0x789..."),
    ("o2_request_body_1.json", ("trade_account_id",), "0xdef456..."),
    ("o2_request_body_1.json", ("session_id", "Address"), "0xabc123..."),
    (
        "o2_request_body_multiple_order_types.json",
        ("actions", 0, "market_id"),
        "0x1234567890abcdef...",
    ),
    (
        "o2_request_body_multiple_order_types.json",
        ("actions", 1, "market_id"),
        "0xfedcba9876543210...",
    ),
    ("o2_request_body_multiple_order_types.json", ("signature", "Secp256k1"), "0x789..."),
    ("o2_request_body_multiple_order_types.json", ("trade_account_id",), "0xdef456..."),
    ("o2_request_body_multiple_order_types.json", ("session_id", "Address"), "0xabc123..."),
    ("o2_action_type_cancel_order.json", ("CancelOrder", "order_id"), "0x..."),
    ("o2_action_type_settle_balance.json", ("SettleBalance", "to", "Address"), "0x..."),
    ("o2_action_type_register_referer.json", ("RegisterReferer", "referer", "Address"), "0x..."),
]

SEED_003_PARAMS = [
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
    "label",
]
SEED_003_RESULT = [
    "cancel_reason",
    "creation_timestamp",
    "direction",
    "fee",
    "is_transfer",
    "label",
    "last_update_timestamp",
    "legs_hash",
    "liquidity_role",
    "max_fee",
    "mmp",
    "nonce",
    "quote_id",
    "rfq_id",
    "signature",
    "signature_expiry_sec",
    "signer",
    "status",
    "subaccount_id",
    "tx_hash",
    "tx_status",
    "legs",
]
SEED_003_LEG = ["amount", "direction", "instrument_name", "price"]


def _load(name: str) -> Any:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def _expand(placeholder: str) -> str:
    """The README's rule: repeat the given hex digits to 64 (128 for signatures)."""
    digits = placeholder.removeprefix("0x").removesuffix("...")
    width = 128 if placeholder == "0x789..." else 64
    return "0x" + ((digits or "0") * width)[:width]


def test_every_fixture_is_in_the_table_and_the_readme() -> None:
    on_disk = sorted(path.name for path in EXAMPLES.glob("*.json"))
    assert on_disk == sorted(SCHEMA_OF)
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    for name in on_disk:
        assert f"`{name}`" in readme, f"{name} is not described in the README"


@pytest.mark.parametrize(("name", "schema_name"), sorted(SCHEMA_OF.items()))
def test_seed_example_is_valid(name: str, schema_name: str) -> None:
    example = _load(name)
    assert schemas.errors(schema_name, example) == []
    if schema_name == "o2/session_actions_request":
        assert schemas.batch_total_violation(example) is None


def test_execute_quote_response_result_is_a_seed_quote() -> None:
    response = _load("derive_execute_quote_response.json")
    assert schemas.errors("derive/execute_quote_result", response["result"]) == []


@pytest.mark.parametrize(("name", "path", "placeholder"), PLACEHOLDERS)
def test_placeholders_were_expanded_as_documented(
    name: str, path: tuple[Any, ...], placeholder: str
) -> None:
    value = _load(name)
    for step in path:
        value = value[step]
    assert value == _expand(placeholder)


def test_constructed_seed_003_examples_use_every_listed_field() -> None:
    params = _load("derive_execute_quote_params.json")
    result = _load("derive_execute_quote_response.json")["result"]
    assert list(params) == SEED_003_PARAMS
    assert list(result) == SEED_003_RESULT
    for leg in params["legs"] + result["legs"]:
        assert sorted(leg) == SEED_003_LEG
    assert set(schemas.schema("derive/quote")["required"]) == set(SEED_003_RESULT)
    closed = schemas.schema("derive/execute_quote_params")
    assert list(closed["properties"]) == SEED_003_PARAMS
    assert set(closed["required"]) == set(SEED_003_PARAMS) - {"label"}
