"""Bad input to the devchain's Python API and its control methods gets a typed error (HemiValueError, or a JSON-RPC
error object) and leaves the chain working: each case here used to fail deep inside py-evm, rlp or the block
builder, some leaving the chain unable to mine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from web3 import Web3

import hemi
from hemi.errors import HemiValueError


@pytest.fixture
def dev() -> hemi.Devchain:
    return hemi.Devchain(predeploy_tunnel=False)


def _still_works(dev: hemi.Devchain) -> None:
    w3 = dev.w3
    head = w3.eth.block_number
    t = w3.eth.send_transaction({"from": dev.accounts[0], "to": dev.accounts[1], "value": 1})
    if not dev.automine:
        dev.mine()
    assert w3.eth.get_transaction_receipt(t).status == 1
    block = w3.eth.get_block("latest", True)
    assert block.number == head + 1 and block.transactions[0].type == 0x7E  # the L1-attributes deposit opens it


@pytest.mark.parametrize("bad", [datetime(2030, 1, 1, tzinfo=UTC).timestamp(), "5", None, True, 2**64,
                                 pytest.param(10**5_000, id="huge-int")])
def test_a_timestamp_that_is_not_a_uint64_int_is_refused(dev, bad):
    """``datetime.timestamp()`` is a float: it was accepted, then the next block failed to encode and every later
    block failed too (the head stayed where it was)."""
    with pytest.raises(HemiValueError, match="timestamp must be an int"):
        dev.set_next_timestamp(bad)
    _still_works(dev)


@pytest.mark.parametrize("bad", [timedelta(days=1).total_seconds(), "5", None, -1, 2**64])
def test_seconds_that_are_not_a_uint64_int_are_refused(dev, bad):
    with pytest.raises(HemiValueError, match="seconds must be an int"):
        dev.time_travel(seconds=bad)
    _still_works(dev)


def test_time_cannot_travel_past_the_largest_timestamp(dev):
    with pytest.raises(HemiValueError, match="past 2\\*\\*64 - 1"):
        dev.time_travel(seconds=2**64 - 1)
    for method, params in (("anvil_mine", [{"timestamp": 2**70}]), ("hardhat_mine", ["0x1", hex(2**70)])):
        reply = dev.w3.provider.make_request(method, params)
        assert reply["error"]["code"] == -32602, method
    assert dev.w3.eth.get_block("latest").timestamp < 2**64
    _still_works(dev)


def test_init_code_over_the_eip3860_limit_is_refused_before_it_runs(dev):
    """geth refuses it (``ErrMaxInitCodeSizeExceeded``, core/txpool validation and ``innerExecute``); py-evm raised
    OutOfGas out of the executor after the sender's nonce and gas purchase were written, so the next transaction
    took nonce 1 and the block lacked nonce 0."""
    w3, a = dev.w3, dev.accounts[0]
    big = {"from": a, "data": "0x" + "00" * 50_000, "gas": hex(20_000_000)}
    balance = w3.eth.get_balance(a, "pending")
    reply = w3.provider.make_request("eth_sendTransaction", [big])
    assert reply["error"] == {"code": -32000, "message": "max initcode size exceeded: code size 50000 limit 49152"}
    assert w3.eth.get_transaction_count(a, "pending") == 0 and w3.eth.get_balance(a, "pending") == balance
    for method in ("eth_call", "eth_estimateGas"):
        reply = w3.provider.make_request(method, [{"from": a, "data": big["data"]}])
        assert reply["error"]["message"].startswith("max initcode size exceeded"), method
    _still_works(dev)
    assert w3.eth.get_transaction(w3.eth.get_block("latest").transactions[1]).nonce == 0


def test_a_zero_fee_cap_on_a_chain_without_base_fee():
    """``maxFeePerGas`` 0 was read as missing and py-evm's ``gas_price`` of a 1559 transaction raised AttributeError."""
    dev = hemi.Devchain(predeploy_tunnel=False, base_fee=0)
    t = dev.w3.eth.send_transaction({"from": dev.accounts[0], "to": dev.accounts[1], "value": 1,
                                     "maxFeePerGas": 0, "maxPriorityFeePerGas": 0})
    assert dev.w3.eth.get_transaction_receipt(t).status == 1


