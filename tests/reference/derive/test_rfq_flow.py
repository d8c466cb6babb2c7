"""The RFQ flow around execute: instruments, send_rfq, poll_rfqs, send_quote, polling, cancels."""

from __future__ import annotations

from typing import Any

import pytest
from derive_rig import CALL, PERP, PUT, RFQ_LEGS, Deal, Rig

from tradeproof import schemas
from tradeproof.messages import derive as msg
from tradeproof.signing import derive as sig
from tradeproof.signing.corrupt import DeriveCorruption, derive_bad_signature
from tradeproof.signing.keys import Key

pytestmark = pytest.mark.anyio

C6000 = "ETH-20270625-6000-C"


# --------------------------------------------------------------------------- public methods


async def test_get_time_is_the_exchange_clock(rig: Rig) -> None:
    assert await rig.ok("public/get_time", {}) == rig.clock.ms
    response = await rig.client.post("/public/get_time")  # no body at all
    assert response.json()["result"] == rig.clock.ms


async def test_instruments_validate_and_carry_on_chain_ids(rig: Rig) -> None:
    options = await rig.ok(
        "public/get_instruments", {"currency": "ETH", "instrument_type": "option", "expired": False}
    )
    perps = await rig.ok(
        "public/get_instruments", {"currency": "ETH", "instrument_type": "perp", "expired": False}
    )
    assert schemas.errors("derive/get_instruments_result", options + perps) == []
    assert {i["instrument_name"] for i in perps} == {PERP} and perps[0]["base_asset_sub_id"] == "0"
    assert len(options) == 4
    one = await rig.ok("public/get_instrument", {"instrument_name": C6000})
    assert schemas.errors("derive/get_instrument_result", one) == []
    # protocol/derive.md §1.4: ETH-20270625-6000-C on the testnet ETH option asset
    assert one["base_asset_sub_id"] == "39614083834112546398585885568"
    assert one["base_asset_address"] == "0xBcB494059969DAaB460E0B5d4f5c2366aab79aa1"
    put = await rig.ok("public/get_instrument", {"instrument_name": "ETH-20270625-6000-P"})
    assert put["base_asset_sub_id"] == "2576980377601813910400"


async def test_instrument_filters(rig: Rig) -> None:
    assert (
        await rig.ok(
            "public/get_instruments",
            {"currency": "BTC", "instrument_type": "option", "expired": False},
        )
        == []
    )
    assert (
        await rig.ok(
            "public/get_instruments",
            {"currency": "ETH", "instrument_type": "option", "expired": True},
        )
        == []
    )
    assert (
        await rig.code(
            "public/get_instruments",
            {"currency": "ETH", "instrument_type": "future", "expired": False},
        )
        == -32602
    )
    assert await rig.code("public/get_instruments", {"currency": "ETH"}) == -32602
    assert await rig.code("public/get_instrument", {"instrument_name": "BTC-PERP"}) == 12001


async def test_expired_options_are_not_live(rig: Rig, deal: Deal) -> None:
    rig.clock.t = 1813910400  # the options' expiry
    expired = await rig.ok(
        "public/get_instruments", {"currency": "ETH", "instrument_type": "option", "expired": True}
    )
    assert len(expired) == 4 and not any(i["is_active"] for i in expired)
    legs = [{"instrument_name": CALL, "direction": "buy", "amount": "1"}]
    assert (
        await rig.code(
            "private/send_rfq",
            {"subaccount_id": deal.taker.subaccount_id, "legs": legs},
            rig.headers(deal.taker),
        )
        == 11021
    )


# --------------------------------------------------------------------------- RFQs


async def test_rfq_result_and_poll(rig: Rig, deal: Deal) -> None:
    assert schemas.errors("derive/send_rfq_result", deal.rfq) == []
    assert deal.rfq["status"] == "open" and deal.rfq["valid_until"] == rig.clock.ms + 600_000
    polled = await rig.ok(
        "private/poll_rfqs",
        {"subaccount_id": deal.maker.subaccount_id, "status": "open"},
        rig.headers(deal.maker),
    )
    assert schemas.errors("derive/poll_rfqs_result", polled) == []
    assert [r["rfq_id"] for r in polled["rfqs"]] == [deal.rfq["rfq_id"]]
    assert polled["rfqs"][0]["legs"] == deal.rfq["legs"]


