"""Deliberately wrong signatures, by name, for the fuzzers and signature rules.

Each corruption is a way real verifiers have gone wrong: accepting another key,
another message, a malleable (high-s) twin, an over-long encoding, a flipped recovery
bit, or a signature made for another chain, contract or module. Every function
returns something a correct verifier must refuse.
"""

from __future__ import annotations

import dataclasses
import hashlib
from enum import StrEnum

from . import _secp, derive, o2
from .keys import Key


class O2Corruption(StrEnum):
    """Ways to spoil a 64-byte Fuel compact signature."""

    OTHER_KEY = "other-key"  # valid signature by a key that is not the signer
    OTHER_BYTES = "other-bytes"  # valid signature by the signer over other bytes
    HIGH_S = "high-s"  # r ‖ (n − s): the malleable twin, left un-normalised
    LONG_65 = "65-bytes"  # r ‖ s ‖ v, the Ethereum layout instead of the compact one
    FLIPPED_RECOVERY = "flipped-recovery"  # parity bit in byte 32 toggled
    TRUNCATED = "truncated"  # 63 bytes


class DeriveCorruption(StrEnum):
    """Ways to spoil a 65-byte EIP-712 signature."""

    OTHER_KEY = "other-key"
    OTHER_BYTES = "other-bytes"
    HIGH_S = "high-s"  # r ‖ (n − s) ‖ v^1: recovers the same key on lax ecrecover
    SHORT_64 = "64-bytes"  # v dropped
    FLIPPED_V = "flipped-v"  # 27 ↔ 28
    V_ZERO_ONE = "v-0-1"  # the right signature with v as 0/1 (what ecrecover refuses)
    LONG_66 = "66-bytes"  # the right 65 bytes and one more
    OTHER_CHAIN = "other-chain"  # same action, domain of another chain id
    OTHER_CONTRACT = "other-contract"  # same action, another verifying contract
    OTHER_MODULE = "other-module"  # same domain, action naming another module
    KNOWN_WALLET = "known-wallet"  # signed by another wallet the target knows (``known``)
    MATCHING_MODULE = "matching-module"  # the action names the Matching contract (the domain's) as module


def other_key(key: Key) -> Key:
    """A fixed stranger to ``key`` (deterministic, so failures replay)."""
    return Key.derive("tradeproof-stranger", key.label or key.evm_address)


def _other_digest(digest: bytes) -> bytes:
    return hashlib.sha256(b"tradeproof/other-bytes" + digest).digest()


def o2_bad_signature(kind: O2Corruption, key: Key, digest: bytes) -> bytes:
    """A wrong signature of the given kind for what ``key`` should sign as ``digest``."""
    if kind is O2Corruption.OTHER_KEY:
        return o2.compact_sign(other_key(key), digest)
    if kind is O2Corruption.OTHER_BYTES:
        return o2.compact_sign(key, _other_digest(digest))
    r, s, recovery_id = _secp.sign_digest(key.private_key, digest)
    if kind is O2Corruption.HIGH_S:
        return r + (_secp.SECP256K1_N - int.from_bytes(s, "big")).to_bytes(32, "big")
    if kind is O2Corruption.LONG_65:
        return r + s + bytes([recovery_id])
    good = o2.compact_sign(key, digest)
    if kind is O2Corruption.FLIPPED_RECOVERY:
        return good[:32] + bytes([good[32] ^ 0x80]) + good[33:]
    if kind is O2Corruption.TRUNCATED:
        return good[:63]
    raise ValueError(f"unknown corruption {kind!r}")


OTHER_MODULE = "0x000000000000000000000000000000000000dEaD"
_OTHER_CONTRACT = "0x00000000000000000000000000000000DeaDBeef"


def derive_bad_signature(
    kind: DeriveCorruption, key: Key, action: derive.Action, domain: derive.Domain, known: Key | None = None
) -> str:
    """A wrong ``signature`` param of the given kind for ``action`` signed by ``key``.
    ``known``: another wallet with an account on the target, for ``KNOWN_WALLET`` (a
    target that accepts any wallet it knows passes a stranger's key; without one, the
    stranger signs)."""
    if kind is DeriveCorruption.KNOWN_WALLET:
        return derive.sign_action(known or other_key(key), action, domain)
    if kind is DeriveCorruption.OTHER_KEY:
        return derive.sign_action(other_key(key), action, domain)
    if kind is DeriveCorruption.MATCHING_MODULE:
        return derive.sign_action(key, dataclasses.replace(action, module=domain.verifying_contract), domain)
    if kind is DeriveCorruption.OTHER_BYTES:
        return derive.sign_digest(key, _other_digest(action.digest(domain)))
    if kind is DeriveCorruption.OTHER_CHAIN:
        other = derive.V2_MAINNET if domain.chain_id != derive.V2_MAINNET.chain_id else derive.V2_TESTNET
        return derive.sign_action(key, action, dataclasses.replace(domain, chain_id=other.chain_id))
    if kind is DeriveCorruption.OTHER_CONTRACT:
        return derive.sign_action(
            key, action, dataclasses.replace(domain, verifying_contract=_OTHER_CONTRACT)
        )
    if kind is DeriveCorruption.OTHER_MODULE:
        return derive.sign_action(key, dataclasses.replace(action, module=OTHER_MODULE), domain)
    if kind is DeriveCorruption.LONG_66:
        return derive.sign_action(key, action, domain) + "00"
    r, s, recovery_id = _secp.sign_digest(key.private_key, action.digest(domain))
    if kind is DeriveCorruption.HIGH_S:
        high = (_secp.SECP256K1_N - int.from_bytes(s, "big")).to_bytes(32, "big")
        return "0x" + (r + high + bytes([27 + (recovery_id ^ 1)])).hex()
    if kind is DeriveCorruption.SHORT_64:
        return "0x" + (r + s).hex()
    if kind is DeriveCorruption.FLIPPED_V:
        return "0x" + (r + s + bytes([27 + (recovery_id ^ 1)])).hex()
    if kind is DeriveCorruption.V_ZERO_ONE:
        return "0x" + (r + s + bytes([recovery_id])).hex()
    raise ValueError(f"unknown corruption {kind!r}")
