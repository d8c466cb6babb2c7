"""Test keys derived from a seed, so no private key ever needs to be stored.

A report or replay file names a key by ``(seed, label)`` and its public address;
anyone can re-derive the key from those. ``repr`` and ``str`` never show the secret.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property

from coincurve import PrivateKey
from eth_hash.auto import keccak
from eth_utils import to_checksum_address

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def _scalar_from(material: bytes) -> int:
    """Map arbitrary bytes to a valid secp256k1 scalar (1 ≤ k < n)."""
    return int.from_bytes(hashlib.sha256(material).digest(), "big") % (SECP256K1_N - 1) + 1


@dataclass(frozen=True, eq=False)
class Key:
    """A secp256k1 key pair with the addresses both protocols derive from it."""

    _private: PrivateKey = field(repr=False)
    label: str = ""

    @classmethod
    def from_secret(cls, secret: bytes | int, label: str = "") -> Key:
        """Wrap a known 32-byte secret (test vectors, user-supplied keys from env vars)."""
        if isinstance(secret, int):
            secret = secret.to_bytes(32, "big")
        return cls(PrivateKey(secret), label)

    @classmethod
    def derive(cls, seed: str | int, label: str) -> Key:
        """The key named ``label`` in the key family of ``seed`` (deterministic)."""
        scalar = _scalar_from(f"tradeproof-key/{seed}/{label}".encode())
        return cls(PrivateKey(scalar.to_bytes(32, "big")), label)

    @property
    def secret(self) -> bytes:
        """The 32-byte private scalar. Never write it anywhere."""
        return self._private.secret

    @property
    def private_key(self) -> PrivateKey:
        """The coincurve key, for signing."""
        return self._private

    @cached_property
    def public_key(self) -> bytes:
        """Uncompressed public key, 65 bytes starting with 0x04."""
        return self._private.public_key.format(compressed=False)

    @cached_property
    def fuel_address(self) -> bytes:
        """Fuel address: sha256 of the 64-byte X‖Y public key."""
        return fuel_address_of(self.public_key)

    @cached_property
    def evm_address(self) -> str:
        """EIP-55 checksummed Ethereum address."""
        return evm_address_of(self.public_key)

    @cached_property
    def evm_b256(self) -> bytes:
        """The EVM address left-padded to 32 bytes, as O2 names EVM owners."""
        return bytes(12) + bytes.fromhex(self.evm_address[2:])

    def __repr__(self) -> str:
        return f"Key(label={self.label!r}, evm_address={self.evm_address})"

    __str__ = __repr__

    def __reduce__(self) -> object:
        raise TypeError("keys are not serialisable; store (seed, label) and re-derive")


def fuel_address_of(public_key: bytes) -> bytes:
    """Fuel address of an uncompressed (65-byte) or raw (64-byte) public key."""
    raw = public_key[1:] if len(public_key) == 65 else public_key
    return hashlib.sha256(raw).digest()


def evm_address_of(public_key: bytes) -> str:
    """Checksummed EVM address of an uncompressed (65-byte) or raw (64-byte) public key."""
    raw = public_key[1:] if len(public_key) == 65 else public_key
    return to_checksum_address(keccak(raw)[12:])
