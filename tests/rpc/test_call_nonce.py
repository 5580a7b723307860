"""eth_call, eth_estimateGas, eth_createAccessList and debug_traceCall check no nonce, as geth's: they run a message
built with ``skipNonceCheck`` (ethereum/go-ethereum internal/ethapi/api.go ``doCall`` and
``DoEstimateGas``: ``args.ToMessage(baseFee, true, true)``; internal/ethapi/transaction_args.go ``ToMessage``), so a
call at an older block from an account that has sent transactions since, or with any ``nonce`` field, runs; a
contract created by a call gets the address of the state's nonce."""

from __future__ import annotations

import pytest
from eth_utils import to_checksum_address
from rlp import encode

from hemi.devchain import Devchain

# init code returning ADDRESS as its 32-byte output: ADDRESS PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN
RETURNS_OWN_ADDRESS = "0x30600052" "60206000f3"


@pytest.fixture(scope="module")
def chain():
    dev = Devchain()
    a, b = dev.accounts[:2]
    for _ in range(3):
        dev.w3.eth.send_transaction({"from": a, "to": b, "value": 1})
    return dev, a, b


@pytest.mark.parametrize("block", [1, 2, "latest", "pending"])
def test_call_and_estimate_at_any_block_ignore_the_sender_nonce(chain, block) -> None:
    dev, a, b = chain
    api = dev.w3.provider.api
    tag = block if isinstance(block, str) else hex(block)
    assert api.request("eth_call", [{"from": a, "to": b, "value": "0x1"}, tag]) == "0x"
    assert api.request("eth_estimateGas", [{"from": a, "to": b, "value": "0x1"}, tag]) == hex(21_000)
    assert "accessList" in api.request("eth_createAccessList", [{"from": a, "to": b, "value": "0x1"}, tag])
    assert api.request("debug_traceCall", [{"from": a, "to": b, "value": "0x1"}, tag])["failed"] is False


@pytest.mark.parametrize("nonce", ["0x0", "0x63"])
def test_a_given_nonce_is_not_checked(chain, nonce) -> None:
    dev, a, b = chain
    assert dev.w3.provider.api.request("eth_call", [{"from": a, "to": b, "nonce": nonce}]) == "0x"


@pytest.mark.parametrize("block", [1, "latest"])
def test_a_created_contract_gets_the_address_of_the_states_nonce(chain, block) -> None:
    dev, a, _ = chain
    api = dev.w3.provider.api
    tag = block if isinstance(block, str) else hex(block)
    nonce = int(api.request("eth_getTransactionCount", [a, tag]), 16)
    out = api.request("eth_call", [{"from": a, "data": RETURNS_OWN_ADDRESS, "nonce": "0x63"}, tag])
    expected = bytes.fromhex(dev.w3.keccak(encode([bytes.fromhex(a[2:]), nonce])).hex()[-40:])
    assert to_checksum_address(out[-40:]) == to_checksum_address(expected)
