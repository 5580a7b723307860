"""One devchain server per test module, on free loopback ports, always stopped; the real clients from npm.

The JavaScript clients are pinned here and installed once into hemi-sdk's cache by :mod:`hemi._npm` (``npm
install --prefix <cache>/<name>``); without node or npm the tests that need them are skipped with the reason."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from hemi.devchain import Devchain
from hemi.server import DevchainServer

CAST_VERSION = "1.7.1"  # npm @foundry-rs/cast (Foundry's cast, native binary per platform)
JS_CLIENTS = {"viem": "2.57.1", "hemi-viem": "2.6.2", "ethers": "6.17.0"}  # hemi-viem's peer dependency is viem ^2
JS_DIR = Path(__file__).resolve().parent / "js"


@pytest.fixture(scope="module")
def server():
    srv = DevchainServer(Devchain(seed=7), port=0, btc_port=0)
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def _installed_or_skip(what: str, install):
    """``install()``, or skip the test when npm/node are missing and the package is not in the cache already (an
    install failure with npm present is an error, not a skip)."""
    from hemi._npm import npm_missing
    from hemi.errors import NpmUnavailable

    try:
        return install()
    except NpmUnavailable:
        reason = npm_missing()
        if reason:
            pytest.skip(f"{what} comes from npm, and {reason}")
        raise


@pytest.fixture(scope="module")  # module, as the servers: ape's pytest plugin warns on later-set-up session fixtures
def cast_bin() -> Path:
    """Foundry's cast from npm ``@foundry-rs/cast`` (a native binary: once installed, npm is not needed)."""
    from hemi._npm import foundry_binary, foundry_platform

    if foundry_platform() is None:
        pytest.skip("@foundry-rs/cast has no binary for this platform")
    return _installed_or_skip("cast", lambda: foundry_binary("cast", CAST_VERSION))


@pytest.fixture(scope="module")  # module, as the servers: ape's pytest plugin warns on later-set-up session fixtures
def node_modules() -> Path:
    """viem and hemi-viem from npm (run by node)."""
    import shutil

    from hemi._npm import ensure_packages

    if shutil.which("node") is None:
        pytest.skip("viem / hemi-viem run in node, and node is not found on PATH")
    return _installed_or_skip("viem / hemi-viem", lambda: ensure_packages("js-clients", JS_CLIENTS)) / "node_modules"


@pytest.fixture(scope="module")  # module, as the servers: ape's pytest plugin warns on later-set-up session fixtures
def run_js(node_modules):
    """``run_js("viem_client.cjs", "basics", url=...)``: run a scenario of a script in tests/server/js with node,
    parameters as JSON on stdin, and return its JSON result (an assertion error carries node's stderr)."""

    def run(script: str, scenario: str, timeout: float = 90, **params):
        env = dict(os.environ, NODE_PATH=str(node_modules), NO_COLOR="1")
        proc = subprocess.run(["node", str(JS_DIR / script), scenario], input=json.dumps(params), text=True,
                              capture_output=True, timeout=timeout, env=env)
        assert proc.returncode == 0, f"{script} {scenario} failed:\n{proc.stderr}"
        return json.loads(proc.stdout)

    return run
