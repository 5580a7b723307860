"""Pinned npm packages in hemi-sdk's cache: the JavaScript tools the benchmarks and the real-client tests drive.

    root = ensure_packages("js-clients", {"viem": "2.57.1", "hemi-viem": "2.6.2"})
    # -> <cache>/js-clients, with node_modules/viem and node_modules/hemi-viem

    cast = foundry_binary("cast", "1.7.1")  # npm @foundry-rs/cast: the native binary of this platform

Each set of packages lives in its own npm prefix ``<cache>/<name>`` (``<cache>`` is ``$HEMI_CACHE_DIR`` or the
platform's user cache dir, the root of hemi-sdk's other caches), installed once with
``npm install --prefix <dir> --save-exact --ignore-scripts --no-audit --no-fund <pkg>@<version>...``. Scripts are
not run: Foundry's npm packages carry their native binaries in optional per-platform packages
(``@foundry-rs/cast-linux-amd64``...), which is where :func:`foundry_binary` looks. A marker file written last
(atomically) records what was installed, so an interrupted install, or one of other versions, is redone; a file lock
keeps two processes (pytest-xdist workers, a benchmark next to a test run) from installing into one prefix at once.
``HEMI_NPM_TIMEOUT`` (seconds, default 600) bounds the npm run.

Every failure raises :class:`hemi.errors.NpmUnavailable` saying why; :func:`npm_missing` tells beforehand whether
npm and node are on ``PATH`` at all (tests skip on it).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from hemi._files import FileLock, atomic_write_text, cache_root
from hemi.errors import NpmUnavailable

NPM_TIMEOUT_ENV = "HEMI_NPM_TIMEOUT"
_MARKER = "hemi-npm.json"


def npm_missing() -> str | None:
    """Why npm packages cannot be installed and run here (npm or node not on PATH), or None if they can."""
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    return f"{' and '.join(missing)} not found on PATH" if missing else None


def _timeout() -> float:
    try:
        return float(os.environ.get(NPM_TIMEOUT_ENV, "600"))
    except ValueError:
        return 600.0


def _spec(packages: Mapping[str, str]) -> dict[str, str]:
    return {name: str(version) for name, version in sorted(packages.items())}


def installed(root: Path, packages: Mapping[str, str]) -> bool:
    """True if ``root`` holds a finished install of exactly ``packages``."""
    try:
        marker = json.loads((root / _MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return marker.get("packages") == _spec(packages) and (root / "node_modules").is_dir()


def ensure_packages(name: str, packages: Mapping[str, str], *, root: Path | None = None) -> Path:
    """The npm prefix ``<cache>/<name>`` (or ``root``) holding ``packages`` ({npm name: exact version}), installing
    them first if needed. Returns the prefix; the packages are under its ``node_modules``."""
    root = (cache_root() / name) if root is None else Path(root)
    if installed(root, packages):
        return root
    reason = npm_missing()
    if reason:
        raise NpmUnavailable(f"cannot install {', '.join(packages)}: {reason}")
    npm = shutil.which("npm")
    assert npm is not None
    with FileLock(root.parent / f".{root.name}.npm.lock"):
        if installed(root, packages):  # another process finished it while we waited
            return root
        root.mkdir(parents=True, exist_ok=True)
        (root / _MARKER).unlink(missing_ok=True)
        specs = [f"{pkg}@{version}" for pkg, version in _spec(packages).items()]
        cmd = [npm, "install", "--prefix", str(root), "--save-exact", "--ignore-scripts", "--no-audit", "--no-fund",
               "--loglevel=error", *specs]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=_timeout(), stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise NpmUnavailable(f"`{' '.join(cmd)}` did not finish within {_timeout():g} s") from None
        except OSError as exc:
            raise NpmUnavailable(f"could not run npm: {exc}") from None
        if proc.returncode != 0:
            tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-5:])
            raise NpmUnavailable(f"`{' '.join(cmd)}` exited with {proc.returncode}: {tail}")
        for pkg, version in _spec(packages).items():
            got = _installed_version(root, pkg)
            if got != version:
                raise NpmUnavailable(f"npm installed {pkg} {got} into {root}, not {version}")
        atomic_write_text(root / _MARKER, json.dumps({"packages": _spec(packages)}, indent=2) + "\n")
    return root


def _installed_version(root: Path, package: str) -> str | None:
    try:
        meta = json.loads((root / "node_modules" / package / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    found = meta.get("version") if isinstance(meta, dict) else None
    return found if isinstance(found, str) else None


def foundry_platform() -> str | None:
    """The suffix of Foundry's per-platform npm packages for this machine (``linux-amd64``...), or None."""
    system = {"linux": "linux", "darwin": "darwin", "win32": "win32"}.get(sys.platform)
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine().lower())
    if system is None or arch is None or (system == "win32" and arch != "amd64"):
        return None
    return f"{system}-{arch}"


def find_foundry_binary(root: Path, tool: str) -> Path | None:
    """The native ``tool`` executable (anvil, cast, forge, chisel) installed under the npm prefix ``root``."""
    plat = foundry_platform()
    if plat is None:
        return None
    exe = root / "node_modules" / "@foundry-rs" / f"{tool}-{plat}" / "bin" / (tool + (".exe" if
                                                                                     plat.startswith("win") else ""))
    return exe if exe.is_file() and os.access(exe, os.X_OK) else None


def foundry_binary(tool: str, version: str, *, root: Path | None = None) -> Path:
    """The native executable of Foundry's ``tool`` at ``version`` from npm ``@foundry-rs/<tool>``, installed into
    ``<cache>/<tool>`` (or ``root``) if absent."""
    plat = foundry_platform()
    if plat is None:
        raise NpmUnavailable(f"no @foundry-rs/{tool} binary for {sys.platform}/{platform.machine()}")
    prefix = ensure_packages(tool, {f"@foundry-rs/{tool}": version}, root=root)
    binary = find_foundry_binary(prefix, tool)
    if binary is None:
        raise NpmUnavailable(f"npm installed @foundry-rs/{tool}@{version} into {prefix} but no {tool} binary was "
                             f"found (expected @foundry-rs/{tool}-{plat}/bin/{tool} under node_modules)")
    return binary
