"""The re-signer: what ``before_call`` sends is signed over exactly the sent content, a
body that cannot be encoded goes out unchanged, and negative values stay negative."""

from __future__ import annotations

import copy
import json

import pytest

from tradeproof import fuzzing
from tradeproof.fuzzing import DeriveSigner, O2Signer
from tradeproof.messages import derive as derive_msg
from tradeproof.signing import derive as derive_sig
from tradeproof.signing import o2 as o2_sig
from tradeproof.signing.keys import Key
from tradeproof.target import DeriveTarget, NotProvisioned, O2Target
from tradeproof.target.market import markets_of

ACTIONS = fuzzing.lookup("POST", "/v1/session/actions")
SESSION = fuzzing.lookup("PUT", "/v1/session")
EXECUTE = fuzzing.lookup("POST", "/private/execute_quote")
WRONG_SIGNATURE = {"Secp256k1": "0x" + "11" * 64}


def send(operation, reference, body, headers=None):
    """Send a case with exactly this body (Schemathesis' own ``Case.call``)."""
    case = fuzzing.api_operation(operation).Case(body=copy.deepcopy(body), headers=dict(headers or {}))
    return case.call(base_url=reference)


def sent_json(response):
    return json.loads(response.request.body)


def answered(response):
    return response.status_code, json.loads(response.content)


def resting_buy(o2: O2Target) -> dict:
    """A CreateOrder far below any price, valid on the market's tick and minimum."""
    spec = markets_of(o2.markets_json)[0]
    price = spec.tick * 10
    return {"market_id": spec.market_id, "actions": [
        {"CreateOrder": {"side": "Buy", "price": str(price), "quantity": str(spec.quantity(price)), "order_type": "Spot"}}
    ]}


def actions_body(o2_signer: O2Signer, o2: O2Target, signature=WRONG_SIGNATURE) -> tuple[dict, dict]:
    """A well-formed batch of the pool's trader with a wrong signature, and its header."""
    trader = o2_signer.actions_pool.traders[0]
    trader.refresh()
    body = {
        "actions": [resting_buy(o2)],
        "signature": signature,
        "nonce": str(trader.nonce),
        "trade_account_id": trader.trade_account_id,
        "session_id": {"Address": o2_sig.hex0x(trader.session_key.fuel_address)},
        "collect_orders": True,
    }
    return body, {"O2-Owner-Id": o2_sig.hex0x(trader.owner_b256)}


# --------------------------------------------------------------------------- O2 session actions


def test_a_mutated_batch_is_resigned_over_what_is_sent(o2_signer, o2, reference):
    body, headers = actions_body(o2_signer, o2)
    status, unsigned = answered(send(ACTIONS, reference, body, headers))
    assert unsigned["code"] == 4000, unsigned  # the unsigned body reaches only the signature check

    mutated = copy.deepcopy(body)  # change signed fields, as Schemathesis' mutations do
    order = mutated["actions"][0]["actions"][0]["CreateOrder"]
    order["quantity"] = str(int(order["quantity"]) * 2)
    order["order_type"] = "PostOnly"
    with fuzzing.signing(o2_signer):
        response = send(ACTIONS, reference, mutated, headers)
    status, signed = answered(response)
    assert status == 200 and "tx_id" in signed, signed

    sent = sent_json(response)
    assert sent["actions"] == mutated["actions"]  # the mutation went out as made
    trader = o2_signer.actions_pool.traders[0]
    calls = o2_sig.batch_calls(sent["actions"], o2.context.markets, o2.context.accounts_registry_id)
    digest = o2_sig.actions_digest(int(sent["nonce"]), calls)
    signature = o2_sig.parse_signature(sent["signature"])
    assert o2_sig.session_signer_is(signature, digest, trader.session_key.fuel_address)


