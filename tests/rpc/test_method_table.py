"""The JSON-RPC method table is built per devchain (hemi.rpc.table.build_methods): nothing is registered by import
side effects, two devchains never share a table, and every method a namespace module declares is in each table."""

from __future__ import annotations

import subprocess
import sys

import pytest

from hemi.devchain import Devchain
from hemi.rpc import EthApi, RPCError, build_methods
from hemi.rpc.table import NAMESPACES, handlers


def test_two_devchains_have_independent_tables():
    a, b = EthApi(Devchain(seed=1)), EthApi(Devchain(seed=2))
    assert a.methods is not b.methods and a.methods.keys() == b.methods.keys()
    a.dev.mine(3)
    assert int(a.request("eth_blockNumber", []), 16) == int(b.request("eth_blockNumber", []), 16) + 3
    del a.methods["eth_chainId"]  # a face may drop a method from its own table: the other devchain keeps it
    with pytest.raises(RPCError, match="^-32601"):
        a.request("eth_chainId", [])
    assert b.request("eth_chainId", []) == hex(b.dev.engine.chain_id)


def test_each_table_is_bound_to_its_own_context():
    api = EthApi(Devchain(seed=4))
    table = build_methods(api)
    fid = table["eth_newBlockFilter"]()
    assert int(fid, 16) in api._filters  # the filter lives in the context the table was built for
    assert table["eth_blockNumber"]() == hex(api.dev.engine.head_number)


def test_every_namespace_method_is_in_the_table_once():
    declared = [name for namespace in NAMESPACES for name in namespace]
    assert len(declared) == len(set(declared)) == len(handlers())
    for name in ("eth_call", "net_version", "web3_clientVersion", "evm_snapshot", "anvil_setBalance",
                 "hardhat_mine", "hemi_mineBitcoin", "hemi_tunnelInfo", "hemi_dumpState", "kss_getLatestKeystones",
                 "optimism_btcFinalityByBlockHash", "debug_traceCall", "txpool_status", "eth_simulateV1"):
        assert name in handlers(), name


def test_a_fresh_process_has_the_whole_table_without_importing_namespaces():
    """The bug this design removes: a fresh devchain answered hemi_* with -32601 until some module happened to
    import the module that registered them."""
    code = ("from hemi.node.devchain import Devchain\n"
            "from hemi.rpc.api import EthApi\n"
            "api = EthApi(Devchain())\n"
            "print(len(api.request('hemi_mineBitcoin', [1])), api.request('kss_getLatestKeystones', [1]) is not None)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["1", "True"]
