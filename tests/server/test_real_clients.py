"""The devchain server driven by real clients, not our own: Foundry's cast, viem and hemi-viem (npm, in node),
web3.py's HTTP/async/WebSocket providers and python-bitcoinlib's Proxy.

Each test pins a behaviour a client relies on (named in its docstring) and checks what the client reports against
the devchain's own state, read through the Python API under the server's lock. cast, viem and hemi-viem are pinned in
``conftest.py`` and installed once into hemi-sdk's cache; without node/npm those tests are skipped with the reason.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import pathlib
import re
import subprocess

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from web3 import AsyncHTTPProvider, AsyncWeb3, Web3, WebSocketProvider

from hemi.btc import COIN
from hemi.devchain import HBK_ADDRESS

BOX_SOURCE = pathlib.Path(__file__).parent / "contracts" / "Box.sol"
STORED_TOPIC = "0x" + Web3.keccak(text="Stored(uint256)").hex().removeprefix("0x")
HEADER_TUPLE = "(uint32,bytes32,uint32,bytes32,bytes32,uint32,uint32,uint32)"


@pytest.fixture(scope="module")
def box_artifact():
    from hemi.compiler import compile

    return compile(BOX_SOURCE)["Box"]


@pytest.fixture(scope="module")
def w3(server):
    return Web3(Web3.HTTPProvider(server.url, request_kwargs={"timeout": 30}))


@pytest.fixture(scope="module")
def box(w3, server, box_artifact):
    """A Box deployed through web3.py; tests that change it restore nothing, so they read values relative to now."""
    factory = w3.eth.contract(abi=box_artifact.abi, bytecode=box_artifact.bytecode)
    receipt = w3.eth.wait_for_transaction_receipt(factory.constructor().transact({"from": server.dev.accounts[0]}))
    return w3.eth.contract(address=receipt.contractAddress, abi=box_artifact.abi)


@pytest.fixture(scope="module")
def bitcoin_world(server):
    """Bitcoin side: alice mined 101 blocks, paid bob 3 BTC with an OP_RETURN, 3 more blocks, the hVM view synced
    (so the lagging index holds the payment). Built through the Python API under the server's lock."""
    with server.lock:
        btc = server.dev.btc
        alice, bob = btc.wallet("alice"), btc.wallet("bob")
        btc.mine(101, to=alice.address)
        txid = alice.send(bob.address, 3 * COIN, op_return=b"hemi")
        btc.mine(4)
        server.dev.sync_btc()
    return {"txid": txid, "alice": alice, "bob": bob}


def key_hex(account) -> str:
    return "0x" + account.private_key.hex()


def params(server, **extra):
    return {"url": server.url, "wsUrl": server.ws_url, "chainId": server.dev.config.chain_id, **extra}


# ============================================================================================== cast (Foundry)

def cast(cast_bin, server, *args, check=True):
    env = dict(os.environ, NO_COLOR="1", FOUNDRY_DISABLE_NIGHTLY_WARNING="1")
    # the RPC URL right after the subcommand: after `--create <code> [SIG] [ARGS]...` it would be an argument
    proc = subprocess.run([str(cast_bin), args[0], "--rpc-url", server.url, *args[1:]], capture_output=True,
                          text=True, timeout=60, env=env)
    if check:
        assert proc.returncode == 0, f"cast {' '.join(args)} failed:\n{proc.stderr}"
    return proc


def test_cast_reads_chain_id_block_number_and_balance(cast_bin, server):
    """cast chain-id / block-number / balance: eth_chainId, eth_blockNumber, eth_getBalance as decimal output."""
    acct = server.dev.accounts[0]
    with server.lock:
        head = server.dev.engine.head_number
        balance = server.dev.engine.state().get_balance(acct.canonical)
    assert cast(cast_bin, server, "chain-id").stdout.strip() == str(server.dev.config.chain_id)
    assert cast(cast_bin, server, "block-number").stdout.strip() == str(head)
    assert cast(cast_bin, server, "balance", acct).stdout.strip() == str(balance)


