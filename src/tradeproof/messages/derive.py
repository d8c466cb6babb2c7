"""Derive RFQ params: signed ``send_quote`` and ``execute_quote`` bodies, nonces."""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..signing import derive as sig
from ..signing.keys import Key


@dataclass(frozen=True)
class InstrumentRef:
    """The on-chain asset behind an instrument name (from ``public/get_instrument``)."""

    name: str
    asset: str
    sub_id: int

    @classmethod
    def from_json(cls, instrument: Mapping[str, Any]) -> InstrumentRef:
        return cls(
            name=instrument["instrument_name"],
            asset=instrument["base_asset_address"],
            sub_id=int(instrument["base_asset_sub_id"]),
        )


def signing_legs(legs: Sequence[Mapping[str, Any]], instruments: Mapping[str, InstrumentRef]) -> list[sig.Leg]:
    """JSON legs (``instrument_name, direction, price, amount``) as signing legs."""
    out = []
    for leg in legs:
        ref = instruments[leg["instrument_name"]]
        out.append(
            sig.Leg(
                instrument_name=ref.name,
                direction=leg["direction"],
                price=sig.to_decimal(leg["price"], "price"),
                amount=sig.to_decimal(leg["amount"], "amount"),
                asset=ref.asset,
                sub_id=ref.sub_id,
            )
        )
    return out


_counter = itertools.count()


def new_nonce(now_ms: int | None = None) -> int:
    """UTC milliseconds followed by three digits that differ between calls."""
    stamp = int(time.time() * 1000) if now_ms is None else now_ms
    return int(f"{stamp}{next(_counter) % 1000:03d}")


def _signed(
    domain: sig.Domain,
    key: Key,
    *,
    owner: str,
    subaccount_id: int,
    nonce: int,
    expiry: int,
    data: bytes,
) -> dict[str, Any]:
    action = sig.Action(subaccount_id, nonce, domain.rfq_module, data, expiry, owner, key.evm_address)
    return {
        "subaccount_id": subaccount_id,
        "nonce": nonce,
        "signer": key.evm_address,
        "signature_expiry_sec": expiry,
        "signature": sig.sign_action(key, action, domain),
    }


def quote_params(
    domain: sig.Domain,
    key: Key,
    *,
    owner: str,
    subaccount_id: int,
    rfq_id: str,
    direction: str,
    legs: Sequence[Mapping[str, Any]],
    max_fee: str,
    nonce: int,
    expiry: int,
    instruments: Mapping[str, InstrumentRef],
    label: str | None = None,
) -> dict[str, Any]:
    """``private/send_quote`` params signed by ``key`` for ``owner``'s subaccount."""
    data = sig.quote_module_data(direction, max_fee, signing_legs(legs, instruments))
    params = _signed(domain, key, owner=owner, subaccount_id=subaccount_id, nonce=nonce, expiry=expiry, data=data)
    params.update(rfq_id=rfq_id, direction=direction, legs=[dict(leg) for leg in legs], max_fee=max_fee)
    if label is not None:
        params["label"] = label
    return params


def execute_params(
    domain: sig.Domain,
    key: Key,
    *,
    owner: str,
    subaccount_id: int,
    rfq_id: str,
    quote_id: str,
    direction: str,
    legs: Sequence[Mapping[str, Any]],
    max_fee: str,
    nonce: int,
    expiry: int,
    instruments: Mapping[str, InstrumentRef],
    label: str | None = None,
) -> dict[str, Any]:
    """``private/execute_quote`` params: ``direction`` is the taker's (the quote's opposite),
    ``legs`` the quote's legs unchanged."""
    data = sig.execute_module_data(direction, max_fee, signing_legs(legs, instruments))
    params = _signed(domain, key, owner=owner, subaccount_id=subaccount_id, nonce=nonce, expiry=expiry, data=data)
    params.update(
        rfq_id=rfq_id, quote_id=quote_id, direction=direction, legs=[dict(leg) for leg in legs], max_fee=max_fee
    )
    if label is not None:
        params["label"] = label
    return params


def auth_headers(key: Key, wallet: str, now_ms: int | None = None) -> dict[str, str]:
    """The three X-Lyra headers for a private call."""
    return sig.auth_headers(key, wallet, int(time.time() * 1000) if now_ms is None else now_ms)