def test_a_sender_at_the_largest_nonce_is_refused(dev):
    """EIP-2681: a nonce never reaches 2**64 (geth's ``ErrNonceMax``); py-evm's ValidationError escaped untyped."""
    a = dev.accounts[0]
    dev.set_nonce(a, 2**64 - 1)
    reply = dev.w3.provider.make_request("eth_sendTransaction", [{"from": a, "to": dev.accounts[1], "value": "0x1"}])
    assert reply["error"]["code"] == -32000 and "nonce has max value" in reply["error"]["message"]
    dev.set_nonce(a, 0)
    _still_works(dev)


def test_a_deposits_mine_flag_must_be_a_boolean(dev):
    """``"false"`` is truthy: ``hemi_sendDepositTransaction`` mined the deposit it was told to queue."""
    reply = dev.w3.provider.make_request("hemi_sendDepositTransaction",
                                         [{"from": dev.accounts[0], "to": dev.accounts[1], "mine": "false"}])
    assert reply["error"]["code"] == -32602 and dev.w3.eth.block_number == 0 and dev.op.queued == []


@pytest.mark.parametrize("field, bad", [("data", "0xabcd"), ("data", None), ("data", 5),
                                        ("source_hash", "a" * 32), ("source_hash", 5)])
def test_deposit_bytes_fields_take_bytes(dev, field, bad):
    """``data=5`` became five zero bytes; a str or None raised TypeError from ``bytes()`` or ``len()``."""
    with pytest.raises(HemiValueError, match=field):
        dev.op.deposit(sender=dev.accounts[0], to=dev.accounts[1], **{field: bad})
    _still_works(dev)


@pytest.mark.parametrize("bad", ["0x" + "ab" * 19 + "c", "", "0x", "0x12345"])
def test_a_mistyped_address_is_not_padded(dev, bad):
    """Short forms are for precompile numbers (``"0x40"``); a 39-digit typo used to be zero-padded into another
    account, and ``""`` meant the zero address."""
    with pytest.raises(HemiValueError, match="not an address"):
        dev.set_balance(bad, wei=1)
    dev.set_balance("0x100", wei=1)  # P256VERIFY's number: still accepted
    assert dev.w3.eth.get_balance("0x" + "00" * 18 + "0100") == 1


@pytest.mark.parametrize("extra", [
    {"accessList": [{"address": "0x" + "11" * 20, "storageKeys": 5}]},
    {"authorizationList": [{"chainId": "0x7a69", "address": "0x" + "11" * 20, "nonce": hex(2**64), "yParity": "0x0",
                            "r": "0x1", "s": "0x1"}]},
    {"authorizationList": [{"chainId": "0x7a69", "address": "0x" + "11" * 20, "nonce": "0x0", "yParity": "0x100",
                            "r": "0x1", "s": "0x1"}]},
])
def test_malformed_transaction_lists_are_invalid_params(dev, extra):
    """EIP-2930 storage keys are a list; EIP-7702's authorization nonce is a uint64 and yParity a uint8. These
    raised TypeError or py-evm's ValidationError out of eth_sendTransaction."""
    reply = dev.w3.provider.make_request("eth_sendTransaction", [{"from": dev.accounts[0], "to": dev.accounts[1],
                                                                  **extra}])
    assert reply["error"]["code"] == -32602
    _still_works(dev)


TIME_RECORDER = bytes.fromhex("425f5500")  # SSTORE(0, TIMESTAMP); STOP


def _time_recorder_chain(op_stack: bool) -> tuple[hemi.Devchain, dict, int]:
    dev = hemi.Devchain(predeploy_tunnel=False, automine=False, op_stack=op_stack)
    recorder = Web3.to_checksum_address("0x" + "cc" * 20)
    dev.set_code(recorder, TIME_RECORDER)
    send = {"from": dev.accounts[0], "to": recorder, "gas": 100_000}
    return dev, send, dev.w3.eth.get_block("latest").timestamp + 1_000