def test_cast_send_signed_with_a_dev_key(cast_bin, server):
    """cast send --private-key: cast fills nonce (eth_getTransactionCount pending), gas (eth_estimateGas) and
    EIP-1559 fees (eth_feeHistory / eth_maxPriorityFeePerGas), sends raw, polls the receipt; cast tx / receipt read
    it back."""
    sender, to = server.dev.accounts[1], server.dev.accounts[2]
    with server.lock:
        before = server.dev.engine.state().get_balance(to.canonical)
    out = cast(cast_bin, server, "send", to, "--value", "1234567", "--private-key", key_hex(sender), "--json")
    receipt = json.loads(out.stdout)
    assert receipt["status"] == "0x1" and receipt["from"].lower() == sender.lower()
    with server.lock:
        assert server.dev.engine.state().get_balance(to.canonical) == before + 1234567
        rec = server.dev.engine.tx_record(bytes.fromhex(receipt["transactionHash"][2:]))
    assert rec is not None and rec.block_number == int(receipt["blockNumber"], 16)
    tx = json.loads(cast(cast_bin, server, "tx", receipt["transactionHash"], "--json").stdout)
    assert tx["from"].lower() == sender.lower() and int(tx["value"], 16) == 1234567 and tx["type"] == "0x2"
    again = json.loads(cast(cast_bin, server, "receipt", receipt["transactionHash"], "--json").stdout)
    assert again["blockHash"] == receipt["blockHash"]


def test_cast_send_unlocked_uses_the_node_account(cast_bin, server):
    """cast send --unlocked --from: eth_sendTransaction with a dev account the node holds (anvil's default flow)."""
    sender, to = server.dev.accounts[3], server.dev.accounts[4]
    with server.lock:
        nonce = server.dev.engine.state().get_nonce(sender.canonical)
    out = cast(cast_bin, server, "send", to, "--value", "5", "--unlocked", "--from", sender, "--json")
    assert json.loads(out.stdout)["status"] == "0x1"
    assert cast(cast_bin, server, "nonce", sender).stdout.strip() == str(nonce + 1)


def test_cast_deploys_writes_calls_and_reads_logs(cast_bin, server, box_artifact):
    """cast send --create, cast send <addr> "store(uint256)", cast call, cast logs (eth_getLogs by address and
    topic), cast estimate, cast access-list (eth_createAccessList), and a revert reason in cast call's error."""
    key = key_hex(server.dev.accounts[5])
    created = json.loads(cast(cast_bin, server, "send", "--private-key", key, "--json", "--create",
                              box_artifact.bytecode).stdout)
    address = created["contractAddress"]
    assert created["status"] == "0x1" and address
    stored = json.loads(cast(cast_bin, server, "send", address, "store(uint256)", "42", "--private-key", key,
                             "--json").stdout)
    assert stored["status"] == "0x1" and len(stored["logs"]) == 1
    assert cast(cast_bin, server, "call", address, "value()(uint256)").stdout.strip() == "42"
    logs = json.loads(cast(cast_bin, server, "logs", "--from-block", created["blockNumber"], "--address", address,
                           STORED_TOPIC, "--json").stdout)
    assert [lg["transactionHash"] for lg in logs] == [stored["transactionHash"]]
    assert int(logs[0]["data"], 16) == 42
    estimate = int(cast(cast_bin, server, "estimate", address, "store(uint256)", "43").stdout.strip())
    with server.lock:  # the server's own table, called directly
        ours = int(server.api.request("eth_estimateGas", [{"to": address, "data": "0x6057361d" + "2b".rjust(64, "0")}]),
                   16)
    assert estimate == ours
    access = cast(cast_bin, server, "access-list", address, "store(uint256)", "43", "--from",
                  server.dev.accounts[5], "--json")
    assert int(json.loads(access.stdout)["gasUsed"], 16) > 21000
    failed = cast(cast_bin, server, "call", address, "store(uint256)", "7", check=False)
    assert failed.returncode != 0 and "seven is unlucky" in failed.stderr


def test_cast_reads_hbk(cast_bin, server, bitcoin_world):
    """cast call on hBK at its mainnet address: getLastHeader() is the indexed tip (bitcoin-tunnel-contracts
    ``BitcoinKitStructs.sol``, as in tests/node/test_bitcoin_kit.py), getBitcoinAddressBalance(string) bob's balance
    from the lagging index."""
    out = cast(cast_bin, server, "call", HBK_ADDRESS, f"getLastHeader()({HEADER_TUPLE})").stdout.strip()
    height, block_hash = re.match(r"\((\d+), (0x[0-9a-f]{64}),", out).groups()
    bob = bitcoin_world["bob"]
    with server.lock:
        view = server.dev.hvm_view()
        header = server.dev.btc.header(view.indexed_height)
        balance = server.dev.btc.balance(bob.address)
    assert int(height) == view.indexed_height and block_hash == "0x" + header.hash.display_bytes.hex()
    got = cast(cast_bin, server, "call", HBK_ADDRESS, "getBitcoinAddressBalance(string)(uint64)", bob.address)
    assert int(got.stdout.split()[0]) == balance == 3 * COIN


