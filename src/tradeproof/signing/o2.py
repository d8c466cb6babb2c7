"""O2 signing: Fuel ABI call encoding, digests and 64-byte compact signatures.

Byte layouts follow ``protocol/o2.md`` §2 (cross-checked against ``o2_sdk.encoding``
in the tests). The encoder takes the JSON actions exactly as they go on the wire,
because that is all a server has to rebuild the signed calls from.

Two digests exist:

* the owner's ``set_session`` message, framed by personal-sign (Fuel prefix + sha256,
  or Ethereum prefix + keccak when the owner is an EVM address);
* the session key's actions message, plain sha256, no chain id.
"""

from __future__ import annotations

import hashlib
import re
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eth_hash.auto import keccak

from ..errors import EncodingError
from . import _secp
from .keys import Key, evm_address_of, fuel_address_of

GAS_MAX = 0xFFFF_FFFF_FFFF_FFFF
U64_MAX = 0xFFFF_FFFF_FFFF_FFFF
ZERO_ASSET = bytes(32)

ORDER_TYPE_VARIANTS = {
    "Limit": 0,
    "Spot": 1,
    "FillOrKill": 2,
    "PostOnly": 3,
    "Market": 4,
    "BoundedMarket": 5,
}
IDENTITY_VARIANTS = {"Address": 0, "ContractId": 1}
ACTION_FUNCTIONS = {
    "CreateOrder": "create_order",
    "CancelOrder": "cancel_order",
    "SettleBalance": "settle_balance",
    "RegisterReferer": "register_referer",
}

_U64 = struct.Struct(">Q")
_HEX = re.compile(r"[0-9a-fA-F]*")


# --------------------------------------------------------------------------- primitives


def u64(value: int) -> bytes:
    """8-byte big-endian u64; raises EncodingError when out of range."""
    if not 0 <= value <= U64_MAX:
        raise EncodingError(f"{value} does not fit in a u64")
    return _U64.pack(value)


def parse_u64(text: Any, field: str = "value") -> int:
    """Parse a u64 decimal string strictly (no sign, no fraction, no exponent)."""
    if not isinstance(text, str) or not text.isascii() or not text.isdigit():
        raise EncodingError(f"{field} must be a decimal string, got {text!r}")
    if len(text) > 1 and text[0] == "0":
        raise EncodingError(f"{field} has a leading zero: {text!r}")
    value = int(text)
    if value > U64_MAX:
        raise EncodingError(f"{field} {text} exceeds u64")
    return value


def parse_b256(text: Any, field: str = "id") -> bytes:
    """Parse a 32-byte hex id, with or without the ``0x`` prefix."""
    if not isinstance(text, str):
        raise EncodingError(f"{field} must be a hex string, got {text!r}")
    hex_part = text[2:] if text[:2] in ("0x", "0X") else text
    if len(hex_part) != 64 or not _HEX.fullmatch(hex_part):
        raise EncodingError(f"{field} must be 32 bytes of hex, got {text!r}")
    return bytes.fromhex(hex_part)


def hex0x(data: bytes) -> str:
    """Lowercase ``0x``-prefixed hex, as the SDKs send ids and signatures."""
    return "0x" + data.hex()


def selector(name: str) -> bytes:
    """Fuel function selector: the length-prefixed name (not a hash)."""
    raw = name.encode()
    return u64(len(raw)) + raw


def identity_bytes(identity: Any) -> bytes:
    """Encode ``{"Address": id}`` / ``{"ContractId": id}`` as u64 tag ‖ 32 bytes."""
    if not isinstance(identity, Mapping) or len(identity) != 1:
        raise EncodingError(f"identity must have exactly one of Address/ContractId: {identity!r}")
    (variant, value), = identity.items()
    if variant not in IDENTITY_VARIANTS:
        raise EncodingError(f"unknown identity variant {variant!r}")
    return u64(IDENTITY_VARIANTS[variant]) + parse_b256(value, variant)


def order_type_bytes(order_type: Any) -> bytes:
    """Encode an OrderType JSON value (tightly packed enum, no padding)."""
    if isinstance(order_type, str):
        if order_type not in ("Spot", "FillOrKill", "PostOnly", "Market"):
            raise EncodingError(f"unknown order type {order_type!r}")
        return u64(ORDER_TYPE_VARIANTS[order_type])
    if isinstance(order_type, Mapping) and len(order_type) == 1:
        (variant, payload), = order_type.items()
        if variant == "Limit":
            if not isinstance(payload, Sequence) or isinstance(payload, str) or len(payload) != 2:
                raise EncodingError(f"Limit takes [price, timestamp], got {payload!r}")
            return u64(0) + u64(parse_u64(payload[0], "Limit price")) + u64(
                parse_u64(payload[1], "Limit timestamp")
            )
        if variant == "BoundedMarket":
            if not isinstance(payload, Mapping) or set(payload) != {"max_price", "min_price"}:
                raise EncodingError(f"BoundedMarket takes max_price and min_price: {payload!r}")
            return (
                u64(5)
                + u64(parse_u64(payload["max_price"], "max_price"))
                + u64(parse_u64(payload["min_price"], "min_price"))
            )
    raise EncodingError(f"unknown order type {order_type!r}")


