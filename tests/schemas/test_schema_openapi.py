"""The OpenAPI 3.1 documents: every $ref points at a file, Schemathesis loads them from
disk with no network, lists every TARGET.md endpoint, and generates bodies our own
validator accepts (the two must agree on what "valid" means)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradeproof import schemas
from tradeproof._resources import shipped_path

ROOT = shipped_path("schemas")
OPENAPI = ROOT / "openapi"
DOCUMENTS = ["o2.yaml", "derive.yaml"]
EXAMPLES = Path(__file__).resolve().parent.parent / "vectors" / "seed_examples"

O2_OPERATIONS = {
    "GET /v1/markets",
    "POST /v1/accounts",
    "GET /v1/accounts",
    "PUT /v1/session",
    "POST /v1/session/actions",
    "GET /v1/balance",
    "GET /v1/orders",
    "GET /v1/order",
    "GET /v1/depth",
    "GET /_harness",
    "POST /_harness/o2/mint",
}
DERIVE_METHODS = [
    "public/get_time",
    "public/get_instruments",
    "public/get_instrument",
    "private/send_rfq",
    "private/poll_rfqs",
    "private/send_quote",
    "private/poll_quotes",
    "private/get_quotes",
    "private/execute_quote",
    "private/cancel_quote",
    "private/cancel_rfq",
    "private/get_subaccount",
    "private/register_scoped_session_key",
]
DERIVE_OPERATIONS = {f"POST /{method}" for method in DERIVE_METHODS} | {
    "GET /_harness",
    "POST /_harness/derive/fund",
}
EXPECTED = {"o2.yaml": O2_OPERATIONS, "derive.yaml": DERIVE_OPERATIONS}

FAST = settings(
    max_examples=15,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading and generating must not open a socket (the files are read from disk)."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(
            "network access while loading or generating from the OpenAPI documents"
        )

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def _load_yaml(name: str) -> Any:
    return yaml.safe_load((OPENAPI / name).read_text(encoding="utf-8"))


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _local(document: Any, ref: str) -> Any:
    node = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def _operations(name: str) -> dict[str, Any]:
    """label -> operation; a reference Schemathesis cannot resolve fails here, by name."""
    operations = {}
    for result in schemathesis.openapi.from_path(OPENAPI / name).get_all_operations():
        failed = getattr(result, "err", None)  # an Err holds the InvalidSchema of that operation
        if failed is not None:
            raise failed()
        operation = result.ok()  # type: ignore[union-attr]
        operations[operation.label] = operation
    return operations


def _request_schema_names(name: str) -> dict[str, str]:
    """operation label -> the schema name its JSON request body refers to."""
    found = {}
    for path, item in _load_yaml(name)["paths"].items():
        for method, operation in item.items():
            body = operation.get("requestBody")
            if body:
                ref = body["content"]["application/json"]["schema"]["$ref"]
                found[f"{method.upper()} {path}"] = (
                    (OPENAPI / ref).resolve().relative_to(ROOT).with_suffix("").as_posix()
                )
    return found


@pytest.mark.parametrize("name", DOCUMENTS)
def test_every_ref_points_at_an_existing_file_or_component(name: str) -> None:
    document = _load_yaml(name)
    refs = list(_refs(document))
    assert refs
    for ref in refs:
        if ref.startswith("#/"):
            _local(document, ref)
            continue
        assert "://" not in ref and not ref.startswith("/") and "#" not in ref, ref
        target = (OPENAPI / ref).resolve()
        assert target.is_file(), f"{name}: {ref} does not exist"
        assert target.suffix == ".json" and target.is_relative_to(ROOT.resolve()), ref


@pytest.mark.parametrize("name", DOCUMENTS)
def test_the_yaml_only_references_schemas(name: str) -> None:
    """No message shape is written in the YAML: bodies and 200 responses are $refs."""
    for path, item in _load_yaml(name)["paths"].items():
        for method, operation in item.items():
            body = operation.get("requestBody")
            if body:
                assert set(body["content"]["application/json"]["schema"]) == {"$ref"}, (
                    f"{method} {path}"
                )


@pytest.mark.parametrize("name", DOCUMENTS)
def test_schemathesis_loads_every_operation(name: str) -> None:
    operations = _operations(name)
    assert set(operations) == EXPECTED[name]


@pytest.mark.parametrize(
    ("name", "label"),
    [(name, label) for name in DOCUMENTS for label in sorted(EXPECTED[name])],
)
def test_schemathesis_generates_cases_our_validator_accepts(name: str, label: str) -> None:
    operation = _operations(name)[label]
    body_schema = _request_schema_names(name).get(label)
    seen: list[Any] = []

    @FAST
    @given(st.data())
    def generate(data: st.DataObject) -> None:
        case = data.draw(operation.as_strategy())
        seen.append(case)
        if body_schema is not None:
            assert schemas.errors(body_schema, case.body) == [], case.body

    generate()
    assert seen, f"no case generated for {label}"


def test_private_derive_methods_carry_the_auth_headers() -> None:
    document = _load_yaml("derive.yaml")
    headers = {"X-LyraWallet", "X-LyraTimestamp", "X-LyraSignature"}
    for method in DERIVE_METHODS:
        operation = document["paths"][f"/{method}"]["post"]
        names = {_local(document, p["$ref"])["name"] for p in operation.get("parameters", [])}
        assert names == (headers if method.startswith("private/") else set()), method


@pytest.mark.parametrize("label", ["PUT /v1/session", "POST /v1/session/actions"])
def test_o2_session_endpoints_carry_the_owner_header(label: str) -> None:
    operation = _operations("o2.yaml")[label]
    seen: list[Any] = []

    @FAST
    @given(operation.as_strategy())
    def generate(case: Any) -> None:
        seen.append(case)
        assert "O2-Owner-Id" in case.headers
        assert schemas.is_valid("common/b256", case.headers["O2-Owner-Id"])

    generate()
    assert seen


def _response(method: str, url: str, status: int, body: Any) -> schemathesis.Response:
    return schemathesis.Response(
        status_code=status,
        headers={"content-type": ["application/json"]},
        content=json.dumps(body).encode(),
        request=requests.Request(method, url).prepare(),
        elapsed=0.0,
        message="OK",
        encoding="utf-8",
        http_version="1.1",
        verify=True,
    )


def _conforms(operation: Any, body: Any, status: int = 200) -> bool:
    method, path = operation.label.split(" ", 1)
    try:
        operation.validate_response(_response(method, f"http://target{path}", status, body))
    except (AssertionError, BaseExceptionGroup):  # a Failure, or a group of them
        return False
    return True


def test_schemathesis_validates_responses_through_nested_file_refs() -> None:
    """Response checks must follow ../o2/markets_response.json -> market.json -> #/$defs/asset."""
    operation = _operations("o2.yaml")["GET /v1/markets"]
    asset = {"symbol": "ETH", "asset": "ab" * 32, "decimals": 9, "max_precision": 3}
    market = {
        "contract_id": "ab" * 32,
        "market_id": "0x" + "cd" * 32,
        "maker_fee": "0",
        "taker_fee": 100,
        "min_order": "1000000000",
        "dust": "0",
        "price_window": 0,
        "base": asset,
        "quote": asset,
    }
    good = {"chain_id": "0x0", "accounts_registry_id": "ef" * 32, "markets": [market]}
    assert _conforms(operation, good)
    assert not _conforms(
        operation, {**good, "markets": [{**market, "base": {**asset, "decimals": "nine"}}]}
    )


def test_session_actions_200_may_carry_any_outcome_body() -> None:
    operation = _operations("o2.yaml")["POST /v1/session/actions"]
    assert _conforms(operation, {"tx_id": "0x" + "ab" * 32})
    assert _conforms(operation, {"code": 7004, "message": "TooManyActions"})
    assert _conforms(operation, {"message": "Failed", "reason": "Revert(123)", "receipts": None})
    assert not _conforms(operation, {"message": "neither"})


def test_derive_200_narrows_the_result_to_the_method() -> None:
    operation = _operations("derive.yaml")["POST /private/execute_quote"]
    response = json.loads(
        (EXAMPLES / "derive_execute_quote_response.json").read_text(encoding="utf-8")
    )
    assert _conforms(operation, response)
    assert _conforms(
        operation, {"id": "1", "error": {"code": 11104, "message": "not open", "data": None}}
    )
    assert not _conforms(
        operation, {"id": "1", "result": {**response["result"], "tx_status": "confirmed"}}
    )
    assert not _conforms(operation, {"id": "1", "result": "ok"})