def test_cast_rpc_snapshot_set_balance_revert(cast_bin, server):
    """cast rpc evm_snapshot / anvil_setBalance / evm_revert: anvil's JSON shapes (a hex id, true) and the state
    coming back exactly."""
    who = server.dev.accounts[6]
    before = cast(cast_bin, server, "balance", who).stdout.strip()
    head = cast(cast_bin, server, "block-number").stdout.strip()
    snap = json.loads(cast(cast_bin, server, "rpc", "evm_snapshot").stdout)
    assert re.fullmatch(r"0x[0-9a-f]+", snap)
    cast(cast_bin, server, "rpc", "anvil_setBalance", who, hex(10**18))
    assert cast(cast_bin, server, "balance", who).stdout.strip() == str(10**18)
    cast(cast_bin, server, "rpc", "anvil_mine", "0x2")
    assert int(cast(cast_bin, server, "block-number").stdout) == int(head) + 2
    assert json.loads(cast(cast_bin, server, "rpc", "evm_revert", snap).stdout) is True
    assert cast(cast_bin, server, "balance", who).stdout.strip() == before
    assert cast(cast_bin, server, "block-number").stdout.strip() == head
    assert json.loads(cast(cast_bin, server, "rpc", "evm_revert", snap).stdout) is False  # used up, as anvil's


def test_cast_mktx_and_publish(cast_bin, server):
    """cast mktx (signs offline after reading nonce and fees) + cast publish: eth_sendRawTransaction of cast's
    own RLP encoding, for a legacy transaction too (--legacy, EIP-155 chain id)."""
    sender, to = server.dev.accounts[7], server.dev.accounts[8]
    for extra in ((), ("--legacy",)):
        raw = cast(cast_bin, server, "mktx", to, "--value", "11", "--private-key", key_hex(sender),
                   *extra).stdout.strip()
        published = json.loads(cast(cast_bin, server, "publish", raw, "--json").stdout)
        assert published["status"] == "0x1"
        assert published["type"] == ("0x0" if extra else "0x2")


# ============================================================================================== viem (node)

def _block_with_system_txs(server):
    """A block whose transactions are the L1-attributes deposit (0x7E), a 0x7C with new Bitcoin headers and a user
    transfer; returns (number, [(hash, type)...])."""
    with server.lock:
        dev = server.dev
        dev.btc.mine(2)
        h = dev.w3.eth.send_transaction({"from": dev.accounts[6], "to": dev.accounts[7], "value": 3})
        n = dev.engine.tx_record(bytes(h)).block_number
        rec = dev.engine.block_record(n)
        return n, [("0x" + t.hex(), getattr(dev.engine.tx_record(t).tx, "type_id", 0) or 0) for t in rec.tx_hashes]


def test_viem_reads_system_transactions(run_js, server):
    """viem reads a block that opens with the L1-attributes deposit and a 0x7C Bitcoin-attributes tx: getBlock with
    transactions, getTransaction, getTransactionReceipt; with viem's OP-stack formatters the deposit is a
    ``deposit`` transaction with its sourceHash and mint, and the user tx's receipt has its l1Fee."""
    n, txs = _block_with_system_txs(server)
    assert [t for _, t in txs] == [0x7E, 0x7C, 2]
    out = run_js("viem_client.cjs", "systemTxs", **params(server, block=n))
    for name in ("plain", "op"):
        got = out[name]
        assert got["count"] == 3 and [t["hash"] for t in got["txs"]] == [h for h, _ in txs]
        assert [t["index"] for t in got["txs"]] == [0, 1, 2] and {t["status"] for t in got["txs"]} == {"success"}
        assert got["txs"][1]["from"].lower() == "0x" + "88" * 20
    dep = out["op"]["txs"][0]
    assert dep["type"] == "deposit" and dep["sourceHash"].startswith("0x") and dep["mint"] == "0"
    assert dep["from"].lower() == "0xdeaddeaddeaddeaddeaddeaddeaddeaddead0001"
    assert int(out["op"]["txs"][2]["l1Fee"]) > 0