# --------------------------------------------------------------------------- calls


@dataclass(frozen=True, slots=True)
class MarketRef:
    """The part of a ``GET /v1/markets`` entry that the call encoding needs."""

    market_id: bytes
    contract_id: bytes
    base_asset: bytes
    base_decimals: int
    quote_asset: bytes

    @classmethod
    def from_json(cls, market: Mapping[str, Any]) -> MarketRef:
        return cls(
            market_id=parse_b256(market["market_id"], "market_id"),
            contract_id=parse_b256(market["contract_id"], "contract_id"),
            base_asset=parse_b256(market["base"]["asset"], "base.asset"),
            base_decimals=int(market["base"]["decimals"]),
            quote_asset=parse_b256(market["quote"]["asset"], "quote.asset"),
        )


@dataclass(frozen=True, slots=True)
class Call:
    """One ``CallContractArg`` of ``session_call_contracts``."""

    contract_id: bytes
    function: str
    amount: int
    asset_id: bytes
    call_data: bytes | None
    gas: int = GAS_MAX

    def encode(self) -> bytes:
        sel = selector(self.function)
        parts = [self.contract_id, u64(len(sel)), sel, u64(self.amount), self.asset_id, u64(self.gas)]
        if self.call_data is None:
            parts.append(u64(0))
        else:
            parts += [u64(1), u64(len(self.call_data)), self.call_data]
        return b"".join(parts)


def forwarded_amount(side: str, price: int, quantity: int, base_decimals: int) -> int:
    """Coins a CreateOrder forwards: Buy pays floor(price·qty/10^base) quote, Sell qty base."""
    if side == "Buy":
        return price * quantity // 10**base_decimals
    if side == "Sell":
        return quantity
    raise EncodingError(f"side must be Buy or Sell, got {side!r}")


def action_call(action: Mapping[str, Any], market: MarketRef, accounts_registry_id: bytes) -> Call:
    """The contract call a JSON action becomes (``protocol/o2.md`` §2.4 table)."""
    if not isinstance(action, Mapping) or len(action) != 1:
        raise EncodingError(f"an action has exactly one key, got {action!r}")
    (kind, body), = action.items()
    if kind not in ACTION_FUNCTIONS or not isinstance(body, Mapping):
        raise EncodingError(f"unknown action {kind!r}")
    function = ACTION_FUNCTIONS[kind]
    if kind == "CreateOrder":
        price = parse_u64(body.get("price"), "price")
        quantity = parse_u64(body.get("quantity"), "quantity")
        side = body.get("side")
        amount = forwarded_amount(side, price, quantity, market.base_decimals)  # type: ignore[arg-type]
        asset = market.quote_asset if side == "Buy" else market.base_asset
        data = u64(price) + u64(quantity) + order_type_bytes(body.get("order_type"))
        return Call(market.contract_id, function, amount, asset, data)
    if kind == "CancelOrder":
        return Call(market.contract_id, function, 0, ZERO_ASSET, parse_b256(body.get("order_id")))
    if kind == "SettleBalance":
        return Call(market.contract_id, function, 0, ZERO_ASSET, identity_bytes(body.get("to")))
    # RegisterReferer: the seed names the field ``referer``; the SDKs send ``to``.
    referer = body["referer"] if "referer" in body else body.get("to")
    return Call(accounts_registry_id, function, 0, ZERO_ASSET, identity_bytes(referer))


def batch_calls(
    groups: Iterable[Mapping[str, Any]],
    markets: Mapping[bytes, MarketRef],
    accounts_registry_id: bytes,
) -> list[Call]:
    """All calls of a session-actions body, in request order (groups, then actions)."""
    calls: list[Call] = []
    for group in groups:
        market_id = parse_b256(group.get("market_id"), "market_id")
        market = markets.get(market_id)
        if market is None:
            raise EncodingError(f"unknown market {hex0x(market_id)}")
        actions = group.get("actions")
        if not isinstance(actions, list):
            raise EncodingError("a market group's actions must be a list")
        calls.extend(action_call(action, market, accounts_registry_id) for action in actions)
    return calls


def actions_signing_bytes(nonce: int, calls: Sequence[Call]) -> bytes:
    """What a session key signs (before hashing): u64 nonce ‖ Vec<CallContractArg>."""
    return b"".join([u64(nonce), u64(len(calls)), *(call.encode() for call in calls)])


