"""Provenance: the chain of trust behind an EVM transaction that consumed Bitcoin-derived input.

The seed text's three links, each kept as raw bytes so :meth:`Provenance.verify` can recompute it:

1. **Bitcoin proof**: every Bitcoin transaction the EVM tx depended on, with its block header and merkle branch.
2. **Hemi ordering**: the L2 block (its RLP header), the tx's position, and the Bitcoin view it was ordered under.
3. **PoP anchoring**: the keystone covering that L2 block, the publication transaction carrying it to Bitcoin
   (raw, with its block header and merkle branch), and the effective confirmations.

``verify()`` raises :class:`ProvenanceError` naming the first broken link.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

import rlp
from eth_utils import keccak

from hemi.btc.blocktools import bits_to_target
from hemi.btc.merkle import MerkleProof, verify_merkle_proof
from hemi.btc.tx import decode_tx, tx_hashes
from hemi.errors import HemiError, HemiValueError
from hemi.node.context import Chains
from hemi.node.pop.finality import Finality, Target
from hemi.node.pop.keystones import KeystoneIndex, L2Keystone
from hemi.node.pop.publications import parse_pop_script
from hemi.node.sequencer import Sequencer
from hemi.types import BlockHash, Txid


class ProvenanceError(HemiError):
    """A link of a provenance chain does not verify; ``link`` is 1 (Bitcoin), 2 (ordering) or 3 (anchoring)."""

    def __init__(self, link: int, detail: str) -> None:
        self.link = link
        self.detail = detail
        names = {1: "Bitcoin proof", 2: "Hemi ordering", 3: "PoP anchoring"}
        super().__init__(f"link {link} ({names[link]}) is broken: {detail}")


@dataclass(frozen=True)
class BitcoinLink:
    txid: Txid
    raw_tx: bytes
    proof: MerkleProof
    height: int | None  # None if a reorg has since sent the transaction back to the mempool
    confirmations: int


@dataclass(frozen=True)
class OrderingLink:
    l2_block: int
    l2_block_hash: bytes
    l2_header_rlp: bytes
    tx_hash: bytes
    position: int
    kind: str
    block_tx_hashes: tuple[bytes, ...]
    light_tip_height: int
    indexed_height: int
    indexed_hash: BlockHash


@dataclass(frozen=True)
class AnchorLink:
    keystones: tuple[L2Keystone, ...]  # the covering keystone, then descendants up to the published one
    keystone_blocks: tuple[tuple[bytes, bytes], ...]  # (block hash, RLP header) of each keystone's L2 block
    publication_raw_tx: bytes | None
    publication_proof: MerkleProof | None
    publication_height: int | None
    effective_confirmations: int
    superfinal: bool


@dataclass(frozen=True)
class Provenance:
    bitcoin: tuple[BitcoinLink, ...]
    ordering: OrderingLink
    anchoring: AnchorLink
    extra: dict = field(default_factory=dict)

    # ------------------------------------------------------------------ verification from raw bytes

    def verify(self) -> Provenance:
        """Recompute every link from raw bytes; raise ProvenanceError at the first broken one. Returns self."""
        o = self.ordering
        if not self.bitcoin:
            raise ProvenanceError(1, "no Bitcoin transaction recorded as input")
        for link in self.bitcoin:
            tx, raw = decode_tx(link.raw_tx)
            if tx_hashes(tx, raw).txid != bytes(link.txid) or link.proof.txid != link.txid:
                raise ProvenanceError(1, f"raw transaction does not hash to {link.txid}")
            _check_header_pow(1, link.proof.header)
            if not verify_merkle_proof(link.proof):
                raise ProvenanceError(1, f"merkle branch of {link.txid} does not reach its header's merkle root")
            if link.height is None:
                raise ProvenanceError(1, f"{link.txid} is no longer in a block of the best Bitcoin chain")
            if link.height > o.indexed_height:
                raise ProvenanceError(2, f"{link.txid} at Bitcoin height {link.height} was not yet in the hVM view "
                                         f"(indexed tip {o.indexed_height}) of L2 block {o.l2_block}")
        if _keccak(o.l2_header_rlp) != o.l2_block_hash:
            raise ProvenanceError(2, "the L2 header does not hash to the L2 block hash")
        if o.position >= len(o.block_tx_hashes) or o.block_tx_hashes[o.position] != o.tx_hash:
            raise ProvenanceError(2, f"tx 0x{o.tx_hash.hex()} is not at position {o.position} of L2 block {o.l2_block}")
        a = self.anchoring
        if not a.keystones:
            raise ProvenanceError(3, f"no keystone covers L2 block {o.l2_block} yet")
        first = a.keystones[0]
        if first.l2_block_number < o.l2_block:
            raise ProvenanceError(3, f"keystone {first.l2_block_number} is below L2 block {o.l2_block}")
        if len(a.keystone_blocks) != len(a.keystones):
            raise ProvenanceError(3, "one L2 block header per keystone is needed")
        for ks, (block_hash, header_rlp) in zip(a.keystones, a.keystone_blocks, strict=True):
            header = _decode_header(header_rlp)
            if _keccak(header_rlp) != block_hash or bytes(ks.ep_hash) != block_hash:
                raise ProvenanceError(3, f"keystone {ks.l2_block_number}: ep_hash is not its L2 block's hash")
            if bytes(ks.parent_ep_hash) != header.parent_hash or bytes(ks.state_root) != header.state_root:
                raise ProvenanceError(3, f"keystone {ks.l2_block_number}: parent hash or state root differ from "
                                         f"its L2 block")
        for prev, nxt in zip(a.keystones, a.keystones[1:], strict=False):  # consecutive pairs
            if bytes(nxt.prev_ep_keystone_hash) != bytes(prev.ep_hash):
                raise ProvenanceError(3, f"keystone {nxt.l2_block_number} does not descend from "
                                         f"{prev.l2_block_number}")
        if a.publication_raw_tx is None or a.publication_proof is None:
            raise ProvenanceError(3, "the keystone has no publication on the canonical Bitcoin chain yet")
        tx, raw = decode_tx(a.publication_raw_tx)
        abrevs = [parse_pop_script(bytes(out.scriptPubKey)) for out in tx.vout]
        if not any(ab is not None and ab.serialize() == a.keystones[-1].abbreviated() for ab in abrevs):
            raise ProvenanceError(3, "the publication's OP_RETURN does not carry the keystone")
        if tx_hashes(tx, raw).txid != bytes(a.publication_proof.txid):
            raise ProvenanceError(3, "the publication transaction does not hash to its proof's txid")
        _check_header_pow(3, a.publication_proof.header)
        if not verify_merkle_proof(a.publication_proof):
            raise ProvenanceError(3, "the publication's merkle branch does not reach its block header")
        return self

    # ------------------------------------------------------------------ output

    def to_json(self) -> dict:
        o, a = self.ordering, self.anchoring
        return {
            "bitcoin": [{"txid": str(b.txid), "height": b.height, "confirmations": b.confirmations,
                         "raw_tx": b.raw_tx.hex(), "proof": b.proof.to_dict()} for b in self.bitcoin],
            "ordering": {"l2_block": o.l2_block, "l2_block_hash": "0x" + o.l2_block_hash.hex(),
                         "tx_hash": "0x" + o.tx_hash.hex(), "position": o.position, "kind": o.kind,
                         "light_tip_height": o.light_tip_height, "indexed_height": o.indexed_height,
                         "indexed_hash": str(o.indexed_hash), "l2_header_rlp": o.l2_header_rlp.hex()},
            "anchoring": {
                "keystones": [k.to_json() for k in a.keystones],
                "keystone_hash": str(a.keystones[0].hash) if a.keystones else None,
                "publication": None if a.publication_proof is None else {
                    "txid": str(a.publication_proof.txid), "height": a.publication_height,
                    "raw_tx": (a.publication_raw_tx or b"").hex(), "proof": a.publication_proof.to_dict()},
                "effective_confirmations": a.effective_confirmations, "superfinal": a.superfinal,
            },
        }

    def __rich__(self) -> Any:
        from rich.tree import Tree  # deferred: rich's import (~40 ms) is paid only when a provenance is printed

        o, a = self.ordering, self.anchoring
        root = Tree(f"[bold]provenance of EVM tx 0x{o.tx_hash.hex()}")
        b = root.add("[cyan](1) Bitcoin proof")
        for link in self.bitcoin:
            b.add(f"tx {link.txid} in block {link.proof.block_hash} (height {link.height}), "
                  f"index {link.proof.index}, {len(link.proof.branch)}-hash branch, {link.confirmations} confirmations")
        r = root.add("[cyan](2) Hemi ordering")
        r.add(f"L2 block {o.l2_block} 0x{o.l2_block_hash.hex()[:16]}…, position {o.position} ({o.kind})")
        r.add(f"ordered under Bitcoin light tip {o.light_tip_height}, indexed tip {o.indexed_height}")
        p = root.add("[cyan](3) PoP anchoring")
        if a.keystones:
            k = a.keystones[0]
            p.add(f"keystone L2 block {k.l2_block_number}, abbreviated hash {k.hash}")
        if a.publication_proof is not None:
            p.add(f"published in tx {a.publication_proof.txid}, Bitcoin block {a.publication_proof.block_hash} "
                  f"(height {a.publication_height})")
        p.add(f"effective confirmations {a.effective_confirmations}: "
              f"{'[green]superfinal' if a.superfinal else '[yellow]not superfinal'}")
        return root

    def __str__(self) -> str:
        from rich.console import Console  # deferred: as in __rich__, only printing needs rich

        console = Console(width=120, record=True, color_system=None)
        with console.capture() as cap:
            console.print(self)
        return cap.get()


class ProvenanceSource(Chains, Protocol):
    """What a provenance is collected from: both chains, the sequencer's records, keystones and finality."""

    @property
    def sequencer(self) -> Sequencer: ...

    @property
    def keystones(self) -> KeystoneIndex: ...

    def finality(self, target: Target = "latest") -> Finality: ...


