"""Fork mode's EVM side: py-evm state that reads a remote chain lazily, and an engine whose blocks continue from it.

The local state trie holds only what the fork wrote. Whatever it does not hold is read from the remote at the fork
block through a :class:`RemoteReader` (hemi.node.fork.remote caches each answer, so each value is fetched once):

- an account absent from the local trie is the remote's (balance, nonce, code; its storage starts empty locally);
- a storage slot absent from the account's local storage trie is the remote's. To tell "never written here" from
  "set to zero here", the fork stores a written zero as an explicit RLP zero (``0x80``) instead of deleting the key,
  and a deleted account as a one-byte tombstone: local state roots therefore differ from the remote's (as in anvil,
  whose fork roots are its own too) but every value the EVM reads is right.

:class:`ForkEngine` is an :class:`~hemi.hvm.engine.EvmEngine` whose base block is the remote's fork block N (its
number, timestamp and hash) over the local state, so the first block it seals is N + 1 with N's hash as parent, as
anvil's fork does; blocks below N (``BLOCKHASH``, old block headers) are built from the remote's headers on demand.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Generic, Protocol, TypeVar, cast, overload

import rlp
from eth.constants import BLANK_ROOT_HASH, EMPTY_SHA3
from eth.db.account import AccountDB
from eth.db.atomic import AtomicDB
from eth.rlp.accounts import Account
from eth.vm.chain_context import ChainContext
from eth.vm.interrupt import MissingBytecode
from eth_utils import int_to_big_endian, keccak

from hemi.errors import HemiValueError
from hemi.hvm.convert import header_record
from hemi.hvm.engine import EvmEngine, GenesisAccount, PrecompileFn
from hemi.hvm.records import Block, BlockRecord
from hemi.hvm.state_db import BatchedAccountDB, BatchedStorageDB

T = TypeVar("T")
TOMBSTONE = b"\x00"  # a deleted account's value in the local trie (no account RLP is one zero byte)
_ZERO = rlp.encode(0)  # a slot written to zero locally (py-evm would delete the key)


class RemoteReader(Protocol):
    """What the fork state needs from the remote, at the fork block (answers cached by the implementation)."""

    number: int

    def account(self, address: bytes) -> tuple[int, int, bytes]: ...  # (balance, nonce, code)

    def storage(self, address: bytes, slot: int) -> int: ...

    def block_fields(self, number: int) -> dict[str, Any]: ...  # eth_getBlockByNumber's header fields

    def at(self, number: int) -> RemoteReader: ...  # the same remote, read at an older block


class _ForkStorage(BatchedStorageDB):
    """An account's storage: local writes (zeros kept as 0x80), else the remote's value, unless wiped here."""

    reader: RemoteReader

    def __init__(self, db: Any, storage_root: Any, address: Any) -> None:
        super().__init__(db, storage_root, address)
        self._wiped = False

    def get(self, slot: int, from_journal: bool = True) -> int:
        self._accessed_slots.add(slot)
        lookup = self._journal_storage if from_journal else self._locked_changes
        try:
            encoded = lookup[int_to_big_endian(slot)]
        except KeyError:
            encoded = b""
        if encoded:
            return int(rlp.decode(encoded, sedes=rlp.sedes.big_endian_int))
        if self._wiped:  # SELFDESTRUCT of a contract made in the same transaction, or a call's full state override
            return 0
        if not self.reader.account(self._address)[2]:  # only code writes storage: an account without code at the
            return 0  # fork block has none there (a contract deployed here, an EOA), so no request for each slot
        return self.reader.storage(self._address, slot)

    def set(self, slot: int, value: int) -> None:
        self._journal_storage[int_to_big_endian(slot)] = rlp.encode(value) if value else _ZERO

    def delete(self) -> None:
        super().delete()
        self._wiped = True


class _ForkAccountDB(BatchedAccountDB):
    """py-evm's account database with the remote behind the local trie (see the module docstring)."""

    reader: RemoteReader
    storage_class: type[_ForkStorage]
    codes: dict[bytes, bytes]  # code hash -> code of the remote accounts read so far

    def _get_encoded_account(self, address: Any, from_journal: bool = True) -> bytes:
        local = super()._get_encoded_account(address, from_journal)
        if local == TOMBSTONE:
            return b""
        if local:
            return bytes(local)
        balance, nonce, code = self.reader.account(bytes(address))
        if not (balance or nonce or code):
            return b""
        code_hash = keccak(code) if code else EMPTY_SHA3
        if code:
            self.codes[code_hash] = code
        return bytes(rlp.encode(Account(nonce, balance, BLANK_ROOT_HASH, code_hash), sedes=Account))

    def get_code(self, address: Any) -> bytes:
        code_hash = self.get_code_hash(address)
        if code_hash == EMPTY_SHA3:
            return b""
        try:
            return bytes(self._journaldb[code_hash])
        except KeyError:
            pass
        code = self.codes.get(code_hash)
        if code is None:
            raise MissingBytecode(code_hash)
        return code

    def touch_account(self, address: Any) -> None:
        AccountDB.touch_account(self, address)  # py-evm's: a remote account or a tombstone is written here as read

    def delete_account(self, address: Any) -> None:
        self._wipe_storage(address)
        self._account_cache.pop(address, None)
        self._journaltrie[address] = TOMBSTONE  # deleting the key would bring the remote's account back


