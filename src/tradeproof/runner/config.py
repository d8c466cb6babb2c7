"""Run settings: command-line flags over a config file over defaults.

The config is ``[tool.tradeproof]`` in ``pyproject.toml`` or the top level of
``tradeproof.toml``, validated by the packaged ``schemas/config/tradeproof.json``.
Secrets never live in it: keys are named by the environment variable holding them.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

from .. import rules
from .._resources import shipped_path
from ..errors import ConfigError
from ..signing import derive as derive_sig
from ..signing.keys import Key

PROTOCOLS = ("o2", "derive")
PROFILES = ("ci", "full")


@dataclass(frozen=True)
class O2Owner:
    """A pre-funded O2 owner from the config (key read from the environment)."""

    key: Key
    evm: bool = False


@dataclass(frozen=True)
class DeriveWallet:
    wallet: str
    subaccount_id: int
    key: Key


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know, resolved once."""

    o2_target: str | None = None
    derive_target: str | None = None
    protocols: tuple[str, ...] = PROTOCOLS
    profile: str = "ci"
    report_dir: Path | None = None
    seed: int = 0
    request_timeout: float = 10.0
    deadline: float | None = None
    rate_limit: bool | None = None
    derive_domain: derive_sig.Domain = derive_sig.V2_TESTNET
    rules: tuple[str, ...] = ()
    baseline: str | None = None  # known-failures file
    shard: tuple[int, int] | None = None  # (i, n): this run checks shard i of n
    database: str | None = None  # Hypothesis example database: directory or redis:// URL
    database_readonly: bool = False
    duration: float | None = None  # fuzz campaign budget, seconds
    max_examples: int | None = None  # fuzz campaign budget, examples per test
    o2_owners: tuple[O2Owner, ...] = field(default=())
    derive_wallets: tuple[DeriveWallet, ...] = field(default=())

    @property
    def embedded(self) -> bool:
        """No target given: run against the embedded reference."""
        return self.o2_target is None and self.derive_target is None


def find_config(explicit: str | Path | None, cwd: Path | None = None) -> tuple[dict[str, Any], Path | None]:
    """The config table and where it came from (empty when there is none)."""
    where = cwd or Path.cwd()
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"config file {path} does not exist")
        return _read_table(path), path
    for candidate in (where / "tradeproof.toml", where / "pyproject.toml"):
        if candidate.is_file():
            table = _read_table(candidate)
            if table or candidate.name == "tradeproof.toml":
                return table, candidate
    return {}, None


def _read_table(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        return dict(data.get("tool", {}).get("tradeproof", {}))
    return dict(data)


def _validate(table: Mapping[str, Any], origin: Path | None) -> None:
    schema = json.loads((shipped_path("schemas") / "config" / "tradeproof.json").read_text())
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(table))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise ConfigError(f"{origin or 'config'}: {where}: {error.message}")


def _key_from_env(variable: str, label: str) -> Key:
    value = os.environ.get(variable)
    if not value:
        raise ConfigError(f"environment variable {variable} (key for {label}) is not set")
    try:
        secret = bytes.fromhex(value.removeprefix("0x"))
        return Key.from_secret(secret, label)
    except ValueError:
        raise ConfigError(f"environment variable {variable} does not hold a 32-byte hex private key") from None


