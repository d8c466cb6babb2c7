"""``mutations``: every invalid value fails validation exactly at its labelled path, with
exactly its labelled rule; the labels come from one table of existing rule ids."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradeproof import rules, schemas
from tradeproof.signing import derive as dsig
from tradeproof.signing import o2 as osig
from tradeproof.signing.corrupt import DeriveCorruption, O2Corruption
from tradeproof.signing.keys import Key
from tradeproof.strategies import Edit, o2_batches, serial
from tradeproof.strategies.from_schema import from_schema
from tradeproof.strategies.mutations import (
    COMPANIONS,
    DERIVE_SIGNATURE_RULES,
    LABELS,
    O2_SIGNATURE_RULES,
    SESSION_SIGNATURE_RULES,
    Labelled,
    SignatureFault,
    apply,
    mutations,
    rule_for,
    rules_of,
    sites,
    violations,
)

CHECK = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
SEEDS = Path(__file__).resolve().parents[1] / "vectors" / "seed_examples"
ID = "0x" + "ab" * 32


def body() -> dict:
    """A valid session-actions body touching every action type and both object order types."""
    create = {"side": "Buy", "price": "1000000000", "quantity": "5000000000"}
    return {
        "actions": [
            {"market_id": ID, "actions": [
                {"CreateOrder": {**create, "order_type": {"Limit": ["1000000000", "1734876543210"]}}},
                {"CancelOrder": {"order_id": ID}},
                {"SettleBalance": {"to": {"ContractId": ID}}},
            ]},
            {"market_id": ID, "actions": [
                {"CreateOrder": {**create, "order_type": {"BoundedMarket": {"max_price": "2", "min_price": "1"}}}},
                {"RegisterReferer": {"referer": {"Address": ID}}},
            ]},
        ],
        "signature": {"Secp256k1": "0x" + "11" * 64},
        "nonce": "7",
        "trade_account_id": ID,
        "session_id": {"Address": ID},
        "collect_orders": True,
    }


def seed_execute_params() -> dict:
    return json.loads((SEEDS / "derive_execute_quote_params.json").read_text())


# --------------------------------------------------------------------------- the table


def test_labels_are_existing_rule_ids():
    table = [r for *_, r in LABELS if r is not None]
    table += [*O2_SIGNATURE_RULES.values(), *SESSION_SIGNATURE_RULES.values(), *DERIVE_SIGNATURE_RULES.values(), *COMPANIONS]
    assert set(table) <= rules.ids()
    for rule_id in O2_SIGNATURE_RULES.values():
        assert rules.get(rule_id).protocol.value == "o2"
    for rule_id in DERIVE_SIGNATURE_RULES.values():
        assert rules.get(rule_id).protocol.value == "derive"


@pytest.mark.parametrize(
    ("schema", "file", "keyword", "rule_id"),
    [
        ("o2/session_actions_request", "common/u64", "pattern", "O2-NUMBER-FORMAT"),
        ("o2/session_actions_request", "common/u64", "type", "O2-NUMBER-FORMAT"),
        ("o2/session_request", "common/b256", "pattern", "O2-ID-FORMAT"),
        ("o2/session_actions_request", "o2/action", "oneOf", "O2-UNKNOWN-ACTION"),
        ("o2/session_actions_request", "o2/order_type", "oneOf", "O2-UNKNOWN-ORDER-TYPE"),
        ("o2/session_actions_request", "o2/order_type", "required", "O2-UNKNOWN-ORDER-TYPE"),
        ("o2/session_actions_request", "o2/create_order", "required", "O2-MISSING-FIELD"),
        ("o2/session_actions_request", "o2/session_actions_request", "maxItems", "O2-BATCH-MAX-MARKETS"),
        ("o2/session_actions_request", "o2/session_actions_request", "minItems", "O2-BATCH-NONEMPTY"),
        ("o2/session_actions_request", "o2/market_actions", "maxItems", "O2-BATCH-MAX-ACTIONS"),
        ("derive/execute_quote_params", "common/decimal", "pattern", "DRV-PARAMS-SCHEMA"),
        ("derive/send_quote_params", "derive/leg", "additionalProperties", "DRV-PARAMS-SCHEMA"),
        # ambiguous or not a rule of TARGET.md: never generated
        ("o2/session_actions_request", "common/identity", "oneOf", None),
        ("o2/session_actions_request", "common/signature", "pattern", None),
        ("o2/session_actions_request", "o2/session_actions_request", "additionalProperties", None),
        ("o2/session_actions_request", "o2/create_order", "enum", None),
        ("o2/session_actions_request", "o2/order_type", "additionalProperties", None),
        ("o2/session_actions_request", "o2/market_actions", "minItems", None),
        ("o2/session_request", "o2/session_request", "minItems", None),
    ],
)
def test_rule_for(schema, file, keyword, rule_id):
    assert rule_for(schema, file, keyword) == rule_id


def test_the_flavours_rule_lists_match_the_schemas():
    from tradeproof.strategies.flavours import LABELLED

    for schema, listed in LABELLED.items():
        assert rules_of(schema) == listed, schema


def test_rules_of_a_schema():
    assert set(rules_of("o2/order_type")) == {"O2-NUMBER-FORMAT", "O2-UNKNOWN-ORDER-TYPE"}
    assert rules_of("derive/execute_quote_params") == ("DRV-PARAMS-SCHEMA",)
    assert "O2-BATCH-MAX-MARKETS" in rules_of("o2/session_actions_request")
    assert "O2-BATCH-MAX-MARKETS" not in rules_of("o2/market_actions")


# --------------------------------------------------------------------------- locating errors


@pytest.mark.parametrize(
    ("path", "value", "where"),
    [
        (("actions", 0, "actions", 0, "CreateOrder", "price"), "1e3", ("common/u64", "pattern")),
        (("actions", 0, "actions", 0, "CreateOrder", "order_type", "Limit"), ["1"], ("o2/order_type", "minItems")),
        (("actions", 0, "actions", 2, "SettleBalance", "to", "ContractId"), "0x12", ("common/b256", "pattern")),
        (("actions", 1, "actions", 0, "CreateOrder", "order_type"), "Fok", ("o2/order_type", "oneOf")),
        (("nonce",), 7, ("common/u64", "type")),
    ],
)
def test_violations_name_the_file_keyword_and_place(path, value, where):
    broken = Edit(path, value).apply(body())
    [found] = violations("o2/session_actions_request", broken)
    assert (found.file, found.keyword) == where
    assert found.path == path


def test_an_unknown_action_is_reported_at_the_action():
    broken = Edit(("actions", 1, "actions", 1, "RegisterReferer"), rename="Withdraw").apply(body())
    [found] = violations("o2/session_actions_request", broken)
    assert (found.path, found.file, found.keyword, found.rule_id) == (("actions", 1, "actions", 1), "o2/action", "oneOf", "O2-UNKNOWN-ACTION")


# --------------------------------------------------------------------------- every site, every edit


@pytest.mark.parametrize(
    ("schema", "instance"),
    [
        ("o2/session_actions_request", body()),
        ("derive/execute_quote_params", seed_execute_params()),
        ("o2/order_type", "Spot"),
        ("o2/order_type", {"Limit": ["5", "6"]}),
    ],
)
def test_every_edit_of_every_site_is_labelled_right(schema, instance):
    assert schemas.is_valid(schema, instance)
    found = sites(schema, instance)
    assert found
    for site in found:
        for edit, what in site.edits:
            case = Labelled(apply(edit, instance), site.rule_id, site.path, what, schema, edit)
            assert case.still_violates(), (site, what, case.violations())


def test_the_o2_body_reaches_every_o2_rule():
    assert {s.rule_id for s in sites("o2/session_actions_request", body())} == set(rules_of("o2/session_actions_request"))


STRUCTURAL = {
    "o2/session_actions_request": o2_batches("structural"),
    "o2/session_request": from_schema("o2/session_request"),
    "o2/order_type": from_schema("o2/order_type"),
    "o2/account_create_request": from_schema("o2/account_create_request"),
    "derive/execute_quote_params": from_schema("derive/execute_quote_params"),
    "derive/send_quote_params": from_schema("derive/send_quote_params"),
    "derive/send_rfq_params": from_schema("derive/send_rfq_params"),
}


@pytest.mark.parametrize("schema", sorted(STRUCTURAL))
def test_mutations_of_any_valid_instance_fail_exactly_at_their_label(schema):
    @CHECK
    @given(st.data())
    def check(data):
        instance = data.draw(STRUCTURAL[schema], "valid")
        if not sites(schema, instance):
            return
        case = data.draw(mutations(instance, schema), "case")
        assert case.rule_id in rules.ids()
        found = violations(schema, case.instance)
        assert found, "a mutation must be invalid"
        assert any(v.path == case.path and v.rule_id == case.rule_id for v in found)
        assert case.still_violates(), found

    check()


# --------------------------------------------------------------------------- the label re-check


def test_still_violates_is_false_when_the_break_is_gone_or_not_alone():
    valid = body()
    edit = Edit(("nonce",), "1e3")
    case = Labelled(apply(edit, valid), "O2-NUMBER-FORMAT", ("nonce",), "exponent", "o2/session_actions_request", edit)
    assert case.still_violates()
    assert not case.finish({**valid, "nonce": "7", "extra": 1}).still_violates()  # an unlabelled second error
    assert not Labelled(valid, case.rule_id, case.path, "", case.schema, edit).still_violates()  # nothing broken
    second = Edit(("trade_account_id",), "0x12").apply(case.instance)
    assert not Labelled(second, case.rule_id, case.path, "", case.schema, edit).still_violates()  # two rules
    wrong_label = Labelled(case.instance, "O2-ID-FORMAT", case.path, "", case.schema, edit)
    assert not wrong_label.still_violates()


def test_max_markets_adds_empty_groups_and_stays_one_rule():
    [site] = [s for s in sites("o2/session_actions_request", body()) if s.rule_id == "O2-BATCH-MAX-MARKETS"]
    edit, _ = site.edits[0]
    grown = apply(edit, body())
    assert len(grown["actions"]) == 6 and grown["actions"][-1]["actions"] == []
    assert schemas.batch_total_violation(grown) is None
    assert Labelled(grown, site.rule_id, site.path, "", "o2/session_actions_request", edit).still_violates()


def test_mutations_can_be_restricted_to_rules():
    @CHECK
    @given(mutations(body(), "o2/session_actions_request", rules=["O2-ID-FORMAT"]))
    def check(case):
        assert case.rule_id == "O2-ID-FORMAT"

    check()
    with pytest.raises(ValueError, match="nothing"):
        mutations("Spot", "o2/order_type", rules=["O2-ID-FORMAT"])


def test_retyping_a_value_is_its_own_kind_of_type_break():
    params = seed_execute_params()
    retyped = {s.path: s for s in sites("derive/execute_quote_params", params) if s.kind == "retyped"}
    # integers as digit strings, decimal strings as numbers; ids and addresses have no retyping
    assert {("nonce",), ("subaccount_id",), ("signature_expiry_sec",), ("max_fee",)} <= set(retyped)
    assert ("signer",) not in retyped
    [(edit, _)] = retyped[("nonce",)].edits
    assert edit.value == str(params["nonce"])
    assert Labelled(apply(edit, params), "DRV-PARAMS-SCHEMA", ("nonce",), "", "derive/execute_quote_params",
                    edit).still_violates()
    others = [s for s in sites("derive/execute_quote_params", params) if s.path == ("nonce",) and s.kind == "type"]
    assert others and str(params["nonce"]) not in [e.value for e, _ in others[0].edits]


def test_labelled_cases_survive_a_replay_file():
    @CHECK
    @given(mutations(seed_execute_params(), "derive/execute_quote_params"))
    def check(case):
        back = serial.load(json.loads(json.dumps(serial.dump(case))))
        assert back == case and back.still_violates()

    check()


# --------------------------------------------------------------------------- signature faults

KEY = Key.derive("tradeproof-tests", "signer")


@pytest.mark.parametrize("kind", list(O2_SIGNATURE_RULES))
def test_o2_faults_never_verify(kind):
    digest = bytes(range(32))
    fault = SignatureFault(kind, O2_SIGNATURE_RULES[kind])
    bad = fault.o2_signature(KEY, digest)
    assert bad != osig.compact_sign(KEY, digest)
    assert not osig.session_signer_is(bad, digest, KEY.fuel_address)


@pytest.mark.parametrize("kind", list(SESSION_SIGNATURE_RULES))
def test_session_faults_are_not_the_owners_signature(kind):
    message = b"session message"
    bad = SignatureFault(kind, SESSION_SIGNATURE_RULES[kind]).session_signature(KEY, message)
    assert not osig.owner_signer_is(bad, message, osig.owner_b256(KEY, False))
    with pytest.raises(ValueError):
        SignatureFault(O2Corruption.HIGH_S, "O2-SESSION-OWNER-SIG").session_signature(KEY, message)


@pytest.mark.parametrize("kind", list(DERIVE_SIGNATURE_RULES))
def test_derive_faults_are_not_the_right_signature(kind):
    action = dsig.Action(7, 1, dsig.V2_TESTNET.rfq_module, b"data", 2_000_000_000, KEY.evm_address, KEY.evm_address)
    bad = SignatureFault(kind, DERIVE_SIGNATURE_RULES[kind]).derive_signature(KEY, action, dsig.V2_TESTNET)
    assert bad != dsig.sign_action(KEY, action, dsig.V2_TESTNET)
    if kind is not DeriveCorruption.HIGH_S:  # high-s recovers the signer on a lax ecrecover
        assert dsig.recover_action_signer(bad, action, dsig.V2_TESTNET) != KEY.evm_address