def fork_account_db_class(reader: RemoteReader) -> type[BatchedAccountDB]:
    """An account-database class bound to ``reader`` (one per forked devchain, as its VM classes are)."""
    storage = type("ForkStorage", (_ForkStorage,), {"reader": reader})
    return type("ForkAccountDB", (_ForkAccountDB,), {"reader": reader, "storage_class": storage, "codes": {}})


class OffsetList(Generic[T]):
    """A list whose indices start at ``base``: index i < base is ``below(i)`` (cached), the rest is kept here.

    The fork's blocks and views are numbered as the remote's, from the fork block on, without a slot per older
    block (Hemi mainnet is millions of blocks high)."""

    def __init__(self, base: int, items: list[T], below: Callable[[int], T]) -> None:
        self.base, self._items, self._below = base, items, below

    def __len__(self) -> int:
        return self.base + len(self._items)

    @overload
    def __getitem__(self, i: int) -> T: ...

    @overload
    def __getitem__(self, i: slice) -> list[T]: ...

    def __getitem__(self, i: int | slice) -> T | list[T]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        if i >= self.base:
            return self._items[i - self.base]
        return self._below(i)  # not kept here: a scan of old blocks (eth_getLogs from 0) must not fill memory

    def __delitem__(self, i: slice) -> None:
        start = i.indices(len(self))[0]
        if start < self.base + 1:
            raise IndexError("the fork block and the remote's blocks below it cannot be removed")
        del self._items[start - self.base:]

    def __iter__(self) -> Iterator[T]:
        return (self[i] for i in range(len(self)))

    def append(self, item: T) -> None:
        self._items.append(item)


def _h(v: str | None, default: bytes = b"\x00" * 32) -> bytes:
    return bytes.fromhex(v[2:]) if v else default


def header_from_fields(header_class: type, f: Mapping[str, Any], **replace: Any) -> Any:
    """A py-evm header from an ``eth_getBlockByNumber`` answer, its hash pinned to the remote's (fields a chain
    leaves out, or that py-evm's header class lacks, would otherwise change it)."""
    def n(k: str) -> int:
        return int(f.get(k) or "0x0", 16)

    fields = dict(
        parent_hash=_h(f.get("parentHash")), uncles_hash=_h(f.get("sha3Uncles")), coinbase=_h(f.get("miner"), b""),
        state_root=_h(f.get("stateRoot")), transaction_root=_h(f.get("transactionsRoot")),
        receipt_root=_h(f.get("receiptsRoot")), bloom=n("logsBloom"), difficulty=n("difficulty"),
        block_number=n("number"), gas_limit=n("gasLimit"), gas_used=n("gasUsed"), timestamp=n("timestamp"),
        extra_data=_h(f.get("extraData"), b""), mix_hash=_h(f.get("mixHash")), nonce=_h(f.get("nonce"), b"\x00" * 8),
        base_fee_per_gas=n("baseFeePerGas"), withdrawals_root=_h(f.get("withdrawalsRoot"), BLANK_ROOT_HASH),
        blob_gas_used=n("blobGasUsed"), excess_blob_gas=n("excessBlobGas"),
        parent_beacon_block_root=_h(f.get("parentBeaconBlockRoot")),
    )
    if f.get("requestsHash"):
        fields["requests_hash"] = _h(f["requestsHash"])
    fields.update(replace)
    accepted = set(inspect.signature(header_class).parameters)
    header = header_class(**{k: v for k, v in fields.items() if k in accepted})
    header._hash = _h(f["hash"])  # py-evm caches a header's hash in this attribute
    return header


class _LazyBlock:
    """A block of the remote, loaded on first attribute access (as a :class:`~hemi.hvm.records.Block`)."""

    def __init__(self, load: Callable[[int], Block], number: int) -> None:
        self._load, self._number = load, number

    def __getattr__(self, name: str) -> Any:
        return getattr(self._load(self._number), name)