def test_ethers_reads_system_transactions(run_js, server):
    """ethers v6 reads a block that opens with the L1-attributes deposit (0x7E) and a 0x7C Bitcoin-attributes tx:
    getBlock with transactions, getTransaction and getTransactionReceipt of each, in block order."""
    n, txs = _block_with_system_txs(server)
    assert [t for _, t in txs] == [0x7E, 0x7C, 2]
    out = run_js("ethers_client.cjs", "systemTxs", **params(server, block=n))
    assert out["count"] == 3 and [t["hash"] for t in out["txs"]] == [h for h, _ in txs]
    assert [t["type"] for t in out["txs"]] == [0x7E, 0x7C, 2] and [t["index"] for t in out["txs"]] == [0, 1, 2]
    assert {t["status"] for t in out["txs"]} == {1} and {t["blockNumber"] for t in out["txs"]} == {n}
    assert out["txs"][0]["from"].lower() == "0xdeaddeaddeaddeaddeaddeaddeaddeaddead0001"
    assert out["txs"][1]["from"].lower() == "0x" + "88" * 20


def test_web3_http_reads_system_transactions(server, w3):
    """web3.py over HTTP (`hemi devchain`): a full block with the deposit and the 0x7C, each transaction and receipt,
    with op-geth's deposit fields and the user transaction's L1 fee."""
    n, txs = _block_with_system_txs(server)
    block = w3.eth.get_block(n, full_transactions=True)
    assert [(t.hash.to_0x_hex(), t.type) for t in block.transactions] == txs
    dep = w3.eth.get_transaction(txs[0][0])
    assert dep.sourceHash.startswith("0x") and dep.mint == "0x0" and dep["from"] == \
        "0xDeaDDEaDDeAdDeAdDEAdDEaddeAddEAdDEAd0001"
    assert w3.eth.get_transaction_receipt(txs[0][0]).depositReceiptVersion == "0x1"
    btc = w3.eth.get_transaction(txs[1][0])
    assert btc["from"] == btc.to == "0x8888888888888888888888888888888888888888" and btc.input[:4].hex() == "c94f1cca"
    assert int(w3.eth.get_transaction_receipt(txs[2][0]).l1Fee, 16) > 0


def test_cast_reads_system_transactions(cast_bin, server):
    """cast block --full, cast tx and cast receipt on a block carrying a deposit and a 0x7C system tx."""
    n, txs = _block_with_system_txs(server)
    block = json.loads(cast(cast_bin, server, "block", str(n), "--full", "--json").stdout)
    assert [t["hash"] for t in block["transactions"]] == [h for h, _ in txs]
    for h, kind in txs:
        tx = json.loads(cast(cast_bin, server, "tx", h, "--json").stdout)
        rcpt = json.loads(cast(cast_bin, server, "receipt", h, "--json").stdout)
        assert int(tx["type"], 16) == kind and rcpt["status"] == "0x1"
    assert json.loads(cast(cast_bin, server, "tx", txs[0][0], "--json").stdout)["sourceHash"].startswith("0x")


def test_viem_basics(run_js, server):
    """viem public + wallet clients over HTTP with a local account: getChainId, getBlockNumber, getBalance,
    estimateFeesPerGas, sendTransaction (viem's own nonce/gas/fee filling, eth_sendRawTransaction),
    waitForTransactionReceipt, getTransaction, getFeeHistory, getBlock."""
    sender, to = server.dev.accounts[0], server.dev.accounts[9]
    out = run_js("viem_client.cjs", "basics", **params(server, key=key_hex(sender), to=to))
    assert out["chainId"] == server.dev.config.chain_id
    assert int(out["balanceAfter"]) == int(out["balanceBefore"]) + 12345
    assert out["receipt"]["status"] == "success" and out["receipt"]["from"].lower() == sender.lower()
    assert out["tx"]["type"] == "eip1559" and int(out["tx"]["value"]) == 12345
    with server.lock:
        rec = server.dev.engine.tx_record(bytes.fromhex(out["hash"][2:]))
        assert rec is not None and rec.sender == sender.canonical
        assert server.dev.engine.state().get_nonce(sender.canonical) == out["count"]
        base = server.dev.engine.block(rec.block_number).header.base_fee_per_gas
    assert int(out["receipt"]["blockNumber"]) == rec.block_number == int(out["block"]["number"])
    assert int(out["receipt"]["effectiveGasPrice"]) == base + rec.tx.max_priority_fee_per_gas
    fh = out["feeHistory"]
    assert len(fh["baseFeePerGas"]) == 3 and len(fh["reward"]) == 2 and len(fh["reward"][0]) == 2
    # the last block holds its system transactions (tip 0) and our transfer: geth's percentiles of the effective
    # tips weighted by gas used, recomputed here from the block's records
    with server.lock:
        block_rec = server.dev.engine.block_record(rec.block_number)
        rows = sorted((0 if getattr(r.tx, "is_op_system", False) else
                       min(r.tx.max_priority_fee_per_gas, r.tx.max_fee_per_gas - base), r.gas_used)
                      for r in map(server.dev.engine.tx_record, block_rec.tx_hashes))
    total = sum(g for _, g in rows)
    for i, p in enumerate((25, 75)):
        cumulative, j = rows[0][1], 0
        while cumulative < total * p / 100 and j < len(rows) - 1:
            j += 1
            cumulative += rows[j][1]
        assert int(fh["reward"][-1][i]) == rows[j][0], p
    assert rows[-1][0] == min(rec.tx.max_priority_fee_per_gas, rec.tx.max_fee_per_gas - base)


