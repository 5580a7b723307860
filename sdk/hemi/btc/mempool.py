"""The mempool: accepted, unconfirmed transactions, their spends, and block-template selection by fee rate.

Entries keep acceptance order (a deterministic sequence number, not wall time). Selection for a block follows
Bitcoin Core's ancestor-feerate idea: the best package (a transaction with its unconfirmed ancestors) goes first.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from bitcoin.core import CTransaction

from hemi.btc import script as S
from hemi.btc.coins import Coin, Outpoint
from hemi.btc.models import TxInfo
from hemi.btc.tx import TxHashes
from hemi.types import Txid


@dataclass(frozen=True, slots=True)
class MempoolEntry:
    tx: CTransaction
    raw: bytes
    hashes: TxHashes
    fee: int
    seq: int
    parents: frozenset = field(default_factory=frozenset)  # txids of in-mempool parents
    replaces: frozenset = field(default_factory=frozenset)  # txids it evicted on entry (replace-by-fee)
    height: int = -1  # chain height when it entered
    time: int = 0  # the chain's simulated clock when it entered

    @property
    def txid(self) -> bytes:
        return self.hashes.txid

    @property
    def vsize(self) -> int:
        return self.hashes.vsize

    @property
    def fee_rate(self) -> float:
        """sat/vB"""
        return self.fee / self.hashes.vsize


class Mempool:
    """Unconfirmed transactions keyed by txid (internal order)."""

    __slots__ = ("entries", "spenders")

    def __init__(self) -> None:
        self.entries: dict[bytes, MempoolEntry] = {}
        self.spenders: dict[Outpoint, bytes] = {}

    def __contains__(self, txid: bytes) -> bool:
        return txid in self.entries

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[MempoolEntry]:
        return iter(self.entries.values())

    def get(self, txid: bytes) -> MempoolEntry | None:
        return self.entries.get(txid)

    def tx_info(self, txid: bytes) -> TxInfo | None:
        """An unconfirmed transaction as :meth:`hemi.btc.chain.BitcoinChain.tx` reports it, or None."""
        e = self.entries.get(txid)
        return None if e is None else TxInfo(Txid(txid), Txid(e.hashes.wtxid), e.tx, None, None, None, 0, e.fee)

    def copy(self) -> Mempool:
        m = Mempool()
        m.entries = dict(self.entries)
        m.spenders = dict(self.spenders)
        return m

    def add(self, entry: MempoolEntry) -> None:
        self.entries[entry.txid] = entry
        for txin in entry.tx.vin:
            self.spenders[(txin.prevout.hash, txin.prevout.n)] = entry.txid

    def coin(self, outpoint: Outpoint, *, replacing: frozenset | set = frozenset()) -> Coin | None:
        """An output created by a mempool transaction (height -1), unless a mempool tx already spends it (one of
        ``replacing``, the transactions a replacement would evict, does not count)."""
        entry = self.entries.get(outpoint[0])
        if entry is None or outpoint[1] >= len(entry.tx.vout):
            return None
        if outpoint in self.spenders and self.spenders[outpoint] not in replacing:
            return None
        out = entry.tx.vout[outpoint[1]]
        spk = bytes(out.scriptPubKey)
        if S.is_unspendable(spk):
            return None
        return Coin(out.nValue, spk, -1, -1, False)

    def children(self, txid: bytes) -> list[bytes]:
        entry = self.entries.get(txid)
        if entry is None:
            return []
        found = []
        for n in range(len(entry.tx.vout)):
            child = self.spenders.get((txid, n))
            if child is not None and child not in found:
                found.append(child)
        return found

    def descendants(self, txid: bytes) -> list[bytes]:
        out, stack = [], [txid]
        while stack:
            for child in self.children(stack.pop()):
                if child not in out:
                    out.append(child)
                    stack.append(child)
        return out

    def ancestors(self, txid: bytes) -> set[bytes]:
        seen: set[bytes] = set()
        stack = list(self.entries[txid].parents)
        while stack:
            t = stack.pop()
            if t not in seen and t in self.entries:
                seen.add(t)
                stack.extend(self.entries[t].parents)
        return seen

    def remove(self, txid: bytes, *, with_descendants: bool = True) -> list[bytes]:
        """Remove ``txid`` (and, by default, everything spending its outputs). Returns the removed txids."""
        if txid not in self.entries:
            return []
        victims = [txid] + (self.descendants(txid) if with_descendants else [])
        for t in victims:
            entry = self.entries.pop(t, None)
            if entry is None:
                continue
            for txin in entry.tx.vin:
                key = (txin.prevout.hash, txin.prevout.n)
                if self.spenders.get(key) == t:
                    del self.spenders[key]
        return victims

    def remove_for_block(self, txs: Iterable[CTransaction], txids: Iterable[bytes]) -> None:
        """After a block connects: drop its txs, then mempool txs that conflict with it (and their descendants)."""
        for txid in txids:
            self.remove(txid, with_descendants=False)
        for tx in txs:
            for txin in tx.vin:
                conflict = self.spenders.get((txin.prevout.hash, txin.prevout.n))
                if conflict is not None:
                    self.remove(conflict)

    def select(self, max_weight: int) -> list[MempoolEntry]:
        """Transactions for a block template: best ancestor-package fee rate first, parents before children."""
        entries = self.entries
        chosen: list[MempoolEntry] = []
        weight = 0
        if all(not e.parents for e in entries.values()):
            ordered = sorted(entries.values(), key=lambda e: (-e.fee * 1_000_000 // e.vsize, e.seq))
            for e in ordered:
                if weight + e.hashes.weight <= max_weight:
                    chosen.append(e)
                    weight += e.hashes.weight
            return chosen
        chosen_ids: set[bytes] = set()
        skipped: set[bytes] = set()
        while True:
            best: bytes | None = None
            best_key: tuple[int, int] | None = None
            best_pkg: list[bytes] = []
            for txid, e in entries.items():
                if txid in chosen_ids or txid in skipped:
                    continue
                pkg = [a for a in self.ancestors(txid) if a not in chosen_ids] + [txid]
                fee = sum(entries[t].fee for t in pkg)
                vsize = sum(entries[t].vsize for t in pkg)
                key = (fee * 1_000_000 // vsize, -e.seq)
                if best_key is None or key > best_key:
                    best, best_key, best_pkg = txid, key, pkg
            if best is None:
                return chosen
            pkg_weight = sum(entries[t].hashes.weight for t in best_pkg)
            if weight + pkg_weight > max_weight:
                skipped.add(best)
                continue
            for t in sorted(best_pkg, key=lambda t: entries[t].seq):
                chosen_ids.add(t)
                chosen.append(entries[t])
            weight += pkg_weight
