"""Saving a devchain and loading it back: ``dev.dump_state(path)`` / ``Devchain.load_state(path)``.

A loaded devchain must answer every query as the saved one did (both chains, hVM views, keystones, PoP, finality) and,
being deterministic, go on to make the same blocks; writes are atomic; bad files get typed errors.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import textwrap

import pytest

from hemi.compiler import compile as compile_sol
from hemi.devchain import Devchain
from hemi.errors import HemiLookupError, StateFileError
from hemi.node.state import files as state_file

STORE = """
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
contract Store {
    mapping(uint256 => uint256) public values;
    event Set(uint256 indexed key, uint256 value);
    function set(uint256 key, uint256 value) external { values[key] = value; emit Set(key, value); }
}
"""


@pytest.fixture(scope="module")
def store_artifact():
    return compile_sol({"Store.sol": STORE})["Store"]


def busy_devchain(store_artifact) -> tuple[Devchain, dict]:
    """A devchain with something in every part: txs, a contract with storage and logs, Bitcoin wallets of several
    kinds with spends, a mempool tx, a Bitcoin reorg, keystones with PoP publications, an impersonated account."""
    dev = Devchain(seed=3)
    w3 = dev.w3
    a, b = dev.accounts[0], dev.accounts[1]
    rcpt = w3.eth.wait_for_transaction_receipt(w3.eth.contract(abi=store_artifact.abi, bytecode=store_artifact.bytecode)
                                               .constructor().transact({"from": a}))
    store = w3.eth.contract(address=rcpt.contractAddress, abi=store_artifact.abi)
    for k in range(3):
        store.functions.set(k, k * 11).transact({"from": b})
    alice, bob = dev.btc.wallet("alice"), dev.btc.wallet("bob")
    dev.btc.mine(101, to=alice.address)
    for kind in ("p2wpkh", "p2tr", "p2pkh"):
        alice.send(bob.address_of(kind), sats=1_000_000 + len(kind))
    dev.btc.mine(1)
    dev.btc.reorg(depth=1, new_blocks=2)
    alice.send(bob.address, sats=77_000)  # stays in the mempool
    dev.sync_btc()
    dev.mine(60)  # keystones 25 and 50; the default PoP miner publishes them
    dev.btc.mine(3)
    dev.sync_btc()
    deposit = dev.tunnel.deposit(alice, 3_000_000, recipient=dev.accounts[4])
    dev.tunnel.confirm(deposit)
    withdrawal = dev.tunnel.withdraw(dev.accounts[4], 1_000_000, btc_address=bob.address)
    dev.mine(2)  # the operator pays out on Bitcoin; the payout waits for its confirmations
    dev.set_balance(dev.accounts[5], wei=123)
    dev.impersonate("0x00000000000000000000000000000000000000aa")
    return dev, {"store": store.address, "keystone_blocks": [25, 50], "withdrawal": withdrawal.uuid}


def fingerprint(dev: Devchain, info: dict) -> dict:
    """What users ask of a devchain, through its public faces."""
    w3 = dev.w3
    head = w3.eth.block_number
    out: dict = {"head": head}
    out["blocks"] = [dict(w3.eth.get_block(n, full_transactions=True)) for n in range(head + 1)]
    out["receipts"] = [dict(w3.eth.get_transaction_receipt(tx.hash))
                       for blk in out["blocks"] for tx in blk["transactions"]]
    out["balances"] = [w3.eth.get_balance(acct) for acct in dev.accounts]
    out["storage"] = [w3.eth.get_storage_at(info["store"], i) for i in range(4)]
    out["code"] = w3.eth.get_code(info["store"])
    out["logs"] = [dict(lg) for lg in w3.eth.get_logs({"fromBlock": 0, "toBlock": head, "address": info["store"]})]
    out["btc_digest"] = dev.btc.state_digest()
    out["btc_tips"] = dev.btc.chain_tips()
    out["views"] = [dev.hvm_view(n) for n in range(head + 1)]
    out["hbk"] = dev.bitcoin_kit.functions.getLastHeader().call()
    out["keystones"] = [k.to_json() for k in dev.keystones.latest(5)]
    out["finality"] = [dev.finality(n) for n in (1, 25, 26, 50)]
    out["pop"] = sorted((str(k), str(p)) for k, p in dev.pop.published_keystones().items())
    out["wallet_bob"] = dev.btc.wallet("bob").balance
    out["rpc"] = [dev.w3.provider.make_request(m, p).get("result") for m, p in (
        ("kss_getLatestKeystones", [3]), ("eth_chainId", []),
        ("optimism_btcFinalityByBlockHash", [out["blocks"][25]["hash"].to_0x_hex()]))]
    out["impersonated"] = dev.is_impersonated(bytes.fromhex("00" * 19 + "aa"))
    out["tunnel_audit"] = dev.tunnel.audit().to_json()
    out["withdrawal"] = dev.tunnel.withdrawal(info["withdrawal"]).to_json()
    out["hemibtc"] = dev.tunnel.token.functions.balanceOf(dev.accounts[4]).call()
    return out


def test_a_loaded_devchain_answers_as_the_saved_one(tmp_path, store_artifact):
    dev, info = busy_devchain(store_artifact)
    path = dev.dump_state(tmp_path / "chain.state")
    loaded = Devchain.load_state(path)
    assert loaded is not dev
    assert fingerprint(loaded, info) == fingerprint(dev, info)


def test_a_loaded_devchain_goes_on_making_the_same_blocks(tmp_path, store_artifact):
    dev, info = busy_devchain(store_artifact)
    loaded = Devchain.load_state(dev.dump_state(tmp_path / "chain.state"))
    for chain in (dev, loaded):
        w3 = chain.w3
        w3.eth.send_transaction({"from": chain.accounts[2], "to": chain.accounts[3], "value": 5})
        chain.btc.wallet("alice").send(chain.btc.wallet("bob").address, sats=5_000)
        chain.btc.mine(2)
        chain.sync_btc()
        chain.mine(20)  # crosses keystone 75, which the PoP miner publishes
        chain.btc.mine(5)
        chain.sync_btc()
        chain.mine(2)  # the operator finalises the withdrawal once its payout is confirmed
        assert chain.tunnel.withdrawal(info["withdrawal"]).to_json()["status"] == "finalized"
    assert fingerprint(loaded, info) == fingerprint(dev, info)


def test_loaded_in_a_fresh_process(tmp_path, store_artifact):
    dev, info = busy_devchain(store_artifact)
    path = dev.dump_state(tmp_path / "chain.state")
    want = (dev.w3.eth.get_block("latest").hash.hex(), str(dev.btc.tip), dev.finality(25).superfinal,
            dev.bitcoin_kit.functions.getLastHeader().call()[0])
    code = textwrap.dedent(f"""
        import hemi
        dev = hemi.Devchain.load_state({str(path)!r})
        print(dev.w3.eth.get_block("latest").hash.hex(), dev.btc.tip, dev.finality(25).superfinal,
              dev.bitcoin_kit.functions.getLastHeader().call()[0])
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [str(x) for x in want]


