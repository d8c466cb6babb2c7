"""Every TARGET.md §2 rule of ``private/execute_quote`` on the reference, with its code.

Each rejection also checks atomicity: neither subaccount nor the fee account changed,
and the quote is still open (unless the case is about it not being open).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pytest
from derive_rig import CALL, PERP, PUT, RFQ_LEGS, Deal, Party, Rig
from eth_hash.auto import keccak

from tradeproof import schemas
from tradeproof.messages import derive as msg
from tradeproof.reference.derive import DeriveExchange, RpcError
from tradeproof.signing import derive as sig
from tradeproof.signing.corrupt import DeriveCorruption, derive_bad_signature
from tradeproof.signing.keys import Key

pytestmark = pytest.mark.anyio

SEED_003_RESULT_FIELDS = {
    "cancel_reason",
    "creation_timestamp",
    "direction",
    "fee",
    "is_transfer",
    "label",
    "last_update_timestamp",
    "legs_hash",
    "liquidity_role",
    "max_fee",
    "mmp",
    "nonce",
    "quote_id",
    "rfq_id",
    "signature",
    "signature_expiry_sec",
    "signer",
    "status",
    "subaccount_id",
    "tx_hash",
    "tx_status",
    "legs",
}
REQUIRED = [
    "direction",
    "max_fee",
    "nonce",
    "quote_id",
    "rfq_id",
    "signature",
    "signature_expiry_sec",
    "signer",
    "subaccount_id",
    "legs",
]


async def rejected(
    rig: Rig,
    deal: Deal,
    params: Mapping[str, Any],
    code: int,
    *,
    headers: Mapping[str, str] | None = None,
    quote_status: str = "open",
) -> dict[str, Any]:
    """Execute, expect ``code``, and check that nothing moved and the quote is as it was."""
    before = rig.state(deal.maker, deal.taker)
    body = await rig.execute(deal.taker, params, headers)
    assert "result" not in body, body
    assert body["error"]["code"] == code, body
    assert set(body["error"]) == {"code", "message", "data"}
    assert rig.state(deal.maker, deal.taker) == before
    assert await rig.quote_status(deal.maker, deal.quote["quote_id"]) == quote_status
    return body


async def accepted(
    rig: Rig, deal: Deal, params: Mapping[str, Any], headers: Mapping[str, str] | None = None
) -> dict[str, Any]:
    body = await rig.execute(deal.taker, params, headers)
    assert "error" not in body, body
    return body["result"]


# ============================================================================ success


async def test_valid_execute_moves_exactly_legs_cash_and_fees(rig: Rig, deal: Deal) -> None:
    maker0, taker0, fees0 = rig.state(deal.maker, deal.taker)
    result = await accepted(rig, deal, deal.execute)
    maker1, taker1, fees1 = rig.state(deal.maker, deal.taker)
    # maker sold the package (quote direction sell): -1 call, +0.5 perp; the taker the opposite
    assert maker1["positions"] == {CALL: Decimal(-1), PERP: Decimal("0.5")}
    assert taker1["positions"] == {CALL: Decimal(1), PERP: Decimal("-0.5")}
    # cash: taker pays 520 for the call and receives 1500 for the perp; fees 0.03 %/0.01 % of
    # index notional (3000 × 1.5 contracts): taker 1.35, maker 0.45
    assert taker1["cash"] - taker0["cash"] == Decimal(980) - Decimal("1.35")
    assert maker1["cash"] - maker0["cash"] == Decimal(-980) - Decimal("0.45")
    assert fees1["cash"] - fees0["cash"] == Decimal("1.8")
    assert result["fee"] == "1.35"


async def test_result_matches_seed_003_field_for_field(rig: Rig, deal: Deal) -> None:
    result = await accepted(rig, deal, deal.execute)
    assert schemas.errors("derive/execute_quote_result", result) == []
    assert set(result) == SEED_003_RESULT_FIELDS
    params = deal.execute
    assert result["liquidity_role"] == "taker" and result["status"] == "filled"
    assert result["cancel_reason"] == "" and result["tx_status"] == "settled"
    assert result["is_transfer"] is False and result["mmp"] is False and result["label"] == ""
    assert result["tx_hash"].startswith("0x") and len(bytes.fromhex(result["tx_hash"][2:])) == 32
    for name in (
        "direction",
        "max_fee",
        "nonce",
        "quote_id",
        "rfq_id",
        "signature",
        "signature_expiry_sec",
        "signer",
        "subaccount_id",
    ):
        assert result[name] == params[name], name
    assert sorted(map(tuple, (sorted(l.items()) for l in result["legs"]))) == sorted(
        map(tuple, (sorted(l.items()) for l in deal.quote["legs"]))
    )
    # legs_hash = keccak of the maker's trades, computed here independently of the engine
    legs = msg.signing_legs(deal.quote["legs"], rig.instruments)
    assert (
        result["legs_hash"]
        == "0x" + keccak(sig.encoded_legs("sell", legs)).hex()
        == deal.quote["legs_hash"]
    )
    assert result["creation_timestamp"] == result["last_update_timestamp"] == rig.clock.ms


async def test_after_fill_quote_filled_rfq_closed_second_execute_11104(
    rig: Rig, deal: Deal
) -> None:
    await accepted(rig, deal, deal.execute)
    assert await rig.quote_status(deal.maker, deal.quote["quote_id"]) == "filled"
    assert await rig.rfq_status(deal.maker, deal.rfq["rfq_id"]) == "filled"
    quotes = await rig.ok(
        "private/get_quotes", {"subaccount_id": deal.maker.subaccount_id}, rig.headers(deal.maker)
    )
    filled = quotes["quotes"][0]
    assert (
        filled["tx_status"] == "settled"
        and filled["fee"] == "0.45"
        and filled["liquidity_role"] == "maker"
    )
    # a fresh, correctly signed second execute, and a byte-identical replay
    await rejected(
        rig, deal, rig.execute_params(deal.taker, deal.quote), 11104, quote_status="filled"
    )
    await rejected(rig, deal, deal.execute, 11104, quote_status="filled")


async def test_fill_cancels_the_rfqs_other_quotes(rig: Rig, deal: Deal) -> None:
    other_maker = await rig.party()
    other = await rig.send_quote(other_maker, deal.rfq, direction="sell")
    await accepted(rig, deal, deal.execute)
    quotes = await rig.ok(
        "private/get_quotes", {"subaccount_id": other_maker.subaccount_id}, rig.headers(other_maker)
    )
    assert quotes["quotes"][0]["status"] == "cancelled"
    assert quotes["quotes"][0]["cancel_reason"] == "rfq_no_longer_open"
    body = await rig.execute(deal.taker, rig.execute_params(deal.taker, other))
    assert body["error"]["code"] == 11104


async def test_taker_executes_a_buy_quote_by_selling(rig: Rig) -> None:
    maker, taker = await rig.party(), await rig.party()
    rfq = await rig.send_rfq(taker)
    quote = await rig.send_quote(maker, rfq, direction="buy", prices={CALL: "500", PERP: "3010"})
    taker0 = rig.cash(taker)
    body = await rig.execute(taker, rig.execute_params(taker, quote, direction="sell"))
    assert body["result"]["direction"] == "sell"
    assert rig.positions(maker) == {CALL: Decimal(1), PERP: Decimal("-0.5")}
    assert rig.positions(taker) == {CALL: Decimal(-1), PERP: Decimal("0.5")}
    assert rig.cash(taker) - taker0 == Decimal(500) - Decimal(1505) - Decimal("1.35")


# ============================================================================ params schema


@pytest.mark.parametrize("field", REQUIRED)
async def test_missing_param_32602(rig: Rig, deal: Deal, field: str) -> None:
    params = {k: v for k, v in deal.execute.items() if k != field}
    await rejected(rig, deal, params, -32602)


@pytest.mark.parametrize(
    "change",
    [
        {"extra": 1},
        {"enable_taker_protection": True},
        {"direction": "BUY"},
        {"direction": None},
        {"nonce": "1800000000000001"},
        {"nonce": -1},
        {"nonce": 1.5},
        {"subaccount_id": True},
        {"signature_expiry_sec": 2**64},
        {"max_fee": 10},
        {"max_fee": "1e3"},
        {"max_fee": "NaN"},
        {"max_fee": "Infinity"},
        {"max_fee": "-1"},
        {"max_fee": " 10"},
        {"legs": []},
        {"legs": {}},
        {"legs": [{"instrument_name": CALL, "direction": "buy", "price": "520"}]},
        {
            "legs": [
                {"instrument_name": CALL, "direction": "buy", "price": "520", "amount": "1", "x": 1}
            ]
        },
        {"legs": [{"instrument_name": CALL, "direction": "long", "price": "520", "amount": "1"}]},
        {"signer": "not-an-address"},
        {"signer": "0x" + "zz" * 20},
        {"label": 5},
    ],
    ids=repr,
)
async def test_schema_violation_32602(rig: Rig, deal: Deal, change: dict[str, Any]) -> None:
    await rejected(rig, deal, {**deal.execute, **change}, -32602)


# ============================================================================ quote identity


async def test_unknown_quote_11102(rig: Rig, deal: Deal) -> None:
    await rejected(
        rig, deal, {**deal.execute, "quote_id": "00000000-0000-4000-8000-000000000000"}, 11102
    )


async def test_quote_of_another_rfq_11105(rig: Rig, deal: Deal) -> None:
    other_rfq = await rig.send_rfq(
        deal.taker, [{"instrument_name": PUT, "direction": "buy", "amount": "1"}]
    )
    params = rig.execute_params(deal.taker, {**deal.quote, "rfq_id": other_rfq["rfq_id"]})
    await rejected(rig, deal, params, 11105)


async def test_rfq_sent_by_another_subaccount_11101(rig: Rig, deal: Deal) -> None:
    sibling = Party(deal.taker.key, rig.exchange.fund(deal.taker.wallet, "100000"))
    await rejected(rig, deal, rig.execute_params(sibling, deal.quote), 11101)


async def test_subaccount_of_another_wallet_14020(rig: Rig, deal: Deal) -> None:
    stranger = await rig.party()
    await rejected(rig, deal, {**deal.execute, "subaccount_id": stranger.subaccount_id}, 14020)


# ============================================================================ expiry


@pytest.mark.parametrize(
    ("ahead", "code"), [(309, 11011), (0, 11011), (-10, 11011), (310, None), (2**31, None)]
)
async def test_signature_expiry_at_least_now_plus_310(
    rig: Rig, deal: Deal, ahead: int, code: int | None
) -> None:
    params = rig.execute_params(deal.taker, deal.quote, expiry=int(rig.clock.t) + ahead)
    if code is None:
        await accepted(rig, deal, params)
    else:
        await rejected(rig, deal, params, code)


async def test_quote_with_300s_left_is_expired_11104(rig: Rig, deal: Deal) -> None:
    # the quote was signed to expire at t0 + 600
    rig.clock.advance(300)
    params = rig.execute_params(deal.taker, deal.quote, expiry=int(rig.clock.t) + 600)
    await rejected(rig, deal, params, 11104, quote_status="expired")


async def test_quote_with_301s_left_is_open(rig: Rig, deal: Deal) -> None:
    rig.clock.advance(299)
    assert await rig.quote_status(deal.maker, deal.quote["quote_id"]) == "open"
    await accepted(rig, deal, rig.execute_params(deal.taker, deal.quote))


async def test_expired_rfq_11104(rig: Rig) -> None:
    maker, taker = await rig.party(), await rig.party()
    rfq = await rig.send_rfq(taker)
    quote = await rig.send_quote(maker, rfq, expiry=int(rig.clock.t) + 3600)
    rig.clock.advance(601)  # the RFQ lives 600 s; the quote would still have 2999 s
    deal = Deal(maker, taker, rfq, quote, {})
    await rejected(rig, deal, rig.execute_params(taker, quote), 11104, quote_status="expired")
    assert await rig.rfq_status(maker, rfq["rfq_id"]) == "expired"


# ============================================================================ quote state


async def test_cancelled_quote_11104(rig: Rig, deal: Deal) -> None:
    await rig.ok(
        "private/cancel_quote",
        {"subaccount_id": deal.maker.subaccount_id, "quote_id": deal.quote["quote_id"]},
        rig.headers(deal.maker),
    )
    await rejected(rig, deal, deal.execute, 11104, quote_status="cancelled")


async def test_cancelled_rfq_11104(rig: Rig, deal: Deal) -> None:
    assert (
        await rig.ok(
            "private/cancel_rfq",
            {"subaccount_id": deal.taker.subaccount_id, "rfq_id": deal.rfq["rfq_id"]},
            rig.headers(deal.taker),
        )
        == "ok"
    )
    await rejected(rig, deal, deal.execute, 11104, quote_status="cancelled")


# ============================================================================ nonce


@pytest.mark.parametrize(
    ("offset", "code"), [(3601, 11018), (-3601, 11018), (3600, None), (-3600, None)]
)
async def test_nonce_date_within_one_hour(
    rig: Rig, deal: Deal, offset: int, code: int | None
) -> None:
    params = rig.execute_params(deal.taker, deal.quote, nonce=rig.nonce(offset))
    if code is None:
        await accepted(rig, deal, params)
    else:
        await rejected(rig, deal, params, code)


@pytest.mark.parametrize("nonce", [0, 123456789, 1800000, 2**63 - 1])
async def test_nonce_without_a_current_date_prefix_11018(rig: Rig, deal: Deal, nonce: int) -> None:
    await rejected(rig, deal, rig.execute_params(deal.taker, deal.quote, nonce=nonce), 11018)


@pytest.mark.parametrize("digits", [10, 13, 16, 19])
async def test_nonce_lengths_with_a_date_prefix_accepted(rig: Rig, deal: Deal, digits: int) -> None:
    nonce = int(str(int(rig.clock.t)).ljust(digits, "7"))
    await accepted(rig, deal, rig.execute_params(deal.taker, deal.quote, nonce=nonce))


async def _accepted_nonce_of(rig: Rig, taker: Party) -> int:
    """A nonce ``taker``'s wallet used in an accepted execute of another deal."""
    maker = await rig.party()
    rfq = await rig.send_rfq(taker)
    quote = await rig.send_quote(maker, rfq)
    params = rig.execute_params(taker, quote)
    assert "result" in await rig.execute(taker, params)
    return params["nonce"]


