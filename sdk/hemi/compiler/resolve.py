"""Find or install the solc executable for a version, trying each source in a fixed order.

:func:`ensure_solc` tries, and stops at the first that works:

1. a solc already installed for py-solc-x (``solc-v<version>`` in its install folder) that answers ``--version``
   with that version;
2. a ``solc`` on ``PATH`` whose ``--version`` matches;
3. ``solcx.install_solc(version)``, run in a child process with request timeouts and an overall limit
   (``HEMI_SOLCX_INSTALL_TIMEOUT`` seconds, default 60) so an unreachable download host fails quickly;
4. solcjs from npm, registered with py-solc-x (:mod:`hemi.compiler.solcjs`).

Each failed step leaves a line saying why; if every step fails, :class:`hemi.errors.CompilerNotAvailable` carries
them all. When the first two steps find nothing, a line on stderr says that solc is being installed (the cached
path is silent), and steps 3 and 4 run under a file lock in the cache (``<cache>/.solc-<version>.lock``), so two
processes (pytest-xdist workers, a test run next to ``hemi compile``) never install into the same place at once:
the second waits and then finds the first one's install.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from packaging.version import Version

from hemi._files import FileLock, cache_root
from hemi.compiler import solcjs
from hemi.compiler._progress import note
from hemi.compiler._versions import StepFailed, normalize_version, probe_version, tail
from hemi.errors import CompilerNotAvailable

DEFAULT_SOLC_VERSION = "0.8.28"
SOLCX_INSTALL_TIMEOUT_ENV = "HEMI_SOLCX_INSTALL_TIMEOUT"

_resolved: dict[tuple[str, ...], Path] = {}
_resolve_lock = threading.Lock()

# Run in a child so the whole download can be bounded: every request py-solc-x makes gets connect/read timeouts.
_SOLCX_INSTALL_CHILD = """
import sys
import requests

_request = requests.Session.request

def _request_with_timeout(self, method, url, **kwargs):
    if kwargs.get("timeout") is None:
        kwargs["timeout"] = (10, 30)
    return _request(self, method, url, **kwargs)

requests.Session.request = _request_with_timeout

import solcx

solcx.install_solc(sys.argv[1])
"""


def _check(executable: Path, version: str, what: str) -> Path:
    found = probe_version(executable)
    if Version(found.split("+")[0]) != Version(version):
        raise StepFailed(f"{what}: {executable} is solc {found}, not {version}")
    return executable


def _solcx_entry(version: str) -> Path:
    import solcx  # deferred: py-solc-x and requests cost ~0.1 s; only a solc lookup or install needs them

    folder = Path(solcx.get_solcx_install_folder())
    entry = folder / f"solc-v{version}"
    return entry / "solc.exe" if sys.platform == "win32" else entry


def _from_solcx_folder(version: str) -> Path:
    entry = _solcx_entry(version)
    if not entry.exists():
        raise StepFailed(f"py-solc-x install folder: no {entry.name} in {entry.parent}")
    try:
        return _check(entry, version, "py-solc-x install folder")
    except StepFailed as exc:
        msg = str(exc)
        raise StepFailed(msg if msg.startswith("py-solc-x") else f"py-solc-x install folder: {msg}") from None


def _from_path(version: str) -> Path:
    found = shutil.which("solc")
    if found is None:
        raise StepFailed("PATH: no `solc` executable on PATH")
    try:
        return _check(Path(found), version, "PATH")
    except StepFailed as exc:
        msg = str(exc)
        raise StepFailed(msg if msg.startswith("PATH") else f"PATH: {msg}") from None


def _install_timeout() -> float:
    try:
        return float(os.environ.get(SOLCX_INSTALL_TIMEOUT_ENV, "60"))
    except ValueError:
        return 60.0


def _from_solcx_install(version: str) -> Path:
    entry = _solcx_entry(version)
    existed = entry.exists()
    limit = _install_timeout()
    what = f"solcx.install_solc({version!r})"
    try:
        proc = subprocess.run(
            [sys.executable, "-c", _SOLCX_INSTALL_CHILD, version],
            capture_output=True,
            text=True,
            timeout=limit,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        _discard_partial(entry, existed, version)
        raise StepFailed(f"{what}: gave up after {limit:g} s") from None
    except OSError as exc:
        raise StepFailed(f"{what}: could not start: {exc}") from None
    if proc.returncode != 0:
        _discard_partial(entry, existed, version)
        raise StepFailed(f"{what}: failed: {tail(proc.stderr, 1)}")
    try:
        return _check(entry, version, what)
    except StepFailed as exc:
        _discard_partial(entry, existed, version)
        raise StepFailed(f"{what}: installed, but {exc}") from None


def _discard_partial(entry: Path, existed: bool, version: str) -> None:
    """Remove a ``solc-v<version>`` the interrupted child left behind, if it does not run."""
    if existed or not entry.exists() or entry.is_dir():
        return
    try:
        _check(entry, version, "check")
    except StepFailed:
        with contextlib.suppress(OSError):
            entry.unlink()


def _from_solcjs(version: str) -> Path:
    launcher = solcjs.install(version)
    entry = solcjs.register_with_solcx(version, launcher)
    return _check(entry, version, "solcjs")


STEPS: tuple[Callable[[str], Path], ...] = (_from_solcx_folder, _from_path, _from_solcx_install, _from_solcjs)
FOUND_STEPS = 2  # the first STEPS only look; the rest install


def _install_lock(version: str) -> FileLock:
    return FileLock(cache_root() / f".solc-{version}.lock")


def ensure_solc(version: str = DEFAULT_SOLC_VERSION) -> Path:
    """Return a runnable solc executable for ``version``, installing one if needed.

    Raises :class:`hemi.errors.CompilerNotAvailable` listing every attempt when no step succeeds.
    """
    version = normalize_version(version)
    # What the search depends on besides the version; a change (tests do this) means searching again.
    key = (version, *(os.environ.get(name, "") for name in ("SOLCX_BINARY_PATH", "HEMI_CACHE_DIR", "PATH")))
    with _resolve_lock:
        known = _resolved.get(key)
        if known is not None and known.exists():
            return known
        attempts: list[str] = []
        path = _first(STEPS[:FOUND_STEPS], version, attempts)
        if path is None:
            with _install_lock(version):
                # another process may have installed it while this one waited for the lock
                path = _first(STEPS[:1], version, [])
                if path is None:
                    note(f"installing solc {version} (a native download, else solcjs from npm); once, then cached")
                    path = _first(STEPS[FOUND_STEPS:], version, attempts)
        if path is None:
            raise CompilerNotAvailable(version, attempts)
        _resolved[key] = path
        return path


def _first(steps: tuple[Callable[[str], Path], ...], version: str, attempts: list[str]) -> Path | None:
    """The executable of the first step that succeeds, or None; each failure's reason is added to ``attempts``."""
    for step in steps:
        try:
            return step(version)
        except StepFailed as exc:
            attempts.append(str(exc))
    return None


def forget() -> None:
    """Drop the in-process memory of resolved executables (the next :func:`ensure_solc` searches again)."""
    with _resolve_lock:
        _resolved.clear()
