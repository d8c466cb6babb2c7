"""The fast session-actions parser accepts exactly what the shipped JSON Schema accepts,
and nothing malformed (bodies or query parameters) ever makes the server fail."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradeproof import schemas
from tradeproof.messages import o2 as msg
from tradeproof.reference.o2.errors import Rejection
from tradeproof.reference.o2.markets import ACCOUNTS_REGISTRY_ID, default_markets
from tradeproof.reference.o2.requests import parse_actions
from tradeproof.signing import o2 as sig

from .support import Trader

MARKETS = {m.market_id: m for m in default_markets()}
ETH, BTC = (m.ref for m in default_markets())
ID = "0x" + "ab" * 32

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
    | st.sampled_from(["0", "1", "18446744073709551615", ID, "Spot", "Buy", "0x"]),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["Address", "ContractId", "Limit", "referer", "to", "x", "price"]),
            children,
            max_size=2,
        )
    ),
    max_leaves=6,
)


def valid_body(kind: int) -> dict[str, Any]:
    actions = [
        msg.create_order("Buy", 2_000_000_000_000, 1_000_000, "Spot"),
        msg.create_order("Sell", 2_000_000_000_000, 1_000_000, msg.limit(1000, 7)),
        msg.create_order("Buy", 2_000_000_000_000, 1_000_000, msg.bounded_market(5, 3)),
        msg.cancel_order(ID),
        msg.settle_balance(msg.contract(ID)),
        msg.register_referer(msg.address(ID)),
        msg.register_referer(msg.address(ID), field="to"),
    ]
    groups = [
        msg.group(ETH.market_id, actions[kind % len(actions)]),
        msg.group(BTC.market_id, msg.cancel_order(ID)),
    ]
    return {
        "actions": groups[: 1 + kind % 2],
        "signature": {"Secp256k1": "0x" + "11" * 64},
        "nonce": "3",
        "trade_account_id": ID,
        "session_id": msg.address(ID),
        "collect_orders": bool(kind % 3),
    }


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside ``value`` (dict keys and list indices)."""
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += paths(child, (*prefix, index))
    return found


@st.composite
def mutated_bodies(draw: st.DrawFn) -> Any:
    body: Any = valid_body(draw(st.integers(0, 20)))
    for _ in range(draw(st.integers(0, 2))):
        where = draw(st.sampled_from(paths(body)))
        operation = draw(st.sampled_from(["replace", "delete", "add"]))
        if not where:
            body = draw(json_values) if operation == "replace" else body
            continue
        parent = body
        for step in where[:-1]:
            parent = parent[step]
        last = where[-1]
        if operation == "replace":
            parent[last] = draw(json_values)
        elif operation == "delete":
            del parent[last]
        elif isinstance(parent, dict):
            parent[
                draw(
                    st.sampled_from(
                        ["extra", "parallel_nonce", "variable_outputs", "min_gas_limit"]
                    )
                )
            ] = draw(json_values)
        else:
            parent.append(copy.deepcopy(parent[last]))
    return body


def verdict(body: Any) -> str:
    try:
        parse_actions(body, MARKETS, ACCOUNTS_REGISTRY_ID)
    except Rejection as rejection:
        return {1001: "invalid", 2000: "unknown market"}[int(rejection.code)]
    return "valid"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_bodies())
def test_parser_agrees_with_the_schema(body: Any) -> None:
    schema_valid = schemas.is_valid("o2/session_actions_request", body)
    ours = verdict(body)
    if ours == "unknown market":
        assert schema_valid  # a well-formed id that names no market here
    elif schema_valid and ours == "invalid":
        with_u64 = [a for g in body["actions"] for a in g["actions"] if "CreateOrder" in a]
        assert any(  # the one thing JSON Schema cannot see: a Buy's forwarded amount over u64
            a["CreateOrder"]["side"] == "Buy"
            and int(a["CreateOrder"]["price"]) * int(a["CreateOrder"]["quantity"]) // 10**9
            > sig.U64_MAX
            for a in with_u64
        ), body
    else:
        assert (ours == "valid") == schema_valid, body


def test_valid_bodies_parse_and_carry_their_calls() -> None:
    for kind in range(14):
        body = valid_body(kind)
        request = parse_actions(body, MARKETS, ACCOUNTS_REGISTRY_ID)
        groups = body["actions"]
        assert [s.call for s in request.steps] == sig.batch_calls(
            groups, {m.market_id: m.ref for m in MARKETS.values()}, ACCOUNTS_REGISTRY_ID
        )


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.sampled_from(["/v1/balance", "/v1/orders", "/v1/order", "/v1/depth", "/v1/accounts"]),
    st.dictionaries(
        st.sampled_from(
            [
                "market_id",
                "contract",
                "asset_id",
                "order_id",
                "owner",
                "trade_account_id",
                "precision",
                "count",
                "is_open",
                "direction",
                "limit",
                "start_order_id",
            ]
        ),
        st.text(max_size=70) | st.sampled_from([ID, "10", "0", "true", "asc", "1" * 30]),
        max_size=4,
    ),
)
def test_query_parameters_never_fail_the_server(
    alice: Trader, path: str, params: dict[str, str]
) -> None:
    response = alice.client.get(path, params=params)
    assert response.status_code in (200, 400, 404), (path, params, response.text)
    if response.status_code != 200:
        assert isinstance(response.json()["code"], int)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.sampled_from(["/v1/accounts", "/v1/session", "/v1/session/actions", "/_harness/o2/mint"]),
    json_values,
)
def test_garbage_bodies_never_fail_the_server(alice: Trader, path: str, body: Any) -> None:
    method = "PUT" if path == "/v1/session" else "POST"
    response = alice.client.request(method, path, json=body, headers=alice.headers)
    assert response.status_code in (400, 404), (path, body, response.text)
    assert isinstance(response.json()["code"], int)
