"""The Bitcoin tunnel in the devchain's genesis state: runtime code, storage and the simulated operator.

hemiBTC and the BitcoinTunnelManager sit at their Hemi mainnet addresses and the one SimpleBitcoinVault at a
hemi-sdk address (hemi-protocol.md §3.1, Decisions "Addresses of predeploys"), so contracts that hard-code Hemi's
addresses work unchanged. Code written into genesis runs no constructor, so the contracts take their setup from
one-time ``initialize`` calls: ``SimpleBitcoinVault.initialize(custodyScript, operator)`` and then
``BitcoinTunnelManager.initialize(vault)``. Instead of sending those two transactions at start-up (two L2 blocks
and two EVM runs on every ``Devchain()``), the genesis state holds the storage they leave behind, slot for slot;
``tests/tunnel/test_genesis.py`` runs the real calls on a bare devchain and checks the storage is identical. The
contracts then answer ``initialized() == true`` and refuse a second ``initialize``, as on a live Hemi.

The operator is simulated: its Bitcoin custody key is the deterministic TEST-ONLY wallet ``"tunnel-operator"`` of
the Bitcoin chain (``dev.btc.wallet("tunnel-operator")``, so the seed fixes it) and its EVM account is the address
of the same secp256k1 key, funded in genesis so it can send ``finalizeWithdrawal``. The custody script is the
wallet's P2WPKH script.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from eth_utils import keccak

from hemi.hvm.engine import GenesisAccount
from hemi.hvm.registry import to_address
from hemi.node.accounts import DevAccount

if TYPE_CHECKING:
    from hemi.btc.chain import BitcoinChain

# addresses (contracts/tunnel/TunnelConstants.sol)
TUNNEL_MANAGER_ADDRESS = "0xEAcA824F46c000fB89403846Bb57e6b913321081"  # Hemi mainnet BitcoinTunnelManager
HEMI_BTC_ADDRESS = "0xAA40c0c7644e0b2B224509571e10ad20d9C4ef28"  # Hemi mainnet hemiBTC
VAULT_ADDRESS = "0x84000000000000000000000000000000000000B7"  # hemi-sdk's choice, not a Hemi address
VAULT_INDEX = 0

# limits and defaults (TunnelConstants.sol, SimpleBitcoinVault.DEFAULT_*; hemi-protocol.md §3.1)
MIN_BITCOIN_CONFIRMATIONS = 4  # as hBK's getTxConfirmations counts them
MINIMUM_DEPOSIT_SATS = 1_000_000
MINIMUM_WITHDRAWAL_SATS = 1_000_000
WITHDRAWAL_GRACE_PERIOD_SECONDS = 12 * 3600
MAX_WITHDRAWAL_QUEUE_SIZE = 5
MAX_DEPOSIT_OUTPUT_INDEX = 8
MIN_WITHDRAWAL_SCRIPT_LENGTH, MAX_WITHDRAWAL_SCRIPT_LENGTH = 20, 64
DEFAULT_DEPOSIT_FEE_SATS = 1_000
DEFAULT_WITHDRAWAL_FEE_SATS = 10_000

OPERATOR_WALLET = "tunnel-operator"
OPERATOR_BALANCE = 1_000 * 10**18  # wei: gas for the operator's finalizeWithdrawal calls

# storage slots, in declaration order of the contracts' state variables (checked by tests/tunnel/test_genesis.py)
_VAULT_CUSTODY_SCRIPT = 0  # bytes _custodyScript
_VAULT_CUSTODY_HASH = 1  # bytes32 _custodyScriptHash
_VAULT_OPERATOR_INITIALIZED = 2  # address operator | bool initialized (packed: offset 20)
_VAULT_DEPOSIT_FEE = 3
_VAULT_WITHDRAWAL_FEE = 4
_MANAGER_VAULTS = 0  # mapping(uint32 => address) vaults
_MANAGER_VAULT_COUNTER = 1  # uint32 vaultCounter


@lru_cache(maxsize=64)
def _operator(seed: int) -> tuple[DevAccount, bytes]:
    """(EVM account, P2WPKH custody script) of the operator key under ``seed``: the key of the Bitcoin wallet
    ``OPERATOR_WALLET`` (hemi.btc.keys derives it from seed and name alone). Cached: every Devchain() needs it."""
    from eth_keys import keys

    from hemi.btc.keys import TestKey, derive_secret
    from hemi.btc.script import p2wpkh_script

    key = TestKey(derive_secret(seed, OPERATOR_WALLET))
    account = DevAccount(keys.PrivateKey(key.secret).public_key.to_checksum_address(), key.secret)
    return account, p2wpkh_script(key.pubkey_hash)


def operator_account(btc: "BitcoinChain") -> DevAccount:
    """The simulated operator's EVM account: the address of its Bitcoin custody key (TEST-ONLY, from the seed)."""
    return _operator(btc.seed)[0]


