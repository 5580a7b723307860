"""The shape of hemi.btc: the node's parts (chain state, consensus, mempool, miner, reorgs, snapshots, wallet) share
a NodeContext and never import the BitcoinChain facade, so every dependency inside the package points one way."""

from __future__ import annotations

import ast
from pathlib import Path

import hemi.btc

BTC = Path(hemi.btc.__file__).parent
FACE = {"__init__.py", "chain.py"}  # the facade and the package's public names


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, type-checking-only imports included."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return out


def test_no_part_of_the_node_imports_the_facade():
    parts = [p for p in BTC.glob("*.py") if p.name not in FACE]
    assert {p.stem for p in parts} >= {"chainstate", "consensus", "mempool", "mempool_accept", "miner", "reorg",
                                       "snapshots", "wallet", "context"}
    offenders = {p.name for p in parts if "hemi.btc.chain" in imported_modules(p)}
    assert offenders == set()


def test_chain_state_knows_nothing_of_the_mempool_or_the_miner():
    """Moving the tip returns the disconnected blocks; repairing the mempool is reorg.py's job."""
    mods = imported_modules(BTC / "chainstate.py")
    assert not {m for m in mods if m.split(".")[:3] in (["hemi", "btc", "mempool"], ["hemi", "btc", "mempool_accept"],
                                                         ["hemi", "btc", "miner"], ["hemi", "btc", "reorg"],
                                                         ["hemi", "btc", "context"], ["hemi", "btc", "wallet"])}