@pytest.mark.parametrize("op_stack", [True, False])
@pytest.mark.parametrize("move", ["evm_increaseTime", "evm_setNextBlockTimestamp", "evm_mine"])
def test_a_pending_transaction_sees_the_time_of_the_block_it_is_mined_in(op_stack, move):
    """Automine off: a transaction sent, then the clock moved, then the block mined. Anvil and Hardhat build the
    block when it is mined, so the transaction sees that block's ``block.timestamp``; it saw the time the block had
    when it opened. The block must be the one a chain builds when the clock moved first (same seed: same hash), its
    L1-attributes deposit naming that time's L1 origin."""
    dev, send, target = _time_recorder_chain(op_stack)
    w3 = dev.w3
    w3.eth.send_transaction(send)
    if move == "evm_mine":
        assert "error" not in w3.provider.make_request("evm_mine", [hex(target)])
    else:
        param = 1_000 - dev.config.block_time if move == "evm_increaseTime" else target
        assert "error" not in w3.provider.make_request(move, [param])
        dev.mine()
    block = w3.eth.get_block("latest")
    assert block.timestamp == target
    assert int.from_bytes(w3.eth.get_storage_at(send["to"], 0), "big") == target
    ref, ref_send, _ = _time_recorder_chain(op_stack)  # the clock moved first
    ref.set_next_timestamp(target)
    ref.w3.eth.send_transaction(ref_send)
    ref.mine()
    assert ref.w3.eth.get_block("latest").hash == block.hash


def test_hardhat_mine_spaces_blocks_by_the_interval_asked(dev):
    """Hardhat's ``hardhat_mine(blocks, interval)`` puts ``interval`` seconds between the blocks; an interval under
    the devchain's block_time (12 s) was silently replaced by block_time. An interval of 0 (viem's
    ``testClient.mine``) mines as usual."""
    w3 = dev.w3
    head = w3.eth.block_number
    assert "error" not in w3.provider.make_request("hardhat_mine", ["0x3", "0x1"])
    stamps = [w3.eth.get_block(n).timestamp for n in range(head, head + 4)]
    assert [b - a for a, b in zip(stamps, stamps[1:], strict=False)] == [1, 1, 1]
    assert "error" not in w3.provider.make_request("anvil_mine", ["0x2", "0x0"])  # viem's testClient.mine: as usual
    assert w3.eth.get_block("latest").timestamp - stamps[-1] == 2 * dev.config.block_time
    _still_works(dev)


def test_a_sync_that_cannot_finish_says_so_before_mining():
    """``sync_btc`` mined ``max_blocks`` L2 blocks and only then failed (``hemi_syncBitcoin`` after
    ``hemi_mineBitcoin(100000)``: many minutes); it refuses at once, and a sync that fits still runs."""
    dev = hemi.Devchain(predeploy_tunnel=False, max_btc_headers_per_block=2)
    dev.btc.mine(50)
    head = dev.w3.eth.block_number
    with pytest.raises(HemiValueError, match="50 Bitcoin blocks behind"):
        dev.sync_btc(max_blocks=10)
    assert dev.w3.eth.block_number == head
    assert dev.sync_btc(max_blocks=200) >= 25 and dev.hvm_view().light_tip_height == dev.btc.height


@pytest.mark.parametrize("bad", ["600", 0, 2**40, 1.5, 86_401])
def test_the_bitcoin_block_interval_is_checked_when_set(dev, bad):
    """A header's time is a uint32: a str, float or huge interval failed at the next block (TypeError,
    struct.error)."""
    with pytest.raises(HemiValueError, match="block_interval"):
        dev.btc.block_interval = bad
    assert dev.btc.mine(1) and dev.btc.block_interval == 600


def test_bitcoin_mining_arguments_are_checked(dev):
    with pytest.raises(HemiValueError, match="txs must be a list"):
        dev.btc.mine(1, txs=5)
    with pytest.raises(HemiValueError, match="height must be an int"):
        dev.btc.mine_until("5")
    assert dev.btc.mine_until(3) and dev.btc.height == 3


def test_bitcoin_time_stops_at_the_largest_header_time():
    """A header's time is a uint32: the block that would pass 2**32 - 1 is refused (it failed in struct.pack)."""
    btc = hemi.BitcoinChain(block_interval=86_400)
    last = (2**32 - 1 - btc.node.chainstate.tip.time) // 86_400  # blocks that still fit
    btc.mine(last)
    with pytest.raises(HemiValueError, match="2\\*\\*32 - 1"):
        btc.mine(1)
    assert btc.height == last and btc.node.chainstate.tip.time <= 2**32 - 1


