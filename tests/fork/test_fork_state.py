"""Fork mode against our own ``hemi devchain`` server as the remote (tests/fork/conftest.py): the fork's state at the
fork block equals the remote's, blocks continue from it as anvil's fork does, local changes stay local, the remote's
later blocks stay invisible, each remote value is fetched once, and snapshots, impersonation and balance edits work
on forked state."""

from __future__ import annotations

import pytest
from eth_utils import to_checksum_address
from fork_helpers import rpc

from hemi import Devchain

# the only methods a fork may send: reads at the fork block (nothing local is ever sent to the remote)
READ_METHODS = {"eth_chainId", "eth_blockNumber", "eth_getBlockByNumber", "eth_getBalance", "eth_getTransactionCount",
                "eth_getCode", "eth_getStorageAt", "eth_call", "eth_getBlockByHash", "eth_getTransactionByHash",
                "eth_getTransactionReceipt", "eth_getBlockReceipts", "eth_getTransactionByBlockNumberAndIndex",
                "eth_getTransactionByBlockHashAndIndex"}


@pytest.fixture(scope="module")
def fork(remote):
    return Devchain(fork_url=remote.url, fork_block=remote.fork_block, fork_cache=False)


def test_state_equals_the_remote_at_the_fork_block(remote, fork):
    n = hex(remote.fork_block)
    w3 = fork.w3
    for address in (remote.counter, remote.blockhash, remote.proxy, remote.whale, remote.dev.accounts[0]):
        assert w3.eth.get_code(address).hex() == rpc(remote.url, "eth_getCode", address, n)[2:]
        assert w3.eth.get_transaction_count(address) == int(rpc(remote.url, "eth_getTransactionCount", address, n), 16)
    assert w3.eth.get_balance(remote.whale) == int(rpc(remote.url, "eth_getBalance", remote.whale, n), 16) == 5 * 10**18
    assert w3.eth.get_storage_at(remote.counter, 0) == (42).to_bytes(32, "big")
    assert w3.eth.chain_id == remote.dev.config.chain_id
    # the dev accounts keep their remote nonces (they sent the deployments) and are funded as anvil's fork funds them
    assert w3.eth.get_transaction_count(remote.dev.accounts[0]) == 4
    assert w3.eth.get_balance(remote.dev.accounts[0]) == fork.config.balance


def test_blocks_continue_from_the_fork_block(remote, fork):
    n = remote.fork_block
    remote_n = rpc(remote.url, "eth_getBlockByNumber", hex(n), False)
    w3 = fork.w3
    assert w3.eth.block_number == n
    base = w3.eth.get_block(n)
    assert base.hash.to_0x_hex() == remote_n["hash"] and base.timestamp == int(remote_n["timestamp"], 16)
    with fork.anchor():
        fork.mine(1)
        first = w3.eth.get_block(n + 1)
        assert first.parentHash.to_0x_hex() == remote_n["hash"]
        assert first.timestamp >= int(remote_n["timestamp"], 16)
    # blocks below the fork block come from the remote: their hashes, and BLOCKHASH in contracts
    for old in (n - 1, n - 5, 1):
        assert w3.eth.get_block(old).hash.to_0x_hex() == rpc(remote.url, "eth_getBlockByNumber", hex(old),
                                                              False)["hash"]
    for old in (n - 1, n - 3, n - 12):  # (BLOCKHASH of the block a call runs in is zero, there as here)
        out = w3.eth.call({"to": remote.blockhash, "data": old.to_bytes(32, "big")})
        assert out.to_0x_hex() == rpc(remote.url, "eth_getBlockByNumber", hex(old), False)["hash"] == \
            rpc(remote.url, "eth_call", {"to": remote.blockhash, "data": "0x" + old.to_bytes(32, "big").hex()},
                hex(n))


