"""Network parameters every layer shares: addresses, gas figures, intervals and defaults, each with its source.

Plain values only (int, bytes, str), so that any layer can import this module without pulling anything in. A value
that belongs to one module alone stays in that module; a value two layers need lives here.
"""

from __future__ import annotations

# -- Bitcoin (regtest) -------------------------------------------------------------------------------------------

# -- hVM: precompiles and system contracts -----------------------------------------------------------------------

# The root of an empty Merkle-Patricia trie, keccak256(rlp(b"")): a block's transactions or receipts root when it has
# none (ethereum/go-ethereum core/types/hashes.go EmptyRootHash)
EMPTY_TRIE_ROOT = bytes.fromhex("56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421")

# -- Hemi protocol: keystones, PoP, finality ---------------------------------------------------------------------

# -- BTC tunnel --------------------------------------------------------------------------------------------------

# -- devchain defaults -------------------------------------------------------------------------------------------
