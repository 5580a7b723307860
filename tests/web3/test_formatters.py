"""hemi.web3.formatters: dev.w3's request formatting gives exactly web3.py's params, and refuses what web3 refuses.

The reference is web3.py itself (``web3/_utils/method_formatters.py`` ``get_request_formatters``, applied as
``web3/method.py`` applies it), run on the same params: every method whose ABI is a dict (transaction and filter
params), values of every kind a caller passes (ints, hex and decimal strings, bytes, HexBytes, checksummed,
lower-case and 20-byte addresses, ENS-like names, None, booleans, nested lists), fields outside the ABI, and bad
values (a wrong checksum, a short address, a non-hex string).
"""

from __future__ import annotations

import itertools

import pytest
from hexbytes import HexBytes
from web3._utils.method_formatters import get_request_formatters
from web3._utils.rpc_abi import RPC_ABIS
from web3.method import _apply_request_formatters

from hemi.devchain import Devchain
from hemi.web3.formatters import DevchainEth, request_formatters

CHECKSUMMED = "0x5FbDB2315678afecb367f032d93F642f64180aa3"


class _Str(str):
    """A str subclass, as dev.accounts' DevAccount is."""
VALUES = {
    "address": [CHECKSUMMED, _Str(CHECKSUMMED), _Str(CHECKSUMMED.lower()), CHECKSUMMED.lower(),
                bytes.fromhex(CHECKSUMMED[2:]), HexBytes(CHECKSUMMED),
                "0x5FBDB2315678afecb367f032d93F642f64180aa3", "0x1234", "alice.eth", None, 7, b"\x01" * 19],
    "uint": [0, 1, 2**256 - 1, "0x10", "0X1f", "16", True, None, b"\x01", -1],
    "bytes": ["0x06661abd", "0x", b"\x06\x66", HexBytes("0xabcd"), "06661abd", "0xzz", bytearray(b"\x01"), None, 5,
              memoryview(b"ab")],
}
DICT_METHODS = sorted(m for m, abi in RPC_ABIS.items() if isinstance(abi, dict))


def _outcome(formatters, params):
    try:
        return "ok", _apply_request_formatters(params, formatters)
    except Exception as exc:  # noqa: BLE001 - the kind and text of a refusal must match too
        return "error", type(exc), str(exc)


def _dicts(abi: dict[str, str]):
    fields = list(abi)
    for field in fields:
        kind = "address" if abi[field].startswith("address") else "bytes" if abi[field] == "bytes" else "uint"
        for value in VALUES[kind]:
            if abi[field].endswith("[]"):
                value = [value]
            yield {field: value}
            yield {field: value, "accessList": [{"address": CHECKSUMMED, "storageKeys": []}], "extra": {"a": 1}}
    for a, b in itertools.combinations(fields, 2):
        yield {a: VALUES["uint"][1] if abi[a] == "uint" else VALUES["address"][0] if "address" in abi[a]
               else VALUES["bytes"][0], b: None}
    yield {"to": [CHECKSUMMED]}  # a nested value where a scalar is typed: web3's own path decides
    yield {}


@pytest.mark.parametrize("method", DICT_METHODS)
def test_formatting_matches_web3(method: str) -> None:
    theirs, ours = get_request_formatters(method), request_formatters(method)
    for data in _dicts(RPC_ABIS[method]):
        for params in ([data, "latest"], (data,), [data]):
            assert _outcome(ours, params) == _outcome(theirs, params), (method, params)
            again = _outcome(ours, params)  # with the address memo
            assert again == _outcome(theirs, params), (method, params)
            if again[0] == "ok":  # the same types too (a str subclass stays one)
                assert [type(v) for v in again[1][0].values()] == \
                    [type(v) for v in _outcome(theirs, params)[1][0].values()], (method, params)


@pytest.mark.parametrize("method", ["eth_getBalance", "eth_getBlockByNumber", "eth_getLogs", "eth_chainId"])
def test_other_methods_use_web3s_formatters(method: str) -> None:
    params = {"eth_getBalance": [CHECKSUMMED, 5], "eth_getBlockByNumber": [5, False],
              "eth_getLogs": [{"address": [CHECKSUMMED], "fromBlock": 1}], "eth_chainId": []}[method]
    assert _outcome(request_formatters(method), params) == _outcome(get_request_formatters(method), params)


def test_dev_w3_uses_them_and_answers_as_before() -> None:
    dev = Devchain()
    w3 = dev.w3
    assert isinstance(w3.eth, DevchainEth)
    a, b = dev.accounts[:2]
    before = w3.eth.get_balance(b)
    h = w3.eth.send_transaction({"from": a, "to": b, "value": 5})
    assert w3.eth.get_transaction_receipt(h).status == 1
    assert w3.eth.get_balance(b) == before + 5
    assert w3.eth.call({"from": a, "to": b, "data": b""}) == b""
    with pytest.raises(Exception, match="checksum"):
        w3.eth.call({"to": CHECKSUMMED.replace("F", "f", 1), "data": "0x"})