def test_local_changes_do_not_reach_the_remote(remote, fork):
    w3 = fork.w3
    sent_before = len(remote.requests)
    with fork.anchor():
        w3.eth.send_transaction({"from": fork.accounts[0], "to": remote.counter, "gas": 100_000})
        w3.eth.send_transaction({"from": fork.accounts[0], "to": remote.whale, "value": 10**18})
        fork.set_balance(remote.counter, wei=123)
        assert w3.eth.get_storage_at(remote.counter, 0) == (43).to_bytes(32, "big")
        assert w3.eth.get_balance(remote.whale) == 6 * 10**18
        assert w3.eth.get_balance(remote.counter) == 123
    latest = remote.dev.engine.head_number
    assert rpc(remote.url, "eth_getStorageAt", remote.counter, "0x0", "latest") == "0x" + (42).to_bytes(32, "big").hex()
    assert int(rpc(remote.url, "eth_getBalance", remote.whale, "latest"), 16) == 5 * 10**18
    assert int(rpc(remote.url, "eth_getBalance", remote.counter, "latest"), 16) == 0
    assert remote.dev.engine.head_number == latest == remote.fork_block
    fork_requests = remote.requests[sent_before:-3]  # the last three are this test's own checks
    assert {m for m, _ in fork_requests} <= READ_METHODS
    assert all(p.endswith(f'"{hex(remote.fork_block)}"]') or m in ("eth_chainId", "eth_blockNumber")
               or m == "eth_getBlockByNumber" for m, p in fork_requests)


def test_revert_and_zeroed_storage_on_forked_state(remote, fork):
    w3 = fork.w3
    snap = fork.snapshot()
    fork.set_storage(remote.counter, 0, 0)  # a zero written here must not fall back to the remote's 42
    fork.set_balance(remote.whale, wei=0)
    assert w3.eth.get_storage_at(remote.counter, 0) == bytes(32)
    fork.mine(2)
    assert w3.eth.get_storage_at(remote.counter, 0) == bytes(32)
    assert w3.eth.get_balance(remote.whale) == 0
    assert w3.eth.call({"to": remote.counter}) == (1).to_bytes(32, "big")
    fork.revert(snap)
    assert w3.eth.block_number == remote.fork_block
    assert w3.eth.get_storage_at(remote.counter, 0) == (42).to_bytes(32, "big")
    assert w3.eth.get_balance(remote.whale) == 5 * 10**18


def test_impersonating_a_remote_account(remote, fork):
    w3 = fork.w3
    whale = to_checksum_address(remote.whale)
    with fork.anchor():
        fork.impersonate(whale)
        h = w3.eth.send_transaction({"from": whale, "to": fork.accounts[1], "value": 10**18})
        receipt = w3.eth.get_transaction_receipt(h)
        assert receipt.status == 1 and receipt.blockNumber == remote.fork_block + 1
        assert w3.eth.get_transaction_count(whale) == 1
        assert w3.eth.get_balance(whale) < 4 * 10**18
    assert w3.eth.get_balance(whale) == 5 * 10**18


def test_each_remote_value_is_fetched_once(remote):
    since = len(remote.requests)
    fork = Devchain(fork_url=remote.url, fork_block=remote.fork_block, fork_cache=False)
    n = hex(remote.fork_block)
    w3 = fork.w3
    for _ in range(3):
        w3.eth.get_balance(remote.whale)
        w3.eth.get_code(remote.counter)
        w3.eth.call({"to": remote.counter})
        w3.eth.get_storage_at(remote.counter, 0)
        w3.eth.call({"to": remote.blockhash, "data": (remote.fork_block - 2).to_bytes(32, "big")})
    with fork.anchor():
        w3.eth.send_transaction({"from": fork.accounts[0], "to": remote.counter, "gas": 100_000})
        w3.eth.send_transaction({"from": fork.accounts[0], "to": remote.counter, "gas": 100_000})
    slot0 = "0x" + bytes(32).hex()
    assert remote.count("eth_getBalance", remote.whale, n, since=since) == 1
    assert remote.count("eth_getCode", remote.counter.lower(), n, since=since) == 1
    assert remote.count("eth_getStorageAt", remote.counter.lower(), slot0, n, since=since) == 1
    assert remote.count("eth_getBlockByNumber", hex(remote.fork_block - 2), False, since=since) == 1
    reads = [(m, p) for m, p in remote.requests[since:] if m not in ("eth_chainId", "eth_blockNumber")]
    assert len(reads) == len(set(reads))  # no read repeated, whatever it was (dev accounts, the history contract...)