async def test_rfq_counterparties_limit_who_sees_and_quotes(rig: Rig, deal: Deal) -> None:
    outsider = await rig.party()
    params = {
        "subaccount_id": deal.taker.subaccount_id,
        "legs": RFQ_LEGS,
        "counterparties": [deal.maker.wallet],
    }
    rfq = await rig.ok("private/send_rfq", params, rig.headers(deal.taker))
    seen = await rig.ok(
        "private/poll_rfqs",
        {"subaccount_id": outsider.subaccount_id, "rfq_id": rfq["rfq_id"]},
        rig.headers(outsider),
    )
    assert seen["rfqs"] == []
    assert (
        await rig.code("private/send_quote", rig.quote_params(outsider, rfq), rig.headers(outsider))
        == 11101
    )
    assert (await rig.send_quote(deal.maker, rfq))["status"] == "open"


@pytest.mark.parametrize(
    ("legs", "code"),
    [
        ([{"instrument_name": CALL, "direction": "buy", "amount": "1"}] * 2, 11100),
        (
            [
                {"instrument_name": CALL, "direction": "buy", "amount": "1"},
                {"instrument_name": CALL, "direction": "sell", "amount": "2"},
            ],
            11100,
        ),
        ([{"instrument_name": "ETH-20270625-9000-C", "direction": "buy", "amount": "1"}], 12001),
        ([{"instrument_name": CALL, "direction": "buy", "amount": "0.005"}], 11012),
        ([{"instrument_name": CALL, "direction": "buy", "amount": "1.001"}], 11012),
        ([{"instrument_name": CALL, "direction": "buy", "amount": "0"}], 11012),
        ([{"instrument_name": CALL, "direction": "buy", "amount": "-1"}], 11012),
        ([{"instrument_name": CALL, "direction": "buy", "amount": "1000.01"}], 11012),
        ([{"instrument_name": CALL, "direction": "buy", "amount": "1", "price": "5"}], -32602),
        ([], -32602),
    ],
)
async def test_send_rfq_rejections(
    rig: Rig, deal: Deal, legs: list[dict[str, str]], code: int
) -> None:
    params = {"subaccount_id": deal.taker.subaccount_id, "legs": legs}
    assert await rig.code("private/send_rfq", params, rig.headers(deal.taker)) == code


async def test_cancel_rfq(rig: Rig, deal: Deal) -> None:
    params = {"subaccount_id": deal.taker.subaccount_id, "rfq_id": deal.rfq["rfq_id"]}
    assert (
        await rig.code(
            "private/cancel_rfq",
            {**params, "subaccount_id": deal.maker.subaccount_id},
            rig.headers(deal.maker),
        )
        == 11101
    )
    assert await rig.ok("private/cancel_rfq", params, rig.headers(deal.taker)) == "ok"
    assert await rig.code("private/cancel_rfq", params, rig.headers(deal.taker)) == 11104
    quotes = await rig.ok(
        "private/get_quotes", {"subaccount_id": deal.maker.subaccount_id}, rig.headers(deal.maker)
    )
    assert quotes["quotes"][0]["status"] == "cancelled"
    assert quotes["quotes"][0]["cancel_reason"] == "rfq_no_longer_open"
    assert (
        await rig.code(
            "private/send_quote", rig.quote_params(deal.maker, deal.rfq), rig.headers(deal.maker)
        )
        == 11104
    )


# --------------------------------------------------------------------------- quotes


async def test_quote_results_validate(rig: Rig, deal: Deal) -> None:
    assert schemas.errors("derive/send_quote_result", deal.quote) == []
    assert deal.quote["status"] == "open" and deal.quote["liquidity_role"] == "maker"
    assert (
        deal.quote["tx_hash"] is None
        and deal.quote["tx_status"] is None
        and deal.quote["fee"] == "0"
    )
    mine = await rig.ok(
        "private/get_quotes", {"subaccount_id": deal.maker.subaccount_id}, rig.headers(deal.maker)
    )
    assert schemas.errors("derive/get_quotes_result", mine) == []
    assert mine["quotes"] == [deal.quote]
    theirs = await rig.ok(
        "private/poll_quotes",
        {"subaccount_id": deal.taker.subaccount_id, "rfq_id": deal.rfq["rfq_id"]},
        rig.headers(deal.taker),
    )
    assert schemas.errors("derive/poll_quotes_result", theirs) == []
    public = theirs["quotes"][0]
    assert (
        public["wallet"] == deal.maker.wallet
        and "signature" not in public
        and "nonce" not in public
    )
    assert public["legs_hash"] == deal.quote["legs_hash"]


