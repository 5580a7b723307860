"""Each devchain owns its precompile registry; precompiles never raise out of the EVM (hemilabs/op-geth
``core/vm/hvm_precompile_recover_test.go``)."""

from __future__ import annotations

import logging

import pytest

from hemi.devchain import Devchain
from hemi.errors import HemiValueError
from hemi.hvm.precompiles import HVM_PRECOMPILES
from hemi.hvm.registry import PrecompileFailure

ADDR = "0x00000000000000000000000000000000000000f1"


def call(dev, to, data=b"", gas=None):
    tx = {"to": dev.w3.to_checksum_address(to), "data": "0x" + data.hex()}
    if gas:
        tx["gas"] = hex(gas)
    return dev.w3.provider.make_request("eth_call", [tx, "latest"])


def test_all_ten_hvm_precompiles_are_mounted_with_fixed_gas():
    dev = Devchain(predeploy_bitcoin_kit=False)
    mounted = {int.from_bytes(p.address, "big"): p.gas for p in dev.precompiles}
    assert set(mounted) == set(range(0x40, 0x4A))
    assert mounted[0x40] == 50000 and mounted[0x41] == 100000 and mounted[0x43] == 5000
    assert mounted == {a: HVM_PRECOMPILES[a].gas for a in mounted}


def test_user_precompile_and_two_devchains_side_by_side():
    a, b = Devchain(predeploy_bitcoin_kit=False), Devchain(predeploy_bitcoin_kit=False)
    a.precompiles.register(ADDR, lambda data: data[::-1], gas=100)
    assert call(a, ADDR, b"\x01\x02\x03")["result"] == "0x030201"
    assert call(b, ADDR, b"\x01\x02\x03")["result"] == "0x"  # b has no precompile there: an empty account
    with pytest.raises(HemiValueError, match="force=True"):
        a.precompiles.register(ADDR, lambda data: b"", gas=1)
    a.precompiles.register(ADDR, lambda data, ctx: ctx.block_number.to_bytes(2, "big"), gas=1, force=True)
    assert call(a, ADDR)["result"] == "0x0000"
    a.precompiles.unregister(ADDR)
    assert call(a, ADDR, b"\x01")["result"] == "0x"
    for bad in (0, 2**160, "zz", b"\x01"):
        with pytest.raises(HemiValueError):
            a.precompiles.register(bad, lambda d: b"", gas=1)
    with pytest.raises(HemiValueError):
        a.precompiles.register(ADDR, lambda d: b"", gas=-1)
    with pytest.raises(HemiValueError):
        a.precompiles.register(1, lambda d: b"", gas=1)  # ecrecover is Ethereum's own


def test_python_exception_is_empty_success_and_logged(caplog):
    dev = Devchain(predeploy_bitcoin_kit=False)

    def broken(data):
        raise ZeroDivisionError("oops")

    dev.precompiles.register(ADDR, broken, gas=10)
    with caplog.at_level(logging.ERROR, logger="hemi.hvm.precompiles"):
        assert call(dev, ADDR, b"x")["result"] == "0x"
    assert "ZeroDivisionError" in caplog.text


def test_precompile_failure_fails_the_call_and_burns_gas():
    dev = Devchain(predeploy_bitcoin_kit=False)

    def refuse(data):
        raise PrecompileFailure("no")

    dev.precompiles.register(ADDR, refuse, gas=10)
    resp = call(dev, ADDR, b"x", gas=100_000)
    assert "error" in resp
    resp = dev.w3.provider.make_request(
        "eth_sendTransaction", [{"from": dev.accounts[0], "to": ADDR, "data": "0x01", "gas": hex(100_000)}])
    rcpt = dev.w3.eth.get_transaction_receipt(resp["result"])
    assert rcpt.status == 0 and rcpt.gasUsed == 100_000  # all gas burned


def test_unknown_txid_at_0x43_burns_all_gas():
    """OPG-T1 TestSyntheticFullNodePrecompileInputGuards: unknown txid is a raw error, not an empty success."""
    dev = Devchain(predeploy_bitcoin_kit=False)
    to = "0x0000000000000000000000000000000000000043"
    h = dev.w3.eth.send_transaction({"from": dev.accounts[0], "to": to, "data": "0x" + "11" * 32, "gas": 80_000})
    rcpt = dev.w3.eth.get_transaction_receipt(h)
    assert rcpt.status == 0 and rcpt.gasUsed == 80_000
    # a bad input length is the empty success with only the fixed gas used
    h = dev.w3.eth.send_transaction({"from": dev.accounts[0], "to": to, "data": "0x11", "gas": 80_000})
    rcpt = dev.w3.eth.get_transaction_receipt(h)
    assert rcpt.status == 1 and rcpt.gasUsed < 80_000
