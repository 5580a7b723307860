"""The devchain's blocks as Hemi's OP-stack blocks: the L1-attributes deposit, the L1Block and GasPriceOracle
predeploys, the L1 data fee, deposits from L1 and the 0x7C Bitcoin-attributes transaction.

Upstream facts checked here: ethereum-optimism/optimism ``op-node/rollup/derive/l1_block_info.go`` (Ecotone calldata,
gas 1,000,000), ``deposit_source.go`` (source-hash domains 0 and 1), ``packages/contracts-bedrock/src/L2/L1Block.sol``
and ``GasPriceOracle.sol`` (getters, DECIMALS 6); hemilabs/op-geth ``core/types/rollup_cost.go`` (Ecotone fee),
``internal/ethapi/api.go`` (deposit JSON and receipt fields), ``core/types/btc_attributes_deposited_tx.go`` and
``btc_attributes_deposit_data.go`` (0x7C: from/to 0x8888…8888, gas 1,000,000, ``updateHvmState`` layout),
``core/state_transition.go`` (the EIP-7623 floor on every transaction's gas).
"""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_utils import keccak
from web3 import Web3
from web3.exceptions import Web3RPCError

import hemi
from hemi.compiler import shipped
from hemi.errors import HemiValueError

L1_BLOCK = "0x4200000000000000000000000000000000000015"
GPO = "0x420000000000000000000000000000000000000F"
L1_FEE_VAULT = "0x420000000000000000000000000000000000001A"
DEPOSITOR = "0xDeaDDEaDDeAdDeAdDEAdDEaddeAddEAdDEAd0001"
SYSTEM = "0x8888888888888888888888888888888888888888"


@pytest.fixture
def dev() -> hemi.Devchain:
    return hemi.Devchain(predeploy_tunnel=False)


def _l1_info(data: bytes) -> dict:
    """Decode setL1BlockValuesEcotone's packed calldata (l1_block_info.go's Ecotone layout)."""
    assert data[:4] == keccak(text="setL1BlockValuesEcotone()")[:4] and len(data) == 164
    return {"baseFeeScalar": int.from_bytes(data[4:8], "big"), "blobBaseFeeScalar": int.from_bytes(data[8:12], "big"),
            "sequenceNumber": int.from_bytes(data[12:20], "big"), "timestamp": int.from_bytes(data[20:28], "big"),
            "number": int.from_bytes(data[28:36], "big"), "basefee": int.from_bytes(data[36:68], "big"),
            "blobBaseFee": int.from_bytes(data[68:100], "big"), "hash": data[100:132], "batcherHash": data[132:164]}


def test_every_block_opens_with_the_l1_attributes_deposit(dev):
    w3 = dev.w3
    dev.mine(3)
    for n in (1, 2, 3):
        block = w3.eth.get_block(n, True)
        tx = block.transactions[0]
        assert (tx.type, tx["from"], tx.to, tx.gas, tx.value) == (0x7E, DEPOSITOR, L1_BLOCK, 1_000_000, 0)
        assert tx.gasPrice == 0 and tx.mint == "0x0" and "isSystemTx" not in tx and "chainId" not in tx
        info = _l1_info(bytes(tx.input))
        assert info["timestamp"] <= block.timestamp
        expected_source = keccak((1).to_bytes(32, "big") + keccak(info["hash"] + info["sequenceNumber"]
                                                                   .to_bytes(32, "big")))
        assert tx.sourceHash == "0x" + expected_source.hex()
        receipt = w3.eth.get_transaction_receipt(tx.hash)
        assert receipt.status == 1 and receipt.transactionIndex == 0 and receipt.effectiveGasPrice == 0
        assert receipt.depositNonce == hex(n - 1) == hex(tx.nonce)  # the depositor's nonce moves every block
        assert receipt.depositReceiptVersion == "0x1" and "l1Fee" not in receipt
        assert w3.eth.get_block(n).transactions[0] == tx.hash  # hashes-only form too
    assert w3.eth.get_transaction_count(DEPOSITOR) == 3


