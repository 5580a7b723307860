"""hemi-viem's whole Bitcoin-tunnel surface (npm ``hemi-viem``, pinned in conftest.py) against a devchain served with
chain id 43111, where hemi-viem finds the BitcoinTunnelManager by chain id (hemilabs/hemi-viem
src/contracts/bitcoin-tunnel-manager.ts ``bitcoinTunnelManagerAddresses``).

First the ABIs: every function and event of hemi-viem's manager, vault, vault-state and global-config ABI files must
exist in our shipped artifacts with the same inputs and outputs. Then every exported tunnel action runs through node
(tests/server/js/hemi_viem_tunnel.cjs) and each answer is checked against the devchain's own state read through the
Python API: the vault's status, fees, deposits, the withdrawal queue, a withdrawal made with hemi-viem's wallet
action showing up in ``dev.tunnel``, a challenge through hemi-viem re-minting.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from hemi.btc import COIN
from hemi.compiler import shipped
from hemi.devchain import HBK_ADDRESS, Devchain
from hemi.node.tunnel.genesis import STATUS_NAMES, TUNNEL_MANAGER_ADDRESS, VAULT_ADDRESS, VAULT_STATE_ADDRESS
from hemi.server import DevchainServer

ABI_SCRIPT = Path(__file__).resolve().parents[1] / "node" / "tunnel" / "js" / "hemi_viem_abis.cjs"
OURS = {"manager": ("BitcoinTunnelManager",), "vault": ("SimpleBitcoinVault",),
        "vaultState": ("SimpleBitcoinVaultState",), "globalConfig": ("GlobalConfig",)}


@pytest.fixture(scope="module")
def server():
    srv = DevchainServer(Devchain(seed=7, chain_id=43111), port=0, btc_port=0)
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def _type(p: dict) -> str:
    if p["type"].startswith("tuple"):
        return "(" + ",".join(_type(c) for c in p["components"]) + ")" + p["type"][5:]
    return p["type"]


def _items(abi: list) -> dict[str, tuple]:
    out = {}
    for it in abi:
        if it["type"] == "function":
            ro = it["stateMutability"] in ("view", "pure")
            out["f " + it["name"] + "(" + ",".join(_type(i) for i in it["inputs"]) + ")"] = (
                tuple(_type(o) for o in it["outputs"]), ro)
        elif it["type"] == "event":
            out["e " + it["name"] + "(" + ",".join(_type(i) for i in it["inputs"]) + ")"] = tuple(
                bool(i.get("indexed")) for i in it["inputs"])
    return out


def test_hemi_viem_tunnel_abis_match_our_contracts(node_modules):
    """Every function (inputs, outputs, read-only or not) and event (with its indexed flags) of hemi-viem's four tunnel
    ABI files is in our artifacts; 18 + 57 + 109 + 1 items, constructors and errors left aside."""
    env = dict(os.environ, NODE_PATH=str(node_modules))
    theirs = json.loads(subprocess.run(["node", str(ABI_SCRIPT)], capture_output=True, text=True, check=True,
                                       env=env, timeout=60).stdout)
    assert theirs["managerAddresses"]["43111"] == TUNNEL_MANAGER_ADDRESS
    checked = 0
    for key, (name,) in OURS.items():
        ours = _items(shipped.load(name).abi)
        for sig, want in _items(theirs[key]).items():
            assert sig in ours, f"{name} lacks {sig}"
            assert ours[sig] == want, f"{name} {sig}: ours {ours[sig]}, hemi-viem {want}"
            checked += 1
    assert checked == 4 + 13 + 7 + 48 + 12 + 95 + 1  # events + functions of each file, as hemi-viem ships them


@pytest.fixture(scope="module")
def world(server):
    """alice's coins; deposit 1 confirmed through Python (recipient: account 1); deposit 2 buried but unconfirmed."""
    dev = server.dev
    with server.lock:
        btc, t = dev.btc, dev.tunnel
        alice = btc.wallet("alice")
        btc.mine(3, to=alice.address)
        btc.mine(101)
        dev.sync_btc()
        d1 = t.deposit(alice, 40_000_000, recipient=dev.accounts[1])
        t.confirm(d1)
        d2 = t.deposit(alice, 25_000_000, recipient=dev.accounts[2], recipient_format="hex")
        btc.mine(1)
        t._bury(btc.tx(d2.txid).height)
        dev.mine(1)
    return {"d1": d1, "d2": d2, "bob": btc.wallet("bob").address}


