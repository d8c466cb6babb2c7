"""tradeproof's O2 signing agrees byte for byte with the official ``o2-sdk`` (0.5.0).

Random batches (every action type, every order type, random markets and nonces) give
the same session-actions signing bytes as ``action_to_call`` + ``build_actions_signing_bytes``;
random sessions give the same ``set_session`` bytes; personal-sign digests and 64-byte
compact signatures (both RFC 6979 via libsecp256k1) are identical.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from o2_sdk import crypto as sdk_crypto
from o2_sdk import encoding as sdk_encoding
from signing_strategies import Batch, batches, digests, keys, secrets, u64s

from tradeproof.signing import o2
from tradeproof.signing.keys import Key

ORACLE = settings(max_examples=200, deadline=None)


def ours_calls(batch: Batch) -> list[o2.Call]:
    refs = {ref.market_id: ref for ref in map(o2.MarketRef.from_json, batch.markets)}
    return o2.batch_calls(batch.groups, refs, o2.parse_b256(batch.accounts_registry_id))


def sdk_calls(batch: Batch) -> list[dict]:
    by_id = {m["market_id"]: m for m in batch.markets}
    calls = []
    for group in batch.groups:
        market_info = {
            **by_id[group["market_id"]],
            "accounts_registry_id": batch.accounts_registry_id,
        }
        calls += [sdk_encoding.action_to_call(action, market_info) for action in group["actions"]]
    return calls


@ORACLE
@given(batches())
def test_actions_signing_bytes_match_sdk(batch: Batch) -> None:
    ours = o2.actions_signing_bytes(batch.nonce, ours_calls(batch))
    sdk = sdk_encoding.build_actions_signing_bytes(batch.nonce, sdk_calls(batch))
    assert ours.hex() == sdk.hex()


@ORACLE
@given(batches(), keys)
def test_actions_signature_matches_sdk(batch: Batch, session: Key) -> None:
    ours = o2.sign_actions(session, batch.nonce, ours_calls(batch))
    sdk_bytes = sdk_encoding.build_actions_signing_bytes(batch.nonce, sdk_calls(batch))
    assert ours.hex() == sdk_crypto.raw_sign(session.secret, sdk_bytes).hex()


@ORACLE
@given(u64s, u64s, u64s, digests, st.lists(digests, min_size=1, max_size=5))
def test_session_signing_bytes_match_sdk(
    nonce: int, chain_id: int, expiry: int, session_address: bytes, contract_ids: list[bytes]
) -> None:
    ours = o2.session_signing_bytes(nonce, chain_id, session_address, expiry, contract_ids)
    sdk = sdk_encoding.build_session_signing_bytes(
        nonce, chain_id, session_address, contract_ids, expiry
    )
    assert ours.hex() == sdk.hex()
    assert len(ours) == 99 + 32 * len(contract_ids)


@ORACLE
@given(secrets, digests)
def test_compact_signature_matches_sdk(secret: bytes, digest: bytes) -> None:
    ours = o2.compact_sign(Key.from_secret(secret), digest)
    assert ours.hex() == sdk_crypto.fuel_compact_sign(secret, digest).hex()


@ORACLE
@given(st.binary(max_size=400))
def test_personal_digests_match_sdk(message: bytes) -> None:
    assert o2.fuel_personal_digest(message) == sdk_crypto.fuel_personal_sign_digest(message)
    assert o2.evm_personal_digest(message) == sdk_crypto.evm_personal_sign_digest(message)


@ORACLE
@given(secrets, u64s, u64s, keys, st.lists(digests, min_size=1, max_size=5))
def test_owner_signatures_and_addresses_match_sdk_wallets(
    secret: bytes, nonce: int, expiry: int, session: Key, contract_ids: list[bytes]
) -> None:
    owner = Key.from_secret(secret)
    fuel_wallet = sdk_crypto.load_wallet(secret.hex())
    evm_wallet = sdk_crypto.load_evm_wallet(secret.hex())
    assert "0x" + owner.fuel_address.hex() == fuel_wallet.b256_address
    assert "0x" + owner.evm_b256.hex() == evm_wallet.b256_address
    assert owner.evm_address.lower() == evm_wallet.evm_address
    message = o2.session_signing_bytes(nonce, 9889, session.fuel_address, expiry, contract_ids)
    assert o2.sign_session(owner, message, evm=False) == fuel_wallet.personal_sign(message)
    assert o2.sign_session(owner, message, evm=True) == evm_wallet.personal_sign(message)
