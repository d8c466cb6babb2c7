"""Signing for both protocols: pure functions, no I/O, no Hypothesis.

``o2`` (Fuel compact secp256k1 over ABI-encoded calls), ``derive`` (EIP-712 Actions
and RFQ module data), ``keys`` (seed-derived test keys) and ``corrupt`` (named wrong
signatures). Import the submodules directly::

    from tradeproof.signing import o2, derive
    from tradeproof.signing.keys import Key
"""
