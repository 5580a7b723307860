"""The hemi_tunnel* JSON-RPC methods: thin wrappers of dev.tunnel with JSON results and JSON-RPC error codes."""

from __future__ import annotations

import json

import pytest

from hemi.btc import COIN
from hemi.rpc import EthApi, RPCError


@pytest.fixture
def rpc(dev):
    api = EthApi(dev)

    def call(method, *params):
        result = api.request(method, list(params))
        json.dumps(result)  # plain JSON, always
        return result

    return call


def code_of(rpc, method, *params) -> int:
    with pytest.raises(RPCError) as err:
        rpc(method, *params)
    return err.value.code


def test_deposit_confirm_withdraw_finalize_audit(dev, rpc, alice):
    info = rpc("hemi_tunnelInfo")
    assert info["manager"] == dev.tunnel.manager_address and info["custodyAddress"] == dev.tunnel.custody_address
    assert (info["minConfirmations"], info["maxWithdrawalQueue"], info["policy"]) == (4, 5, "prompt")
    st = dev.tunnel.vault_state.functions
    assert (info["status"], info["vaultState"], info["depositFeeBps"], info["minWithdrawalFeeSats"]) == \
        ("LIVE", dev.tunnel.vault_state.address, st.depositFeeBps().call(), st.minWithdrawalFeeSats().call())
    user = dev.accounts[1]
    d = rpc("hemi_tunnelDeposit", "alice", 2 * COIN, user)
    assert d["recipient"] == user and d["wallet"] == "alice" and d["sats"] == 2 * COIN
    c = rpc("hemi_tunnelConfirm", d["txid"])
    net = 2 * COIN - dev.tunnel.deposit_fee(2 * COIN)
    assert (c["recipient"], c["depositSats"], c["netSats"]) == (user, 2 * COIN, net)
    assert dev.w3.eth.get_transaction_receipt(c["transactionHash"]).blockNumber == c["blockNumber"]
    w = rpc("hemi_tunnelWithdraw", user, hex(COIN), dev.btc.wallet("carol").address)
    assert w["status"] == "pending" and w["payout_txid"] and w["btc_address"] == dev.btc.wallet("carol").address
    f = rpc("hemi_tunnelFinalize", w["uuid"])
    assert f["withdrawal"]["status"] == "finalized" and f["withdrawal"]["finalize_tx"] == f["transactionHash"]
    assert rpc("hemi_tunnelWithdrawal", hex(w["uuid"]))["status"] == "finalized"
    audit = rpc("hemi_tunnelAudit")
    assert audit["ok"] and audit["total_supply"] == COIN - dev.tunnel.deposit_fee(2 * COIN)


def test_policy_and_challenge(dev, rpc, alice):
    user = dev.accounts[1]
    assert rpc("hemi_tunnelSetOperatorPolicy", "never") == {"policy": "never", "delay": 3600, "feeRate": 2.0}
    gross = dev.tunnel.gross_for_net(net_sats=COIN)
    rpc("hemi_tunnelConfirm", rpc("hemi_tunnelDeposit", "alice", gross, user, {"recipientFormat": "hex"})["txid"])
    w = rpc("hemi_tunnelWithdraw", user, COIN, dev.btc.wallet("carol").address)
    assert w["payout_txid"] is None
    assert code_of(rpc, "hemi_tunnelChallenge", w["uuid"]) == -32000  # grace period not over: a revert
    c = rpc("hemi_tunnelChallenge", w["uuid"], {"wait": True})
    assert c["withdrawal"]["status"] == "challenged"


def test_errors_map_to_json_rpc_codes(dev, rpc, alice):
    assert code_of(rpc, "hemi_tunnelDeposit", "alice", COIN, "0x1234") == -32602  # malformed recipient
    assert code_of(rpc, "hemi_tunnelDeposit", "alice", 100, dev.accounts[1]) == -32602  # dust
    assert code_of(rpc, "hemi_tunnelDeposit", "alice", COIN, dev.accounts[1], {"bogus": 1}) == -32602
    assert code_of(rpc, "hemi_tunnelDeposit", 5, COIN, dev.accounts[1]) == -32602
    assert code_of(rpc, "hemi_tunnelConfirm", "42" * 32) == -32001  # unknown deposit
    assert code_of(rpc, "hemi_tunnelConfirm", 42) == -32602
    assert code_of(rpc, "hemi_tunnelWithdraw", dev.accounts[1], COIN, "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq") \
        == -32602  # wrong network
    assert code_of(rpc, "hemi_tunnelWithdraw", dev.accounts[1], COIN, dev.btc.wallet("carol").address) == -32602
    assert code_of(rpc, "hemi_tunnelWithdrawal", 77) == -32001
    assert code_of(rpc, "hemi_tunnelFinalize", 77) == -32001
    assert code_of(rpc, "hemi_tunnelSetOperatorPolicy", "eager") == -32602
    d = rpc("hemi_tunnelDeposit", "alice", COIN, dev.accounts[1])
    rpc("hemi_tunnelConfirm", d["txid"])
    with pytest.raises(RPCError, match="txid has already been confirmed") as err:
        rpc("hemi_tunnelConfirm", d["txid"])
    assert err.value.code == -32000
