"""Foundry's cast on the JSON-RPC methods of issue 15 (eth_getProof, eth_createAccessList, debug tracers), over the
devchain server; the results are checked against the devchain's own state (tests/rpc/mpt_verify.py re-walks the
proof independently)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import rlp
from test_real_clients import cast

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "rpc"))
from mpt_verify import verify  # the proof checker lives with the rpc tests


def test_cast_proof_verifies_against_the_state_root(cast_bin, server):
    """cast proof <address> <slot>: eth_getProof; its account proof and storage proof verify with our checker."""
    target = "0x" + "cd" * 20
    with server.lock:
        server.api.request("anvil_setStorageAt", [target, "0x3", "0x" + (77).to_bytes(32, "big").hex()])
        server.api.request("evm_mine", [])
        root = bytes.fromhex(server.api.request("eth_getBlockByNumber", ["latest", False])["stateRoot"][2:])
    out = json.loads(cast(cast_bin, server, "proof", target, "3").stdout)
    account = rlp.decode(verify(root, bytes.fromhex(target[2:]), [bytes.fromhex(n[2:]) for n in out["accountProof"]]))
    (slot,) = out["storageProof"]
    value = verify(account[2], (3).to_bytes(32, "big"), [bytes.fromhex(n[2:]) for n in slot["proof"]])
    assert rlp.decode(value, sedes=rlp.sedes.big_endian_int) == 77 == int(slot["value"], 16)
