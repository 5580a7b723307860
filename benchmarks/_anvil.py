"""Install and run anvil (Foundry's local node) for the benchmarks, from the npm package ``@foundry-rs/anvil``.

The npm package ships the native binaries as optional platform packages (``@foundry-rs/anvil-linux-amd64``, ...);
``npm install --prefix <cache>/anvil @foundry-rs/anvil@<ANVIL_VERSION>`` puts the one for this machine under
``node_modules``. The cache is ``$HEMI_CACHE_DIR`` or ``platformdirs.user_cache_dir("hemi-sdk")``, sub-folder
``anvil/`` (the same root as hemi-sdk's own caches).

    with start_anvil() as node:          # installs if absent, picks a free loopback port, waits until it answers
        w3 = Web3(Web3.HTTPProvider(node.url))

A started node is terminated on ``stop()``, on leaving the ``with`` block and, failing both, at interpreter exit.
Every failure to install or start raises :class:`AnvilUnavailable` with the reason.
"""

from __future__ import annotations

import atexit
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Optional

ANVIL_VERSION = "1.7.1"  # pinned: @foundry-rs/anvil on the npm registry
NPM_PACKAGE = "@foundry-rs/anvil"


class AnvilUnavailable(RuntimeError):
    """anvil could not be installed, found or started (the message says why)."""


def cache_dir() -> Path:
    override = os.environ.get("HEMI_CACHE_DIR")
    if override:
        root = Path(override).expanduser()
    else:
        import platformdirs

        root = Path(platformdirs.user_cache_dir("hemi-sdk", appauthor=False))
    return root / "anvil"


def _platform_package() -> Optional[str]:
    system = {"linux": "linux", "darwin": "darwin", "win32": "win32"}.get(sys.platform)
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(machine)
    if system is None or arch is None or (system == "win32" and arch != "amd64"):
        return None
    return f"{NPM_PACKAGE}-{system}-{arch}"


def _installed_version(root: Path) -> Optional[str]:
    try:
        meta = json.loads((root / "node_modules" / NPM_PACKAGE / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta.get("version")


def find_binary(root: Optional[Path] = None) -> Optional[Path]:
    """The anvil executable installed under ``root`` (default :func:`cache_dir`), or None.

    Prefers the platform package's native binary; then the copy the package's postinstall script may have placed
    next to it; last the ``node_modules/.bin`` wrapper (a node script that spawns the native binary)."""
    root = cache_dir() if root is None else root
    exe = "anvil.exe" if sys.platform == "win32" else "anvil"
    nm = root / "node_modules"
    candidates = []
    pkg = _platform_package()
    if pkg:
        candidates.append(nm / pkg / "bin" / exe)
    candidates.append(nm / NPM_PACKAGE / exe)
    candidates.append(nm / ".bin" / ("anvil.cmd" if sys.platform == "win32" else "anvil"))
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return c
    return None


def ensure_anvil(version: str = ANVIL_VERSION) -> Path:
    """Path of an anvil executable of ``version``, installing it with npm into :func:`cache_dir` if absent."""
    root = cache_dir()
    binary = find_binary(root)
    if binary is not None and _installed_version(root) == version:
        return binary
    if _platform_package() is None:
        raise AnvilUnavailable(f"no @foundry-rs/anvil binary for {sys.platform}/{platform.machine()}")
    npm = shutil.which("npm")
    if npm is None:
        raise AnvilUnavailable("npm is not on PATH (needed to install @foundry-rs/anvil)")
    root.mkdir(parents=True, exist_ok=True)
    cmd = [npm, "install", "--prefix", str(root), f"{NPM_PACKAGE}@{version}", "--no-audit", "--no-fund"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise AnvilUnavailable(f"`{' '.join(cmd)}` failed: {exc}") from exc
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        raise AnvilUnavailable(f"`{' '.join(cmd)}` exited {proc.returncode}: " + " | ".join(tail))
    binary = find_binary(root)
    if binary is None:
        raise AnvilUnavailable(f"npm installed {NPM_PACKAGE}@{version} into {root} but no anvil binary was found "
                               f"(expected {_platform_package()}/bin/anvil under node_modules)")
    return binary


def anvil_version(binary: Path) -> str:
    try:
        out = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unknown ({exc})"
    first = out.strip().splitlines()[0] if out.strip() else "unknown"
    return first.replace("anvil Version:", "").strip() or first


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AnvilNode:
    """A running anvil process on 127.0.0.1 (default mnemonic, automine, ``--silent``)."""

    def __init__(self, binary: Path, port: int, proc: subprocess.Popen, log: Path) -> None:
        self.binary, self.port, self.proc, self.log = binary, port, proc, log
        self.url = f"http://127.0.0.1:{port}"
        atexit.register(self.stop)

    def stop(self) -> None:
        proc = self.proc
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        try:
            self.log.unlink()
        except OSError:
            pass

    def __enter__(self) -> "AnvilNode":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _answers(url: str) -> bool:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}).encode()
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=2) as resp:
            return "result" in json.loads(resp.read())
    except (OSError, ValueError):
        return False


def start_anvil(binary: Optional[Path] = None, *, timeout: float = 30.0, attempts: int = 3) -> AnvilNode:
    """Start anvil on a free loopback port and return once it answers JSON-RPC (installing it first if needed)."""
    binary = ensure_anvil() if binary is None else binary
    last = "not started"
    for _ in range(attempts):  # a free port can be taken between probing and binding; retry on another
        port = _free_port()
        fd, log_name = tempfile.mkstemp(prefix="hemi-anvil-", suffix=".log")
        log = Path(log_name)
        with os.fdopen(fd, "w") as log_fh:
            try:
                proc = subprocess.Popen([str(binary), "--silent", "--host", "127.0.0.1", "--port", str(port)],
                                        stdin=subprocess.DEVNULL, stdout=log_fh, stderr=subprocess.STDOUT)
            except OSError as exc:
                log.unlink(missing_ok=True)
                raise AnvilUnavailable(f"could not run {binary}: {exc}") from exc
        node = AnvilNode(binary, port, proc, log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            if _answers(node.url):
                return node
            time.sleep(0.05)
        try:
            output = log.read_text(errors="replace").strip()[-500:]
        except OSError:
            output = ""
        code = proc.poll()
        node.stop()
        last = (f"exited with {code}" if code is not None else f"did not answer within {timeout:.0f} s") + \
            (f": {output}" if output else "")
    raise AnvilUnavailable(f"anvil on 127.0.0.1 {last}")