def test_the_remotes_later_blocks_stay_invisible(remote):
    fork = Devchain(fork_url=remote.url, fork_block=remote.fork_block, fork_cache=False)
    w3 = fork.w3
    w3.eth.get_balance(remote.whale)  # read before the remote moves on; the counter's slot only after
    dev = remote.dev
    with remote.server.lock:
        snap = dev.snapshot()
    try:
        with remote.server.lock:
            dev.w3.eth.send_transaction({"from": dev.accounts[0], "to": remote.counter, "gas": 100_000})
            dev.w3.eth.send_transaction({"from": dev.accounts[0], "to": remote.whale, "value": 10**18})
            dev.mine(2)
        assert w3.eth.get_storage_at(remote.counter, 0) == (42).to_bytes(32, "big")
        assert w3.eth.get_balance(remote.whale) == 5 * 10**18
        assert w3.eth.block_number == remote.fork_block
    finally:
        with remote.server.lock:
            dev.revert(snap)


def test_chain_id_override_and_latest_pinned(remote):
    fork = Devchain(fork_url=remote.url, chain_id=5, fork_cache=False)
    assert fork.w3.eth.chain_id == 5
    assert fork.engine.head_number == remote.dev.engine.head_number


def test_reads_and_calls_at_blocks_below_the_fork_block(remote, fork):
    """State at an older block is the remote's at that block (read lazily at that block), as anvil answers it."""
    w3 = fork.w3
    for old in (1, 3, remote.fork_block - 1):
        tag = hex(old)
        assert w3.eth.get_balance(remote.whale, old) == int(rpc(remote.url, "eth_getBalance", remote.whale, tag), 16)
        assert w3.eth.get_code(remote.counter, old).to_0x_hex() == rpc(remote.url, "eth_getCode", remote.counter, tag)
        assert w3.eth.get_transaction_count(remote.dev.accounts[0], old) == \
            int(rpc(remote.url, "eth_getTransactionCount", remote.dev.accounts[0], tag), 16)
    assert w3.eth.get_balance(remote.whale, 1) == 0 and w3.eth.get_code(remote.counter, 1) == b""
    assert w3.eth.call({"to": remote.counter}, remote.fork_block - 1) == (43).to_bytes(32, "big")


def test_log_scans_from_block_zero_fetch_no_old_blocks(remote):
    """eth_getLogs from block 0 looks at the fork's own blocks: it must not fetch every block below the fork block
    (millions on mainnet); old blocks are fetched only when read."""
    fork = Devchain(fork_url=remote.url, fork_block=remote.fork_block, fork_cache=False)
    since = len(remote.requests)
    with fork.anchor():
        fork.w3.eth.send_transaction({"from": fork.accounts[0], "to": remote.counter, "gas": 100_000})
        assert fork.w3.eth.get_logs({"fromBlock": 0, "toBlock": "latest"}) == []
    assert not any(m == "eth_getBlockByNumber" for m, _ in remote.requests[since:])


def test_saving_a_fork_is_refused(fork):
    from hemi.errors import HemiError

    with pytest.raises(HemiError, match="forked devchain.s state cannot be saved"):
        fork.dump_state_data()
    with pytest.raises(HemiError, match="forked devchain cannot load a state"):
        fork.replace_state(Devchain(predeploy_tunnel=False).dump_state_data())


def test_a_contract_deployed_on_the_fork_reads_no_remote_storage(remote):
    """Storage of an account without code at the fork block is empty there: a contract deployed on the fork reads
    its unset slots locally, without a request per slot."""
    from fork_helpers import COUNTER_RUNTIME, deploy_code

    fork = Devchain(fork_url=remote.url, fork_block=remote.fork_block, fork_cache=False)
    w3 = fork.w3
    receipt = w3.eth.wait_for_transaction_receipt(w3.eth.send_transaction({"from": fork.accounts[0],
                                                                          "data": deploy_code(COUNTER_RUNTIME)}))
    since = len(remote.requests)
    assert w3.eth.call({"to": receipt.contractAddress}) == (1).to_bytes(32, "big")
    assert w3.eth.get_storage_at(receipt.contractAddress, 5) == bytes(32)
    assert not any(m == "eth_getStorageAt" for m, _ in remote.requests[since:])
    assert rpc(remote.url, "eth_getCode", receipt.contractAddress, "latest") == "0x"  # and nothing reached the remote


