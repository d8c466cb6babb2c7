"""Each documented extension point breaks exactly its rule when overridden.

The suite builds deliberately broken targets by subclassing ``DeriveExchange`` and
overriding one method; these tests show that each such target really violates the
rule (so the suite's rule can catch it) and that the reference itself does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest
from derive_rig import PERP, Deal, Rig

from tradeproof.reference.derive import DeriveExchange
from tradeproof.reference.derive.accounts import Scope, Subaccount, Transfer
from tradeproof.reference.derive.rfq import Quote, Rfq
from tradeproof.signing import derive as sig
from tradeproof.signing.keys import Key

pytestmark = pytest.mark.anyio


class SkipsExpiry(DeriveExchange):
    def check_signature_expiry(self, expiry: int) -> None:
        pass


class AcceptsReusedNonce(DeriveExchange):
    def check_nonce_unused(self, wallet: str, nonce: int) -> None:
        pass


class IgnoresNonceDate(DeriveExchange):
    def check_nonce_date(self, nonce: int) -> None:
        pass


class WrongDomain(DeriveExchange):
    def signing_domain(self) -> sig.Domain:
        return sig.V2_MAINNET


class SkipsLegsCheck(DeriveExchange):
    def check_execute_matches_quote(self, direction: str, legs: Any, quote: Quote) -> None:
        pass


class NoTakerMargin(DeriveExchange):
    def check_taker_margin(self, taker: Subaccount, transfers: Sequence[Transfer]) -> None:
        pass


class NoFeeCheck(DeriveExchange):
    def check_taker_max_fee(self, max_fee: Decimal, fee: Decimal) -> None:
        pass


class NonAtomic(DeriveExchange):
    """Pays the taker before checking the maker's margin."""

    def check_maker_margin(self, maker: Subaccount, transfers: Sequence[Transfer]) -> None:
        self.settle([t for t in transfers if t.subaccount_id != maker.id])
        super().check_maker_margin(maker, transfers)


class DoubleExecute(DeriveExchange):
    def check_open(self, quote: Quote, rfq: Rfq) -> None:
        pass


class NoSignatureCheck(DeriveExchange):
    def verify_action_signature(self, **kwargs: Any) -> None:
        pass


class NoScopeCheck(DeriveExchange):
    def check_scope(self, caller: Any, required: Scope) -> None:
        pass


async def _outcome(rig: Rig, deal: Deal, params: dict[str, Any], headers: Any = None) -> int | None:
    body = await rig.execute(deal.taker, params, headers)
    return body["error"]["code"] if "error" in body else None


@pytest.mark.parametrize("exchange", [DeriveExchange, SkipsExpiry], indirect=True)
async def test_expiry(rig: Rig, deal: Deal) -> None:
    code = await _outcome(
        rig, deal, rig.execute_params(deal.taker, deal.quote, expiry=int(rig.clock.t) + 10)
    )
    assert code == (11011 if type(rig.exchange) is DeriveExchange else None)


@pytest.mark.parametrize("exchange", [DeriveExchange, AcceptsReusedNonce], indirect=True)
async def test_nonce_reuse(rig: Rig, deal: Deal) -> None:
    other = await rig.send_quote(await rig.party(), await rig.send_rfq(deal.taker))
    assert await _outcome(rig, deal, deal.execute) is None
    code = await _outcome(
        rig, deal, rig.execute_params(deal.taker, other, nonce=deal.execute["nonce"])
    )
    assert code == (11017 if type(rig.exchange) is DeriveExchange else None)


@pytest.mark.parametrize("exchange", [DeriveExchange, IgnoresNonceDate], indirect=True)
async def test_nonce_date(rig: Rig, deal: Deal) -> None:
    code = await _outcome(rig, deal, rig.execute_params(deal.taker, deal.quote, nonce=1))
    assert code == (11018 if type(rig.exchange) is DeriveExchange else None)


