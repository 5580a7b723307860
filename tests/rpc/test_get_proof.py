"""eth_getProof (EIP-1186; ethereum/execution-apis src/eth/state.yaml): account and storage proofs that verify
against the block's stateRoot with an independent Merkle-Patricia check (tests/rpc/mpt_verify.py)."""

from __future__ import annotations

import pytest
import rlp
from eth_hash.auto import keccak
from mpt_verify import verify

from hemi.devchain import Devchain
from hemi.rpc import RPCError

CONTRACT = "0x" + "ab" * 20


@pytest.fixture(scope="module")
def api():
    dev = Devchain()
    api = dev.w3.provider.api
    api.request("anvil_setCode", [CONTRACT, "0x6000"])
    for slot in range(40):  # enough slots for branch nodes in the storage trie
        api.request("anvil_setStorageAt", [CONTRACT, hex(slot), "0x" + (slot * 7 + 1).to_bytes(32, "big").hex()])
    api.request("evm_mine", [])
    return api


def _b(h: str) -> bytes:
    return bytes.fromhex(h[2:])


def test_account_and_storage_proofs_verify_against_the_block_state_root(api):
    block = api.request("eth_getBlockByNumber", ["latest", False])
    p = api.request("eth_getProof", [CONTRACT, ["0x0", "0x5", "0x" + "27".rjust(64, "0"), "0x99"], "latest"])
    raw = verify(_b(block["stateRoot"]), _b(CONTRACT), [_b(n) for n in p["accountProof"]])
    nonce, balance, storage_root, code_hash = rlp.decode(raw)
    assert int.from_bytes(balance, "big") == int(p["balance"], 16)
    assert int.from_bytes(nonce, "big") == int(p["nonce"], 16)
    assert "0x" + storage_root.hex() == p["storageHash"] and code_hash == keccak(bytes.fromhex("6000"))
    assert "0x" + code_hash.hex() == p["codeHash"]
    values = {}
    for sp in p["storageProof"]:
        got = verify(storage_root, int(sp["key"], 16).to_bytes(32, "big"), [_b(n) for n in sp["proof"]])
        values[sp["key"]] = 0 if got is None else rlp.decode(got, sedes=rlp.sedes.big_endian_int)
        assert values[sp["key"]] == int(sp["value"], 16)
    assert values == {"0x0": 1, "0x5": 36, "0x" + "27".rjust(64, "0"): 39 * 7 + 1, "0x99": 0}  # 0x99: absent


def test_absent_account_and_older_blocks(api):
    p = api.request("eth_getProof", ["0x" + "12" * 20, ["0x1"], "latest"])
    root = _b(api.request("eth_getBlockByNumber", ["latest", False])["stateRoot"])
    assert verify(root, bytes.fromhex("12" * 20), [_b(n) for n in p["accountProof"]]) is None
    assert p["balance"] == "0x0" and p["nonce"] == "0x0" and p["codeHash"] == "0x" + keccak(b"").hex()
    assert p["storageHash"] == "0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421"
    assert p["storageProof"] == [{"key": "0x1", "value": "0x0", "proof": []}]
    genesis = api.request("eth_getBlockByNumber", ["0x0", False])
    old = api.request("eth_getProof", [CONTRACT, [], "0x0"])
    assert verify(_b(genesis["stateRoot"]), _b(CONTRACT), [_b(n) for n in old["accountProof"]]) is None


def test_a_dev_account_proof_matches_its_balance(api):
    acct = api.request("eth_accounts", [])[0]
    p = api.request("eth_getProof", [acct, [], "latest"])
    root = _b(api.request("eth_getBlockByNumber", ["latest", False])["stateRoot"])
    nonce, balance, _, _ = rlp.decode(verify(root, _b(acct), [_b(n) for n in p["accountProof"]]))
    assert int.from_bytes(balance, "big") == int(api.request("eth_getBalance", [acct, "latest"]), 16)


@pytest.mark.parametrize("keys", ["0x1", ["0x" + "1" * 65], [1], ["zz"]])
def test_bad_keys_are_refused(api, keys):
    with pytest.raises(RPCError, match="-32602"):
        api.request("eth_getProof", [CONTRACT, keys, "latest"])