def _params(server, **extra):
    return {"url": server.url, "chainId": server.dev.config.chain_id, **extra}


def _key(server, i: int) -> str:
    return "0x" + server.dev.accounts[i].private_key.hex()


def test_wallet_confirm_deposit_mints_what_the_vault_reports(server, world, run_js):
    """hemi-viem confirmDeposit (wallet action) for deposit 2 mints net = gross - calculateDepositFee."""
    dev, d2 = server.dev, world["d2"]
    t = dev.tunnel
    before = t.balance_of(dev.accounts[2])
    r = run_js("hemi_viem_tunnel.cjs", "confirmDeposit", **_params(server, key=_key(server, 3), txid=str(d2.txid),
                                                                    outputIndex=d2.vout))
    assert r["status"] == "success"
    with server.lock:
        assert t.balance_of(dev.accounts[2]) - before == 25_000_000 - t.deposit_fee(25_000_000)
        assert t.is_confirmed(d2)


def test_reads_and_wallet_withdrawal_and_challenge(server, world, run_js):
    dev = server.dev
    t = dev.tunnel
    # a withdrawal through hemi-viem's wallet action shows up in the Python API and is paid by the operator
    r = run_js("hemi_viem_tunnel.cjs", "initiateWithdrawal",
               **_params(server, key=_key(server, 1), amount=str(5_000_000), btcAddress=world["bob"]))
    assert r["status"] == "success"
    with server.lock:
        (w1,) = [w for w in t.withdrawals() if w.tx_hash.hex() == r["hash"].removeprefix("0x")]
        assert (w1.withdrawer, w1.amount_sats, w1.btc_address) == (dev.accounts[1], 5_000_000, world["bob"])
        assert w1.net_sats == 5_000_000 - t.withdrawal_fee(5_000_000)
        t.finalize(w1)
        t.set_operator_policy("never")
        w2 = t.withdraw(dev.accounts[1], 2_000_000, btc_address=world["bob"])
        dev.time_travel(seconds=12 * 3600)
        dev.mine(1)
    # challenge w2 through hemi-viem: hemiBTC re-minted
    before = t.balance_of(dev.accounts[1])
    r = run_js("hemi_viem_tunnel.cjs", "challengeWithdrawal", **_params(server, key=_key(server, 4), uuid=str(w2.uuid)))
    assert r["status"] == "success"
    with server.lock:
        assert t.balance_of(dev.accounts[1]) - before == 2_000_000
        assert t.withdrawal(w2.uuid).status == "challenged"
        t.set_operator_policy("prompt")
    # every public read
    got = run_js("hemi_viem_tunnel.cjs", "reads",
                 **_params(server, custodyAddress=t.custody_address, depositTxid=str(world["d1"].txid),
                           amount=str(3 * COIN), uuids=[str(w1.uuid), str(w2.uuid)]))
    with server.lock:
        st = t.vault_state.functions
        assert got["managerAddress"] == TUNNEL_MANAGER_ADDRESS
        assert got["vaultCounter"] == t.manager.functions.vaultCounter().call() == 1
        assert got["vaultAddress"] == VAULT_ADDRESS and got["vaultIndexByBTCAddress"] == 0
        assert got["bitcoinKitAddress"] == HBK_ADDRESS
        assert got["globalConfigAddress"] == t.global_config.address
        assert got["withdrawalsPaused"] is False == t.global_config.functions.withdrawalsPaused().call()
        assert got["tunnelManagerStatus"] == {"withdrawalsPaused": False}
        kit = dev.w3.eth.contract(address=HBK_ADDRESS, abi=shipped.load("IBitcoinKit").abi)
        header = kit.functions.getLastHeader().call()
        assert got["bitcoinChainLastHeader"]["height"] == header[0] > 100
        assert got["bitcoinChainLastHeader"]["blockHash"] == "0x" + bytes(header[1]).hex()
        assert got["custodyAddress"] == t.custody_address
        assert got["vaultStateAddress"] == VAULT_STATE_ADDRESS
        assert int(got["gracePeriod"]) == t.grace_period_seconds == 12 * 3600
        assert int(got["minimumDepositSats"]) == int(got["minimumWithdrawalSats"]) == 1_000_000
        assert STATUS_NAMES[got["vaultStatus"]] == t.status() == "LIVE"
        assert got["depositAcknowledged"] is True and got["unknownAcknowledged"] is False
        assert int(got["depositFee"]) == t.deposit_fee(3 * COIN) == 3 * COIN * 10 // 10_000
        assert int(got["withdrawalFee"]) == t.withdrawal_fee(3 * COIN)
        assert int(got["pendingWithdrawalCount"]) == st.pendingWithdrawalCount().call() == 0
        assert int(got["pendingWithdrawalAmountSat"]) == st.pendingWithdrawalAmountSat().call() == 0
        assert got["fulfilled"] == [True, False] and got["challenged"] == [False, True]


