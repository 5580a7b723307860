"""The sequencer: builds every L2 block in Hemi's order and remembers what each block saw and ordered.

Order within a block (hemilabs/op-geth core/blockchain.go, miner/worker.go on branch max/hvmphase0): the
Bitcoin-attributes step first (the headers this block carries, which become visible after it), then *forced inputs*
(tunnel deposits and other Bitcoin-derived inputs), then ordinary mempool transactions. A forced input that depends
on Bitcoin transactions is ordered only once every one of them is in the live hVM view the block reads, the one the
previous block left (its block at or below the *indexed* tip, on the light chain); until then it waits and
:meth:`Sequencer.waiting` says why. Precompile reads that name a txid are
recorded too, so any transaction's Bitcoin dependencies are known after the fact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from hemi.errors import HemiLookupError, HemiValueError, UnknownTransactionError
from hemi.hvm.registry import to_address
from hemi.types import HashLike, Txid, bytes32

if TYPE_CHECKING:
    from hemi.node.bitcoin_view.hvm_view import HvmView
    from hemi.node.context import NodeContext

TXID_PRECOMPILES = {0x42, 0x43, 0x47, 0x48, 0x49}  # their input starts with a display-order txid


@dataclass(frozen=True)
class ForcedInput:
    """A Bitcoin-derived input waiting for (or given) its place in an L2 block."""

    id: int
    tx: dict  # eth transaction fields (``from`` a dev account or impersonated), or {"raw": bytes}
    depends_on: tuple[Txid, ...]
    label: str = ""


@dataclass(frozen=True, slots=True)
class Ordering:
    """Where and why a transaction was ordered."""

    tx_hash: bytes
    l2_block: int
    position: int
    kind: str  # "forced" | "mempool"
    depends_on: tuple[Txid, ...]  # declared (forced inputs) and read through precompiles
    view: HvmView
    label: str = ""


@dataclass(slots=True)
class BlockOrdering:
    number: int
    view: HvmView
    # tuples, not lists: a chain keeps one of these per block, mostly with one transaction or none (an empty tuple
    # is shared; two lists cost 0.1 KB a block)
    forced: tuple[bytes, ...] = ()
    mempool: tuple[bytes, ...] = ()


class Sequencer:
    """``dev.sequencer``: forced-input queue, proof-dependency ordering, and the record of every block."""

    def __init__(self, ctx: NodeContext) -> None:
        self.ctx = ctx
        self._queue: list[ForcedInput] = []
        self._last_id = 0  # a plain int, not itertools.count: a plain value, as the state files save it
        self._orderings: dict[bytes, Ordering] = {}
        self._blocks: dict[int, BlockOrdering] = {}
        self._reads: list[Txid] | None = None
        self.dropped: list[tuple[ForcedInput, str]] = []
        self._by_input: dict[int, bytes] = {}  # forced input id -> the EVM tx it became

    # ------------------------------------------------------------------ public API

    def submit(self, tx: dict | bytes | str, *, depends_on: Sequence[HashLike] = (), label: str = "",
               mine: bool = True) -> int:
        """Queue a forced input: ordered at the front of the first L2 block whose hVM view holds every Bitcoin tx
        in ``depends_on`` (with automine on, that may be a block mined right now; ``mine=False`` leaves it for the
        next block, as a protocol actor reacting inside a block hook needs). ``tx`` is an eth transaction
        dict (``from`` a dev or impersonated account; nonce and gas filled at ordering time) or raw signed bytes.
        Returns the input's id."""
        if isinstance(tx, (bytes, str)):
            try:
                raw = bytes.fromhex(tx[2:] if tx.startswith("0x") else tx) if isinstance(tx, str) else bytes(tx)
            except ValueError:
                raise HemiValueError("a raw forced input is hex or bytes of a signed transaction") from None
            self._check_raw(raw)
            body: dict = {"raw": raw}
        elif isinstance(tx, dict):
            if not tx.get("from"):
                raise HemiValueError("a forced input needs a `from`")
            body = dict(tx)
            _check_fields(body)
        else:
            raise HemiValueError(f"a forced input is a tx dict or raw bytes, got {type(tx).__name__}")
        deps = tuple(Txid(t) for t in depends_on)
        for t in deps:
            try:
                self.ctx.btc.tx(t)
            except UnknownTransactionError:
                raise UnknownTransactionError(f"forced input depends on unknown Bitcoin tx {t}") from None
        self._last_id += 1
        item = ForcedInput(self._last_id, body, deps, label)
        self._queue.append(item)
        if mine and self.ctx.automine and self._ready(item, self.ctx.view_for(self.ctx.engine.head_number + 1)):
            self.ctx.mine(1)
        return item.id

    def _check_raw(self, raw: bytes) -> None:
        """Refuse at submission what could never be ordered: bytes that are not a signed transaction, or one signed
        for another chain (replay protection, as eth_sendRawTransaction)."""
        try:
            decoded = self.ctx.engine.decode_raw(raw)
            decoded.sender  # noqa: B018 - recovering the signer checks the signature
        except Exception as err:  # noqa: BLE001 - rlp and py-evm raise assorted errors on garbage
            raise HemiValueError(f"not a signed transaction: {err}") from None
        chain_id = getattr(decoded, "chain_id", None)
        if chain_id is not None and chain_id != self.ctx.config.chain_id:
            raise HemiValueError(f"forced input signed for chain id {chain_id} (this chain is "
                                 f"{self.ctx.config.chain_id})")

    def cancel(self, input_id: int) -> bool:
        """Withdraw a queued forced input (say its Bitcoin dependency was reorganised away for good); returns
        whether it was still waiting."""
        before = len(self._queue)
        self._queue = [i for i in self._queue if i.id != input_id]
        return len(self._queue) != before

    def waiting(self) -> list[tuple[ForcedInput, str]]:
        """Queued forced inputs with the reason each still waits."""
        view = self.ctx.view_for(self.ctx.engine.head_number + 1)
        return [(item, self._why_waiting(item, view)) for item in self._queue]

    def ordering(self, tx_hash: bytes | str) -> Ordering:
        """How the sequencer ordered an EVM transaction (block, position, kind, Bitcoin dependencies, view)."""
        h = _tx_hash(tx_hash)
        o = self._orderings.get(h)
        if o is None:
            raise HemiLookupError(f"no ordered transaction 0x{h.hex()}")
        return o

    def tx_of(self, input_id: int) -> bytes | None:
        """The EVM tx hash a forced input became, or None while it waits (or if it was dropped)."""
        h = self._by_input.get(input_id)
        return h if h is not None and h in self._orderings else None

    def block(self, number: int) -> BlockOrdering:
        """What L2 block ``number`` saw (its hVM view) and ordered (forced inputs first, then mempool txs)."""
        b = self._blocks.get(number)
        if b is None:
            if not 0 <= number <= self.ctx.engine.head_number:
                raise HemiLookupError(f"no L2 block {number}")
            return BlockOrdering(number, self.ctx.hvm_view(number))
        return b

    # ------------------------------------------------------------------ used by the devchain

    def _ready(self, item: ForcedInput, view: HvmView) -> bool:
        return all(self._in_view(t, view) for t in item.depends_on)

    def _in_view(self, txid: Txid, view: HvmView) -> bool:
        btc = self.ctx.btc
        try:
            info = btc.tx(txid)
        except UnknownTransactionError:
            return False
        if info.height is None or info.height > view.indexed_height:
            return False
        hashes = self.ctx.light_hashes
        return info.block_hash is not None and info.height < len(hashes) and \
            bytes(hashes[info.height]) == bytes(info.block_hash)

    def _why_waiting(self, item: ForcedInput, view: HvmView) -> str:
        for t in item.depends_on:
            try:
                info = self.ctx.btc.tx(t)
            except UnknownTransactionError:
                return f"Bitcoin tx {t} is no longer known (reorganised away?)"
            if info.height is None:
                return f"Bitcoin tx {t} is in the mempool, not yet in a block"
            if info.height > view.indexed_height:
                return (f"Bitcoin tx {t} is in block {info.height}; the hVM indexed tip is {view.indexed_height} "
                        f"(light tip {view.light_tip_height}, lag {self.ctx.config.hvm_indexer_lag}): "
                        f"mine Bitcoin blocks and sync the view")
        return "ready: will be ordered in the next L2 block"

    def take_ready(self, view: HvmView) -> list[ForcedInput]:
        ready = [i for i in self._queue if self._ready(i, view)]
        self._queue = [i for i in self._queue if i not in ready]
        return ready

    def apply_forced(self, item: ForcedInput, view: HvmView) -> None:
        """Order one forced input at the front of the pending block, reading ``view`` (the live one); a refused
        one is kept in :attr:`dropped` with the reason."""
        engine = self.ctx.engine
        try:
            tx, sender, signed = self._tx_from_fields(item.tx)
            engine.validate(tx, sender)
        except Exception as err:  # noqa: BLE001 - whatever refuses it, the input is dropped with the reason and the
            self.dropped.append((item, str(err) or type(err).__name__))  # block goes on (a bad one never blocks it)
            return
        self.start_reads()
        try:
            rec = engine.apply(tx) if signed else engine.apply_unsigned(tx, sender)
        finally:
            reads = self.end_reads()
        deps = tuple(dict.fromkeys(item.depends_on + reads))
        self.record(rec.tx.hash, engine.head_number + 1, rec.index, "forced", deps, view, item.label,
                    input_id=item.id)

    def _tx_from_fields(self, body: dict[str, Any]) -> tuple[Any, bytes, bool]:
        """(tx, sender, signed) from eth-style fields; nonce, gas and fees are filled now, at ordering time."""
        engine, config = self.ctx.engine, self.ctx.config
        if "raw" in body:
            tx = engine.decode_raw(body["raw"])
            return tx, tx.sender, True
        sender = to_address(body["from"])
        to = to_address(body["to"]) if body.get("to") else b""
        data = body.get("data", body.get("input")) or b""
        if isinstance(data, str):
            data = bytes.fromhex(data[2:] if data.startswith("0x") else data)
        value = _int(body.get("value", 0))
        nonce = engine.state().get_nonce(sender)
        gas = body.get("gas")
        if gas is None:
            probe = engine.build_unsigned(nonce=nonce, gas=config.gas_limit, to=to, value=value, data=bytes(data),
                                          max_fee=0)
            try:
                gas = engine.estimate_gas(probe, sender)
            except Exception:  # noqa: BLE001 - a reverting forced input is still ordered; its receipt shows why
                gas = 1_000_000
        tx = engine.build_unsigned(nonce=nonce, gas=_int(gas), to=to, value=value, data=bytes(data))
        key = self.ctx.key_for(sender)
        impersonated = self.ctx.is_impersonated(sender)
        if key is not None and not impersonated:
            return tx.as_signed_transaction(key.key, chain_id=config.chain_id), sender, True
        if impersonated:
            return tx, sender, False
        raise HemiValueError(f"forced input from {body['from']}: no key for it and not impersonated")

    def start_reads(self) -> None:
        self._reads = []

    def note_read(self, address: int, data: bytes) -> None:
        if self._reads is not None and address in TXID_PRECOMPILES and len(data) >= 32:
            t = Txid(data[:32][::-1])  # the precompile's input names the txid in display order
            if t not in self._reads:
                self._reads.append(t)

    def end_reads(self) -> tuple[Txid, ...]:
        reads, self._reads = self._reads or [], None
        return tuple(reads)

    def record(self, tx_hash: bytes, number: int, position: int, kind: str, depends_on: tuple[Txid, ...],
               view: HvmView, label: str = "", input_id: int | None = None) -> None:
        if input_id is not None:
            self._by_input[input_id] = tx_hash
        self._orderings[tx_hash] = Ordering(tx_hash, number, position, kind, depends_on, view, label)
        b = self._blocks.get(number)
        if b is None:
            b = self._blocks[number] = BlockOrdering(number, view)
        if kind == "forced":
            b.forced += (tx_hash,)
        else:
            b.mempool += (tx_hash,)

    def replace_tx(self, old: bytes, new: bytes) -> None:
        """A pending transaction replaced by fee (hemi.rpc.txpool) takes the old one's place in the ordering (its
        Bitcoin dependencies are the old one's: the replacement re-executes the whole pending block)."""
        o = self._orderings.pop(old, None)
        if o is None:
            return
        self._orderings[new] = replace(o, tx_hash=new)
        b = self._blocks.get(o.l2_block)
        if b is not None:
            b.mempool = tuple(new if h == old else h for h in b.mempool)

    def drop_tx(self, tx_hash: bytes) -> None:
        """A pending transaction left out of its block (it no longer ran when the block was rebuilt at a later
        time) leaves the ordering too."""
        o = self._orderings.pop(tx_hash, None)
        b = self._blocks.get(o.l2_block) if o is not None else None
        if b is not None:
            b.mempool = tuple(h for h in b.mempool if h != tx_hash)
            b.forced = tuple(h for h in b.forced if h != tx_hash)

    def fix_view(self, number: int, view: HvmView) -> None:
        b = self._blocks.get(number)
        if b is not None:
            b.view = view
            for h in b.forced + b.mempool:
                self._orderings[h] = replace(self._orderings[h], view=view)

    # ------------------------------------------------------------------ snapshots

    def snapshot_state(self) -> tuple:
        """The queue, the input ids, the dropped inputs, the head, and the pending block's records (a snapshot keeps
        that block pending)."""
        head = self.ctx.engine.head_number
        pending = self._blocks.get(head + 1)
        kept = None if pending is None else (replace(pending), {
            h: self._orderings[h] for h in pending.forced + pending.mempool if h in self._orderings})
        return (list(self._queue), head, kept, self._last_id, len(self.dropped), dict(self._by_input))

    def restore_state(self, state: tuple) -> None:
        """Blocks at or below the snapshot's head never change, so only later records are dropped; the pending
        block's, as the snapshot kept them, come back; so do the input ids, the dropped list (only appended to) and
        the input -> transaction map."""
        queue, head, kept, self._last_id, n_dropped, by_input = state
        del self.dropped[n_dropped:]
        self._by_input = dict(by_input)
        self._queue = list(queue)
        # records are kept in block order (a block's record is made when it is the pending one, above every
        # earlier block), so the ones to drop are at the end: O(blocks reverted), not O(blocks behind them)
        blocks = self._blocks
        while blocks:
            last = next(reversed(blocks))
            if last <= head:
                break
            b = blocks.pop(last)
            for h in b.forced + b.mempool:
                self._orderings.pop(h, None)
        if kept is not None:
            blocks[head + 1] = replace(kept[0])
            self._orderings.update(kept[1])


