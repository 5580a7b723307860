"""hemi.btc: an embedded Bitcoin regtest chain, in-process, with no bitcoind.

Knows nothing of the EVM (a test enforces it). Start with ``BitcoinChain(seed=0)``. Scripts are verified by
:mod:`hemi.btc.interpreter`, a port of Bitcoin Core's interpreter (``verify_input``); :mod:`hemi.btc.spend` builds
and spends arbitrary P2WSH and taproot script-tree outputs.

Layout, as a Bitcoin Core developer would look for it (dependencies point down the list, never up):
``chain`` (the :class:`BitcoinChain` facade) > ``reorg`` (submitblock, invalidate/reconsider, reorgs) > ``miner`` >
``mempool_accept`` (MemPoolAccept) > ``snapshots`` / ``wallet`` > ``context`` (the parts' shared ``NodeContext``) >
``chainstate`` (block tree, active chain, UTXO set, connect/disconnect) > ``consensus`` (block rules) >
``validation`` (consensus tx checks), ``policy`` (relay policy), ``txrules`` (BIP 68, sigops, scripts), ``rbf``,
``mempool`` (the data structure) > ``verify`` / ``interpreter`` (scripts) > encodings (``tx``, ``script``,
``address``, ``sighash``, ``merkle``, ``blocktools``, ``coins``, ``models``, ``params``). ``rpc`` is the Bitcoin
Core JSON-RPC face over a chain.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hemi.btc.address import address_to_script, is_valid_address, script_to_address
    from hemi.btc.chain import BitcoinChain, MempoolView, Snapshot
    from hemi.btc.interpreter import ALL_FLAGS, MANDATORY_FLAGS, STANDARD_FLAGS
    from hemi.btc.merkle import MerkleProof, verify_merkle_proof
    from hemi.btc.models import Block, ChainTip, Header, MempoolTx, TxInfo, Utxo
    from hemi.btc.params import COIN, COINBASE_MATURITY
    from hemi.btc.sighash import legacy_sighash, segwit_v0_sighash, taproot_sighash
    from hemi.btc.validation import check_transaction
    from hemi.btc.verify import verify_input
    from hemi.btc.wallet import ADDRESS_KINDS, Wallet

__all__ = [
    "ALL_FLAGS", "MANDATORY_FLAGS", "STANDARD_FLAGS", "check_transaction", "legacy_sighash", "segwit_v0_sighash",
    "taproot_sighash", "verify_input",
    "ADDRESS_KINDS", "COIN", "COINBASE_MATURITY", "BitcoinChain", "Block", "ChainTip", "Header", "MempoolTx",
    "MempoolView", "MerkleProof", "Snapshot", "TxInfo", "Utxo", "Wallet", "address_to_script", "is_valid_address",
    "script_to_address", "verify_merkle_proof",
]

# name -> module. Loaded on first use: importing one part of the Bitcoin layer (a devchain imports hemi.btc.chain)
# runs this package first, and the script interpreter, signature hashes and consensus checks re-exported here are
# not needed until a chain validates or signs something.
_LAZY = {
    "address_to_script": "hemi.btc.address", "is_valid_address": "hemi.btc.address",
    "script_to_address": "hemi.btc.address", "BitcoinChain": "hemi.btc.chain", "MempoolView": "hemi.btc.chain",
    "Snapshot": "hemi.btc.chain", "ALL_FLAGS": "hemi.btc.interpreter", "MANDATORY_FLAGS": "hemi.btc.interpreter",
    "STANDARD_FLAGS": "hemi.btc.interpreter", "MerkleProof": "hemi.btc.merkle",
    "verify_merkle_proof": "hemi.btc.merkle", "Block": "hemi.btc.models", "ChainTip": "hemi.btc.models",
    "Header": "hemi.btc.models", "MempoolTx": "hemi.btc.models", "TxInfo": "hemi.btc.models",
    "Utxo": "hemi.btc.models", "COIN": "hemi.btc.params", "COINBASE_MATURITY": "hemi.btc.params",
    "legacy_sighash": "hemi.btc.sighash", "segwit_v0_sighash": "hemi.btc.sighash",
    "taproot_sighash": "hemi.btc.sighash", "check_transaction": "hemi.btc.validation",
    "verify_input": "hemi.btc.verify", "ADDRESS_KINDS": "hemi.btc.wallet", "Wallet": "hemi.btc.wallet",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'hemi.btc' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
