"""Signature checks: every corrupted, foreign or tampered signature is refused and
changes nothing; a refused session update leaves the old session in force."""

from __future__ import annotations

import time

import pytest

from tradeproof.checks import expect_accepted, expect_outcome, require_o2_unchanged
from tradeproof.messages import o2 as msg
from tradeproof.signing import o2 as sig
from tradeproof.signing.corrupt import O2Corruption, o2_bad_signature
from tradeproof.signing.keys import Key
from tradeproof.strategies import valid_batches
from tradeproof.target import o2_snapshot

CORRUPTION_RULES = {
    O2Corruption.OTHER_KEY: "O2-SIG-OTHER-KEY",
    O2Corruption.OTHER_BYTES: "O2-SIG-TAMPERED",
    O2Corruption.HIGH_S: "O2-SIG-HIGH-S",
    O2Corruption.LONG_65: "O2-SIG-65-BYTES",
    O2Corruption.TRUNCATED: "O2-SIG-65-BYTES",
    O2Corruption.FLIPPED_RECOVERY: "O2-SIG-RECOVERY-BIT",
}

STAGE = 0  # one-request refusals: run first, so a broken target fails fast (see tradeproof.pytest_plugin)


@pytest.mark.parametrize(
    "corruption",
    [pytest.param(c, marks=pytest.mark.rule(r), id=c.value) for c, r in CORRUPTION_RULES.items()],
)
def test_corrupted_signature_is_refused(corruption, o2, o2_pool, o2_markets, o2_zones, examples):
    rule_id = CORRUPTION_RULES[corruption]

    def check(draw) -> None:
        batch = draw(valid_batches(o2_markets, o2_zones), "batch")
        trader = o2_pool.next()
        groups = batch.resolve(o2_markets, trader.trade_account_id, lambda spec: [])
        digest = msg.actions_digest(o2.context, trader.nonce, groups)
        bad = o2_bad_signature(corruption, trader.session_key, digest)
        before = o2_snapshot(o2, [trader])
        outcome = trader.send_actions(trader.actions_body(groups, signature=bad))
        expect_outcome(rule_id, outcome, detail=f"signature {corruption.value}")
        require_o2_unchanged(rule_id, before, o2_snapshot(o2, [trader]))

    examples(check)


def _session_tamperings(trader, new_key: Key, o2) -> dict[str, dict]:
    """Session updates that are wrong in exactly one way (each must be refused)."""
    expiry = int(time.time()) + 3600
    contracts = trader.all_contracts()
    good = trader.session_body(new_key, expiry=expiry, contract_ids=contracts)
    message = sig.session_signing_bytes(trader.nonce, o2.context.chain_id, new_key.fuel_address, expiry, contracts)
    stranger = Key.derive("tradeproof-stranger", trader.label)
    other_chain = sig.session_signing_bytes(trader.nonce, o2.context.chain_id + 1, new_key.fuel_address, expiry, contracts)
    evm_framing = sig.compact_sign(trader.owner, sig.evm_personal_digest(message))
    out = {
        "other-key": {**good, "signature": sig.signature_json(sig.sign_session(stranger, message))},
        "tampered-expiry": {**good, "expiry": str(expiry + 60)},
        "tampered-contracts": {**good, "contract_ids": good["contract_ids"][:1] if len(contracts) > 1 else good["contract_ids"] * 2},
        "tampered-session": {**good, "session_id": msg.address(Key.derive("tradeproof-stranger", "session").fuel_address)},
        "other-chain": {**good, "signature": sig.signature_json(sig.sign_session(trader.owner, other_chain))},
    }
    if not trader.evm_owner:
        out["evm-framing"] = {**good, "signature": sig.signature_json(evm_framing)}
    return out


TAMPERINGS = ["other-key", "tampered-expiry", "tampered-contracts", "tampered-session", "other-chain", "evm-framing"]


@pytest.mark.rule("O2-SESSION-OWNER-SIG")
@pytest.mark.parametrize("tampering", TAMPERINGS)
def test_session_update_needs_the_owner_signature(tampering, o2, new_trader, o2_markets):
    trader = new_trader("session-sig")
    spec = o2_markets[0]
    body = _session_tamperings(trader, Key.derive("tradeproof-session-sig", trader.label), o2)[tampering]
    outcome = trader.send_session(body)
    expect_outcome("O2-SESSION-OWNER-SIG", outcome, detail=tampering)
    # the old session is still in force
    settle = msg.group(spec.market_id, msg.settle_balance(msg.contract(trader.trade_account_id)))
    expect_accepted("O2-SESSION-OWNER-SIG", trader.submit(settle), detail="old session after refused update")