async def test_nonce_reused_by_the_same_wallet_11017(rig: Rig, deal: Deal) -> None:
    used = await _accepted_nonce_of(rig, deal.taker)
    await rejected(rig, deal, rig.execute_params(deal.taker, deal.quote, nonce=used), 11017)


async def test_nonce_reused_across_subaccounts_of_a_wallet_11017(rig: Rig, deal: Deal) -> None:
    sibling = Party(deal.taker.key, rig.exchange.fund(deal.taker.wallet, "100000"))
    used = await _accepted_nonce_of(rig, sibling)
    await rejected(rig, deal, rig.execute_params(deal.taker, deal.quote, nonce=used), 11017)


async def test_nonce_of_an_accepted_quote_by_the_same_wallet_11017(rig: Rig, deal: Deal) -> None:
    # the taker's wallet also makes markets: its quote's nonce is used up too
    someone = await rig.party()
    their_rfq = await rig.send_rfq(someone)
    params = rig.quote_params(deal.taker, their_rfq)
    await rig.ok("private/send_quote", params, rig.headers(deal.taker))
    await rejected(
        rig, deal, rig.execute_params(deal.taker, deal.quote, nonce=params["nonce"]), 11017
    )


async def test_nonce_of_another_wallet_is_fine(rig: Rig, deal: Deal) -> None:
    await accepted(rig, deal, rig.execute_params(deal.taker, deal.quote, nonce=deal.quote["nonce"]))


