"""Part ``engine`` of a devchain state: the EVM (:class:`hemi.hvm.engine.EvmEngine`) as plain data.

Saved generically, whatever contracts and system transactions the chain runs: the py-evm state database as its
key/value pairs (trie nodes, contract code, genesis records: every historical state root stays readable, so queries
at old blocks answer as before), the pending header (RLP), each block as its RLP header plus its transactions in
their canonical encoding with the hashes the engine indexes, each transaction's record (receipt in its canonical
encoding, sender, gas, created contract, error text, return data, first log index), the transactions applied to the
pending block and its journal (the header it started from and what went into it, in order: transactions, system
transactions, the writes of direct edits), so a loaded devchain rebuilds its pending block, when the clock moves or a
transaction is replaced, as the saved one would. Blocks are rebuilt with the engine's own VM classes (block, header,
transaction and receipt builders, database classes), so no class is named in the data and py-evm is imported only by
the engine.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import rlp

from hemi.errors import StateFileError
from hemi.hvm.convert import header_from_rlp, receipt_from_encoding, tx_record
from hemi.hvm.engine import BlockRecord, EvmEngine, TxRecord
from hemi.hvm.l1_fee import L1Fee
from hemi.hvm.records import WRITE_KINDS, Block, StateWrites
from hemi.hvm.system_txs import SystemTx
from hemi.node.state.codec import check_fields, fields, hx, num, seq, text, unhx

PART = "engine"
# fork and l1_cost come from the configuration the engine is rebuilt with; the rest is saved
_ENGINE_FIELDS = ("chain_id", "coinbase", "gas_limit", "_randao_seed", "chain", "_blocks", "_by_hash", "_txs",
                  "_pending", "_pending_records", "_call_states", "fork", "l1_cost", "_history_write",
                  "_pvm", "_dirty", "_lock",  # the pending block's VM: flushed into the database before saving
                  "_head_header",  # the head's py-evm header, kept to spare decoding it: not saved
                  # the pending block's journal (saved as "journal") and the state "latest" reads meanwhile
                  "_latest_root", "_pending_base", "_pending_base_history", "_pending_journal",
                  "_precompiles",  # the devchain's precompile table, given to the engine it is loaded into
                  "system_shortcut")  # installed by the devchain from its configuration (hemi.hvm.system_shortcut)
_KEYS = ("chain_id", "coinbase", "gas_limit", "randao_seed", "db", "pending_header", "blocks", "txs", "pending",
         "history_write", "latest_root", "journal")
_JOURNAL_KEYS = ("base", "base_history", "entries")
_TXREC = tuple(f.name for f in dataclasses.fields(TxRecord))
_TXREC_KNOWN = ("tx", "block_number", "index", "sender", "receipt", "gas_used", "contract_address", "error",
                "return_data", "log_index_start", "l1")
_L1FEE = ("fee", "gas_used", "l1_base_fee", "l1_blob_base_fee", "base_fee_scalar", "blob_base_fee_scalar")


def _tx(tx: Any) -> Any:
    """A transaction's canonical encoding; a system transaction (0x7E, 0x7C, 0x7D) with the nonce it executed at and
    its label, which its encoding does not carry."""
    if getattr(tx, "is_op_system", False):
        return [hx(tx.encode()), tx.nonce, tx.label]
    return hx(tx.encode())


def _tx_from(item: Any, tx_builder: Any) -> Any:
    if isinstance(item, list):
        raw, nonce, label = seq(item, 3)
        return dataclasses.replace(SystemTx.decode(unhx(raw), nonce=num(nonce)), label=text(label))
    return tx_builder.decode(unhx(item))


def _receipt_from(raw: bytes, tx: Any, receipt_builder: Any) -> Any:
    return receipt_from_encoding(raw, receipt_builder)  # the fields, checked to encode back to these bytes


def _history(write: tuple[int, int] | None) -> list | None:
    """EIP-2935's write still due (slot, parent hash as an int), or None."""
    return None if write is None else [write[0], hx(write[1].to_bytes(32, "big"))]


def _history_from(d: Any) -> tuple[int, int] | None:
    if d is None:
        return None
    slot, value = seq(d, 2)
    return num(slot), int.from_bytes(unhx(value, size=32), "big")


def _write(w: tuple) -> list:
    kind, address, *args = w
    return [kind, hx(address), *(hx(a) if isinstance(a, bytes) else hx(a.to_bytes(32, "big")) for a in args)]


def _write_from(d: Any) -> tuple:
    kind, address, *args = seq(d)
    if kind not in WRITE_KINDS or len(args) != (2 if kind == "storage" else 1):
        raise ValueError(f"unknown state write {d!r:.80}")
    values = (unhx(args[0]),) if kind == "code" else tuple(int.from_bytes(unhx(a, size=32), "big") for a in args)
    return (kind, unhx(address, size=20), *values)


