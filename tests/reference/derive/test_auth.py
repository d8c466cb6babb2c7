"""X-Lyra header authentication and session-key scopes on every kind of private method."""

from __future__ import annotations

from typing import Any

import pytest
from derive_rig import CALL, Deal, Party, Rig

from tradeproof import schemas
from tradeproof.messages import derive as msg
from tradeproof.signing.keys import Key

pytestmark = pytest.mark.anyio

HEADERS = ("X-LyraWallet", "X-LyraTimestamp", "X-LyraSignature")


def _get_subaccount(party: Party) -> dict[str, Any]:
    return {"subaccount_id": party.subaccount_id}


@pytest.mark.parametrize("missing", HEADERS)
async def test_missing_header_14021(rig: Rig, deal: Deal, missing: str) -> None:
    headers = {k: v for k, v in rig.headers(deal.taker).items() if k != missing}
    assert await rig.code("private/get_subaccount", _get_subaccount(deal.taker), headers) == 14021
    assert await rig.code("private/execute_quote", deal.execute, headers) == 14021


async def test_no_headers_at_all_14021(rig: Rig, deal: Deal) -> None:
    assert await rig.code("private/execute_quote", deal.execute, {}) == 14021


async def test_empty_header_14021(rig: Rig, deal: Deal) -> None:
    headers = {**rig.headers(deal.taker), "X-LyraSignature": ""}
    assert await rig.code("private/get_subaccount", _get_subaccount(deal.taker), headers) == 14021


@pytest.mark.parametrize("case", [str.lower, str.upper])
async def test_header_names_are_case_insensitive(rig: Rig, deal: Deal, case: Any) -> None:
    headers = {case(k): v for k, v in rig.headers(deal.taker).items()}
    result = await rig.ok("private/get_subaccount", _get_subaccount(deal.taker), headers)
    assert result["subaccount_id"] == deal.taker.subaccount_id


async def test_header_signature_without_0x_accepted(rig: Rig, deal: Deal) -> None:
    headers = rig.headers(deal.taker)
    headers["X-LyraSignature"] = headers["X-LyraSignature"][2:]
    assert "result" in await rig.execute(deal.taker, deal.execute, headers)


async def test_any_timestamp_is_accepted_no_freshness_window(rig: Rig, deal: Deal) -> None:
    headers = msg.auth_headers(deal.taker.key, deal.taker.wallet, 1_000_000_000_000)
    assert "result" in await rig.execute(deal.taker, deal.execute, headers)


@pytest.mark.parametrize(
    "spoil",
    [
        lambda h, k: {
            "X-LyraSignature": msg.auth_headers(Key.derive("x", "stranger"), h["X-LyraWallet"], 1)[
                "X-LyraSignature"
            ]
        },
        lambda h, k: {"X-LyraTimestamp": str(int(h["X-LyraTimestamp"]) + 1)},
        lambda h, k: {"X-LyraSignature": "0x" + "11" * 65},
        lambda h, k: {"X-LyraSignature": "garbage"},
        lambda h, k: {"X-LyraWallet": "not-an-address"},
        lambda h, k: {
            "X-LyraSignature": h["X-LyraSignature"][:-2]
            + ("1b" if h["X-LyraSignature"].endswith("1c") else "1c")
        },
    ],
    ids=["stranger", "other-timestamp", "junk", "not-hex", "bad-wallet", "flipped-v"],
)
async def test_bad_header_signature_14014(rig: Rig, deal: Deal, spoil: Any) -> None:
    headers = rig.headers(deal.taker)
    headers.update(spoil(headers, deal.taker.key))
    before = rig.state(deal.maker, deal.taker)
    assert await rig.code("private/execute_quote", deal.execute, headers) == 14014
    assert await rig.code("private/get_subaccount", _get_subaccount(deal.taker), headers) == 14014
    assert rig.state(deal.maker, deal.taker) == before


async def test_header_wallet_not_the_subaccounts_14020(rig: Rig, deal: Deal) -> None:
    # the maker authenticates correctly as itself but names the taker's subaccount
    assert await rig.code("private/execute_quote", deal.execute, rig.headers(deal.maker)) == 14020
    assert (
        await rig.code(
            "private/get_subaccount", _get_subaccount(deal.taker), rig.headers(deal.maker)
        )
        == 14020
    )


async def test_unknown_subaccount_14001(rig: Rig, deal: Deal) -> None:
    assert (
        await rig.code(
            "private/get_subaccount", {"subaccount_id": 999_999}, rig.headers(deal.taker)
        )
        == 14001
    )


async def test_session_key_may_sign_headers(rig: Rig, deal: Deal) -> None:
    key = Key.derive("auth-tests", "admin-key")
    await rig.register_key(deal.taker, key, "admin")
    assert "result" in await rig.execute(deal.taker, deal.execute, rig.headers(deal.taker, key))


async def test_expired_session_key_in_headers_14030(rig: Rig, deal: Deal) -> None:
    key = Key.derive("auth-tests", "short-key")
    await rig.register_key(deal.taker, key, "admin", expiry=int(rig.clock.t) + 10)
    rig.clock.advance(11)
    assert (
        await rig.code(
            "private/get_subaccount", _get_subaccount(deal.taker), rig.headers(deal.taker, key)
        )
        == 14030
    )