async def test_nonce_of_a_rejected_request_is_not_consumed(rig: Rig, deal: Deal) -> None:
    nonce = rig.nonce()
    await rejected(
        rig, deal, rig.execute_params(deal.taker, deal.quote, nonce=nonce, max_fee="0"), 11023
    )
    await accepted(rig, deal, rig.execute_params(deal.taker, deal.quote, nonce=nonce))


# ============================================================================ signer and signature


async def test_signer_not_owner_nor_session_key_14023(rig: Rig, deal: Deal) -> None:
    stranger = Key.derive("derive-reference-tests", "stranger")
    await rejected(rig, deal, rig.execute_params(deal.taker, deal.quote, key=stranger), 14023)


@pytest.mark.parametrize(
    ("scope", "code"), [("read_only", 14031), ("account", 14031), ("admin", None)]
)
async def test_session_key_scope(rig: Rig, deal: Deal, scope: str, code: int | None) -> None:
    key = Key.derive("derive-reference-tests", f"session-{scope}")
    await rig.register_key(deal.taker, key, scope)
    params = rig.execute_params(deal.taker, deal.quote, key=key)
    if code is None:
        result = await accepted(rig, deal, params)
        assert result["signer"] == key.evm_address
    else:
        await rejected(rig, deal, params, code)


