"""Hypothesis example databases: local by default, optionally shared through Redis.

Campaign machines write what they find to a shared Redis database; CI jobs read it
(``--database-readonly``), so a failure found anywhere is replayed first everywhere
else. Each process also keeps a local directory database, so a developer's own finds
stay with them. Uses Hypothesis' own ``RedisExampleDatabase`` and its composable
wrappers (``MultiplexedDatabase``, ``ReadOnlyDatabase``).
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis.database import (
    DirectoryBasedExampleDatabase,
    ExampleDatabase,
    MultiplexedDatabase,
    ReadOnlyDatabase,
)

from ..errors import ConfigError

LOCAL = ".hypothesis/examples"
KEEP_FOR = timedelta(days=30)  # a find not seen again within this is dropped from Redis


def _redis(url: str) -> ExampleDatabase:
    try:
        import redis
        from hypothesis.extra.redis import RedisExampleDatabase
    except ImportError:  # pragma: no cover - redis is a dependency
        raise ConfigError("--database redis://… needs the `redis` package") from None
    return RedisExampleDatabase(redis.Redis.from_url(url), expire_after=KEEP_FOR, key_prefix=b"tradeproof:")


def check_redis(url: str) -> None:
    """Fail fast, as a config error, when the shared database does not answer."""
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3).ping()
    except Exception as exc:  # redis raises several unrelated types for a bad URL or host
        raise ConfigError(f"the example database {url} does not answer: {exc}") from None


def example_database(spec: str | None, readonly: bool = False) -> ExampleDatabase:
    """The database for a run: local only, a directory, or local + Redis."""
    if spec is None:
        return DirectoryBasedExampleDatabase(LOCAL)
    if spec.startswith(("redis://", "rediss://", "unix://")):
        shared = _redis(spec)
        return MultiplexedDatabase(DirectoryBasedExampleDatabase(LOCAL), ReadOnlyDatabase(shared) if readonly else shared)
    directory = DirectoryBasedExampleDatabase(spec)
    return ReadOnlyDatabase(directory) if readonly else directory
