"""`hemi devchain` stops at once on Ctrl-C (SIGINT) or SIGTERM while a long eth_call runs, and still saves its state.

The EVM runs on the server's thread and cannot be killed from outside: the server used to wait for the call to end
(up to --call-timeout, which a user may raise to minutes) before the state saved on exit could take the devchain's
lock. Stopping now aborts the call at its next clock check (hemi.hvm.deadline.abort), its state thrown away as on a
timeout, so the exit save writes the chain as it was before the call. anvil and geth stop on the first SIGINT too
(geth cancels in-flight RPC calls on shutdown: ethereum/go-ethereum rpc/server.go ``Stop``).
"""

from __future__ import annotations

import json
import signal
import threading
import time
import urllib.request

import pytest
from test_server_cli import _rpc, _start, free_port

LOOPER = "0x" + "00" * 19 + "1f"  # JUMPDEST PUSH1 0 JUMP: loops until the gas runs out


def _pairing_input(pairs: int) -> str:
    """BN254 pairing-check input: ``pairs`` times (G1, G2), ~0.12 s of py-evm per pair."""
    from py_ecc import optimized_bn128 as bn

    g1, g2 = bn.normalize(bn.G1), bn.normalize(bn.G2)
    words = (g1[0].n, g1[1].n, g2[0].coeffs[1], g2[0].coeffs[0], g2[1].coeffs[1], g2[1].coeffs[0])
    return "0x" + b"".join(w.to_bytes(32, "big") for w in words).hex() * pairs


def _post(port: int, method: str, *params, timeout: float = 120) -> dict:
    req = urllib.request.Request(f"http://127.0.0.1:{port}", headers={"Content-Type": "application/json"},
                                 data=json.dumps({"jsonrpc": "2.0", "id": 1, "method": method,
                                                  "params": list(params)}).encode())
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read())


@pytest.mark.parametrize("signum,call", [
    (signal.SIGINT, {"to": "0x" + "00" * 19 + "08", "data": _pairing_input(300), "gas": hex(50_000_000)}),
    (signal.SIGTERM, {"to": LOOPER, "gas": hex(50_000_000)}),
], ids=["SIGINT-precompile", "SIGTERM-loop"])
def test_stop_during_a_long_call_is_prompt_and_saves_the_state(tmp_path, signum, call):
    """A pairing check of 300 pairs runs ~35 s; the loop's 50M gas ~3 s (the opcode path)."""
    state = tmp_path / "chain.state"
    port = free_port()
    proc = _start(["--port", str(port), "--no-btc-rpc", "--call-timeout", "600", "--state", str(state),
                   "--state-interval", "0"])
    try:
        assert "error" not in _rpc(port, "anvil_setCode", LOOPER, "0x5b600056")
        sender = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
        sent = _rpc(port, "eth_sendTransaction", {"from": sender, "to": "0x" + "22" * 20, "value": "0x1234"})["result"]
        outcome: list = []

        def long_call() -> None:
            try:
                outcome.append(_post(port, "eth_call", call, "latest"))
            except OSError as err:  # the server closed the connection on its way out: also fine
                outcome.append(err)

        caller = threading.Thread(target=long_call, daemon=True)
        caller.start()
        time.sleep(1.0)  # the call is running on the server's thread
        assert caller.is_alive()
        start = time.monotonic()
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=60)  # a hang guard; the speed is checked below
        elapsed = time.monotonic() - start
        assert proc.returncode == 0, err
        assert elapsed < 2.5, (elapsed, out, err)
        assert f"state saved to {state}" in out and "devchain stopped" in out
        assert "Traceback" not in err
        caller.join(timeout=10)
        assert not caller.is_alive() and outcome
        if isinstance(outcome[0], dict):
            assert outcome[0]["error"]["code"] == -32000 and "stopping" in outcome[0]["error"]["message"]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    from hemi.devchain import Devchain

    dev = Devchain.load_state(state)  # the file is whole: the chain as it was before the aborted call
    assert dev.w3.eth.get_transaction_receipt(sent)["status"] == 1
    assert dev.w3.eth.get_code(dev.w3.to_checksum_address(LOOPER)) == bytes.fromhex("5b600056")


def test_the_exit_save_waits_for_a_request_that_cannot_be_stopped_only_so_long(tmp_path):
    """A request the abort cannot stop (mining, a transaction) holds the lock: the exit save gives up after its wait,
    says why, and leaves the file as its last save wrote it (never half-written)."""
    from hemi.devchain import Devchain
    from hemi.errors import HemiError
    from hemi.node.state.autosave import Autosaver

    lock = threading.RLock()
    path = tmp_path / "chain.state"
    saver = Autosaver(Devchain(seed=3), path, interval=0, lock=lock)
    assert saver.save(wait=1.0)
    written = path.read_bytes()
    held, release = threading.Event(), threading.Event()

    def busy() -> None:
        with lock:
            held.set()
            release.wait(10)

    worker = threading.Thread(target=busy, daemon=True)
    worker.start()
    held.wait(5)
    saver.dev.mine(1)  # a change the save would write
    start = time.monotonic()
    with pytest.raises(HemiError, match="still held the devchain after 0.3s"):
        saver.save(wait=0.3)
    assert time.monotonic() - start < 2 and path.read_bytes() == written
    release.set()
    worker.join(5)
    assert saver.save(wait=1.0) and path.read_bytes() != written


def test_stopping_ends_a_long_bitcoin_batch_before_its_next_entry(tmp_path):
    """A Bitcoin batch holds the devchain's lock for the whole body (up to --batch-timeout): stop() ends it before its
    next entry, so the lock is free at once for the exit save."""
    import base64

    from hemi.devchain import Devchain
    from hemi.server import DevchainServer, Limits

    server = DevchainServer(Devchain(seed=4), port=0, btc_port=0, cookie_dir=tmp_path,
                            limits=Limits(batch_timeout=600, max_blocks=50))
    server.start()
    address = server.dev.btc.wallet("bob").address
    batch = [{"jsonrpc": "2.0", "id": i, "method": "generatetoaddress", "params": [50, address]} for i in range(1000)]
    auth = base64.b64encode(":".join(server.btc_credentials).encode()).decode()
    req = urllib.request.Request(f"http://127.0.0.1:{server.btc_port}", data=json.dumps(batch).encode(),
                                 headers={"Content-Type": "application/json", "Authorization": f"Basic {auth}"})
    caller = threading.Thread(target=lambda: _ignore_errors(urllib.request.urlopen, req, timeout=60), daemon=True)
    caller.start()
    time.sleep(0.3)  # the batch is running (~3 s in all)
    start = time.monotonic()
    server.stop()
    got = server.lock.acquire(timeout=2)
    assert got and time.monotonic() - start < 2
    height = server.dev.btc.height
    server.lock.release()
    assert 0 < height < 1000 * 50  # it mined, then stopped short
    caller.join(10)


def _ignore_errors(fn, *args, **kwargs) -> None:
    try:
        fn(*args, **kwargs).read()
    except OSError:  # the server closed the connection on its way out
        pass