@pytest.mark.parametrize(("after", "code"), [(100, None), (101, 14030)])
async def test_session_key_expiry(rig: Rig, deal: Deal, after: int, code: int | None) -> None:
    key = Key.derive("derive-reference-tests", "session-expiring")
    await rig.register_key(deal.taker, key, "admin", expiry=int(rig.clock.t) + 100)
    rig.clock.advance(after)  # the quote (600 s) is still open
    params = rig.execute_params(deal.taker, deal.quote, key=key)
    if code is None:
        await accepted(rig, deal, params)
    else:
        await rejected(rig, deal, params, code)


def _action(rig: Rig, deal: Deal, params: Mapping[str, Any]) -> sig.Action:
    data = sig.execute_module_data(
        params["direction"], params["max_fee"], msg.signing_legs(params["legs"], rig.instruments)
    )
    return sig.Action(
        params["subaccount_id"],
        params["nonce"],
        rig.domain.rfq_module,
        data,
        params["signature_expiry_sec"],
        deal.taker.wallet,
        params["signer"],
    )


@pytest.mark.parametrize("kind", list(DeriveCorruption), ids=str)
async def test_corrupted_signature_14014(rig: Rig, deal: Deal, kind: DeriveCorruption) -> None:
    bad = derive_bad_signature(kind, deal.taker.key, _action(rig, deal, deal.execute), rig.domain)
    await rejected(rig, deal, {**deal.execute, "signature": bad}, 14014)


