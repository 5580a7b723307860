"""The loaded wallet and ``help`` on the Bitcoin RPC: scripts written for a Core 28 regtest node start with
``createwallet`` (a fresh node has no wallet), then use it for every wallet call.

Core's answers: src/wallet/rpc/wallet.cpp (``createwallet`` -> {"name"}; "Database already exists" -4;
``loadwallet`` "is already loaded" -35, "Path does not exist" -18; ``listwallets``; ``unloadwallet`` "Requested
wallet does not exist or is not loaded" -18), src/rpc/server.cpp (``help``; "help: unknown command" -1). One wallet
is loaded at a time here (docs/bitcoin-validation.md)."""

from __future__ import annotations

from rpc_tools import rpc_error

from hemi.btc.rpc import raw_proxy


def test_createwallet_then_every_wallet_call_uses_it(btc):
    raw = raw_proxy(btc)
    assert raw.listwallets() == ["default"]
    assert raw.createwallet("test") == {"name": "test"}
    assert raw.listwallets() == ["test"]
    address = raw.getnewaddress()
    assert address == btc.wallet("test").address != btc.wallet().address
    raw.generatetoaddress(101, address)
    assert raw.getbalance() == 50 and raw.getwalletinfo()["walletname"] == "test"
    assert rpc_error(raw.createwallet, "test") == {
        "code": -4, "message": "Wallet file verification failed. Failed to create database path 'test'. "
                               "Database already exists."}
    assert rpc_error(raw.loadwallet, "test") == {"code": -35, "message": 'Wallet "test" is already loaded.'}
    assert rpc_error(raw.loadwallet, "nope")["code"] == -18
    assert raw.loadwallet("default") == {"name": "default"} and raw.getbalance() == 0
    assert raw.loadwallet("test") == {"name": "test"} and raw.getbalance() == 50
    assert rpc_error(raw.unloadwallet, "nope") == {
        "code": -18, "message": "Requested wallet does not exist or is not loaded"}
    assert raw.unloadwallet() == {} and raw.listwallets() == ["default"]
    assert rpc_error(raw.createwallet, "watch", True)["code"] == -4  # disable_private_keys is not modelled


def test_help(btc):
    raw = raw_proxy(btc)
    assert raw.help("getblock") == "getblock blockhash ( verbosity|verbose )"
    lines = raw.help().splitlines()
    assert "getblockcount" in lines and any(line.startswith("createwallet wallet_name") for line in lines)
    assert len(lines) == len(set(lines)) > 40
    assert rpc_error(raw.help, "nope") == {"code": -1, "message": "help: unknown command: nope"}
