"""The published test vectors, byte for byte.

Proves that ``tradeproof.signing.o2`` and ``tradeproof.signing.derive`` reproduce every
vector of ``protocol/o2.md`` §2.7 and ``protocol/derive.md`` §1.1/§1.2/§1.9 stored in
``tests/vectors/*.json`` (signing bytes, digests, domain separators, module data, action
hashes, signatures), and that each signature also verifies by public-key recovery.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from eth_hash.auto import keccak

from tradeproof.signing import derive, o2
from tradeproof.signing.keys import Key

VECTORS = Path(__file__).resolve().parent.parent / "vectors"
O2 = json.loads((VECTORS / "o2_vectors.json").read_text())
DERIVE = json.loads((VECTORS / "derive_vectors.json").read_text())


def _hex(text: str) -> bytes:
    return bytes.fromhex(text.removeprefix("0x"))


def _words(words: list[str]) -> bytes:
    return b"".join(_hex(word) for word in words)


def _o2_key(name: str) -> Key:
    return Key.from_secret(_hex(O2["keys"][name]["secret"]), name)


def _derive_key(name: str) -> Key:
    return Key.from_secret(_hex(DERIVE["keys"][name]["secret"]), name)


def _o2_vectors(kind: str) -> list[Any]:
    return [pytest.param(v, id=v["name"]) for v in O2["vectors"] if v["kind"] == kind]


def test_every_vector_has_a_source_and_a_known_kind() -> None:
    kinds = {"addresses", "selectors", "session", "actions"}
    for vector in O2["vectors"]:
        assert vector["kind"] in kinds, vector["name"]
        assert vector["source"].startswith("o2.md §2."), vector["name"]
    derive_groups = (DERIVE["module_data"], DERIVE["actions"], DERIVE["auth"], DERIVE["domains"])
    for group in derive_groups:
        for vector in group.values() if isinstance(group, dict) else group:
            assert vector["source"].startswith("derive.md §1."), vector
    for skipped in O2["not_covered"] + DERIVE["not_covered"]:
        assert skipped["reason"] and skipped["source"]


# --------------------------------------------------------------------------- O2


@pytest.mark.parametrize("vector", _o2_vectors("addresses"))
def test_o2_addresses(vector: dict[str, Any]) -> None:
    expected = vector["expected"]
    owner, session = _o2_key("owner"), _o2_key("session")
    assert owner.fuel_address.hex() == expected["owner_fuel_address"]
    assert owner.evm_b256.hex() == expected["owner_evm_b256"]
    assert o2.owner_b256(owner, evm=False).hex() == expected["owner_fuel_address"]
    assert o2.owner_b256(owner, evm=True).hex() == expected["owner_evm_b256"]
    assert session.fuel_address.hex() == expected["session_fuel_address"]


@pytest.mark.parametrize("vector", _o2_vectors("selectors"))
def test_o2_selectors(vector: dict[str, Any]) -> None:
    for name, expected in vector["expected"].items():
        assert o2.selector(name).hex() == expected, name


@pytest.mark.parametrize("vector", _o2_vectors("session"))
def test_o2_session_vector(vector: dict[str, Any]) -> None:
    given, expected = vector["input"], vector["expected"]
    owner, session = _o2_key(given["owner_key"]), _o2_key(given["session_key"])
    message = o2.session_signing_bytes(
        given["nonce"],
        given["chain_id"],
        session.fuel_address,
        given["expiry"],
        [o2.parse_b256(cid) for cid in given["contract_ids"]],
    )
    assert len(message) == 99 + 32 * len(given["contract_ids"])
    if "signing_bytes" in expected:
        assert message.hex() == expected["signing_bytes"]
    assert o2.fuel_personal_digest(message).hex() == expected["fuel_digest"]
    assert o2.owner_digest(message, owner.fuel_address).hex() == expected["fuel_digest"]
    if "fuel_signature" in expected:
        signature = o2.sign_session(owner, message, evm=False)
        assert signature.hex() == expected["fuel_signature"]
        assert o2.owner_signer_is(_hex(expected["fuel_signature"]), message, owner.fuel_address)
    if "evm_digest" in expected:
        assert o2.evm_personal_digest(message).hex() == expected["evm_digest"]
        assert o2.owner_digest(message, owner.evm_b256).hex() == expected["evm_digest"]
    if "evm_signature" in expected:
        signature = o2.sign_session(owner, message, evm=True)
        assert signature.hex() == expected["evm_signature"]
        assert o2.owner_signer_is(_hex(expected["evm_signature"]), message, owner.evm_b256)
        # the same bytes must not pass as a Fuel-owner signature
        assert not o2.owner_signer_is(_hex(expected["evm_signature"]), message, owner.fuel_address)


@pytest.mark.parametrize("vector", _o2_vectors("actions"))
def test_o2_actions_vector(vector: dict[str, Any]) -> None:
    given, expected = vector["input"], vector["expected"]
    markets = {m.market_id: m for m in map(o2.MarketRef.from_json, given["markets"])}
    calls = o2.batch_calls(given["actions"], markets, o2.parse_b256(given["accounts_registry_id"]))
    message = o2.actions_signing_bytes(given["nonce"], calls)
    if "signing_bytes" in expected:
        assert message.hex() == expected["signing_bytes"]
    if "forwarded_amounts" in expected:
        assert [call.amount for call in calls] == expected["forwarded_amounts"]
    assert o2.actions_digest(given["nonce"], calls).hex() == expected["digest"]
    if "signature" in expected:
        session = _o2_key(given["session_key"])
        assert o2.sign_actions(session, given["nonce"], calls).hex() == expected["signature"]
        assert o2.session_signer_is(
            _hex(expected["signature"]), _hex(expected["digest"]), session.fuel_address
        )


# --------------------------------------------------------------------------- Derive


def _domain(name: str) -> derive.Domain:
    spec = DERIVE["domains"][name]
    return derive.Domain(spec["chain_id"], spec["verifying_contract"], spec["rfq_module"])


def _legs(legs: list[dict[str, str]]) -> list[derive.Leg]:
    return [
        derive.Leg(
            leg["instrument_name"],
            leg["direction"],
            Decimal(leg["price"]),
            Decimal(leg["amount"]),
            leg["asset"],
            int(leg["sub_id"]),
        )
        for leg in legs
    ]


def _module_data(vector: dict[str, Any]) -> bytes:
    given = vector["input"]
    encode = derive.quote_module_data if vector["kind"] == "quote" else derive.execute_module_data
    return encode(given["direction"], given["max_fee"], _legs(given["legs"]))


MODULE_DATA = {v["name"]: v for v in DERIVE["module_data"]}


def test_derive_action_typehash() -> None:
    spec = DERIVE["action_typehash"]
    assert derive.ACTION_TYPE == spec["type"]
    assert derive.ACTION_TYPEHASH == _hex(spec["typehash"])


@pytest.mark.parametrize("name", list(DERIVE["domains"]))
def test_derive_domain_separator(name: str) -> None:
    spec = DERIVE["domains"][name]
    assert _domain(name).separator == _hex(spec["separator"])
    if "constant" in spec:  # the module's own constants carry the same values
        constant = getattr(derive, spec["constant"])
        assert constant == _domain(name)
        assert constant.separator == _hex(spec["separator"])


@pytest.mark.parametrize("vector", [pytest.param(v, id=v["name"]) for v in DERIVE["module_data"]])
def test_derive_module_data(vector: dict[str, Any]) -> None:
    given, expected = vector["input"], vector["expected"]
    data = _module_data(vector)
    assert data == _words(expected["encoded_data_words"])
    if "encoded_data_hashed" in expected:
        assert keccak(data) == _hex(expected["encoded_data_hashed"])
    quote_direction = (
        given["direction"] if vector["kind"] == "quote" else derive.opposite(given["direction"])
    )
    legs = _legs(given["legs"])
    if "encoded_legs_words" in expected:
        assert derive.encoded_legs(quote_direction, legs) == _words(expected["encoded_legs_words"])
    if "legs_hash" in expected:
        assert derive.legs_hash(quote_direction, legs) == _hex(expected["legs_hash"])
    # the legs are sorted by the encoder: reversing the input changes nothing
    encode = derive.quote_module_data if vector["kind"] == "quote" else derive.execute_module_data
    assert encode(given["direction"], given["max_fee"], legs[::-1]) == data


@pytest.mark.parametrize("vector", [pytest.param(v, id=v["name"]) for v in DERIVE["actions"]])
def test_derive_action(vector: dict[str, Any]) -> None:
    expected = vector["expected"]
    key = _derive_key(vector["key"])
    assert key.evm_address == DERIVE["keys"][vector["key"]]["address"]
    domain = _domain(vector["domain"])
    action = derive.Action(
        subaccount_id=vector["subaccount_id"],
        nonce=vector["nonce"],
        module=domain.rfq_module,
        data=_module_data(MODULE_DATA[vector["module_data"]]),
        expiry=vector["expiry"],
        owner=vector["owner"],
        signer=key.evm_address,
    )
    assert action.struct_hash() == _hex(expected["action_hash"])
    assert action.digest(domain) == _hex(expected["typed_data_hash"])
    assert derive.sign_action(key, action, domain) == expected["signature"]
    assert derive.recover_action_signer(expected["signature"], action, domain) == key.evm_address
    # the SDK's unprefixed form recovers the same signer
    unprefixed = expected["signature"].removeprefix("0x")
    assert derive.recover_action_signer(unprefixed, action, domain) == key.evm_address


@pytest.mark.parametrize("vector", [pytest.param(v, id=v["name"]) for v in DERIVE["auth"]])
def test_derive_auth_header(vector: dict[str, Any]) -> None:
    key = _derive_key(vector["key"])
    wallet = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
    headers = derive.auth_headers(key, wallet, int(vector["timestamp"]))
    assert headers == {
        "X-LyraWallet": wallet,
        "X-LyraTimestamp": vector["timestamp"],
        "X-LyraSignature": vector["expected"]["signature"],
    }
    signer = derive.recover_auth_signer(vector["timestamp"], vector["expected"]["signature"])
    assert signer == key.evm_address
