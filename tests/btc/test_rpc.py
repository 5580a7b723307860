"""hemi.btc.rpc driven through python-bitcoinlib's own client code (``bitcoin.rpc.Proxy`` / ``RawProxy``), in-process.

Every answer is checked against the chain it came from: hashes, heights, amounts, decoded scripts, and Bitcoin
Core's error codes and messages.
"""

from __future__ import annotations

import json
from decimal import Decimal

import bitcoin.rpc
import pytest
from bitcoin.core import CBlock, COutPoint, CTransaction, b2lx, lx
from bitcoin.core.script import OPCODE_NAMES
from bitcoin.wallet import CBitcoinAddress
from rpc_tools import rpc_error

from hemi.btc import COIN, BitcoinChain
from hemi.btc.rpc import (
    SERVICE_URL,
    CoreRPC,
    InProcessConnection,
    JSONRPCError,
    descriptor_checksum,
    dumps,
    handle_jsonrpc,
    proxy,
    raw_proxy,
    respond,
    script_asm,
)
from hemi.errors import HemiError
from hemi.types import BlockHash, Txid

MAINNET_BECH32 = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
MAINNET_P2PKH = "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"



def sats(amount: Decimal) -> int:
    return int(amount * COIN)


@pytest.fixture
def p(funded: BitcoinChain) -> bitcoin.rpc.Proxy:
    return proxy(funded)


@pytest.fixture
def raw(funded: BitcoinChain) -> bitcoin.rpc.RawProxy:
    return raw_proxy(funded)


def send_and_mine(btc: BitcoinChain, **kw) -> tuple[CTransaction, BlockHash]:
    alice = btc.wallet("alice")
    tx = alice.build_tx(btc.wallet("bob").address, 10_000_000, **kw)
    btc.send_raw(tx)
    return tx, btc.mine(1)[0]


# --- blocks ----------------------------------------------------------------------------------------------------------


def test_getblockcount_getblockhash_and_best_hash_follow_mining(btc: BitcoinChain):
    p = proxy(btc)
    assert p.getblockcount() == 0
    assert p.getbestblockhash() == bytes(btc.genesis_hash)
    assert b2lx(p.getbestblockhash()) == "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206"
    alice = btc.wallet("alice")
    mined = list(p.generatetoaddress(3, CBitcoinAddress(alice.address)))
    assert p.getblockcount() == 3 == btc.height
    assert mined == [bytes(btc.block_hash(h)) for h in (1, 2, 3)]
    assert p.getbestblockhash() == mined[-1] == bytes(btc.tip)
    assert p.getblockhash(2) == mined[1]
    assert btc.balance(alice.address) == 3 * 50 * COIN  # the reward went to the address asked for
    with pytest.raises(IndexError):  # python-bitcoinlib turns -8 into IndexError
        p.getblockhash(4)
    assert rpc_error(raw_proxy(btc).getblockhash, -1) == {"code": -8, "message": "Block height out of range"}


def test_getblock_verbosity_0_deserializes_to_the_chains_block(funded: BitcoinChain, p, raw):
    _tx, h = send_and_mine(funded)
    cblock = p.getblock(bytes(h))  # Proxy asks for verbosity 0 (false) and deserializes it
    assert isinstance(cblock, CBlock)
    assert cblock == funded.block(h).cblock
    assert cblock.serialize() == funded.block(h).serialize()
    assert cblock.GetHash() == bytes(h)
    assert raw.getblock(str(h), 0) == raw.getblock(str(h), False) == funded.block(h).serialize().hex()
    with pytest.raises(IndexError):  # -5 Block not found, as python-bitcoinlib reports it
        p.getblock(b"\x11" * 32)


