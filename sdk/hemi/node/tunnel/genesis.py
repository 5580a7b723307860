"""The Bitcoin tunnel in the devchain's genesis state: runtime code, storage and the simulated operator.

hemiBTC and the BitcoinTunnelManager sit at their Hemi mainnet addresses (hemilabs/hemi-viem
src/contracts/bitcoin-tunnel-manager.ts, hemilabs/token-list src/hemi.tokenlist.json) for every chain id, so contracts
and clients that hard-code Hemi's addresses work unchanged. Vault 0 (a SimpleBitcoinVault, LIVE, with its
SimpleBitcoinVaultState child), GlobalConfig, the collateral token, the UTXO logic helper and the two vault factories
sit at hemi-sdk addresses ``0x84…b7``-``0x84…bd`` (Hemi creates vaults at addresses of its own).

Instead of running the set-up transactions at start-up (GlobalConfig.initialize, createVault, the operator's collateral
deposit, custody address and goLive: several L2 blocks and EVM runs on every ``Devchain()``), the genesis state holds
the storage they leave behind, slot for slot; ``tests/node/tunnel/test_genesis.py`` runs the real calls on a bare
devchain and checks the storage is identical (up to the addresses CREATE picked there).

The operator is simulated: its Bitcoin custody key is the deterministic TEST-ONLY wallet ``"tunnel-operator"`` of
the Bitcoin chain (``dev.btc.wallet("tunnel-operator")``, so the seed fixes it) and its EVM account is the address
of the same secp256k1 key, funded in genesis so it can send transactions. It is also GlobalConfig's admin. The
custody script is the wallet's P2WPKH script.
"""

from __future__ import annotations

from functools import lru_cache

from eth_keys import keys
from eth_utils import keccak

from hemi import constants
from hemi.btc.chain import BitcoinChain
from hemi.btc.keys import TestKey, derive_secret
from hemi.btc.script import p2wpkh_script
from hemi.compiler import shipped
from hemi.hvm.engine import GenesisAccount
from hemi.hvm.registry import to_address
from hemi.node.accounts import DevAccount

# addresses (contracts/tunnel/TunnelConstants.sol)
TUNNEL_MANAGER_ADDRESS = constants.TUNNEL_MANAGER_ADDRESS  # Hemi mainnet BitcoinTunnelManager
HEMI_BTC_ADDRESS = constants.HEMI_BTC_ADDRESS  # Hemi mainnet hemiBTC
VAULT_ADDRESS = "0x84000000000000000000000000000000000000B7"  # hemi-sdk's choice, not a Hemi address
VAULT_STATE_ADDRESS = "0x84000000000000000000000000000000000000b8"
GLOBAL_CONFIG_ADDRESS = "0x84000000000000000000000000000000000000b9"
COLLATERAL_TOKEN_ADDRESS = "0x84000000000000000000000000000000000000Ba"
UTXO_LOGIC_HELPER_ADDRESS = "0x84000000000000000000000000000000000000bb"
VAULT_FACTORY_ADDRESS = "0x84000000000000000000000000000000000000Bc"
VAULT_STATE_FACTORY_ADDRESS = "0x84000000000000000000000000000000000000bD"
VAULT_INDEX = 0
# hBK (BitcoinKit v1 on Hemi mainnet, hemilabs/docs tooling/contract-addresses.md), through which the contracts read
# Bitcoin; the devchain predeploys it at this address (the same value as hemi.node.devchain.HBK_ADDRESS)
BITCOIN_KIT_ADDRESS = "0x7007dd1C09527B92AEcd8Ae6570B73d09E0B8F12"

