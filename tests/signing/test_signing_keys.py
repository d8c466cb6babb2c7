"""Test keys never reveal their secret and cannot be serialised.

Proves that ``repr``/``str``/``format`` of a ``Key`` never contain the secret scalar's
hex, that pickling raises for every protocol, and that seed-derived keys are
deterministic per ``(seed, label)``.
"""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from signing_strategies import secrets

from tradeproof.signing.keys import Key

labels = st.text(max_size=20)


def _shown(key: Key) -> list[str]:
    return [repr(key), str(key), f"{key}", f"{key!r}", f"{[key]}", f"{ {'k': key} }"]


@settings(max_examples=200, deadline=None)
@given(secrets, labels)
def test_repr_and_str_never_contain_the_secret(secret: bytes, label: str) -> None:
    key = Key.from_secret(secret, label)
    assert key.secret == secret
    needles = {secret.hex()}
    stripped = secret.hex().lstrip("0")
    if len(stripped) >= 16:  # shorter runs occur by chance in any hex text
        needles.add(stripped)
    for shown in _shown(key):
        assert key.evm_address in shown
        for needle in needles:
            assert needle not in shown.lower()


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=20), labels)
def test_derived_keys_hide_their_secret_and_are_deterministic(seed: str, label: str) -> None:
    key = Key.derive(seed, label)
    assert Key.derive(seed, label).secret == key.secret
    assert Key.derive(seed, label + "'").secret != key.secret
    for shown in _shown(key):
        assert key.secret.hex() not in shown.lower()


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickling_a_key_raises(protocol: int) -> None:
    key = Key.derive("tradeproof-tests", "pickle")
    with pytest.raises(TypeError):
        pickle.dumps(key, protocol=protocol)