def test_getblock_verbosity_1(funded: BitcoinChain, raw):
    tx, h = send_and_mine(funded)
    block = funded.block(h)
    b = raw.getblock(str(h))  # default verbosity 1
    assert b == raw.getblock(str(h), 1) == raw.getblock(str(h), True)
    assert b["hash"] == str(h)
    assert b["height"] == 102 and b["confirmations"] == 1
    assert b["tx"] == [str(t) for t in block.txids] and b["tx"][1] == b2lx(tx.GetTxid())
    assert b["nTx"] == 2
    assert b["previousblockhash"] == str(funded.block_hash(101)) and "nextblockhash" not in b
    assert b["merkleroot"] == b2lx(block.cblock.hashMerkleRoot)
    assert b["bits"] == "207fffff" and b["version"] == 0x20000000 and b["versionHex"] == "20000000"
    assert b["time"] == block.cblock.nTime and b["nonce"] == block.cblock.nNonce
    assert b["mediantime"] == funded.median_time_past(h)
    assert b["size"] == len(block.serialize())
    assert b["strippedsize"] == len(block.cblock.serialize({"include_witness": False}))
    assert b["weight"] == block.cblock.GetWeight()
    assert b["chainwork"] == f"{2 * 103:064x}"  # each regtest block is 2 units of work; 103 blocks with genesis
    assert Decimal("4.656542373906925e-10") == b["difficulty"]
    parent = raw.getblock(str(funded.block_hash(101)))
    assert parent["confirmations"] == 2 and parent["nextblockhash"] == str(h)
    assert raw.getblock(str(funded.genesis_hash))["confirmations"] == 103
    assert "previousblockhash" not in raw.getblock(str(funded.genesis_hash))


def test_getblock_verbosity_2_decodes_transactions_with_fees(funded: BitcoinChain, raw):
    tx, h = send_and_mine(funded)
    info = funded.tx(tx.GetTxid())
    b = raw.getblock(str(h), 2)
    coinbase, spend = b["tx"]
    assert set(coinbase["vin"][0]) == {"coinbase", "txinwitness", "sequence"}
    assert coinbase["vin"][0]["txinwitness"] == ["00" * 32]
    assert "fee" not in coinbase
    assert sats(coinbase["vout"][0]["value"]) == 50 * COIN + info.fee
    assert coinbase["vout"][1]["scriptPubKey"]["type"] == "nulldata"  # the BIP 141 commitment
    assert spend["txid"] == str(info.txid) and spend["hash"] == str(info.wtxid) and spend["hash"] != spend["txid"]
    assert sats(spend["fee"]) == info.fee > 0
    assert spend["hex"] == tx.serialize().hex()
    assert spend["version"] == 2 and spend["locktime"] == 0
    assert spend["size"] == len(tx.serialize()) and spend["weight"] == tx.calc_weight()
    assert spend["vsize"] == (tx.calc_weight() + 3) // 4
    vin = spend["vin"][0]
    assert list(vin) == ["txid", "vout", "scriptSig", "txinwitness", "sequence"]
    assert vin["txid"] == b2lx(tx.vin[0].prevout.hash) and vin["vout"] == 0
    assert vin["scriptSig"] == {"asm": "", "hex": ""} and vin["sequence"] == 0xFFFFFFFD
    assert vin["txinwitness"] == [bytes(x).hex() for x in tx.wit.vtxinwit[0].scriptWitness.stack]
    out0 = spend["vout"][0]
    assert out0["n"] == 0 and out0["value"] == Decimal("0.10000000")
    assert out0["scriptPubKey"]["address"] == funded.wallet("bob").address
    assert out0["scriptPubKey"]["type"] == "witness_v0_keyhash"
    assert out0["scriptPubKey"]["desc"] == descriptor_checksum(f"addr({funded.wallet('bob').address})")
    assert sum(sats(o["value"]) for o in spend["vout"]) + sats(spend["fee"]) == 50 * COIN
    # verbosity 3 adds what each input spent
    prevout = raw.getblock(str(h), 3)["tx"][1]["vin"][0]["prevout"]
    assert prevout["generated"] is True and prevout["height"] == 1 and prevout["value"] == Decimal(50)
    assert prevout["scriptPubKey"]["address"] == funded.wallet("alice").address


def test_getblockheader(funded: BitcoinChain, p, raw):
    h = funded.block_hash(50)
    assert p.getblockheader(bytes(h)).serialize() == funded.header(h).raw
    assert raw.getblockheader(str(h), False) == funded.header(h).raw.hex()
    v = raw.getblockheader(str(h))
    assert v["hash"] == str(h) and v["height"] == 50 and v["confirmations"] == 52
    assert v["previousblockhash"] == str(funded.block_hash(49))
    assert v["nextblockhash"] == str(funded.block_hash(51))
    assert v["nTx"] == 1
    assert "tx" not in v and "size" not in v
    verbose = p.getblockheader(bytes(h), verbose=True)  # python-bitcoinlib's own conversion of the verbose form
    assert verbose["height"] == 50 and verbose["nextblockhash"] == bytes(funded.block_hash(51))
    assert rpc_error(raw.getblockheader, "00" * 31) == {
        "code": -8, "message": f"hash must be of length 64 (not 62, for '{'00' * 31}')"}
    assert rpc_error(raw.getblockheader, "zz" * 32)["code"] == -8


