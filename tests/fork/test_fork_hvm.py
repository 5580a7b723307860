"""hVM precompiles on a fork answer as the remote does at the fork block: each input is forwarded as an ``eth_call`` to
the precompile's address there (once per input), and the gas charged is the local fixed gas (hemilabs/op-geth
params/protocol_params.go values, as the unforked devchain charges)."""

from __future__ import annotations

import pytest
from fork_helpers import rpc
from web3.exceptions import ContractLogicError

from hemi import Devchain
from hemi.btc import COIN
from hemi.errors import ForkValueError
from hemi.hvm.precompiles import HVM_PRECOMPILES


@pytest.fixture(scope="module")
def fork(remote):
    return Devchain(fork_url=remote.url, fork_block=remote.fork_block, fork_cache=False)


def _inputs(remote) -> dict[int, list[bytes]]:
    txid = bytes.fromhex(remote.txid)  # display order, as the precompiles take txids
    addr = remote.btc_address.encode()
    return {
        0x40: [addr, b"bcrt1qnotanaddress0000000000000"],
        0x41: [addr + (0).to_bytes(4, "big") + (10).to_bytes(4, "big")],
        0x42: [txid + b"\xff\xff\xff\xff"],
        0x43: [txid],
        0x44: [b""],
        0x45: [(100).to_bytes(4, "big"), (5).to_bytes(4, "big")],
        0x46: [addr],
        0x47: [txid + (0).to_bytes(4, "big")],
        0x48: [txid + (0).to_bytes(4, "big"), txid + (1).to_bytes(4, "big")],
        0x49: [txid + (0).to_bytes(4, "big")],
    }


def test_answers_equal_the_remotes(remote, fork):
    n = hex(remote.fork_block)
    nonempty = 0
    for address, datas in _inputs(remote).items():
        for data in datas:
            to = "0x" + address.to_bytes(20, "big").hex()
            try:
                theirs = rpc(remote.url, "eth_call", {"to": to, "data": "0x" + data.hex()}, n)
            except RuntimeError:
                theirs = "failed"
            try:
                ours = fork.w3.eth.call({"to": to, "data": data}).to_0x_hex()
            except Exception:  # noqa: BLE001 - web3's error for a failed call
                ours = "failed"
            assert ours == theirs, hex(address)
            nonempty += theirs != "0x"
    assert nonempty >= 8  # the remote's view holds the payment: real answers, not empty successes


def test_inside_a_contract_with_the_local_fixed_gas(remote, fork):
    """A contract STATICCALLs 0x40 and 0x43 on the fork: same output and same gas as the same call on the remote."""
    n = hex(remote.fork_block)
    for address, data in ((0x40, remote.btc_address.encode()), (0x43, bytes.fromhex(remote.txid))):
        call = {"to": remote.proxy, "data": "0x" + bytes([address - 0x40]).hex() + data.hex()}
        assert fork.w3.eth.call(call).to_0x_hex() == rpc(remote.url, "eth_call", call, n)
        assert fork.w3.eth.estimate_gas(call) == int(rpc(remote.url, "eth_estimateGas", call, n), 16)
    # the gas is the precompile's fixed cost: a transaction to the precompile itself uses intrinsic + fixed gas
    with fork.anchor():
        h = fork.w3.eth.send_transaction({"from": fork.accounts[0], "to": "0x" + "00" * 19 + "44", "gas": 60_000})
        used = fork.w3.eth.get_transaction_receipt(h).gasUsed
    assert used == 21_000 + HVM_PRECOMPILES[0x44].gas


def test_a_failing_precompile_fails_here_too(remote, fork):
    """0x43 with an unknown txid is op-geth's raw error (the CALL fails): forwarded, it fails on the fork as well."""
    unknown = b"\x01" * 32
    call = {"to": remote.proxy, "data": "0x03" + unknown.hex()}
    with pytest.raises(RuntimeError, match="execution reverted"):
        rpc(remote.url, "eth_call", call, hex(remote.fork_block))
    with pytest.raises(ContractLogicError):
        fork.w3.eth.call(call)


def test_each_input_is_forwarded_once_and_local_bitcoin_does_not_mix(remote, fork):
    since = len(remote.requests)
    data = remote.btc_address.encode()
    to = "0x" + "00" * 19 + "40"
    first = fork.w3.eth.call({"to": to, "data": data})
    # the fork's own embedded Bitcoin chain moves on: the answers stay the remote's at the fork block
    fork.btc.mine(3, to=fork.btc.wallet("alice").address)
    fork.sync_btc()
    for _ in range(3):
        assert fork.w3.eth.call({"to": to, "data": data}) == first
    assert int.from_bytes(first, "big") == 3 * COIN
    params = ({"to": to, "data": "0x" + data.hex()}, hex(remote.fork_block))
    assert remote.count("eth_call", *params, since=since) <= 1  # once (zero if the first test fetched it already)
    assert sum(1 for m, _ in remote.requests[since:] if m == "eth_call") <= 1


def test_explain_helpers_refuse_on_a_fork_where_the_precompiles_read_the_remote(remote, fork):
    """dev.explain_* read the embedded Bitcoin chain, which a fork's precompiles do not see: a typed error, not a
    confident wrong answer (a local balance "visible to the hVM" that 0x40 answers as 0)."""
    alice = fork.btc.wallet("alice")
    with pytest.raises(ForkValueError, match="remote's Bitcoin view") as e:
        fork.explain_balance(alice.address)
    assert remote.url in str(e.value)
    with pytest.raises(ForkValueError):
        fork.explain_txid(bytes.fromhex(remote.txid))
    with pytest.raises(ForkValueError):
        fork.explain_call(fork.w3.eth.get_block_number)