def test_snapshots_work_on_a_loaded_devchain_and_old_ones_do_not_travel(tmp_path):
    dev = Devchain()
    old = dev.snapshot()
    loaded = Devchain.load_state(dev.dump_state(tmp_path / "s"))
    from hemi.errors import SnapshotError

    with pytest.raises(SnapshotError):
        loaded.revert(old)
    with loaded.anchor():
        loaded.mine(3)
        loaded.btc.mine(2)
    assert loaded.w3.eth.block_number == dev.w3.eth.block_number
    assert loaded.btc.state_digest() == dev.btc.state_digest()


def test_user_callbacks_are_not_saved_but_do_not_stop_a_save(tmp_path):
    dev = Devchain()
    seen = []
    dev.on_block(lambda d, n: seen.append(n))
    dev.btc.subscribe(lambda chain: seen.append("btc"))
    loaded = Devchain.load_state(dev.dump_state(tmp_path / "s"))
    loaded.mine(1)
    loaded.btc.mine(1)
    assert seen == []
    dev.mine(1)
    assert seen == [1]


def _precompile_double(data: bytes) -> bytes:
    return data + data


def test_user_precompiles_are_saved_when_picklable(tmp_path):
    dev = Devchain()
    dev.precompiles.register(0x99, _precompile_double, gas=10)
    loaded = Devchain.load_state(dev.dump_state(tmp_path / "s"))
    to = "0x0000000000000000000000000000000000000099"
    assert loaded.w3.eth.call({"to": to, "data": "0xabcd"}) == bytes.fromhex("abcdabcd")
    assert loaded.w3.eth.call({"to": "0x0000000000000000000000000000000000000040", "data": "0x"}) == \
        dev.w3.eth.call({"to": "0x0000000000000000000000000000000000000040", "data": "0x"})