# --- transactions ----------------------------------------------------------------------------------------------------


def test_sendrawtransaction_of_a_wallet_tx(funded: BitcoinChain, p, raw):
    alice, bob = funded.wallet("alice"), funded.wallet("bob")
    tx = alice.build_tx(bob.address, 25_000_000)
    txid = p.sendrawtransaction(tx)
    assert txid == tx.GetTxid()
    assert Txid(txid) in funded.mempool
    assert p.getrawmempool() == [txid]
    assert raw.getrawmempool() == [b2lx(txid)]
    assert p.sendrawtransaction(tx) == txid  # already in the mempool: Core just announces it again
    entry = raw.getrawmempool(True)[b2lx(txid)]
    mp = funded.mempool.get(txid)
    assert entry["vsize"] == mp.vsize and entry["weight"] == mp.weight and entry["wtxid"] == str(mp.wtxid)
    assert sats(entry["fees"]["base"]) == mp.fee and entry["depends"] == [] and entry["bip125-replaceable"] is True
    # entry height and time: the chain's height and simulated clock when the tx came in
    assert entry["height"] == funded.height and entry["time"] == funded.adjusted_time()
    info = raw.getmempoolinfo()
    assert info["size"] == 1 and info["bytes"] == mp.vsize and sats(info["total_fee"]) == mp.fee
    [block] = p.generatetoaddress(1, CBitcoinAddress(alice.address))
    assert p.getrawmempool() == []
    assert funded.tx(txid).block_hash == BlockHash(block)
    assert funded.balance(bob.address) == 25_000_000


def test_getrawtransaction_verbose_fields(funded: BitcoinChain, p, raw):
    tx = funded.wallet("alice").build_tx(funded.wallet("bob").address, 10_000_000)
    txid = b2lx(tx.GetTxid())
    raw.sendrawtransaction(tx.serialize().hex())
    assert raw.getrawtransaction(txid) == tx.serialize().hex()
    pending = raw.getrawtransaction(txid, True)
    assert pending == raw.getrawtransaction(txid, 1)
    assert pending["txid"] == txid and pending["hex"] == tx.serialize().hex()
    assert not {"blockhash", "confirmations", "time", "blocktime"} & set(pending)
    r = p.getrawtransaction(tx.GetTxid(), verbose=True)  # python-bitcoinlib's conversion of the verbose answer
    assert r["tx"] == tx and r["blockhash"] is None
    [h] = funded.mine(1)
    funded.mine(2)
    mined = raw.getrawtransaction(txid, True)
    block_time = funded.header(h).time
    assert mined["blockhash"] == str(h)
    assert mined["confirmations"] == 3
    assert mined["time"] == mined["blocktime"] == block_time
    assert list(mined)[-4:] == ["blockhash", "confirmations", "time", "blocktime"]
    assert mined["vout"][0]["value"] == Decimal("0.1")
    assert p.getrawtransaction(tx.GetTxid(), verbose=True)["blockhash"] == bytes(h)
    assert p.getrawtransaction(tx.GetTxid()) == tx
    fee = raw.getrawtransaction(txid, 2)["fee"]  # verbosity 2: fee and prevouts from the block's undo data
    assert sats(fee) == funded.tx(txid).fee
    in_block = raw.getrawtransaction(txid, True, str(h))
    assert in_block["in_active_chain"] is True and in_block["blockhash"] == str(h)
    assert rpc_error(raw.getrawtransaction, txid, True, str(funded.block_hash(5)))["code"] == -5


