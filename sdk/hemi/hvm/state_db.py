"""py-evm's account and storage databases with their tries written in batches (:mod:`hemi.hvm.trie_batch`).

py-evm's :class:`~eth.db.account.AccountDB` builds its account trie, and each :class:`~eth.db.storage.AccountStorageDB`
its storage trie, in its constructor; these subclasses put a :class:`~hemi.hvm.trie_batch.BatchedHexaryTrie` in their
place, so a block's account and slot writes reach the tries as one batch each when the state root is computed. The
journals, caches and access logs around the tries are py-evm's, rebuilt around the new trie exactly as py-evm
layers them; what the state reads and the roots it computes are unchanged (tests/hvm/test_state_db.py compares
them with stock py-evm). The devchain's VM uses :class:`BatchedAccountDB` (:func:`hemi.hvm.vm.vm_class`), and the fork
mode's remote-backed databases (:mod:`hemi.hvm.fork_state`) derive from these.
"""

from __future__ import annotations

from typing import Any

import rlp
from eth.constants import BLANK_ROOT_HASH
from eth.db.accesslog import KeyAccessLoggerDB
from eth.db.account import AccountDB
from eth.db.backends.memory import MemoryDB
from eth.db.batch import BatchDB
from eth.db.cache import CacheDB
from eth.db.hash_trie import HashTrie
from eth.db.journal import JournalDB
from eth.db.storage import CLEAR_COUNT_KEY_NAME, AccountStorageDB, StorageLookup
from eth.rlp.accounts import Account
from eth.vm.interrupt import MissingStorageTrieNode

from hemi.hvm.trie_batch import BatchedHexaryTrie, rlp_encode, rlp_uint


class _Account(Account):
    """py-evm's account whose ``copy`` builds the new account from its four fields: py-evm's deep-copies each, and
    every balance or nonce change copies an account."""

    def copy(self, *args: Any, **changes: Any) -> _Account:
        if args:
            return super().copy(*args, **changes)  # type: ignore[no-any-return]
        return _Account(changes.get("nonce", self.nonce), changes.get("balance", self.balance),
                        changes.get("storage_root", self.storage_root), changes.get("code_hash", self.code_hash))


_EMPTY_ACCOUNT = _Account()


class BatchedStorageLookup(StorageLookup):
    """py-evm's slot -> trie lookup, writing into a batched trie."""

    def _get_write_trie(self) -> Any:
        if self._trie_nodes_batch is None:
            self._trie_nodes_batch = BatchDB(self._db, read_through_deletes=True)
        if self._write_trie is None:
            self._write_trie = BatchedHexaryTrie(self._trie_nodes_batch, root_hash=self._starting_root_hash)
        return self._write_trie

    def _get_read_trie(self) -> Any:
        if self._write_trie is not None:
            return self._write_trie
        return BatchedHexaryTrie(self._db, root_hash=self._starting_root_hash)  # for its cache of decoded nodes

    def commit_to(self, db: Any) -> None:
        if self._write_trie is not None:
            self._write_trie.root_hash  # noqa: B018 - applies the batch: its nodes must be in the batch committed
        super().commit_to(db)