def test_l1block_and_gas_price_oracle_answer_from_the_deposit(dev):
    w3 = dev.w3
    dev.mine(1)
    info = _l1_info(bytes(w3.eth.get_block("latest", True).transactions[0].input))
    l1 = w3.eth.contract(address=L1_BLOCK, abi=shipped.load("L1Block").abi)
    f = l1.functions
    assert (f.number().call(), f.timestamp().call(), f.basefee().call()) == \
        (info["number"], info["timestamp"], info["basefee"])
    assert (f.hash().call(), f.batcherHash().call()) == (info["hash"], info["batcherHash"])
    assert (f.sequenceNumber().call(), f.blobBaseFee().call()) == (info["sequenceNumber"], info["blobBaseFee"])
    assert (f.baseFeeScalar().call(), f.blobBaseFeeScalar().call()) == \
        (info["baseFeeScalar"], info["blobBaseFeeScalar"])
    assert f.DEPOSITOR_ACCOUNT().call() == DEPOSITOR
    with pytest.raises(Exception):  # noqa: B017 - only the depositor account may write (any web3 error)
        f.setL1BlockValuesEcotone().transact({"from": dev.accounts[0]})
    gpo = w3.eth.contract(address=GPO, abi=shipped.load("GasPriceOracle").abi).functions
    assert gpo.isEcotone().call() is True and gpo.isFjord().call() is False and gpo.decimals().call() == 6
    assert gpo.l1BaseFee().call() == info["basefee"] and gpo.blobBaseFee().call() == info["blobBaseFee"]
    assert gpo.baseFeeScalar().call() == info["baseFeeScalar"]
    assert gpo.gasPrice().call() == 0  # eth_call without a gas price runs with base fee 0, as geth's
    data = b"\x00" * 10 + b"\x01" * 20
    gas = 10 * 4 + 20 * 16 + 68 * 16  # GasPriceOracle._getCalldataGas: the unsigned tx plus 68 signature bytes
    assert gpo.getL1GasUsed(data).call() == gas
    per_gas = 16 * info["baseFeeScalar"] * info["basefee"] + info["blobBaseFeeScalar"] * info["blobBaseFee"]
    assert gpo.getL1Fee(data).call() == gas * per_gas // (16 * 10**6)


def test_user_transactions_pay_the_l1_fee_shown_in_their_receipt(dev):
    w3 = dev.w3
    sender, to = dev.accounts[3], dev.accounts[4]
    signed = Account.sign_transaction({"to": to, "value": 777, "gas": 21_000, "maxFeePerGas": 10**10,
                                       "maxPriorityFeePerGas": 10**8, "nonce": 0, "chainId": w3.eth.chain_id},
                                      sender.private_key)
    before, vault_before = w3.eth.get_balance(sender), w3.eth.get_balance(L1_FEE_VAULT)
    h = w3.eth.send_raw_transaction(signed.raw_transaction)
    r = w3.eth.get_transaction_receipt(h)
    raw = bytes(signed.raw_transaction)
    zeros = raw.count(0)
    calldata_gas = 4 * zeros + 16 * (len(raw) - zeros)
    info = _l1_info(bytes(w3.eth.get_block(r.blockNumber, True).transactions[0].input))
    fee = calldata_gas * (16 * info["basefee"] * info["baseFeeScalar"]
                          + info["blobBaseFee"] * info["blobBaseFeeScalar"]) // (16 * 10**6)
    assert fee > 0
    assert int(r.l1Fee, 16) == fee and int(r.l1GasUsed, 16) == calldata_gas
    assert int(r.l1GasPrice, 16) == info["basefee"] and int(r.l1BaseFeeScalar, 16) == info["baseFeeScalar"]
    assert int(r.l1BlobBaseFee, 16) == info["blobBaseFee"]
    assert int(r.l1BlobBaseFeeScalar, 16) == info["blobBaseFeeScalar"]
    assert before - w3.eth.get_balance(sender) == r.gasUsed * r.effectiveGasPrice + 777 + fee
    assert w3.eth.get_balance(L1_FEE_VAULT) - vault_before == fee


