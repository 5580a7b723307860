"""State over a server: anvil_dumpState/anvil_loadState over HTTP (data, never paths), and `hemi devchain --state`
with periodic saves that survive a kill -9, refusing bad files and unwritable paths before serving.

anvil's shape: ``anvil_dumpState`` returns the state as a hex string, ``anvil_loadState`` takes that string back
(foundry-rs/foundry crates/anvil/src/eth/api.rs, ``anvil_dump_state`` / ``anvil_load_state``).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from test_server_cli import _rpc, _start, free_port

from hemi.devchain import Devchain

ALICE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
BOB = "0x" + "22" * 20


def test_dump_and_load_state_over_http_with_anvils_names(server):
    port = server.port
    sent = _rpc(port, "eth_sendTransaction", {"from": ALICE, "to": BOB, "value": "0x5"})["result"]
    _rpc(port, "hemi_mineBitcoin", "0x2")
    _rpc(port, "hemi_syncBitcoin")
    head = _rpc(port, "eth_getBlockByNumber", "latest", False)["result"]
    btc_tip = _rpc(port, "hemi_hvmView", "latest")["result"]["light_tip_hash"]
    dumped = _rpc(port, "anvil_dumpState")["result"]
    assert dumped.startswith("0x") and bytes.fromhex(dumped[2:]).startswith(b"hemi-sdk devchain state\n")
    assert _rpc(port, "anvil_dumpState", True)["result"] == dumped  # anvil's preserve_historical_states flag
    # the dump is the devchain's, readable by the Python API
    copy = Devchain.load_state_data(bytes.fromhex(dumped[2:]))
    assert copy.w3.eth.get_block("latest").hash.to_0x_hex() == head["hash"]
    snap = _rpc(port, "evm_snapshot")["result"]
    for _ in range(3):
        _rpc(port, "eth_sendTransaction", {"from": ALICE, "to": BOB, "value": "0x1"})
    _rpc(port, "hemi_mineBitcoin", "0x3")
    assert _rpc(port, "anvil_loadState", dumped)["result"] is True
    assert _rpc(port, "eth_getBlockByNumber", "latest", False)["result"] == head
    assert _rpc(port, "eth_getBalance", BOB, "latest")["result"] == "0x5"
    assert _rpc(port, "eth_getTransactionReceipt", sent)["result"]["status"] == "0x1"
    assert _rpc(port, "hemi_hvmView", "latest")["result"]["light_tip_hash"] == btc_tip
    assert _rpc(port, "evm_revert", snap)["result"] is False  # snapshots of the replaced state are gone
    # the server goes on serving the loaded chain, and the hemi_ names are the same methods
    _rpc(port, "eth_sendTransaction", {"from": ALICE, "to": BOB, "value": "0x1"})
    assert int(_rpc(port, "eth_blockNumber")["result"], 16) == int(head["number"], 16) + 1
    assert _rpc(port, "hemi_loadState", _rpc(port, "hemi_dumpState")["result"])["result"] is True


def test_no_state_method_takes_a_path(server, tmp_path):
    target = tmp_path / "written.state"
    for name in ("anvil_dumpState", "hemi_dumpState"):
        err = _rpc(server.port, name, str(target))["error"]
        assert err["code"] == -32602 and "as data" in err["message"]
    for name in ("anvil_loadState", "hemi_loadState"):
        for arg in (str(target), "/etc/passwd", "../x.state"):
            err = _rpc(server.port, name, arg)["error"]
            assert err["code"] == -32602 and "not a path" in err["message"]
        err = _rpc(server.port, name, "0x" + b"not a state".hex())["error"]
        assert err["code"] == -32602 and "not a hemi-sdk devchain state" in err["message"]
    assert list(tmp_path.iterdir()) == []


def test_periodic_saves_survive_a_kill_9(tmp_path):
    state = tmp_path / "chain.state"
    port = free_port()
    proc = _start(["--port", str(port), "--no-btc-rpc", "--state", str(state), "--state-interval", "0.3"])
    try:
        sent = [_rpc(port, "eth_sendTransaction", {"from": ALICE, "to": BOB, "value": hex(i + 1)})["result"]
                for i in range(3)]
        _rpc(port, "hemi_mineBitcoin", "0x2")
        _rpc(port, "hemi_syncBitcoin")
        head = _rpc(port, "eth_getBlockByNumber", "latest", False)["result"]
        time.sleep(1.5)  # several intervals
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert [p.name for p in tmp_path.iterdir()] == ["chain.state"]  # no temporary file left behind
    port = free_port()
    proc = _start(["--port", str(port), "--no-btc-rpc", "--state", str(state)])
    try:
        assert _rpc(port, "eth_getBlockByNumber", "latest", False)["result"] == head
        assert all(_rpc(port, "eth_getTransactionReceipt", h)["result"]["status"] == "0x1" for h in sent)
        assert _rpc(port, "eth_getBalance", BOB, "latest")["result"] == hex(1 + 2 + 3)
    finally:
        proc.send_signal(signal.SIGTERM)  # SIGTERM saves too
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert f"state saved to {state}" in out


def test_bad_state_paths_stop_the_start_naming_them(tmp_path):
    future = tmp_path / "future.state"
    data = Devchain().dump_state_data()
    future.write_bytes(data[:24] + (9).to_bytes(2, "big") + data[26:])
    missing = tmp_path / "no" / "such" / "dir" / "chain.state"
    for path, message in ((future, "has state format 9"), (missing, "no such directory")):
        proc = subprocess.run([sys.executable, "-m", "hemi.cli", "devchain", "--port", "0", "--no-btc-rpc",
                               "--state", str(path)], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 1, proc.stderr
        assert message in proc.stderr and str(path.parent if path == missing else path) in proc.stderr
        assert "Traceback" not in proc.stderr and "Listening" not in proc.stdout
    assert future.read_bytes()[24:26] == (9).to_bytes(2, "big")  # left as it was
    assert not missing.parent.exists()