def test_viem_contract_deploy_write_read_events_and_revert(run_js, server, box_artifact):
    """viem deployContract, getContract().write/read/estimateGas, getContractEvents, simulateContract's
    ContractFunctionRevertedError with the decoded reason, and eth_getBlockReceipts through client.request."""
    out = run_js("viem_client.cjs", "contract", **params(server, key=key_hex(server.dev.accounts[1]),
                                                          abi=box_artifact.abi, bytecode=box_artifact.bytecode))
    assert out["storeStatus"] == "success" and out["value"] == "42"
    assert out["events"] == [{"value": "42", "transactionHash": out["storeHash"], "logIndex": 0}]
    assert out["revert"]["reason"] == "seven is unlucky"
    assert int(out["gas"]) > 21000
    # the block's system transactions (L1-attributes deposit, maybe a 0x7C) come first, without logs
    assert out["blockReceipts"][-1] == {"transactionHash": out["storeHash"], "status": "0x1", "logs": 1}
    assert all(r["logs"] == 0 for r in out["blockReceipts"][:-1]) and len(out["blockReceipts"]) >= 2
    with server.lock:
        code = server.dev.engine.state().get_code(bytes.fromhex(out["address"][2:]))
    assert code and code.hex() in box_artifact.bytecode  # the runtime code is part of the init code


def test_viem_get_proof_and_create_access_list(run_js, server, box):
    """viem's getProof (EIP-1186) and createAccessList against the devchain: the proof's storage value is the
    contract's slot 0 and its account fields the chain's; the access list names the Box and the slot store() writes."""
    box.functions.store(11).transact({"from": server.dev.accounts[2]})  # slot 0 non-zero: a proof of presence
    out = run_js("viem_client.cjs", "proofAndAccessList", **params(
        server, address=box.address, **{"from": str(server.dev.accounts[2])},
        data=box.functions.store(9)._encode_transaction_data()))
    with server.lock:
        state = server.dev.engine.state()
        address = bytes.fromhex(box.address[2:])
        slot0 = state.get_storage(address, 0)
        code_hash = state.get_code_hash(address)
    assert out["accountProof"] > 0 and out["codeHash"] == "0x" + code_hash.hex()
    assert out["storage"] == [{"key": "0x" + "00" * 32, "value": str(slot0), "proof": out["storage"][0]["proof"]}]
    assert out["storage"][0]["proof"] > 0
    assert [e["address"].lower() for e in out["accessList"]] == [box.address.lower()]
    assert out["accessList"][0]["storageKeys"] == ["0x" + "00" * 32] and int(out["gasUsed"]) > 21000


def test_viem_websocket_watchers(run_js, server, box):
    """viem's webSocket transport: requests over WebSocket, and watchBlocks / watchPendingTransactions /
    watchContractEvent, which viem serves with eth_subscribe newHeads / newPendingTransactions / logs."""
    out = run_js("viem_client.cjs", "websocket", **params(server, key=key_hex(server.dev.accounts[2]),
                                                           abi=box.abi, box=box.address))
    assert not out["errors"]
    assert out["wsChainId"] == server.dev.config.chain_id
    sent = {s["hash"]: s for s in out["sent"]}
    assert sent and out["seen"]["blocks"] and out["seen"]["pending"] and out["seen"]["events"]
    blocks = {b["hash"]: int(b["number"]) for b in out["seen"]["blocks"]}
    for s in sent.values():  # every block a sent tx landed in after the watcher started was announced
        if int(s["blockNumber"]) > min(blocks.values()):
            assert blocks.get(s["blockHash"]) == int(s["blockNumber"])
    assert set(out["seen"]["pending"]) <= set(sent)  # nobody else sends meanwhile
    assert len(out["seen"]["pending"]) == len(set(out["seen"]["pending"]))  # each announced once
    for ev in out["seen"]["events"]:
        assert sent[ev["transactionHash"]]["value"] == ev["value"]