@pytest.mark.parametrize(
    "signature", ["", "0x", "0x1234", "zz" * 65, "0x" + "00" * 65, "0x" + "ff" * 65]
)
async def test_malformed_signature_14014(rig: Rig, deal: Deal, signature: str) -> None:
    await rejected(rig, deal, {**deal.execute, "signature": signature}, 14014)


async def test_signature_without_0x_prefix_accepted(rig: Rig, deal: Deal) -> None:
    result = await accepted(rig, deal, {**deal.execute, "signature": deal.execute["signature"][2:]})
    assert result["signature"] == deal.execute["signature"]


async def test_maker_quote_signature_is_not_a_taker_signature(rig: Rig, deal: Deal) -> None:
    await rejected(rig, deal, {**deal.execute, "signature": deal.quote["signature"]}, 14014)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda p: {"max_fee": "11"},
        lambda p: {"nonce": p["nonce"] + 1},
        lambda p: {"signature_expiry_sec": p["signature_expiry_sec"] + 1},
    ],
    ids=["max_fee", "nonce", "expiry"],
)
async def test_param_changed_after_signing_14014(rig: Rig, deal: Deal, tamper: Any) -> None:
    await rejected(rig, deal, {**deal.execute, **tamper(deal.execute)}, 14014)


async def test_subaccount_changed_after_signing_14014(rig: Rig, deal: Deal) -> None:
    sibling = rig.exchange.fund(deal.taker.wallet, "100000")
    await rejected(rig, deal, {**deal.execute, "subaccount_id": sibling}, 14014)


async def test_signer_changed_to_another_valid_key_after_signing_14014(
    rig: Rig, deal: Deal
) -> None:
    key = Key.derive("derive-reference-tests", "session-admin")
    await rig.register_key(deal.taker, key, "admin")
    await rejected(rig, deal, {**deal.execute, "signer": key.evm_address}, 14014)