def test_gettxout_is_null_once_spent(funded: BitcoinChain, p, raw):
    alice = funded.wallet("alice")
    coin = alice.utxos[0]
    out = raw.gettxout(str(coin.txid), coin.vout)
    assert out["value"] == Decimal("50.00000000") and out["coinbase"] is True
    assert out["confirmations"] == 101 and out["bestblock"] == str(funded.tip)
    assert out["scriptPubKey"]["address"] == alice.address and out["scriptPubKey"]["type"] == "witness_v0_keyhash"
    via_lib = p.gettxout(COutPoint(bytes(coin.txid), coin.vout))
    assert via_lib["txout"].nValue == 50 * COIN and via_lib["bestblock"] == bytes(funded.tip)
    tx = alice.build_tx(funded.wallet("bob").address, 10_000_000, inputs=[coin])
    raw.sendrawtransaction(tx.serialize().hex())
    assert raw.gettxout(str(coin.txid), coin.vout) is None  # spent by the mempool
    assert raw.gettxout(str(coin.txid), coin.vout, False)["value"] == Decimal(50)  # still in the UTXO set
    change = raw.gettxout(b2lx(tx.GetTxid()), 1)
    assert change["confirmations"] == 0 and change["coinbase"] is False
    assert raw.gettxout(b2lx(tx.GetTxid()), 1, False) is None
    funded.mine(1)
    assert raw.gettxout(str(coin.txid), coin.vout, False) is None
    with pytest.raises(IndexError):  # python-bitcoinlib's answer to null
        p.gettxout(COutPoint(bytes(coin.txid), coin.vout))
    assert raw.gettxout("ab" * 32, 0) is None


def test_decoderawtransaction_of_a_tx_with_op_return(funded: BitcoinChain, raw):
    alice, bob = funded.wallet("alice"), funded.wallet("bob")
    tx = alice.build_tx(bob.address_of("p2tr"), 10_000_000, op_return=b"hemi rpc test")
    d = raw.decoderawtransaction(tx.serialize().hex())
    assert d["txid"] == b2lx(tx.GetTxid()) and "hex" not in d and "fee" not in d and "blockhash" not in d
    taproot, data, change = d["vout"]
    assert data["value"] == Decimal(0) and data["n"] == 1
    spk = data["scriptPubKey"]
    assert spk["type"] == "nulldata" and "address" not in spk
    assert spk["hex"] == "6a0d" + b"hemi rpc test".hex()
    assert spk["asm"] == "OP_RETURN " + b"hemi rpc test".hex()
    assert spk["desc"] == descriptor_checksum(f"raw({spk['hex']})")
    assert taproot["scriptPubKey"]["type"] == "witness_v1_taproot"
    assert taproot["scriptPubKey"]["address"] == bob.address_of("p2tr")
    assert taproot["scriptPubKey"]["asm"] == "1 " + taproot["scriptPubKey"]["hex"][4:]
    assert taproot["scriptPubKey"]["desc"].startswith("rawtr(" + taproot["scriptPubKey"]["hex"][4:] + ")#")
    assert change["scriptPubKey"]["address"] == alice.address
    # short pushes print as numbers, as in Core: "hi" is the script number 0x6968
    short = alice.build_tx(bob.address, 10_000_000, op_return=b"hi")
    assert raw.decoderawtransaction(short.serialize().hex())["vout"][1]["scriptPubKey"]["asm"] == "OP_RETURN 26984"


def test_script_asm_of_a_p2pkh_spend_decodes_the_sighash(btc: BitcoinChain):
    alice = btc.wallet("alice")
    btc.mine(101, to=alice.address_of("p2pkh"))
    tx = alice.build_tx(btc.wallet("bob").address, 10_000_000, from_kind="p2pkh")
    sig, pubkey = list(tx.vin[0].scriptSig)
    d = CoreRPC(btc).call("decoderawtransaction", [tx.serialize().hex()])
    assert d["vin"][0]["scriptSig"]["asm"] == f"{sig[:-1].hex()}[ALL] {pubkey.hex()}"
    assert "txinwitness" not in d["vin"][0]
    prev = CoreRPC(btc).call("gettxout", [b2lx(tx.vin[0].prevout.hash), 0])["scriptPubKey"]
    assert prev["asm"] == f"OP_DUP OP_HASH160 {prev['hex'][6:46]} OP_EQUALVERIFY OP_CHECKSIG"
    assert prev["type"] == "pubkeyhash" and prev["address"] == alice.address_of("p2pkh")


