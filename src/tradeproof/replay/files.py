"""The replay file format (JSON, versioned) and its reading and writing."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UsageError

FORMAT = "tradeproof-replay"
VERSION = 1


@dataclass(frozen=True)
class ReplayFile:
    """One failure, replayable."""

    rule: str
    protocol: str
    test: str  # node id relative to the folder holding conformance/ and fuzz/
    draws: dict[str, Any] | None
    expected: str
    observed: str
    seed: int
    evidence: list[dict[str, Any]] = field(default_factory=list)
    found: dict[str, Any] = field(default_factory=dict)
    kind: str = "test"

    def as_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": VERSION, **asdict(self)}

    @property
    def file_name(self) -> str:
        digest = hashlib.sha256(json.dumps([self.test, self.draws], sort_keys=True, default=str).encode()).hexdigest()
        return f"{self.rule}-{digest[:10]}.json"


def write_replay(directory: Path, replay: ReplayFile) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / replay.file_name
    path.write_text(json.dumps(replay.as_dict(), indent=2, default=str) + "\n", encoding="utf-8")
    return path


def read_replay(path: str | Path) -> ReplayFile:
    """Read and check a replay file; a bad file is a usage error naming the problem."""
    file = Path(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"replay file {file} does not exist") from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"replay file {file} is not JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise UsageError(f"{file} is not a tradeproof replay file")
    if data.get("version") != VERSION:
        raise UsageError(f"{file} is replay format version {data.get('version')}; this tradeproof reads {VERSION}")
    try:
        return ReplayFile(
            rule=str(data["rule"]),
            protocol=str(data["protocol"]),
            test=str(data["test"]),
            draws=data.get("draws"),
            expected=str(data.get("expected", "")),
            observed=str(data.get("observed", "")),
            seed=int(data.get("seed", 0)),
            evidence=list(data.get("evidence", [])),
            found=dict(data.get("found", {})),
            kind=str(data.get("kind", "test")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise UsageError(f"{file} is missing or has a malformed field: {exc}") from None


def found_now(target: str, profile: str, tool_version: str) -> dict[str, Any]:
    return {"target": target, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "profile": profile,
            "tool_version": tool_version}
