"""Defects a stateful random hunt over the Python API found, each test failing on the code before its fix: forced
inputs that bricked the chain or crossed chains, snapshots that forgot the sequencer's bookkeeping, a clock past
uint64, ``evm_revert`` of a snapshot the Python API ended, and setters that took anything."""

from __future__ import annotations

import pytest
from web3.exceptions import Web3RPCError

import hemi
from hemi.errors import HemiValueError, StateFileError


@pytest.fixture
def dev() -> hemi.Devchain:
    return hemi.Devchain(predeploy_tunnel=False)


def _still_mines(dev: hemi.Devchain) -> None:
    head = dev.engine.head_number
    dev.w3.eth.send_transaction({"from": dev.accounts[0], "to": dev.accounts[1], "value": 1})
    if not dev.automine:
        dev.mine()
    assert dev.engine.head_number == head + 1


@pytest.mark.parametrize("bad", [b"\x01\x02", "0xzz", "c0", {"from": "0x" + "11" * 20, "value": -1},
                                 {"from": "0x" + "11" * 20, "to": "0x12345"}, {"from": "0x" + "11" * 20, "data": 5},
                                 {"from": "0x" + "11" * 20, "gas": 0}])
def test_a_forced_input_that_could_never_be_ordered_is_refused_at_submission(dev, bad):
    """Undecodable bytes were queued, and ordering them raised rlp's exception at every block opening (the opening
    put the input back), so no block could be made again: the head stayed at 0."""
    with pytest.raises(HemiValueError):
        dev.sequencer.submit(bad)
    assert dev.sequencer.waiting() == []
    _still_mines(dev)


def test_a_forced_input_signed_for_another_chain_is_refused(dev):
    """EIP-155 replay protection, as eth_sendRawTransaction applies it: a transaction signed for chain 1 was ordered
    on the devchain (its JSON then showed v for chain 1 next to chainId 31337)."""
    w3, a = dev.w3, dev.accounts
    raw = bytes(w3.eth.account.sign_transaction(
        {"to": a[1], "value": 1, "gas": 21000, "gasPrice": 2 * 10**9, "nonce": 0, "chainId": 1},
        a[2].private_key).raw_transaction)
    with pytest.raises(HemiValueError, match="chain id 1"):
        dev.sequencer.submit(raw)
    same_chain = bytes(w3.eth.account.sign_transaction(
        {"to": a[1], "value": 1, "gas": 21000, "gasPrice": 2 * 10**9, "nonce": 0, "chainId": dev.config.chain_id},
        a[2].private_key).raw_transaction)
    assert dev.sequencer.tx_of(dev.sequencer.submit(same_chain)) is not None


def test_revert_restores_the_sequencers_ids_and_dropped_inputs(dev):
    """``dev.revert`` left ``dropped`` holding an input dropped after the snapshot, and the id counter and the
    input -> transaction map as they were after it, so a replay got other ids than the first run."""
    a = dev.accounts
    snap = dev.snapshot()
    first = [dev.sequencer.submit({"from": a[0], "to": a[1], "value": 10**30}),  # unaffordable: dropped
             dev.sequencer.submit({"from": a[0], "to": a[1], "value": 1})]
    hashes = [dev.sequencer.tx_of(i) for i in first]
    assert [item.id for item, _ in dev.sequencer.dropped] == [first[0]]
    dev.revert(snap)
    assert dev.sequencer.dropped == [] and dev.sequencer.tx_of(first[1]) is None
    again = [dev.sequencer.submit({"from": a[0], "to": a[1], "value": 10**30}),
             dev.sequencer.submit({"from": a[0], "to": a[1], "value": 1})]
    assert again == first and [dev.sequencer.tx_of(i) for i in again] == hashes


def test_no_block_after_the_largest_timestamp(dev):
    """A block at 2**64 - 1 could be followed by one at 2**64 + 11, a header no client can decode; now the next block
    is refused with a typed error, and the chain stays as it was."""
    dev.set_next_timestamp(2**64 - 1)
    dev.mine()
    head = dev.engine.head_number
    with pytest.raises(HemiValueError, match="past 2\\*\\*64 - 1"):
        dev.mine()
    with pytest.raises(Web3RPCError, match="past 2\\*\\*64 - 1"):
        dev.w3.eth.send_transaction({"from": dev.accounts[0], "to": dev.accounts[1], "value": 1})
    assert dev.engine.head_number == head and dev.w3.eth.get_block("latest").timestamp == 2**64 - 1
    assert dev.w3.eth.get_balance(dev.accounts[1]) == 10_000 * 10**18


def test_evm_revert_of_a_snapshot_the_python_api_ended_answers_false(dev):
    """anvil answers false for an unknown snapshot id, as this devchain does after anvil_loadState; after
    dev.replace_state or a revert to an older Python snapshot it answered -32602 with the snapshot's whole repr."""
    mr = dev.w3.provider.make_request
    data = dev.dump_state_data()
    sid = mr("evm_snapshot", [])["result"]
    dev.replace_state(data)
    assert mr("evm_revert", [sid])["result"] is False
    older = dev.snapshot()
    sid = mr("evm_snapshot", [])["result"]
    dev.revert(older)
    assert mr("evm_revert", [sid])["result"] is False
    assert repr(older) == f"<DevchainSnapshot id={older.id}>"


@pytest.mark.parametrize("setter,value", [("automine", "no"), ("automine", 0)])
def test_automine_takes_a_bool(dev, setter, value):
    with pytest.raises(HemiValueError, match="automine is True or False"):
        setattr(dev, setter, value)
    assert dev.automine is True


@pytest.mark.parametrize("name,value", [("max_fee_rate", "x"), ("max_fee_rate", -1), ("max_fee_rate", 10**8),
                                        ("ancestor_limit", 0), ("ancestor_limit", 2.5)])
def test_bitcoin_chain_limits_are_checked(dev, name, value):
    """After ``max_fee_rate = "x"`` every wallet send raised TypeError."""
    before = getattr(dev.btc, name)
    with pytest.raises(HemiValueError, match=name):
        setattr(dev.btc, name, value)
    with pytest.raises(HemiValueError, match=name):
        hemi.btc.BitcoinChain(**{name: value})
    assert getattr(dev.btc, name) == before


def test_bad_arguments_to_chain_queries_are_typed_errors(dev):
    with pytest.raises(HemiValueError, match="max_blocks"):
        dev.sync_btc(max_blocks="x")
    with pytest.raises(HemiValueError, match="vout"):
        dev.btc.get_txout("00" * 32, "x")


@pytest.mark.parametrize("call", [
    lambda: hemi.Devchain.load_state(None), lambda: hemi.Devchain.load_state(5),
    lambda: hemi.Devchain.load_state_data(None), lambda: hemi.Devchain.load_state_data("abc"),
    lambda: hemi.Devchain.load_state_data(hemi.Devchain(predeploy_tunnel=False).dump_state_data(), max_size="x"),
    lambda: hemi.Devchain.load_state_data(b"x", size=1),
])
def test_loading_checks_its_arguments(call):
    """These raised TypeError from inside the state codec."""
    with pytest.raises(HemiValueError) as err:
        call()
    assert not isinstance(err.value, StateFileError) or "the state" in str(err.value)
