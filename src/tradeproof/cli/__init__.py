"""The ``tradeproof`` command: run, rules, serve.

Every command turns bad input into one plain message and a distinct exit code
(2 usage/config, 3 target fault), never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

from .. import __version__
from ..errors import EXIT_USAGE, TradeproofError

F = TypeVar("F", bound=Callable[..., Any])


def plain_errors(func: F) -> F:
    """Print a TradeproofError as one line and exit with its code."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except TradeproofError as exc:
            click.echo(f"tradeproof: {exc}", err=True)
            sys.exit(exc.exit_code)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tradeproof")
def app() -> None:
    """Conformance and fuzz testing for signed trading APIs (O2 session actions, Derive RFQ)."""


def main() -> None:
    """Console-script entry point."""
    from . import baseline_cmd, explain_cmd, fuzz_cmd, replay_cmd, rules_cmd, run_cmd, serve_cmd  # noqa: F401

    try:
        app(standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("tradeproof: interrupted", err=True)
        sys.exit(EXIT_USAGE)
