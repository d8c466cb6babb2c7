"""Who may execute: the action signature must be by ``signer``, over exactly the
params sent, under the target's EIP-712 domain and RFQ module, in the one canonical
65-byte form; ``signer`` must be the owner or an unexpired admin session key of it.
Every refused execution changes neither party and leaves the quote open."""

from __future__ import annotations

import dataclasses

import pytest

from tradeproof.checks import RuleViolation, expect_accepted
from tradeproof.scenarios.derive import (
    KEY_ROLES,
    as_session,
    expiring_session_key,
    key_in_role,
    new_session_key,
    open_quote,
    refuse_execute,
    wait_until_expired,
)
from tradeproof.signing import derive as sig
from tradeproof.signing.corrupt import DeriveCorruption, other_key
from tradeproof.signing.keys import Key
from tradeproof.strategies import DRV_TAMPERINGS, signed_field_tamperings
from tradeproof.target import NotProvisioned, Party


def _quote(rule, derive, derive_domain, new_party, label):
    return open_quote(derive, derive_domain, new_party(f"{label}-taker"), new_party(f"{label}-maker"), rule)


def _need_key(key: Key | None) -> Key:
    if key is None:
        pytest.skip("the target does not offer private/register_scoped_session_key")
    return key


# --------------------------------------------------------------------------- tampered params


@pytest.mark.rule("DRV-SIG-TAMPERED")
@pytest.mark.parametrize("kind", DRV_TAMPERINGS)
def test_signed_param_changed_after_signing_is_refused(kind, derive, new_party, derive_domain, tradeproof_context, examples):
    rule = "DRV-SIG-TAMPERED"
    taker, maker = new_party("tamper-taker"), new_party("tamper-maker")
    sibling: Party | None = None
    if kind == "subaccount_id":
        # another subaccount of the same wallet: a subaccount of another wallet is 14020
        if tradeproof_context.harness("derive") is None:
            pytest.skip("needs a second subaccount of one wallet (the harness extension's fund)")
        sibling = Party(taker.wallet, derive.fund(taker.wallet, "1000000"), taker.key)

    def check(draw) -> None:
        quoted = open_quote(derive, derive_domain, taker, maker, rule)
        params = quoted.execute_params()
        edit = draw(
            signed_field_tamperings(params, kinds=[kind], other_subaccount_id=sibling.subaccount_id if sibling else None),
            "tampering",
        )
        refuse_execute(rule, quoted, edit.apply(params), detail=edit.describe(), others=[sibling] if sibling else [])

    examples(check)


@pytest.mark.rule("DRV-SIG-TAMPERED")
def test_signature_over_other_bytes_is_refused(derive, new_party, derive_domain):
    rule = "DRV-SIG-TAMPERED"
    quoted = _quote(rule, derive, derive_domain, new_party, "other-bytes")
    params = quoted.corrupted(quoted.execute_params(), DeriveCorruption.OTHER_BYTES)
    refuse_execute(rule, quoted, params, detail="signature by the signer over other bytes")


# --------------------------------------------------------------------------- wrong signatures


@pytest.mark.rule("DRV-SIG-OTHER-KEY")
@pytest.mark.parametrize("whose", ["stranger", "maker"])
def test_signature_by_another_key_is_refused(whose, derive, new_party, derive_domain):
    rule = "DRV-SIG-OTHER-KEY"
    quoted = _quote(rule, derive, derive_domain, new_party, "other-key")
    params = quoted.execute_params()
    if whose == "stranger":
        params = quoted.corrupted(params, DeriveCorruption.OTHER_KEY)
    else:  # a real party's key, still naming the taker as signer
        params = {**params, "signature": sig.sign_action(quoted.maker.key, quoted.action_of(params), derive_domain)}
    refuse_execute(rule, quoted, params, detail=f"signed by the {whose}, signer = the taker")


@pytest.mark.rule("DRV-SIG-DOMAIN")
@pytest.mark.parametrize("kind", [DeriveCorruption.OTHER_CHAIN, DeriveCorruption.OTHER_CONTRACT], ids=lambda k: k.value)
def test_signature_under_another_domain_is_refused(kind, derive, new_party, derive_domain):
    rule = "DRV-SIG-DOMAIN"
    quoted = _quote(rule, derive, derive_domain, new_party, "domain")
    refuse_execute(rule, quoted, quoted.corrupted(quoted.execute_params(), kind), detail=kind.value)


@pytest.mark.rule("DRV-SIG-MODULE")
@pytest.mark.parametrize("module", ["other-module", "matching-contract"])
def test_signature_naming_another_module_is_refused(module, derive, new_party, derive_domain):
    rule = "DRV-SIG-MODULE"
    quoted = _quote(rule, derive, derive_domain, new_party, "module")
    params = quoted.execute_params()
    if module == "other-module":
        params = quoted.corrupted(params, DeriveCorruption.OTHER_MODULE)
    else:  # the Matching contract itself in the Action's module field
        action = dataclasses.replace(quoted.action_of(params), module=derive_domain.verifying_contract)
        params = {**params, "signature": sig.sign_action(quoted.taker.key, action, derive_domain)}
    refuse_execute(rule, quoted, params, detail=module)


