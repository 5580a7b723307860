"""Small helpers shared by the compiler layer: the cache root, atomic writes, an inter-process file lock,
version normalisation and asking a solc executable for its version."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from types import TracebackType

from packaging.version import InvalidVersion, Version

from hemi.errors import HemiValueError

CACHE_DIR_ENV = "HEMI_CACHE_DIR"

# The pattern py-solc-x applies to `solc --version`: major.minor.patch, an optional nightly tag, then the commit.
VERSION_RE = re.compile(r"(\d+\.\d+\.\d+)(?:-nightly.\d+.\d+.\d+|)(\+commit.\w+)")


class StepFailed(Exception):
    """Internal: one way of obtaining solc did not work; the message says why."""


def cache_root() -> Path:
    """Root of hemi-sdk's on-disk cache: ``$HEMI_CACHE_DIR`` if set, else the platform's user cache dir."""
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("hemi-sdk", appauthor=False))


def normalize_version(version: str | Version) -> str:
    """``"v0.8.28"``, ``"0.8.28"`` or a ``Version`` -> ``"0.8.28"``."""
    try:
        parsed = version if isinstance(version, Version) else Version(str(version).strip().lstrip("v"))
    except InvalidVersion as exc:
        raise HemiValueError(f"not a solc version: {version!r}") from exc
    if len(parsed.release) != 3:
        raise HemiValueError(f"a solc version has three parts (like 0.8.28), got {version!r}")
    return parsed.base_version


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
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
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
                import msvcrt
                import time

                while True:
                    try:
                        fh.seek(0)
                        msvcrt.locking(fh.fileno(), msvcrt.LK_LOCK, 1)
                        break
                    except OSError:  # LK_LOCK gives up after ~10 s; keep waiting
                        time.sleep(0.5)
            else:
                import fcntl

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
                import msvcrt

                fh.seek(0)  # type: ignore[attr-defined]
                msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
            else:
                import fcntl

                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)  # type: ignore[attr-defined]
        finally:
            fh.close()  # type: ignore[attr-defined]


def tail(text: str | bytes | None, lines: int = 3) -> str:
    """The last few non-empty lines of a process's output, joined on one line, for attempt reports."""
    if text is None:
        return ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    kept = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return " | ".join(kept[-lines:])


def probe_version(executable: Path | str, *, timeout: float = 60.0) -> str:
    """Run ``<executable> --version`` and return ``"0.8.28+commit.7893614a"``; raise :class:`StepFailed` if not."""
    try:
        proc = subprocess.run(
            [str(executable), "--version"],
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise StepFailed(f"`{executable} --version` did not answer within {timeout:g} s") from None
    except OSError as exc:
        raise StepFailed(f"`{executable} --version` could not be run: {exc}") from None
    if proc.returncode != 0:
        raise StepFailed(f"`{executable} --version` exited with {proc.returncode}: {tail(proc.stderr or proc.stdout)}")
    match = VERSION_RE.search(proc.stdout)
    if not match:
        raise StepFailed(f"`{executable} --version` printed no solc version: {tail(proc.stdout)!r}")
    return match.group(1) + match.group(2)
