"""Filesystem helpers shared by the compiler, the npm installer (hemi._npm) and the fork cache: where the cache lives,
atomic writes, and an inter-process lock. Standard library and platformdirs only, so any module may import it first."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

import platformdirs

CACHE_DIR_ENV = "HEMI_CACHE_DIR"


def cache_root() -> Path:
    """Root of hemi-sdk's on-disk cache: ``$HEMI_CACHE_DIR`` if set, else the platform's user cache dir."""
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_cache_dir("hemi-sdk", appauthor=False))


def atomic_write_text(path: Path, text: str, *, mode: int = 0o644) -> None:
    """Write ``text`` to ``path`` so readers see either the old file or the complete new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".hemi-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


class FileLock:
    """Exclusive lock on ``path`` held across processes (``flock`` on POSIX, ``msvcrt.locking`` on Windows).

    Each instance opens its own descriptor, so two threads of one process exclude each other too.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: object | None = None

    def __enter__(self) -> FileLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+b")  # closed in __exit__
        try:
            if sys.platform == "win32":
                import msvcrt  # deferred: a Windows-only module

                while True:
                    try:
                        fh.seek(0)
                        msvcrt.locking(fh.fileno(), msvcrt.LK_LOCK, 1)
                        break
                    except OSError:  # LK_LOCK gives up after ~10 s; keep waiting
                        time.sleep(0.5)
            else:
                import fcntl  # deferred: a POSIX-only module

                fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        except BaseException:
            fh.close()
            raise
        self._fh = fh
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        fh = self._fh
        self._fh = None
        if fh is None:
            return
        try:
            if sys.platform == "win32":
                import msvcrt  # deferred: a Windows-only module

                fh.seek(0)  # type: ignore[attr-defined]
                msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
            else:
                import fcntl  # deferred: a POSIX-only module

                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)  # type: ignore[attr-defined]
        finally:
            fh.close()  # type: ignore[attr-defined]
