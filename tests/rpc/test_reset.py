"""``anvil_reset`` / ``hardhat_reset``: the devchain back to the state a new one of its configuration starts in.

anvil answers null (foundry-rs/foundry crates/anvil/src/eth/api.rs ``anvil_reset``), Hardhat true (NomicFoundation
hardhat packages/hardhat-core/src/internal/hardhat-network/provider/modules/hardhat.ts ``_resetAction``); both take
an optional forking object, which a devchain refuses: it forks when it starts."""

from __future__ import annotations

import pytest

import hemi


@pytest.fixture
def dev() -> hemi.Devchain:
    return hemi.Devchain(predeploy_tunnel=False, seed=7)


def test_reset_returns_to_a_new_devchains_state(dev):
    w3, a = dev.w3, dev.accounts
    fresh = hemi.Devchain(predeploy_tunnel=False, seed=7)
    w3.eth.send_transaction({"from": a[0], "to": a[1], "value": 5})
    dev.btc.mine(3)
    dev.sync_btc()
    sid = w3.provider.make_request("evm_snapshot", [])["result"]
    reply = w3.provider.make_request("anvil_reset", [])
    assert "error" not in reply and reply["result"] is None
    assert w3.eth.block_number == 0 and dev.btc.height == 0
    assert w3.eth.get_block("latest").hash == fresh.w3.eth.get_block("latest").hash
    assert w3.eth.get_balance(a[1]) == fresh.w3.eth.get_balance(a[1])
    assert w3.provider.make_request("evm_revert", [sid])["result"] is False  # snapshots of the old state end
    t = w3.eth.send_transaction({"from": a[0], "to": a[1], "value": 5})  # and it goes on as the new one does
    assert t == fresh.w3.eth.send_transaction({"from": a[0], "to": a[1], "value": 5})


def test_hardhat_reset_answers_true_and_forking_is_refused(dev):
    mr = dev.w3.provider.make_request
    dev.mine(2)
    assert mr("hardhat_reset", [{}])["result"] is True and dev.engine.head_number == 0
    err = mr("hardhat_reset", [{"forking": {"jsonRpcUrl": "http://127.0.0.1:1"}}])["error"]
    assert err["code"] == -32602 and "--fork-url" in err["message"]
    assert mr("anvil_reset", [{"forking": {"jsonRpcUrl": "http://127.0.0.1:1", "blockNumber": 5}}])["error"]


def test_reset_and_load_keep_the_runs_mining_mode(dev):
    """Under ``hemi devchain --block-time`` automine is off for the whole run; anvil_reset and anvil_loadState of a
    state saved with automine on turned it back on, so both modes mined (found by a concurrency hunt)."""
    mr = dev.w3.provider.make_request
    saved = mr("anvil_dumpState", [])["result"]  # automine on
    mr("evm_setAutomine", [False])
    mr("anvil_reset", [])
    assert mr("anvil_getAutomine", [])["result"] is False
    mr("anvil_loadState", [saved])
    assert mr("anvil_getAutomine", [])["result"] is False
