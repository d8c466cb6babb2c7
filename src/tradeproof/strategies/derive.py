"""Hypothesis strategies for Derive ``private/execute_quote`` params.

``invalid_execute_params()`` draws an :class:`ExecuteCase`: one change, as an ``Edit``,
that makes correctly signed params break exactly one constraint of seed 003's schema
(a missing or extra param, a bad enum, a leg missing a field or carrying an extra one,
a value of the wrong JSON type, ``legs`` that is not a list). A conformant target
answers -32602 and changes nothing.

``signed_field_tamperings()`` draws an ``Edit`` that changes exactly one *signed* param
(subaccount, nonce, expiry, max_fee, signer, one leg's price or amount) to another
well-formed value, so the params stay valid and only the signature stops matching.

Both take a ``template``: the correctly signed params the edit will be applied to (or
any params of the same shape). Values that must stay "the same value in another JSON
type" and the legs an edit addresses are read from it; without one, a representative
seed-003 body (``EXAMPLE_EXECUTE_PARAMS``) is used.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from eth_utils import to_checksum_address
from hypothesis import strategies as st

from .edits import DELETE, Edit

SCHEMA_RULE = "DRV-PARAMS-SCHEMA"
TAMPER_RULE = "DRV-SIG-TAMPERED"

REQUIRED_PARAMS = (
    "direction", "max_fee", "nonce", "quote_id", "rfq_id", "signature",
    "signature_expiry_sec", "signer", "subaccount_id", "legs",
)  # seed 003; ``label`` is the only optional param
INTEGER_PARAMS = ("nonce", "signature_expiry_sec", "subaccount_id")
LEG_FIELDS = ("amount", "direction", "instrument_name", "price")

# Names no version of execute_quote takes (later v2 specs added ``enable_taker_protection``,
# ``client`` and ``referral_code``: they are deliberately not used here).
EXTRA_PARAMS = ("extra", "tradeproof", "maxFee", "Direction", "quoteId", "mmp", "legs_hash", "wallet", "fee")
EXTRA_LEG_FIELDS = ("extra", "mark_price", "subId", "Price", "asset", "instrument")
BAD_DIRECTIONS = ("BUY", "Buy", "SELL", "Sell", "long", "short", "bid", "ask", "", "buy ", "b", "sel")

SCHEMA_BREAKS = (
    "missing-param",
    "extra-param",
    "bad-direction",
    "leg-missing-field",
    "leg-extra-field",
    "bad-leg-direction",
    "string-for-integer",
    "number-for-string",
    "other-type",
    "legs-not-list",
)
TAMPERINGS = ("subaccount_id", "nonce", "signature_expiry_sec", "max_fee", "signer", "leg-price", "leg-amount")

EXAMPLE_EXECUTE_PARAMS: dict[str, Any] = {
    # protocol/derive.md §1.9(c), the v2-testnet execute as a request body
    "subaccount_id": 1002,
    "rfq_id": "00000000-0000-4000-8000-000000000001",
    "quote_id": "00000000-0000-4000-8000-000000000002",
    "direction": "buy",
    "max_fee": "12.5",
    "nonce": 1695836058725002,
    "signer": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    "signature_expiry_sec": 1893456000,
    "signature": "0x9e4810b56d50658b80f8e9097c45acf8a6250d0e25ba3313275750749e4cd5dd"
    "697c6e5d61f225f369feed6f7725395a571c89c8ecbfc29ae3d8e5b7eabea9c91c",
    "legs": [
        {"instrument_name": "ETH-20270625-6000-C", "direction": "buy", "price": "100", "amount": "2"},
        {"instrument_name": "ETH-20270625-6000-P", "direction": "sell", "price": "50", "amount": "1"},
    ],
    "label": "",
}


@dataclass(frozen=True)
class ExecuteCase:
    """Execute params to send: a correctly signed body with one ``edit`` applied.

    ``kind`` names the family of the break (one of ``SCHEMA_BREAKS`` or ``TAMPERINGS``).
    """

    rule_id: str
    edit: Edit
    kind: str
    note: str = ""

    @property
    def description(self) -> str:
        text = f"{self.kind}: {self.edit.describe()}"
        return f"{text} ({self.note})" if self.note else text

    def finish(self, signed_params: Mapping[str, Any]) -> dict[str, Any]:
        """The params to send: ``signed_params`` (not modified) with the edit made."""
        body: dict[str, Any] = self.edit.apply(dict(signed_params))
        return body

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule_id, "kind": self.kind, "edit": self.edit.as_dict(), "note": self.note}

    def __repr__(self) -> str:
        return f"ExecuteCase({self.rule_id}: {self.description})"


# --------------------------------------------------------------------------- helpers


def _template(template: Mapping[str, Any] | None) -> Mapping[str, Any]:
    chosen = EXAMPLE_EXECUTE_PARAMS if template is None else template
    legs = chosen.get("legs")
    if not isinstance(legs, list) or not legs or not all(isinstance(leg, Mapping) for leg in legs):
        raise ValueError("the template must carry a non-empty list of legs")
    return chosen


def _as_number(text: Any) -> int | float:
    """The JSON number with the value of a decimal string (int when integral)."""
    value = Decimal(str(text))
    return int(value) if value == value.to_integral_value() else float(value)


def _fmt(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


_json_scalars = st.one_of(
    st.text(alphabet="abcxyz019", max_size=6), st.integers(-5, 10**6), st.booleans()
)


# --------------------------------------------------------------------------- schema breaks


def _schema_break(kind: str, t: Mapping[str, Any]) -> st.SearchStrategy[ExecuteCase]:
    legs: list[Mapping[str, Any]] = list(t["legs"])
    leg_index = st.integers(0, len(legs) - 1)

    def case(edit: Edit, note: str = "") -> ExecuteCase:
        return ExecuteCase(SCHEMA_RULE, edit, kind, note)

    if kind == "missing-param":
        return st.sampled_from(REQUIRED_PARAMS).map(lambda name: case(Edit((name,), DELETE)))
    if kind == "extra-param":
        return st.builds(
            lambda name, value: case(Edit((name,), value), "not a param of execute_quote"),
            st.sampled_from([n for n in EXTRA_PARAMS if n not in t]),
            _json_scalars,
        )
    if kind == "bad-direction":
        return st.sampled_from(BAD_DIRECTIONS).map(lambda bad: case(Edit(("direction",), bad), "enum buy | sell"))
    if kind == "leg-missing-field":
        return st.builds(
            lambda i, name: case(Edit(("legs", i, name), DELETE)), leg_index, st.sampled_from(LEG_FIELDS)
        )
    if kind == "leg-extra-field":
        return st.builds(
            lambda i, name, value: case(Edit(("legs", i, name), value), "legs[] are closed objects"),
            leg_index,
            st.sampled_from(EXTRA_LEG_FIELDS),
            _json_scalars,
        )
    if kind == "bad-leg-direction":
        return st.builds(
            lambda i, bad: case(Edit(("legs", i, "direction"), bad), "enum buy | sell"),
            leg_index,
            st.sampled_from(BAD_DIRECTIONS),
        )
    if kind == "string-for-integer":
        return st.sampled_from(INTEGER_PARAMS).map(
            lambda name: case(Edit((name,), str(t[name])), "the same value as a JSON string")
        )
    if kind == "number-for-string":
        choices: list[ExecuteCase] = [case(Edit(("max_fee",), _as_number(t["max_fee"])), "the same value as a JSON number")]
        for i, leg in enumerate(legs):
            for name in ("price", "amount"):
                choices.append(case(Edit(("legs", i, name), _as_number(leg[name])), "the same value as a JSON number"))
        choices.append(case(Edit(("signer",), int(str(t["signer"]), 16)), "the address as a JSON number"))
        if "label" in t:
            choices.append(case(Edit(("label",), 0), "label must be a string"))
        return st.sampled_from(choices)
    if kind == "other-type":
        return st.sampled_from(
            [
                case(Edit(("subaccount_id",), True), "a boolean is not an integer"),
                case(Edit(("nonce",), None), "null where an integer is required"),
                case(Edit(("quote_id",), [t["quote_id"]]), "an array where a string is required"),
                case(Edit(("rfq_id",), {"rfq_id": t["rfq_id"]}), "an object where a string is required"),
                case(Edit(("signature",), None), "null where a string is required"),
                case(Edit(("direction",), [t["direction"]]), "an array where the enum is required"),
                case(Edit(("legs", 0), [dict(legs[0])]), "a leg that is a list"),
            ]
        )
    if kind == "legs-not-list":
        return st.sampled_from(
            [
                case(Edit(("legs",), dict(legs[0])), "one leg object instead of a list"),
                case(Edit(("legs",), {str(i): dict(leg) for i, leg in enumerate(legs)}), "an object keyed by index"),
                case(Edit(("legs",), str([dict(leg) for leg in legs])), "a string"),
                case(Edit(("legs",), None), "null"),
                case(Edit(("legs",), len(legs)), "a number"),
            ]
        )
    raise ValueError(f"unknown schema break {kind!r}; known: {', '.join(SCHEMA_BREAKS)}")


def invalid_execute_params(
    rule_id: str = SCHEMA_RULE,
    template: Mapping[str, Any] | None = None,
    *,
    kinds: Sequence[str] | None = None,
) -> st.SearchStrategy[ExecuteCase]:
    """Cases that break exactly one schema constraint of seed 003 (rule ``DRV-PARAMS-SCHEMA``).

    ``kinds`` restricts the families drawn from (default: all of ``SCHEMA_BREAKS``).
    """
    if rule_id != SCHEMA_RULE:
        raise ValueError(f"invalid_execute_params draws cases for {SCHEMA_RULE} only, not {rule_id!r}")
    t = _template(template)
    chosen = tuple(kinds) if kinds is not None else SCHEMA_BREAKS
    if not chosen:
        raise ValueError("kinds must name at least one schema break")
    return st.one_of([_schema_break(kind, t) for kind in chosen])


# --------------------------------------------------------------------------- tamperings


_random_addresses = st.binary(min_size=20, max_size=20).map(lambda raw: to_checksum_address("0x" + raw.hex()))


def _tampering(
    kind: str, t: Mapping[str, Any], other_subaccount_id: int | None, other_signers: Sequence[str]
) -> st.SearchStrategy[Edit]:
    legs: list[Mapping[str, Any]] = list(t["legs"])
    leg_index = st.integers(0, len(legs) - 1)
    if kind == "subaccount_id":
        if other_subaccount_id is None or other_subaccount_id == t["subaccount_id"]:
            raise ValueError("subaccount_id tampering needs another subaccount of the same wallet")
        return st.just(Edit(("subaccount_id",), other_subaccount_id))
    if kind == "nonce":
        # same date prefix, so only the signature can object (never 11018)
        return st.integers(1, 999).map(lambda k: Edit(("nonce",), int(t["nonce"]) + k))
    if kind == "signature_expiry_sec":
        # later, never earlier: still ≥ now + 310, so only the signature can object
        return st.integers(1, 600).map(lambda k: Edit(("signature_expiry_sec",), int(t["signature_expiry_sec"]) + k))
    if kind == "max_fee":
        # higher, never lower: still covers the fee, so only the signature can object
        return st.sampled_from(["0.000001", "0.5", "1", "7", "100"]).map(
            lambda more: Edit(("max_fee",), _fmt(Decimal(str(t["max_fee"])) + Decimal(more)))
        )
    if kind == "signer":
        pool = [a for a in other_signers if a.lower() != str(t["signer"]).lower()]
        addresses = st.one_of(st.sampled_from(pool), _random_addresses) if pool else _random_addresses
        return addresses.filter(lambda a: a.lower() != str(t["signer"]).lower()).map(lambda a: Edit(("signer",), a))
    if kind in ("leg-price", "leg-amount"):
        name = "price" if kind == "leg-price" else "amount"
        # an integer multiple stays on the tick / step grid
        return st.builds(
            lambda i, k: Edit(("legs", i, name), _fmt(Decimal(str(legs[i][name])) * k)), leg_index, st.integers(2, 5)
        )
    raise ValueError(f"unknown tampering {kind!r}; known: {', '.join(TAMPERINGS)}")


def signed_field_tamperings(
    template: Mapping[str, Any] | None = None,
    *,
    kinds: Sequence[str] | None = None,
    other_subaccount_id: int | None = None,
    other_signers: Sequence[str] = (),
) -> st.SearchStrategy[Edit]:
    """Edits that change exactly one signed param of ``template`` to another well-formed
    value (rule ``DRV-SIG-TAMPERED``).

    Changing ``subaccount_id`` is drawn only when ``other_subaccount_id`` (another
    subaccount of the same wallet) is given, since a subaccount of another wallet is a
    different error (14020). ``other_signers`` adds addresses to the random ones a
    ``signer`` tampering may use (e.g. the wallet's registered session keys).
    """
    t = _template(template)
    if kinds is None:
        chosen = [k for k in TAMPERINGS if k != "subaccount_id" or other_subaccount_id is not None]
    else:
        chosen = list(kinds)
    if not chosen:
        raise ValueError("kinds must name at least one tampering")
    return st.one_of([_tampering(kind, t, other_subaccount_id, other_signers) for kind in chosen])


def tampering_cases(
    template: Mapping[str, Any] | None = None,
    *,
    kinds: Sequence[str] | None = None,
    other_subaccount_id: int | None = None,
    other_signers: Sequence[str] = (),
) -> st.SearchStrategy[ExecuteCase]:
    """:func:`signed_field_tamperings` as labelled :class:`ExecuteCase` values."""
    return signed_field_tamperings(
        template, kinds=kinds, other_subaccount_id=other_subaccount_id, other_signers=other_signers
    ).map(lambda edit: ExecuteCase(TAMPER_RULE, edit, _kind_of(edit), "signed param changed after signing"))


def _kind_of(edit: Edit) -> str:
    if edit.path[0] == "legs":
        return f"leg-{edit.path[-1]}"
    return str(edit.path[0])