def test_the_first_blocks_transactions_see_the_fork_blocks_hash_and_pending_state(remote, fork):
    """A transaction mined in block N + 1 runs on the pending block (not a call's state): its BLOCKHASH(N) is the
    remote's hash of N, and a tracer's replay of it gives the same; with automine off, "pending" and "latest" on
    forked state differ by the pending transaction and both see a direct edit."""
    n = remote.fork_block
    w3 = fork.w3
    remote_hash = rpc(remote.url, "eth_getBlockByNumber", hex(n), False)["hash"]
    with fork.anchor():
        h = w3.eth.send_transaction({"from": fork.accounts[0], "to": remote.blockhash, "data": n.to_bytes(32, "big"),
                                     "gas": 100_000})
        assert w3.eth.get_transaction_receipt(h).blockNumber == n + 1
        trace = w3.provider.make_request("debug_traceTransaction", [h.to_0x_hex(), {}])["result"]
        assert "0x" + trace["returnValue"].removeprefix("0x") == remote_hash
        fork.automine = False
        try:
            pending = w3.eth.send_transaction({"from": fork.accounts[0], "to": remote.counter, "gas": 100_000})
            fork.set_balance(remote.whale, wei=7)
            assert w3.eth.get_balance(remote.whale, "latest") == w3.eth.get_balance(remote.whale, "pending") == 7
            assert w3.eth.call({"to": remote.counter}, "latest") == (43).to_bytes(32, "big")  # 42 + this call's 1
            assert w3.eth.call({"to": remote.counter}, "pending") == (44).to_bytes(32, "big")
            fork.mine(1)
        finally:
            fork.automine = True
        assert w3.eth.get_transaction_receipt(pending).blockNumber == n + 2
        assert w3.eth.get_storage_at(remote.counter, 0) == (43).to_bytes(32, "big")
        assert w3.eth.get_block(n + 2).parentHash == w3.eth.get_block(n + 1).hash


def test_the_remotes_blocks_and_transactions_up_to_the_fork_block_are_served_as_the_remote_serves_them(remote, fork):
    """anvil's fork answers for the remote's history (blocks with their transactions, transactions, receipts) up to
    the fork block; the remote's later ones are not the fork's (foundry-rs/foundry anvil fork: blocks below the fork
    block are fetched from the remote)."""
    n = remote.fork_block
    r = remote.url
    # the whale's funding: the last block of the remote's own history that holds a user transaction
    number = next(k for k in range(n, 0, -1) if any(
        tx["from"].lower() == remote.dev.accounts[0].lower()
        for tx in rpc(r, "eth_getBlockByNumber", hex(k), True)["transactions"]))
    block = rpc(r, "eth_getBlockByNumber", hex(number), True)
    tx = next(t for t in block["transactions"] if t["from"].lower() == remote.dev.accounts[0].lower())
    call = fork.w3.provider.make_request
    assert call("eth_getBlockByNumber", [hex(number), True])["result"] == block
    assert call("eth_getBlockByHash", [block["hash"], False])["result"] == rpc(r, "eth_getBlockByHash", block["hash"],
                                                                               False)
    assert call("eth_getTransactionByHash", [tx["hash"]])["result"] == tx
    assert call("eth_getTransactionReceipt", [tx["hash"]])["result"] == rpc(r, "eth_getTransactionReceipt", tx["hash"])
    assert call("eth_getBlockReceipts", [hex(number)])["result"] == rpc(r, "eth_getBlockReceipts", hex(number))
    assert call("eth_getBlockTransactionCountByNumber", [hex(number)])["result"] == hex(len(block["transactions"]))
    assert call("eth_getTransactionByBlockNumberAndIndex", [hex(number), tx["transactionIndex"]])["result"] == tx
    assert fork.w3.eth.get_transaction(tx["hash"]).blockNumber == number  # through web3's formatters too
    # a transaction the remote mines after the fork block is not the fork's
    dev = remote.dev
    with remote.server.lock:
        snap = dev.snapshot()
        later = dev.w3.eth.send_transaction({"from": dev.accounts[0], "to": remote.whale, "value": 1})
    try:
        assert call("eth_getTransactionByHash", [later.to_0x_hex()])["result"] is None
        assert call("eth_getTransactionReceipt", [later.to_0x_hex()])["result"] is None
        later_block = rpc(r, "eth_getBlockByNumber", "latest", False)["hash"]
        assert call("eth_getBlockByHash", [later_block, False])["result"] is None
    finally:
        with remote.server.lock:
            dev.revert(snap)
