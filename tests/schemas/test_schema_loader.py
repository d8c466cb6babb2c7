"""``tradeproof.schemas``: loading by name, offline resolution, messages, primitive types.

The primitive types (u64, ids, decimals) are tested here at their boundaries; the
message-level rules are in test_schema_o2_rules.py and test_schema_derive_rules.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from referencing.exceptions import Unresolvable

from tradeproof import schemas
from tradeproof._resources import shipped_path

U64_MAX = 2**64 - 1


def test_public_api_is_pinned() -> None:
    assert sorted(schemas.__all__) == sorted(
        [
            "BATCH_TOTAL_RULE",
            "MAX_ACTIONS_PER_BATCH",
            "MAX_MARKETS_PER_BATCH",
            "batch_total_violation",
            "errors",
            "is_valid",
            "names",
            "schema",
            "validator",
        ]
    )
    assert (schemas.MAX_ACTIONS_PER_BATCH, schemas.MAX_MARKETS_PER_BATCH) == (5, 5)
    assert schemas.BATCH_TOTAL_RULE == "O2-BATCH-MAX-ACTIONS"


def test_names_include_every_message_family() -> None:
    names = schemas.names()
    for name in [
        "common/u64",
        "o2/session_actions_request",
        "derive/quote",
        "harness/harness_info",
    ]:
        assert name in names
    assert names == sorted(names)


def test_schema_returns_the_file_as_written_and_a_fresh_copy() -> None:
    on_disk = json.loads((shipped_path("schemas") / "o2" / "market_actions.json").read_text())
    loaded = schemas.schema("o2/market_actions")
    assert loaded == on_disk
    assert "$id" not in loaded
    loaded["properties"] = {}
    assert schemas.schema("o2/market_actions") == on_disk
    assert schemas.schema("o2/market_actions.json") == on_disk


def test_unknown_name_is_a_key_error_naming_the_known_ones() -> None:
    with pytest.raises(KeyError, match="o2/session_actions_request"):
        schemas.schema("o2/no_such_message")
    with pytest.raises(KeyError):
        schemas.validator("nope")


def test_validator_is_cached() -> None:
    assert schemas.validator("o2/action") is schemas.validator("o2/action")


def test_registry_is_closed_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """A ref outside the shipped files fails instead of being fetched."""
    import urllib.request

    from jsonschema import Draft202012Validator

    def no_network(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("tried to fetch a schema over the network")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    outside = Draft202012Validator(
        {"$ref": "https://example.invalid/x.json"}, registry=schemas._registry()
    )
    with pytest.raises(Unresolvable):
        outside.is_valid(1)
    with pytest.raises(Unresolvable):
        schemas._registry().resolver().lookup("https://json-schema.org/draft/2020-12/schema")


def test_errors_are_plain_strings_with_a_path_and_empty_when_valid() -> None:
    assert schemas.errors("common/u64", "7") == []
    (message,) = schemas.errors(
        "o2/action",
        {"CreateOrder": {"side": "Buy", "price": "1", "quantity": "01", "order_type": "Spot"}},
    )
    assert message.startswith("$: ")
    assert "$.CreateOrder.quantity" in message  # the closest branch, not just "not valid under any"
    assert all(isinstance(m, str) for m in schemas.errors("o2/session_actions_request", {}))
    assert len(schemas.errors("o2/session_actions_request", {})) == 5  # one per required field


def test_is_valid_agrees_with_errors() -> None:
    for instance in ["1", "01", 1, None]:
        assert schemas.is_valid("common/u64", instance) == (
            schemas.errors("common/u64", instance) == []
        )


# --------------------------------------------------------------------------- u64


@pytest.mark.parametrize(
    "text",
    [
        "0",
        "1",
        "9",
        "10",
        "1000000000",
        "9999999999999999999",
        "10000000000000000000",
        "18446744073709551609",
        "18446744073709551614",
        str(U64_MAX),
    ],
)
def test_u64_accepts(text: str) -> None:
    assert schemas.is_valid("common/u64", text)


@pytest.mark.parametrize(
    "value",
    [
        "18446744073709551616",
        "18446744073709551620",
        "18446744073709552000",
        "18446744073709561615",
        "19000000000000000000",
        "99999999999999999999",
        "100000000000000000000",
        "-1",
        "-0",
        "+1",
        "01",
        "00",
        "1.0",
        "1.5",
        "1e9",
        "1E9",
        "0x10",
        "",
        " 1",
        "1 ",
        "1\n",
        "\n1",
        "１",
        1,
        0,
        1.0,
        None,
    ],
)
def test_u64_rejects(value: Any) -> None:
    assert not schemas.is_valid("common/u64", value)


def test_u64_pattern_is_exact_around_every_digit_of_the_maximum() -> None:
    """Change each digit of 2^64-1 up and down: valid exactly when the number is <= max."""
    top = str(U64_MAX)
    checked = 0
    for index in range(len(top)):
        for digit in "0123456789":
            text = top[:index] + digit + top[index + 1 :]
            if text[0] == "0":
                continue
            assert schemas.is_valid("common/u64", text) == (int(text) <= U64_MAX), text
            checked += 1
    for delta in range(-1000, 1001):
        value = U64_MAX + delta
        assert schemas.is_valid("common/u64", str(value)) == (value <= U64_MAX), value
    assert checked > 150


def test_u64_lenient_takes_strings_numbers_and_hex() -> None:
    for value in ["7", 7, U64_MAX, "0x0", "0X1f"]:
        assert schemas.is_valid("common/u64_lenient", value), value
    for value in [-1, U64_MAX + 1, "1.5", "0x", "0x00", 1.5, None]:
        assert not schemas.is_valid("common/u64_lenient", value), value


# --------------------------------------------------------------------------- ids, signatures

B = "ab" * 32


@pytest.mark.parametrize("text", ["0x" + B, "0x" + B.upper(), "0x" + "0" * 64])
def test_b256_accepts(text: str) -> None:
    assert schemas.is_valid("common/b256", text)


@pytest.mark.parametrize(
    "text",
    [
        B,
        "0X" + B,
        "0x" + B[:-2],
        "0x" + B + "ab",
        "0x" + "g" * 64,
        "0x" + B[:-1],
        "0x" + B + "\n",
        "0x",
    ],
    ids=["no-0x", "0X", "31-bytes", "33-bytes", "non-hex", "odd", "newline", "empty"],
)
def test_b256_rejects(text: str) -> None:
    assert not schemas.is_valid("common/b256", text)


def test_b256_lenient_allows_a_missing_prefix_only() -> None:
    assert schemas.is_valid("common/b256_lenient", B)
    assert schemas.is_valid("common/b256_lenient", "0x" + B)
    assert not schemas.is_valid("common/b256_lenient", B[:-2])
    assert not schemas.is_valid("common/b256_lenient", B + "\n")


def test_identity_is_exactly_one_of_address_or_contract_id() -> None:
    assert schemas.is_valid("common/identity", {"Address": "0x" + B})
    assert schemas.is_valid("common/identity", {"ContractId": "0x" + B})
    for bad in [
        {},
        {"Address": "0x" + B, "ContractId": "0x" + B},
        {"Wallet": "0x" + B},
        {"Address": B},
        "0x" + B,
        {"address": "0x" + B},
    ]:
        assert not schemas.is_valid("common/identity", bad), bad


def test_signature_length_is_not_a_schema_matter() -> None:
    """64 bytes is right, but 65 or 63 bytes must reach the signature check (TARGET.md §1)."""
    for size in (64, 65, 63, 0):
        assert schemas.is_valid("common/signature", {"Secp256k1": "0x" + "11" * size}), size
    for bad in [
        {"Secp256k1": "0x123"},
        {"Secp256k1": "11" * 64},
        {"Secp256k1": "0x" + "zz" * 64},
        {"TypedSecp256k1": "0x" + "11" * 64},
        {"Secp256k1": "0x" + "11" * 64, "extra": 1},
    ]:
        assert not schemas.is_valid("common/signature", bad), bad


@pytest.mark.parametrize("text", ["0", "12.5", "100", "-3.25", "0.000001"])
def test_decimal_accepts(text: str) -> None:
    assert schemas.is_valid("common/decimal", text)


@pytest.mark.parametrize(
    "value", ["1E+3", "1e3", "01", ".5", "5.", "+1", "1,5", " 1", "NaN", "", 12.5, 1]
)
def test_decimal_rejects(value: Any) -> None:
    assert not schemas.is_valid("common/decimal", value)


def test_evm_address() -> None:
    assert schemas.is_valid("common/evm_address", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8")
    for bad in [
        "70997970C51812dc3A010C7d01b50e0d17dc79C8",
        "0x70997970C51812dc3A010C7d01b50e0d17dc79C",
        "0x" + B,
    ]:
        assert not schemas.is_valid("common/evm_address", bad)


@pytest.mark.parametrize(
    ("name", "good", "bad"),
    [
        ("common/u64", ["18446744073709551615", "0"], ["18446744073709551616", "1\n", "01"]),
        ("common/b256", ["0x" + B], ["0x" + B + "\n", B]),
        ("common/b256_lenient", [B], [B + "\n"]),
        ("common/decimal", ["12.5"], ["12.5\n", "1E+3"]),
        ("common/evm_address", ["0x" + "a" * 40], ["0x" + "a" * 40 + "\n"]),
    ],
)
def test_patterns_mean_the_same_under_an_ecma_style_engine(
    name: str, good: list[str], bad: list[str]
) -> None:
    """jsonschema-rs (Schemathesis' validator, Rust regex) must agree with Python's re."""
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    rust = jsonschema_rs.validator_for(schemas.schema(name))
    for text in good:
        assert rust.is_valid(text) and schemas.is_valid(name, text), text
    for text in bad:
        assert not rust.is_valid(text) and not schemas.is_valid(name, text), text


# --------------------------------------------------------------------------- batch total


def _body(*group_sizes: int) -> dict[str, Any]:
    cancel = {"CancelOrder": {"order_id": "0x" + B}}
    return {
        "actions": [{"market_id": "0x" + B, "actions": [cancel] * size} for size in group_sizes]
    }


@pytest.mark.parametrize("sizes", [(3, 3), (6,), (1, 1, 1, 1, 1, 1), (5, 1), (2, 2, 2)])
def test_batch_total_over_five_is_reported(sizes: tuple[int, ...]) -> None:
    message = schemas.batch_total_violation(_body(*sizes))
    assert message is not None
    assert schemas.BATCH_TOTAL_RULE in message
    assert str(sum(sizes)) in message


@pytest.mark.parametrize("sizes", [(2, 3), (5,), (1, 1, 1, 1, 1), (1,), ()])
def test_batch_total_within_five_is_fine(sizes: tuple[int, ...]) -> None:
    assert schemas.batch_total_violation(_body(*sizes)) is None


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        "x",
        {},
        {"actions": "x"},
        {"actions": [1, 2]},
        {"actions": [{"actions": 3}] * 6},
        {"actions": [{"market_id": "0x" + B}]},
    ],
)
def test_batch_total_gives_no_verdict_on_unparseable_shapes(body: Any) -> None:
    assert schemas.batch_total_violation(body) is None


def test_batch_total_counts_what_the_schema_cannot() -> None:
    """3 + 3 passes the schema (each group <= 5, groups <= 5): only the total catches it."""
    body = _body(3, 3)
    body.update(
        signature={"Secp256k1": "0x" + "11" * 64},
        nonce="1",
        trade_account_id="0x" + B,
        session_id={"Address": "0x" + B},
    )
    assert schemas.is_valid("o2/session_actions_request", body)
    assert schemas.batch_total_violation(body) is not None
