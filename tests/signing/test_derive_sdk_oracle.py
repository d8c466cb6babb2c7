"""tradeproof's Derive signing agrees with ``derive-action-signing`` (0.0.13) and eth-account.

For random RFQ quotes (1–4 legs, random directions, ≤ 12-digit decimals, random fees,
subaccounts, nonces, expiries, domains and signer keys):

* maker and taker module data equal ``RFQQuoteModuleData`` / ``RFQExecuteModuleData``
  ``.to_abi_encoded()`` byte for byte, whatever order the legs are given in;
* the Action digest equals ``SignedAction._to_typed_data_hash()`` and the signature
  equals ``SignedAction.sign()``;
* the digest and signature also equal eth-account's own EIP-712 implementation
  (``encode_typed_data`` over the typed structure), an oracle independent of both;
* the auth header signature equals eth-account's EIP-191 ``encode_defunct(text=…)``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from decimal import Decimal

from derive_action_signing import (
    RFQExecuteModuleData,
    RFQQuoteDetails,
    RFQQuoteModuleData,
    SignedAction,
    decimal_to_big_int,
)
from derive_action_signing.module_data import ModuleData
from eth_account import Account
from eth_account.messages import SignableMessage, encode_defunct, encode_typed_data
from eth_hash.auto import keccak
from hypothesis import given, settings
from hypothesis import strategies as st
from signing_strategies import SignedQuote, addresses, keys, signed_quotes

from tradeproof.signing import derive
from tradeproof.signing.keys import Key

ORACLE = settings(max_examples=200, deadline=None)


def sdk_legs(legs: Sequence[derive.Leg]) -> list[RFQQuoteDetails]:
    """The SDK does not sort: hand it the legs already sorted by instrument name."""
    return [
        RFQQuoteDetails(
            instrument_name=leg.instrument_name,
            direction=leg.direction,
            asset_address=leg.asset,
            sub_id=leg.sub_id,
            price=leg.price,
            amount=leg.amount,
        )
        for leg in sorted(legs, key=lambda leg: leg.instrument_name)
    ]


def sdk_signed_action(quote: SignedQuote, module_data: ModuleData) -> SignedAction:
    return SignedAction(
        subaccount_id=quote.subaccount_id,
        owner=quote.owner,
        signer=quote.key.evm_address,
        signature_expiry_sec=quote.expiry,
        nonce=quote.nonce,
        module_address=quote.domain.rfq_module,
        module_data=module_data,
        DOMAIN_SEPARATOR="0x" + quote.domain.separator.hex(),
        ACTION_TYPEHASH="0x" + derive.ACTION_TYPEHASH.hex(),
    )


def eth_account_message(action: derive.Action, domain: derive.Domain) -> SignableMessage:
    """The EIP-712 message built from the typed structure, not from our hashes."""
    return encode_typed_data(
        full_message={
            "types": {
                "EIP712Domain": [
                    {"name": "name", "type": "string"},
                    {"name": "version", "type": "string"},
                    {"name": "chainId", "type": "uint256"},
                    {"name": "verifyingContract", "type": "address"},
                ],
                "Action": [
                    {"name": "subaccountId", "type": "uint256"},
                    {"name": "nonce", "type": "uint256"},
                    {"name": "module", "type": "address"},
                    {"name": "data", "type": "bytes"},
                    {"name": "expiry", "type": "uint256"},
                    {"name": "owner", "type": "address"},
                    {"name": "signer", "type": "address"},
                ],
            },
            "primaryType": "Action",
            "domain": {
                "name": "Matching",
                "version": "1.0",
                "chainId": domain.chain_id,
                "verifyingContract": domain.verifying_contract,
            },
            "message": {
                "subaccountId": action.subaccount_id,
                "nonce": action.nonce,
                "module": action.module,
                "data": action.data,
                "expiry": action.expiry,
                "owner": action.owner,
                "signer": action.signer,
            },
        }
    )


@ORACLE
@given(signed_quotes, st.randoms(use_true_random=False))
def test_quote_module_data_matches_sdk(quote: SignedQuote, rnd: random.Random) -> None:
    ours = derive.quote_module_data(quote.direction, str(quote.max_fee), quote.legs)
    sdk = RFQQuoteModuleData(
        global_direction=quote.direction, max_fee=quote.max_fee, legs=sdk_legs(quote.legs)
    ).to_abi_encoded()
    assert ours.hex() == sdk.hex()
    shuffled = list(quote.legs)
    rnd.shuffle(shuffled)
    assert derive.quote_module_data(quote.direction, str(quote.max_fee), shuffled) == ours


@ORACLE
@given(signed_quotes, st.randoms(use_true_random=False))
def test_execute_module_data_matches_sdk(quote: SignedQuote, rnd: random.Random) -> None:
    taker_direction = quote.direction  # the execute request's own direction
    ours = derive.execute_module_data(taker_direction, str(quote.max_fee), quote.legs)
    sdk_data = RFQExecuteModuleData(
        global_direction=taker_direction, max_fee=quote.max_fee, legs=sdk_legs(quote.legs)
    )
    assert ours.hex() == sdk_data.to_abi_encoded().hex()
    maker_direction = derive.opposite(taker_direction)
    assert derive.encoded_legs(maker_direction, quote.legs) == sdk_data._encoded_legs()
    shuffled = list(quote.legs)
    rnd.shuffle(shuffled)
    assert derive.execute_module_data(taker_direction, str(quote.max_fee), shuffled) == ours


@ORACLE
@given(signed_quotes, st.booleans())
def test_action_digest_and_signature_match_sdk_and_eth_account(
    quote: SignedQuote, is_execute: bool
) -> None:
    cls = RFQExecuteModuleData if is_execute else RFQQuoteModuleData
    module_data = cls(
        global_direction=quote.direction, max_fee=quote.max_fee, legs=sdk_legs(quote.legs)
    )
    encode = derive.execute_module_data if is_execute else derive.quote_module_data
    action = quote.action(encode(quote.direction, str(quote.max_fee), quote.legs))
    digest = action.digest(quote.domain)
    ours = derive.sign_action(quote.key, action, quote.domain)

    sdk = sdk_signed_action(quote, module_data)
    assert digest.hex() == bytes(sdk._to_typed_data_hash()).hex()
    assert ours.removeprefix("0x") == sdk.sign("0x" + quote.key.secret.hex()).removeprefix("0x")

    message = eth_account_message(action, quote.domain)
    assert message.header == quote.domain.separator
    assert message.body == action.struct_hash()
    assert keccak(b"\x19" + message.version + message.header + message.body) == digest
    signed = Account.sign_message(message, private_key=quote.key.secret)
    assert ours == "0x" + bytes(signed.signature).hex()


@ORACLE
@given(keys, st.integers(0, 10**15), addresses)
def test_auth_header_matches_eth_account(key: Key, timestamp_ms: int, wallet: str) -> None:
    headers = derive.auth_headers(key, wallet, timestamp_ms)
    assert headers["X-LyraWallet"] == wallet
    assert headers["X-LyraTimestamp"] == str(timestamp_ms)
    expected = Account.sign_message(encode_defunct(text=str(timestamp_ms)), private_key=key.secret)
    assert headers["X-LyraSignature"] == "0x" + bytes(expected.signature).hex()


@ORACLE
@given(st.integers(0, 10**26), st.integers(0, 20))
def test_decimal_scaling_matches_sdk(units: int, places: int) -> None:
    """1e18 scaling truncates like the SDK, also past the 12 digits the exchange keeps."""
    value = Decimal(units).scaleb(-places)
    assert derive.to_e18(str(value)) == decimal_to_big_int(value)
