"""Nonces and sessions (TARGET.md §1): current nonce only; expiry, revocation, contract scope."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tradeproof.messages import o2 as msg
from tradeproof.signing import o2 as sig
from tradeproof.signing.keys import Key

from .support import DAY, FakeClock, Trader
from .test_batch_shape import PRICE, QTY, rejected


def order(eth: sig.MarketRef, price: int = PRICE) -> dict[str, Any]:
    return msg.group(eth.market_id, msg.create_order("Sell", price, QTY, "Spot"))


# --------------------------------------------------------------------------- nonce


def test_new_account_starts_at_nonce_zero(make_trader: Callable[..., Trader]) -> None:
    dave = make_trader("dave", session=False)
    assert dave.nonce() == 0
    assert dave.account()["session"] is None
    dave.open_session()
    assert dave.nonce() == 1


def test_stale_and_future_nonces_are_rejected(alice: Trader, eth: sig.MarketRef) -> None:
    current = alice.nonce()
    for nonce in (current - 1, current + 1, current + 1000, 0):
        answer = rejected(alice, alice.body(order(eth), nonce=nonce), 1001)
        assert "Nonce in the request" in answer["message"]
    alice.ok(order(eth), nonce=current)


def test_replayed_request_is_rejected(alice: Trader, eth: sig.MarketRef) -> None:
    body = alice.body(order(eth))
    assert "tx_id" in alice.send(body).json()
    rejected(alice, body, 1001)
    assert len(alice.orders(eth, is_open=True)) == 1


def test_revert_consumes_the_nonce_and_the_reported_one_is_accepted(
    alice: Trader, eth: sig.MarketRef
) -> None:
    nonce = alice.nonce()
    fok = msg.group(eth.market_id, msg.create_order("Buy", PRICE, QTY, "FillOrKill"))  # empty book
    response = alice.act(fok, nonce=nonce)
    answer = response.json()
    assert response.status_code == 400 and "tx_id" not in answer and "code" not in answer
    assert "OrderNotFilled" in answer["reason"] and answer["receipts"] is None
    assert alice.nonce() == nonce + 1
    rejected(alice, alice.body(order(eth), nonce=nonce), 1001)
    alice.ok(order(eth), nonce=nonce + 1)


def test_session_update_shares_the_nonce(alice: Trader, eth: sig.MarketRef) -> None:
    nonce = alice.nonce()
    body = alice.body(order(eth), nonce=nonce)
    assert "tx_id" in alice.open_session().json()
    assert alice.nonce() == nonce + 1
    body["session_id"] = msg.address(alice.session_key.fuel_address)  # type: ignore[union-attr]
    rejected(alice, body, 1001)  # signed under the nonce the session update used


def test_session_update_with_a_stale_nonce_is_rejected(alice: Trader) -> None:
    before = alice.account()
    response = alice.open_session(nonce=alice.nonce() - 1)
    assert response.json()["code"] == 1001 and "Nonce in the request" in response.json()["message"]
    assert alice.account() == before


# --------------------------------------------------------------------------- sessions


def test_session_expiring_in_the_past_reverts_and_keeps_the_old_one(
    alice: Trader, clock: FakeClock
) -> None:
    before = alice.account()
    old_key = alice.session_key
    response = alice.open_session(expiry=int(clock.now) - 1)
    answer = response.json()
    assert "tx_id" not in answer and "SessionInThePast" in answer["reason"]
    after = alice.account()
    assert after["session"] == before["session"] and alice.session_key is old_key
    assert int(after["trade_account"]["nonce"]) == int(before["trade_account"]["nonce"]) + 1


def test_actions_after_expiry_are_rejected(
    alice: Trader, eth: sig.MarketRef, clock: FakeClock
) -> None:
    clock.now = alice.expiry  # still valid at the expiry second
    alice.ok(order(eth))
    clock.now = alice.expiry + 1
    answer = rejected(alice, alice.body(order(eth, PRICE + 1000)), 4001)
    assert "Expired session" in answer["message"]
    alice.expiry = int(clock.now) + DAY
    assert "tx_id" in alice.open_session().json()
    alice.ok(order(eth, PRICE + 2000))


def test_no_session_is_4001(make_trader: Callable[..., Trader], eth: sig.MarketRef) -> None:
    erin = make_trader("erin", session=False)
    erin.session_key = Key.derive("o2-tests", "unregistered")
    answer = rejected(erin, erin.body(order(eth)), 4001)
    assert "No session" in answer["message"]


def test_unknown_account_is_4002(alice: Trader, eth: sig.MarketRef) -> None:
    body = alice.body(order(eth))
    body["trade_account_id"] = "0x" + "77" * 32
    rejected(alice, body, 4002, status=404)


def test_contract_outside_the_session_is_rejected(
    make_trader: Callable[..., Trader], eth: sig.MarketRef, btc: sig.MarketRef
) -> None:
    frank = make_trader("frank", session=False)
    assert "tx_id" in frank.open_session(contract_ids=[eth.contract_id]).json()
    btc_order = msg.group(
        btc.market_id, msg.create_order("Sell", 60_000_000_000_000, 10_000, "Spot")
    )
    answer = rejected(frank, frank.body(order(eth), btc_order), 4001)
    assert (
        "Contract not allowed" in answer["message"]
        and sig.hex0x(btc.contract_id) in answer["message"]
    )
    frank.ok(order(eth))


def test_account_shows_the_current_session(alice: Trader, eth: sig.MarketRef) -> None:
    session = alice.account()["session"]
    assert session["session_id"] == msg.address(alice.session_key.fuel_address)  # type: ignore[union-attr]
    assert session["expiry"] == str(alice.expiry)
    assert session["contract_ids"] == [sig.hex0x(r.contract_id) for r in alice.ctx.markets.values()]


def test_accounts_lookup_by_owner_and_unknown(alice: Trader) -> None:
    by_owner = alice.client.get(
        "/v1/accounts", params={"owner": sig.hex0x(alice.owner_b256)}
    ).json()
    assert by_owner == alice.account()
    unknown = alice.client.get("/v1/accounts", params={"owner": "0x" + "55" * 32}).json()
    assert unknown == {"trade_account_id": None, "trade_account": None, "session": None}
    for params in (
        {},
        {"owner": "0x12"},
        {"owner": "0x" + "55" * 32, "trade_account_id": "0x" + "55" * 32},
    ):
        response = alice.client.get("/v1/accounts", params=params)
        assert (response.status_code, response.json()["code"]) == (400, 1001)


def test_creating_an_account_twice_returns_the_same_one(alice: Trader) -> None:
    body = {"identity": msg.address(alice.owner_b256)}
    answer = alice.client.post("/v1/accounts", json=body).json()
    assert answer == {
        "trade_account_id": sig.hex0x(alice.trade_account_id),
        "nonce": str(alice.nonce()),
    }
    contract_owner = alice.client.post(
        "/v1/accounts", json={"identity": msg.contract(alice.owner_b256)}
    )
    assert contract_owner.json()["code"] == 1001