def test_the_l1_fee_must_be_affordable_too(dev):
    w3 = dev.w3
    poor = Account.create("poor")
    base = w3.eth.get_block("latest").baseFeePerGas
    price = 2 * base
    dev.set_balance(poor.address, wei=21_000 * price + 5)  # gas and value, not the L1 fee
    tx = {"to": dev.accounts[0], "value": 5, "gas": 21_000, "maxFeePerGas": price, "maxPriorityFeePerGas": 0,
          "nonce": 0, "chainId": w3.eth.chain_id}
    head = w3.eth.block_number
    with pytest.raises(Exception, match="insufficient funds"):
        w3.eth.send_raw_transaction(Account.sign_transaction(tx, poor.key).raw_transaction)
    assert w3.eth.get_balance(poor.address) == 21_000 * price + 5 and w3.eth.block_number == head


def test_deposits_from_l1_mint_and_execute_after_the_l1_attributes(dev):
    w3 = dev.w3
    alias = Web3.to_checksum_address("0x" + "ab" * 20)  # a fresh L1 sender: nothing on L2 until the deposit mints
    to = dev.accounts[5]
    before = w3.eth.get_balance(to)
    h = dev.op.deposit(sender=alias, to=to, value=4, mint=10)
    tx = w3.eth.get_transaction(h)
    assert tx.type == 0x7E and tx.transactionIndex == 1 and tx["from"] == alias and tx.mint == "0xa"
    block = w3.eth.get_block(tx.blockNumber)
    assert block.transactions[0] != h and len(block.transactions) == 2
    r = w3.eth.get_transaction_receipt(h)
    assert r.status == 1 and r.depositNonce == "0x0" and r.effectiveGasPrice == 0
    assert w3.eth.get_balance(alias) == 6 and w3.eth.get_balance(to) == before + 4
    # through JSON-RPC, with its own source hash; a failing call keeps the mint and uses the nonce
    resp = w3.provider.make_request("hemi_sendDepositTransaction", [{
        "from": alias, "to": GPO, "mint": hex(100), "value": hex(1), "gas": hex(60_000),
        "data": "0x" + keccak(text="setFjord()")[:4].hex(), "sourceHash": "0x" + "11" * 32}])
    h2 = bytes.fromhex(resp["result"][2:])
    r2 = w3.eth.get_transaction_receipt(h2)
    assert r2.status == 0 and r2.depositNonce == "0x1" and w3.eth.get_transaction(h2).sourceHash == "0x" + "11" * 32
    assert w3.eth.get_balance(alias) == 106 and w3.eth.get_transaction_count(alias) == 2
    with pytest.raises(HemiValueError):
        dev.op.deposit(sender=alias, to=GPO, mint=100, value=1, gas=60_000, data=keccak(text="setFjord()")[:4],
                       source_hash=b"\x11" * 32)  # the same deposit again
    bad = w3.provider.make_request("hemi_sendDepositTransaction", [{"from": alias, "gas": "0x1"}])
    assert bad["error"]["code"] == -32602


def test_bitcoin_attributes_tx_carries_the_headers_the_view_added(dev):
    w3 = dev.w3
    dev.btc.mine(3)
    dev.mine(1)
    n = w3.eth.block_number
    view = dev.hvm_view(n)
    assert len(view.headers_added) == 3
    block = w3.eth.get_block(n, True)
    assert [t.type for t in block.transactions] == [0x7E, 0x7C]
    tx = block.transactions[1]
    assert (tx["from"], tx.to, tx.gas, tx.value, tx.gasPrice) == (SYSTEM, SYSTEM, 1_000_000, 0, 0)
    data = bytes(tx.input)
    assert data[:4] == keccak(text="updateHvmState(bytes32,bytes[])")[:4] == bytes.fromhex("c94f1cca")
    assert data[4:36] == bytes(view.light_tip_hash)  # the canonical tip, internal byte order
    assert int.from_bytes(data[36:68], "big") == 0x40 and int.from_bytes(data[68:100], "big") == 3
    offsets = [int.from_bytes(data[100 + 32 * i:132 + 32 * i], "big") for i in range(3)]
    assert offsets == [96, 96 + 128, 96 + 256]
    for i, h in enumerate(view.headers_added):
        item = data[196 + 128 * i:196 + 128 * (i + 1)]
        assert int.from_bytes(item[:32], "big") == 80
        assert item[32:112] == dev.btc.header(h).raw and item[112:] == bytes(16)
    assert len(data) == 196 + 3 * 128
    got = w3.eth.get_transaction(tx.hash)
    assert got.blockNumber == n and got.transactionIndex == 1 and got.type == 0x7C
    r = w3.eth.get_transaction_receipt(tx.hash)
    assert r.status == 1 and r.type == 0x7C and r["from"] == SYSTEM
    tokens = data.count(0) + 4 * (len(data) - data.count(0))  # EIP-7623: op-geth floors every tx's gas, 0x7C's too
    assert r.gasUsed == 21_000 + 10 * tokens > 21_000 + 4 * data.count(0) + 16 * (len(data) - data.count(0))
    assert tx.hash == keccak(b"\x7c" + __import__("rlp").encode([bytes.fromhex(SYSTEM[2:]), 1_000_000, data]))
    dev.mine(1)  # nothing new: no 0x7C
    assert [t.type for t in w3.eth.get_block("latest", True).transactions] == [0x7E]


