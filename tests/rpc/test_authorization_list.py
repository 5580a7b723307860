"""eth_sendTransaction with an EIP-7702 ``authorizationList`` builds a type-4 set-code transaction (EIP-7702; the
request shape is ethereum/execution-apis ``GenericTransaction.authorizationList``); malformed lists and a fork
without type 4 are refused with -32602 before anything is sent."""

from __future__ import annotations

import pytest
from eth_account import Account

from hemi.devchain import Devchain
from hemi.rpc import RPCError

DELEGATION_PREFIX = bytes.fromhex("ef0100")  # EIP-7702's delegation designation


def _auth(dev, key, target: str, nonce: int) -> dict:
    signed = Account.sign_authorization({"chainId": dev.config.chain_id, "address": target, "nonce": nonce}, key)
    return {"chainId": hex(signed.chain_id), "address": target, "nonce": hex(signed.nonce),
            "yParity": hex(signed.y_parity), "r": hex(signed.r), "s": hex(signed.s)}


def test_send_transaction_with_an_authorization_list_sets_and_resets_the_delegation():
    dev = Devchain()
    api = dev.w3.provider.api
    sender, authority = dev.accounts[0], dev.accounts[1]
    target = str(dev.accounts[5])
    nonce = dev.w3.eth.get_transaction_count(authority)
    h = api.request("eth_sendTransaction", [{"from": str(sender), "to": str(sender), "authorizationList": [
        _auth(dev, authority.private_key, target, nonce)]}])
    assert api.request("eth_getTransactionByHash", [h])["type"] == "0x4"
    assert bytes(dev.w3.eth.get_code(authority)) == DELEGATION_PREFIX + bytes.fromhex(target[2:])
    api.request("eth_sendTransaction", [{"from": str(sender), "to": str(sender), "authorizationList": [
        _auth(dev, authority.private_key, "0x" + "00" * 20, nonce + 1)]}])
    assert bytes(dev.w3.eth.get_code(authority)) == b""  # delegating to the zero address clears it


@pytest.mark.parametrize("change, message", [
    (lambda a: {k: v for k, v in a.items() if k != "r"}, "lacks 'r'"),
    (lambda a: dict(a, nonce="ten"), "authorization nonce"),
])
def test_a_malformed_authorization_is_invalid_params(change, message):
    dev = Devchain()
    api = dev.w3.provider.api
    good = _auth(dev, dev.accounts[1].private_key, str(dev.accounts[5]), 0)
    head = dev.engine.head_number
    with pytest.raises(RPCError, match=message) as err:
        api.request("eth_sendTransaction", [{"from": str(dev.accounts[0]), "to": str(dev.accounts[0]),
                                             "authorizationList": [change(good)]}])
    assert err.value.code == -32602 and dev.engine.head_number == head


def test_gas_price_or_an_older_fork_is_refused():
    for dev, fields, message in ((Devchain(), {"gasPrice": hex(2 * 10**9)}, "not gasPrice"),
                                 (Devchain(evm_fork="cancun"), {}, "needs the Prague fork")):
        api = dev.w3.provider.api
        auth = _auth(dev, dev.accounts[1].private_key, str(dev.accounts[5]), 0)
        with pytest.raises(RPCError, match=message) as err:
            api.request("eth_sendTransaction", [dict({"from": str(dev.accounts[0]), "to": str(dev.accounts[0]),
                                                      "authorizationList": [auth]}, **fields)])
        assert err.value.code == -32602 and dev.engine.head_number == 0