# vault rules (SimpleBitcoinVault constants, from hemilabs/bitcoin-tunnel-contracts SimpleBitcoinVault.sol)
MIN_BITCOIN_CONFIRMATIONS = constants.TUNNEL_MIN_BITCOIN_CONFIRMATIONS  # as hBK's getTxConfirmations counts them
MINIMUM_DEPOSIT_SATS = constants.TUNNEL_MINIMUM_DEPOSIT_SATS
MINIMUM_WITHDRAWAL_SATS = constants.TUNNEL_MINIMUM_WITHDRAWAL_SATS
WITHDRAWAL_GRACE_PERIOD_SECONDS = constants.TUNNEL_WITHDRAWAL_GRACE_PERIOD_SECONDS
MAX_WITHDRAWAL_QUEUE_SIZE = constants.TUNNEL_MAX_WITHDRAWAL_QUEUE_SIZE
MAX_DEPOSIT_OUTPUT_INDEX = 8
MIN_WITHDRAWAL_SCRIPT_LENGTH, MAX_WITHDRAWAL_SCRIPT_LENGTH = 20, 64
# vault 0's fees and thresholds: the config's minimums (GlobalConfig.sol constants), as a new vault starts
DEPOSIT_FEE_BPS = WITHDRAWAL_FEE_BPS = 10
MIN_DEPOSIT_FEE_SATS = MIN_WITHDRAWAL_FEE_SATS = 10_000
SOFT_COLLATERALIZATION_THRESHOLD, HARD_COLLATERALIZATION_THRESHOLD = 150, 120
MIN_COLLATERAL_ASSET_AMOUNT = 10_000 * 10**18
# collateral: a price of 100,000 tokens per BTC and 1,000,000,000 tokens posted cover 6,666 BTC of deposits at 150 %
COLLATERAL_PER_BTC = 100_000 * 10**18
GENESIS_COLLATERAL = 1_000_000_000 * 10**18
STATUS_NAMES = ("CREATED", "INITIALIZING", "LIVE", "CLOSING_INIT", "CLOSING_VERIF", "CLOSED")
STATUS_LIVE = 2

OPERATOR_WALLET = "tunnel-operator"
OPERATOR_BALANCE = 1_000 * 10**18  # wei: gas for the operator's transactions

# runtime code placed in genesis, by address
GENESIS_CODE = {
    HEMI_BTC_ADDRESS: "HemiBitcoin", TUNNEL_MANAGER_ADDRESS: "BitcoinTunnelManager",
    VAULT_ADDRESS: "SimpleBitcoinVault", VAULT_STATE_ADDRESS: "SimpleBitcoinVaultState",
    GLOBAL_CONFIG_ADDRESS: "GlobalConfig", COLLATERAL_TOKEN_ADDRESS: "TunnelCollateral",
    UTXO_LOGIC_HELPER_ADDRESS: "SimpleBitcoinVaultUTXOLogicHelper", VAULT_FACTORY_ADDRESS: "SimpleBitcoinVaultFactory",
    VAULT_STATE_FACTORY_ADDRESS: "SimpleBitcoinVaultStateFactory",
}


def mapping_slot(key: bytes, slot: int) -> int:
    """Solidity's storage slot of ``mapping[key]`` for a mapping at ``slot`` (``key`` already 32 bytes)."""
    return int.from_bytes(keccak(key.rjust(32, b"\0") + slot.to_bytes(32, "big")), "big")


def _addr_key(address: str) -> bytes:
    return bytes(to_address(address)).rjust(32, b"\0")


@lru_cache(maxsize=64)
def _operator(seed: int) -> tuple[DevAccount, bytes]:
    """(EVM account, P2WPKH custody script) of the operator key under ``seed``: the key of the Bitcoin wallet
    ``OPERATOR_WALLET`` (hemi.btc.keys derives it from seed and name alone). Cached: every Devchain() needs it."""
    key = TestKey(derive_secret(seed, OPERATOR_WALLET))
    account = DevAccount(keys.PrivateKey(key.secret).public_key.to_checksum_address(), key.secret)
    return account, p2wpkh_script(key.pubkey_hash)


def operator_account(btc: BitcoinChain) -> DevAccount:
    """The simulated operator's EVM account: the address of its Bitcoin custody key (TEST-ONLY, from the seed)."""
    return _operator(btc.seed)[0]


def custody_script(btc: BitcoinChain) -> bytes:
    """The vault's custody scriptPubKey: the operator wallet's P2WPKH script (``btc.wallet(OPERATOR_WALLET)``)."""
    return _operator(btc.seed)[1]