def test_the_nonce_follows_the_target(o2_signer, o2, reference):
    """Two accepted batches in a row from one trader: the second carries nonce + 1."""
    body, headers = actions_body(o2_signer, o2)
    body["nonce"] = "0"  # a generated, well-formed nonce: replaced by the current one
    nonces = []
    with fuzzing.signing(o2_signer):
        for _ in range(2):
            response = send(ACTIONS, reference, body, headers)
            assert "tx_id" in answered(response)[1]
            nonces.append(int(sent_json(response)["nonce"]))
    assert nonces[1] == nonces[0] + 1
    assert o2.nonce(o2_signer.actions_pool.traders[0].trade_account_id) == nonces[1] + 1


def test_generated_ids_land_on_real_accounts_and_markets(o2_signer, o2, reference):
    body, _ = actions_body(o2_signer, o2)
    body["trade_account_id"] = "0x" + "ab" * 32
    body["session_id"] = {"ContractId": "0x" + "cd" * 32}
    body["actions"][0]["market_id"] = "0x" + "ef" * 32
    with fuzzing.signing(o2_signer):
        response = send(ACTIONS, reference, body, {"O2-Owner-Id": "0x" + "12" * 32})
    sent = sent_json(response)
    trader = o2_signer.actions_pool.traders[0]
    assert sent["trade_account_id"] == trader.trade_account_id
    assert sent["session_id"] == {"Address": o2_sig.hex0x(trader.session_key.fuel_address)}
    assert sent["actions"][0]["market_id"] in {o2_sig.hex0x(m) for m in o2.context.markets}
    assert response.request.headers["O2-Owner-Id"] == o2_sig.hex0x(trader.owner_b256)
    assert "tx_id" in answered(response)[1]


def test_an_unencodable_body_is_sent_unchanged(o2_signer, o2, reference):
    body, headers = actions_body(o2_signer, o2)
    body["actions"][0]["actions"][0]["CreateOrder"]["price"] = "1.5"  # no u64: cannot be signed
    with fuzzing.signing(o2_signer):
        response = send(ACTIONS, reference, body, headers)
    assert sent_json(response) == body  # signature and all, byte for byte the generated body
    assert answered(response)[1]["code"] in (1001, 1002)


def test_a_malformed_value_is_not_repaired(o2_signer, o2, reference):
    body, headers = actions_body(o2_signer, o2)
    body["trade_account_id"] = "0x1234"  # Schemathesis' negative value: must reach the target
    body["nonce"] = "-1"
    with fuzzing.signing(o2_signer):
        sent = sent_json(send(ACTIONS, reference, body, headers))
    assert sent["trade_account_id"] == "0x1234" and sent["nonce"] == "-1"
    assert sent["signature"] == WRONG_SIGNATURE


def test_a_body_that_is_not_json_is_sent_byte_for_byte(o2_signer, reference):
    raw = b'{"actions": [\xff'
    case = fuzzing.api_operation(ACTIONS).Case(body=raw, headers={"O2-Owner-Id": "0x" + "12" * 32})
    with fuzzing.signing(o2_signer):
        response = case.call(base_url=reference)
    assert response.request.body == raw
    assert answered(response)[1]["code"] == 1002


def test_a_session_update_is_signed_by_the_owner(o2_signer, o2, reference):
    owner = o2_signer.session_pool.traders[0]
    owner.refresh()
    body = {
        "contract_id": "0x" + "aa" * 32,  # generated values, all well-formed
        "session_id": {"Address": o2_sig.hex0x(Key.derive("fuzzing-tests", "new-session").fuel_address)},
        "signature": WRONG_SIGNATURE,
        "contract_ids": ["0x" + "bb" * 32],
        "nonce": "7",
        "expiry": str(2**40),
    }
    headers = {"O2-Owner-Id": "0x" + "cc" * 32}
    assert answered(send(SESSION, reference, body, headers))[1]["code"] in (4000, 4002, 1001)
    with fuzzing.signing(o2_signer):
        response = send(SESSION, reference, body, headers)
    assert "tx_id" in answered(response)[1], answered(response)
    sent = sent_json(response)
    assert sent["contract_id"] == owner.trade_account_id
    assert sent["contract_ids"][0] in {o2_sig.hex0x(m.contract_id) for m in o2.context.markets.values()}