def test_script_asm_small_numbers_opcode_names_and_truncation():
    assert script_asm(bytes([0x00, 0x4F, 0x51, 0x60, 0x01, 0x81, 0x02, 0xE8, 0x03])) == "0 -1 1 16 -1 1000"
    assert script_asm(bytes([0xB1, 0xB2, 0xBA, 0xFF, 0xC0])) == \
        "OP_CHECKLOCKTIMEVERIFY OP_CHECKSEQUENCEVERIFY OP_CHECKSIGADD OP_INVALIDOPCODE OP_UNKNOWN"
    assert script_asm(bytes([0x76, 0x05, 0x01])) == "OP_DUP [error]"
    assert script_asm(bytes([0x4C, 0x05]) + b"abcde") == b"abcde".hex()
    for op in range(0x61, 0xB1):  # python-bitcoinlib and Core agree on these names
        assert script_asm(bytes([op])) == OPCODE_NAMES[op], hex(op)
    assert descriptor_checksum("raw(deadbeef)") == "raw(deadbeef)#89f8spxm"  # the BIP 380 vector


# --- errors ----------------------------------------------------------------------------------------------------------


def test_error_codes(funded: BitcoinChain, raw):
    assert rpc_error(raw.sendrawtransaction, "zz") == {
        "code": -22, "message": "TX decode failed. Make sure the tx has at least one input."}
    assert rpc_error(raw.sendrawtransaction, "0200")["code"] == -22
    assert rpc_error(raw.decoderawtransaction, "00 11") == {"code": -22, "message": "TX decode failed"}
    assert rpc_error(raw.getrawtransaction, "ab" * 32) == {
        "code": -5,
        "message": "No such mempool or blockchain transaction. Use gettransaction for wallet transactions."}
    assert rpc_error(raw.getblock, "ab" * 32) == {"code": -5, "message": "Block not found"}
    assert rpc_error(raw.getblockhash, "1")["code"] == -3
    assert rpc_error(raw.getblockhash, "1")["message"] == (
        'Wrong type passed:\n{\n    "Position 1 (height)": '
        '"JSON value of type string is not of expected type number"\n}')
    # a wrong argument count: RPCHelpMan::HandleRequest throws (src/rpc/util.cpp), src/rpc/server.cpp answers -1
    assert rpc_error(raw.getblockhash)["code"] == -1
    assert rpc_error(raw.getblockcount, 1) == {
        "code": -1, "message": "getblockcount takes 0..0 parameters, 1 given. Usage: getblockcount"}
    assert rpc_error(raw.getnetworkhashps) == {"code": -32601, "message": "Method not found"}
    for address in (MAINNET_BECH32, MAINNET_P2PKH, "not-an-address"):
        assert rpc_error(raw.generatetoaddress, 1, address) == {"code": -5, "message": "Error: Invalid address"}
    assert funded.height == 101  # nothing was mined by the refused calls
    assert rpc_error(raw.invalidateblock, str(funded.genesis_hash))["code"] == -1


def test_double_spend_and_already_in_chain(funded: BitcoinChain, raw):
    alice = funded.wallet("alice")
    coin = alice.utxos[0]
    first = alice.build_tx(funded.wallet("bob").address, 10_000_000, inputs=[coin])
    second = alice.build_tx(funded.wallet("carol").address, 20_000_000, inputs=[coin])
    raw.sendrawtransaction(first.serialize().hex())
    # full RBF: the same-fee-rate conflict is a replacement that does not pay more (Core's policy/rbf.cpp text)
    assert rpc_error(raw.sendrawtransaction, second.serialize().hex()) == {
        "code": -26, "message": f"insufficient fee, rejecting replacement {b2lx(second.GetTxid())}; new feerate "
                                "0.00002000 BTC/kvB <= old feerate 0.00002000 BTC/kvB"}
    accept = raw.testmempoolaccept([second.serialize().hex()])
    assert accept == [{"txid": b2lx(second.GetTxid()), "wtxid": b2lx(second.GetHash()), "allowed": False,
                       "reject-reason": "insufficient fee"}]
    funded.mine(1)
    assert rpc_error(raw.sendrawtransaction, first.serialize().hex()) == {
        "code": -27, "message": "Transaction outputs already in utxo set"}
    assert rpc_error(raw.sendrawtransaction, second.serialize().hex()) == {
        "code": -25, "message": "bad-txns-inputs-missingorspent"}  # its input is spent by a block: Core's -25
    poor = alice.build_tx(funded.wallet("bob").address, 10_000_000, fee_rate=0.5)
    assert rpc_error(raw.sendrawtransaction, poor.serialize().hex())["message"].startswith("min relay fee not met, ")
    rich = alice.build_tx(funded.wallet("bob").address, 10_000_000, fee_rate=20_000)
    assert rpc_error(raw.sendrawtransaction, rich.serialize().hex()) == {
        "code": -25, "message": "Fee exceeds maximum configured by user (e.g. -maxtxfee, maxfeerate)"}
    assert raw.sendrawtransaction(rich.serialize().hex(), 0) == b2lx(rich.GetTxid())  # maxfeerate 0: no limit