def test_blocks_are_deterministic_and_survive_snapshots_and_state_files(tmp_path):
    def build():
        d = hemi.Devchain(predeploy_tunnel=False, seed=3)
        d.btc.mine(2)
        d.w3.eth.send_transaction({"from": d.accounts[0], "to": d.accounts[1], "value": 1})
        d.op.deposit(sender=d.accounts[2], to=d.accounts[3], value=2)
        return d

    a, b = build(), build()
    hashes = [a.w3.eth.get_block(n).hash for n in range(a.w3.eth.block_number + 1)]
    assert hashes == [b.w3.eth.get_block(n).hash for n in range(b.w3.eth.block_number + 1)]
    snap = a.snapshot()
    a.op.deposit(sender=a.accounts[2], to=a.accounts[3], value=3, mine=False)
    a.mine(2)
    after = a.w3.eth.get_block("latest").hash
    a.revert(snap)
    assert a.op.queued == [] and a.w3.eth.get_block("latest").hash == hashes[-1]
    a.op.deposit(sender=a.accounts[2], to=a.accounts[3], value=3, mine=False)
    a.mine(2)
    assert a.w3.eth.get_block("latest").hash == after
    path = b.dump_state(tmp_path / "state.pkl")
    c = hemi.Devchain.load_state(path)
    for d in (b, c):
        d.op.deposit(sender=d.accounts[2], to=d.accounts[3], value=3, mine=False)
        d.mine(2)
    assert c.w3.eth.get_block("latest").hash == b.w3.eth.get_block("latest").hash == after


def test_op_stack_off_is_a_plain_evm():
    d = hemi.Devchain(predeploy_tunnel=False, op_stack=False)
    h = d.w3.eth.send_transaction({"from": d.accounts[0], "to": d.accounts[1], "value": 1})
    assert list(d.w3.eth.get_block(1).transactions) == [h]
    assert "l1Fee" not in d.w3.eth.get_transaction_receipt(h) and d.w3.eth.get_code(L1_BLOCK) == b""


def test_system_transactions_and_receipts_decode_from_their_encodings(dev):
    """What a state file or another node would read back: each system tx and receipt from its canonical encoding
    (the bytes the block's roots are built from), with the nonce taken from the receipt where op-geth keeps it."""
    from hemi.hvm.system_txs import SystemReceipt, SystemTx

    dev.btc.mine(2)
    dev.op.deposit(sender=dev.accounts[1], to=GPO, value=1, mint=5, gas=60_000,
                   data=keccak(text="setFjord()")[:4])  # reverts: a failed receipt with logs bloom 0
    dev.op.deposit(sender=dev.accounts[1], to=dev.accounts[2], value=1)
    seen = set()
    for n in range(1, dev.engine.head_number + 1):
        for h in dev.engine.block_record(n).tx_hashes:
            rec = dev.engine.tx_record(h)
            receipt = SystemReceipt.decode(rec.receipt.encode())
            assert receipt.encode() == rec.receipt.encode() and receipt.gas_used == rec.receipt.gas_used
            tx = SystemTx.decode(rec.tx.encode(), nonce=rec.tx.nonce)
            assert tx == rec.tx and tx.hash == h
            if rec.tx.type_id != 0x7C:
                assert receipt.nonce == rec.tx.nonce
            seen.add(rec.tx.type_id)
    assert seen == {0x7E, 0x7C}
    with pytest.raises(ValueError):
        SystemTx.decode(b"\x02" + b"\xc0")


