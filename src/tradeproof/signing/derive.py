"""Derive (v2) RFQ signing: EIP-712 Action hashes, RFQ module data, auth headers.

Recipes from ``protocol/derive.md`` §1 (cross-checked against
``derive_action_signing`` and ``eth_account.encode_typed_data`` in the tests).

* A maker signs ``abi.encode((uint maxFee, (address,uint,uint,int)[] trades))``.
* A taker signs ``abi.encode(bytes32 legs_hash, uint maxFee)`` where ``legs_hash`` is
  keccak of the maker's trades, i.e. the legs encoded with the *quote's* direction.
* Legs are sorted by instrument name before encoding, on both sides.
* Decimal values become 1e18 integers by truncation, as the official SDK does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any

from eth_abi import encode as abi_encode
from eth_hash.auto import keccak
from eth_utils import to_checksum_address

from ..errors import EncodingError
from . import _secp
from .keys import Key, evm_address_of

ACTION_TYPE = (
    "Action(uint256 subaccountId,uint256 nonce,address module,bytes data,"
    "uint256 expiry,address owner,address signer)"
)
ACTION_TYPEHASH = keccak(ACTION_TYPE.encode())
DOMAIN_TYPEHASH = keccak(
    b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
)
E18 = Decimal(10) ** 18
INT256_MIN, INT256_MAX = -(2**255), 2**255 - 1
UINT256_MAX = 2**256 - 1
_HEX = re.compile(r"[0-9a-fA-F]*")


@dataclass(frozen=True)
class Domain:
    """An EIP-712 domain of the Matching contract, plus the RFQ module address."""

    chain_id: int
    verifying_contract: str
    rfq_module: str
    name: str = "Matching"
    version: str = "1.0"

    @cached_property
    def separator(self) -> bytes:
        return keccak(
            abi_encode(
                ["bytes32", "bytes32", "bytes32", "uint256", "address"],
                [
                    DOMAIN_TYPEHASH,
                    keccak(self.name.encode()),
                    keccak(self.version.encode()),
                    self.chain_id,
                    to_checksum_address(self.verifying_contract),
                ],
            )
        )


V2_TESTNET = Domain(
    chain_id=901,
    verifying_contract="0x3cc154e220c2197c5337b7Bd13363DD127Bc0C6E",
    rfq_module="0x4E4DD8Be1e461913D9A5DBC4B830e67a8694ebCa",
)
V2_MAINNET = Domain(
    chain_id=957,
    verifying_contract="0xeB8d770ec18DB98Db922E9D83260A585b9F0DeAD",
    rfq_module="0x9371352CCef6f5b36EfDFE90942fFE622Ab77F1D",
)


# --------------------------------------------------------------------------- numbers


def to_decimal(value: Any, field: str = "value") -> Decimal:
    """A finite Decimal from a JSON string or number; raises EncodingError otherwise."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise EncodingError(f"{field} must be a decimal string, got {value!r}")
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        raise EncodingError(f"{field} is not a decimal: {value!r}") from None
    if not result.is_finite():
        raise EncodingError(f"{field} is not finite: {value!r}")
    return result


def to_e18(value: Any, field: str = "value") -> int:
    """``int(Decimal(value) * 1e18)``, truncating like the official SDK."""
    return int(to_decimal(value, field) * E18)


# --------------------------------------------------------------------------- legs


@dataclass(frozen=True, slots=True)
class Leg:
    """A quote leg as sent in JSON, plus the on-chain asset it maps to."""

    instrument_name: str
    direction: str  # "buy" | "sell"
    price: Decimal
    amount: Decimal
    asset: str
    sub_id: int

    def trade_tuple(self, quote_direction: str) -> tuple[str, int, int, int]:
        """``(asset, subId, price_e18, signed amount_e18)`` for a quote of that direction."""
        sign = _sign(self.direction) * _sign(quote_direction)
        amount = to_e18(self.amount, "amount") * sign
        price = to_e18(self.price, "price")
        if not (0 <= price <= UINT256_MAX and INT256_MIN <= amount <= INT256_MAX):
            raise EncodingError(f"leg {self.instrument_name} is out of the 256-bit range")
        return (to_checksum_address(self.asset), self.sub_id, price, amount)


def _sign(direction: str) -> int:
    if direction == "buy":
        return 1
    if direction == "sell":
        return -1
    raise EncodingError(f"direction must be buy or sell, got {direction!r}")


def opposite(direction: str) -> str:
    """The other direction (a taker executes against the quote's opposite)."""
    return "sell" if _sign(direction) == 1 else "buy"


def sorted_legs(legs: Sequence[Leg]) -> list[Leg]:
    """Legs in the order both sides hash them: by instrument name."""
    return sorted(legs, key=lambda leg: leg.instrument_name)


def _trades(legs: Sequence[Leg], quote_direction: str) -> list[tuple[str, int, int, int]]:
    return [leg.trade_tuple(quote_direction) for leg in sorted_legs(legs)]