@pytest.mark.parametrize("bad", [True, 1.5, {}, None, -1, pytest.param(10**5_000, id="huge-int")])
def test_hvm_view_takes_a_block_number_or_tag(dev, bad):
    """A bool, float or object was looked up as a block (-32001 "no L2 block True"): it is a bad parameter."""
    assert dev.w3.provider.make_request("hemi_hvmView", [bad])["error"]["code"] == -32602
    assert "error" not in dev.w3.provider.make_request("hemi_hvmView", ["0x0"])


@pytest.mark.parametrize("field, bad", [("locktime", 2**32), ("locktime", -1), ("locktime", "0"),
                                        ("version", "x"), ("version", 2**31)])
def test_a_bitcoin_transactions_32_bit_fields_are_checked(dev, field, bad):
    """nLockTime is a uint32 and nVersion an int32 (bitcoin/src/primitives/transaction.h): out-of-range or
    non-int values raised struct.error or a builtin ValueError."""
    dev.btc.mine(101)
    wallet = dev.btc.wallet("miner")
    with pytest.raises(HemiValueError, match=field):
        wallet.build_tx(wallet.address, 1_000, **{field: bad})
    assert wallet.build_tx(wallet.address, 1_000, locktime=2**32 - 1, version=3)


@pytest.mark.parametrize("through", ["python", "rpc"])
def test_a_snapshot_keeps_pending_transactions_pending(through):
    """Hardhat's ``evm_snapshot`` mines nothing and its ``evm_revert`` brings back the pending transactions of the
    moment (hardhat-network's snapshot holds the mempool); the devchain mined them into a block first."""
    dev = hemi.Devchain(predeploy_tunnel=False, automine=False)
    w3, (a, b) = dev.w3, dev.accounts[:2]
    t1 = w3.eth.send_transaction({"from": a, "to": b, "value": 1})
    snap = dev.snapshot() if through == "python" else w3.provider.make_request("evm_snapshot", [])["result"]
    assert w3.eth.block_number == 0 and w3.eth.get_transaction(t1).blockNumber is None
    t2 = w3.eth.send_transaction({"from": a, "to": b, "value": 2})
    dev.mine()
    assert w3.eth.block_number == 1
    if through == "python":
        dev.revert(snap)
    else:
        assert w3.provider.make_request("evm_revert", [snap])["result"] is True
    assert w3.eth.block_number == 0 and w3.eth.get_transaction_count(a, "pending") == 1
    with pytest.raises(Exception, match="not found"):
        w3.eth.get_transaction(t2)
    dev.mine()
    block = w3.eth.get_block("latest", True)
    assert [bytes(t.hash) for t in block.transactions[1:]] == [bytes(t1)]
    assert w3.eth.get_transaction_receipt(t1).status == 1


def test_a_transaction_py_evm_refuses_part_way_leaves_nothing_behind():
    """A set-code transaction with an empty authorization list passes the pool's checks and is refused by py-evm's
    executor after the sender's nonce and gas purchase are written. The rollback must undo them (py-evm's
    ``apply_transaction`` locks the state's changes first, which dropped the checkpoint taken before it) and the
    pending block's journal must not keep it (a later rebuild replayed it)."""
    dev = hemi.Devchain(predeploy_tunnel=False, automine=False)
    w3, eng, a = dev.w3, dev.engine, dev.accounts[0]
    sender = bytes.fromhex(a[2:])
    w3.eth.send_transaction({"from": a, "to": dev.accounts[1], "value": 1})
    balance, journal = w3.eth.get_balance(a, "pending"), len(eng._pending_journal)
    tx = eng._tx_builder().new_unsigned_set_code_transaction(
        chain_id=eng.chain_id, nonce=1, max_priority_fee_per_gas=0, max_fee_per_gas=10**10, gas=100_000,
        to=bytes.fromhex(dev.accounts[1][2:]), value=0, data=b"", access_list=(), authorization_list=[])
    raw = eng.sign(tx, dev.key_for(a).key, sender).encode()
    reply = w3.provider.make_request("eth_sendRawTransaction", ["0x" + raw.hex()])
    assert "authorization_list" in reply["error"]["message"]
    assert w3.eth.get_transaction_count(a, "pending") == 1 and w3.eth.get_balance(a, "pending") == balance
    assert len(eng._pending_journal) == journal
    snap = dev.snapshot()  # a rebuild of the block replays exactly what it holds
    dev.revert(snap)
    _still_works(dev)
    assert len(w3.eth.get_block("latest").transactions) == 3  # L1 attributes and the two transfers