def test_viem_test_client_actions(run_js, server):
    """viem's createTestClient({mode: "anvil"}): snapshot/revert, setBalance, mine, setNonce, getAutomine,
    setNextBlockTimestamp, impersonateAccount (then eth_sendTransaction without a key) and stopImpersonatingAccount
    (the node refuses again); revert restores blocks, balance and nonce."""
    target = Web3.to_checksum_address("0x" + "5e" * 20)
    out = run_js("viem_client.cjs", "testClient", **params(server, target=target, to=server.dev.accounts[0]))
    assert out["balanceSet"] == "777"
    assert int(out["mined"]) == int(out["start"]["block"]) + 3
    assert out["nonceSet"] == 5 and out["automine"] is True
    assert int(out["timedTimestamp"]) == int(out["headTimestamp"]) + 1000
    assert out["impersonated"]["status"] == "success" and out["impersonated"]["from"].lower() == target.lower()
    assert out["afterStop"] and "unknown account" in out["afterStop"]
    assert out["end"] == {"block": out["start"]["block"], "balance": out["start"]["balance"], "nonce": 0}


def test_viem_json_rpc_account_sends_and_signs(run_js, server):
    """A viem wallet client whose account is an address the node holds (as with a browser wallet):
    getAddresses (eth_accounts), sendTransaction (eth_sendTransaction), signMessage (personal_sign) and
    signTypedData (eth_signTypedData_v4), verified by viem and recovered here by eth_account."""
    acct = server.dev.accounts[4]
    out = run_js("viem_client.cjs", "jsonRpcAccount", **params(server, address=acct, to=server.dev.accounts[5]))
    assert out["addresses"][0] == server.dev.accounts[0]
    assert out["status"] == "success" and out["from"].lower() == acct.lower()
    assert out["messageOk"] is True and out["typedOk"] is True
    recovered = Account.recover_message(encode_defunct(text=out["message"]), signature=out["signature"])
    assert recovered == acct


# ============================================================================================== hemi-viem (node)

def test_hemi_viem_bitcoin_kit_actions(run_js, server, bitcoin_world):
    """hemi-viem's hemiPublicBitcoinKitActions (getLastHeader, getHeaderN, getBitcoinAddressBalance,
    getUtxosForBitcoinAddress, getTxConfirmations) decode what hBK returns over our RPC, with the values of the
    embedded Bitcoin chain: display-order hashes, the indexed tip for headers, UTXOs and balances, the light tip for
    confirmations (hemilabs/op-geth core/vm/tbc_fullnode_test.go). getHeaderN reverts: 0x45 answers empty in every
    heminetwork release (op-geth TestSyntheticFullNodeHeaderNLibraryLimitation)."""
    txid, bob = bitcoin_world["txid"], bitcoin_world["bob"]
    with server.lock:
        btc, view = server.dev.btc, server.dev.hvm_view()
        height = view.indexed_height - 1
        expect = {
            "indexed": btc.header(view.indexed_height), "n": btc.header(height),
            "balance": btc.balance(bob.address), "utxos": btc.utxos(bob.address), "info": btc.tx(txid),
            "confirmations": view.light_tip_height - btc.tx(txid).height + 1,
        }
    out = run_js("hemi_viem_client.cjs", "bitcoinKit", **params(server, hbk=HBK_ADDRESS, btcAddress=bob.address,
                                                                 txid=str(txid), height=height))
    last = out["lastHeader"]
    assert last["height"] == view.indexed_height
    assert last["blockHash"] == "0x" + expect["indexed"].hash.display_bytes.hex()
    assert last["previousBlockHash"] == "0x" + expect["indexed"].prev_hash.display_bytes.hex()
    assert "Failed to retrieve specified Bitcoin header" in out["headerN"]["error"]
    assert out["balance"] == str(expect["balance"]) == str(3 * COIN)
    assert [(u["txId"], int(u["index"]), int(u["value"])) for u in out["utxos"]] == \
        [("0x" + u.txid.display_bytes.hex(), u.vout, u.value) for u in expect["utxos"]]
    assert out["confirmations"] == expect["confirmations"]