def actions_digest(nonce: int, calls: Sequence[Call]) -> bytes:
    """sha256 of the actions signing bytes: the digest the session key signs."""
    return hashlib.sha256(actions_signing_bytes(nonce, calls)).digest()


# --------------------------------------------------------------------------- sessions


def session_signing_bytes(
    nonce: int, chain_id: int, session_address: bytes, expiry: int, contract_ids: Sequence[bytes]
) -> bytes:
    """The owner's ``set_session`` message (99 + 32·n bytes)."""
    return b"".join(
        [
            u64(nonce),
            u64(chain_id),
            selector("set_session"),
            u64(1),  # Option::Some(Session)
            u64(0),  # Identity::Address
            session_address,
            u64(expiry),
            u64(len(contract_ids)),
            *contract_ids,
        ]
    )


def is_evm_owner(owner_b256: bytes) -> bool:
    """The contract's rule: an owner whose first 12 bytes are zero is an EVM address."""
    return owner_b256[:12] == bytes(12)


def fuel_personal_digest(message: bytes) -> bytes:
    """sha256(``\\x19Fuel Signed Message:\\n`` ‖ decimal length ‖ message)."""
    return hashlib.sha256(b"\x19Fuel Signed Message:\n" + str(len(message)).encode() + message).digest()


def evm_personal_digest(message: bytes) -> bytes:
    """keccak256(``\\x19Ethereum Signed Message:\\n`` ‖ decimal length ‖ message)."""
    return keccak(b"\x19Ethereum Signed Message:\n" + str(len(message)).encode() + message)


def owner_digest(message: bytes, owner_b256: bytes) -> bytes:
    """The personal-sign digest the owner signs, by owner address type."""
    return evm_personal_digest(message) if is_evm_owner(owner_b256) else fuel_personal_digest(message)


def owner_b256(key: Key, evm: bool) -> bytes:
    """The b256 an owner key is known by: its Fuel address, or its padded EVM address."""
    return key.evm_b256 if evm else key.fuel_address


# --------------------------------------------------------------------------- signatures


def compact_sign(key: Key, digest: bytes) -> bytes:
    """64-byte Fuel compact signature: r ‖ s with the y-parity in the top bit of s."""
    r, s, recovery_id = _secp.sign_digest(key.private_key, digest)
    return r + bytes([(recovery_id << 7) | (s[0] & 0x7F)]) + s[1:]


def compact_recover(signature: bytes, digest: bytes) -> bytes | None:
    """Public key (65 bytes) behind a 64-byte compact signature, or None.

    Refuses anything but exactly 64 bytes; the parity bit is taken from the top of
    byte 32, the rest of s must be low.
    """
    if len(signature) != 64:
        return None
    recovery_id = signature[32] >> 7
    s = bytes([signature[32] & 0x7F]) + signature[33:]
    return _secp.recover(digest, signature[:32], s, recovery_id)


def parse_signature(signature: Any) -> bytes:
    """Bytes of a ``{"Secp256k1": "0x…"}`` value (any length; verification checks it)."""
    if not isinstance(signature, Mapping) or set(signature) != {"Secp256k1"}:
        raise EncodingError(f"signature must be {{'Secp256k1': hex}}, got {signature!r}")
    text = signature["Secp256k1"]
    if not isinstance(text, str):
        raise EncodingError("signature hex must be a string")
    hex_part = text[2:] if text[:2] in ("0x", "0X") else text
    if len(hex_part) % 2 or not _HEX.fullmatch(hex_part):
        raise EncodingError(f"signature is not hex: {text!r}")
    return bytes.fromhex(hex_part)


def signature_json(signature: bytes) -> dict[str, str]:
    """The wire form ``{"Secp256k1": "0x…"}``."""
    return {"Secp256k1": hex0x(signature)}


def session_signer_is(signature: bytes, digest: bytes, session_address: bytes) -> bool:
    """Does the signature recover to this Fuel session address?"""
    public = compact_recover(signature, digest)
    return public is not None and fuel_address_of(public) == session_address


def owner_signer_is(signature: bytes, message: bytes, owner: bytes) -> bool:
    """Does the owner signature over ``message`` recover to ``owner`` (Fuel or EVM b256)?"""
    public = compact_recover(signature, owner_digest(message, owner))
    if public is None:
        return False
    if is_evm_owner(owner):
        return bytes.fromhex(evm_address_of(public)[2:]) == owner[12:]
    return fuel_address_of(public) == owner


def sign_actions(session_key: Key, nonce: int, calls: Sequence[Call]) -> bytes:
    """The session key's compact signature over a batch of calls."""
    return compact_sign(session_key, actions_digest(nonce, calls))


def sign_session(owner_key: Key, message: bytes, evm: bool = False) -> bytes:
    """The owner's compact signature over a ``set_session`` message."""
    return compact_sign(owner_key, owner_digest(message, owner_b256(owner_key, evm)))