def _journal(engine: EvmEngine) -> dict | None:
    """The pending block's journal (:mod:`hemi.hvm.pending`): the header it started from, EIP-2935's write then
    due, and its entries: ``["tx", tx, impersonated sender or null]`` (a placeholder-signed tx with its sender),
    ``["system", system tx]``, ``["edit", [writes]]``. None when nothing is pending."""
    if not engine._pending:
        return None
    entries: list[list] = []
    for kind, item, who in engine._pending_journal:
        if kind == "edit" and isinstance(item, StateWrites):
            entries.append(["edit", [_write(w) for w in item.writes]])
        elif kind == "system":
            entries.append(["system", _tx(item)])
        elif kind == "tx":
            entries.append(["tx", _tx(item), hx(who)])
        else:
            raise StateFileError(f"cannot save part {PART!r}: the pending block's journal holds a {kind!r} entry the "
                                 f"state format does not know")
    return {"base": hx(rlp.encode(engine._pending_base)), "base_history": _history(engine._pending_base_history),
            "entries": entries}


def _journal_from(d: Any, header_class: Any, tx_builder: Any, pending: list) -> tuple[Any, Any, list]:
    """(base header, its EIP-2935 write, entries) from what :func:`_journal` wrote, checked against the pending
    transactions: the journal's transactions are the block's, in order."""
    base_h, history_d, entries_d = fields(d, _JOURNAL_KEYS)
    journal: list[tuple] = []
    for item in seq(entries_d):
        kind, *rest = seq(item)
        if kind == "edit" and len(rest) == 1:
            journal.append(("edit", StateWrites(tuple(_write_from(w) for w in seq(rest[0]))), None))
        elif kind == "system" and len(rest) == 1:
            journal.append(("system", _tx_from(rest[0], tx_builder), None))
        elif kind == "tx" and len(rest) == 2:
            journal.append(("tx", _tx_from(rest[0], tx_builder), unhx(rest[1], size=20, optional=True)))
        else:
            raise ValueError(f"unknown journal entry {item!r:.80}")
    applied = [(kind, item) for kind, item, _ in journal if kind != "edit"]
    if len(applied) != len(pending) or any(kind == "tx" and item.hash != tx.hash
                                           for (kind, item), tx in zip(applied, pending, strict=True)):
        raise ValueError("the pending block's journal does not hold its pending transactions")
    return rlp.decode(unhx(base_h), sedes=header_class), _history_from(history_d), journal


def _record(rec: TxRecord) -> list:
    l1 = None if rec.l1 is None else [getattr(rec.l1, f) for f in _L1FEE]  # the L1 data fee an OP chain charged
    return [hx(rec.tx.hash), rec.block_number, rec.index, hx(rec.sender), hx(rec.receipt.encode()), rec.gas_used,
            hx(rec.contract_address), rec.error, hx(rec.return_data), rec.log_index_start, l1]


def to_data(engine: EvmEngine) -> dict:
    check_fields(engine, _ENGINE_FIELDS, PART)
    engine.flush_pending()  # the pending block's changes into the database and the pending header's root
    if _TXREC != _TXREC_KNOWN or tuple(f.name for f in dataclasses.fields(BlockRecord)) != ("block", "tx_hashes"):
        raise StateFileError(f"cannot save part {PART!r}: the engine's transaction or block records have fields the "
                             f"state format does not know ({_TXREC})")
    blocks = []
    for brec in engine._blocks:
        b = brec.block
        if b.uncles or b.withdrawals:
            raise StateFileError(f"cannot save part {PART!r}: block {b.number} has uncles or withdrawals, which the "
                                 f"state format does not hold")
        blocks.append([hx(rlp.encode(b.header)), [_tx(tx) for tx in b.transactions],
                       [hx(h) for h in brec.tx_hashes]])
    # AtomicDB over the engine's MemoryDB (hemi.hvm.node_store): every node written, read back as its bytes
    db = engine.chain.chaindb.db.wrapped_db
    return {
        "chain_id": engine.chain_id, "coinbase": hx(engine.coinbase), "gas_limit": engine.gas_limit,
        "randao_seed": hx(engine._randao_seed),
        "db": [[hx(k), hx(db[k])] for k in sorted(db)],  # sorted: py-evm writes nodes in set order
        "pending_header": hx(rlp.encode(engine.chain.header)),
        "blocks": blocks,
        "txs": [_record(r) for r in engine._txs.values()],
        "pending": [[_tx(r.tx), _record(r)] for r in engine._pending_records],
        # EIP-2935: the parent hash still to be written into the history contract by the pending block's first change
        "history_write": _history(engine._history_write),
        # with transactions pending (automine off), the state "latest" reads: the head's plus direct edits
        "latest_root": hx(engine._latest_root) if engine._pending and engine._latest_root is not None else None,
        "journal": _journal(engine),
    }