def test_tunnel_manager_status_follows_the_pause_switch(server, world, run_js):
    dev = server.dev
    with server.lock:
        cfg = dev.tunnel.global_config
        cfg.functions.setWithdrawalsPaused(True).transact({"from": dev.tunnel.operator.address})
    try:
        got = run_js("hemi_viem_tunnel.cjs", "reads",
                     **_params(server, custodyAddress=dev.tunnel.custody_address, depositTxid=str(world["d1"].txid),
                               amount="1000000", uuids=[]))
        assert got["tunnelManagerStatus"] == {"withdrawalsPaused": True} and got["withdrawalsPaused"] is True
    finally:
        with server.lock:
            cfg.functions.setWithdrawalsPaused(False).transact({"from": dev.tunnel.operator.address})


def test_encoders_build_calldata_our_manager_decodes(server, world, run_js):
    got = run_js("hemi_viem_tunnel.cjs", "encoders",
                 **_params(server, txid=str(world["d1"].txid), amount="1234567", btcAddress=world["bob"],
                           uuid=str((0 << 32) | 7)))
    m = server.dev.tunnel.manager
    fn, args = m.decode_function_input(got["confirmDeposit"])
    assert fn.fn_name == "confirmDeposit" and args["txid"] == world["d1"].txid.display_bytes
    fn, args = m.decode_function_input(got["initiateWithdrawal"])
    assert (fn.fn_name, args["btcAddress"], args["amount"]) == ("initiateWithdrawal", world["bob"], 1234567)
    fn, args = m.decode_function_input(got["challengeWithdrawal"])
    assert (fn.fn_name, args["uuid"]) == ("challengeWithdrawal", 7)


def test_hemi_devchain_cli_with_chain_id_43111_serves_hemi_viem(run_js):
    """``hemi devchain --chain-id 43111`` (the command itself, in a subprocess): a deposit made and confirmed through
    the hemi_tunnel* RPC, then hemi-viem's reads and its wallet withdrawal against the running command."""
    import socket
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, COLUMNS="200", PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "hemi.cli", "devchain", "--port", str(port), "--no-btc-rpc",
                             "--chain-id", "43111"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    url = f"http://127.0.0.1:{port}"

    def call(method, *params):
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).encode()
        req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            out = json.loads(r.read())
        assert "error" not in out, out
        return out["result"]

    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                assert call("eth_chainId") == hex(43111)
                break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None, proc.stderr.read()
                time.sleep(0.2)
        info = call("hemi_tunnelInfo")
        assert info["manager"] == TUNNEL_MANAGER_ADDRESS and info["status"] == "LIVE"
        alice = Devchain(seed=0, predeploy_tunnel=False).btc.wallet("alice").address  # seed-derived, as the CLI's
        call("hemi_mineBitcoin", 101, alice)
        user = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"  # anvil account 1
        d = call("hemi_tunnelDeposit", "alice", 2 * COIN, user)
        c = call("hemi_tunnelConfirm", d["txid"])
        got = run_js("hemi_viem_tunnel.cjs", "reads", url=url, chainId=43111, custodyAddress=info["custodyAddress"],
                     depositTxid=d["txid"], amount=str(2 * COIN), uuids=[])
        assert got["vaultAddress"] == info["vault"] and got["custodyAddress"] == info["custodyAddress"]
        assert got["depositAcknowledged"] is True and STATUS_NAMES[got["vaultStatus"]] == info["status"]
        assert int(got["depositFee"]) == c["depositSats"] - c["netSats"]
        assert int(got["depositFee"]) == max(2 * COIN * info["depositFeeBps"] // 10_000, info["minDepositFeeSats"])
        key = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"  # anvil account 1
        r = run_js("hemi_viem_tunnel.cjs", "initiateWithdrawal", url=url, chainId=43111, key=key,
                   amount=str(COIN), btcAddress=alice)
        assert r["status"] == "success"
        w = call("hemi_tunnelWithdrawal", 0)
        assert (w["withdrawer"], w["amount_sats"], w["btc_address"]) == (user, COIN, alice)
        assert w["tx_hash"] == r["hash"]
    finally:
        proc.terminate()
        proc.communicate(timeout=15)
