"""Exact decimal arithmetic for money and amounts, and the one way decimals are printed.

All engine arithmetic runs under :data:`EXACT` (80 significant digits), far more than any
value that passes validation can need (prices ≤ 1e12, amounts ≤ 1e4, 18 fractional
digits at most), so sums and products never round.
"""

from __future__ import annotations

import re
from decimal import Context, Decimal

EXACT = Context(prec=80, Emax=999, Emin=-999)
DECIMAL_RE = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")
MAX_DECIMAL_CHARS = 64  # longer strings are refused before Decimal ever sees them
ZERO = Decimal(0)


def parse_decimal(text: str) -> Decimal | None:
    """A plain decimal string (``-12.5``, no exponent, no spaces) as a Decimal, else None."""
    if len(text) > MAX_DECIMAL_CHARS or not DECIMAL_RE.fullmatch(text):
        return None
    return Decimal(text)


def fmt(value: Decimal) -> str:
    """The canonical string: no exponent, no trailing zeros, ``"0"`` for any zero."""
    if value.is_zero():
        return "0"
    text = format(value.normalize(EXACT), "f")
    return text


def on_grid(value: Decimal, step: Decimal) -> bool:
    """Whether ``value`` is a whole multiple of ``step`` (exactly, no rounding)."""
    return EXACT.remainder(value, step).is_zero()