def build_provenance(dev: ProvenanceSource, tx_hash: Any) -> Provenance:
    """Collect the three links for an EVM tx from the devchain's records (see the module docstring)."""
    ordering = dev.sequencer.ordering(tx_hash)
    if not ordering.depends_on:
        raise HemiValueError(f"EVM tx 0x{ordering.tx_hash.hex()} consumed no Bitcoin-derived input "
                             f"(no declared dependency, no precompile read naming a txid)")
    btc = dev.btc
    links = []
    for t in ordering.depends_on:
        info = btc.tx(t)
        links.append(BitcoinLink(t, info.tx.serialize(), btc.merkle_proof(t), info.height, info.confirmations))
    engine = dev.engine
    block = engine.block(ordering.l2_block)
    o = OrderingLink(ordering.l2_block, block.hash, rlp.encode(block.header), ordering.tx_hash, ordering.position,
                     ordering.kind, tuple(engine.block_record(ordering.l2_block).tx_hashes),
                     ordering.view.light_tip_height, ordering.view.indexed_height, ordering.view.indexed_hash)
    fin = dev.finality(ordering.l2_block)
    keystones: list = []
    pub = fin.keystone_publication or fin.publication
    if fin.keystone is not None:
        keystones.append(fin.keystone)
        if pub is not None:
            n = fin.keystone.l2_block_number
            while n < pub.l2_block_number:
                n += dev.keystones.interval
                keystones.append(dev.keystones.get(n))
    blocks = tuple((engine.block(k.l2_block_number).hash, rlp.encode(engine.block(k.l2_block_number).header))
                   for k in keystones)
    raw = proof = height = None
    if pub is not None:
        raw, proof, height = btc.tx(pub.txid).tx.serialize(), btc.merkle_proof(pub.txid), pub.height
    anchor = AnchorLink(tuple(keystones), blocks, raw, proof, height, fin.effective_confirmations, fin.superfinal)
    return Provenance(tuple(links), o, anchor)


def _keccak(data: bytes) -> bytes:
    return keccak(data)


class _HeaderFields(NamedTuple):
    parent_hash: bytes
    state_root: bytes


def _decode_header(header_rlp: bytes) -> _HeaderFields:
    """The fields a keystone repeats, read from an L2 header's RLP list (parentHash is item 0, stateRoot item 3 in
    every fork's header layout, so no fork-specific decoding is needed)."""
    items = rlp.decode(header_rlp)
    if not isinstance(items, list) or len(items) < 4 or not all(isinstance(x, bytes) for x in items[:4]):
        raise ProvenanceError(3, "a keystone's L2 header is not an RLP list of header fields")
    return _HeaderFields(items[0], items[3])


def _check_header_pow(link: int, header: bytes) -> None:
    if len(header) != 80:
        raise ProvenanceError(link, "a Bitcoin header is 80 bytes")
    bits = int.from_bytes(header[72:76], "little")
    h = hashlib.sha256(hashlib.sha256(header).digest()).digest()
    if int.from_bytes(h, "little") > bits_to_target(bits):
        raise ProvenanceError(link, "the Bitcoin header does not meet its proof-of-work target")