def _bytes_storage(slot: int, data: bytes) -> dict[int, int]:
    """Solidity's storage encoding of a ``bytes``/``string`` state variable at ``slot``."""
    if len(data) < 32:  # short form: data left-aligned, length * 2 in the lowest byte
        return {slot: int.from_bytes(data.ljust(31, b"\0") + bytes([len(data) * 2]), "big")}
    out = {slot: len(data) * 2 + 1}
    base = int.from_bytes(keccak(slot.to_bytes(32, "big")), "big")
    for i in range(0, len(data), 32):
        out[base + i // 32] = int.from_bytes(data[i:i + 32].ljust(32, b"\0"), "big")
    return out


def custody_address(btc: BitcoinChain) -> str:
    """Vault 0's custody address (regtest bech32 P2WPKH of the operator wallet)."""
    return str(btc.wallet(OPERATOR_WALLET).address)


def genesis_storage(btc: BitcoinChain) -> dict[str, dict[int, int]]:
    """Storage of the genesis contracts, by address: what the set-up transactions leave (see the module docstring).
    Slot numbers follow the declaration order of the contracts' state variables."""
    script = custody_script(btc)
    operator = int(operator_account(btc), 16)
    vault, state = int(VAULT_ADDRESS, 16), int(VAULT_STATE_ADDRESS, 16)
    manager = {mapping_slot(bytes(32), 0): vault,  # vaults[0]
               mapping_slot(_addr_key(VAULT_ADDRESS), 1): 1,  # vaultList[vault]
               2: 1}  # vaultCounter
    config = {0: operator,  # admin (the four pause/whitelist bools share its slot: all false)
              3: COLLATERAL_PER_BTC,  # collateralAtomicUnitsPerBTC
              mapping_slot(keccak(script), 4): 1}  # custodyScriptHashUsed[keccak(custody script)]
    collateral = {0: GENESIS_COLLATERAL, mapping_slot(_addr_key(VAULT_ADDRESS), 1): GENESIS_COLLATERAL}
    vault_storage = {0: operator, 2: state, 3: MIN_COLLATERAL_ASSET_AMOUNT,
                     **_bytes_storage(4, custody_address(btc).encode()),
                     5: int.from_bytes(keccak(script), "big"),
                     11: STATUS_LIVE | (1 << 8)}  # vaultStatus LIVE | custodyAddressSet
    state_storage = {0: operator, 1: vault, 2: SOFT_COLLATERALIZATION_THRESHOLD, 5: HARD_COLLATERALIZATION_THRESHOLD,
                     6: MIN_DEPOSIT_FEE_SATS, 9: DEPOSIT_FEE_BPS, 12: MIN_WITHDRAWAL_FEE_SATS, 15: WITHDRAWAL_FEE_BPS,
                     30: GENESIS_COLLATERAL}  # depositedCollateralBalance
    return {TUNNEL_MANAGER_ADDRESS: manager, GLOBAL_CONFIG_ADDRESS: config, COLLATERAL_TOKEN_ADDRESS: collateral,
            VAULT_ADDRESS: vault_storage, VAULT_STATE_ADDRESS: state_storage}


def tunnel_alloc(btc: BitcoinChain, artifacts: dict[str, str]) -> dict[bytes, GenesisAccount]:
    """Genesis accounts of the tunnel: the contracts, set up, and the funded operator account.

    ``artifacts`` maps the contract names of :data:`GENESIS_CODE` to their runtime code (0x-hex)."""
    storage = genesis_storage(btc)
    # nonce 1, as any contract has after EIP-161 (the factories CREATE from it)
    alloc = {to_address(addr): GenesisAccount(nonce=1, code=bytes.fromhex(artifacts[name].removeprefix("0x")),
                                              storage=storage.get(addr, {}))
             for addr, name in GENESIS_CODE.items()}
    alloc[to_address(operator_account(btc))] = GenesisAccount(balance=OPERATOR_BALANCE)
    return alloc


@lru_cache(maxsize=1)
def shipped_runtime_code() -> dict[str, str]:
    """Runtime code of the genesis tunnel contracts from the shipped artifacts (read once per process: they ship
    with the package and do not change while it runs)."""
    return {name: shipped.load(name).deployed_bytecode for name in GENESIS_CODE.values()}
