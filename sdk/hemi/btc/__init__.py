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