def restore(engine: EvmEngine, data: Any) -> None:
    """Make ``engine`` (built by the devchain with the saved configuration, so its VM classes and precompile table
    are this devchain's) hold the saved chain."""
    (chain_id, coinbase, gas_limit, randao_seed, db_d, header_h, blocks_d, txs_d, pending_d,
     history_d, latest_d, journal_d) = fields(data, _KEYS)
    latest_root = unhx(latest_d, size=32, optional=True)
    history_write = _history_from(history_d)
    if num(chain_id) != engine.chain_id:
        raise ValueError(f"chain id {chain_id} differs from the configuration's {engine.chain_id}")
    vm = engine.chain.get_vm_class_for_block_number(0)
    header_class = type(engine.chain.header)
    tx_builder, receipt_builder = vm.get_transaction_builder(), vm.get_receipt_builder()
    kv = {}
    for item in seq(db_d):
        k, v = seq(item, 2)
        kv[unhx(k)] = unhx(v)
    pending_header = rlp.decode(unhx(header_h), sedes=header_class)
    records: list[BlockRecord] = []
    by_hash: dict[bytes, int] = {}
    for item in seq(blocks_d):
        header_h, txs_h, hashes_h = seq(item, 3)
        header = header_from_rlp(unhx(header_h), header_class)
        txs = tuple(tx_record(_tx_from(t, tx_builder)) for t in seq(txs_h))
        block = Block(header, txs)
        if block.number != len(records):
            raise ValueError(f"block {len(records)} says it is number {block.number}")
        records.append(BlockRecord(block, tuple(unhx(h, size=32) for h in seq(hashes_h))))
        by_hash[block.hash] = block.number
    if not records or records[0].block.hash != engine._blocks[0].block.hash:
        raise ValueError("the saved genesis block differs from this configuration's (another chain id, accounts "
                         "or predeploys?)")

    def record(item: Any, tx: Any = None) -> TxRecord:
        (tx_hash, number, index, sender, receipt, gas_used, created, error, ret,
         log_start, l1_d) = seq(item, 11)
        number, index = num(number), num(index)
        if tx is None:
            tx = records[number].block.transactions[index]
        if tx.hash != unhx(tx_hash, size=32):
            raise ValueError(f"transaction record {tx_hash} does not match the transaction at {number}/{index}")
        return TxRecord(tx_record(tx), number, index, unhx(sender, size=20),
                        _receipt_from(unhx(receipt), tx, receipt_builder),
                        num(gas_used), unhx(created, size=20, optional=True), text(error, optional=True),
                        unhx(ret), num(log_start),
                        None if l1_d is None else L1Fee(*(num(v) for v in seq(l1_d, len(_L1FEE)))))

    tx_records: dict[bytes, TxRecord] = {}
    for item in seq(txs_d):
        rec = record(item)
        tx_records[rec.tx.hash] = rec
    pending, pending_records = [], []
    for item in seq(pending_d):
        raw, rec_d = seq(item, 2)
        tx = _tx_from(raw, tx_builder)
        pending.append(tx)
        pending_records.append(record(rec_d, tx))
    if latest_root is not None and latest_root not in kv:
        raise ValueError("latest_root names no state root in the saved database")
    base: Any = None
    base_history: tuple[int, int] | None = None
    journal: list[tuple] = []
    if (journal_d is None) != (not pending):
        raise ValueError("the pending block's journal is missing" if pending else "a journal without pending txs")
    if journal_d is not None:
        base, base_history, journal = _journal_from(journal_d, header_class, tx_builder, pending)
        if base.state_root not in kv or base.block_number != pending_header.block_number:
            raise ValueError("the pending block's journal starts from no state of the saved database")
    # everything decoded: now the engine changes
    engine.coinbase, engine.gas_limit, engine._randao_seed = unhx(coinbase, size=20), num(gas_limit), \
        unhx(randao_seed)
    engine._blocks, engine._by_hash, engine._txs = records, by_hash, tx_records
    # the engine's own database classes (py-evm's AtomicDB over a MemoryDB): only hemi.hvm.engine imports py-evm
    atomic, memory = type(engine.chain.chaindb.db), type(engine.chain.chaindb.db.wrapped_db)
    engine.chain = type(engine.chain)(atomic(memory(kv)), pending_header)
    engine._pending, engine._pending_records = pending, pending_records
    engine._history_write = history_write
    engine._call_states, engine._head_header = {}, None
    engine._pvm, engine._dirty = None, False
    engine._latest_root = latest_root if pending else None
    engine._pending_base, engine._pending_base_history, engine._pending_journal = base, base_history, journal
