"""``json.loads`` that refuses absurd nesting instead of overflowing the C stack.

Some libraries (eth-account, web3) raise the interpreter's recursion limit to 100000
on import; json's C decoder then crashes the process on a body like ``[[[[…`` instead
of raising. Both sides of the wire parse untrusted JSON, so both go through here.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 128
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def too_deep(raw: bytes, limit: int = MAX_DEPTH) -> bool:
    """Does the JSON text nest arrays/objects deeper than ``limit``?"""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    depth = 0
    for match in _TOKENS.finditer(raw):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif token in (b"]", b"}"):
            depth -= 1
    return False


def loads(data: str | bytes, limit: int = MAX_DEPTH) -> Any:
    """Parse JSON; raises ValueError for invalid or too deeply nested text."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if too_deep(raw, limit):
        raise ValueError(f"JSON nested deeper than {limit} levels")
    return json.loads(raw)