async def test_poll_quotes_filters_and_pages(rig: Rig, deal: Deal) -> None:
    for _ in range(3):
        await rig.send_quote(await rig.party(), deal.rfq, direction="buy")
    params = {"subaccount_id": deal.taker.subaccount_id, "page_size": 3}
    page1 = await rig.ok("private/poll_quotes", params, rig.headers(deal.taker))
    page2 = await rig.ok("private/poll_quotes", {**params, "page": 2}, rig.headers(deal.taker))
    assert (
        page1["pagination"] == {"count": 4, "num_pages": 2}
        and len(page1["quotes"]) == 3
        and len(page2["quotes"]) == 1
    )
    one = await rig.ok(
        "private/poll_quotes",
        {"subaccount_id": deal.taker.subaccount_id, "quote_id": deal.quote["quote_id"]},
        rig.headers(deal.taker),
    )
    assert [q["quote_id"] for q in one["quotes"]] == [deal.quote["quote_id"]]
    none = await rig.ok(
        "private/poll_quotes",
        {"subaccount_id": deal.taker.subaccount_id, "status": "filled"},
        rig.headers(deal.taker),
    )
    assert none["quotes"] == []
    # the maker does not see quotes on RFQs it did not send
    others = await rig.ok(
        "private/poll_quotes", {"subaccount_id": deal.maker.subaccount_id}, rig.headers(deal.maker)
    )
    assert others["quotes"] == []


def _priced(rfq: dict[str, Any], **prices: str) -> list[dict[str, str]]:
    table = {CALL: "520", PERP: "3000", **{k.replace("_", "-"): v for k, v in prices.items()}}
    return [dict(leg, price=table[leg["instrument_name"]]) for leg in rfq["legs"]]


@pytest.mark.parametrize(
    ("make_legs", "code"),
    [
        (lambda r: [dict(l, amount="2") for l in _priced(r)], 11103),
        (lambda r: [dict(l, direction="sell") for l in _priced(r)], 11103),
        (lambda r: _priced(r)[:1], 11103),
        (
            lambda r: (
                _priced(r)
                + [{"instrument_name": PUT, "direction": "buy", "amount": "1", "price": "380"}]
            ),
            11103,
        ),
        (
            lambda r: [
                dict(l, price="520.05") if l["instrument_name"] == CALL else l for l in _priced(r)
            ],
            11013,
        ),
        (
            lambda r: [
                dict(l, price="0") if l["instrument_name"] == CALL else l for l in _priced(r)
            ],
            11013,
        ),
        (
            lambda r: [
                dict(l, price="3000.001") if l["instrument_name"] == PERP else l for l in _priced(r)
            ],
            11013,
        ),
        (lambda r: _priced(r) + [_priced(r)[0]], 11100),
        (
            lambda r: [
                dict(l, instrument_name="X") if l["instrument_name"] == CALL else l
                for l in _priced(r)
            ],
            12001,
        ),
    ],
    ids=[
        "amount",
        "direction",
        "dropped",
        "added",
        "off-tick",
        "zero-price",
        "perp-off-tick",
        "duplicate",
        "unknown",
    ],
)
async def test_send_quote_leg_rules(rig: Rig, deal: Deal, make_legs: Any, code: int) -> None:
    legs = make_legs(deal.rfq)
    known = all(leg["instrument_name"] in rig.instruments for leg in legs)
    params = (
        rig.quote_params(deal.maker, deal.rfq, legs=legs)
        if known
        else {**rig.quote_params(deal.maker, deal.rfq), "legs": legs}
    )
    assert await rig.code("private/send_quote", params, rig.headers(deal.maker)) == code


async def test_send_quote_other_rules(rig: Rig, deal: Deal) -> None:
    maker, headers = deal.maker, rig.headers(deal.maker)
    assert (
        await rig.code(
            "private/send_quote",
            rig.quote_params(maker, deal.rfq, expiry=int(rig.clock.t) + 309),
            headers,
        )
        == 11011
    )
    assert (
        await rig.code(
            "private/send_quote", rig.quote_params(maker, deal.rfq, nonce=rig.nonce(3601)), headers
        )
        == 11018
    )
    assert (
        await rig.code(
            "private/send_quote",
            rig.quote_params(maker, deal.rfq, nonce=deal.quote["nonce"]),
            headers,
        )
        == 11017
    )
    # maker fee: 0.01 % of 3000 index × 1.5 contracts = 0.45
    assert (
        await rig.code(
            "private/send_quote", rig.quote_params(maker, deal.rfq, max_fee="0.44"), headers
        )
        == 11023
    )
    assert (await rig.send_quote(maker, deal.rfq, max_fee="0.45", direction="buy"))[
        "max_fee"
    ] == "0.45"
    stranger = Key.derive("flow-tests", "stranger")
    assert (
        await rig.code(
            "private/send_quote", rig.quote_params(maker, deal.rfq, key=stranger), headers
        )
        == 14023
    )
    assert (
        await rig.code(
            "private/send_quote", {**rig.quote_params(maker, deal.rfq), "rfq_id": "nope"}, headers
        )
        == 11101
    )
    # a subaccount may not quote its own RFQ
    own = rig.quote_params(deal.taker, deal.rfq)
    assert await rig.code("private/send_quote", own, rig.headers(deal.taker)) == 11007


