"""Dev accounts from a BIP 39 mnemonic, derived as anvil and Hardhat do (m/44'/60'/0'/0/i).

TEST-ONLY: the default mnemonic is public; the keys it gives are everyone's.
"""

from __future__ import annotations

from functools import cached_property, lru_cache

from eth_keys.datatypes import PrivateKey

DEFAULT_MNEMONIC = "test test test test test test test test test test test junk"  # anvil's and Hardhat's default
DEFAULT_BALANCE = 10_000 * 10**18
# The default mnemonic's first accounts (address, private key), as derive_account computes them: every Devchain()
# needs them, and deriving costs a new process about 8 ms of CPU (eth_account loads every BIP 39 word list to detect
# the language, then PBKDF2 and BIP 32). tests/node/test_accounts.py checks the table against the derivation.
_DEFAULT_KEYS = (
    ("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"),
    ("0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"),
    ("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", "5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"),
    ("0x90F79bf6EB2c4f870365E785982E1f101E93b906", "7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6"),
    ("0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65", "47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a"),
    ("0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc", "8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba"),
    ("0x976EA74026E726554dB657fA54763abd0C3a0aa9", "92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e"),
    ("0x14dC79964da2C08b23698B3D3cc7Ca32193d9955", "4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356"),
    ("0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f", "dbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97"),
    ("0xa0Ee7A142d267C1f36714E4a8F75612F20a79720", "2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6"),
)


class DevAccount(str):
    """A checksummed address string that also carries its private key (``acct.private_key``).

    Being a ``str``, it goes wherever web3 expects an address: ``{"from": dev.accounts[0]}``."""

    private_key: bytes

    def __new__(cls, address: str, private_key: bytes) -> DevAccount:
        obj = super().__new__(cls, address)
        obj.private_key = private_key
        return obj

    def __reduce__(self) -> tuple:
        return (type(self), (str(self), self.private_key))

    @property
    def address(self) -> str:
        return str(self)

    @property
    def canonical(self) -> bytes:
        return bytes.fromhex(self.address[2:])

    @cached_property
    def key(self) -> PrivateKey:
        return PrivateKey(self.private_key)  # derives the public key: worth doing once


@lru_cache(maxsize=8)
def _seed(mnemonic: str) -> bytes:
    # deferred: eth_account pulls in eth_keyfile and py_ecc's BLS code (most of a second); only deriving needs it
    from eth_account.hdaccount import seed_from_mnemonic

    return seed_from_mnemonic(mnemonic, "")


def _derive(mnemonic: str, index: int) -> DevAccount:
    """Account ``index`` of ``mnemonic`` by BIP 39 and BIP 32 (m/44'/60'/0'/0/index)."""
    from eth_account.hdaccount import key_from_seed  # deferred: as in _seed

    secret = key_from_seed(_seed(mnemonic), f"m/44'/60'/0'/0/{index}")
    return DevAccount(PrivateKey(secret).public_key.to_checksum_address(), secret)


@lru_cache(maxsize=256)
def derive_account(mnemonic: str, index: int) -> DevAccount:
    if mnemonic == DEFAULT_MNEMONIC and 0 <= index < len(_DEFAULT_KEYS):  # the common case, without deriving
        address, key = _DEFAULT_KEYS[index]
        return DevAccount(address, bytes.fromhex(key))
    return _derive(mnemonic, index)


def derive_accounts(mnemonic: str = DEFAULT_MNEMONIC, count: int = 10) -> list[DevAccount]:
    return [derive_account(mnemonic, i) for i in range(count)]