class ForkEngine(EvmEngine):
    """An engine over ``reader``'s chain at its fork block: see the module docstring.

    ``alloc`` funds accounts without touching the rest of them (the dev accounts keep the remote's nonces and code,
    as anvil's fork funds its dev accounts)."""

    def __init__(self, *, reader: RemoteReader, alloc: Mapping[bytes, GenesisAccount],
                 precompiles: Mapping[bytes, PrecompileFn], **options: Any) -> None:
        self.reader = reader  # before the engine's init: _chain_class binds the state class to it
        self._old_blocks: dict[int, Block] = {}  # blocks below the fork block read so far (headers only)
        fork_fields = reader.block_fields(reader.number)
        options.setdefault("base_fee", int(fork_fields.get("baseFeePerGas") or "0x0", 16))
        super().__init__(alloc={}, precompiles=precompiles,
                         genesis_timestamp=int(fork_fields["timestamp"], 16), **options)
        # the local genesis exists only to give py-evm a chain: the fork block takes its place as the base block,
        # its state the local genesis state plus ``alloc``
        state = self.chain.get_vm(self.evm_header(0)).state
        for address, account in alloc.items():
            state.set_balance(address, account.balance)
            if account.code:
                state.set_code(address, account.code)
            for slot, value in account.storage.items():
                state.set_storage(address, slot, value)
        state.persist()
        header = header_from_fields(self._header_class, fork_fields, state_root=state.state_root,
                                    gas_limit=self.gas_limit, gas_used=0)
        base = BlockRecord(Block(header_record(header), ()))
        self._blocks = OffsetList(reader.number, [base], self._remote_record)  # type: ignore[assignment]
        self._by_hash = {header.hash: reader.number}
        if reader.number:  # BLOCKHASH's window of the first blocks starts at the remote's parent of the fork block
            self._by_hash[header.parent_hash] = reader.number - 1
        self._reset_pending_header()

    def _chain_class(self, precompiles: Mapping[bytes, PrecompileFn]) -> Any:
        chain: Any = super()._chain_class(precompiles)
        state_class = chain.vm_configuration[0][1].get_state_class()  # made for this engine: safe to set on
        state_class.account_db_class = fork_account_db_class(self.reader)
        return chain

    def evm_header(self, number: int) -> Any:
        """As the engine's, with the hash pinned to the record's: the fork block's and older blocks' hashes are the
        remote's, which re-hashing their fields locally would not give (so block N + 1's parent is N's hash)."""
        header = super().evm_header(number)
        header._hash = self._blocks[number].block.hash  # py-evm caches a header's hash in this attribute
        return header

    def _remote_record(self, number: int) -> BlockRecord:
        """Block ``number`` below the fork block: a record without transactions (they stay on the remote) whose
        block is fetched only when something reads it (BLOCKHASH, eth_getBlockByNumber), not by a scan of logs."""
        return BlockRecord(cast(Block, _LazyBlock(self._remote_block, number)))

    def _remote_block(self, number: int) -> Block:
        block = self._old_blocks.get(number)
        if block is None:
            header = header_from_fields(self._header_class, self.reader.block_fields(number))
            block = self._old_blocks[number] = Block(header_record(header), ())
        return block

    def _call_state(self, number: int | None, *, shared: bool = True) -> Any:
        """As the engine's, but the state after a block below the fork block is the remote's at that block, read
        lazily as the fork state is (the fork's own trie does not hold it)."""
        if number is None or number >= self.reader.number:
            return super()._call_state(number, shared=shared)
        key = (self._blocks[number].block.hash, "remote")
        state = self._call_states.get(key) if shared else None
        if state is None:
            vm_class = self.chain.get_vm_class_for_block_number(0)
            header = self.evm_header(number).copy(base_fee_per_gas=0, state_root=BLANK_ROOT_HASH)
            context = vm_class.create_execution_context(header, self._prev_hashes(header.parent_hash),
                                                        ChainContext(self.chain_id))
            state_class = type("ForkPastState", (vm_class.get_state_class(),),
                               {"account_db_class": fork_account_db_class(self.reader.at(number))})
            state = state_class(AtomicDB(), context, BLANK_ROOT_HASH)
            if shared:
                if len(self._call_states) >= 8:
                    self._call_states.clear()
                self._call_states[key] = state
        return state

    @property
    def fork_number(self) -> int:
        return self.reader.number

    def __getstate__(self) -> dict:
        raise HemiValueError("a forked devchain's state cannot be saved: most of it lives on the remote")
