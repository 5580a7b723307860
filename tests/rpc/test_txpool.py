"""The transaction pool with automine off, as geth's legacy pool behaves (ethereum/go-ethereum
core/txpool/legacypool/list.go ``list.Add``: a replacement needs both fee cap and tip 10 % above the pooled
transaction's, else core/txpool/errors.go ``ErrReplaceUnderpriced``) and geth's ``txpool_*`` shapes
(internal/ethapi/api.go ``TxPoolAPI``)."""

from __future__ import annotations

import pytest

from hemi.devchain import Devchain
from hemi.rpc import RPCError

GWEI = 10**9


@pytest.fixture(scope="module")
def chain():
    return Devchain()


@pytest.fixture
def api(chain):
    api = chain.w3.provider.api
    snap = api.request("evm_snapshot", [])
    api.request("evm_setAutomine", [False])
    yield api
    api.request("evm_setAutomine", [True])
    api.request("evm_revert", [snap])


def _send(api, frm, to, *, value=1, fee=2 * GWEI, tip=GWEI, nonce=None, legacy=False):
    tx = {"from": frm, "to": to, "value": hex(value), "gas": hex(21000)}
    if legacy:
        tx["gasPrice"] = hex(fee)
    else:
        tx.update(maxFeePerGas=hex(fee), maxPriorityFeePerGas=hex(tip))
    if nonce is not None:
        tx["nonce"] = hex(nonce)
    return api.request("eth_sendTransaction", [tx])


def test_latest_reads_the_mined_head_and_pending_reads_the_pool(api, chain):
    a, b = (str(x) for x in chain.accounts[:2])
    before = int(api.request("eth_getBalance", [b, "latest"]), 16)
    _send(api, a, b, value=5)
    assert int(api.request("eth_getBalance", [b, "latest"]), 16) == before
    assert int(api.request("eth_getBalance", [b, "pending"]), 16) == before + 5
    assert api.request("eth_getTransactionCount", [a, "latest"]) == "0x0"
    assert api.request("eth_getTransactionCount", [a, "pending"]) == "0x1"
    # a contract created in the pool has code in the pending state only (runtime code: a single STOP)
    init = "0x6001600c60003960016000f300"  # CODECOPY 1 byte at 12 -> RETURN it
    api.request("eth_sendTransaction", [{"from": a, "data": init, "gas": hex(100_000), "nonce": "0x1"}])
    created = api.request("eth_pendingTransactions", [])
    assert len(created) == 2 and all(t["blockHash"] is None and t["transactionIndex"] is None for t in created)
    api.request("evm_mine", [])
    assert int(api.request("eth_getBalance", [b, "latest"]), 16) == before + 5
    assert api.request("eth_getTransactionCount", [a, "latest"]) == "0x2"


def test_direct_edits_show_in_latest_while_txs_are_pending(api, chain):
    a, b = (str(x) for x in chain.accounts[:2])
    _send(api, a, b, value=7)
    api.request("anvil_setBalance", [b, hex(10**18)])
    assert int(api.request("eth_getBalance", [b, "latest"]), 16) == 10**18
    assert int(api.request("eth_getBalance", [b, "pending"]), 16) == 10**18  # set after the transfer: it wins


def test_replacement_needs_a_ten_percent_bump_of_fee_cap_and_tip(api, chain):
    a, b = (str(x) for x in chain.accounts[:2])
    first = _send(api, a, b, value=1, fee=3 * GWEI, tip=2 * GWEI)
    for fee, tip in ((3 * GWEI * 109 // 100, 3 * GWEI), (4 * GWEI, 2 * GWEI * 109 // 100), (GWEI, GWEI)):
        with pytest.raises(RPCError, match="^-32000: replacement transaction underpriced$"):
            _send(api, a, b, value=2, fee=fee, tip=tip, nonce=0)
    assert [t["hash"] for t in api.request("eth_pendingTransactions", [])] == [first]  # the pool is unchanged
    second = _send(api, a, b, value=2, fee=3 * GWEI * 110 // 100, tip=2 * GWEI * 110 // 100, nonce=0)
    content = api.request("txpool_content", [])
    assert list(content["pending"]) == [a] and content["queued"] == {}
    assert content["pending"][a]["0"]["hash"] == second and content["pending"][a]["0"]["value"] == "0x2"
    assert api.request("eth_getTransactionByHash", [first]) is None
    api.request("evm_mine", [])
    block = api.request("eth_getBlockByNumber", ["latest", True])
    # after the block's system txs (the L1-attributes deposit, type 0x7E): only the replacement
    assert [t["hash"] for t in block["transactions"] if t["type"] != "0x7e"] == [second]
    ordered = chain.sequencer.block(int(block["number"], 16))  # the sequencer's record follows the replacement
    assert ["0x" + h.hex() for h in ordered.mempool] == [second]
    assert api.request("eth_getTransactionReceipt", [second])["status"] == "0x1"


def test_replacing_a_legacy_tx_keeps_later_ones_and_edits(api, chain):
    a, b, c = (str(x) for x in chain.accounts[:3])
    _send(api, a, b, value=1, legacy=True, fee=2 * GWEI)
    api.request("anvil_setBalance", [c, hex(123)])
    third = _send(api, a, c, value=1, legacy=True, fee=2 * GWEI)  # nonce 1, after the edit
    b_before = int(api.request("eth_getBalance", [b, "latest"]), 16)
    _send(api, a, b, value=9, legacy=True, fee=3 * GWEI, nonce=0)
    assert int(api.request("eth_getBalance", [b, "pending"]), 16) == b_before + 9
    assert int(api.request("eth_getBalance", [c, "pending"]), 16) == 124  # the edit, then the later tx: replayed
    assert api.request("txpool_status", []) == {"pending": "0x2", "queued": "0x0"}
    inspect = api.request("txpool_inspect", [])["pending"][a]
    assert inspect["0"] == f"{b}: 9 wei + 21000 gas × {3 * GWEI} wei"
    assert [t["hash"] for t in api.request("eth_pendingTransactions", [])][1] == third


def test_pending_filter_sees_pooled_and_replacement_txs(api, chain):
    a, b = (str(x) for x in chain.accounts[:2])
    fid = api.request("eth_newPendingTransactionFilter", [])
    h1 = _send(api, a, b)
    assert api.request("eth_getFilterChanges", [fid]) == [h1]
    h2 = _send(api, a, b, fee=4 * GWEI, tip=2 * GWEI, nonce=0)
    assert api.request("eth_getFilterChanges", [fid]) == [h2]


def test_pending_block_and_gas_price_follow_the_pool(api, chain):
    a, b = (str(x) for x in chain.accounts[:2])
    h = _send(api, a, b)
    pending = api.request("eth_getBlockByNumber", ["pending", False])
    system = ["0x" + t.hash.hex() for t in chain.engine.pending_txs if getattr(t, "is_op_system", False)]
    assert system and pending["transactions"] == system + [h]  # the block opens with the L1-attributes deposit
    assert int(api.request("eth_gasPrice", []), 16) >= int(pending["baseFeePerGas"], 16)