def test_jsonrpc_error_is_a_hemi_error_and_nothing_else_escapes(btc: BitcoinChain):
    rpc = CoreRPC(btc)
    with pytest.raises(JSONRPCError) as err:
        rpc.call("getblock", ["xyz"])
    assert isinstance(err.value, HemiError)
    assert (err.value.code, err.value.message) == (-8, "blockhash must be of length 64 (not 3, for 'xyz')")
    for method, params in [("getblockhash", [2**40]), ("getblock", [None]), ("sendrawtransaction", ["00", "x"]),
                           ("sendrawtransaction", [btc.block(0).cblock.vtx[0].serialize().hex(), 5]),
                           ("gettxout", [str(btc.tip), "0"]), ("getblock", {"nope": 1}), ("nope", []),
                           ("testmempoolaccept", [[]]), ("generateblock", ["x", []])]:
        with pytest.raises(JSONRPCError):
            rpc.call(method, params)


# --- reorgs ----------------------------------------------------------------------------------------------------------


def test_invalidateblock_and_reconsiderblock_move_the_best_block(funded: BitcoinChain, p, raw):
    tip, parent, grandparent = (funded.block_hash(h) for h in (101, 100, 99))
    assert raw.invalidateblock(str(parent)) is None
    assert p.getbestblockhash() == bytes(grandparent)
    assert p.getblockcount() == 99
    tips = raw.getchaintips()
    assert {"height": 101, "hash": str(tip), "branchlen": 2, "status": "invalid"} in tips
    assert {"height": 99, "hash": str(grandparent), "branchlen": 0, "status": "active"} in tips
    assert raw.getblock(str(tip))["confirmations"] == -1
    assert raw.reconsiderblock(str(parent)) is None
    assert p.getbestblockhash() == bytes(tip)
    assert raw.getchaintips() == [{"height": 101, "hash": str(tip), "branchlen": 0, "status": "active"}]


# --- addresses -------------------------------------------------------------------------------------------------------


def test_validateaddress_of_every_wallet_address_kind(funded: BitcoinChain, p, raw):
    w = funded.wallet("alice")
    expected = {
        "p2wpkh": {"isscript": False, "iswitness": True, "witness_version": 0},
        "p2sh-p2wpkh": {"isscript": True, "iswitness": False},
        "p2pkh": {"isscript": False, "iswitness": False},
        "p2wsh": {"isscript": True, "iswitness": True, "witness_version": 0},
        "p2tr": {"isscript": True, "iswitness": True, "witness_version": 1},
    }
    assert set(w.addresses) == set(expected)
    for kind, address in w.addresses.items():
        r = raw.validateaddress(address)
        assert r["isvalid"] is True and r["address"] == address, kind
        assert r["scriptPubKey"] == w.script_of(kind).hex()
        for key, value in expected[kind].items():
            assert r[key] == value, (kind, key)
        if r["iswitness"]:
            assert r["witness_program"] == w.script_of(kind)[2:].hex()
        if kind != "p2tr":  # python-bitcoinlib 0.12 cannot parse bech32m (taproot) addresses itself
            assert str(p.validateaddress(CBitcoinAddress(address))["address"]) == address
    assert raw.validateaddress(MAINNET_BECH32) == {
        "isvalid": False, "error_locations": [],
        "error": "Invalid or unsupported Segwit (Bech32) or Base58 encoding."}
    assert raw.validateaddress(MAINNET_P2PKH)["error"] == "Invalid or unsupported Base58-encoded address."
    broken = w.address[:-1] + ("q" if w.address[-1] != "q" else "p")
    assert raw.validateaddress(broken)["isvalid"] is False
    assert raw.validateaddress(w.address.upper())["address"] == w.address  # bech32 is case-insensitive
    mixed = w.address[:10] + w.address[10:].upper()
    assert raw.validateaddress(mixed)["error"] == "Invalid character or mixed case"


# --- node information ------------------------------------------------------------------------------------------------


