"""Dev accounts from a BIP 39 mnemonic, derived as anvil and Hardhat do (m/44'/60'/0'/0/i).

TEST-ONLY: the default mnemonic is public; the keys it gives are everyone's.
"""

from __future__ import annotations

from functools import cached_property, lru_cache

from eth_keys.datatypes import PrivateKey

DEFAULT_MNEMONIC = "test test test test test test test test test test test junk"  # anvil's and Hardhat's default
DEFAULT_BALANCE = 10_000 * 10**18


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


@lru_cache(maxsize=256)
def derive_account(mnemonic: str, index: int) -> DevAccount:
    from eth_account.hdaccount import key_from_seed  # deferred: as in _seed

    secret = key_from_seed(_seed(mnemonic), f"m/44'/60'/0'/0/{index}")
    return DevAccount(PrivateKey(secret).public_key.to_checksum_address(), secret)


def derive_accounts(mnemonic: str = DEFAULT_MNEMONIC, count: int = 10) -> list[DevAccount]:
    return [derive_account(mnemonic, i) for i in range(count)]