# pays 1 ETH to the caller while block.timestamp < T, else does nothing: PUSH8 T TIMESTAMP LT PUSH1 0x0f JUMPI STOP
# JUMPDEST; CALL(GAS, CALLER, 1 ETH, 0, 0, 0, 0)
def _faucet_until(t: int) -> bytes:
    return bytes.fromhex("67" + t.to_bytes(8, "big").hex() + "42" + "10" + "600f" + "57" + "00" + "5b" + "6000" * 4
                         + "67" + (10**18).to_bytes(8, "big").hex() + "33" + "5a" + "f1" + "00")


def test_a_transaction_that_no_longer_runs_at_the_mined_time_is_left_out():
    """The clock moved past the faucet's deadline after a claim and a payment that needs the claimed ether were sent:
    rebuilt at the block's time, the claim pays nothing and the payment cannot be paid for, so it is left out of the
    block (anvil and Hardhat build the block when it is mined). The time travel is kept, and the chain mines on."""
    dev = hemi.Devchain(predeploy_tunnel=False, automine=False)
    w3 = dev.w3
    head_ts = w3.eth.get_block("latest").timestamp
    faucet = Web3.to_checksum_address("0x" + "fa" * 20)
    dev.set_code(faucet, _faucet_until(head_ts + 100))
    dev.set_balance(faucet, wei=10 * 10**18)
    user = dev.accounts[5]
    dev.set_balance(user, wei=10**16)
    claim = w3.eth.send_transaction({"from": user, "to": faucet, "gas": 100_000})
    pay = w3.eth.send_transaction({"from": user, "to": dev.accounts[1], "value": 5 * 10**17, "gas": 21_000})
    dev.time_travel(seconds=1_000)
    dev.mine()
    block = w3.eth.get_block("latest")
    assert block.timestamp == head_ts + 1_000 + dev.config.block_time
    assert [bytes(h) for h in block.transactions[1:]] == [bytes(claim)]
    with pytest.raises(Exception, match="not found"):
        w3.eth.get_transaction(pay)
    with pytest.raises(hemi.errors.HemiLookupError):
        dev.sequencer.ordering(bytes(pay))
    _still_works(dev)


def test_a_snapshot_keeps_the_pending_blocks_orderings():
    """The sequencer's records of the pending block (what ``dev.provenance`` and ``hemi_provenance`` read) were
    dropped by a revert to a snapshot that kept the block pending."""
    dev = hemi.Devchain(predeploy_tunnel=False, automine=False)
    t = dev.w3.eth.send_transaction({"from": dev.accounts[0], "to": dev.accounts[1], "value": 1})
    snap = dev.snapshot()
    dev.mine()
    dev.revert(snap)
    dev.mine()
    assert dev.sequencer.ordering(bytes(t)).l2_block == 1


def test_a_state_loaded_with_a_pending_block_snapshots_it_and_moves_its_clock(tmp_path):
    """A state file holds the pending block's journal, so a loaded devchain rebuilds that block as the saved one
    would: a snapshot keeps it pending and a clock move runs it again at the new time (a state without the journal
    made a snapshot mine it first and a clock move seal it as it had run)."""
    dev = hemi.Devchain(predeploy_tunnel=False, automine=False)
    dev.w3.eth.send_transaction({"from": dev.accounts[0], "to": dev.accounts[1], "value": 1})
    loaded = hemi.Devchain.load_state_data(dev.dump_state_data())
    snap = loaded.w3.provider.make_request("evm_snapshot", [])
    assert "result" in snap and loaded.w3.eth.block_number == 0 and loaded.engine.pending_txs
    loaded.w3.eth.send_transaction({"from": loaded.accounts[0], "to": loaded.accounts[1], "value": 1})
    loaded2 = hemi.Devchain.load_state_data(loaded.dump_state_data())
    for d in (loaded, loaded2):
        d.time_travel(seconds=100)
        d.mine()
    assert loaded2.w3.eth.get_block("latest") == loaded.w3.eth.get_block("latest")
    assert loaded2.w3.eth.get_block("latest").timestamp == loaded.w3.eth.get_block(0).timestamp + 100 + 12
    assert len(loaded2.w3.eth.get_block("latest").transactions) == 3  # L1 attributes and both transfers
    _still_works(loaded2)


