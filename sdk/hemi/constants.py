"""Network parameters every layer shares: addresses, gas figures, intervals and defaults, each with its source.

Plain values only (int, bytes, str), so that any layer can import this module without pulling anything in. A value
that belongs to one module alone stays in that module; a value two layers need lives here.
"""

from __future__ import annotations

# -- Bitcoin (regtest) -------------------------------------------------------------------------------------------
# None here: the regtest parameters live in hemi.btc.params, next to the python-bitcoinlib SelectParams("regtest")
# call that must run before any of them is read; every layer above hemi.btc imports them from there (as node/pop.py
# does for COINBASE_MATURITY), and no layer below hemi.btc needs one.

# -- hVM: precompiles and system contracts -----------------------------------------------------------------------

# The root of an empty Merkle-Patricia trie, keccak256(rlp(b"")): a block's transactions or receipts root when it has
# none (ethereum/go-ethereum core/types/hashes.go EmptyRootHash)
EMPTY_TRIE_ROOT = bytes.fromhex("56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421")

# -- Hemi protocol: keystones, PoP, finality ---------------------------------------------------------------------

# BitcoinKit v1 on Hemi mainnet (hemilabs/docs ``tooling/contract-addresses.md``)
HBK_ADDRESS = "0x7007dd1C09527B92AEcd8Ae6570B73d09E0B8F12"
KEYSTONE_INTERVAL = 25  # hemi.KeystoneHeaderPeriod (hemilabs/heminetwork hemi/hemi.go)
SUPERFINALITY_THRESHOLD = 10  # effective confirmations (hemilabs/heminetwork api/bfgapi: BitcoinSuperFinality)
POP_PAYOUT_DELAY = 200  # PoPPayoutDelay: keystone N pays the miners of keystone N - delay (op-node, 2024)
# the devchain's PoP payout receiver (contracts/op/PoPPayouts.sol); the deployed PoPPayoutsV2 address is not published
POP_PAYOUTS_ADDRESS = bytes.fromhex("5050000000000000000000000000000000000000")
L2_BLOCK_TIME = 12  # seconds per L2 block on Hemi (op-node rollup config block_time)

# -- BTC tunnel --------------------------------------------------------------------------------------------------
# Hemi mainnet's tunnel addresses (hemilabs/hemi-viem src/contracts/bitcoin-tunnel-manager.ts, hemilabs/token-list
# src/hemi.tokenlist.json); the devchain predeploys the contracts there for every chain id, so clients find them.
TUNNEL_MANAGER_ADDRESS = "0xEAcA824F46c000fB89403846Bb57e6b913321081"  # BitcoinTunnelManager
HEMI_BTC_ADDRESS = "0xAA40c0c7644e0b2B224509571e10ad20d9C4ef28"  # hemiBTC ("Hemi Bitcoin", 8 decimals)
# the deployed vault's rules (hemilabs/bitcoin-tunnel-contracts SimpleBitcoinVault.sol constants)
TUNNEL_MIN_BITCOIN_CONFIRMATIONS = 4  # as hBK's getTxConfirmations counts them
TUNNEL_MINIMUM_DEPOSIT_SATS = 1_000_000
TUNNEL_MINIMUM_WITHDRAWAL_SATS = 1_000_000
TUNNEL_WITHDRAWAL_GRACE_PERIOD_SECONDS = 12 * 3600
TUNNEL_MAX_WITHDRAWAL_QUEUE_SIZE = 5

# -- devchain defaults -------------------------------------------------------------------------------------------

DEFAULT_CHAIN_ID = 31337  # anvil's and Hardhat's local id; not Hemi mainnet (43111) or testnet (743111)
# The most Bitcoin headers a devchain lets one L2 block carry (Hemi carries 8). Every header rides in the block's 0x7C
# transaction, whose gas is the fixed system-transaction budget (1,000,000), and op-geth floors every transaction's gas
# at EIP-7623's calldata price (10 per token, a non-zero byte 4 tokens): at most 4,090 gas per header (its 80 bytes,
# its length and offset words), 23,170 for the rest, so 238 headers fit in the worst case. 200 keeps a margin.
MAX_BTC_HEADERS_PER_BLOCK_LIMIT = 200
DEFAULT_GENESIS_TIMESTAMP = 1_735_689_600  # 2025-01-01T00:00:00Z: fixed, so block hashes never depend on the clock
