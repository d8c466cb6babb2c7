"""Each O2 rule the schemas encode (TARGET.md §1 batch shape and number/id rules).

Every negative case starts from a valid body (checked valid first) and breaks exactly
one thing, so each test fails if that one constraint is dropped from the schema.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from tradeproof import schemas

ID = "0x" + "ab" * 32
OTHER = "0x" + "cd" * 32
REQUEST = "o2/session_actions_request"


def create(
    order_type: Any = "Spot", price: str = "1000000000", quantity: str = "5000000000"
) -> dict[str, Any]:
    return {
        "CreateOrder": {
            "side": "Buy",
            "price": price,
            "quantity": quantity,
            "order_type": order_type,
        }
    }


def valid_body() -> dict[str, Any]:
    return {
        "actions": [
            {
                "market_id": ID,
                "actions": [
                    {"SettleBalance": {"to": {"ContractId": OTHER}}},
                    create({"Limit": ["1000000000", "1734876543210"]}),
                    {"CancelOrder": {"order_id": ID}},
                ],
            },
            {
                "market_id": OTHER,
                "actions": [
                    create({"BoundedMarket": {"max_price": "1100000000", "min_price": "900000000"}})
                ],
            },
        ],
        "signature": {"Secp256k1": "0x" + "11" * 64},
        "nonce": "7",
        "trade_account_id": OTHER,
        "session_id": {"Address": ID},
        "collect_orders": True,
    }


def broken(change: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    body = valid_body()
    change(body)
    return body


def assert_invalid(name: str, instance: Any) -> None:
    assert not schemas.is_valid(name, instance), f"{name} accepted {instance!r}"
    assert schemas.errors(name, instance)


def test_the_base_body_is_valid() -> None:
    assert schemas.errors(REQUEST, valid_body()) == []
    assert schemas.batch_total_violation(valid_body()) is None


def test_optional_client_fields_are_accepted() -> None:
    body = broken(lambda b: b.update(variable_outputs=2, min_gas_limit="20000000"))
    assert schemas.is_valid(REQUEST, body)
    del body["collect_orders"]
    assert schemas.is_valid(REQUEST, body)


# --------------------------------------------------------------------------- batch shape


def test_zero_actions_in_a_group() -> None:
    assert_invalid(REQUEST, broken(lambda b: b["actions"][1].update(actions=[])))


def test_zero_groups() -> None:
    assert_invalid(REQUEST, broken(lambda b: b.update(actions=[])))


def test_six_groups() -> None:
    group = {"market_id": ID, "actions": [{"CancelOrder": {"order_id": ID}}]}
    assert schemas.is_valid(REQUEST, broken(lambda b: b.update(actions=[group] * 5)))
    assert_invalid(REQUEST, broken(lambda b: b.update(actions=[group] * 6)))


def test_six_actions_in_one_group() -> None:
    cancel = {"CancelOrder": {"order_id": ID}}
    assert schemas.is_valid(REQUEST, broken(lambda b: b["actions"][0].update(actions=[cancel] * 5)))
    assert_invalid(REQUEST, broken(lambda b: b["actions"][0].update(actions=[cancel] * 6)))


def test_three_plus_three_is_left_to_the_cross_field_rule() -> None:
    cancel = {"CancelOrder": {"order_id": ID}}
    body = broken(lambda b: [group.update(actions=[cancel] * 3) for group in b["actions"]])
    assert schemas.is_valid(REQUEST, body)
    assert schemas.batch_total_violation(body) is not None
    body["actions"][1]["actions"] = [cancel] * 2
    assert schemas.batch_total_violation(body) is None


@pytest.mark.parametrize(
    "action",
    [
        {"Transfer": {"to": {"Address": ID}}},
        {"createOrder": create()["CreateOrder"]},
        {"CancelOrder": {"order_id": ID}, "SettleBalance": {"to": {"Address": ID}}},
        {},
        "CancelOrder",
        ["CancelOrder", {"order_id": ID}],
    ],
    ids=["unknown-key", "wrong-case", "two-keys", "empty", "string", "array"],
)
def test_unknown_or_malformed_action(action: Any) -> None:
    assert_invalid(REQUEST, broken(lambda b: b["actions"][0]["actions"].append(action)))


# --------------------------------------------------------------------------- order types


@pytest.mark.parametrize(
    "order_type",
    [
        "ImmediateOrCancel",
        "spot",
        "",
        {"Stop": ["1", "2"]},
        {"Limit": None},
        {"Limit": []},
        {"Limit": ["1000000000"]},
        {"Limit": ["1000000000", "1", "2"]},
        {"Limit": {"price": "1", "timestamp": "2"}},
        {"Limit": [1000000000, 1734876543210]},
        {"Limit": ["1000000000", "18446744073709551616"]},
        {"BoundedMarket": {"max_price": "1"}},
        {"BoundedMarket": {"max_price": "1", "min_price": "0", "mid": "0"}},
        {"BoundedMarket": ["1", "0"]},
        {"Limit": ["1", "2"], "BoundedMarket": {"max_price": "1", "min_price": "0"}},
        None,
    ],
)
def test_unknown_or_malformed_order_type(order_type: Any) -> None:
    assert_invalid("o2/order_type", order_type)
    assert_invalid(
        REQUEST,
        broken(
            lambda b: b["actions"][0]["actions"][1]["CreateOrder"].update(order_type=order_type)
        ),
    )


def test_all_six_order_types_are_accepted() -> None:
    for order_type in [
        "Spot",
        "Market",
        "FillOrKill",
        "PostOnly",
        {"Limit": ["1", "18446744073709551615"]},
        {"BoundedMarket": {"max_price": "0", "min_price": "1"}},
    ]:
        assert schemas.is_valid("o2/order_type", order_type), order_type


# --------------------------------------------------------------------------- numbers

BAD_NUMBERS = [
    "-1",
    "1.5",
    "1.0",
    "1e9",
    "1E9",
    "18446744073709551616",
    "99999999999999999999",
    "01",
    "",
    " 1",
    "0x10",
    1000000000,
    None,
]

NUMBER_FIELDS: dict[str, Callable[[dict[str, Any], Any], None]] = {
    "price": lambda b, v: b["actions"][0]["actions"][1]["CreateOrder"].update(price=v),
    "quantity": lambda b, v: b["actions"][0]["actions"][1]["CreateOrder"].update(quantity=v),
    "nonce": lambda b, v: b.update(nonce=v),
    "limit-price": lambda b, v: b["actions"][0]["actions"][1]["CreateOrder"]["order_type"][
        "Limit"
    ].__setitem__(0, v),
    "limit-timestamp": lambda b, v: b["actions"][0]["actions"][1]["CreateOrder"]["order_type"][
        "Limit"
    ].__setitem__(1, v),
    "max_price": lambda b, v: b["actions"][1]["actions"][0]["CreateOrder"]["order_type"][
        "BoundedMarket"
    ].update(max_price=v),
    "min_gas_limit": lambda b, v: b.update(min_gas_limit=v),
}


@pytest.mark.parametrize("field", sorted(NUMBER_FIELDS))
@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_number_strings_must_be_u64_decimal(field: str, value: Any) -> None:
    assert_invalid(REQUEST, broken(lambda b: NUMBER_FIELDS[field](b, value)))


@pytest.mark.parametrize("field", sorted(NUMBER_FIELDS))
def test_u64_boundary_in_every_number_field(field: str) -> None:
    assert schemas.is_valid(
        REQUEST, broken(lambda b: NUMBER_FIELDS[field](b, "18446744073709551615"))
    )
    assert schemas.is_valid(REQUEST, broken(lambda b: NUMBER_FIELDS[field](b, "0")))


# --------------------------------------------------------------------------- ids

BAD_IDS = {
    "31-bytes": "0x" + "ab" * 31,
    "33-bytes": "0x" + "ab" * 33,
    "non-hex": "0x" + "zz" * 32,
    "no-0x": "ab" * 32,
    "odd-length": "0x" + "a" * 63,
    "number": 123,
}

ID_FIELDS: dict[str, Callable[[dict[str, Any], Any], None]] = {
    "market_id": lambda b, v: b["actions"][0].update(market_id=v),
    "order_id": lambda b, v: b["actions"][0]["actions"][2]["CancelOrder"].update(order_id=v),
    "trade_account_id": lambda b, v: b.update(trade_account_id=v),
    "session_id": lambda b, v: b["session_id"].update(Address=v),
    "settle-to": lambda b, v: b["actions"][0]["actions"][0]["SettleBalance"]["to"].update(
        ContractId=v
    ),
}


@pytest.mark.parametrize("field", sorted(ID_FIELDS))
@pytest.mark.parametrize("bad", sorted(BAD_IDS))
def test_ids_must_be_32_byte_hex(field: str, bad: str) -> None:
    assert_invalid(REQUEST, broken(lambda b: ID_FIELDS[field](b, BAD_IDS[bad])))


# --------------------------------------------------------------------------- required, extra


@pytest.mark.parametrize(
    "field", ["actions", "signature", "nonce", "trade_account_id", "session_id"]
)
def test_missing_required_field(field: str) -> None:
    assert_invalid(REQUEST, broken(lambda b: b.pop(field)))


@pytest.mark.parametrize("field", ["side", "price", "quantity", "order_type"])
def test_missing_create_order_field(field: str) -> None:
    assert_invalid(
        REQUEST, broken(lambda b: b["actions"][0]["actions"][1]["CreateOrder"].pop(field))
    )


@pytest.mark.parametrize("field", ["market_id", "actions"])
def test_missing_group_field(field: str) -> None:
    assert_invalid(REQUEST, broken(lambda b: b["actions"][0].pop(field)))


EXTRA_AT: dict[str, Callable[[dict[str, Any]], None]] = {
    "body": lambda b: b.update(estimate_gas_usage=True),
    "body-parallel-nonce": lambda b: b.update(parallel_nonce="1"),
    "group": lambda b: b["actions"][0].update(contract_id=ID),
    "create-order": lambda b: b["actions"][0]["actions"][1]["CreateOrder"].update(client_id="x"),
    "cancel-order": lambda b: b["actions"][0]["actions"][2]["CancelOrder"].update(market_id=ID),
    "identity": lambda b: b["session_id"].update(ContractId=ID),
    "signature": lambda b: b["signature"].update(TypedSecp256k1="0x11"),
    "bounded-market": lambda b: b["actions"][1]["actions"][0]["CreateOrder"]["order_type"][
        "BoundedMarket"
    ].update(mid_price="1"),
}


@pytest.mark.parametrize("where", sorted(EXTRA_AT))
def test_extra_field(where: str) -> None:
    assert_invalid(REQUEST, broken(EXTRA_AT[where]))


TYPE_ERRORS: dict[str, Callable[[dict[str, Any]], None]] = {
    "collect_orders-string": lambda b: b.update(collect_orders="true"),
    "side-lowercase": lambda b: b["actions"][0]["actions"][1]["CreateOrder"].update(side="buy"),
    "side-unknown": lambda b: b["actions"][0]["actions"][1]["CreateOrder"].update(side="Long"),
    "signature-odd-hex": lambda b: b.update(signature={"Secp256k1": "0x789"}),
    "session-flat-string": lambda b: b.update(session_id=ID),
    "variable_outputs-negative": lambda b: b.update(variable_outputs=-1),
    "actions-object": lambda b: b.update(actions={"market_id": ID, "actions": []}),
}


@pytest.mark.parametrize("case", sorted(TYPE_ERRORS))
def test_other_type_errors(case: str) -> None:
    assert_invalid(REQUEST, broken(TYPE_ERRORS[case]))


def test_wrong_length_signature_is_not_a_schema_error() -> None:
    """TARGET.md §1: a 65-byte signature is a signature rejection, judged after the schema."""
    assert schemas.is_valid(
        REQUEST, broken(lambda b: b.update(signature={"Secp256k1": "0x" + "11" * 65}))
    )


# --------------------------------------------------------------------------- RegisterReferer


def test_register_referer_takes_referer_or_to_but_not_both() -> None:
    identity = {"Address": ID}
    assert schemas.is_valid("o2/action", {"RegisterReferer": {"referer": identity}})
    assert schemas.is_valid("o2/action", {"RegisterReferer": {"to": identity}})
    for bad in [{"referer": identity, "to": identity}, {}, {"referrer": identity}, {"referer": ID}]:
        assert_invalid("o2/action", {"RegisterReferer": bad})


# --------------------------------------------------------------------------- PUT /v1/session


def valid_session() -> dict[str, Any]:
    return {
        "contract_id": OTHER,
        "session_id": {"Address": ID},
        "signature": {"Secp256k1": "0x" + "22" * 64},
        "contract_ids": [ID],
        "nonce": "0",
        "expiry": "1737504000",
    }


@pytest.mark.parametrize("field", sorted(valid_session()))
def test_session_request_requires_every_field(field: str) -> None:
    assert schemas.is_valid("o2/session_request", valid_session())
    body = valid_session()
    del body[field]
    assert_invalid("o2/session_request", body)


@pytest.mark.parametrize(
    "change",
    [
        {"contract_ids": []},
        {"contract_ids": ["0x" + "ab" * 31]},
        {"expiry": "-1"},
        {"nonce": 0},
        {"session": {}},
        {"session_id": "0x" + "ab" * 32},
    ],
    ids=[
        "no-contracts",
        "short-contract",
        "negative-expiry",
        "numeric-nonce",
        "extra",
        "flat-session-id",
    ],
)
def test_session_request_rejects(change: dict[str, Any]) -> None:
    body = copy.deepcopy(valid_session())
    body.update(change)
    assert_invalid("o2/session_request", body)


# --------------------------------------------------------------------------- responses and errors


def test_outcome_bodies_are_told_apart() -> None:
    """TARGET.md §1: tx_id = accepted; integer code = pre-flight; message + reason and no
    tx_id = revert."""
    accepted = {
        "tx_id": "ab" * 32,
        "orders": [
            {
                "order_id": ID,
                "side": "Buy",
                "order_type": "Spot",
                "quantity": 5,
                "price": "100000000",
            }
        ],
    }
    preflight = {"code": 7004, "message": "TooManyActions"}
    revert = {"message": "Failed", "reason": "Revert(18446744073709486086)", "receipts": None}
    assert schemas.is_valid("o2/session_actions_response", accepted)
    assert not schemas.is_valid("o2/session_actions_response", preflight)
    assert schemas.is_valid("o2/error_preflight", preflight)
    assert not schemas.is_valid("o2/error_preflight", {"code": "7004", "message": "x"})
    assert schemas.is_valid("o2/error_revert", revert)
    assert not schemas.is_valid("o2/error_revert", {**revert, "tx_id": ID})
    assert not schemas.is_valid("o2/error_revert", {"message": "only a message"})
