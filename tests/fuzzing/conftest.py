"""Fixtures for the fuzzing glue: the reference on loopback (Schemathesis sends with
``requests``, so it needs a real socket), target clients and account pools on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tradeproof.fuzzing import DeriveSigner, O2Signer
from tradeproof.reference import BackgroundServer, create_app
from tradeproof.signing.derive import V2_TESTNET
from tradeproof.target import DeriveAccounts, DeriveTarget, HttpClient, O2Accounts, O2Target, Pacer


@pytest.fixture(scope="module")
def reference() -> Iterator[str]:
    """A fresh reference target (rate limit on, as embedded runs have it); its base URL."""
    with BackgroundServer(create_app(rate_limit=True)) as server:
        yield server.url


@pytest.fixture(scope="module")
def http(reference: str) -> Iterator[HttpClient]:
    client = HttpClient(reference)
    yield client
    client.close()


@pytest.fixture(scope="module")
def o2(http: HttpClient) -> O2Target:
    return O2Target(http, Pacer())


@pytest.fixture(scope="module")
def derive(http: HttpClient) -> DeriveTarget:
    return DeriveTarget(http)


@pytest.fixture(scope="module")
def o2_accounts(o2: O2Target) -> O2Accounts:
    return O2Accounts(o2, "fuzzing-tests", harness=True)


@pytest.fixture(scope="module")
def derive_accounts(derive: DeriveTarget) -> DeriveAccounts:
    return DeriveAccounts(derive, "fuzzing-tests", harness=True)


@pytest.fixture
def o2_signer(o2: O2Target, o2_accounts: O2Accounts) -> O2Signer:
    """One trader per pool, so consecutive cases use the same account."""
    signer = O2Signer(o2, o2_accounts.new, pool_size=1, session_pool_size=1)
    signer.ready()
    return signer


@pytest.fixture
def derive_signer(derive: DeriveTarget, derive_accounts: DeriveAccounts) -> DeriveSigner:
    signer = DeriveSigner(derive, V2_TESTNET, derive_accounts.new, open_quotes=1)
    signer.ready()
    return signer