@pytest.mark.parametrize("kind", list(DeriveCorruption), ids=str)
async def test_send_quote_corrupted_signature_14014(
    rig: Rig, deal: Deal, kind: DeriveCorruption
) -> None:
    params = rig.quote_params(deal.maker, deal.rfq)
    data = sig.quote_module_data(
        params["direction"], params["max_fee"], msg.signing_legs(params["legs"], rig.instruments)
    )
    action = sig.Action(
        params["subaccount_id"],
        params["nonce"],
        rig.domain.rfq_module,
        data,
        params["signature_expiry_sec"],
        deal.maker.wallet,
        params["signer"],
    )
    bad = derive_bad_signature(kind, deal.maker.key, action, rig.domain, known=deal.taker.key)  # a wallet it knows
    assert (
        await rig.code("private/send_quote", {**params, "signature": bad}, rig.headers(deal.maker))
        == 14014
    )
    # a rejected quote does not use up its nonce
    assert (await rig.ok("private/send_quote", params, rig.headers(deal.maker)))["nonce"] == params[
        "nonce"
    ]


async def test_cancel_quote(rig: Rig, deal: Deal) -> None:
    params = {"subaccount_id": deal.maker.subaccount_id, "quote_id": deal.quote["quote_id"]}
    assert (
        await rig.code(
            "private/cancel_quote",
            {**params, "subaccount_id": deal.taker.subaccount_id},
            rig.headers(deal.taker),
        )
        == 11102
    )
    cancelled = await rig.ok("private/cancel_quote", params, rig.headers(deal.maker))
    assert schemas.errors("derive/cancel_quote_result", cancelled) == []
    assert cancelled["status"] == "cancelled" and cancelled["cancel_reason"] == "user_request"
    assert await rig.code("private/cancel_quote", params, rig.headers(deal.maker)) == 11104


async def test_get_subaccount_validates_and_reports_margin(rig: Rig, deal: Deal) -> None:
    view = await rig.ok(
        "private/get_subaccount",
        {"subaccount_id": deal.taker.subaccount_id},
        rig.headers(deal.taker),
    )
    assert schemas.errors("derive/get_subaccount_result", view) == []
    assert view["collaterals"] == [{"asset_name": "USDC", "currency": "USDC", "amount": "100000"}]
    assert (
        view["positions"] == [] and view["initial_margin"] == view["subaccount_value"] == "100000"
    )
    assert "result" in await rig.execute(deal.taker, deal.execute)
    view = await rig.ok(
        "private/get_subaccount",
        {"subaccount_id": deal.taker.subaccount_id},
        rig.headers(deal.taker),
    )
    assert schemas.errors("derive/get_subaccount_result", view) == []
    # cash 100978.65; +1 call (mark 520) −0.5 perp (mark 3000): value 99998.65; requirement
    # 0.5 × 3000 × 10 % = 150; initial credit leaves out the long call: 100978.65 − 1500
    assert (view["subaccount_value"], view["initial_margin"], view["maintenance_margin"]) == (
        "99998.65",
        "99328.65",
        "99923.65",
    )
    assert {p["instrument_name"]: (p["amount"], p["average_price"]) for p in view["positions"]} == {
        CALL: ("1", "520"),
        PERP: ("-0.5", "3000"),
    }


async def test_get_subaccounts_lists_the_wallets_subaccounts(rig: Rig, deal: Deal) -> None:
    second = rig.exchange.fund(deal.taker.wallet, "1")
    result = await rig.ok(
        "private/get_subaccounts", {"wallet": deal.taker.wallet}, rig.headers(deal.taker)
    )
    assert result["subaccount_ids"] == [deal.taker.subaccount_id, second]
    assert (
        await rig.code(
            "private/get_subaccounts", {"wallet": deal.maker.wallet}, rig.headers(deal.taker)
        )
        == 14020
    )