def test_hemi_viem_get_transaction_by_txid(run_js, server, bitcoin_world):
    """hemi-viem's getTransactionByTxId decodes the deployed kit's Transaction (hemi-viem
    src/contracts/bitcoin-kit-txs.ts: Input.witnessElements first, no Output.spentDetail) with the chain's values."""
    txid = bitcoin_world["txid"]
    with server.lock:
        info = server.dev.btc.tx(txid)
    tx = run_js("hemi_viem_client.cjs", "transaction", **params(server, hbk=HBK_ADDRESS, txid=str(txid)))
    assert tx["containingBlockHash"] == "0x" + info.block_hash.display_bytes.hex()
    assert [int(o["outValue"]) for o in tx["outputs"]] == [o.nValue for o in info.tx.vout]
    assert [o["script"] for o in tx["outputs"]] == ["0x" + bytes(o.scriptPubKey).hex() for o in info.tx.vout]
    assert int(tx["totalInputs"]) == len(info.tx.vin) == len(tx["inputs"]) and tx["containsAllInputs"] is True
    assert [(i["inputTxId"], int(i["sourceIndex"]), int(i["witnessElements"])) for i in tx["inputs"]] == \
        [("0x" + i.prevout.hash[::-1].hex(), i.prevout.n, len(w.scriptWitness.stack))
         for i, w in zip(info.tx.vin, info.tx.wit.vtxinwit, strict=True)]


@pytest.mark.parametrize("version", ["v2", "v1"])
def test_hemi_viem_btc_finality_by_block_hash(run_js, server, w3, version):
    """hemi-viem's getBtcFinalityByBlockHash calls optimism_btcFinalityByBlockHash on the chain's opNode URL, takes
    element 0 of a list and passes an object through; on JSON-RPC error -32000 (no keystone yet) it falls back to
    btc_finality -9 (hemi-viem src/actions/public/get-btc-finality-by-block-hash.ts). The server answers as the newest
    op-node (BFG v2's object, hemilabs/optimism op-node/node/bvm_api_helper.go) or, with finality_rpc="v1", as the
    BSS-era op-node ([L2BTCFinality], heminetwork v1.6.3 hemi/hemi.go); hemi-viem works with both."""
    with server.lock:
        saved = server.dev.config
        server.dev.config = dataclasses.replace(saved, finality_rpc=version)
    try:
        w3.eth.send_transaction({"from": server.dev.accounts[0], "to": server.dev.accounts[1], "value": 1})
        head = w3.eth.block_number
        with server.lock:
            if server.dev.keystones.keystone_number_for(head) <= head:  # make sure head is past the last keystone
                server.dev.mine(1)
                head += 1
        block_hash = w3.eth.get_block(head)["hash"].to_0x_hex()
        (before,) = run_js("hemi_viem_client.cjs", "finality", **params(server, hashes=[block_hash]))
        assert before == {"btc_finality": -9, "btc_pub_header_hash": "", "btc_pub_height": -1, "l2_keystone": None}
        with server.lock:
            server.dev.superfinalize(head)
            f = server.dev.finality(head)
            expected = f.to_bfg_v2() if version == "v2" else f.to_legacy()
        (after,) = run_js("hemi_viem_client.cjs", "finality", **params(server, hashes=[block_hash]))
        assert after == json.loads(json.dumps(expected))
        assert after["l2_keystone"]["l2_block_number"] >= head
        if version == "v2":
            assert after["super_finality"] is True and after["block_hash"] == bytes(f.publication.block_hash).hex()
        else:
            assert after["btc_finality"] > -9
            assert after["btc_pub_header_hash"] == bytes(f.keystone_publication.block_hash).hex()
    finally:
        with server.lock:
            server.dev.config = saved


# ============================================================================================== web3.py and bitcoinlib

def test_web3_async_http_provider(server):
    """web3.py's AsyncHTTPProvider (aiohttp): chain id, accounts, an auto-filled transfer and its receipt."""
    async def main():
        aw3 = AsyncWeb3(AsyncHTTPProvider(server.url))
        accounts = await aw3.eth.accounts
        h = await aw3.eth.send_transaction({"from": accounts[0], "to": accounts[1], "value": 3})
        receipt = await aw3.eth.wait_for_transaction_receipt(h, timeout=10)
        return await aw3.eth.chain_id, receipt

    chain_id, receipt = asyncio.run(main())
    assert chain_id == server.dev.config.chain_id and receipt.status == 1


