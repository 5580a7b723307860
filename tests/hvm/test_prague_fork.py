"""Hemi's EVM fork on the devchain: Prague (EIP-7702, EIP-2537, EIP-2935, EIP-7623) plus RIP-7212's P256VERIFY, and
Cancun still selectable with ``evm_fork="cancun"``."""

from __future__ import annotations

import pytest
from eth_account import Account
from web3.exceptions import ContractLogicError

import hemi
from hemi.errors import HemiValueError

P256 = "0x0000000000000000000000000000000000000100"
# ethereum-optimism/op-geth core/vm/testdata/precompiles/p256Verify.json (from Wycheproof
# ecdsa_secp256r1_sha256_p1363_test.json): #1 "signature malleability" verifies; #3 (r modified by the group order)
# does not. Both cost 3450 gas.
_MSG = "bb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca605023"
_KEY = ("2927b10512bae3eddcfe467828128bad2903269919f7086069c8c4df6c732838"
        "c7787964eaac00e5921fb1498a60f4606766b3d9685001558d1a974e7341513e")
VALID = _MSG + "2ba3a8be6b94d5ec80a6d9d1190a436effe50d85a1eee859b8cc6af9bd5c2e18" \
               "4cd60b855d442f5b3c7b11eb6c4e0ae7525fe710fab9aa7c77a67f79e6fadd76" + _KEY
BAD_R = _MSG + "d45c5740946b2a147f59262ee6f5bc90bd01ed280528b62b3aed5fc93f06f739" \
               "b329f479a2bbd0a5c384ee1493b1f5186a87139cac5df4087c134b49156847db" + _KEY


@pytest.fixture(scope="module")
def dev() -> hemi.Devchain:
    return hemi.Devchain(predeploy_tunnel=False)


def _call(dev: hemi.Devchain, to: str, data: str):
    from hemi.hvm.engine import EvmEngine  # noqa: F401 - the engine's call API

    tx = dev.engine.build_unsigned(nonce=0, gas=1_000_000, to=bytes.fromhex(to[2:]), value=0,
                                   data=bytes.fromhex(data), max_fee=0)
    return dev.engine.call(tx, b"\x11" * 20)


def test_p256verify_accepts_a_wycheproof_signature_and_charges_3450(dev):
    ok = _call(dev, P256, VALID)
    assert ok.success and ok.output == (1).to_bytes(32, "big") and ok.gas_used == 3450
    bad = _call(dev, P256, BAD_R)
    assert bad.success and bad.output == b"" and bad.gas_used == 3450
    short = _call(dev, P256, VALID[:-2])  # 159 bytes: RIP-7212 answers empty, still charging the gas
    assert short.success and short.output == b"" and short.gas_used == 3450
    assert dev.w3.eth.call({"to": P256, "data": "0x" + VALID}) == (1).to_bytes(32, "big")


def test_bls12_381_g1add_of_infinity_is_infinity(dev):
    """EIP-2537 G1ADD (0x0b): 375 gas; the point at infinity plus itself is the point at infinity."""
    res = _call(dev, "0x000000000000000000000000000000000000000b", "00" * 256)
    assert res.success and res.output == b"\x00" * 128 and res.gas_used == 375
    bad = _call(dev, "0x000000000000000000000000000000000000000b", "00" * 255)  # wrong length fails the call
    assert not bad.success


def test_eip2935_history_contract_serves_parent_hashes(dev):
    dev.mine(3)
    head = dev.w3.eth.block_number
    history = "0x0000F90827F1C53a10cb7A02335B175320002935"
    for n in (head - 1, head - 2, 0):
        got = dev.w3.eth.call({"to": history, "data": "0x" + n.to_bytes(32, "big").hex()})
        assert got == dev.w3.eth.get_block(n)["hash"]
    with pytest.raises(ContractLogicError):  # the contract reverts for the current block and later ones
        dev.w3.eth.call({"to": history, "data": "0x" + head.to_bytes(32, "big").hex()})