@pytest.mark.parametrize("domain", ["chain", "contract", "module"])
async def test_exchange_on_another_domain_refuses_testnet_signatures(
    clock: Any, domain: str
) -> None:
    """The configured domain is the one verified: a mainnet-configured exchange refuses."""
    other = {
        "chain": dataclasses.replace(sig.V2_TESTNET, chain_id=957),
        "contract": dataclasses.replace(
            sig.V2_TESTNET, verifying_contract=sig.V2_MAINNET.verifying_contract
        ),
        "module": dataclasses.replace(sig.V2_TESTNET, rfq_module=sig.V2_MAINNET.rfq_module),
    }[domain]
    exchange = DeriveExchange(clock=clock, domain=other)
    maker, taker = Key.derive("dom", "maker"), Key.derive("dom", "taker")
    m, t = exchange.fund(maker.evm_address, "100000"), exchange.fund(taker.evm_address, "100000")
    def headers(k):
        return msg.auth_headers(k, k.evm_address, clock.ms)
    rfq = exchange.call("private/send_rfq", {"subaccount_id": t, "legs": RFQ_LEGS}, headers(taker))
    refs = {
        n: msg.InstrumentRef.from_json(
            exchange.call("public/get_instrument", {"instrument_name": n})
        )
        for n in (CALL, PERP)
    }
    legs = [dict(l, price={CALL: "520", PERP: "3000"}[l["instrument_name"]]) for l in rfq["legs"]]
    for n, (signing_domain, code) in enumerate(((sig.V2_TESTNET, 14014), (other, None))):
        params = msg.quote_params(
            signing_domain,
            maker,
            owner=maker.evm_address,
            subaccount_id=m,
            rfq_id=rfq["rfq_id"],
            direction="sell",
            legs=legs,
            max_fee="10",
            nonce=clock.ms * 1000 + n,
            expiry=int(clock.t) + 600,
            instruments=refs,
        )
        if code is None:
            assert exchange.call("private/send_quote", params, headers(maker))["status"] == "open"
        else:
            with pytest.raises(RpcError) as info:
                exchange.call("private/send_quote", params, headers(maker))
            assert info.value.code == code


# ============================================================================ direction and legs


def _legs(deal: Deal) -> list[dict[str, str]]:
    return [dict(leg) for leg in deal.quote["legs"]]


def _with(legs: list[dict[str, str]], i: int, **change: str) -> list[dict[str, str]]:
    legs[i] = {**legs[i], **change}
    return legs


@pytest.mark.parametrize(
    "make_legs",
    [
        lambda d: _with(_legs(d), 0, price="521"),
        lambda d: _with(_legs(d), 0, amount="2"),
        lambda d: _with(_legs(d), 1, direction="buy"),
        lambda d: _legs(d)[:1],
        lambda d: _legs(d) + [_legs(d)[0]],
        lambda d: (
            _legs(d) + [{"instrument_name": PUT, "direction": "buy", "price": "380", "amount": "1"}]
        ),
        lambda d: _with(_legs(d), 0, instrument_name="ETH-20270625-6000-C"),
        lambda d: _with(_legs(d), 0, instrument_name="NOPE"),
    ],
    ids=[
        "price",
        "amount",
        "leg-direction",
        "dropped",
        "duplicated",
        "added",
        "other-instrument",
        "unknown-instrument",
    ],
)
async def test_legs_other_than_the_quotes_11103(rig: Rig, deal: Deal, make_legs: Any) -> None:
    legs = make_legs(deal)
    params = {**deal.execute, "legs": legs}
    if all(leg["instrument_name"] in rig.instruments for leg in legs):
        params = rig.execute_params(
            deal.taker, deal.quote, legs=legs
        )  # correctly signed over the altered legs
    await rejected(rig, deal, params, 11103)


async def test_direction_equal_to_the_quotes_11103(rig: Rig, deal: Deal) -> None:
    await rejected(rig, deal, rig.execute_params(deal.taker, deal.quote, direction="sell"), 11103)


async def test_legs_in_another_order_and_spelling_accepted(rig: Rig, deal: Deal) -> None:
    legs = list(reversed(_legs(deal)))
    legs[0] = {**legs[0], "price": legs[0]["price"] + ".0"}
    await accepted(rig, deal, rig.execute_params(deal.taker, deal.quote, legs=legs))


