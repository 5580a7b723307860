"""The devchain through web3.py: accounts, transfers, contracts, reverts, filters, controls, snapshots of both
chains."""

from __future__ import annotations

import pytest
from web3.exceptions import ContractLogicError, Web3RPCError

from hemi.compiler import compile as compile_sol
from hemi.devchain import DEFAULT_CHAIN_ID, Devchain
from hemi.errors import HemiValueError, SnapshotError

COUNTER = """
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
contract Counter {
    uint256 public count;
    event Bumped(address indexed by, uint256 newCount);
    function bump(uint256 by) external {
        require(by > 0, "by must be positive");
        count += by;
        emit Bumped(msg.sender, count);
    }
    function stamp() external view returns (uint256, uint256) { return (block.number, block.timestamp); }
}
"""


@pytest.fixture(scope="module")
def counter_artifact():
    return compile_sol({"Counter.sol": COUNTER})["Counter"]


@pytest.fixture
def dev():
    return Devchain()


def deploy(dev, art):
    w3 = dev.w3
    c = w3.eth.contract(abi=art.abi, bytecode=art.bytecode)
    rcpt = w3.eth.wait_for_transaction_receipt(c.constructor().transact({"from": dev.accounts[0]}))
    return w3.eth.contract(address=rcpt.contractAddress, abi=art.abi)


def test_accounts_are_anvils_and_funded(dev):
    w3 = dev.w3
    assert w3.eth.chain_id == DEFAULT_CHAIN_ID not in (43111, 743111)
    assert dev.accounts[0] == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    assert dev.accounts[1] == "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    assert w3.eth.accounts == list(dev.accounts) and len(dev.accounts) == 10
    assert all(w3.eth.get_balance(a) == 10_000 * 10**18 for a in dev.accounts)


def test_transfer_with_web3_autofill_mines_a_block(dev):
    w3 = dev.w3
    a, b = dev.accounts[:2]
    h = w3.eth.send_transaction({"from": a, "to": b, "value": 10**18})
    r = w3.eth.get_transaction_receipt(h)
    assert r.status == 1 and r.blockNumber == 1 and r.gasUsed == 21000
    assert w3.eth.get_balance(b) == 10_001 * 10**18
    tx = w3.eth.get_transaction(h)
    assert tx["from"] == a and tx.to == b and tx.blockNumber == 1
    blk = w3.eth.get_block(1, full_transactions=True)
    assert blk.transactions[-1].hash == h and blk.timestamp == w3.eth.get_block(0).timestamp + 12
    assert blk.transactions[0].type == 0x7E  # the L1-attributes deposit opens every block


def test_raw_signed_transaction(dev):
    w3 = dev.w3
    acct = dev.accounts[2]
    signed = w3.eth.account.sign_transaction(
        {"to": dev.accounts[3], "value": 5, "gas": 21000, "maxFeePerGas": 3 * 10**9, "maxPriorityFeePerGas": 10**9,
         "nonce": 0, "chainId": DEFAULT_CHAIN_ID}, acct.private_key)
    h = w3.eth.send_raw_transaction(signed.raw_transaction)
    assert w3.eth.get_transaction_receipt(h).status == 1


def test_contract_deploy_call_transact_events(dev, counter_artifact):
    c = deploy(dev, counter_artifact)
    w3 = dev.w3
    assert c.functions.count().call() == 0
    h = c.functions.bump(5).transact({"from": dev.accounts[1]})
    rcpt = w3.eth.get_transaction_receipt(h)
    (ev,) = c.events.Bumped().process_receipt(rcpt)
    assert ev.args.by == dev.accounts[1] and ev.args.newCount == 5
    assert c.functions.count().call() == 5
    logs = w3.eth.get_logs({"fromBlock": 0, "address": c.address})
    assert len(logs) == 1 and logs[0].transactionHash == h
    with pytest.raises(ContractLogicError, match="by must be positive"):
        c.functions.bump(0).transact({"from": dev.accounts[1]})
    with pytest.raises(ContractLogicError, match="by must be positive"):
        c.functions.bump(0).call()
    assert c.functions.count().call(block_identifier=rcpt.blockNumber - 1) == 0  # state at an older block


def test_automine_off_batches_transactions(dev):
    w3 = dev.w3
    dev.automine = False
    a, b = dev.accounts[:2]
    hs = [w3.eth.send_transaction({"from": a, "to": b, "value": 1, "gas": 21000}) for _ in range(3)]
    assert w3.eth.block_number == 0 and w3.eth.get_transaction(hs[0]).blockNumber is None
    dev.mine()
    assert {w3.eth.get_transaction_receipt(h).blockNumber for h in hs} == {1}
    assert len(w3.eth.get_block(1).transactions) == 1 + 3  # the L1-attributes deposit opens every block


