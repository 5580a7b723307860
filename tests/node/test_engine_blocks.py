"""Blocks as the engine seals them: hashes, BLOCKHASH, parents, lookups by hash, and what reverts do to them.

The engine seals blocks itself (py-evm's own finalisation, then its own block index), so these pin what py-evm's
chain database used to guarantee: BLOCKHASH answers the 256 most recent ancestors (EIP-210's window as the yellow
paper defines BLOCKHASH), every header links to its parent, and block hashes are deterministic.
"""

from __future__ import annotations

import pytest

from hemi.compiler import compile as compile_sol
from hemi.devchain import Devchain

HASHES = """
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
contract Hashes {
    function at(uint256 n) external view returns (bytes32) { return blockhash(n); }
    function record() external returns (bytes32 h) { h = blockhash(block.number - 1); emit Seen(block.number, h); }
    event Seen(uint256 number, bytes32 parent);
}
"""


@pytest.fixture(scope="module")
def hashes_artifact():
    return compile_sol({"Hashes.sol": HASHES})["Hashes"]


def _deploy(dev, art):
    w3 = dev.w3
    rcpt = w3.eth.wait_for_transaction_receipt(
        w3.eth.contract(abi=art.abi, bytecode=art.bytecode).constructor().transact({"from": dev.accounts[0]}))
    return w3.eth.contract(address=rcpt.contractAddress, abi=art.abi)


def test_blockhash_window_matches_the_chain(hashes_artifact):
    dev = Devchain()
    c = _deploy(dev, hashes_artifact)
    dev.mine(300)
    w3 = dev.w3
    head = w3.eth.block_number
    for n in (head - 1, head - 2, head - 100, head - 256):
        assert c.functions.at(n).call() == w3.eth.get_block(n).hash, n
    # eth_call runs in the head block's context: the head itself and anything older than 256 blocks read as zero
    assert c.functions.at(head).call() == b"\x00" * 32
    assert c.functions.at(head - 257).call() == b"\x00" * 32
    assert c.functions.at(0).call() == b"\x00" * 32


def test_a_transaction_sees_its_parent_hash_and_headers_link(hashes_artifact):
    dev = Devchain()
    c = _deploy(dev, hashes_artifact)
    w3 = dev.w3
    rcpt = w3.eth.wait_for_transaction_receipt(c.functions.record().transact({"from": dev.accounts[0]}))
    seen = c.events.Seen().process_receipt(rcpt)[0].args
    assert seen.number == rcpt.blockNumber
    assert seen.parent == w3.eth.get_block(rcpt.blockNumber - 1).hash
    for n in range(1, w3.eth.block_number + 1):
        assert w3.eth.get_block(n).parentHash == w3.eth.get_block(n - 1).hash
        assert w3.eth.get_block(w3.eth.get_block(n).hash).number == n


def test_revert_forgets_blocks_and_new_blocks_replace_them(hashes_artifact):
    dev = Devchain()
    c = _deploy(dev, hashes_artifact)
    w3 = dev.w3
    snap = dev.snapshot()
    dev.mine(3)
    dropped = w3.eth.get_block("latest").hash
    dev.revert(snap)
    with pytest.raises(Exception):  # noqa: B017 - the block is gone, whichever web3 error reports it
        w3.eth.get_block(dropped)
    dev.time_travel(seconds=5)  # a different timestamp: the replacement blocks differ
    dev.mine(3)
    head = w3.eth.get_block("latest")
    assert head.hash != dropped
    assert c.functions.at(head.number - 1).call() == w3.eth.get_block(head.number - 1).hash


def test_block_hashes_are_deterministic(hashes_artifact):
    def run():
        dev = Devchain(seed=7)
        c = _deploy(dev, hashes_artifact)
        dev.w3.eth.wait_for_transaction_receipt(c.functions.record().transact({"from": dev.accounts[1]}))
        dev.mine(2)
        return [dev.w3.eth.get_block(n).hash for n in range(dev.w3.eth.block_number + 1)]

    assert run() == run()


def test_automine_off_blocks_carry_all_applied_transactions(hashes_artifact):
    dev = Devchain(automine=False)
    w3 = dev.w3
    a, b = dev.accounts[0], dev.accounts[1]
    hashes = [w3.eth.send_transaction({"from": a, "to": b, "value": i + 1}) for i in range(3)]
    dev.mine()
    block = w3.eth.get_block("latest", full_transactions=False)
    assert list(block.transactions)[1:] == hashes  # after the L1-attributes deposit
    deposit = w3.eth.get_transaction_receipt(block.transactions[0])
    receipts = [w3.eth.get_transaction_receipt(h) for h in hashes]
    assert [r.transactionIndex for r in receipts] == [1, 2, 3]
    assert {r.blockHash for r in receipts} == {block.hash}
    assert receipts[-1].cumulativeGasUsed == block.gasUsed == deposit.gasUsed + 3 * 21000