# ============================================================================ fees and margin


@pytest.mark.parametrize(
    ("max_fee", "code"), [("0", 11023), ("1.34", 11023), ("1.349999", 11023), ("1.35", None)]
)
async def test_max_fee_below_taker_fee_11023(
    rig: Rig, deal: Deal, max_fee: str, code: int | None
) -> None:
    params = rig.execute_params(deal.taker, deal.quote, max_fee=max_fee)
    if code is None:
        await accepted(rig, deal, params)
    else:
        await rejected(rig, deal, params, code)


async def _perp_deal(rig: Rig, *, maker_cash: str, taker_cash: str, amount: str) -> Deal:
    """The taker sells ``amount`` ETH-PERP at 3000 to the maker (margin 10 % of 3000)."""
    maker, taker = await rig.party(maker_cash), await rig.party(taker_cash)
    rfq = await rig.send_rfq(
        taker, [{"instrument_name": PERP, "direction": "sell", "amount": amount}]
    )
    quote = await rig.send_quote(maker, rfq, direction="buy", max_fee="100")
    return Deal(maker, taker, rfq, quote, rig.execute_params(taker, quote, max_fee="100"))


@pytest.mark.parametrize(("cash", "code"), [("300.9", None), ("300.89", 11000), ("0", 11000)])
async def test_taker_short_of_margin_11000(rig: Rig, cash: str, code: int | None) -> None:
    # short 1 perp needs 300 of margin; the taker fee (0.9) is paid from cash too
    deal = await _perp_deal(rig, maker_cash="100000", taker_cash=cash, amount="1")
    if code is None:
        await accepted(rig, deal, deal.execute)
        assert (
            Decimal(rig.exchange.subaccount_view(deal.taker.subaccount_id)["initial_margin"]) == 0
        )
    else:
        await rejected(rig, deal, deal.execute, code)


@pytest.mark.parametrize(("cash", "code"), [("3003", None), ("3002.99", 8500)])
async def test_maker_short_of_margin_at_execution_8500(
    rig: Rig, cash: str, code: int | None
) -> None:
    # the maker buys 10 perps: 3000 of margin plus a 3 maker fee; quoting itself needs none
    deal = await _perp_deal(rig, maker_cash=cash, taker_cash="100000", amount="10")
    if code is None:
        await accepted(rig, deal, deal.execute)
    else:
        await rejected(rig, deal, deal.execute, code)


async def test_maker_margin_used_up_by_an_earlier_fill_8500(rig: Rig) -> None:
    """The maker quotes two RFQs it can afford one at a time; the second fill must fail."""
    maker, t1, t2 = await rig.party("3500"), await rig.party(), await rig.party()
    legs = [{"instrument_name": PERP, "direction": "sell", "amount": "10"}]
    q1 = await rig.send_quote(maker, await rig.send_rfq(t1, legs), direction="buy", max_fee="100")
    rfq2 = await rig.send_rfq(t2, legs)
    q2 = await rig.send_quote(maker, rfq2, direction="buy", max_fee="100")
    assert "result" in await rig.execute(t1, rig.execute_params(t1, q1, max_fee="100"))
    await rejected(
        rig, Deal(maker, t2, rfq2, q2, {}), rig.execute_params(t2, q2, max_fee="100"), 8500
    )


@pytest.mark.parametrize(("cash", "code"), [("100.9", None), ("100.89", 11000)])
async def test_buying_below_mark_needs_the_cash_11000(
    rig: Rig, cash: str, code: int | None
) -> None:
    """A call quoted at 100 (mark 520) costs 100 + 0.9 fee; the cheapness is no credit."""
    maker, taker = await rig.party(), await rig.party(cash)
    rfq = await rig.send_rfq(taker, [{"instrument_name": CALL, "direction": "buy", "amount": "1"}])
    quote = await rig.send_quote(maker, rfq, prices={CALL: "100"})
    deal = Deal(maker, taker, rfq, quote, rig.execute_params(taker, quote))
    if code is None:
        await accepted(rig, deal, deal.execute)
    else:
        await rejected(rig, deal, deal.execute, code)
