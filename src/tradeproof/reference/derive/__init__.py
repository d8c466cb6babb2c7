"""The Derive v2 RFQ half of the reference target (see ``engine.py`` for the rules).

``DeriveExchange`` holds all state and rules; ``derive_routes`` serves it over HTTP.
"""

from __future__ import annotations

from .engine import DeriveExchange
from .errors import RpcError
from .routes import derive_routes

__all__ = ["DeriveExchange", "RpcError", "derive_routes"]
