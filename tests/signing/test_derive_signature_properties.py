"""Derive signatures verify, and nothing else does.

Proves that every Action signature tradeproof makes recovers to its signer; that
changing any field of the Action (subaccount, nonce, module, any data byte, expiry,
owner, signer) makes verification fail; that every member of
``corrupt.DeriveCorruption`` is refused; and the same for auth-header signatures.
"""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from signing_strategies import U256_MAX, SignedQuote, addresses, keys, signed_quotes

from tradeproof.signing import derive
from tradeproof.signing.corrupt import DeriveCorruption, derive_bad_signature
from tradeproof.signing.keys import Key

PROPERTY = settings(max_examples=200, deadline=None)
VECTORS = json.loads(
    (Path(__file__).resolve().parent.parent / "vectors" / "derive_vectors.json").read_text()
)
INT_FIELDS = ("subaccount_id", "nonce", "expiry")
ADDRESS_FIELDS = ("module", "owner", "signer")


def verifies(signature: str, action: derive.Action, domain: derive.Domain) -> bool:
    """What a verifier checks: the signature recovers to the action's own signer."""
    signer = derive.recover_action_signer(signature, action, domain)
    return signer is not None and signer.lower() == action.signer.lower()


def quote_action(quote: SignedQuote) -> derive.Action:
    return quote.action(derive.quote_module_data(quote.direction, str(quote.max_fee), quote.legs))


def changed_field(action: derive.Action, name: str, data: st.DataObject) -> Any:
    old = getattr(action, name)
    if name in INT_FIELDS:
        return (old + data.draw(st.integers(1, U256_MAX), label="delta")) % (U256_MAX + 1)
    if name in ADDRESS_FIELDS:
        return data.draw(addresses.filter(lambda new: new.lower() != old.lower()), label=name)
    position = data.draw(st.integers(0, len(old) - 1), label="position")
    changed = bytearray(old)
    changed[position] ^= data.draw(st.integers(1, 255), label="mask")
    return bytes(changed)


@PROPERTY
@given(signed_quotes, st.booleans())
def test_action_signature_verifies(quote: SignedQuote, is_execute: bool) -> None:
    encode = derive.execute_module_data if is_execute else derive.quote_module_data
    action = quote.action(encode(quote.direction, str(quote.max_fee), quote.legs))
    signature = derive.sign_action(quote.key, action, quote.domain)
    assert derive.recover_action_signer(signature, action, quote.domain) == quote.key.evm_address
    assert verifies(signature.removeprefix("0x"), action, quote.domain)


@pytest.mark.parametrize("field", [*INT_FIELDS, *ADDRESS_FIELDS, "data"])
@settings(max_examples=60, deadline=None)
@given(signed_quotes, st.data())
def test_any_field_change_breaks_action_signature(
    field: str, quote: SignedQuote, data: st.DataObject
) -> None:
    action = quote_action(quote)
    signature = derive.sign_action(quote.key, action, quote.domain)
    changed = dataclasses.replace(action, **{field: changed_field(action, field, data)})
    assert not verifies(signature, changed, quote.domain)
    assert derive.recover_action_signer(signature, changed, quote.domain) != quote.key.evm_address


def test_every_data_byte_of_the_vector_quote_is_signed() -> None:
    """Deterministic sweep over each byte of the §1.9(c) quote's module data."""
    vector = next(v for v in VECTORS["actions"] if v["name"] == "quote-v2-testnet")
    spec = next(v for v in VECTORS["module_data"] if v["name"] == vector["module_data"])
    domain = derive.V2_TESTNET
    legs = [
        derive.Leg(leg["instrument_name"], leg["direction"], Decimal(leg["price"]),
                   Decimal(leg["amount"]), leg["asset"], int(leg["sub_id"]))
        for leg in spec["input"]["legs"]
    ]
    data = derive.quote_module_data(spec["input"]["direction"], spec["input"]["max_fee"], legs)
    action = derive.Action(vector["subaccount_id"], vector["nonce"], domain.rfq_module, data,
                           vector["expiry"], vector["owner"], VECTORS["keys"]["anvil0"]["address"])
    signature = vector["expected"]["signature"]
    assert verifies(signature, action, domain)
    for position in range(len(data)):
        changed = bytearray(data)
        changed[position] ^= 0x01
        changed_action = dataclasses.replace(action, data=bytes(changed))
        assert not verifies(signature, changed_action, domain), position


@pytest.mark.parametrize("kind", list(DeriveCorruption))
@settings(max_examples=30, deadline=None)
@given(signed_quotes)
def test_every_corruption_is_refused(kind: DeriveCorruption, quote: SignedQuote) -> None:
    action = quote_action(quote)
    assert verifies(derive.sign_action(quote.key, action, quote.domain), action, quote.domain)
    bad = derive_bad_signature(kind, quote.key, action, quote.domain)
    assert not verifies(bad, action, quote.domain)
    assert not verifies(bad.removeprefix("0x"), action, quote.domain)


@PROPERTY
@given(keys, st.integers(0, 10**15), st.integers(1, 10**15))
def test_auth_signature_verifies_only_for_its_timestamp(key: Key, stamp: int, delta: int) -> None:
    signature = derive.auth_headers(key, key.evm_address, stamp)["X-LyraSignature"]
    assert derive.recover_auth_signer(str(stamp), signature) == key.evm_address
    assert derive.recover_auth_signer(str(stamp + delta), signature) != key.evm_address
