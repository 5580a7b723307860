"""``hemi devchain --fork-url`` as a subprocess, with the server's other flags (``--port 0``, ``--no-btc-rpc``,
``--quiet``): it serves the fork from block N on; an unreachable URL exits nonzero naming it, in seconds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from click.testing import CliRunner
from fork_helpers import rpc

from hemi.cli import main


def _hemi(*args: str, **kw) -> subprocess.Popen:
    env = dict(os.environ, PYTHONUNBUFFERED="1", COLUMNS="200")
    return subprocess.Popen([sys.executable, "-m", "hemi.cli", "devchain", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, **kw)


def test_serves_the_fork_with_port_0_no_btc_rpc_quiet(remote, tmp_path):
    n = remote.fork_block - 2
    proc = _hemi("--fork-url", remote.url, "--fork-block-number", str(n), "--port", "0", "--no-btc-rpc", "--quiet",
                 "--no-fork-cache")
    try:
        first = proc.stdout.readline()
        assert first.startswith("http http://127.0.0.1:"), first + proc.stderr.read()
        url = first.split()[1]
        assert rpc(url, "eth_blockNumber") == hex(n)
        assert rpc(url, "eth_chainId") == hex(remote.dev.config.chain_id)  # the remote's, not the default's
        assert rpc(url, "eth_getBlockByNumber", hex(n), False)["hash"] == \
            rpc(remote.url, "eth_getBlockByNumber", hex(n), False)["hash"]
        assert rpc(url, "eth_getBalance", remote.whale, "latest") == rpc(remote.url, "eth_getBalance", remote.whale,
                                                                           hex(n))
        # anvil's impersonation over JSON-RPC: an account with no key here (a whale, a vault operator) sends
        assert rpc(url, "anvil_impersonateAccount", remote.whale) is None
        h = rpc(url, "eth_sendTransaction", {"from": remote.whale, "to": remote.counter, "gas": "0x30000"})
        assert rpc(url, "eth_getTransactionReceipt", h)["status"] == "0x1"
        assert rpc(url, "eth_blockNumber") == hex(n + 1)
        assert rpc(url, "eth_getStorageAt", remote.counter, "0x0", "latest") == "0x" + (43).to_bytes(32, "big").hex()
        assert rpc(remote.url, "eth_getStorageAt", remote.counter, "0x0", "latest") == \
            "0x" + (42).to_bytes(32, "big").hex()
        assert int(rpc(remote.url, "eth_blockNumber"), 16) >= remote.fork_block  # the remote did not move
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)


def test_unreachable_url_exits_nonzero_naming_it():
    start = time.monotonic()
    result = CliRunner().invoke(main, ["devchain", "--fork-url", "http://127.0.0.1:9", "--port", "0", "--no-btc-rpc",
                                       "--quiet"])
    assert result.exit_code != 0
    assert "http://127.0.0.1:9" in result.output and "not reachable" in result.output
    assert time.monotonic() - start < 5


def test_fork_flags_are_checked():
    result = CliRunner().invoke(main, ["devchain", "--fork-block-number", "3", "--port", "0"])
    assert result.exit_code == 2 and "--fork-block-number needs --fork-url" in result.output
    result = CliRunner().invoke(main, ["devchain", "--fork-url", "http://127.0.0.1:9", "--state", "x.json"])
    assert result.exit_code == 2 and "--state cannot be used with --fork-url" in result.output