def resolve(flags: Mapping[str, Any], table: Mapping[str, Any], origin: Path | None = None) -> Settings:
    """Combine command-line ``flags`` (None = not given) with the config ``table``."""
    _validate(table, origin)

    def pick(name: str, default: Any = None) -> Any:
        value = flags.get(name)
        return value if value is not None else table.get(name, default)

    target = pick("target")
    o2_target = pick("o2_target") or target
    derive_target = pick("derive_target") or target
    protocol = pick("protocol", "all")
    if protocol not in ("all", *PROTOCOLS):
        raise ConfigError(f"--protocol must be o2, derive or all, not {protocol!r}")
    protocols = PROTOCOLS if protocol == "all" else (protocol,)
    if not (o2_target is None and derive_target is None):
        missing = [p for p in protocols if (o2_target if p == "o2" else derive_target) is None]
        if missing:
            raise ConfigError(f"no target URL for {', '.join(missing)}: give --target or --{missing[0]}-target")
    profile = pick("profile", "ci")
    if profile not in PROFILES:
        raise ConfigError(f"--profile must be ci or full, not {profile!r}")
    derive_table = table.get("derive", {})
    domain = derive_sig.Domain(
        chain_id=derive_table.get("chain_id", derive_sig.V2_TESTNET.chain_id),
        verifying_contract=derive_table.get("verifying_contract", derive_sig.V2_TESTNET.verifying_contract),
        rfq_module=derive_table.get("rfq_module", derive_sig.V2_TESTNET.rfq_module),
    )
    owners = tuple(
        O2Owner(_key_from_env(a["owner_key_env"], f"o2 account {i}"), bool(a.get("evm", False)))
        for i, a in enumerate(table.get("o2", {}).get("accounts", []))
    )
    wallets = tuple(
        DeriveWallet(a["wallet"], int(a["subaccount_id"]), _key_from_env(a["key_env"], f"derive wallet {i}"))
        for i, a in enumerate(derive_table.get("accounts", []))
    )
    report_dir = pick("report_dir")
    timeout = float(pick("request_timeout", 10.0))
    if timeout <= 0:
        raise ConfigError("--request-timeout must be positive")
    deadline = pick("deadline")
    only = flags.get("rule") or ()
    if isinstance(only, str):
        only = tuple(r.strip() for r in only.split(",") if r.strip())
    unknown = sorted(set(only) - rules.ids())
    if unknown:
        raise ConfigError(f"unknown rule id(s) in --rule: {', '.join(unknown)} (see `tradeproof rules`)")
    duration = pick("duration")
    if duration is not None:
        from .campaign import parse_duration

        try:
            duration = parse_duration(duration)
        except ValueError:
            raise ConfigError(f"--duration must look like 90s, 10m or 1h, not {duration!r}") from None
    max_examples = pick("max_examples")
    if max_examples is not None and int(max_examples) < 1:
        raise ConfigError("--max-examples must be at least 1")
    shard = _shard(pick("shard"))
    database = pick("database")
    if database is not None and str(database).startswith(("redis://", "rediss://", "unix://")):
        from .databases import check_redis

        check_redis(str(database))
    baseline = pick("baseline")
    if baseline is not None:
        from .baseline import read_baseline

        read_baseline(baseline)  # a bad file is a config error now, not at the end of the run
    return Settings(
        rules=tuple(only),
        baseline=str(baseline) if baseline is not None else None,
        shard=shard,
        database=str(database) if database is not None else None,
        database_readonly=bool(pick("database_readonly", False)),
        duration=duration,
        max_examples=int(max_examples) if max_examples is not None else None,
        o2_target=o2_target,
        derive_target=derive_target,
        protocols=protocols,
        profile=profile,
        report_dir=Path(report_dir) if report_dir else None,
        seed=int(pick("seed", 0)),
        request_timeout=timeout,
        deadline=float(deadline) if deadline is not None else None,
        rate_limit=pick("rate_limit"),
        derive_domain=domain,
        o2_owners=owners,
        derive_wallets=wallets,
    )


def _shard(value: Any) -> tuple[int, int] | None:
    """``"2/4"`` → (2, 4); None stays None."""
    if value is None:
        return None
    try:
        index, count = (int(part) for part in str(value).split("/"))
    except ValueError:
        raise ConfigError(f"--shard must look like 2/4, not {value!r}") from None
    if not 1 <= index <= count:
        raise ConfigError(f"--shard {value}: the shard number must be between 1 and {count}")
    return index, count
