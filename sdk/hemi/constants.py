"""Network parameters every layer shares: addresses, gas figures, intervals and defaults, each with its source.

Plain values only (int, bytes, str), so that any layer can import this module without pulling anything in. A value
that belongs to one module alone stays in that module; a value two layers need lives here.
"""

from __future__ import annotations

# -- Bitcoin (regtest) -------------------------------------------------------------------------------------------

# -- hVM: precompiles and system contracts -----------------------------------------------------------------------

# -- Hemi protocol: keystones, PoP, finality ---------------------------------------------------------------------

HBK_ADDRESS = "0x7007dd1C09527B92AEcd8Ae6570B73d09E0B8F12"  # BitcoinKit v1 on Hemi mainnet (hemilabs/docs ``tooling/contract-addresses.md``)
KEYSTONE_INTERVAL = 25  # hemi.KeystoneHeaderPeriod (hemilabs/heminetwork hemi/hemi.go)
SUPERFINALITY_THRESHOLD = 10  # effective confirmations (hemilabs/heminetwork api/bfgapi: BitcoinSuperFinality)
POP_PAYOUT_DELAY = 200  # PoPPayoutDelay: keystone N pays the miners of keystone N - delay (op-node, 2024)
# the devchain's PoP payout receiver (contracts/op/PoPPayouts.sol); the deployed PoPPayoutsV2 address is not published
POP_PAYOUTS_ADDRESS = bytes.fromhex("5050000000000000000000000000000000000000")
L2_BLOCK_TIME = 12  # seconds per L2 block on Hemi (op-node rollup config block_time)

# -- BTC tunnel --------------------------------------------------------------------------------------------------

# -- devchain defaults -------------------------------------------------------------------------------------------

DEFAULT_CHAIN_ID = 31337  # anvil's and Hardhat's local id; not Hemi mainnet (43111) or testnet (743111)
DEFAULT_GENESIS_TIMESTAMP = 1_735_689_600  # 2025-01-01T00:00:00Z: fixed, so block hashes never depend on the clock