def test_node_information_and_testmempoolaccept(funded: BitcoinChain, raw):
    info = raw.getblockchaininfo()
    assert info["chain"] == "regtest" and info["blocks"] == info["headers"] == 101
    assert info["bestblockhash"] == str(funded.tip) and info["initialblockdownload"] is False
    assert info["mediantime"] == funded.median_time_past() and info["warnings"] == []
    assert raw.getdifficulty() == Decimal("4.656542373906925E-10")
    net = raw.getnetworkinfo()
    assert net["version"] >= 270000 and net["connections"] == 0 and net["relayfee"] == Decimal("0.00001")
    tx = funded.wallet("alice").build_tx(funded.wallet("bob").address, 10_000_000)
    before = funded.state_digest()
    [ok] = raw.testmempoolaccept([tx.serialize().hex()])
    assert funded.state_digest() == before  # a test acceptance leaves chain and mempool as they were
    assert ok["allowed"] is True and ok["txid"] == b2lx(tx.GetTxid())
    raw.sendrawtransaction(tx.serialize().hex())
    entry = funded.mempool.get(tx.GetTxid())
    assert ok["vsize"] == entry.vsize and sats(ok["fees"]["base"]) == entry.fee
    assert ok["fees"]["effective-includes"] == [str(entry.wtxid)]
    assert raw.getmempoolentry(b2lx(tx.GetTxid()))["fees"]["base"] == ok["fees"]["base"]
    assert raw.estimatesmartfee(6) == {"errors": ["Insufficient data or no feerate found"], "blocks": 0}


def test_testmempoolaccept_of_a_package_and_its_limits(funded: BitcoinChain, raw):
    alice, bob = funded.wallet("alice"), funded.wallet("bob")
    with funded.anchor():  # a child of an unconfirmed parent, built while the parent is in the mempool
        parent = alice.build_tx(bob.address, 10_000_000)
        funded.send_raw(parent.serialize())
        child = bob.build_tx(funded.wallet("carol").address, 5_000_000)
    ph, ch = parent.serialize().hex(), child.serialize().hex()
    ids = [{"txid": b2lx(t.GetTxid()), "wtxid": b2lx(t.GetHash())} for t in (parent, child)]
    before = funded.state_digest()
    notices = []
    funded.subscribe(lambda chain: notices.append(chain.height))
    [alone] = raw.testmempoolaccept([ph])
    assert alone["allowed"] is True and notices == []  # one tx: tested in place, nothing changed nor announced
    both = raw.testmempoolaccept([ph, ch])
    assert [r["allowed"] for r in both] == [True, True] and [r["txid"] for r in both] == [i["txid"] for i in ids]
    assert both[1]["fees"]["effective-includes"] == [ids[1]["wtxid"]]
    assert raw.testmempoolaccept([ch, ph]) == [{**ids[1], "allowed": False, "reject-reason": "missing-inputs"},
                                               ids[0]]  # validation stops at the first refusal, as in Core
    assert raw.testmempoolaccept([ph, ph])[1]["reject-reason"] == "txn-already-in-mempool"
    rich = alice.build_tx(bob.address, 10_000_000, fee_rate=20_000).serialize().hex()
    assert raw.testmempoolaccept([rich])[0]["reject-reason"] == "max-fee-exceeded"
    assert raw.testmempoolaccept([rich], 0)[0]["allowed"] is True  # maxfeerate 0: no limit
    assert funded.state_digest() == before and len(funded.mempool) == 0


def test_generateblock_with_a_mempool_txid(funded: BitcoinChain, raw):
    tx = funded.wallet("alice").build_tx(funded.wallet("bob").address, 10_000_000)
    raw.sendrawtransaction(tx.serialize().hex())
    preview = raw.generateblock(funded.wallet("carol").address, [b2lx(tx.GetTxid())], False)
    assert funded.height == 101 and CBlock.deserialize(bytes.fromhex(preview["hex"])).GetHash() == lx(preview["hash"])
    made = raw.generateblock(funded.wallet("carol").address, [b2lx(tx.GetTxid())])
    assert made == {"hash": str(funded.tip)} and funded.tx(tx.GetTxid()).height == 102
    assert rpc_error(raw.generateblock, funded.wallet("carol").address, ["ab" * 32]) == {
        "code": -5, "message": f"Transaction {'ab' * 32} not in mempool."}


