"""Time and nonces: ``signature_expiry_sec`` must be at least now + 310 s (11011); a
quote with 300 s or less left is expired (11104); a nonce already used by the wallet
(11017) or whose first 10 digits are not UTC seconds within an hour (11018) is refused.
Every refused execution changes neither party. Times are the target's
(``public/get_time``). The quote-expiry test waits ~11 s, so its quotes are made when the
module starts and it runs last."""

from __future__ import annotations

import pytest

from tradeproof.checks import RuleViolation, expect_accepted, require
from tradeproof.scenarios.derive import (
    QUOTE_EXPIRED_AT,
    earliest_expiry,
    nonce_at,
    open_quote,
    open_quote_until,
    refuse_execute,
    wait_for_server_time,
)
from tradeproof.target import NotProvisioned, Party


def _now_s(derive) -> int:
    return derive.server_time_ms() // 1000


# --------------------------------------------------------------------------- the quotes that will expire


@pytest.fixture(scope="module", autouse=True)
def expiring_quotes(derive, derive_domain, tradeproof_context):
    """Two open quotes whose signature_expiry_sec is the earliest the target accepts
    (≈ now + 310 s): ~10 s later they have 300 s left and are expired."""
    rule = "DRV-QUOTE-EXPIRY-300"
    try:
        accounts = tradeproof_context.derive_accounts
        taker, maker = accounts.new("expiry-taker"), accounts.new("expiry-maker")
    except NotProvisioned as exc:
        return {"skip": str(exc)}
    try:  # a failed step is that test's finding, not a setup error of every test in the module
        expiry = earliest_expiry(derive)
        early = open_quote_until(derive, derive_domain, taker, maker, rule, expiry=expiry)
        late = open_quote_until(derive, derive_domain, taker, maker, rule, expiry=expiry)
    except RuleViolation as exc:
        return {"error": exc}
    return {"expiry": expiry, "early": early, "late": late}


# --------------------------------------------------------------------------- signature expiry


@pytest.mark.rule("DRV-EXPIRY-MIN-310")
@pytest.mark.parametrize("ahead", [-60, 0, 300, 309])
def test_expiry_below_now_plus_310_is_refused(ahead, derive, new_party, derive_domain):
    rule = "DRV-EXPIRY-MIN-310"
    quoted = open_quote(derive, derive_domain, new_party("min310-taker"), new_party("min310-maker"), rule)
    expiry = _now_s(derive) + ahead  # now rounded down: at most `ahead` seconds left
    refuse_execute(rule, quoted, quoted.execute_params(expiry=expiry), detail=f"signature_expiry_sec = now + {ahead}")


@pytest.mark.rule("DRV-EXPIRY-MIN-310")
def test_expiry_of_now_plus_310_is_accepted(derive, new_party, derive_domain):
    rule = "DRV-EXPIRY-MIN-310"
    quoted = open_quote(derive, derive_domain, new_party("at310-taker"), new_party("at310-maker"), rule)
    expiry = earliest_expiry(derive)
    outcome = quoted.execute(quoted.execute_params(expiry=expiry))
    expect_accepted(rule, outcome, detail=f"signature_expiry_sec {expiry}: the earliest whole second ≥ now + 310 s")


# --------------------------------------------------------------------------- nonces


@pytest.mark.rule("DRV-NONCE-UNIQUE")
@pytest.mark.parametrize("used_by", ["own-execute", "own-quote", "sibling-subaccount"])
def test_nonce_used_by_the_wallet_is_refused(used_by, derive, new_party, derive_domain, tradeproof_context):
    rule = "DRV-NONCE-UNIQUE"
    wallet, maker = new_party("nonce-wallet"), new_party("nonce-maker")
    if used_by == "own-quote":
        # the wallet, as a maker, quotes someone's RFQ: that accepted send_quote used the nonce
        quote = open_quote(derive, derive_domain, new_party("nonce-other"), wallet, rule).quote
        used = int(quote["nonce"])
        executor = wallet
    else:
        first = open_quote(derive, derive_domain, wallet, maker, rule)
        params = first.execute_params()
        expect_accepted(rule, first.execute(params), detail="the execution whose nonce is reused")
        used = params["nonce"]
        executor = wallet
        if used_by == "sibling-subaccount":  # nonces are per wallet, not per subaccount
            if tradeproof_context.harness("derive") is None:
                pytest.skip("needs a second subaccount of one wallet (the harness extension's fund)")
            executor = Party(wallet.wallet, derive.fund(wallet.wallet, "1000000"), wallet.key)
    quoted = open_quote(derive, derive_domain, executor, maker, rule)
    refuse_execute(rule, quoted, quoted.execute_params(nonce=used), detail=f"nonce {used} of an accepted {used_by} request")


@pytest.mark.rule("DRV-NONCE-DATE")
@pytest.mark.parametrize("offset", [-7200, -3700, 3700, 7200])
def test_nonce_dated_outside_an_hour_is_refused(offset, derive, new_party, derive_domain):
    rule = "DRV-NONCE-DATE"
    quoted = open_quote(derive, derive_domain, new_party("date-taker"), new_party("date-maker"), rule)
    nonce = nonce_at(_now_s(derive) + offset, suffix=abs(offset))
    refuse_execute(rule, quoted, quoted.execute_params(nonce=nonce), detail=f"nonce {nonce}: first 10 digits now {offset:+d} s")


# --------------------------------------------------------------------------- quote expiry (last: waits)


@pytest.mark.rule("DRV-QUOTE-EXPIRY-300")
def test_quote_with_300s_left_is_expired(expiring_quotes, derive):
    rule = "DRV-QUOTE-EXPIRY-300"
    if "skip" in expiring_quotes:
        pytest.skip(expiring_quotes["skip"])
    if "error" in expiring_quotes:
        raise expiring_quotes["error"]
    expiry, early, late = expiring_quotes["expiry"], expiring_quotes["early"], expiring_quotes["late"]
    expired_from_ms = (expiry - QUOTE_EXPIRED_AT) * 1000
    # control: with more than 300 s left (here ≥ 303 s) the quote is still open
    now_ms = wait_for_server_time(derive, expired_from_ms - 4000)
    if now_ms < expired_from_ms - 3000:
        outcome = early.execute(early.execute_params())
        expect_accepted(rule, outcome, detail=f"{(expiry * 1000 - now_ms) / 1000:.1f} s left: the quote is still open")
    # 300 s or less left: expired
    now_ms = wait_for_server_time(derive, expired_from_ms + 200)
    require(rule, now_ms >= expired_from_ms, f"server time ≥ {expired_from_ms}", f"{now_ms}")
    refuse_execute(
        rule, late, late.execute_params(), detail=f"{(expiry * 1000 - now_ms) / 1000:.1f} s left to the quote's expiry {expiry}"
    )
