"""Signing throughput of tradeproof against the official SDKs, measured in the same run.

    python benchmarks/signing.py [--seconds N]

Each row times one complete operation from wire-form inputs, on both sides, for about
``--seconds`` (default 1.5): O2 signs a fixed 5-action batch (encode calls, sha256,
64-byte compact signature) vs ``o2-sdk`` (``action_to_call`` + ``build_actions_signing_bytes``
+ ``raw_sign``); Derive signs a 2-leg RFQ quote (module data, EIP-712 digest, 65-byte
signature) vs ``derive-action-signing`` (``SignedAction(...).sign()``). Verification rows
rebuild the digest from the same inputs and recover the signer, as a server would.
Before timing, each pair is checked to produce identical output, so the ratio compares
the same work. Needs the test extra (``pip install -e '.[test]'``).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from decimal import Decimal

from derive_action_signing import RFQQuoteDetails, RFQQuoteModuleData, SignedAction
from o2_sdk import crypto as sdk_crypto
from o2_sdk import encoding as sdk_encoding

from tradeproof.signing import derive, o2
from tradeproof.signing.keys import Key

# --------------------------------------------------------------------------- fixed inputs

SESSION = Key.derive("tradeproof-benchmark", "session")
MAKER = Key.derive("tradeproof-benchmark", "maker")
NONCE = 42

REGISTRY = "0x" + "44" * 32
MARKETS = [
    {
        "market_id": "0x" + "11" * 32,
        "contract_id": "0x" + "ab" * 32,
        "base": {"asset": "0x" + "33" * 32, "decimals": 9},
        "quote": {"asset": "0x" + "22" * 32, "decimals": 6},
    },
    {
        "market_id": "0x" + "12" * 32,
        "contract_id": "0x" + "ac" * 32,
        "base": {"asset": "0x" + "35" * 32, "decimals": 18},
        "quote": {"asset": "0x" + "22" * 32, "decimals": 6},
    },
]
GROUPS = [
    {
        "market_id": MARKETS[0]["market_id"],
        "actions": [
            {"CancelOrder": {"order_id": "0x" + "ff" * 32}},
            {"CreateOrder": {"side": "Buy", "price": "3000000000000", "quantity": "400000",
                             "order_type": {"Limit": ["3000000000000", "1737504000"]}}},
            {"CreateOrder": {"side": "Sell", "price": "3100000000000", "quantity": "250000",
                             "order_type": "PostOnly"}},
        ],
    },
    {
        "market_id": MARKETS[1]["market_id"],
        "actions": [
            {"CreateOrder": {"side": "Buy", "price": "1500000", "quantity": "2000000000000000000",
                             "order_type": {"BoundedMarket": {"max_price": "1600000",
                                                              "min_price": "1"}}}},
            {"SettleBalance": {"to": {"ContractId": "0x" + "cd" * 32}}},
        ],
    },
]
MARKET_REFS = {ref.market_id: ref for ref in map(o2.MarketRef.from_json, MARKETS)}
REGISTRY_ID = o2.parse_b256(REGISTRY)
SDK_MARKET_INFO = {m["market_id"]: {**m, "accounts_registry_id": REGISTRY} for m in MARKETS}

ASSET = "0x4BB4C3CDc7562f08e9910A0C7D8bB7e108861eB4"
LEGS = [  # (instrument, direction, price, amount, sub_id), already sorted by name
    ("ETH-20270625-6000-C", "buy", "100", "2", 39614083834112546398585885568),
    ("ETH-20270625-6000-P", "sell", "50", "1", 2576980377601813910400),
]
DOMAIN = derive.V2_MAINNET
QUOTE = {"direction": "sell", "max_fee": "10", "subaccount_id": 1001,
         "nonce": 1695836058725001, "expiry": 1893456000}


# --------------------------------------------------------------------------- operations


def o2_sign_ours() -> bytes:
    return o2.sign_actions(SESSION, NONCE, o2.batch_calls(GROUPS, MARKET_REFS, REGISTRY_ID))


def o2_sign_sdk() -> bytes:
    calls = [
        sdk_encoding.action_to_call(action, SDK_MARKET_INFO[group["market_id"]])
        for group in GROUPS
        for action in group["actions"]
    ]
    message = sdk_encoding.build_actions_signing_bytes(NONCE, calls)
    return sdk_crypto.raw_sign(SESSION.secret, message)


O2_SIGNATURE = o2_sign_ours()


def o2_verify_ours() -> bool:
    digest = o2.actions_digest(NONCE, o2.batch_calls(GROUPS, MARKET_REFS, REGISTRY_ID))
    return o2.session_signer_is(O2_SIGNATURE, digest, SESSION.fuel_address)


def derive_action_ours() -> derive.Action:
    legs = [derive.Leg(name, way, Decimal(price), Decimal(amount), ASSET, sub_id)
            for name, way, price, amount, sub_id in LEGS]
    data = derive.quote_module_data(QUOTE["direction"], QUOTE["max_fee"], legs)
    return derive.Action(QUOTE["subaccount_id"], QUOTE["nonce"], DOMAIN.rfq_module, data,
                         QUOTE["expiry"], MAKER.evm_address, MAKER.evm_address)


def derive_sign_ours() -> str:
    return derive.sign_action(MAKER, derive_action_ours(), DOMAIN)


def derive_action_sdk(signature: str = "") -> SignedAction:
    legs = [RFQQuoteDetails(name, way, ASSET, sub_id, Decimal(price), Decimal(amount))
            for name, way, price, amount, sub_id in LEGS]
    return SignedAction(
        subaccount_id=QUOTE["subaccount_id"],
        owner=MAKER.evm_address,
        signer=MAKER.evm_address,
        signature_expiry_sec=QUOTE["expiry"],
        nonce=QUOTE["nonce"],
        module_address=DOMAIN.rfq_module,
        module_data=RFQQuoteModuleData(QUOTE["direction"], Decimal(QUOTE["max_fee"]), legs),
        DOMAIN_SEPARATOR="0x" + DOMAIN.separator.hex(),
        ACTION_TYPEHASH="0x" + derive.ACTION_TYPEHASH.hex(),
        signature=signature,
    )


MAKER_HEX = "0x" + MAKER.secret.hex()


def derive_sign_sdk() -> str:
    return derive_action_sdk().sign(MAKER_HEX)


DERIVE_SIGNATURE = derive_sign_ours()


def derive_verify_ours() -> bool:
    signer = derive.recover_action_signer(DERIVE_SIGNATURE, derive_action_ours(), DOMAIN)
    return signer == MAKER.evm_address


def derive_verify_sdk() -> bool:
    derive_action_sdk(DERIVE_SIGNATURE).validate_signature()  # raises on a bad signature
    return True


def check_equivalence() -> None:
    """Both sides must do the same job, or the ratio means nothing."""
    assert o2_sign_ours() == o2_sign_sdk(), "O2 signatures differ from the SDK"
    assert o2_verify_ours()
    assert derive_sign_ours().removeprefix("0x") == derive_sign_sdk().removeprefix("0x"), (
        "Derive signatures differ from the SDK"
    )
    assert derive_verify_ours() and derive_verify_sdk()


# --------------------------------------------------------------------------- timing


def rate(operation: Callable[[], object], seconds: float) -> float:
    """Operations per second, timed with perf_counter for about ``seconds``."""
    for _ in range(20):  # warm caches and lazy imports
        operation()
    count, batch = 0, 50
    start = time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(batch):
            operation()
        count += batch
    return count / elapsed


ROWS: list[tuple[str, Callable[[], object], Callable[[], object] | None]] = [
    ("O2 sign 5-action batch", o2_sign_ours, o2_sign_sdk),
    ("O2 verify 5-action batch", o2_verify_ours, None),
    ("Derive sign RFQ quote", derive_sign_ours, derive_sign_sdk),
    ("Derive verify RFQ quote", derive_verify_ours, derive_verify_sdk),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds", type=float, default=1.5, help="time per measurement (default 1.5)"
    )
    args = parser.parse_args(argv)
    check_equivalence()
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs, "
          f"{args.seconds:g} s per measurement")
    header = f"{'operation':<26} {'ours/s':>10} {'SDK/s':>10} {'ours/SDK':>9}"
    print(header)
    print("-" * len(header))
    for name, ours, sdk in ROWS:
        ours_rate = rate(ours, args.seconds)
        if sdk is None:
            print(f"{name:<26} {ours_rate:>10,.0f} {'-':>10} {'-':>9}")
            continue
        sdk_rate = rate(sdk, args.seconds)
        print(f"{name:<26} {ours_rate:>10,.0f} {sdk_rate:>10,.0f} {ours_rate / sdk_rate:>8.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
