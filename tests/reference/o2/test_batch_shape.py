"""Batch shape and request format (TARGET.md §1): the pre-flight code, and nothing changes."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from tradeproof.messages import o2 as msg
from tradeproof.signing import o2 as sig

from .support import Trader

PRICE, QTY = 2_000_000_000_000, 1_000_000  # 2000 USDC, 0.001 ETH: 2 USDC notional


def sell(price: int = PRICE, qty: int = QTY, order_type: Any = "Spot") -> dict[str, Any]:
    return msg.create_order("Sell", price, qty, order_type)


def rejected(trader: Trader, body: Any, code: int, status: int = 400) -> dict[str, Any]:
    """Send ``body``; require code ``code`` and that nothing changed (nonce included)."""
    before, nonce = trader.state(), trader.nonce()
    response = trader.send(body)
    answer = response.json()
    assert (response.status_code, answer.get("code")) == (status, code), answer
    assert "tx_id" not in answer and isinstance(answer["message"], str)
    assert trader.nonce() == nonce
    assert trader.state() == before
    return answer  # type: ignore[no-any-return]


def test_valid_batch_is_accepted(alice: Trader, eth: sig.MarketRef) -> None:
    answer = alice.ok(msg.group(eth.market_id, sell()))
    assert len(answer["orders"]) == 1 and answer["orders"][0]["side"] == "Sell"
    assert alice.nonce() == 2  # one for the session, one for the batch


def test_no_actions_is_7003(alice: Trader, eth: sig.MarketRef) -> None:
    rejected(alice, alice.body(), 7003)
    rejected(alice, alice.body(msg.group(eth.market_id)), 7003)


@pytest.mark.parametrize("split", [(6,), (3, 3), (1, 1, 1, 1, 1, 1), (5, 1)])
def test_more_than_five_actions_is_7004(
    alice: Trader, eth: sig.MarketRef, split: tuple[int, ...]
) -> None:
    groups = [msg.group(eth.market_id, *[sell()] * n) for n in split]
    rejected(alice, alice.body(*groups), 7004)


def test_five_actions_over_five_groups_is_accepted(
    alice: Trader, eth: sig.MarketRef, btc: sig.MarketRef
) -> None:
    groups = [
        msg.group(eth.market_id, sell()),
        msg.group(btc.market_id, msg.settle_balance(alice.identity)),
    ] * 2
    groups.append(msg.group(eth.market_id, sell(PRICE + 1000)))
    answer = alice.ok(*groups)
    assert len(answer["orders"]) == 3


def test_unparseable_json_is_1002(alice: Trader) -> None:
    too_deep = b'{"actions":[' * 5000 + b"1" + b"]}" * 5000  # valid JSON, deeper than json takes
    for raw in (b"{", b"", b"not json", b"\xff\xfe", b"[" * 100_000, too_deep, b"1" * 5000):
        rejected(alice, raw, 1002)


def mutations() -> dict[str, Callable[[dict[str, Any]], None]]:
    """Ways to break the format of a signed body, each a case of a TARGET.md §1 rule."""

    def create(body: dict[str, Any]) -> dict[str, Any]:
        return body["actions"][0]["actions"][0]["CreateOrder"]  # type: ignore[no-any-return]

    cases: dict[str, Callable[[dict[str, Any]], None]] = {
        "unknown action": lambda b: b["actions"][0]["actions"].__setitem__(0, {"Withdraw": {}}),
        "two action keys": lambda b: b["actions"][0]["actions"][0].update(
            {"CancelOrder": {"order_id": "0x" + "00" * 32}}
        ),
        "unknown order type": lambda b: create(b).update(order_type="GoodTillCancel"),
        "order type null": lambda b: create(b).update(order_type=None),
        "Limit with one element": lambda b: create(b).update(order_type={"Limit": ["1000"]}),
        "BoundedMarket missing min": lambda b: create(b).update(
            order_type={"BoundedMarket": {"max_price": "1"}}
        ),
        "side lowercase": lambda b: create(b).update(side="buy"),
        "missing signature": lambda b: b.pop("signature"),
        "missing nonce": lambda b: b.pop("nonce"),
        "missing trade_account_id": lambda b: b.pop("trade_account_id"),
        "missing session_id": lambda b: b.pop("session_id"),
        "missing quantity": lambda b: create(b).pop("quantity"),
        "extra top-level field": lambda b: b.update(parallel_nonce="1"),
        "extra order field": lambda b: create(b).update(post_only=True),
        "collect_orders not bool": lambda b: b.update(collect_orders="yes"),
        "actions not a list": lambda b: b.update(
            actions={"market_id": b["actions"][0]["market_id"]}
        ),
        "group not an object": lambda b: b["actions"].__setitem__(0, [1, 2]),
        "signature as plain string": lambda b: b.update(signature="0x" + "11" * 64),
        "signature odd hex": lambda b: b["signature"].update(Secp256k1="0x123"),
        "session_id plain string": lambda b: b.update(session_id=b["session_id"]["Address"]),
        "identity unknown variant": lambda b: b.update(session_id={"Predicate": "0x" + "11" * 32}),
    }
    for bad in ("-1", "1.5", "1e3", "0x10", " 1", "01", "18446744073709551616", "", "\uff11"):
        cases[f"price {bad!r}"] = setter(create, "price", bad)
        cases[f"nonce {bad!r}"] = setter(top, "nonce", bad)
    for bad_number in (5, 5.0, True, None, [1]):
        cases[f"quantity as {bad_number!r}"] = setter(create, "quantity", bad_number)
    for name, bad_id in {
        "short": "0x" + "ab" * 31,
        "long": "0x" + "ab" * 33,
        "no 0x": "ab" * 32,
        "not hex": "0x" + "zz" * 32,
        "spaces": "0x" + "ab" * 31 + "  ",
        "uppercase X": "0X" + "ab" * 32,
        "number": 12,
    }.items():
        cases[f"trade_account_id {name}"] = setter(top, "trade_account_id", bad_id)
        cases[f"market_id {name}"] = setter(lambda b: b["actions"][0], "market_id", bad_id)
    return cases


Part = Callable[[dict[str, Any]], dict[str, Any]]


def top(body: dict[str, Any]) -> dict[str, Any]:
    return body


def setter(part: Part, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A mutation that sets ``part(body)[key] = value``."""
    return lambda body: part(body).__setitem__(key, value)