def test_an_unsavable_precompile_is_a_typed_error_and_the_old_file_stays(tmp_path):
    dev = Devchain()
    path = dev.dump_state(tmp_path / "s")
    before = path.read_bytes()
    dev.precompiles.register(0x99, lambda data: data, gas=10)
    with pytest.raises(StateFileError, match="cannot be saved"):
        dev.dump_state(path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["s"]


def test_a_write_interrupted_before_the_rename_leaves_the_old_file(tmp_path, monkeypatch):
    dev = Devchain()
    path = dev.dump_state(tmp_path / "s")
    before = path.read_bytes()
    dev.mine(5)

    def killed(src, dst):
        raise KeyboardInterrupt  # as if the process were interrupted between writing and renaming

    monkeypatch.setattr(state_file.os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        dev.dump_state(path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["s"]  # no temporary file left behind
    monkeypatch.undo()
    assert Devchain.load_state(path).w3.eth.block_number == 0


def test_bad_files_get_typed_errors(tmp_path):
    dev = Devchain()
    good = dev.dump_state(tmp_path / "good").read_bytes()
    with pytest.raises(HemiLookupError):
        Devchain.load_state(tmp_path / "missing")
    with pytest.raises(StateFileError, match="directory"):
        Devchain.load_state(tmp_path)
    with pytest.raises(StateFileError, match="directory"):
        dev.dump_state(tmp_path)
    with pytest.raises(StateFileError, match="no such directory"):
        dev.dump_state(tmp_path / "nope" / "s")
    cases = {
        "garbage": b"not a state file at all",
        "empty": b"",
        "truncated": good[: len(good) // 2],
        "future": good[: len(state_file.MAGIC)] + (99).to_bytes(2, "big") + good[len(state_file.MAGIC) + 2:],
        "corrupt": good[:-20] + bytes(20),
        "other object": state_file.MAGIC + state_file.FORMAT_VERSION.to_bytes(2, "big")
        + __import__("zlib").compress(pickle.dumps({"not": "a devchain"})),
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(StateFileError):
            Devchain.load_state(tmp_path / name)


def test_a_file_system_refusal_is_a_typed_error(tmp_path):
    """The OS refusing the write (here a file name longer than the file system allows; also a full disk, a
    read-only directory) is a StateFileError, as the docstring of dump_state promises typed errors, not an OSError
    that `hemi devchain` would print as a traceback on exit."""
    dev = Devchain()
    with pytest.raises(StateFileError, match="cannot write"):
        dev.dump_state(tmp_path / ("x" * 300))
    assert os.listdir(tmp_path) == []


def test_off_block_stops_a_callback_and_refuses_a_stranger():
    from hemi.errors import HemiValueError

    dev = Devchain()
    seen = []

    def hook(d, n):
        seen.append(n)

    dev.on_block(hook)
    dev.mine(1)
    dev.off_block(hook)
    dev.mine(1)
    assert seen == [1]
    with pytest.raises(HemiValueError):
        dev.off_block(hook)


def test_a_loaded_state_with_pending_transactions_reads_latest_as_the_saved_one_did():
    """With automine off, "latest" is the mined head plus direct edits and "pending" adds the pool (geth's and
    anvil's tags): a saved and loaded devchain answers both as before, and mining goes on from the pool."""
    dev = Devchain()
    a, b = dev.accounts[:2]
    dev.automine = False
    dev.set_balance(b, wei=7 * 10**18)
    dev.w3.eth.send_transaction({"from": a, "to": b, "value": 1})
    def reads(d):
        w3 = d.w3
        return (w3.eth.get_transaction_count(a, "latest"), w3.eth.get_transaction_count(a, "pending"),
                w3.eth.get_balance(b, "latest"), w3.eth.get_balance(b, "pending"))
    before = reads(dev)
    assert before == (0, 1, 7 * 10**18, 7 * 10**18 + 1)
    loaded = Devchain.load_state_data(dev.dump_state_data())
    assert reads(loaded) == before
    loaded.mine()
    assert reads(loaded) == (1, 1, 7 * 10**18 + 1, 7 * 10**18 + 1)


# runtime: sstore(0, timestamp); the initcode copies and returns it
_TIME_RUNTIME = bytes.fromhex("4260005500")
_TIME_INIT = bytes.fromhex(f"60{len(_TIME_RUNTIME):02x}600c60003960{len(_TIME_RUNTIME):02x}6000f3") + _TIME_RUNTIME


def test_a_loaded_pending_block_runs_again_at_its_time_as_the_saved_one_does():
    """With automine off, a block whose clock moved while it was pending (``time_travel``) is run again at its own
    time when it is mined. A saved and loaded devchain mines the same block: same hash, the contract stored the
    block's own TIMESTAMP, with a direct edit and an impersonated sender's transaction between the pending ones. The
    loaded devchain used to seal the block as it had run (the old TIMESTAMP stored under the new header time: a block
    whose re-execution does not give its state root), and a snapshot of it mined the pending block."""
    dev = Devchain()
    w3, (a, b) = dev.w3, dev.accounts[:2]
    clock = w3.eth.get_transaction_receipt(w3.eth.send_transaction({"from": a, "data": _TIME_INIT})).contractAddress
    stranger = w3.to_checksum_address("0x" + "5e" * 20)
    dev.set_balance(stranger, wei=10**18)
    dev.automine = False
    w3.eth.send_transaction({"from": a, "to": clock, "gas": 100_000})  # stores TIMESTAMP
    dev.set_balance(b, wei=3 * 10**18)  # a direct edit between pending transactions
    with dev.impersonate(stranger):
        w3.eth.send_transaction({"from": stranger, "to": b, "value": 5})
    dev.time_travel(seconds=1000)
    loaded = Devchain.load_state_data(dev.dump_state_data())

    snap = loaded.snapshot()  # keeps the pending block, as the saved devchain's snapshot does
    pending = [t.hash for t in dev.engine.pending_txs]
    assert loaded.w3.eth.block_number == 1 and [t.hash for t in loaded.engine.pending_txs] == pending
    loaded.revert(snap)

    def mined(d):
        d.mine(1)
        block = d.w3.eth.get_block("latest")
        return (block.hash, block.timestamp, int.from_bytes(d.w3.eth.get_storage_at(clock, 0), "big"),
                d.w3.eth.get_balance(b))

    want, got = mined(dev), mined(loaded)
    assert want[2] == want[1] and want[3] == 3 * 10**18 + 5  # the original: the block's own time, the edit kept
    assert got == want
    assert mined(loaded) == mined(dev)  # and the next block too



def test_a_loaded_pending_transaction_is_replaced_by_fee_as_the_saved_one_would_be():
    """A transaction pending in a loaded state can be replaced by fee (the block is rebuilt from its saved journal,
    the direct edit made after it included): the same block as without the save. It used to be refused."""
    def run(load):
        dev = Devchain(automine=False)
        a, b = dev.accounts[:2]
        fees = {"maxFeePerGas": 3 * 10**9, "maxPriorityFeePerGas": 10**9}
        dev.w3.eth.send_transaction({"from": a, "to": b, "value": 1, "nonce": 0, **fees})
        dev.set_storage(b, 1, 7)
        if load:
            dev = Devchain.load_state_data(dev.dump_state_data())
        dev.w3.eth.send_transaction({"from": a, "to": b, "value": 2, "nonce": 0, "maxFeePerGas": 6 * 10**9,
                                     "maxPriorityFeePerGas": 3 * 10**9})
        dev.mine(1)
        return dev.w3.eth.get_block("latest").hash, dev.w3.eth.get_balance(b), dev.w3.eth.get_storage_at(b, 1)

    assert run(load=True) == run(load=False)


def test_a_state_whose_hvm_view_stands_on_forgotten_bitcoin_blocks_loads_and_goes_on():
    """A Bitcoin snapshot revert (``dev.btc.anchor()``) forgets blocks the hVM view took inside it; the light view
    and the indexer keep them (the view waits until Bitcoin has blocks past their common ancestor). Such a devchain
    saved a state its load refused (UnknownBlockError: the indexer was rebuilt from the Bitcoin chain alone). The
    loaded devchain now stands where the saved one stood (same hVM reads) and makes the same blocks, through
    Bitcoin's heavier branch and after it."""
    dev = Devchain()
    wallet = dev.btc.wallet()
    with dev.btc.anchor():
        dev.btc.mine(3, to=wallet.address)
        dev.sync_btc()  # the L2 takes the three headers; the indexer stands on the first (lag 2)
    dev.mine(1)
    data = dev.dump_state_data()
    assert dev.btc.height == 0 and len(dev.light_hashes) == 4
    loaded = Devchain.load_state_data(data)

    def reads(d):
        r = d.bitcoin_reader(d.w3.eth.block_number)
        return d.hvm_view(), r.indexed_tip, r.balance(wallet.script_of())

    assert reads(loaded) == reads(dev) and reads(dev)[2] > 0

    def go_on(d):
        d.mine(2)
        d.btc.mine(5)  # a heavier branch: the view walks back to genesis and takes it
        d.sync_btc()
        d.mine(1)
        return [d.w3.eth.get_block(n).hash for n in range(d.w3.eth.block_number + 1)], reads(d)

    assert go_on(loaded) == go_on(dev)
    assert Devchain.load_state_data(loaded.dump_state_data()).w3.eth.get_block("latest") == \
        loaded.w3.eth.get_block("latest")
