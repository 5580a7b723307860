"""eth_signTypedData_v4 refuses EIP-712 documents that do not match their types (-32602), with the message
web3.py's suite matches (ethereum/web3.py web3/_utils/module_testing/eth_module.py
``test_invalid_eth_sign_typed_data``); valid documents still sign."""

from __future__ import annotations

import copy

import pytest

from hemi.devchain import Devchain
from hemi.rpc import RPCError

MAIL = {
    "types": {"EIP712Domain": [{"name": "name", "type": "string"}],
              "Person": [{"name": "name", "type": "string"}, {"name": "wallet", "type": "address"}],
              "Mail": [{"name": "to", "type": "Person[2]"}, {"name": "contents", "type": "string"}]},
    "primaryType": "Mail", "domain": {"name": "Ether Mail"},
    "message": {"to": [{"name": "Bob", "wallet": "0x" + "bb" * 20}, {"name": "Al", "wallet": "0x" + "aa" * 20}],
                "contents": "hi"},
}


@pytest.fixture(scope="module")
def signer():
    dev = Devchain()
    return dev.w3.provider.api, str(dev.accounts[0])


def test_a_valid_document_signs(signer):
    api, who = signer
    assert len(api.request("eth_signTypedData_v4", [who, MAIL])) == 132


@pytest.mark.parametrize("edit,message", [
    (lambda m: m["message"]["to"].pop(), r"Expected 2 items for array type Person\[2\], got 1 items"),
    (lambda m: m["message"].pop("contents"), "missing field 'contents'"),
    (lambda m: m.update(primaryType="Letter"), "primaryType 'Letter'"),
    (lambda m: m["message"].update(to={"name": "x"}), "expected an array"),
])
def test_mismatched_documents_are_refused(signer, edit, message):
    api, who = signer
    bad = copy.deepcopy(MAIL)
    edit(bad)
    with pytest.raises(RPCError, match="^-32602: invalid typed data: .*" + message):
        api.request("eth_signTypedData_v4", [who, bad])


def test_evm_revert_answers_true_as_anvil(signer):
    api, _ = signer
    sid = api.request("evm_snapshot", [])
    assert api.request("evm_revert", [sid]) is True
    assert api.request("evm_revert", [sid]) is False  # used up
