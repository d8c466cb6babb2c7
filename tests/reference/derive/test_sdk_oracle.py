"""The official SDK (``derive-action-signing`` 0.0.13) as oracle, over real loopback HTTP.

Quotes and executions are signed by ``SignedAction`` with ``RFQQuoteModuleData`` /
``RFQExecuteModuleData`` (legs sorted by instrument name, as the SDK does not sort),
headers come from ``sign_rest_auth_header``, and the SDK's signatures carry no ``0x``.
The reference, served by uvicorn on an ephemeral port, must accept them.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from derive_action_signing import (
    RFQExecuteModuleData,
    RFQQuoteDetails,
    RFQQuoteModuleData,
    SignedAction,
    get_action_nonce,
    sign_rest_auth_header,
)
from web3 import Web3

from tradeproof.reference import BackgroundServer, create_app
from tradeproof.reference.derive import DeriveExchange
from tradeproof.signing import derive as sig
from tradeproof.signing.keys import Key

DOMAIN = sig.V2_TESTNET


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, DeriveExchange]]:
    exchange = DeriveExchange()  # the real clock: the SDK stamps nonces and headers with it
    with BackgroundServer(create_app(protocols=["derive"], derive=exchange)) as running:
        yield running.url, exchange


class Client:
    """Plain JSON-RPC over HTTP, headers from the SDK."""

    def __init__(self, url: str, key: Key) -> None:
        self.http = httpx.Client(base_url=url, timeout=10)
        self.key = key
        self.private_key = "0x" + key.secret.hex()

    def call(
        self,
        method: str,
        params: dict[str, Any],
        *,
        signer: Key | None = None,
        wallet: str | None = None,
    ) -> dict[str, Any]:
        secret = "0x" + (signer or self.key).secret.hex()
        headers = sign_rest_auth_header(Web3(), wallet or self.key.evm_address, secret)
        assert not headers["X-LYRASIGNATURE"].startswith(
            "0x"
        )  # the SDK's form, passed through as is
        response = self.http.post(f"/{method}", json=params, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    def fund(self, amount: str = "100000") -> int:
        response = self.http.post(
            "/_harness/derive/fund", json={"wallet": self.key.evm_address, "amount": amount}
        )
        return int(response.json()["subaccount_id"])


def _details(
    instruments: dict[str, dict[str, Any]], legs: list[dict[str, str]]
) -> list[RFQQuoteDetails]:
    return [
        RFQQuoteDetails(
            instrument_name=leg["instrument_name"],
            direction=leg["direction"],
            asset_address=instruments[leg["instrument_name"]]["base_asset_address"],
            sub_id=int(instruments[leg["instrument_name"]]["base_asset_sub_id"]),
            price=Decimal(leg["price"]),
            amount=Decimal(leg["amount"]),
        )
        for leg in sorted(legs, key=lambda leg: leg["instrument_name"])
    ]


def _signed(
    module_data: Any, *, subaccount_id: int, owner: str, signer: Key, nonce: int, expiry: int
) -> dict[str, Any]:
    action = SignedAction(
        subaccount_id=subaccount_id,
        owner=owner,
        signer=signer.evm_address,
        signature_expiry_sec=expiry,
        nonce=nonce,
        module_address=DOMAIN.rfq_module,
        module_data=module_data,
        DOMAIN_SEPARATOR="0x" + DOMAIN.separator.hex(),
        ACTION_TYPEHASH="0x" + sig.ACTION_TYPEHASH.hex(),
    )
    action.sign("0x" + signer.secret.hex())
    assert not action.signature.startswith("0x")
    return action.to_json()


@pytest.mark.parametrize("quote_direction", ["sell", "buy"])
def test_sdk_signed_quote_and_execute_accepted_over_http(
    server: tuple[str, DeriveExchange], quote_direction: str
) -> None:
    url, exchange = server
    maker = Client(url, Key.derive("sdk-oracle", f"maker-{quote_direction}"))
    taker = Client(url, Key.derive("sdk-oracle", f"taker-{quote_direction}"))
    maker_sub, taker_sub = maker.fund(), taker.fund()
    names = ["ETH-PERP", "ETH-20270625-6000-C", "ETH-20270625-3000-P"]
    instruments = {
        n: maker.call("public/get_instrument", {"instrument_name": n})["result"] for n in names
    }

    rfq_legs = [
        {"instrument_name": "ETH-PERP", "direction": "sell", "amount": "0.25"},
        {"instrument_name": "ETH-20270625-6000-C", "direction": "buy", "amount": "3"},
        {"instrument_name": "ETH-20270625-3000-P", "direction": "sell", "amount": "1.5"},
    ]
    rfq = taker.call("private/send_rfq", {"subaccount_id": taker_sub, "legs": rfq_legs})["result"]
    assert maker.call("private/poll_rfqs", {"subaccount_id": maker_sub, "rfq_id": rfq["rfq_id"]})[
        "result"
    ]["rfqs"]

    prices = {"ETH-PERP": "3001.5", "ETH-20270625-6000-C": "95.1", "ETH-20270625-3000-P": "380"}
    priced = [dict(leg, price=prices[leg["instrument_name"]]) for leg in rfq_legs]
    expiry = int(exchange.now()) + 3600
    quote_data = RFQQuoteModuleData(
        global_direction=quote_direction, max_fee=Decimal(25), legs=_details(instruments, priced)
    )
    quote_params = _signed(
        quote_data,
        subaccount_id=maker_sub,
        owner=maker.key.evm_address,
        signer=maker.key,
        nonce=get_action_nonce(1),
        expiry=expiry,
    )
    quote = maker.call("private/send_quote", {**quote_params, "rfq_id": rfq["rfq_id"]})
    assert "result" in quote, quote
    quote = quote["result"]
    # the quote's legs_hash is the hash the SDK's taker data commits to
    taker_direction = "buy" if quote_direction == "sell" else "sell"
    execute_data = RFQExecuteModuleData(
        global_direction=taker_direction,
        max_fee=Decimal(25),
        legs=_details(instruments, quote["legs"]),
    )
    assert quote["legs_hash"] == "0x" + Web3.keccak(
        execute_data._encoded_legs()
    ).hex().removeprefix("0x")

    polled = taker.call(
        "private/poll_quotes", {"subaccount_id": taker_sub, "rfq_id": rfq["rfq_id"]}
    )["result"]["quotes"]
    execute_params = _signed(
        execute_data,
        subaccount_id=taker_sub,
        owner=taker.key.evm_address,
        signer=taker.key,
        nonce=get_action_nonce(2),
        expiry=expiry,
    )
    body = taker.call(
        "private/execute_quote",
        {**execute_params, "rfq_id": rfq["rfq_id"], "quote_id": polled[0]["quote_id"]},
    )
    assert "result" in body, body
    assert body["result"]["status"] == "filled" and body["result"]["tx_status"] == "settled"
    sign = -1 if quote_direction == "sell" else 1  # the maker's sign per leg direction
    positions = {
        p["instrument_name"]: Decimal(p["amount"])
        for p in exchange.subaccount_view(maker_sub)["positions"]
    }
    assert positions == {
        leg["instrument_name"]: Decimal(leg["amount"])
        * sign
        * (1 if leg["direction"] == "buy" else -1)
        for leg in rfq_legs
    }


def test_sdk_session_key_execution_over_http(server: tuple[str, DeriveExchange]) -> None:
    url, exchange = server
    maker = Client(url, Key.derive("sdk-oracle", "maker-session"))
    taker = Client(url, Key.derive("sdk-oracle", "taker-owner"))
    session = Key.derive("sdk-oracle", "taker-session")
    maker_sub, taker_sub = maker.fund(), taker.fund()
    registered = taker.call(
        "private/register_scoped_session_key",
        {
            "wallet": taker.key.evm_address,
            "public_session_key": session.evm_address,
            "expiry_sec": int(exchange.now()) + 3600,
            "scope": "admin",
        },
    )
    assert "result" in registered, registered
    perp = maker.call("public/get_instrument", {"instrument_name": "ETH-PERP"})["result"]
    legs = [{"instrument_name": "ETH-PERP", "direction": "buy", "amount": "1"}]
    rfq = taker.call(
        "private/send_rfq", {"subaccount_id": taker_sub, "legs": legs}, signer=session
    )["result"]
    priced = [dict(legs[0], price="2999.99")]
    expiry = int(exchange.now()) + 900
    quote_data = RFQQuoteModuleData(
        global_direction="sell", max_fee=Decimal(1), legs=_details({"ETH-PERP": perp}, priced)
    )
    quote = maker.call(
        "private/send_quote",
        {
            **_signed(
                quote_data,
                subaccount_id=maker_sub,
                owner=maker.key.evm_address,
                signer=maker.key,
                nonce=get_action_nonce(3),
                expiry=expiry,
            ),
            "rfq_id": rfq["rfq_id"],
        },
    )["result"]
    execute_data = RFQExecuteModuleData(
        global_direction="buy",
        max_fee=Decimal(1),
        legs=_details({"ETH-PERP": perp}, quote["legs"]),
    )
    # the SDK's action signed for another module is refused while the quote is open ...
    bad = SignedAction(
        subaccount_id=taker_sub,
        owner=taker.key.evm_address,
        signer=session.evm_address,
        signature_expiry_sec=expiry,
        nonce=get_action_nonce(5),
        module_address=sig.V2_MAINNET.rfq_module,
        module_data=execute_data,
        DOMAIN_SEPARATOR="0x" + DOMAIN.separator.hex(),
        ACTION_TYPEHASH="0x" + sig.ACTION_TYPEHASH.hex(),
    )
    bad.sign("0x" + session.secret.hex())
    body = taker.call(
        "private/execute_quote",
        {**bad.to_json(), "rfq_id": rfq["rfq_id"], "quote_id": quote["quote_id"]},
    )
    assert body["error"]["code"] == 14014
    # ... and the right one, signed by the session key for the owner's subaccount
    # (headers too), fills
    params = _signed(
        execute_data,
        subaccount_id=taker_sub,
        owner=taker.key.evm_address,
        signer=session,
        nonce=get_action_nonce(4),
        expiry=expiry,
    )
    body = taker.call(
        "private/execute_quote",
        {**params, "rfq_id": rfq["rfq_id"], "quote_id": quote["quote_id"]},
        signer=session,
    )
    assert "result" in body, body
    assert body["result"]["signer"] == session.evm_address
