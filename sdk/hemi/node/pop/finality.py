"""Bitcoin finality of L2 blocks, computed as Hemi's BFG v2 does (heminetwork ``service/bfg/bfg.go``; docs/finality.md).

The finality of an L2 block is that of the keystone providing it: the next keystone at or above the block
(op-node ``getKeystoneProvidingFinality``). For that keystone BFG asks op-geth for it and up to 10 descendants
(``kss_getKeystone(hash, 10)``), looks up each one's first publication block in TBC, and keeps the best
``effective_confirmations = btc_tip_height − publication_height`` (a publication in the tip block has 0; one above
the tip is skipped), paging on from the newest published descendant until the best reaches 20
(``ultraFinalityDepth``) or no later descendant is published. The wire forms (BFG's JSON, op-node's RPC answers) are
built from :class:`Finality` by its ``to_*`` methods and by :mod:`hemi.node.pop.finality_wire`.
``super_finality = effective_confirmations >= 10`` (``bfgapi.BitcoinSuperFinality``; configurable here).

The legacy v1 number (BSS era, still read by hemi-viem) is reported too: ``btc_finality = tip − effectiveHeight −
9 + 1`` capped at 100, −9 when unpublished, where ``effectiveHeight`` is the lowest Bitcoin height at which the
keystone or any descendant was published (heminetwork v1.6.3 ``hemi.L2BTCFinalityFromBfgd``).

Everything is recomputed from the canonical Bitcoin chain on every call: a reorg that removes a publication lowers
the finality at once. The Bitcoin tip is the full chain's (TBC's), not the hVM's lagging view.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hemi.errors import FutureBlockError, HemiValueError, NotSuperfinalizable, UnknownFinalityTarget, brief
from hemi.node.pop.keystones import KeystoneIndex, L2Keystone
from hemi.node.pop.publications import PopNetwork, Publication
from hemi.types import L2_BLOCK_TAGS, HashLike, bytes32, l2_target

if TYPE_CHECKING:
    from hemi.node.context import ChainControl

__all__ = [
    "SUPERFINALITY_THRESHOLD", "ULTRA_FINALITY_DEPTH", "DESCENDANT_PAGE", "Finality", "FinalityService",
    "UnknownFinalityTarget", "FutureBlockError", "NotSuperfinalizable",  # defined in hemi.errors, kept here too
]

SUPERFINALITY_THRESHOLD = 10  # bfgapi.BitcoinSuperFinality
ULTRA_FINALITY_DEPTH = 20  # bfg ultraFinalityDepth: stop paging descendants once the best reaches this
DESCENDANT_PAGE = 10  # bfg defaultKeystoneCount
V1_FINALITY_DELAY = 9  # v1: btc_finality = tip - effectiveHeight - 9 + 1
V1_UNPUBLISHED = -9
V1_CAP = 100

Target = int | bytes | str | L2Keystone | Mapping[str, Any]  # a mapping: a web3 receipt (its transactionHash)


@dataclass(frozen=True)
class Finality:
    """The Bitcoin finality of one L2 block."""

    l2_block: int
    l2_block_hash: bytes
    keystone: L2Keystone | None  # the keystone providing finality; None while it is not mined
    publication: Publication | None  # the publication giving the best confirmations (maybe a descendant's)
    effective_confirmations: int
    superfinal: bool
    btc_finality: int  # legacy v1 number, −9 … 100
    btc_tip_height: int
    superfinality_threshold: int = SUPERFINALITY_THRESHOLD
    keystone_publication: Publication | None = None  # the keystone's own first publication

    def to_bfg_v2(self) -> dict:
        """Exactly the JSON of BFG's ``GET /v2/keystonefinality/{hash}`` (heminetwork ``api/bfgapi/bfgapi.go``
        ``L2KeystoneBitcoinFinalityResponse``, keys in its field order; docs/finality.md).

        ``block_hash`` is the publication block's hash in INTERNAL byte order (``api.ByteSlice(hash[:])``). BFG keeps
        a candidate only when its confirmations are strictly above the best so far, starting from 0
        (``service/bfg/bfg.go`` ``handleKeystoneFinality``), so a keystone published only in the Bitcoin tip block
        looks unpublished: ``""``, height 0, 0 confirmations and no ``super_finality`` key (``*bool,omitempty``).
        ``l2_keystone`` is None only in the Python form for a block whose keystone is not mined (BFG answers 404)."""
        p = self.publication if self.effective_confirmations > 0 else None
        out = {
            "l2_keystone": self.keystone.to_json() if self.keystone is not None else None,
            "block_hash": bytes(p.block_hash).hex() if p is not None else "",
            "block_height": p.height if p is not None else 0,
            "effective_confirmations": self.effective_confirmations if p is not None else 0,
        }
        if p is not None:
            out["super_finality"] = self.effective_confirmations >= self.superfinality_threshold
        return out

    def to_legacy(self) -> dict:
        """The v1 op-node object ``L2BTCFinality{l2_keystone, btc_pub_height, btc_pub_header_hash, btc_finality}``
        (heminetwork v1.6.3 ``hemi/hemi.go``): pub height/hash are the keystone's own first publication, the hash in
        INTERNAL byte order (bfgd stored ``DoubleHashB(header)``); −1 / "" when it has none."""
        p = self.keystone_publication
        return {
            "l2_keystone": self.keystone.to_json() if self.keystone is not None else None,
            "btc_pub_height": p.height if p is not None else -1,
            "btc_pub_header_hash": bytes(p.block_hash).hex() if p is not None else "",
            "btc_finality": self.btc_finality,
        }

    def to_json(self) -> dict:
        p = self.publication
        return {
            "l2_block": self.l2_block,
            "l2_block_hash": "0x" + self.l2_block_hash.hex(),
            "keystone": self.keystone.to_json() if self.keystone is not None else None,
            "keystone_hash": self.keystone.hash.hex if self.keystone is not None else None,
            "publication": p.to_json() if p is not None else None,
            "effective_confirmations": self.effective_confirmations,
            "superfinal": self.superfinal,
            "superfinality_threshold": self.superfinality_threshold,
            "btc_finality": self.btc_finality,
            "btc_tip_height": self.btc_tip_height,
            "bfg_v2": self.to_bfg_v2(),
            "legacy": self.to_legacy(),
        }


class FinalityService:
    """Finality queries and :meth:`superfinalize` over a devchain, its keystones and its PoP network."""

    def __init__(self, chains: ChainControl, keystones: KeystoneIndex, pop: PopNetwork, *,
                 superfinality_threshold: int = SUPERFINALITY_THRESHOLD) -> None:
        if isinstance(superfinality_threshold, bool) or not isinstance(superfinality_threshold, int) or \
                superfinality_threshold < 0:
            raise HemiValueError(f"superfinality_threshold is a non-negative int, got {superfinality_threshold!r}")
        self.chains = chains
        self.keystones = keystones
        self.pop = pop
        self.superfinality_threshold = superfinality_threshold

    # ------------------------------------------------------------------ targets

    def block_number(self, target: Target, *, allow_future: bool = False) -> int:
        """The L2 block number ``target`` names: a number, a tag (``"latest"``, ``"safe"``, ``"finalized"``,
        ``"pending"``: the head; ``"earliest"``: 0), an L2 block hash, an EVM tx hash or a web3 receipt (anything
        with ``transactionHash``: the block that mined it), or a keystone; the targets :mod:`hemi.testing`'s
        assertions take (both unwrap a receipt with :func:`hemi.types.l2_target`)."""
        engine = self.chains.engine
        head = engine.head_number
        given, target = target, l2_target(target)  # type: ignore[assignment]
        if isinstance(target, L2Keystone):
            return target.l2_block_number
        if isinstance(target, int) and not isinstance(target, bool):
            if target < 0:
                raise HemiValueError(f"an L2 block number is non-negative, got {target}")
            if target > head and not allow_future:
                raise FutureBlockError(f"L2 block {target} is in the future (head is {head})")
            return target
        if isinstance(target, str) and target in L2_BLOCK_TAGS:
            return 0 if target == "earliest" else head
        if isinstance(target, (bytes, bytearray, memoryview, str)):
            h = bytes32(target)
            if h is None:
                raise HemiValueError(f"a finality target is an L2 block number, a tag, a 32-byte L2 block hash, "
                                     f"an EVM transaction hash or a receipt; got {brief(given)}")
            n = engine.block_number_of(h)
            if n is not None:
                return n
            rec = engine.tx_record(h)
            if rec is not None:
                return rec.block_number
            raise UnknownFinalityTarget(f"0x{h.hex()} is neither an L2 block hash nor a mined EVM transaction hash "
                                        f"on the current chain (head is {head})")
        raise HemiValueError(f"cannot take the finality of {type(given).__name__} {brief(given)}: a finality "
                             f"target is an L2 block number, a tag, a 32-byte hash or a receipt (transactionHash)")

    # ------------------------------------------------------------------ queries

    def _effective(self, ks: L2Keystone, tip: int) -> tuple[int, Publication | None]:
        """BFG v2 ``handleKeystoneFinality`` (heminetwork ``service/bfg/bfg.go``): over the keystone and up to 10
        descendants, the best (tip − first publication height), a publication above the tip skipped
        (``calculateFinality`` errors). The next page starts at the newest keystone of this page that is PUBLISHED
        (only keystones TBC found set the cursor), and paging stops when none is, when the cursor does not move, or
        when the best reaches 20. The returned publication is the first one with the best count, a publication in
        the tip block included (the wire form hides it: see :meth:`Finality.to_bfg_v2`)."""
        best, best_pub = 0, None
        query = ks
        while True:
            cursor = None
            for k in [query] + self.keystones.descendants(query, DESCENDANT_PAGE):
                pub = self.pop.first_publication(k.hash)
                if pub is None or pub.height > tip:
                    continue
                conf = tip - pub.height
                if best_pub is None or conf > best:
                    best, best_pub = conf, pub
                if k.l2_block_number > ks.l2_block_number:
                    cursor = k
            if cursor is None or cursor.l2_block_number == query.l2_block_number or best >= ULTRA_FINALITY_DEPTH:
                break
            query = cursor
        return best, best_pub

    def _v1(self, ks: L2Keystone, tip: int) -> int:
        heights = [p.height for k, p in ((k, self.pop.first_publication(k.hash))
                                         for k in [ks] + self._all_descendants(ks)) if p is not None]
        if not heights:
            return V1_UNPUBLISHED
        return min(V1_CAP, tip - min(heights) - V1_FINALITY_DELAY + 1)

    def _all_descendants(self, ks: L2Keystone) -> list[L2Keystone]:
        n = (self.keystones.head_number - ks.l2_block_number) // self.keystones.interval
        return self.keystones.descendants(ks, max(0, n))

    def finality(self, target: Target = "latest") -> Finality:
        """The Bitcoin finality of an L2 block (number, block hash, or EVM tx hash)."""
        n = self.block_number(target)
        block_hash = bytes(self.chains.engine.block(n).hash)
        tip = self.chains.btc.height
        ks = self.keystones.keystone_for(n)
        if ks is None:
            return Finality(n, block_hash, None, None, 0, False, V1_UNPUBLISHED, tip, self.superfinality_threshold)
        eff, pub = self._effective(ks, tip)
        return Finality(n, block_hash, ks, pub, eff, pub is not None and eff >= self.superfinality_threshold,
                        self._v1(ks, tip), tip, self.superfinality_threshold, self.pop.first_publication(ks.hash))

    def keystone_finality(self, keystone_hash: HashLike) -> Finality:
        """BFG's ``/v2/keystonefinality/{hash}``: finality by abbreviated keystone hash (unknown → lookup error)."""
        return self.finality(self.keystones.get(keystone_hash))

    # ------------------------------------------------------------------ driving both chains

    def superfinalize(self, target: Target = "latest", *, max_l2_blocks: int = 1_000,
                      max_btc_blocks: int | None = None) -> Finality:
        """Mine L2 blocks up to the keystone providing ``target``'s finality, have the PoP miners publish it, mine
        Bitcoin blocks until its effective confirmations reach the threshold, then sync the hVM view.

        Bounded: raises :class:`NotSuperfinalizable` naming what is missing (no online miner, too many blocks
        needed, a publication that never confirmed). ``max_btc_blocks`` defaults to the threshold plus the longest
        miner delay plus 10 (lazy funding of a miner's wallet is not counted)."""
        dev, pop, ksi = self.chains, self.pop, self.keystones
        n = self.block_number(target, allow_future=True)
        k_number = ksi.keystone_number_for(n)
        current = self.finality(n) if n <= dev.engine.head_number else None
        if current is not None and current.superfinal:
            return current
        existing = ksi.keystone_for(n)
        published = existing is not None and (pop.first_publication(existing.hash) is not None
                                              or pop.mempool_publications(existing.hash))
        if not published and not pop.online_miners:
            if pop.miners:
                names = ", ".join(pop.miners)
                raise NotSuperfinalizable(f"no PoP miner is online: miners {names} are offline, so keystone "
                                          f"{k_number} would never be published (pop.set_policy(name, 'immediate') "
                                          f"or publish it by hand with pop.publish())")
            raise NotSuperfinalizable(f"no PoP miners: keystone {k_number} would never be published "
                                      f"(add one with pop.add_miner(name))")
        needed = k_number - dev.engine.head_number
        if needed > max_l2_blocks:
            raise NotSuperfinalizable(f"keystone {k_number} needs {needed} more L2 blocks, over "
                                      f"max_l2_blocks={max_l2_blocks}")
        if needed > 0:
            dev.mine(needed)
        ks = ksi.get(k_number)
        pop.poll()
        pop.ensure_published(ks)
        if max_btc_blocks is None:
            delay = max((m.after_btc_blocks for m in pop.online_miners if m.policy == "delay"), default=0)
            max_btc_blocks = self.superfinality_threshold + delay + 10
        mined = 0
        while True:
            f = self.finality(n)
            if f.superfinal:
                break
            if mined >= max_btc_blocks:
                raise NotSuperfinalizable(self._why(ks, f, mined))
            if f.publication is not None:
                step = min(max(1, self.superfinality_threshold - f.effective_confirmations), max_btc_blocks - mined)
            else:
                step = 1
            dev.btc.mine(step)
            mined += step
            pop.poll()
            if pop.first_publication(ks.hash) is None and not pop.mempool_publications(ks.hash):
                pop.ensure_published(ks)
        dev.sync_btc(max_blocks=max(1, max_l2_blocks))
        return self.finality(n)

    def _why(self, ks: L2Keystone, f: Finality, mined: int) -> str:
        if f.publication is None:
            pending = self.pop.mempool_publications(ks.hash)
            fails = [x for x in self.pop.failures if x.keystone_hash == ks.hash]
            detail = f"; {len(pending)} PoP tx(s) still in the mempool" if pending else ""
            if fails:
                detail += "; failures: " + "; ".join(f"{x.miner}: {x.error}" for x in fails)
            waiting = [m.name for m in self.pop.miners.values() if bytes(ks.hash) in m.pending]
            if waiting:
                detail += f"; miners still delaying: {', '.join(waiting)}"
            return (f"publication never confirmed: no PoP tx for keystone {ks.l2_block_number} ({ks.hash}) entered "
                    f"the canonical Bitcoin chain after {mined} Bitcoin blocks{detail}")
        return (f"keystone {ks.l2_block_number} has {f.effective_confirmations} effective confirmations after "
                f"{mined} Bitcoin blocks, below the threshold {self.superfinality_threshold}")