MALFORMED = {
    "high-s": DeriveCorruption.HIGH_S,
    "64-bytes": DeriveCorruption.SHORT_64,
    "flipped-v": DeriveCorruption.FLIPPED_V,
    "v-0-1": DeriveCorruption.V_ZERO_ONE,
    "66-bytes": DeriveCorruption.LONG_66,
}


@pytest.mark.rule("DRV-SIG-MALFORMED")
@pytest.mark.parametrize("form", list(MALFORMED))
def test_malformed_signature_is_refused(form, derive, new_party, derive_domain):
    rule = "DRV-SIG-MALFORMED"
    quoted = _quote(rule, derive, derive_domain, new_party, "malformed")
    params = quoted.execute_params()
    refuse_execute(rule, quoted, quoted.corrupted(params, MALFORMED[form]), detail=form)


# --------------------------------------------------------------------------- who signs


@pytest.mark.rule("DRV-SIGNER-UNREGISTERED")
@pytest.mark.parametrize("signer", ["stranger", "session-key-of-another-wallet"])
def test_signer_not_owner_nor_session_key_is_refused(signer, derive, new_party, derive_domain):
    rule = "DRV-SIGNER-UNREGISTERED"
    quoted = _quote(rule, derive, derive_domain, new_party, "unregistered")
    if signer == "stranger":
        key = other_key(quoted.taker.key)
    else:  # an admin key registered for the maker's wallet, not the taker's
        key = _need_key(new_session_key(derive, quoted.maker, rule, scope="admin", label="foreign"))
    # a correct signature by `key`, naming it as signer, for the taker's wallet; headers by the owner
    refuse_execute(rule, quoted, quoted.execute_params(key=key), detail=f"signer {signer} {key.evm_address}")


@pytest.mark.rule("DRV-SESSION-KEY-SCOPE")
@pytest.mark.parametrize("use", list(KEY_ROLES))
@pytest.mark.parametrize("scope", ["account", "read_only"])
def test_session_key_below_admin_cannot_execute(scope, use, derive, new_party, derive_domain):
    rule = "DRV-SESSION-KEY-SCOPE"
    quoted = _quote(rule, derive, derive_domain, new_party, "scope")
    key = _need_key(new_session_key(derive, quoted.taker, rule, scope=scope, label="scope"))
    params, party = key_in_role(quoted, key, use)
    refuse_execute(rule, quoted, params, party=party, detail=f"{scope} key, {use}")


# --------------------------------------------------------------------------- expired session key (last: it waits)

KEY_LIFETIME = 3  # seconds: the key expires while the tests above run


@pytest.fixture(scope="module", autouse=True)
def expiring_key(derive, derive_domain, tradeproof_context):
    """At the start of the module: an admin session key that expires in ~3 s, shown to
    work (an execution signed with it is accepted) before it expires."""
    rule = "DRV-SESSION-KEY-EXPIRED"
    try:
        accounts = tradeproof_context.derive_accounts
        owner, maker = accounts.new("expiring-owner"), accounts.new("expiring-maker")
    except NotProvisioned as exc:
        return {"skip": str(exc)}
    try:  # a failed step is that test's finding, not a setup error of every test in the module
        expiring = expiring_session_key(derive, derive_domain, owner, maker, rule, lifetime=KEY_LIFETIME)
    except RuleViolation as exc:
        return {"error": exc}
    if expiring is None:
        return {"skip": "the target does not offer private/register_scoped_session_key"}
    return {"maker": maker, "expiring": expiring}


@pytest.mark.rule("DRV-SESSION-KEY-EXPIRED")
@pytest.mark.parametrize("headers", ["owner-headers", "key-headers"])
def test_expired_session_key_cannot_execute(headers, expiring_key, derive, derive_domain):
    rule = "DRV-SESSION-KEY-EXPIRED"
    if "skip" in expiring_key:
        pytest.skip(expiring_key["skip"])
    if "error" in expiring_key:
        raise expiring_key["error"]
    expiring, maker = expiring_key["expiring"], expiring_key["maker"]
    owner, key, expiry = expiring.owner, expiring.key, expiring.expiry
    expect_accepted(rule, expiring.before_expiry, detail="an execution signed by the admin key before its expiry")
    wait_until_expired(rule, derive, expiring)
    quoted = open_quote(derive, derive_domain, owner, maker, rule)
    party = as_session(owner, key) if headers == "key-headers" else owner
    refuse_execute(rule, quoted, quoted.execute_params(key=key), party=party, detail=f"key expired at {expiry}, {headers}")
