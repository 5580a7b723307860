"""hemi.hvm.state_db: py-evm's account database with batched tries answers and roots exactly as py-evm's own.

The reference is py-evm's ``eth.db.account.AccountDB`` (ethereum/py-evm ``eth/db/account.py``, with
``eth/db/storage.py`` for each account's storage), driven with the same random sequence: balances, nonces, code,
storage writes (zeros delete), account and storage deletion, journal checkpoints recorded, discarded and committed,
state roots made and persisted at random points; and the state read back from a fresh database at each persisted
root.
"""

from __future__ import annotations

import random

import pytest
from eth.constants import BLANK_ROOT_HASH
from eth.db.account import AccountDB
from eth.db.atomic import AtomicDB
from eth.db.storage import CLEAR_COUNT_KEY_NAME, AccountStorageDB, StorageLookup

from hemi.hvm.state_db import BatchedAccountDB, BatchedStorageDB, BatchedStorageLookup

ADDRESSES = [bytes([i]) * 20 for i in range(1, 9)]


def _read(db: AccountDB) -> list:
    out = []
    for a in ADDRESSES:
        out.append((db.get_balance(a), db.get_nonce(a), db.get_code(a), db.account_exists(a), db.account_is_empty(a),
                    [db.get_storage(a, s) for s in range(4)]))
    return out


def _step(rng: random.Random, dbs: tuple[AccountDB, AccountDB], checkpoints: list) -> None:
    a = rng.choice(ADDRESSES)
    op = rng.choice(("balance", "nonce", "increment", "code", "storage", "storage", "delete", "wipe", "touch",
                     "record", "discard", "commit", "root"))
    if op in ("discard", "commit") and not checkpoints:
        op = "record"
    if op in ("root", "delete", "wipe") and checkpoints:  # as in py-evm's use: roots are made, and accounts or
        op = "touch"  # storage deleted, between transactions (a revert may cross one deletion only)
    value = rng.choice((0, 1, 7, 2**64 - 1, 2**255))
    slot_value = rng.choice((0, 1, value))  # drawn once: both databases get the same step
    for db in dbs:
        if op == "balance":
            db.set_balance(a, value)
        elif op == "nonce":
            db.set_nonce(a, value % 2**64)
        elif op == "increment":
            db.increment_nonce(a) if db.get_nonce(a) < 2**64 - 1 else None
        elif op == "code":
            db.set_code(a, b"\x60\x00" * (value % 5))
        elif op == "storage":
            db.set_storage(a, value % 4, slot_value)
        elif op == "delete":
            db.delete_account(a)
        elif op == "wipe":
            db.delete_storage(a)
        elif op == "touch":
            db.touch_account(a)
        elif op == "root":
            db.make_state_root()
    if op == "record":
        checkpoints.append(tuple(db.record() for db in dbs))
    elif op == "discard":
        for db, cp in zip(dbs, checkpoints.pop(), strict=True):
            db.discard(cp)
    elif op == "commit":
        for db, cp in zip(dbs, checkpoints.pop(), strict=True):
            db.commit(cp)


@pytest.mark.parametrize("seed", range(25))
def test_batched_account_db_matches_py_evms(seed: int) -> None:
    rng = random.Random(seed)
    stock_base, batched_base = AtomicDB(), AtomicDB()
    stock, batched = AccountDB(stock_base), BatchedAccountDB(batched_base)
    checkpoints: list = []
    for _ in range(rng.randrange(20, 120)):
        _step(rng, (stock, batched), checkpoints)
        if not checkpoints and rng.random() < 0.15:  # py-evm persists only outside checkpoints (between txs)
            stock.persist()
            batched.persist()
            assert batched.state_root == stock.state_root
            again = BatchedAccountDB(batched_base, batched.state_root)
            assert _read(again) == _read(AccountDB(stock_base, stock.state_root))
    assert _read(batched) == _read(stock)
    while checkpoints:
        for db, cp in zip((stock, batched), checkpoints.pop(), strict=True):
            db.commit(cp)
    stock.persist()
    batched.persist()
    assert batched.state_root == stock.state_root
    assert _read(BatchedAccountDB(batched_base, batched.state_root)) == _read(stock)


def test_slot_value_codec_is_rlp() -> None:
    """A slot's value is encoded as ``rlp.encode(value)`` and decoded as ``rlp.decode(..., big_endian_int)`` (py-evm's
    ``eth/db/storage.py``); anything else is answered as rlp answers it."""
    import rlp

    from hemi.hvm.state_db import decode_slot_value, encode_slot_value

    rng = random.Random(3)
    values = [1, 0x7F, 0x80, 0xFF, 0x100, 2**255, 2**256 - 1] + [rng.getrandbits(rng.randrange(1, 257)) | 1
                                                                  for _ in range(5000)]
    for v in values:
        encoded = encode_slot_value(v)
        assert encoded == rlp.encode(v)
        assert decode_slot_value(encoded) == v
    assert decode_slot_value(b"") == 0
    for odd in (b"\x81\x05", b"\x82\x00\x01", b"\x00", b"\xc0", b"\x85\x01", b"\xa1" + b"\x01" * 33):
        try:
            expected: object = rlp.decode(odd, sedes=rlp.sedes.big_endian_int)
        except rlp.exceptions.RLPException as exc:
            expected = type(exc)
        try:
            got: object = decode_slot_value(odd)
        except rlp.exceptions.RLPException as exc:
            got = type(exc)
        assert got == expected, odd


def test_batched_storage_db_sets_py_evms_fields() -> None:
    """``BatchedStorageDB`` sets its fields itself instead of through py-evm's ``AccountStorageDB.__init__``: the same
    field names, the same layering over its own lookup, and a clear count starting at py-evm's (eth/db/storage.py)."""
    address, db = b"\x01" * 20, AtomicDB()
    ours, theirs = BatchedStorageDB(db, BLANK_ROOT_HASH, address), AccountStorageDB(db, BLANK_ROOT_HASH, address)
    assert sorted(vars(ours)) == sorted(vars(theirs))
    assert type(ours._storage_lookup) is BatchedStorageLookup and isinstance(ours._storage_lookup, StorageLookup)
    assert ours._storage_cache._db is ours._storage_lookup
    assert ours._locked_changes._wrapped_db is ours._storage_cache
    assert ours._journal_storage._wrapped_db is ours._locked_changes
    assert ours._clear_count[CLEAR_COUNT_KEY_NAME] == theirs._clear_count[CLEAR_COUNT_KEY_NAME]
    ours.set(5, 7)
    assert ours.get(5) == 7 and ours.get(6) == 0 and ours._accessed_slots == {5, 6}
