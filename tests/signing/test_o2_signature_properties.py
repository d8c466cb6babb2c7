"""O2 signatures verify, and nothing else does.

Proves that every session/owner signature tradeproof makes verifies with its own
verifiers (``session_signer_is``, ``owner_signer_is`` for Fuel and EVM owners); that
changing any single byte of the signed bytes makes verification fail; and that every
member of ``corrupt.O2Corruption`` is refused.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from signing_strategies import Batch, batches, digests, keys, u64s

from tradeproof.signing import o2
from tradeproof.signing.corrupt import O2Corruption, o2_bad_signature, other_key
from tradeproof.signing.keys import Key

PROPERTY = settings(max_examples=200, deadline=None)
VECTORS = json.loads(
    (Path(__file__).resolve().parent.parent / "vectors" / "o2_vectors.json").read_text()
)


def calls_of(batch: Batch) -> list[o2.Call]:
    refs = {ref.market_id: ref for ref in map(o2.MarketRef.from_json, batch.markets)}
    return o2.batch_calls(batch.groups, refs, o2.parse_b256(batch.accounts_registry_id))


def flip(message: bytes, position: int, mask: int) -> bytes:
    changed = bytearray(message)
    changed[position] ^= mask
    return bytes(changed)


session_messages = st.builds(
    lambda nonce, chain, session, expiry, ids: o2.session_signing_bytes(
        nonce, chain, session.fuel_address, expiry, ids
    ),
    u64s,
    u64s,
    keys,
    u64s,
    st.lists(digests, min_size=1, max_size=5),
)


@PROPERTY
@given(batches(), keys)
def test_actions_signature_verifies(batch: Batch, session: Key) -> None:
    calls = calls_of(batch)
    signature = o2.sign_actions(session, batch.nonce, calls)
    digest = o2.actions_digest(batch.nonce, calls)
    assert o2.session_signer_is(signature, digest, session.fuel_address)
    wire = o2.parse_signature(o2.signature_json(signature))
    assert o2.session_signer_is(wire, digest, session.fuel_address)
    assert not o2.session_signer_is(signature, digest, other_key(session).fuel_address)


@PROPERTY
@given(session_messages, keys, st.booleans())
def test_owner_signature_verifies(message: bytes, owner: Key, evm: bool) -> None:
    signature = o2.sign_session(owner, message, evm=evm)
    assert o2.owner_signer_is(signature, message, o2.owner_b256(owner, evm))
    # the other address type of the same key is a different owner (other framing)
    assert not o2.owner_signer_is(signature, message, o2.owner_b256(owner, not evm))


@PROPERTY
@given(batches(), keys, st.data())
def test_any_byte_change_breaks_actions_signature(
    batch: Batch, session: Key, data: st.DataObject
) -> None:
    message = o2.actions_signing_bytes(batch.nonce, calls_of(batch))
    signature = o2.compact_sign(session, hashlib.sha256(message).digest())
    position = data.draw(st.integers(0, len(message) - 1), label="position")
    mask = data.draw(st.integers(1, 255), label="mask")
    changed = hashlib.sha256(flip(message, position, mask)).digest()
    assert not o2.session_signer_is(signature, changed, session.fuel_address)


@PROPERTY
@given(session_messages, keys, st.booleans(), st.data())
def test_any_byte_change_breaks_owner_signature(
    message: bytes, owner: Key, evm: bool, data: st.DataObject
) -> None:
    address = o2.owner_b256(owner, evm)
    signature = o2.sign_session(owner, message, evm=evm)
    position = data.draw(st.integers(0, len(message) - 1), label="position")
    mask = data.draw(st.integers(1, 255), label="mask")
    assert not o2.owner_signer_is(signature, flip(message, position, mask), address)


def test_every_byte_position_of_the_vectors_is_signed() -> None:
    """Deterministic sweep: each byte of V1 (Fuel and EVM owner) and V2 matters."""
    by_name = {v["name"]: v for v in VECTORS["vectors"]}
    owner = Key.from_secret(bytes.fromhex(VECTORS["keys"]["owner"]["secret"][2:]))
    session = Key.from_secret(bytes.fromhex(VECTORS["keys"]["session"]["secret"][2:]))
    v1 = by_name["V1-set-session"]["expected"]
    v1_bytes = bytes.fromhex(v1["signing_bytes"])
    v2 = by_name["V2-actions"]["expected"]
    v2_bytes = bytes.fromhex(v2["signing_bytes"])
    fuel_sig, evm_sig = bytes.fromhex(v1["fuel_signature"]), bytes.fromhex(v1["evm_signature"])
    actions_sig = bytes.fromhex(v2["signature"])
    assert o2.owner_signer_is(fuel_sig, v1_bytes, owner.fuel_address)
    assert o2.owner_signer_is(evm_sig, v1_bytes, owner.evm_b256)
    v2_digest = hashlib.sha256(v2_bytes).digest()
    assert o2.session_signer_is(actions_sig, v2_digest, session.fuel_address)
    for position in range(len(v1_bytes)):
        changed = flip(v1_bytes, position, 0x01)
        assert not o2.owner_signer_is(fuel_sig, changed, owner.fuel_address), position
        assert not o2.owner_signer_is(evm_sig, changed, owner.evm_b256), position
    for position in range(len(v2_bytes)):
        changed = hashlib.sha256(flip(v2_bytes, position, 0x80)).digest()
        assert not o2.session_signer_is(actions_sig, changed, session.fuel_address), position


@pytest.mark.parametrize("kind", list(O2Corruption))
@settings(max_examples=30, deadline=None)
@given(keys, digests, st.binary(max_size=300), st.booleans())
def test_every_corruption_is_refused(
    kind: O2Corruption, key: Key, digest: bytes, message: bytes, evm: bool
) -> None:
    # session path: a signature over a raw digest
    assert o2.session_signer_is(o2.compact_sign(key, digest), digest, key.fuel_address)
    bad = o2_bad_signature(kind, key, digest)
    assert not o2.session_signer_is(bad, digest, key.fuel_address)
    wire = o2.parse_signature(o2.signature_json(bad))
    assert not o2.session_signer_is(wire, digest, key.fuel_address)
    # owner path: a personal-signed message, Fuel or EVM owner
    owner = o2.owner_b256(key, evm)
    owner_digest = o2.owner_digest(message, owner)
    assert o2.owner_signer_is(o2.compact_sign(key, owner_digest), message, owner)
    assert not o2.owner_signer_is(o2_bad_signature(kind, key, owner_digest), message, owner)