def _check_fields(body: dict[str, Any]) -> None:
    """Refuse at submission the fields of a dict input that ordering could not read (nonce, gas and fees are filled
    then; a value the sender cannot afford is dropped then, with the reason)."""
    try:
        to_address(body["from"])
        if body.get("to"):
            to_address(body["to"])
        data = body.get("data", body.get("input")) or b""
        if isinstance(data, str):
            bytes.fromhex(data[2:] if data.startswith("0x") else data)
        elif not isinstance(data, (bytes, bytearray)):
            raise HemiValueError(f"data is hex or bytes, got {type(data).__name__}")
        for name in ("value", "gas"):
            if body.get(name) is not None:
                v = _int(body[name])
                if not 0 <= v < 2**256 or (name == "gas" and v == 0):
                    raise HemiValueError(f"{name} out of range: {body[name]!r}")
    except HemiValueError as err:
        raise HemiValueError(f"forced input: {err}") from None
    except (ValueError, TypeError) as err:
        raise HemiValueError(f"forced input: {err}") from None


def _tx_hash(value: Any) -> bytes:
    h = bytes32(value)
    if h is None:
        raise HemiValueError(f"not a transaction hash: {value!r}")
    return h


def _int(v: Any) -> int:
    """An int from a JSON-ish field (0x-hex or decimal text, or a number)."""
    if isinstance(v, str):
        return int(v, 16) if v.startswith("0x") else int(v)
    return int(v)