def custody_script(btc: "BitcoinChain") -> bytes:
    """The vault's custody scriptPubKey: the operator wallet's P2WPKH script (``btc.wallet(OPERATOR_WALLET)``)."""
    return _operator(btc.seed)[1]


def _bytes_storage(slot: int, data: bytes) -> dict[int, int]:
    """Solidity's storage encoding of a ``bytes`` state variable at ``slot``."""
    if len(data) < 32:  # short form: data left-aligned, length * 2 in the lowest byte
        return {slot: int.from_bytes(data.ljust(31, b"\0") + bytes([len(data) * 2]), "big")}
    out = {slot: len(data) * 2 + 1}
    base = int.from_bytes(keccak(slot.to_bytes(32, "big")), "big")
    for i in range(0, len(data), 32):
        out[base + i // 32] = int.from_bytes(data[i:i + 32].ljust(32, b"\0"), "big")
    return out


def tunnel_alloc(btc: "BitcoinChain", artifacts: dict[str, str]) -> dict[bytes, GenesisAccount]:
    """Genesis accounts of the tunnel: the three contracts, initialized, and the funded operator account.

    ``artifacts`` maps HemiBitcoin, BitcoinTunnelManager and SimpleBitcoinVault to their runtime code (0x-hex)."""
    script = custody_script(btc)
    operator = operator_account(btc)
    vault_storage = _bytes_storage(_VAULT_CUSTODY_SCRIPT, script)
    vault_storage[_VAULT_CUSTODY_HASH] = int.from_bytes(keccak(script), "big")
    vault_storage[_VAULT_OPERATOR_INITIALIZED] = int(operator, 16) | (1 << 160)
    vault_storage[_VAULT_DEPOSIT_FEE] = DEFAULT_DEPOSIT_FEE_SATS
    vault_storage[_VAULT_WITHDRAWAL_FEE] = DEFAULT_WITHDRAWAL_FEE_SATS
    vaults_0 = int.from_bytes(keccak(VAULT_INDEX.to_bytes(32, "big") + _MANAGER_VAULTS.to_bytes(32, "big")), "big")
    manager_storage = {vaults_0: int(VAULT_ADDRESS, 16), _MANAGER_VAULT_COUNTER: 1}

    def code(name: str) -> bytes:
        return bytes.fromhex(artifacts[name].removeprefix("0x"))

    return {
        to_address(HEMI_BTC_ADDRESS): GenesisAccount(code=code("HemiBitcoin")),
        to_address(TUNNEL_MANAGER_ADDRESS): GenesisAccount(code=code("BitcoinTunnelManager"), storage=manager_storage),
        to_address(VAULT_ADDRESS): GenesisAccount(code=code("SimpleBitcoinVault"), storage=vault_storage),
        to_address(operator): GenesisAccount(balance=OPERATOR_BALANCE),
    }


@lru_cache(maxsize=1)
def shipped_runtime_code() -> dict[str, str]:
    """Runtime code of the three tunnel contracts from the shipped artifacts (read once per process: they ship
    with the package and do not change while it runs)."""
    from hemi.compiler import shipped

    return {name: shipped.load(name).deployed_bytecode
            for name in ("HemiBitcoin", "BitcoinTunnelManager", "SimpleBitcoinVault")}
