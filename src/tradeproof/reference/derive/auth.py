"""REST authentication: who signed ``X-LyraTimestamp``, and may they act for ``X-LyraWallet``?

``X-LyraSignature`` is an EIP-191 personal_sign of the timestamp string by the wallet
(owner) itself or by one of its registered, unexpired session keys. No freshness window
is applied to the timestamp: none is documented for v2 (TARGET.md §2). Recovery results
are cached, since clients often reuse one header set for many calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from ...codes import DeriveCode as C
from ...signing.derive import recover_auth_signer
from .accounts import Accounts, Scope
from .errors import RpcError
from .params import checksummed

WALLET, TIMESTAMP, SIGNATURE = "x-lyrawallet", "x-lyratimestamp", "x-lyrasignature"
MAX_HEADER = 1024


@dataclass(frozen=True, slots=True)
class Caller:
    """An authenticated request: the wallet it acts for, who signed, at what level."""

    wallet: str
    signer: str
    scope: Scope

    @property
    def is_owner(self) -> bool:
        return self.signer == self.wallet


@lru_cache(maxsize=8192)
def _recover(timestamp: str, signature: str) -> str | None:
    return recover_auth_signer(timestamp, signature)


def authenticate(headers: Mapping[str, str], accounts: Accounts, now: float) -> Caller:
    """The caller behind the three X-Lyra headers (names in any case).

    14021 if a header is missing or empty; 14014 if the signature is malformed or by
    neither the wallet nor one of its session keys; 14030 if by an expired session key.
    """
    lowered = {key.lower(): value for key, value in headers.items()}
    values = [lowered.get(name, "") for name in (WALLET, TIMESTAMP, SIGNATURE)]
    missing = [
        name
        for name, value in zip((WALLET, TIMESTAMP, SIGNATURE), values, strict=True)
        if not value
    ]
    if missing:
        raise RpcError(C.AUTH_HEADER_MISSING, f"missing header(s): {', '.join(missing)}")
    wallet_header, timestamp, signature = values
    wallet = checksummed(wallet_header)
    if wallet is None:
        raise RpcError(C.INVALID_SIGNATURE, "X-LyraWallet is not an address")
    if len(timestamp) > MAX_HEADER or len(signature) > MAX_HEADER:
        raise RpcError(C.INVALID_SIGNATURE, "authentication header too long")
    signer = _recover(timestamp, signature)
    if signer is None:
        raise RpcError(C.INVALID_SIGNATURE, "X-LyraSignature is not a valid signature")
    if signer == wallet:
        return Caller(wallet, signer, Scope.ADMIN)
    account = accounts.wallet(wallet)
    key = account.session_keys.get(signer.lower()) if account else None
    if key is None:
        raise RpcError(
            C.INVALID_SIGNATURE,
            f"X-LyraSignature recovers to {signer}: neither the wallet nor its session key",
        )
    if key.expired(now):
        raise RpcError(C.SESSION_KEY_EXPIRED, f"session key {signer} expired at {key.expiry_sec}")
    return Caller(wallet, signer, key.scope)
