"""secp256k1 signing and recovery over 32-byte digests (libsecp256k1 via coincurve).

Both protocols sign a digest they computed themselves; this module only turns a
digest into ``(r, s, recovery_id)`` and back. libsecp256k1 always produces low-s.
"""

from __future__ import annotations

from coincurve import PrivateKey, PublicKey

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
HALF_N = SECP256K1_N // 2


def sign_digest(key: PrivateKey, digest: bytes) -> tuple[bytes, bytes, int]:
    """Sign a 32-byte digest (RFC 6979 nonce): returns ``(r, s, recovery_id)``, s low."""
    if len(digest) != 32:
        raise ValueError(f"digest must be 32 bytes, got {len(digest)}")
    sig = key.sign_recoverable(digest, hasher=None)
    return sig[:32], sig[32:64], sig[64]


def recover(digest: bytes, r: bytes, s: bytes, recovery_id: int) -> bytes | None:
    """Uncompressed public key that signed ``digest``, or None if nothing recovers.

    Rejects high-s, zero or out-of-range scalars and recovery ids other than 0/1:
    every malleable or reduced form is refused, not normalised.
    """
    s_int = int.from_bytes(s, "big")
    r_int = int.from_bytes(r, "big")
    if not (0 < r_int < SECP256K1_N and 0 < s_int <= HALF_N) or recovery_id not in (0, 1):
        return None
    try:
        public = PublicKey.from_signature_and_message(
            r + s + bytes([recovery_id]), digest, hasher=None
        )
    except Exception:  # coincurve raises a bare Exception for unrecoverable input
        return None
    return public.format(compressed=False)