def quote_module_data(direction: str, max_fee: Any, legs: Sequence[Leg]) -> bytes:
    """The maker's signed data: ``abi.encode(RfqOrder(maxFee, trades))``."""
    return abi_encode(
        ["(uint256,(address,uint256,uint256,int256)[])"],
        [(_max_fee(max_fee), _trades(legs, direction))],
    )


def encoded_legs(quote_direction: str, legs: Sequence[Leg]) -> bytes:
    """``abi.encode(trades)`` of the maker's trades (legs signed by the quote's direction)."""
    return abi_encode(["(address,uint256,uint256,int256)[]"], [_trades(legs, quote_direction)])


def legs_hash(quote_direction: str, legs: Sequence[Leg]) -> bytes:
    """keccak of the maker's encoded trades: the quote's ``legs_hash``."""
    return keccak(encoded_legs(quote_direction, legs))


def execute_module_data(taker_direction: str, max_fee: Any, legs: Sequence[Leg]) -> bytes:
    """The taker's signed data: ``abi.encode(legs_hash, maxFee)``.

    ``taker_direction`` is the execute request's ``direction`` (the quote's opposite);
    the legs are the quote's legs, unchanged.
    """
    digest = legs_hash(opposite(taker_direction), legs)
    return abi_encode(["bytes32", "uint256"], [digest, _max_fee(max_fee)])


def _max_fee(max_fee: Any) -> int:
    value = to_e18(max_fee, "max_fee")
    if not 0 <= value <= UINT256_MAX:
        raise EncodingError(f"max_fee {max_fee!r} is out of range")
    return value


# --------------------------------------------------------------------------- actions


@dataclass(frozen=True, slots=True)
class Action:
    """The EIP-712 ``Action`` struct a quote or execution is signed as."""

    subaccount_id: int
    nonce: int
    module: str
    data: bytes
    expiry: int
    owner: str
    signer: str

    def struct_hash(self) -> bytes:
        try:
            return keccak(
                abi_encode(
                    ["bytes32", "uint256", "uint256", "address", "bytes32", "uint256", "address", "address"],
                    [
                        ACTION_TYPEHASH,
                        self.subaccount_id,
                        self.nonce,
                        to_checksum_address(self.module),
                        keccak(self.data),
                        self.expiry,
                        to_checksum_address(self.owner),
                        to_checksum_address(self.signer),
                    ],
                )
            )
        except (ValueError, TypeError, OverflowError) as exc:
            raise EncodingError(f"cannot encode action: {exc}") from None

    def digest(self, domain: Domain) -> bytes:
        """``keccak(0x1901 ‖ domain separator ‖ struct hash)``: what gets signed."""
        return keccak(b"\x19\x01" + domain.separator + self.struct_hash())


def sign_digest(key: Key, digest: bytes) -> str:
    """65-byte ``r ‖ s ‖ v`` (v = 27/28) as ``0x`` hex, like eth-account."""
    r, s, recovery_id = _secp.sign_digest(key.private_key, digest)
    return "0x" + (r + s + bytes([27 + recovery_id])).hex()


def recover_digest_signer(signature: str, digest: bytes) -> str | None:
    """Checksummed address that signed ``digest``, or None.

    Accepts hex with or without ``0x`` (the official Python SDK omits it); refuses
    any length but 65 bytes, v other than 27/28 and high-s.
    """
    if not isinstance(signature, str):
        return None
    hex_part = signature[2:] if signature[:2] in ("0x", "0X") else signature
    if len(hex_part) != 130 or not _HEX.fullmatch(hex_part):
        return None
    raw = bytes.fromhex(hex_part)
    if len(raw) != 65:
        return None
    v = raw[64]
    if v not in (27, 28):  # what ecrecover (OpenZeppelin ECDSA) accepts
        return None
    public = _secp.recover(digest, raw[:32], raw[32:64], v - 27)
    return None if public is None else evm_address_of(public)


def sign_action(key: Key, action: Action, domain: Domain) -> str:
    """Sign an Action under a domain (the ``signature`` param)."""
    return sign_digest(key, action.digest(domain))


def recover_action_signer(signature: str, action: Action, domain: Domain) -> str | None:
    """Who signed this Action under this domain (None if the signature is malformed)."""
    try:
        digest = action.digest(domain)
    except EncodingError:
        return None
    return recover_digest_signer(signature, digest)


# --------------------------------------------------------------------------- auth headers


def personal_digest(text: str) -> bytes:
    """EIP-191 ``personal_sign`` digest of a text message."""
    raw = text.encode()
    return keccak(b"\x19Ethereum Signed Message:\n" + str(len(raw)).encode() + raw)


def auth_headers(key: Key, wallet: str, timestamp_ms: int) -> dict[str, str]:
    """``X-LyraWallet/Timestamp/Signature``: personal_sign of the timestamp string."""
    stamp = str(timestamp_ms)
    return {
        "X-LyraWallet": wallet,
        "X-LyraTimestamp": stamp,
        "X-LyraSignature": sign_digest(key, personal_digest(stamp)),
    }


def recover_auth_signer(timestamp: str, signature: str) -> str | None:
    """Address behind an ``X-LyraSignature`` header (None if malformed)."""
    return recover_digest_signer(signature, personal_digest(timestamp))
