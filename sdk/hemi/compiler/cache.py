"""On-disk cache of compilation results, so unchanged sources are never handed to solc twice.

An entry is ``<cache>/artifacts/<key>.json`` where ``key`` is the sha256 of the canonical JSON of every source unit's
name and text, the solc settings and the requested compiler version. Entries are written to a temporary file and
renamed into place, so a reader sees a whole entry or none; an unreadable entry counts as a miss.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from hemi._files import atomic_write_text, cache_root
from hemi.compiler.artifacts import ContractArtifact

FORMAT = 1


def artifacts_dir() -> Path:
    """``<cache>/artifacts``."""
    return cache_root() / "artifacts"


def cache_key(sources: dict[str, str], settings: dict[str, Any], version: str) -> str:
    """sha256 hex of the compilation's inputs (sources, settings, compiler version)."""
    blob = json.dumps(
        {"format": FORMAT, "sources": sources, "settings": settings, "version": version},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _entry(key: str) -> Path:
    return artifacts_dir() / f"{key}.json"


def load(key: str) -> list[ContractArtifact] | None:
    """The artifacts stored under ``key``, or ``None`` on a miss (absent, unreadable or of another format)."""
    try:
        data = json.loads(_entry(key).read_text(encoding="utf-8"))
        if data.get("format") != FORMAT or data.get("key") != key:
            return None
        return [ContractArtifact.from_dict(item) for item in data["artifacts"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def store(key: str, artifacts: list[ContractArtifact]) -> Path:
    """Write ``artifacts`` under ``key`` atomically; return the entry's path."""
    path = _entry(key)
    payload = {"format": FORMAT, "key": key, "artifacts": [a.to_dict() for a in artifacts]}
    atomic_write_text(path, json.dumps(payload, sort_keys=True, separators=(",", ":")) + "\n")
    return path
