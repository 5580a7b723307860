"""`hemi devchain` as a subprocess: banner, eth_chainId over HTTP, clean exit on SIGINT; `hemi compile`."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_until(proc, pattern, timeout=30.0):
    """Lines of stdout until one matches ``pattern`` (the banner's last line)."""
    lines, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if re.search(pattern, line):
            return "".join(lines)
    raise AssertionError("no match for {!r} in:\n{}".format(pattern, "".join(lines)))


def test_devchain_command_serves_and_stops_on_sigint():
    port, btc_port = free_port(), free_port()
    env = dict(os.environ, COLUMNS="200", PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "hemi.cli", "devchain", "--port", str(port), "--btc-port",
                             str(btc_port), "--chain-id", "43111", "--accounts", "3", "--keystone-interval", "5",
                             "--finality-rpc", "v1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        banner = read_until(proc, "Ctrl-C to stop")
        assert "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" in banner
        assert "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80" in banner
        assert "0x7007dd1C09527B92AEcd8Ae6570B73d09E0B8F12" in banner
        assert "0xAA40c0c7644e0b2B224509571e10ad20d9C4ef28" in banner
        assert "0xEAcA824F46c000fB89403846Bb57e6b913321081" in banner
        assert "bcrt1q" in banner and "alice" in banner
        assert "hVM profile deployed (0x45 empty)" in banner  # the default profile and 0x45 mode
        assert f"http://127.0.0.1:{port}" in banner and f"ws://127.0.0.1:{port}" in banner
        assert f":{btc_port}" in banner
        req = urllib.request.Request(f"http://127.0.0.1:{port}", headers={"Content-Type": "application/json"},
                                     data=json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"}).encode())
        with urllib.request.urlopen(req, timeout=10) as r:
            assert json.loads(r.read())["result"] == hex(43111)

        def call(method, *params):
            body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).encode()
            request = urllib.request.Request(f"http://127.0.0.1:{port}", data=body,
                                             headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=30) as r:
                return json.loads(r.read())["result"]

        call("evm_mine", "0x5")  # keystone 5 exists now
        keystone_block = call("eth_getBlockByNumber", "0x5", False)["hash"]
        (legacy,) = call("optimism_btcFinalityByBlockHash", keystone_block)  # --finality-rpc v1: a one-item list
        assert legacy["l2_keystone"]["l2_block_number"] == 5 and legacy["btc_finality"] <= 100
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)  # a hang guard, not a speed check
        assert proc.returncode == 0, err
        assert "devchain stopped" in out
        assert "Traceback" not in err
        with socket.socket() as s:  # the port is free again (for a server: TIME_WAIT is allowed, as http.server does)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", port))
            s.listen()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_devchain_binds_beyond_loopback_only_when_asked():
    """`--host 0.0.0.0` is the explicit opt-in (as anvil's --host): the server binds every interface, says so in a
    warning, and is reachable on loopback; without --host it listens on 127.0.0.1 only (see
    test_server_bad_input.test_default_binding_is_loopback_and_remote_only_when_asked)."""
    port = free_port()
    env = dict(os.environ, COLUMNS="200", PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "hemi.cli", "devchain", "--host", "0.0.0.0", "--port", str(port),
                             "--no-btc-rpc", "--accounts", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        banner = read_until(proc, "Ctrl-C to stop")
        assert "Warning: bound to 0.0.0.0" in banner
        req = urllib.request.Request(f"http://127.0.0.1:{port}", headers={"Content-Type": "application/json"},
                                     data=json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"}).encode())
        with urllib.request.urlopen(req, timeout=10) as r:
            assert json.loads(r.read())["result"] == hex(31337)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)  # a hang guard, not a speed check
        assert proc.returncode == 0, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def _rpc(port, method, *params):
    req = urllib.request.Request(f"http://127.0.0.1:{port}", headers={"Content-Type": "application/json"},
                                 data=json.dumps({"jsonrpc": "2.0", "id": 1, "method": method,
                                                  "params": list(params)}).encode())
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def _start(args):
    env = dict(os.environ, COLUMNS="200", PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "hemi.cli", "devchain", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    read_until(proc, "Ctrl-C to stop")
    return proc


def test_devchain_state_is_saved_on_ctrl_c_and_loaded_at_start(tmp_path):
    """anvil's --state habit: load at start if the file exists, save on exit (and periodically: see
    tests/server/test_server_state.py)."""
    state = tmp_path / "chain.state"
    port = free_port()
    proc = _start(["--port", str(port), "--no-btc-rpc", "--chain-id", "4242", "--state", str(state),
                   "--state-interval", "0"])
    try:
        acct = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
        sent = _rpc(port, "eth_sendTransaction", {"from": acct, "to": "0x" + "22" * 20, "value": "0x1234"})["result"]
        _rpc(port, "hemi_mineBitcoin", "0x3")
        _rpc(port, "hemi_syncBitcoin")
        head = _rpc(port, "eth_getBlockByNumber", "latest", False)["result"]
        assert state.exists()  # saved once before serving, so an unwritable path fails at start
        at_start = state.read_bytes()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        assert f"state saved to {state}" in out and state.read_bytes() != at_start
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    port = free_port()
    proc = _start(["--port", str(port), "--no-btc-rpc", "--state", str(state), "--chain-id", "99"])
    try:
        assert _rpc(port, "eth_chainId")["result"] == hex(4242)  # the file's chain, not the option's
        assert _rpc(port, "eth_getBlockByNumber", "latest", False)["result"] == head
        assert _rpc(port, "eth_getTransactionReceipt", sent)["result"]["status"] == "0x1"
        assert _rpc(port, "eth_getBalance", "0x" + "22" * 20, "latest")["result"] == "0x1234"
        dumped = _rpc(port, "hemi_dumpState")["result"]
        from hemi.devchain import Devchain

        copy = Devchain.load_state_data(bytes.fromhex(dumped[2:]))
        assert copy.w3.eth.get_block("latest").hash.to_0x_hex() == head["hash"]
        assert _rpc(port, "hemi_dumpState", str(tmp_path / "copy.state"))["error"]["code"] == -32602  # no paths
        assert not (tmp_path / "copy.state").exists()
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert f"note: --chain-id ignored: the chain comes from the state file {state}" in err


def test_the_mining_mode_comes_from_the_command_line_not_the_state_file(tmp_path):
    """A file saved by `--block-time` (interval mining: the server turned automine off) loaded without it automines,
    as anvil's --state does: the mining mode is an option of the run, not part of the chain."""
    state = tmp_path / "chain.state"
    proc = _start(["--port", str(free_port()), "--no-btc-rpc", "--block-time", "3600", "--state", str(state)])
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and state.exists(), err
    port = free_port()
    proc = _start(["--port", str(port), "--no-btc-rpc", "--state", str(state)])
    try:
        assert _rpc(port, "anvil_getAutomine")["result"] is True
        sent = _rpc(port, "eth_sendTransaction", {"from": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
                                                  "to": "0x" + "22" * 20, "value": "0x1"})["result"]
        assert _rpc(port, "eth_getTransactionReceipt", sent)["result"]["status"] == "0x1"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)


def test_a_damaged_state_file_stops_the_start_with_a_clear_message(tmp_path):
    bad = tmp_path / "bad.state"
    bad.write_bytes(b"garbage")
    proc = subprocess.run([sys.executable, "-m", "hemi.cli", "devchain", "--port", "0", "--no-btc-rpc",
                           "--state", str(bad)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "not a hemi-sdk devchain state file" in proc.stderr and "Traceback" not in proc.stderr
    assert bad.read_bytes() == b"garbage"


def test_demo_command_still_registered():
    from hemi.cli import main

    assert {"demo", "devchain", "compile"} <= set(main.commands)


def test_compile_command(tmp_path):
    from click.testing import CliRunner

    from hemi.cli import main

    (tmp_path / "Two.sol").write_text("// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\n"
                                      "contract A { function f() external pure returns (uint) { return 1; } }\n"
                                      "interface B { function g() external; }\n")
    result = CliRunner().invoke(main, ["compile", str(tmp_path / "Two.sol")])
    assert result.exit_code == 0, result.output
    assert "Two.sol:A" in result.output and "Two.sol:B" in result.output


def test_a_port_in_use_names_the_port_and_the_flag():
    """`hemi devchain --port P` with P taken exits nonzero before serving, naming P and the flags that move it."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "hemi.cli", "devchain", "--port", str(port), "--no-btc-rpc"],
                              capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert f"port {port} (JSON-RPC, --port) is already in use" in proc.stderr and "0 for a free one" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_two_servers_with_port_0_run_at_once_on_free_ports(tmp_path):
    """README's `hemi devchain --quiet --port 0  # only the URLs, on free ports`: without --btc-port, port 0 frees
    the Bitcoin RPC port too, so two such servers do not collide on 18443."""
    env = dict(os.environ, PYTHONUNBUFFERED="1", HEMI_DATA_DIR=str(tmp_path))
    procs = []
    try:
        urls = []
        for _ in range(2):
            proc = subprocess.Popen([sys.executable, "-m", "hemi.cli", "devchain", "--quiet", "--port", "0",
                                     "--accounts", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                    env=env)
            procs.append(proc)
            try:
                out = read_until(proc, r"^bitcoin ")
            except AssertionError:
                proc.kill()
                raise AssertionError(proc.communicate()[1]) from None
            urls.append(dict(line.split(" ", 1) for line in out.splitlines()))
        btc_ports = [int(u["bitcoin"].rsplit(":", 1)[1]) for u in urls]
        assert 18443 not in btc_ports and btc_ports[0] != btc_ports[1], urls
        for u in urls:
            assert _rpc(int(u["http"].rsplit(":", 1)[1]), "eth_chainId")["result"] == hex(31337)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
            proc.communicate(timeout=60)


def test_port_0_keeps_an_explicit_btc_port_and_an_error_names_the_port_in_use(tmp_path):
    """`--port 0 --btc-port P` with P taken: the message names P and --btc-port, not 'port 0'."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "hemi.cli", "devchain", "--port", "0", "--btc-port", str(port)],
                              capture_output=True, text=True, timeout=60,
                              env=dict(os.environ, HEMI_DATA_DIR=str(tmp_path)))
    assert proc.returncode != 0
    assert f"port {port} (Bitcoin RPC, --btc-port) is already in use" in proc.stderr, proc.stderr
    assert "port 0" not in proc.stderr and "Traceback" not in proc.stderr
