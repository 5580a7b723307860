"""Determinism: the same seed gives byte-identical blocks, txids and addresses in separate processes."""

from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = r"""
import json
from hemi.btc import BitcoinChain, COIN
btc = BitcoinChain(seed=SEED)
alice, bob = btc.wallet("alice"), btc.wallet("bob")
btc.mine(101, to=alice.address)
ids = [str(alice.send(a, COIN, op_return=b"x")) for a in bob.addresses.values()]
btc.mine(1)
ids.append(str(bob.send(alice.addresses["p2tr"], 3 * COIN)))
btc.mine(1)
btc.reorg(2)
print(json.dumps({"tip": str(btc.tip), "ids": ids, "addresses": bob.addresses,
                  "blocks": [btc.block(h).serialize().hex() for h in range(btc.height - 3, btc.height + 1)]}))
"""


def run(seed: int) -> dict:
    out = subprocess.run([sys.executable, "-c", SCRIPT.replace("SEED", str(seed))], capture_output=True, text=True,
                         check=True, env={"PYTHONHASHSEED": "random", "PATH": ""})
    return json.loads(out.stdout)


def test_two_processes_give_identical_chains():
    a, b = run(0), run(0)
    assert a == b
    assert run(1)["tip"] != a["tip"]