def test_a_deposit_takes_int_subclass_amounts_as_ints(dev):
    """Found by review: an IntEnum value and mint (which pass the int check) must act as the plain ints: the same
    transaction hash as with ints, a receiving contract's CALLVALUE usable in arithmetic, a state file that
    loads."""
    import enum

    class Wei(enum.IntEnum):
        FIVE = 5
        TEN = 10

    source = bytes(31) + b"\x07"
    plain = dev.op.deposit(sender=dev.accounts[1], to=dev.accounts[2], value=5, mint=10, source_hash=source,
                           mine=False)
    dev.op.restore_state(([], 0))  # drop the queued plain one: the same fields may only be queued once
    enum_hash = dev.op.deposit(sender=dev.accounts[1], to=dev.accounts[2], value=Wei.FIVE, mint=Wei.TEN,
                               source_hash=source)
    assert enum_hash == plain and dev.w3.eth.get_transaction_receipt(enum_hash).status == 1
    # CALLVALUE PUSH1 1 ADD PUSH0 SSTORE: stores the value + 1
    runtime = bytes.fromhex("346001015f5500")
    init = bytes.fromhex("66") + runtime + bytes.fromhex("5f5260076019f3")  # PUSH7 it, MSTORE, RETURN its 7 bytes
    created = dev.w3.eth.get_transaction_receipt(dev.w3.eth.send_transaction(
        {"from": dev.accounts[0], "data": "0x" + init.hex()})).contractAddress
    dev.op.deposit(sender=dev.accounts[1], to=created, value=Wei.FIVE, gas=60_000)
    assert dev.w3.eth.get_storage_at(created, 0) == (6).to_bytes(32, "big")
    again = hemi.Devchain.load_state_data(dev.dump_state_data())
    assert again.engine.head.hash == dev.engine.head.hash


def test_only_the_depositor_sets_the_l1_values(dev):
    """Anyone else gets ``NotDepositor()`` (0x3cc50b45) and the values stay (ethereum-optimism/optimism
    ``packages/contracts-bedrock/src/L2/L1Block.sol`` ``_setL1BlockValuesEcotone``)."""
    w3 = dev.w3
    data = "0x440a5e20" + "11" * 160
    with pytest.raises(Exception, match="0x3cc50b45"):
        w3.eth.call({"from": dev.accounts[0], "to": L1_BLOCK, "data": data})
    h = w3.eth.send_transaction({"from": dev.accounts[0], "to": L1_BLOCK, "data": data, "gas": 100_000})
    assert w3.eth.get_transaction_receipt(h).status == 0
    assert w3.eth.get_storage_at(L1_BLOCK, 4) != b"\x11" * 32
    assert int.from_bytes(w3.eth.get_storage_at(L1_BLOCK, 3), "big") >> 96 == 1368  # baseFeeScalar, as configured


@pytest.mark.parametrize("automine", [True, False])
@pytest.mark.parametrize("system_sender", [DEPOSITOR, SYSTEM])
def test_impersonated_system_senders_are_refused_with_a_reason(dev, system_sender, automine):
    """No key signs for the depositor or the hVM system sender on Hemi; impersonated, a transaction from either is
    refused (-32000, the reason named) before it reaches the block, and the chain goes on: the depositor's nonce
    moves with every block's L1-attributes deposit (optimism ``op-node/rollup/derive/l1_block_info.go``), so such a
    transaction could never keep the nonce it was given."""
    w3 = dev.w3
    dev.automine = automine
    w3.provider.make_request("anvil_impersonateAccount", [system_sender])
    w3.provider.make_request("anvil_setBalance", [system_sender, hex(10**20)])
    head = w3.eth.block_number
    role = "L1-attributes depositor" if system_sender == DEPOSITOR else "hVM system sender"
    with pytest.raises(Web3RPCError, match=f"is the {role}") as info:
        w3.eth.send_transaction({"from": system_sender, "to": dev.accounts[1], "value": 1})
    assert info.value.rpc_response["error"]["code"] == -32000
    h = w3.eth.send_transaction({"from": dev.accounts[0], "to": dev.accounts[1], "value": 1})
    if not automine:
        dev.mine()
    assert w3.eth.get_transaction_receipt(h).status == 1
    assert w3.eth.block_number == head + 1
    assert w3.eth.get_balance(system_sender) == 10**20
