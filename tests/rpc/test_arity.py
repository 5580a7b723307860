"""A wrong number of JSON-RPC params is -32602 with a message saying what the method takes (hemi.rpc.arity), for
every method, instead of Python's TypeError text (``revert() missing 1 required positional argument: 'sid'``)."""

from __future__ import annotations

import re

import pytest

from hemi.devchain import Devchain
from hemi.rpc import EthApi, RPCError
from hemi.rpc.arity import Arity

PYTHON_WORDING = re.compile(r"positional|argument|keyword|\(\)|takes|were given|missing")


@pytest.fixture(scope="module")
def api():
    return EthApi(Devchain(predeploy_bitcoin_kit=False, predeploy_tunnel=False))


def error(api, method, params):
    with pytest.raises(RPCError) as e:
        api.request(method, params)
    assert e.value.code == -32602
    return e.value.message


@pytest.mark.parametrize("method, params, want", [
    ("evm_revert", [], "evm_revert expects 1 parameter (snapshot id), got 0"),
    ("evm_revert", ["0x1", "0x2"], "evm_revert expects 1 parameter (snapshot id), got 2"),
    ("evm_snapshot", [1], "evm_snapshot expects no parameters, got 1"),
    ("eth_getBalance", [], "eth_getBalance expects 1 to 2 parameters (address, [block]), got 0"),
    ("eth_getBalance", ["0x" + "00" * 20, "latest", 1], "eth_getBalance expects 1 to 2 parameters (address, [block]), "
                                                        "got 3"),
    ("personal_sign", ["0x00"], "personal_sign expects at least 2 parameters (message, address), got 1"),
    ("anvil_mine", [1, 2, 3], "anvil_mine expects at most 2 parameters ([block count or options], [interval]), got 3"),
])
def test_a_wrong_count_says_what_the_method_takes(api, method, params, want):
    assert error(api, method, params) == want


def test_every_method_says_it_without_pythons_wording(api):
    for name, fn in sorted(api.methods.items()):
        arity = Arity.of(fn)
        assert arity is not None, name
        if arity.rest:
            if not arity.required:
                continue  # any count fits
            params = [None] * (len(arity.required) - 1)
        else:
            params = [None] * (len(arity.required) + len(arity.optional) + 1)
        message = error(api, name, params)
        assert message.startswith(f"{name} expects ") and message.endswith(f", got {len(params)}"), message
        assert not PYTHON_WORDING.search(message), message


def test_a_right_count_still_runs(api):
    sid = api.request("evm_snapshot", [])
    assert api.request("evm_revert", [sid]) is True