@pytest.mark.parametrize("exchange", [DeriveExchange, WrongDomain], indirect=True)
async def test_domain(rig: Rig) -> None:
    maker, taker = await rig.party(), await rig.party()
    rfq = await rig.send_rfq(taker)
    body = await rig.rpc(
        "private/send_quote", rig.quote_params(maker, rfq), rig.headers(maker)
    )  # signed for testnet
    assert body.get("error", {}).get("code") == (
        None if type(rig.exchange) is DeriveExchange else 14014
    )


@pytest.mark.parametrize("exchange", [DeriveExchange, SkipsLegsCheck], indirect=True)
async def test_legs_check(rig: Rig, deal: Deal) -> None:
    legs = [
        dict(leg, price="1") if leg["instrument_name"] == PERP else leg
        for leg in deal.quote["legs"]
    ]
    code = await _outcome(rig, deal, rig.execute_params(deal.taker, deal.quote, legs=legs))
    assert code == (11103 if type(rig.exchange) is DeriveExchange else None)


@pytest.mark.parametrize("exchange", [DeriveExchange, NoTakerMargin], indirect=True)
async def test_taker_margin(rig: Rig) -> None:
    maker, taker = await rig.party(), await rig.party("0")
    rfq = await rig.send_rfq(taker, [{"instrument_name": PERP, "direction": "sell", "amount": "1"}])
    quote = await rig.send_quote(maker, rfq, direction="buy")
    code = await _outcome(rig, Deal(maker, taker, rfq, quote, {}), rig.execute_params(taker, quote))
    assert code == (11000 if type(rig.exchange) is DeriveExchange else None)


@pytest.mark.parametrize("exchange", [DeriveExchange, NoFeeCheck], indirect=True)
async def test_fee_check(rig: Rig, deal: Deal) -> None:
    code = await _outcome(rig, deal, rig.execute_params(deal.taker, deal.quote, max_fee="0"))
    assert code == (11023 if type(rig.exchange) is DeriveExchange else None)


@pytest.mark.parametrize("exchange", [DeriveExchange, NonAtomic], indirect=True)
async def test_atomicity(rig: Rig) -> None:
    maker, taker = await rig.party("100"), await rig.party()
    rfq = await rig.send_rfq(
        taker, [{"instrument_name": PERP, "direction": "sell", "amount": "10"}]
    )
    quote = await rig.send_quote(maker, rfq, direction="buy", max_fee="100")
    before = rig.state(maker, taker)
    code = await _outcome(
        rig, Deal(maker, taker, rfq, quote, {}), rig.execute_params(taker, quote, max_fee="100")
    )
    assert code == 8500
    assert (rig.state(maker, taker) == before) == (type(rig.exchange) is DeriveExchange)


@pytest.mark.parametrize("exchange", [DeriveExchange, DoubleExecute], indirect=True)
async def test_double_execute(rig: Rig, deal: Deal) -> None:
    assert await _outcome(rig, deal, deal.execute) is None
    code = await _outcome(rig, deal, rig.execute_params(deal.taker, deal.quote))
    assert code == (11104 if type(rig.exchange) is DeriveExchange else None)


@pytest.mark.parametrize("exchange", [DeriveExchange, NoSignatureCheck], indirect=True)
async def test_signature_check(rig: Rig, deal: Deal) -> None:
    code = await _outcome(rig, deal, {**deal.execute, "signature": "0x" + "11" * 65})
    assert code == (14014 if type(rig.exchange) is DeriveExchange else None)


@pytest.mark.parametrize("exchange", [DeriveExchange, NoScopeCheck], indirect=True)
async def test_scope_check(rig: Rig, deal: Deal) -> None:
    key = Key.derive("extension-tests", "read-only")
    await rig.register_key(deal.taker, key, "read_only")
    code = await _outcome(rig, deal, deal.execute, rig.headers(deal.taker, key))
    assert code == (14031 if type(rig.exchange) is DeriveExchange else None)
