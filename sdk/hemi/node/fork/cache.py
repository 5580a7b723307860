"""The on-disk cache of a fork's remote reads: one SQLite file per (chain id, fork block, block hash).

A fork reads the remote at one pinned block, so every answer it gets is final for that block: a re-run of the same
fork finds them here and does not ask the remote again. The block hash is part of the key as well as the chain id
and number, because two devchains (or a remote that reorganised) can share an id and a number with different state.
SQLite (the standard library's) gives atomic writes and safe concurrent readers without a hand-written format.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

from hemi._files import cache_root

log = logging.getLogger("hemi.node.fork")


def default_dir() -> Path:
    """Where fork caches live: ``<hemi-sdk cache>/fork`` (``$HEMI_CACHE_DIR`` moves the whole cache)."""
    return cache_root() / "fork"


class DiskCache:
    """A persistent str -> str map for one fork point; ``None`` as the directory gives a cache that keeps nothing."""

    def __init__(self, directory: Path | None, *, chain_id: int, block: int, block_hash: str) -> None:
        self.path: Path | None = None
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()  # one connection, used from the server's thread and the caller's
        if directory is None:
            return
        path = directory / f"{chain_id}-{block}-{block_hash.removeprefix('0x')[:16]}.sqlite"
        try:
            directory.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
            db.execute("CREATE TABLE IF NOT EXISTS reads (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        except (OSError, sqlite3.Error) as err:  # a cache that cannot be written only costs refetching
            log.warning("fork cache %s unusable (%s): remote reads are kept in memory only", path, err)
            return
        self.path, self._db = path, db

    def get(self, key: str) -> str | None:
        if self._db is None:
            return None
        with self._lock:
            row = self._db.execute("SELECT value FROM reads WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def put(self, key: str, value: str) -> None:
        if self._db is None:
            return
        try:
            with self._lock:
                self._db.execute("INSERT OR REPLACE INTO reads (key, value) VALUES (?, ?)", (key, value))
        except sqlite3.Error as err:  # disk full, locked by another process for too long: the value stays in memory
            log.warning("fork cache %s: could not store a read (%s)", self.path, err)

    def close(self) -> None:
        if self._db is not None:
            with self._lock:
                self._db.close()
            self._db = None