def test_the_block_gas_limit_stays_as_configured():
    """An OP-stack chain's gas limit comes from its system config, not from usage (py-evm's default would shrink an
    idle chain's limit by 1/1024 a block)."""
    dev = Devchain()
    dev.mine(1200)
    w3 = dev.w3
    assert {w3.eth.get_block(n).gasLimit for n in (0, 1, 600, 1200)} == {30_000_000}
    # a transaction may still ask for all the block leaves after its system transactions' gas limits
    spare = dev.op.gas_available()
    assert spare == 30_000_000 - 7_000_000  # L1 attributes and 0x7C (1,000,000 each), a PoP payout (5,000,000)
    h = w3.eth.send_transaction({"from": dev.accounts[0], "to": dev.accounts[1], "value": 1, "gas": spare})
    assert w3.eth.get_transaction_receipt(h).status == 1
    with pytest.raises(Exception, match="exceeds the block's remaining"):
        w3.eth.send_transaction({"from": dev.accounts[0], "to": dev.accounts[1], "value": 1, "gas": 30_000_000})
    assert Devchain(gas_limit=45_000_000).w3.eth.get_block("latest").gasLimit == 45_000_000


def test_transaction_and_receipt_roots_match_py_evms_trie():
    """The engine's batched trie and py-evm's trie agree (yellow paper: the trie keyed by rlp(index))."""
    from eth.db.trie import make_trie_root_and_nodes

    from hemi.hvm.engine import _ordered_trie_root

    dev = Devchain(automine=False)
    w3 = dev.w3
    for i in range(5):
        w3.eth.send_transaction({"from": dev.accounts[i % 3], "to": dev.accounts[4], "value": i + 1})
    dev.mine()
    rec = dev.engine.block_record(dev.engine.head_number)
    txs = [dev.engine.tx_record(h).tx for h in rec.tx_hashes]
    receipts = [dev.engine.tx_record(h).receipt for h in rec.tx_hashes]
    for n in range(len(txs) + 1):
        assert _ordered_trie_root(txs[:n]) == make_trie_root_and_nodes(tuple(txs[:n]))[0]
        assert _ordered_trie_root(receipts[:n]) == make_trie_root_and_nodes(tuple(receipts[:n]))[0]
    header = rec.block.header
    assert header.transaction_root == make_trie_root_and_nodes(tuple(txs))[0]
    # and an automined (one-transaction) block
    h = w3.eth.send_transaction({"from": dev.accounts[0], "to": dev.accounts[1], "value": 1})
    dev.mine()
    one = dev.engine.tx_record(bytes(h))
    rec = dev.engine.block_record(one.block_number)
    blk = rec.block.header
    every = [dev.engine.tx_record(t) for t in rec.tx_hashes]  # the roots cover the system transactions too
    assert rec.tx_hashes[-1] == bytes(h) and every[0].tx.type_id == 0x7E
    assert blk.transaction_root == make_trie_root_and_nodes(tuple(r.tx for r in every))[0]
    assert blk.receipt_root == make_trie_root_and_nodes(tuple(r.receipt for r in every))[0]


def test_state_roots_equal_stock_py_evms():
    """The engine seals blocks itself (and skips creating and deleting an empty coinbase for a zero fee); the state
    root after the same transactions must be what stock py-evm's MiningChain computes."""
    from eth.chains.base import MiningChain
    from eth.db.atomic import AtomicDB
    from eth.vm.forks.cancun import CancunVM

    dev = Devchain(predeploy_bitcoin_kit=False, predeploy_tunnel=False, evm_fork="cancun", op_stack=False)
    eng = dev.engine
    genesis = eng.block(0).header
    alloc = {a.canonical: {"balance": dev.config.balance, "nonce": 0, "code": b"", "storage": {}}
             for a in dev.accounts}
    stock = MiningChain.configure(vm_configuration=((0, CancunVM),), chain_id=eng.chain_id).from_genesis(
        AtomicDB(), {"difficulty": 0, "gas_limit": genesis.gas_limit, "timestamp": genesis.timestamp,
                     "coinbase": genesis.coinbase, "extra_data": b"", "nonce": b"\x00" * 8,
                     "mix_hash": genesis.mix_hash, "base_fee_per_gas": genesis.base_fee_per_gas,
                     "withdrawals_root": genesis.withdrawals_root, "parent_beacon_block_root": bytes(32),
                     "blob_gas_used": 0, "excess_blob_gas": 0}, alloc)
    assert stock.get_canonical_head().state_root == genesis.state_root
    w3 = dev.w3
    for i, fee in enumerate((0, 0, 3)):  # zero tips (the coinbase shortcut), then a tip that creates the coinbase
        h = w3.eth.send_transaction({"from": dev.accounts[i], "to": dev.accounts[5], "value": 10 + i,
                                     "maxPriorityFeePerGas": fee, "maxFeePerGas": 10**10})
        tx = eng.decode_raw(eng.tx_record(bytes(h)).tx.encode())  # py-evm's transaction of the engine's record
        ours = eng.head.header  # same block context (py-evm alone would also walk the gas limit, hence the fee)
        stock.header = stock.header.copy(timestamp=ours.timestamp, gas_limit=ours.gas_limit,
                                         base_fee_per_gas=ours.base_fee_per_gas, mix_hash=ours.mix_hash)
        result, _, _ = stock.mine_all([tx], coinbase=genesis.coinbase)
        assert result.imported_block.header.state_root == eng.head.header.state_root, i