def test_a_system_sender_keeps_a_nonce_blocks_can_open_with(dev):
    """The L1-attributes depositor's nonce moves every block: set to 2**64 - 1 (EIP-2681's cap), every later block
    failed to open, and some were sealed without their L1-attributes deposit. A deposit from an account at the last
    nonce is refused when it is queued (it failed the block it opened)."""
    with pytest.raises(HemiValueError, match="below 2\\*\\*63"):
        dev.set_nonce("0xDeaDDEaDDeAdDeAdDEAdDEaddeAddEAdDEAd0001", 2**64 - 1)
    dev.set_nonce(dev.accounts[2], 2**64 - 1)
    with pytest.raises(HemiValueError, match="last nonce"):
        dev.op.deposit(sender=dev.accounts[2], to=dev.accounts[1])
    _still_works(dev)


def test_a_mine_whose_interval_cannot_fit_mines_nothing(dev):
    """``anvil_mine(5, 2**62)`` answered an error after mining three blocks and moving the clock past 1.3e19."""
    reply = dev.w3.provider.make_request("anvil_mine", ["0x5", hex(2**62)])
    assert reply["error"]["code"] == -32602 and dev.w3.eth.block_number == 0


@pytest.mark.parametrize("bad", ["0x" + "f" * 20_000, "0x0_0", " 0x1", "0x1 ",
                                 pytest.param(-(10**20_000), id="huge-int")])
def test_a_quantity_is_strict_hex_of_at_most_64_digits(dev, bad):
    """Python's ``int(v, 16)`` takes underscores and surrounding spaces; 20,000 digits made -32603 internal errors."""
    reply = dev.w3.provider.make_request("eth_getBlockByNumber", [bad, False])
    assert reply["error"]["code"] == -32602 and len(reply["error"]["message"]) < 200


@pytest.mark.parametrize("bad", ["0x12 34", "0x 1234", "0x1234\n", "0x" + "ab" * 19 + " ab"])
def test_data_and_addresses_are_strict_hex(dev, bad):
    """``bytes.fromhex`` skips whitespace between bytes: data with spaces was taken, and an address with a space
    in it read as another 20 bytes."""
    reply = dev.w3.provider.make_request("eth_getBalance", [bad, "latest"])
    assert reply["error"]["code"] == -32602
    reply = dev.w3.provider.make_request("eth_call", [{"to": "0x" + "00" * 19 + "04", "data": bad}, "latest"])
    assert reply["error"]["code"] == -32602


def test_a_null_inside_a_topic_list_matches_any_topic(dev):
    """go-ethereum eth/filters/api.go ``FilterCriteria.UnmarshalJSON``: a null among a position's alternatives makes
    that position match anything; it raised AttributeError (-32603) as soon as a log was there to compare. And
    eth/filters/filter.go ``filterLogs``: a filter with more positions than a log has topics excludes it, even when
    those positions are wildcards (such a log was returned)."""
    x, y = "0x" + "11" * 32, "0x" + "22" * 32
    emitter = Web3.to_checksum_address("0x" + "e1" * 20)
    dev.set_code(emitter, bytes.fromhex("7f" + "11" * 32 + "60006000a100"))  # LOG1(0, 0, x); STOP
    dev.w3.eth.send_transaction({"from": dev.accounts[0], "to": emitter, "gas": 100_000})
    for topics, found in (([[y, None]], 1), ([[y]], 0), ([[x.upper().replace("0X", "0x")]], 1), ([None, [y, None]], 0),
                          ([None, None], 0), ([None], 1)):
        reply = dev.w3.provider.make_request("eth_getLogs", [{"fromBlock": "0x0", "topics": topics}])
        assert len(reply["result"]) == found, topics


def test_a_misspelt_setting_is_a_typed_error_naming_the_closest_settings():
    """`hemi.Devchain(hvm_indexr_lag=0)` was DevchainConfig.__init__'s TypeError about keyword arguments."""
    with pytest.raises(HemiValueError, match=r"unknown Devchain setting 'hvm_indexr_lag' \(did you mean "
                                             r"'hvm_indexer_lag'"):
        hemi.Devchain(hvm_indexr_lag=0)
    with pytest.raises(HemiValueError) as e:
        hemi.Devchain(chainid=5, zzz=1)
    assert "'chainid' (did you mean 'chain_id'?)" in str(e.value) and "'zzz'" in str(e.value)
    assert hemi.Devchain(hvm_indexer_lag=0).config.hvm_indexer_lag == 0
