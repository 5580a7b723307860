"""examples/04_deploy_hemibtc_vault.py against a `hemi devchain` server started here, with the key from the
environment; then the deployed vault is used over HTTP, funded through the hemi_tunnel* RPC methods."""

from __future__ import annotations

import os
import pathlib
import re
import signal
import socket
import subprocess
import sys
import time

import pytest
from web3 import Web3

from hemi.btc import BitcoinChain

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"
ANVIL_KEY_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"  # public test key


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port, btc_port = free_port(), free_port()
    env = dict(os.environ, COLUMNS="200", PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "hemi.cli", "devchain", "--port", str(port), "--btc-port",
                             str(btc_port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline, seen = time.monotonic() + 60, []
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            seen.append(line)
            if "Ctrl-C to stop" in line:
                break
        else:
            raise AssertionError("".join(seen))
        assert proc.poll() is None, proc.stderr.read()
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


def rpc(w3: Web3, method: str, *params):
    out = w3.provider.make_request(method, list(params))
    assert "error" not in out, out
    return out["result"]


def test_deploy_script_against_a_devchain_server(server):
    env = dict(os.environ, HEMI_PRIVATE_KEY=ANVIL_KEY_0)
    out = subprocess.run([sys.executable, str(EXAMPLES / "04_deploy_hemibtc_vault.py"), "--rpc-url", server,
                          "--lock-seconds", "600"], capture_output=True, text=True, timeout=180, env=env)
    assert out.returncode == 0, out.stderr
    m = re.search(r"HemiBTCVault deployed at (0x[0-9a-fA-F]{40}) \(chain id 31337", out.stdout)
    assert m, out.stdout
    w3 = Web3(Web3.HTTPProvider(server, request_kwargs={"timeout": 60}))
    vault_address = m.group(1)
    assert w3.eth.get_code(vault_address)
    deployer = w3.eth.account.from_key(ANVIL_KEY_0).address

    # fund the deployer with hemiBTC through the tunnel, over JSON-RPC
    info = rpc(w3, "hemi_tunnelInfo")
    alice = BitcoinChain(seed=0).wallet("alice").address  # the server's seed is 0: same wallets
    rpc(w3, "hemi_mineBitcoin", 101, alice)
    d = rpc(w3, "hemi_tunnelDeposit", "alice", 3_000_000, deployer)
    assert d["recipient"] == deployer
    rpc(w3, "hemi_tunnelConfirm", d["txid"])
    token = w3.eth.contract(address=info["hemiBTC"], abi=[
        {"name": "approve", "type": "function", "stateMutability": "nonpayable",
         "inputs": [{"name": "s", "type": "address"}, {"name": "v", "type": "uint256"}],
         "outputs": [{"name": "", "type": "bool"}]},
        {"name": "balanceOf", "type": "function", "stateMutability": "view",
         "inputs": [{"name": "a", "type": "address"}], "outputs": [{"name": "", "type": "uint256"}]}])
    assert token.functions.balanceOf(deployer).call() == 3_000_000 - 10_000  # minimum deposit fee
    vault = w3.eth.contract(address=vault_address, abi=[
        {"name": "deposit", "type": "function", "stateMutability": "nonpayable",
         "inputs": [{"name": "sats", "type": "uint256"}], "outputs": []},
        {"name": "balanceOf", "type": "function", "stateMutability": "view",
         "inputs": [{"name": "a", "type": "address"}], "outputs": [{"name": "", "type": "uint256"}]}])
    token.functions.approve(vault_address, 2_000_000).transact({"from": deployer})
    vault.functions.deposit(2_000_000).transact({"from": deployer})
    assert vault.functions.balanceOf(deployer).call() == 2_000_000
    assert rpc(w3, "hemi_tunnelAudit")["ok"] is True


def test_deploy_script_refuses_a_chain_without_hemibtc(server):
    env = dict(os.environ, HEMI_PRIVATE_KEY=ANVIL_KEY_0)
    out = subprocess.run([sys.executable, str(EXAMPLES / "04_deploy_hemibtc_vault.py"), "--rpc-url", server,
                          "--hemibtc", "0x" + "00" * 19 + "01"], capture_output=True, text=True, timeout=180, env=env)
    assert out.returncode != 0 and "no contract at 0x0000000000000000000000000000000000000001" in out.stderr