def test_submitblock_of_a_block_built_without_submitting(funded: BitcoinChain, raw):
    built = raw.generateblock(funded.wallet("carol").address, [], False)
    assert str(funded.tip) != built["hash"]
    assert raw.submitblock(built["hex"]) is None
    assert str(funded.tip) == built["hash"] and funded.height == 102
    assert raw.submitblock(built["hex"]) == "duplicate"
    assert rpc_error(raw.submitblock, "00") == {"code": -22, "message": "Block decode failed"}
    wrong_root = bytes.fromhex(built["hex"])
    wrong_root = wrong_root[:36] + b"\x00" * 32 + wrong_root[68:]  # header's merkle root zeroed
    assert raw.submitblock(wrong_root.hex()) in ("bad-txnmrklroot", "high-hash")  # whichever check it fails first
    assert str(funded.tip) == built["hash"]


# --- JSON-RPC bodies and the in-process connection -------------------------------------------------------------------


def test_handle_jsonrpc_shapes(btc: BitcoinChain):
    rpc = CoreRPC(btc)
    one = json.loads(handle_jsonrpc(rpc, b'{"method": "getblockcount", "params": [], "id": 7}'))
    assert one == {"result": 0, "error": None, "id": 7}
    two = json.loads(handle_jsonrpc(rpc, b'{"jsonrpc": "2.0", "method": "getblockcount", "id": "a"}'))
    assert two == {"jsonrpc": "2.0", "result": 0, "id": "a"}
    named = json.loads(handle_jsonrpc(rpc, json.dumps(
        {"method": "getblock", "params": {"blockhash": str(btc.tip), "verbosity": 0}, "id": 1}).encode()))
    assert named["result"] == btc.block(0).serialize().hex()
    batch = json.loads(handle_jsonrpc(rpc, json.dumps([
        {"method": "getbestblockhash", "id": 1},
        {"method": "nosuchmethod", "id": 2},
        {"jsonrpc": "2.0", "method": "getblockcount"},  # a notification: no answer
        17,
    ]).encode()))
    assert batch == [
        {"result": str(btc.tip), "error": None, "id": 1},
        {"result": None, "error": {"code": -32601, "message": "Method not found"}, "id": 2},
        {"result": None, "error": {"code": -32600, "message": "Invalid Request object"}, "id": None},
    ]
    assert respond(rpc, b"{nope") == (500, b'{"result":null,"error":{"code":-32700,"message":"Parse error"},'
                                           b'"id":null}\n')
    assert respond(rpc, b'{"method": 5, "id": 1}').status == 400
    assert respond(rpc, b'{"method": "nope", "id": 1}').status == 404
    assert respond(rpc, b'{"jsonrpc": "2.0", "method": "nope", "id": 1}').status == 200
    assert respond(rpc, b'{"jsonrpc": "2.0", "method": "getblockcount"}') == (204, b"")
    assert respond(rpc, b"[]") == (200, b"[]\n")
    assert json.loads(handle_jsonrpc(rpc, b'"x"'))["error"]["code"] == -32700


def test_amounts_are_written_with_eight_decimals(funded: BitcoinChain):
    coin = funded.wallet("alice").utxos[0]
    body = handle_jsonrpc(CoreRPC(funded), json.dumps(
        {"method": "gettxout", "params": [str(coin.txid), coin.vout], "id": 1}).encode())
    assert b'"value":50.00000000,' in body
    assert dumps({"a": Decimal("0E-8"), "b": [True, None, 1.5]}) == '{"a":0.00000000,"b":[true,null,1.5]}'


def test_in_process_connection_speaks_http(btc: BitcoinChain):
    conn = InProcessConnection(btc)
    conn.request("GET", "/", None, {})
    resp = conn.getresponse()
    assert resp.status == 405 and resp.read() == b"JSONRPC server handles only POST requests"
    conn.request("POST", "/", '{"method":"getblockcount","id":1}', {"Content-type": "application/json"})
    resp = conn.getresponse()
    assert (resp.status, resp.reason, resp.getheader("Content-Type")) == (200, "OK", "application/json")
    assert resp.read() == b'{"result":0,"error":null,"id":1}\n'
    p = bitcoin.rpc.Proxy(service_url=SERVICE_URL, connection=InProcessConnection(CoreRPC(btc)))
    assert p._call("getblockcount") == 0
    assert p._batch([{"method": "getblockcount", "id": 0, "version": "1.1"}]) == [
        {"result": 0, "error": None, "id": 0}]