def test_controls_balance_code_storage_time(dev, counter_artifact):
    w3 = dev.w3
    who = "0x" + "ab" * 20
    dev.set_balance(who, wei=123)
    assert w3.eth.get_balance(w3.to_checksum_address(who)) == 123
    c = deploy(dev, counter_artifact)
    dev.set_storage(c.address, 0, 77)
    assert c.functions.count().call() == 77
    dev.set_code(who, w3.eth.get_code(c.address))
    assert w3.eth.get_code(w3.to_checksum_address(who)) == w3.eth.get_code(c.address)
    t0 = w3.eth.get_block("latest").timestamp
    dev.time_travel(seconds=3600)
    dev.mine()
    assert w3.eth.get_block("latest").timestamp == t0 + 3600 + 12
    dev.set_next_timestamp(t0 + 10_000)
    dev.mine()
    assert w3.eth.get_block("latest").timestamp == t0 + 10_000
    n = w3.eth.block_number
    dev.time_travel(blocks=3)
    assert w3.eth.block_number == n + 3
    with pytest.raises(HemiValueError):
        dev.set_next_timestamp(t0)


def test_impersonation(dev):
    w3 = dev.w3
    whale = w3.to_checksum_address("0x" + "cd" * 20)
    dev.set_balance(whale, wei=10**20)
    with pytest.raises(Web3RPCError, match="unknown account"):
        w3.eth.send_transaction({"from": whale, "to": dev.accounts[0], "value": 1})
    with dev.impersonate(whale):
        h = w3.eth.send_transaction({"from": whale, "to": dev.accounts[0], "value": 10**18})
        assert w3.eth.get_transaction_receipt(h).status == 1
        assert w3.eth.get_transaction(h)["from"] == whale
    with pytest.raises(Web3RPCError):
        w3.eth.send_transaction({"from": whale, "to": dev.accounts[0], "value": 1})


def test_anchor_reverts_both_chains(dev):
    w3 = dev.w3
    alice = dev.btc.wallet("alice")
    before_btc, before_l2 = dev.btc.state_digest(), w3.eth.block_number
    bal = w3.eth.get_balance(dev.accounts[1])
    with dev.anchor():
        dev.btc.mine(101, to=alice.address)
        alice.send(dev.btc.wallet("bob").address, 10**8)
        w3.eth.send_transaction({"from": dev.accounts[0], "to": dev.accounts[1], "value": 10**18})
        dev.sync_btc()
        assert dev.hvm_view().light_tip_height == 101
    assert dev.btc.state_digest() == before_btc and w3.eth.block_number == before_l2
    assert w3.eth.get_balance(dev.accounts[1]) == bal and dev.hvm_view().light_tip_height == 0
    h1 = w3.eth.send_transaction({"from": dev.accounts[0], "to": dev.accounts[1], "value": 1})
    s = dev.snapshot()
    dev.revert(s)
    with pytest.raises(SnapshotError):
        Devchain().revert(s)
    assert w3.eth.get_transaction_receipt(h1).status == 1


def test_same_seed_same_block_hashes():
    def run():
        dev = Devchain(seed=3)
        dev.btc.mine(10)
        dev.w3.eth.send_transaction({"from": dev.accounts[0], "to": dev.accounts[1], "value": 1})
        dev.mine(2)
        return [dev.w3.eth.get_block(n).hash for n in range(dev.w3.eth.block_number + 1)]

    assert run() == run()


def test_bad_params_get_json_rpc_errors_and_chain_stays_usable(dev):
    w3 = dev.w3
    for method, params in (("eth_getBalance", ["0x1234"]), ("eth_getBlockByNumber", ["pending?", False]),
                           ("eth_sendTransaction", [{"to": dev.accounts[0]}]), ("eth_call", ["notanobject"]),
                           ("eth_sendRawTransaction", ["0xdeadbeef"]), ("eth_getTransactionReceipt", ["0x12"])):
        resp = w3.provider.make_request(method, params)
        assert "error" in resp and resp["error"]["code"] in (-32602, -32000, -32001), (method, resp)
    assert w3.provider.make_request("eth_nope", [])["error"]["code"] == -32601
    assert w3.eth.get_block("latest").number == 0
    w3.eth.send_transaction({"from": dev.accounts[0], "to": dev.accounts[1], "value": 1})
    assert w3.eth.block_number == 1


def test_state_controls_refuse_values_out_of_range_with_hemi_value_error():
    """A balance, storage slot or word is a uint256 and code is bytes (anvil_setBalance / anvil_setStorageAt /
    anvil_setCode take the same): a bad value is a HemiValueError naming it, not py-evm's ValidationError, and the
    state is untouched."""
    dev = Devchain()
    a = dev.accounts[0]
    before = dev.w3.eth.get_balance(a)
    bad = (lambda: dev.set_balance(a, wei=-1), lambda: dev.set_balance(a, wei=2**256),
           lambda: dev.set_storage(a, -1, 0), lambda: dev.set_storage(a, 0, 2**256), lambda: dev.set_code(a, "zz"),
           lambda: dev.set_code(a, 5), lambda: dev.set_balance(a, wei=True))
    for call in bad:
        with pytest.raises(HemiValueError, match="must be"):
            call()
    assert dev.w3.eth.get_balance(a) == before and dev.w3.eth.get_code(a) == b""


def test_hemi_pop_publish_with_bad_params_is_invalid_params():
    dev = Devchain()
    for params in (["0x" + "00" * 32, {}], [{}], [True], [None, 5]):
        resp = dev.w3.provider.make_request("hemi_popPublish", params)
        assert resp["error"]["code"] == -32602, (params, resp)
