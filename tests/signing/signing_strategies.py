"""Hypothesis strategies shared by the signing tests: keys, O2 batches, Derive quotes.

Values are drawn in their wire form (JSON dicts, decimal strings, hex ids) so the same
draw can be handed both to tradeproof and to an official SDK.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from tradeproof.signing import derive
from tradeproof.signing.keys import Key

U64_MAX = 2**64 - 1
U256_MAX = 2**256 - 1
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141

# --------------------------------------------------------------------------- common

secrets = st.integers(1, SECP256K1_N - 1).map(lambda k: k.to_bytes(32, "big"))
keys = secrets.map(Key.from_secret)
digests = st.binary(min_size=32, max_size=32)
u64s = st.integers(0, U64_MAX)
u256s = st.integers(0, U256_MAX)

# --------------------------------------------------------------------------- O2

# 32-byte ids as the API sends them; the hex digits' case varies, the prefix does not
hex_ids = st.tuples(digests, st.booleans()).map(
    lambda t: "0x" + (t[0].hex().upper() if t[1] else t[0].hex())
)
identities = st.builds(
    lambda variant, value: {variant: value}, st.sampled_from(["Address", "ContractId"]), hex_ids
)
u64_texts = u64s.map(str)
order_types = st.one_of(
    st.sampled_from(["Spot", "FillOrKill", "PostOnly", "Market"]),
    st.builds(lambda price, ts: {"Limit": [price, ts]}, u64_texts, u64_texts),
    st.builds(
        lambda hi, lo: {"BoundedMarket": {"max_price": hi, "min_price": lo}}, u64_texts, u64_texts
    ),
)


@st.composite
def create_orders(draw: st.DrawFn, base_decimals: int) -> dict[str, Any]:
    """A CreateOrder whose forwarded amount fits in a u64 (Buy: price·qty/10^dec)."""
    side = draw(st.sampled_from(["Buy", "Sell"]))
    price = draw(u64s)
    max_quantity = U64_MAX
    if side == "Buy" and price:
        max_quantity = min(U64_MAX, ((U64_MAX + 1) * 10**base_decimals - 1) // price)
    quantity = draw(st.integers(0, max_quantity))
    return {
        "CreateOrder": {
            "side": side,
            "price": str(price),
            "quantity": str(quantity),
            "order_type": draw(order_types),
        }
    }


def o2_actions(base_decimals: int) -> st.SearchStrategy[dict[str, Any]]:
    """Any of the four session actions (RegisterReferer with the SDK's ``to`` field)."""
    return st.one_of(
        create_orders(base_decimals),
        st.builds(lambda oid: {"CancelOrder": {"order_id": oid}}, hex_ids),
        st.builds(lambda to: {"SettleBalance": {"to": to}}, identities),
        st.builds(lambda to: {"RegisterReferer": {"to": to}}, identities),
    )


markets = st.fixed_dictionaries(
    {
        "market_id": hex_ids,
        "contract_id": hex_ids,
        "base": st.fixed_dictionaries({"asset": hex_ids, "decimals": st.integers(0, 18)}),
        "quote": st.fixed_dictionaries({"asset": hex_ids, "decimals": st.integers(0, 18)}),
    }
)


@dataclass(frozen=True)
class Batch:
    """A session-actions body (``groups``) plus the ``/v1/markets`` data it refers to."""

    nonce: int
    markets: list[dict[str, Any]]
    groups: list[dict[str, Any]]
    accounts_registry_id: str


@st.composite
def batches(draw: st.DrawFn) -> Batch:
    """1–5 actions in total, spread over 1–5 market groups (each group non-empty)."""
    total = draw(st.integers(1, 5))
    n_groups = draw(st.integers(1, total))
    chosen = draw(
        st.lists(
            markets,
            min_size=n_groups,
            max_size=n_groups,
            unique_by=lambda m: m["market_id"].lower(),
        )
    )
    # split `total` into n_groups positive sizes at n_groups - 1 distinct cut points
    cut_points = st.sets(st.integers(1, total - 1), min_size=n_groups - 1, max_size=n_groups - 1)
    cuts = sorted(draw(cut_points)) if n_groups > 1 else []
    sizes = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
    groups = [
        {
            "market_id": market["market_id"],
            "actions": [draw(o2_actions(market["base"]["decimals"])) for _ in range(size)],
        }
        for market, size in zip(chosen, sizes, strict=True)
    ]
    return Batch(draw(u64s), chosen, groups, draw(hex_ids))


# --------------------------------------------------------------------------- Derive

addresses = st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex())
_currencies = st.sampled_from(["ETH", "BTC", "SOL", "HYPE"]) | st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=6
)
instrument_names = st.one_of(
    st.builds(
        lambda cur, day, strike, kind: f"{cur}-{day:%Y%m%d}-{strike}-{kind}",
        _currencies,
        st.dates(date(2024, 1, 1), date(2032, 12, 31)),
        st.integers(1, 250_000),
        st.sampled_from("CP"),
    ),
    _currencies.map(lambda cur: f"{cur}-PERP"),
)
directions = st.sampled_from(["buy", "sell"])


def decimals_e12(min_units: int = 0) -> st.SearchStrategy[Decimal]:
    """Decimals with at most 12 fractional digits (the exchange's precision)."""
    return st.builds(
        lambda units, places: Decimal(units).scaleb(-places),
        st.integers(min_units, 10**20),
        st.integers(0, 12),
    )


legs = st.builds(
    derive.Leg,
    instrument_name=instrument_names,
    direction=directions,
    price=decimals_e12(),
    amount=decimals_e12(min_units=1),  # JSON amounts are always positive
    asset=addresses,
    sub_id=st.integers(0, 2**96 - 1) | u256s,
)
leg_lists = st.lists(legs, min_size=1, max_size=4, unique_by=lambda leg: leg.instrument_name)

domains = st.sampled_from([derive.V2_MAINNET, derive.V2_TESTNET]) | st.builds(
    derive.Domain, chain_id=u256s, verifying_contract=addresses, rfq_module=addresses
)


@dataclass(frozen=True)
class SignedQuote:
    """Everything one maker quote (or taker execute) signature depends on."""

    key: Key
    domain: derive.Domain
    direction: str
    max_fee: Decimal
    legs: list[derive.Leg]
    subaccount_id: int
    nonce: int
    expiry: int
    owner: str

    def action(self, data: bytes) -> derive.Action:
        return derive.Action(
            subaccount_id=self.subaccount_id,
            nonce=self.nonce,
            module=self.domain.rfq_module,
            data=data,
            expiry=self.expiry,
            owner=self.owner,
            signer=self.key.evm_address,
        )


signed_quotes = st.builds(
    SignedQuote,
    key=keys,
    domain=domains,
    direction=directions,
    max_fee=decimals_e12(),
    legs=leg_lists,
    subaccount_id=u256s,
    nonce=u256s,
    expiry=u256s,
    owner=addresses,
)
