"""Signatures (TARGET.md §1): every corrupted or foreign signature is 4000, changing nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tradeproof.messages import o2 as msg
from tradeproof.signing import o2 as sig
from tradeproof.signing.corrupt import O2Corruption, o2_bad_signature
from tradeproof.signing.keys import Key

from .support import Trader
from .test_batch_shape import PRICE, QTY, rejected


def batch(eth: sig.MarketRef, trader: Trader) -> list[dict[str, Any]]:
    return [
        msg.group(
            eth.market_id,
            msg.settle_balance(trader.identity),
            msg.create_order("Buy", PRICE, QTY, "Spot"),
        )
    ]


@pytest.mark.parametrize("kind", list(O2Corruption))
def test_corrupted_action_signature_is_4000(
    alice: Trader, eth: sig.MarketRef, kind: O2Corruption
) -> None:
    groups = batch(eth, alice)
    nonce = alice.nonce()
    assert alice.session_key is not None
    digest = msg.actions_digest(alice.ctx, nonce, groups)
    bad = o2_bad_signature(kind, alice.session_key, digest)
    answer = rejected(alice, alice.body(*groups, nonce=nonce, signature=bad), 4000)
    assert "signature" in answer["message"].lower()
    alice.ok(*groups)  # the good signature over the same batch is accepted


def tampered() -> dict[str, Callable[[dict[str, Any]], None]]:
    """Fields changed after signing; every one is part of the signed bytes."""

    def order(body: dict[str, Any]) -> dict[str, Any]:
        return body["actions"][0]["actions"][1]["CreateOrder"]  # type: ignore[no-any-return]

    return {
        "price": lambda b: order(b).update(price=str(PRICE + 1000)),
        "quantity": lambda b: order(b).update(quantity=str(QTY * 2)),
        "side": lambda b: order(b).update(side="Sell"),
        "order type": lambda b: order(b).update(order_type="PostOnly"),
        "settle identity": lambda b: b["actions"][0]["actions"][0]["SettleBalance"].update(
            to={"Address": b["trade_account_id"]}
        ),
        "action order": lambda b: b["actions"][0]["actions"].reverse(),
        "market": lambda b: b["actions"][0].update(market_id="BTC"),
    }


@pytest.mark.parametrize("field", sorted(tampered()))
def test_tampered_body_is_4000(
    alice: Trader, eth: sig.MarketRef, btc: sig.MarketRef, field: str
) -> None:
    body = alice.body(*batch(eth, alice))
    tampered()[field](body)
    if body["actions"][0]["market_id"] == "BTC":
        body["actions"][0]["market_id"] = sig.hex0x(btc.market_id)
        # a valid BTC order, so only the signature is wrong
        body["actions"][0]["actions"][1] = msg.create_order(
            "Buy", 60_000_000_000_000, 10_000, "Spot"
        )
    rejected(alice, body, 4000)


def test_signature_by_old_session_key_after_new_session_is_rejected(
    alice: Trader, eth: sig.MarketRef
) -> None:
    old = alice.session_key
    assert "tx_id" in alice.open_session().json()
    body = alice.body(*batch(eth, alice), key=old)
    answer = rejected(alice, body, 4001)  # the body names the revoked session
    assert "session" in answer["message"].lower()
    assert alice.session_key is not None
    body["session_id"] = msg.address(alice.session_key.fuel_address)  # claims the new one
    rejected(alice, body, 4000)


@pytest.mark.parametrize("kind", list(O2Corruption))
def test_corrupted_owner_signature_keeps_the_old_session(alice: Trader, kind: O2Corruption) -> None:
    before = alice.account()
    session_key = Key.derive("o2-tests", "never-installed")
    body = alice.session_body(session_key)
    message = sig.session_signing_bytes(
        alice.nonce(),
        alice.ctx.chain_id,
        session_key.fuel_address,
        alice.expiry,
        [sig.parse_b256(c) for c in body["contract_ids"]],
    )
    bad = o2_bad_signature(kind, alice.owner, sig.owner_digest(message, alice.owner_b256))
    body["signature"] = sig.signature_json(bad)
    response = alice.client.put("/v1/session", json=body, headers=alice.headers)
    assert (response.status_code, response.json()["code"]) == (400, 4000)
    assert alice.account() == before


@pytest.mark.parametrize("field", ["expiry", "contract_ids", "session_id", "nonce-chain"])
def test_session_fields_are_signed(alice: Trader, field: str) -> None:
    before = alice.account()
    body = alice.session_body(Key.derive("o2-tests", "tamper"))
    if field == "expiry":
        body["expiry"] = str(int(body["expiry"]) + 1)
    elif field == "contract_ids":
        body["contract_ids"] = body["contract_ids"][:1]
    elif field == "session_id":
        body["session_id"] = msg.address(Key.derive("o2-tests", "other").fuel_address)
    else:  # signed for another chain
        other = msg.O2Context(
            chain_id=9889,
            accounts_registry_id=alice.ctx.accounts_registry_id,
            markets=alice.ctx.markets,
        )
        body = msg.session_body(
            other,
            alice.owner,
            trade_account_id=alice.trade_account_id,
            session_key=Key.derive("o2-tests", "tamper"),
            nonce=alice.nonce(),
            expiry=alice.expiry,
            contract_ids=[r.contract_id for r in alice.ctx.markets.values()],
        )
    response = alice.client.put("/v1/session", json=body, headers=alice.headers)
    assert response.json()["code"] == 4000
    assert alice.account() == before


def test_evm_owner_opens_a_session_and_trades(
    make_trader: Callable[..., Trader], eth: sig.MarketRef
) -> None:
    carol = make_trader("carol-evm", evm=True)
    assert carol.owner_b256[:12] == bytes(12)
    account = carol.account()
    assert account["trade_account"]["owner"] == {"Address": sig.hex0x(carol.owner_b256)}
    assert account["session"]["session_id"] == msg.address(carol.session_key.fuel_address)  # type: ignore[union-attr]
    carol.ok(*batch(eth, carol))
    # a Fuel-framed signature by the same key does not pass for the EVM owner
    body = carol.session_body(Key.derive("o2-tests", "x"))
    message = sig.session_signing_bytes(
        carol.nonce(),
        carol.ctx.chain_id,
        Key.derive("o2-tests", "x").fuel_address,
        carol.expiry,
        [sig.parse_b256(c) for c in body["contract_ids"]],
    )
    body["signature"] = sig.signature_json(
        sig.compact_sign(carol.owner, sig.fuel_personal_digest(message))
    )
    assert carol.client.put("/v1/session", json=body, headers=carol.headers).json()["code"] == 4000
