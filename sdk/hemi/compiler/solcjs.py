"""Obtain solc through npm (solcjs) and present it to py-solc-x as an installed compiler.

When no native solc can be found or downloaded, :func:`install` installs the npm package ``solc@<version>`` into
``<cache>/solcjs/<version>`` through :func:`hemi._npm.ensure_packages` (hemi-sdk's one npm installer), writes a
small Node program (see :mod:`hemi.compiler._solcjs_wrapper`) plus a ``sh`` launcher next to it, and
:func:`register_with_solcx` copies the launcher into py-solc-x's install folder as ``solc-v<version>``. From then on
``solcx.get_installed_solc_versions()`` lists the version and py-solc-x, ape-solidity and hemi-sdk all run it like
a native solc.

Two processes installing at once are kept apart by a file lock; an installation only counts once its marker file
has been written (last, atomically), so an interrupted one is redone. ``HEMI_NPM_TIMEOUT`` (seconds, default 600)
bounds the npm run (:mod:`hemi._npm`).
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from hemi._files import FileLock, atomic_write_text, cache_root
from hemi._npm import ensure_packages, npm_missing
from hemi.compiler._solcjs_wrapper import render_wrapper
from hemi.compiler._versions import StepFailed, probe_version, tail
from hemi.errors import NpmUnavailable

SHIM_MARKER = "# hemi-sdk solcjs launcher"
_MARKER_FILE = "hemi-solcjs.json"
_WRAPPER_FILE = "hemi-solc.js"
_LAUNCHER_FILE = "solc"


def install_dir(version: str) -> Path:
    """Where solcjs ``version`` lives: ``<cache>/solcjs/<version>``."""
    return cache_root() / "solcjs" / version


def _launcher_text(node: str, wrapper: Path, version: str) -> str:
    return (
        "#!/bin/sh\n"
        f"{SHIM_MARKER} for solc {version}\n"
        f"NODE={shlex.quote(node)}\n"
        '[ -x "$NODE" ] || NODE=node\n'
        f'exec "$NODE" {shlex.quote(str(wrapper))} "$@"\n'
    )


def _installed(target: Path) -> dict[str, str] | None:
    marker = target / _MARKER_FILE
    try:
        info = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(info, dict) or not (target / _WRAPPER_FILE).is_file() or not (target / _LAUNCHER_FILE).is_file():
        return None
    return {str(k): str(v) for k, v in info.items()}


def install(version: str) -> Path:
    """Install solcjs ``version`` into the cache (once) and return its launcher; raise ``StepFailed`` if impossible."""
    if sys.platform == "win32":
        raise StepFailed("solcjs: the solcjs launcher is a POSIX sh script; not supported on Windows")
    missing = npm_missing()
    node = shutil.which("node")
    if missing is not None or node is None:
        raise StepFailed(f"solcjs: {missing or 'node not found on PATH'}")
    node = os.path.realpath(node)  # the binary itself, not a symlink that may be temporary
    target = install_dir(version)
    lock = target.parent / f".{version}.lock"
    with FileLock(lock):
        info = _installed(target)
        if info is not None and info.get("node") != node:
            # node moved (another nvm version, say): only the launcher needs rewriting.
            _write_launcher(target, node, version, info)
        if info is None:
            if target.exists():
                shutil.rmtree(target)
            target.mkdir(parents=True)
            try:
                ensure_packages("solcjs", {"solc": version}, root=target)
            except NpmUnavailable as exc:
                raise StepFailed(f"solcjs: {exc}") from None
            module = target / "node_modules" / "solc"
            long_version = _module_version(node, module)
            if not long_version.startswith(version + "+"):
                raise StepFailed(f"solcjs: npm installed solc {long_version}, not {version}")
            info = {"version": version, "long_version": long_version, "module": str(module), "node": node}
            atomic_write_text(target / _WRAPPER_FILE, render_wrapper(str(module), long_version))
            _write_launcher(target, node, version, info)
    launcher = target / _LAUNCHER_FILE
    found = probe_version(launcher)
    if not found.startswith(version + "+"):
        raise StepFailed(f"solcjs: launcher {launcher} reports {found}, not {version}")
    return launcher


def _write_launcher(target: Path, node: str, version: str, info: dict[str, str]) -> None:
    atomic_write_text(target / _LAUNCHER_FILE, _launcher_text(node, target / _WRAPPER_FILE, version), mode=0o755)
    info = {**info, "node": node}
    atomic_write_text(target / _MARKER_FILE, json.dumps(info, sort_keys=True, indent=2) + "\n")


def _module_version(node: str, module: Path) -> str:
    script = "process.stdout.write(require(process.argv[1]).version())"
    try:
        proc = subprocess.run(
            [node, "-e", script, str(module)], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise StepFailed(f"solcjs: could not load the installed solc package: {exc}") from None
    if proc.returncode != 0:
        raise StepFailed(f"solcjs: loading the installed solc package failed: {tail(proc.stderr)}")
    return proc.stdout.strip()


def is_hemi_launcher(path: Path) -> bool:
    """True if ``path`` is a launcher this module wrote (and so may be replaced)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(256)
    except OSError:
        return False
    return SHIM_MARKER.encode() in head


def register_with_solcx(version: str, launcher: Path) -> Path:
    """Copy ``launcher`` into py-solc-x's install folder as ``solc-v<version>`` and return that path.

    An existing entry is replaced only if it is one of ours; a foreign one (a real solc that does not run, say) is
    left alone and the cache launcher is returned instead.
    """
    import solcx  # deferred: py-solc-x and requests cost ~0.1 s; only a solc lookup or install needs them

    folder = Path(solcx.get_solcx_install_folder())
    folder.mkdir(parents=True, exist_ok=True)
    entry = folder / f"solc-v{version}"
    if entry.exists() and not is_hemi_launcher(entry):
        return launcher
    text = launcher.read_text(encoding="utf-8")
    try:
        current = entry.read_text(encoding="utf-8") if entry.exists() else None
    except (OSError, UnicodeDecodeError):
        current = None
    if current != text:
        atomic_write_text(entry, text, mode=0o755)
    return entry
