"""The embedded reference target: a faithful O2 + Derive RFQ exchange on loopback.

``create_app()`` builds the ASGI app; ``BackgroundServer`` serves it on an ephemeral
loopback port. It never imports the rule catalogue or the checks that judge it.
"""

from __future__ import annotations

from .app import create_app
from .server import BackgroundServer, serve_forever

__all__ = ["BackgroundServer", "create_app", "serve_forever"]
