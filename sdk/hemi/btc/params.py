"""Regtest chain parameters, named with their reason.

python-bitcoinlib keeps its chain parameters process-global (``bitcoin.SelectParams``); this is the one place that
selects regtest, so every module of ``hemi.btc`` imports its constants from here.
"""

from __future__ import annotations

import bitcoin

bitcoin.SelectParams("regtest")

GENESIS_BLOCK = bitcoin.params.GENESIS_BLOCK  # the real regtest genesis, 0f9188f1...466e2206
COIN = 100_000_000
REGTEST_NBITS = 0x207FFFFF  # minimum difficulty; no retargeting on regtest (fPowNoRetargeting)
POW_LIMIT = 0x7FFFFF << (8 * (0x20 - 3))  # the target nBits 0x207fffff encodes
BLOCK_VERSION = 0x20000000  # BIP 9 version bits, no deployment signalled
BLOCK_INTERVAL = 600  # simulated seconds between blocks (the 10-minute target spacing)
INITIAL_SUBSIDY = 50 * COIN
SUBSIDY_HALVING_INTERVAL = 150  # regtest halves every 150 blocks, not 210,000
COINBASE_MATURITY = 100  # a coinbase output is spendable 100 blocks after its block
MEDIAN_TIME_SPAN = 11  # a block's time must exceed the median of the previous 11
MAX_BLOCK_WEIGHT = 4_000_000
MAX_FUTURE_BLOCK_TIME = 2 * 60 * 60
WITNESS_COMMITMENT_HEADER = bytes.fromhex("aa21a9ed")  # BIP 141 commitment marker in the coinbase OP_RETURN
WITNESS_RESERVED_VALUE = bytes(32)  # coinbase witness; BIP 141 leaves it free, Bitcoin Core uses zeros

# Address encodings: regtest shares testnet's base58 prefixes and has its own bech32 HRP.
BECH32_HRP = "bcrt"
P2PKH_VERSION = 111
P2SH_VERSION = 196
OTHER_NETWORK_HRPS = {"bc": "mainnet", "tb": "testnet/signet"}
OTHER_NETWORK_BASE58 = {0: "mainnet", 5: "mainnet"}

# Relay policy (Bitcoin Core defaults).
MAX_STANDARD_TX_WEIGHT = 400_000
MIN_STANDARD_TX_NONWITNESS_SIZE = 65
MAX_STANDARD_SCRIPTSIG_SIZE = 1650
MAX_OP_RETURN_RELAY = 83  # bytes of OP_RETURN script (-datacarriersize)
DUST_RELAY_FEE = 3000  # sat/kvB, for the dust threshold
MIN_RELAY_FEE = 1000  # sat/kvB, i.e. 1 sat/vB
DEFAULT_MAX_FEE_RATE = 10_000_000  # sat/kvB (0.10 BTC/kvB): sendrawtransaction's maxfeerate
DEFAULT_ANCESTOR_LIMIT = 25
MAX_MONEY = 21_000_000 * COIN


def block_subsidy(height: int) -> int:
    """The coinbase subsidy at ``height``: 50 BTC, halving every 150 blocks on regtest."""
    halvings = height // SUBSIDY_HALVING_INTERVAL
    return 0 if halvings >= 64 else INITIAL_SUBSIDY >> halvings