def test_web3_fee_history_access_list_block_receipts_and_signing(server, w3, box):
    """web3.py's fee_history, create_access_list, get_block_receipts, eth.sign and sign_typed_data: the shapes its
    formatters expect; signatures recover to the dev account."""
    acct = server.dev.accounts[0]
    h = box.functions.store(11).transact({"from": acct})
    receipt = w3.eth.wait_for_transaction_receipt(h)
    fh = w3.eth.fee_history(3, "latest", [10, 90])
    assert len(fh["baseFeePerGas"]) == 4 and len(fh["reward"]) == 3 and fh["oldestBlock"] == receipt.blockNumber - 2
    al = w3.eth.create_access_list({"from": acct, "to": box.address,
                                    "data": box.encode_abi("store", [12])})
    assert al["gasUsed"] > 21000  # the recipient is listed for the slot store() writes (geth's access-list tracer)
    assert [(e["address"], [int(k, 16) for k in e["storageKeys"]]) for e in al["accessList"]] == [(box.address, [0])]
    receipts = w3.eth.get_block_receipts(receipt.blockNumber)
    assert [r.transactionHash for r in receipts][-1] == h and receipts[-1].logs[0].address == box.address
    assert receipts[0].type == 0x7E and {r.type for r in receipts[:-1]} <= {0x7E, 0x7C}  # system txs first
    sig = w3.eth.sign(acct, text="gm")
    assert Account.recover_message(encode_defunct(text="gm"), signature=sig) == acct
    typed = {"types": {"EIP712Domain": [{"name": "name", "type": "string"}],
                       "Ping": [{"name": "n", "type": "uint256"}]},
             "primaryType": "Ping", "domain": {"name": "hemi"}, "message": {"n": 1}}
    sig = w3.eth.sign_typed_data(acct, typed)
    from eth_account.messages import encode_typed_data

    assert Account.recover_message(encode_typed_data(full_message=typed), signature=sig) == acct


def test_web3_websocket_new_pending_transactions(server):
    """web3.py's WebSocketProvider: eth_subscribe("newPendingTransactions") yields each accepted tx hash once,
    before the newHeads notification of its block."""
    async def main():
        async with AsyncWeb3(WebSocketProvider(server.ws_url)) as aw3:
            pending = await aw3.eth.subscribe("newPendingTransactions")
            heads = await aw3.eth.subscribe("newHeads")
            accounts = await aw3.eth.accounts
            h = await aw3.eth.send_transaction({"from": accounts[0], "to": accounts[1], "value": 1})
            got = []
            async def collect():
                async for msg in aw3.socket.process_subscriptions():
                    got.append(msg)
                    if len(got) == 2:
                        return
            await asyncio.wait_for(collect(), 10)
            return h, pending, heads, got

    h, pending, heads, got = asyncio.run(main())
    assert [m["subscription"] for m in got] == [pending, heads]
    assert got[0]["result"] == h
    with server.lock:
        assert server.dev.engine.tx_record(bytes(h)).block_number == got[1]["result"]["number"]


def test_bitcoinlib_proxy_sends_and_reads_through_the_port(server, bitcoin_world):
    """python-bitcoinlib's bitcoin.rpc.Proxy on the Bitcoin port: sendrawtransaction of a wallet-signed tx,
    getrawmempool, generatetoaddress, getrawtransaction (with its block), gettxout, getblock, as against bitcoind."""
    import bitcoin
    import bitcoin.rpc
    from bitcoin.core import CTransaction, b2lx
    from bitcoin.wallet import CBitcoinAddress

    bitcoin.SelectParams("regtest")
    proxy = bitcoin.rpc.Proxy(service_url=server.btc_url, timeout=30)
    alice, bob = bitcoin_world["alice"], bitcoin_world["bob"]
    with server.lock:
        tx = alice.build_tx(outputs=[(bob.address, COIN // 10)])
    txid = proxy.sendrawtransaction(CTransaction.from_tx(tx) if not isinstance(tx, CTransaction) else tx)
    assert b2lx(txid) in [b2lx(t) for t in proxy.getrawmempool()]
    (block_hash,) = proxy.generatetoaddress(1, CBitcoinAddress(alice.address))
    got = proxy.getrawtransaction(txid, verbose=True)
    assert got["blockhash"] == block_hash and got["tx"].GetTxid() == txid
    out = proxy.gettxout(bitcoin.core.COutPoint(txid, 0))
    assert out["txout"].nValue == COIN // 10
    block = proxy.getblock(block_hash)
    assert [t.GetTxid() for t in block.vtx][1:] == [txid]
    with server.lock:
        assert server.dev.btc.tx(b2lx(txid)).height == server.dev.btc.height
