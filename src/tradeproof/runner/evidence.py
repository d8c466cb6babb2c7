"""Annotate failure evidence with what a reader needs to judge a signature: who it
recovers to, who should have signed, and which fields it covers.

Recomputed from the request as sent, with the target's markets / instruments the run
already read. Anything that cannot be recomputed gets a short note instead.
"""

from __future__ import annotations

from typing import Any

from ..errors import EncodingError
from ..messages import derive as derive_msg
from ..messages import o2 as o2_msg
from ..signing import derive as derive_sig
from ..signing import o2 as o2_sig
from ..signing.keys import evm_address_of, fuel_address_of

O2_ACTION_FIELDS = ["nonce", "actions (contract, function, forwarded amount and asset, call data per action)"]
O2_SESSION_FIELDS = ["nonce", "chain id", "session_id", "expiry", "contract_ids"]
DERIVE_FIELDS = ["subaccount_id", "nonce", "signature_expiry_sec", "signer", "owner (X-LyraWallet)",
                 "RFQ module", "direction", "legs (sorted, signed amounts)", "max_fee"]


def annotate(exchange: dict[str, Any], context: Any) -> dict[str, Any]:
    """A copy of ``exchange`` with a ``signature_check`` entry when it carried a signature."""
    url, body = str(exchange.get("url", "")), exchange.get("request")
    if not isinstance(body, dict) or "signature" not in body:
        return exchange
    try:
        if url.startswith("/v1/session/actions"):
            check = _o2_actions(body, context)
        elif url.startswith("/v1/session"):
            check = _o2_session(body, context)
        elif url.startswith(("/private/execute_quote", "/private/send_quote")):
            check = _derive(url, body, exchange.get("headers") or {}, context)
        else:
            return exchange
    except (EncodingError, KeyError, TypeError, ValueError, AttributeError) as exc:
        check = {"note": f"the signed content cannot be rebuilt from this request ({exc})"}
    return {**exchange, "signature_check": check}


def _o2_actions(body: dict[str, Any], context: Any) -> dict[str, Any]:
    ctx: o2_msg.O2Context = context.o2.context
    digest = o2_msg.actions_digest(ctx, o2_sig.parse_u64(body["nonce"], "nonce"), body["actions"])
    public = o2_sig.compact_recover(o2_sig.parse_signature(body["signature"]), digest)
    return {
        "recovered": o2_sig.hex0x(fuel_address_of(public)) if public else None,
        "expected_signer": str(next(iter(body.get("session_id", {}).values()), None)),
        "signed_fields": O2_ACTION_FIELDS,
    }


def _o2_session(body: dict[str, Any], context: Any) -> dict[str, Any]:
    ctx: o2_msg.O2Context = context.o2.context
    message = o2_sig.session_signing_bytes(
        o2_sig.parse_u64(body["nonce"], "nonce"),
        ctx.chain_id,
        o2_sig.parse_b256(body["session_id"]["Address"]),
        o2_sig.parse_u64(body["expiry"], "expiry"),
        [o2_sig.parse_b256(c) for c in body["contract_ids"]],
    )
    signature = o2_sig.parse_signature(body["signature"])
    fuel = o2_sig.compact_recover(signature, o2_sig.fuel_personal_digest(message))
    evm = o2_sig.compact_recover(signature, o2_sig.evm_personal_digest(message))
    return {
        "recovered": f"fuel {o2_sig.hex0x(fuel_address_of(fuel)) if fuel else None} / evm {evm_address_of(evm) if evm else None}",
        "expected_signer": "the owner of trade account " + str(body.get("contract_id")),
        "signed_fields": O2_SESSION_FIELDS,
    }


def _derive(url: str, body: dict[str, Any], headers: dict[str, str], context: Any) -> dict[str, Any]:
    domain: derive_sig.Domain = context.settings.derive_domain
    legs = derive_msg.signing_legs(body["legs"], context.derive.instrument_refs)
    if url.startswith("/private/execute_quote"):
        data = derive_sig.execute_module_data(body["direction"], body["max_fee"], legs)
    else:
        data = derive_sig.quote_module_data(body["direction"], body["max_fee"], legs)
    owner = next((v for k, v in headers.items() if k.lower() == "x-lyrawallet"), None)
    if owner is None:
        return {"note": "no X-LyraWallet header: the signed owner is unknown", "signed_fields": DERIVE_FIELDS}
    action = derive_sig.Action(
        int(body["subaccount_id"]), int(body["nonce"]), domain.rfq_module, data,
        int(body["signature_expiry_sec"]), owner, body["signer"],
    )
    return {
        "recovered": derive_sig.recover_action_signer(str(body["signature"]), action, domain),
        "expected_signer": str(body["signer"]),
        "signed_fields": DERIVE_FIELDS,
    }
