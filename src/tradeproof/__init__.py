"""tradeproof: conformance and fuzz testing for signed trading APIs.

The public entry points live in their own modules (``tradeproof.signing``,
``tradeproof.schemas``, ``tradeproof.rules`` ...); importing this package does no I/O.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