async def test_session_key_of_another_wallet_14014(rig: Rig, deal: Deal) -> None:
    key = Key.derive("auth-tests", "maker-key")
    await rig.register_key(deal.maker, key, "admin")
    assert (
        await rig.code(
            "private/get_subaccount", _get_subaccount(deal.taker), rig.headers(deal.taker, key)
        )
        == 14014
    )


# --------------------------------------------------------------------------- scopes

SCOPE_CASES = {
    # method: minimum scope
    "private/get_subaccount": "read_only",
    "private/poll_rfqs": "read_only",
    "private/poll_quotes": "read_only",
    "private/get_quotes": "read_only",
    "private/send_rfq": "account",
    "private/cancel_rfq": "account",
    "private/send_quote": "admin",
    "private/cancel_quote": "admin",
    "private/execute_quote": "admin",
}
LEVEL = {"read_only": 0, "account": 1, "admin": 2}


def _params(method: str, rig: Rig, deal: Deal, maker_side: bool) -> dict[str, Any]:
    party = deal.maker if maker_side else deal.taker
    base = {"subaccount_id": party.subaccount_id}
    if method == "private/send_rfq":
        return {**base, "legs": [{"instrument_name": CALL, "direction": "sell", "amount": "2"}]}
    if method == "private/cancel_rfq":
        return {**base, "rfq_id": deal.rfq["rfq_id"]}
    if method == "private/send_quote":
        return rig.quote_params(deal.maker, deal.rfq, direction="buy", key=_key("admin"))
    if method == "private/cancel_quote":
        return {**base, "quote_id": deal.quote["quote_id"]}
    if method == "private/execute_quote":
        return rig.execute_params(deal.taker, deal.quote)
    return base


def _key(scope: str) -> Key:
    return Key.derive("scope-tests", scope)


MAKER_SIDE = {
    "private/send_quote",
    "private/cancel_quote",
    "private/get_quotes",
    "private/poll_rfqs",
}


@pytest.mark.parametrize("scope", ["read_only", "account", "admin"])
@pytest.mark.parametrize("method", list(SCOPE_CASES))
async def test_key_scope_per_method(rig: Rig, deal: Deal, method: str, scope: str) -> None:
    maker_side = method in MAKER_SIDE
    party = deal.maker if maker_side else deal.taker
    key = _key(scope)
    await rig.register_key(party, key, scope)
    if method == "private/send_quote":
        await rig.register_key(party, _key("admin"), "admin")  # the action signer
    body = await rig.rpc(method, _params(method, rig, deal, maker_side), rig.headers(party, key))
    if LEVEL[scope] >= LEVEL[SCOPE_CASES[method]]:
        assert "result" in body, body
    else:
        assert body["error"]["code"] == 14031, body


# ------------------------------------------------------------------- register_scoped_session_key


async def test_register_session_key_result(rig: Rig, deal: Deal) -> None:
    key = Key.derive("auth-tests", "registered")
    params = {
        "wallet": deal.taker.wallet,
        "public_session_key": key.evm_address,
        "expiry_sec": 2_000_000_000,
        "scope": "account",
        "label": "bot",
    }
    result = await rig.ok("private/register_scoped_session_key", params, rig.headers(deal.taker))
    assert schemas.errors("derive/register_scoped_session_key_result", result) == []
    assert result["scope"] == "account" and result["public_session_key"] == key.evm_address


async def test_register_session_key_default_scope_is_read_only(rig: Rig, deal: Deal) -> None:
    key = Key.derive("auth-tests", "default-scope")
    params = {
        "wallet": deal.taker.wallet,
        "public_session_key": key.evm_address,
        "expiry_sec": 2_000_000_000,
    }
    assert (await rig.ok("private/register_scoped_session_key", params, rig.headers(deal.taker)))[
        "scope"
    ] == "read_only"
    assert (
        await rig.code("private/execute_quote", deal.execute, rig.headers(deal.taker, key)) == 14031
    )


async def test_register_session_key_needs_the_owner(rig: Rig, deal: Deal) -> None:
    admin = Key.derive("auth-tests", "admin-registrar")
    await rig.register_key(deal.taker, admin, "admin")
    other = Key.derive("auth-tests", "other")
    params = {
        "wallet": deal.taker.wallet,
        "public_session_key": other.evm_address,
        "expiry_sec": 2_000_000_000,
    }
    assert (
        await rig.code(
            "private/register_scoped_session_key", params, rig.headers(deal.taker, admin)
        )
        == 14031
    )
    assert (
        await rig.code("private/register_scoped_session_key", params, rig.headers(deal.maker))
        == 14020
    )


async def test_register_session_key_for_a_wallet_without_account_14000(rig: Rig) -> None:
    lonely = Key.derive("auth-tests", "lonely")
    params = {
        "wallet": lonely.evm_address,
        "public_session_key": Key.derive("a", "b").evm_address,
        "expiry_sec": 2_000_000_000,
    }
    headers = msg.auth_headers(lonely, lonely.evm_address, rig.clock.ms)
    assert await rig.code("private/register_scoped_session_key", params, headers) == 14000


async def test_reregistering_a_key_replaces_its_scope(rig: Rig, deal: Deal) -> None:
    key = Key.derive("auth-tests", "downgraded")
    await rig.register_key(deal.taker, key, "admin")
    await rig.register_key(deal.taker, key, "read_only")
    assert (
        await rig.code("private/execute_quote", deal.execute, rig.headers(deal.taker, key)) == 14031
    )