class BatchedStorageDB(AccountStorageDB):
    """One account's storage over a :class:`BatchedStorageLookup` (the layers above it as py-evm's own)."""

    def __init__(self, db: Any, storage_root: Any, address: Any) -> None:
        # py-evm's own __init__ (AccountStorageDB) sets these fields with its lookup under the same layers; calling it
        # built them twice, for every account whose storage a block touched (tests/hvm/test_state_db.py checks the
        # fields are py-evm's)
        self._address = address
        self._storage_lookup = BatchedStorageLookup(db, storage_root, address)
        self._storage_cache = CacheDB(self._storage_lookup)
        self._locked_changes = JournalDB(self._storage_cache)
        self._journal_storage = JournalDB(self._locked_changes)
        self._accessed_slots: set[int] = set()
        self._clear_count = JournalDB(MemoryDB({CLEAR_COUNT_KEY_NAME: b"\x00"}))  # py-evm's to_bytes(0)

    # py-evm's get and set, a slot's value RLP-encoded and decoded directly: through rlp's generic codec (sedes
    # inference, type checks) those were a third of an SSTORE's cost, and L1Block's deposit makes nine a block
    def get(self, slot: int, from_journal: bool = True) -> int:
        self._accessed_slots.add(slot)
        lookup_db = self._journal_storage if from_journal else self._locked_changes
        try:
            encoded = lookup_db[slot.to_bytes((slot.bit_length() + 7) // 8 or 1, "big")]
        except MissingStorageTrieNode:
            raise
        except KeyError:
            return 0
        return decode_slot_value(encoded)

    def set(self, slot: int, value: int) -> None:
        if value:
            self._journal_storage[slot.to_bytes((slot.bit_length() + 7) // 8 or 1, "big")] = encode_slot_value(value)
        else:
            super().set(slot, value)


def encode_slot_value(value: int) -> bytes:
    """``rlp.encode(value)`` for a storage value (1 to 2**256 - 1)."""
    raw = rlp_uint(value)
    return raw if value < 0x80 else bytes((0x80 + len(raw),)) + raw


def decode_slot_value(encoded: bytes) -> int:
    """``rlp.decode(encoded, sedes=big_endian_int)``, b"" (a deleted slot) as 0; anything but the canonical encoding
    of a value up to 32 bytes goes to rlp, which raises its own error."""
    n = len(encoded)
    if n == 0:
        return 0
    first = encoded[0]
    if n == 1:
        if 0 < first < 0x80:  # a zero byte is not an integer's encoding (0 is b"\x80"), as rlp says
            return first
    elif first == 0x7F + n and n <= 33 and encoded[1] and (n > 2 or encoded[1] >= 0x80):
        return int.from_bytes(encoded[1:], "big")
    return int(rlp.decode(encoded, sedes=rlp.sedes.big_endian_int))


class BatchedAccountDB(AccountDB):
    """py-evm's account database over a batched account trie, its accounts' storage in :class:`BatchedStorageDB`."""

    storage_class: type[AccountStorageDB] = BatchedStorageDB

    def __init__(self, db: Any, state_root: Any = BLANK_ROOT_HASH) -> None:
        super().__init__(db, state_root)
        self._trie = HashTrie(BatchedHexaryTrie(self._batchtrie, state_root))
        self._trie_logger = KeyAccessLoggerDB(self._trie, log_missing_keys=False)
        self._trie_cache = CacheDB(self._trie_logger)
        self._journaltrie = JournalDB(self._trie_cache)

    def _get_account(self, address: Any, from_journal: bool = True) -> Account:
        # py-evm's, the account decoded into an _Account
        if from_journal and address in self._account_cache:
            return self._account_cache[address]
        encoded = self._get_encoded_account(address, from_journal)
        if encoded:  # py-evm's sedes decoding, without its per-field checks: the engine wrote this RLP itself
            nonce, balance, storage_root, code_hash = rlp.decode(encoded)
            account = _Account(int.from_bytes(nonce, "big"), int.from_bytes(balance, "big"), storage_root, code_hash)
        else:
            account = _EMPTY_ACCOUNT
        if from_journal:
            self._account_cache[address] = account
        return account

    def _set_account(self, address: Any, account: Account) -> None:
        # py-evm's, the account's RLP made directly from its four fields
        self._account_cache[address] = account
        self._journaltrie[address] = rlp_encode([rlp_uint(account.nonce), rlp_uint(account.balance),
                                                 account.storage_root, account.code_hash])

    def touch_account(self, address: Any) -> None:
        # py-evm writes the account back as it is, so that an account that does not exist comes to exist (empty);
        # one that exists is left alone: the same value, one encoding and journal entry fewer
        if self._get_encoded_account(address, True):
            return
        super().touch_account(address)

    def _get_address_store(self, address: Any) -> Any:
        store = self._account_stores.get(address)
        if store is None:
            store = self.storage_class(self._raw_store_db, self._get_storage_root(address), address)
            self._account_stores[address] = store
        return store
