"""``tradeproof serve``: the reference exchange as a local server."""

from __future__ import annotations

import click

from ..errors import UsageError
from . import app, plain_errors


@app.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8700, show_default=True)
@click.option("--no-rate-limit", is_flag=True, help="Serve O2 without the 5 requests/second limit.")
@click.option("--protocols", default="o2,derive", show_default=True, help="Comma-separated: o2, derive.")
@plain_errors
def serve_command(host: str, port: int, no_rate_limit: bool, protocols: str) -> None:
    """Run the embedded reference target (O2 + Derive RFQ) until interrupted."""
    from ..reference import create_app, serve_forever

    chosen = [p.strip() for p in protocols.split(",") if p.strip()]
    try:
        application = create_app(protocols=chosen, rate_limit=not no_rate_limit)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    click.echo(f"tradeproof reference target on http://{host}:{port} ({', '.join(chosen)}); Ctrl-C stops it")
    try:
        serve_forever(application, host=host, port=port)
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