def test_eip7623_calldata_floor_and_cancun_without_it():
    """100 non-zero calldata bytes to an EOA: 21000 + 16*100 = 22600 on Cancun; EIP-7623's floor
    21000 + 10*4*100 = 25000 on Prague."""
    for fork, expected in (("prague", 25_000), ("cancun", 22_600)):
        d = hemi.Devchain(predeploy_tunnel=False, predeploy_bitcoin_kit=False, evm_fork=fork)
        h = d.w3.eth.send_transaction({"from": d.accounts[0], "to": d.accounts[1], "data": "0x" + "ff" * 100,
                                       "gas": 60_000})
        assert d.w3.eth.get_transaction_receipt(h)["gasUsed"] == expected, fork


def test_the_receipt_pays_the_floor_when_a_refund_is_capped_too():
    """EIP-7623 with a refund: gas used is the larger of the floor and what ran less its refund, the refund capped at a
    fifth of what ran (ethereum/execution-specs ``src/ethereum/prague/fork.py`` ``process_transaction``). 200
    non-zero calldata bytes (floor 21,000 + 10 x 800 = 29,000) call code that clears two slots (34,212 ran, a 9,600
    refund capped at 6,842: 27,370 is under the floor). py-evm's receipt said 28,674 while charging 29,000."""
    dev = hemi.Devchain(predeploy_tunnel=False)
    w3, a = dev.w3, dev.accounts[0]
    clearer = "0x00000000000000000000000000000000000000C0"
    dev.set_code(clearer, "0x60006000556000600155" + "00")  # SSTORE(0, 0); SSTORE(1, 0); STOP
    dev.set_storage(clearer, 0, 1)
    dev.set_storage(clearer, 1, 1)
    before = w3.eth.get_balance(a)
    t = w3.eth.send_transaction({"from": a, "to": clearer, "data": "0x" + "01" * 200, "gas": 100_000})
    receipt = w3.eth.get_transaction_receipt(t)
    assert receipt.gasUsed == 29_000
    assert before - w3.eth.get_balance(a) == 29_000 * receipt.effectiveGasPrice + int(receipt["l1Fee"], 16)


def test_cancun_has_no_p256_or_bls():
    d = hemi.Devchain(predeploy_tunnel=False, predeploy_bitcoin_kit=False, evm_fork="cancun")
    res = _call(d, P256, VALID)
    assert res.success and res.output == b"" and res.gas_used == 0  # an empty account, not a precompile
    assert _call(d, "0x000000000000000000000000000000000000000b", "00" * 256).output == b""


def test_unknown_fork_is_a_typed_error():
    with pytest.raises(HemiValueError, match="evm_fork"):
        hemi.Devchain(evm_fork="osaka")


def test_eip7702_set_code_tx_signed_by_eth_account(dev):
    """A type-4 transaction signed by eth-account delegates an EOA to a contract: its code becomes 0xef0100 ‖ target,
    and the authority's nonce moves."""
    w3 = dev.w3
    target = dev.bitcoin_kit.address  # any contract with code
    eoa = Account.create("7702")
    sponsor = dev.accounts[0]
    auth = Account.sign_authorization({"chainId": w3.eth.chain_id, "address": target, "nonce": 0}, eoa.key)
    tx = {"type": 4, "chainId": w3.eth.chain_id, "nonce": w3.eth.get_transaction_count(sponsor),
          "to": dev.accounts[2], "value": 0, "data": b"", "gas": 100_000, "maxFeePerGas": 10**10,
          "maxPriorityFeePerGas": 0, "authorizationList": [auth]}
    signed = Account.sign_transaction(tx, sponsor.private_key)
    h = w3.eth.send_raw_transaction(signed.raw_transaction)
    receipt = w3.eth.get_transaction_receipt(h)
    assert receipt["status"] == 1 and receipt["type"] == 4
    assert w3.eth.get_code(eoa.address) == b"\xef\x01\x00" + bytes.fromhex(target[2:])
    assert w3.eth.get_transaction_count(eoa.address) == 1  # the authority's nonce moved
    got = w3.eth.get_transaction(h)
    assert got["type"] == 4 and len(got["authorizationList"]) == 1
