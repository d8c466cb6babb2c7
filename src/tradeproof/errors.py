"""The exceptions tradeproof raises, and the exit code each maps to.

::

    TradeproofError                  exit 2 unless a subclass says otherwise
    ├── UsageError                   a wrong flag or argument            → 2
    ├── ConfigError                  a malformed or incomplete config    → 2
    ├── EncodingError (ValueError)   input the signing code cannot encode → 2
    └── TargetFault                  the target could not be judged      → 3
        ├── TargetUnreachable        connection refused, DNS, reset
        ├── TargetTimeout            no answer within the per-request timeout
        └── TargetMisbehaved         5xx, non-JSON body, wrong JSON shape

A rule that does not hold is not an exception: it is a result, and makes the run
exit 1.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_RULE_FAILED = 1
EXIT_USAGE = 2
EXIT_TARGET_FAULT = 3


class TradeproofError(Exception):
    """Base of every error tradeproof raises on purpose."""

    exit_code = EXIT_USAGE


class UsageError(TradeproofError):
    """A command-line flag or argument that cannot be used."""


class ConfigError(TradeproofError):
    """A configuration file or environment variable that is malformed or incomplete."""


class EncodingError(TradeproofError, ValueError):
    """A message that cannot be encoded for signing (bad hex, out-of-range number ...)."""


class TargetFault(TradeproofError):
    """The target did not answer in a way any rule can be judged on."""

    exit_code = EXIT_TARGET_FAULT

    def __init__(self, message: str, *, request: str | None = None, exchange: dict | None = None) -> None:
        super().__init__(message)
        self.request = request
        self.exchange = exchange  # the request and what came back, for reports


class TargetUnreachable(TargetFault):
    """No connection could be made, or it was reset."""


class TargetTimeout(TargetFault):
    """The target did not answer within the per-request timeout."""


class TargetMisbehaved(TargetFault):
    """A 5xx, a body that is not JSON, or JSON of an impossible shape."""