# --------------------------------------------------------------------------- Derive


def execute_body(signer: DeriveSigner, derive: DeriveTarget, key: Key) -> dict:
    quote = signer.quote_for("any")
    taker = signer.party("taker")
    return derive_msg.execute_params(
        derive_sig.V2_TESTNET, key, owner=taker.wallet, subaccount_id=taker.subaccount_id,
        rfq_id=quote.rfq_id, quote_id=quote.quote_id, direction=derive_sig.opposite(quote.direction),
        legs=quote.legs, max_fee="1000", nonce=derive_msg.new_nonce(),
        expiry=derive.server_time_ms() // 1000 + 600, instruments=derive.instrument_refs,
    )


def call_rpc(operation, reference, body):
    response = send(operation, reference, body, {"X-LyraWallet": "0x" + "00" * 20, "X-LyraTimestamp": "1",
                                                 "X-LyraSignature": "0x"})
    return response, json.loads(response.content)


def test_an_execution_is_resigned_and_authenticated(derive_signer, derive, reference):
    body = execute_body(derive_signer, derive, Key.derive("fuzzing-tests", "stranger"))
    _, unsigned = call_rpc(EXECUTE, reference, body)
    assert unsigned["error"]["code"] == 14014, unsigned  # bad headers and a stranger's signature

    body["max_fee"] = "999"  # a mutated signed field
    with fuzzing.signing(derive_signer):
        response, signed = call_rpc(EXECUTE, reference, body)
    assert "result" in signed, signed
    sent = sent_json(response)
    taker = derive_signer.party("taker")
    assert sent["max_fee"] == "999" and sent["signer"] == taker.key.evm_address
    data = derive_sig.execute_module_data(sent["direction"], sent["max_fee"], derive_msg.signing_legs(sent["legs"], derive.instrument_refs))
    action = derive_sig.Action(sent["subaccount_id"], sent["nonce"], derive_sig.V2_TESTNET.rfq_module, data,
                               sent["signature_expiry_sec"], taker.wallet, sent["signer"])
    assert derive_sig.recover_action_signer(sent["signature"], action, derive_sig.V2_TESTNET) == taker.key.evm_address


def test_an_executed_quote_leaves_the_pool(derive_signer, derive, reference):
    body = execute_body(derive_signer, derive, derive_signer.party("taker").key)
    first = derive_signer.quote_for("any")
    with fuzzing.signing(derive_signer):
        _, answer = call_rpc(EXECUTE, reference, body)
    assert "result" in answer, answer
    assert derive_signer.quote_for("any") is not first


@pytest.mark.parametrize("field, value", [("legs", "not a list"), ("nonce", "5"), ("direction", "up")])
def test_unencodable_params_keep_their_signature(derive_signer, derive, reference, field, value):
    body = execute_body(derive_signer, derive, derive_signer.party("taker").key)
    body[field] = value
    before = body["signature"]
    with fuzzing.signing(derive_signer):
        response, answer = call_rpc(EXECUTE, reference, body)
    assert sent_json(response)["signature"] == before
    assert answer["error"]["code"] == -32602, answer


def test_a_pool_shrinks_to_the_accounts_there_are(o2, o2_accounts):
    """Without the harness only configured accounts exist: the pool uses those it got."""
    made = []

    def new_trader(label, **kwargs):
        if made:
            raise NotProvisioned("no configured O2 account left")
        made.append(o2_accounts.new(label, **kwargs))
        return made[-1]

    signer = O2Signer(o2, new_trader, pool_size=3, session_pool_size=1)
    assert [signer.actions_pool.next() for _ in range(3)] == made * 3
    with pytest.raises(NotProvisioned):
        signer.session_pool.next()  # none at all: the operation's test is skipped