@pytest.mark.parametrize("case", sorted(mutations()))
def test_malformed_body_is_1001(alice: Trader, eth: sig.MarketRef, case: str) -> None:
    body = alice.body(msg.group(eth.market_id, sell()))
    mutations()[case](body)
    rejected(alice, body, 1001)


def test_unknown_market_is_2000(alice: Trader) -> None:
    body = alice.body(msg.group(eth_like := "0x" + "42" * 32, sell()), signature=bytes(64))
    answer = rejected(alice, body, 2000, status=404)
    assert eth_like in answer["message"]


def test_forwarded_amount_over_u64_is_1001(alice: Trader, eth: sig.MarketRef) -> None:
    huge = msg.create_order("Buy", sig.U64_MAX, sig.U64_MAX, "Spot")
    body = alice.body(msg.group(eth.market_id, sell()))
    body["actions"][0]["actions"][0] = huge
    rejected(alice, body, 1001)


def test_optional_client_fields_are_accepted(alice: Trader, eth: sig.MarketRef) -> None:
    body = alice.body(msg.group(eth.market_id, sell()))
    body |= {"variable_outputs": 3, "min_gas_limit": "20000000"}
    del body["collect_orders"]
    answer = alice.send(body).json()
    assert "tx_id" in answer and "orders" not in answer


def test_deeply_nested_garbage_never_fails_the_server(alice: Trader) -> None:
    body: Any = {"x": 1}
    for _ in range(300):
        body = {"actions": [body]}
    garbage: Any
    for garbage in (
        body,
        [],
        7,
        "text",
        None,
        {"actions": [[[[[]]]]]},
        copy.deepcopy({"actions": [None] * 3}),
    ):
        response = alice.send(garbage)
        assert response.status_code == 400 and response.json()["code"] in (1001, 1002, 7003, 7004)
