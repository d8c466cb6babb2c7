"""The reference accepts the byte-exact RFQ vectors of ``protocol/derive.md`` §1.9(c).

Those signatures were derived independently (and cross-checked against eth-account);
here they are replayed verbatim, with the public Anvil development keys, against an
exchange configured like the vector: options on asset ``0x4BB4…`` priced C=100, P=50,
maker subaccount 1001 (owner = signer = Anvil #0), taker subaccount 1002 owned by
Anvil #2 and executed through its admin session key Anvil #1, v2 testnet domain.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradeproof.messages import derive as msg
from tradeproof.reference.derive import DeriveExchange, RpcError
from tradeproof.reference.derive.instruments import EXPIRY_2027_06_25, option
from tradeproof.signing.keys import Key

ANVIL = {  # the well-known Anvil/Hardhat development keys (public test vectors)
    0: "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    1: "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    2: "5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
}
ASSET = "0x4BB4C3CDc7562f08e9910A0C7D8bB7e108861eB4"
QUOTE_SIGNATURE = (
    "0x9a142ed404a27908b19625d4b951d97226d4bed0f68f3f09026238e86ef1dc90"
    "67ebf79023bc5b84ff8334b57e38db880a2f148ded3e464eaebe3c87685c7d8c1c"
)
EXECUTE_SIGNATURE = (
    "0x9e4810b56d50658b80f8e9097c45acf8a6250d0e25ba3313275750749e4cd5dd"
    "697c6e5d61f225f369feed6f7725395a571c89c8ecbfc29ae3d8e5b7eabea9c91c"
)
LEGS_HASH = "0xb7f61e994b24aadb68fafd05d6bcbb90621ade29fdc520f650eac5719768d8c4"
LEGS = [
    {"instrument_name": "ETH-20270625-6000-C", "direction": "buy", "price": "100", "amount": "2"},
    {"instrument_name": "ETH-20270625-6000-P", "direction": "sell", "price": "50", "amount": "1"},
]


def test_protocol_vector_quote_and_execute_are_accepted() -> None:
    now = 1695836058.725
    instruments = [
        option("ETH", ASSET, EXPIRY_2027_06_25, "6000", "C", mark="100", index="3000"),
        option("ETH", ASSET, EXPIRY_2027_06_25, "6000", "P", mark="50", index="3000"),
    ]
    exchange = DeriveExchange(clock=lambda: now, instruments=instruments)
    maker, session, owner = (Key.from_secret(bytes.fromhex(ANVIL[i])) for i in range(3))
    assert maker.evm_address == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    assert owner.evm_address == "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
    assert exchange.fund(maker.evm_address, "100000") == 1001
    assert exchange.fund(owner.evm_address, "100000") == 1002
    def headers(key, wallet):
        return msg.auth_headers(key, wallet, int(now * 1000))
    exchange.call(
        "private/register_scoped_session_key",
        {
            "wallet": owner.evm_address,
            "public_session_key": session.evm_address,
            "expiry_sec": 1893456000,
            "scope": "admin",
        },
        headers(owner, owner.evm_address),
    )
    rfq_legs = [
        {"instrument_name": "ETH-20270625-6000-P", "direction": "sell", "amount": "1"},
        {"instrument_name": "ETH-20270625-6000-C", "direction": "buy", "amount": "2"},
    ]
    rfq = exchange.call(
        "private/send_rfq",
        {"subaccount_id": 1002, "legs": rfq_legs},
        headers(owner, owner.evm_address),
    )
    quote = exchange.call(
        "private/send_quote",
        {
            "subaccount_id": 1001,
            "rfq_id": rfq["rfq_id"],
            "direction": "sell",
            "legs": LEGS,
            "max_fee": "10",
            "nonce": 1695836058725001,
            "signer": maker.evm_address,
            "signature_expiry_sec": 1893456000,
            "signature": QUOTE_SIGNATURE,
        },
        headers(maker, maker.evm_address),
    )
    assert quote["legs_hash"] == LEGS_HASH
    result = exchange.call(
        "private/execute_quote",
        {
            "subaccount_id": 1002,
            "rfq_id": rfq["rfq_id"],
            "quote_id": quote["quote_id"],
            "direction": "buy",
            "max_fee": "12.5",
            "nonce": 1695836058725002,
            "signer": session.evm_address,
            "signature_expiry_sec": 1893456000,
            "signature": EXECUTE_SIGNATURE,
            "legs": LEGS,
            "label": "",
        },
        headers(session, owner.evm_address),
    )
    assert result["status"] == "filled" and result["legs_hash"] == LEGS_HASH
    # taker buys 2 C at 100 and sells 1 P at 50: pays 150 net, plus 0.0003·3000·3 = 2.7 fee
    view = exchange.subaccount_view(1002)
    assert Decimal(view["collaterals"][0]["amount"]) == Decimal(100000) - 150 - Decimal("2.7")
    assert {p["instrument_name"]: p["amount"] for p in view["positions"]} == {
        "ETH-20270625-6000-C": "2",
        "ETH-20270625-6000-P": "-1",
    }


@pytest.mark.parametrize("flip", range(2, 130, 16))
def test_protocol_vector_with_one_bit_flipped_is_refused(flip: int) -> None:
    """Any single bit flipped in the vector's quote signature is refused (14014)."""
    now = 1695836058.725
    instruments = [
        option("ETH", ASSET, EXPIRY_2027_06_25, "6000", k, mark=m, index="3000")
        for k, m in (("C", "100"), ("P", "50"))
    ]
    exchange = DeriveExchange(clock=lambda: now, instruments=instruments)
    maker, owner = (
        Key.from_secret(bytes.fromhex(ANVIL[0])),
        Key.from_secret(bytes.fromhex(ANVIL[2])),
    )
    exchange.fund(maker.evm_address, "100000"), exchange.fund(owner.evm_address, "100000")
    rfq = exchange.call(
        "private/send_rfq",
        {
            "subaccount_id": 1002,
            "legs": [{k: v for k, v in l.items() if k != "price"} for l in LEGS],
        },
        msg.auth_headers(owner, owner.evm_address, 1),
    )
    raw = bytearray(bytes.fromhex(QUOTE_SIGNATURE[2:]))
    raw[flip // 8] ^= 1 << (flip % 8)
    with pytest.raises(RpcError) as info:
        exchange.call(
            "private/send_quote",
            {
                "subaccount_id": 1001,
                "rfq_id": rfq["rfq_id"],
                "direction": "sell",
                "legs": LEGS,
                "max_fee": "10",
                "nonce": 1695836058725001,
                "signer": maker.evm_address,
                "signature_expiry_sec": 1893456000,
                "signature": "0x" + raw.hex(),
            },
            msg.auth_headers(maker, maker.evm_address, 1),
        )
    assert info.value.code == 14014
