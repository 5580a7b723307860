"""The synthetic regtest blocks of hemilabs/op-geth's full-node precompile tests, rebuilt on the embedded chain.

op-geth's ``core/vm/tbc_fullnode_synthetic_test.go`` (``mineRegtestFullBlock``, ``feedSyntheticChain``,
``regtestP2PKH``) and ``..._spend_test.go`` (``buildRegtestCoinbase``, ``mineRegtestBlockWithTxs``) build every block
deterministically: a BIP 34 coinbase whose scriptSig pushes the height and an extra nonce, version-1 transactions,
version-4 headers 60 s after their parent, regtest bits, and the first nonce at or after the extra nonce that meets
the target. This module builds the same bytes (so the same txids and block hashes), puts them on a
:class:`~hemi.btc.BitcoinChain` and indexes them with the devchain's
:class:`~hemi.node.bitcoin_view.btc_index.BitcoinIndexer`.

Blocks that Bitcoin's consensus accepts go through ``submit_block``. op-geth's spend fixtures deliberately spend
immature coinbases with arbitrary scriptSigs and witnesses ("the full node does no script validation on
BlockInsert"); those are inserted the way TBC's ``BlockInsert`` does, without validation, so the indexer sees exactly
the blocks op-geth's tests feed their node.

A :class:`Vectors` object runs the precompiles and counts every compared output as one upstream vector.
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field

from bitcoin import base58
from bitcoin.core import COutPoint, CScriptWitness, CTransaction, CTxIn, CTxInWitness, CTxOut, CTxWitness
from bitcoin.core.script import CScript

from hemi.btc import BitcoinChain, params
from hemi.btc.blocktools import assemble_block, bits_to_target, header_bytes
from hemi.btc.merkle import merkle_root
from hemi.btc.tx import sha256d, tx_hashes
from hemi.hvm.precompiles import DEFAULT_PROFILE, run_precompile
from hemi.node.bitcoin_view.btc_index import BitcoinIndexer

REGTEST_BITS = 0x207FFFFF  # syntheticRegtestPowBits = chaincfg.RegressionNetParams.PowLimitBits
NULL = b"\x00" * 32


def rev(b: bytes) -> bytes:
    """op-geth ``reversedHash`` / ``reverseBytes``: the display-order form the precompiles take and give."""
    return bytes(b)[::-1]


def u16(n: int) -> bytes:
    return n.to_bytes(2, "big")


def u32(n: int) -> bytes:
    return (n & 0xFFFFFFFF).to_bytes(4, "big")


def u64(n: int) -> bytes:
    return n.to_bytes(8, "big")


def regtest_p2pkh(fill: int) -> tuple[bytes, str]:
    """op-geth ``regtestP2PKH``: the P2PKH script and regtest address of a 20-byte hash of ``fill`` bytes."""
    h160 = bytes([fill]) * 20
    return b"\x76\xa9\x14" + h160 + b"\x88\xac", str(base58.CBase58Data.from_bytes(h160, 0x6F))


def coinbase(height: int, spk: bytes, value: int, extra_nonce: int) -> CTransaction:
    """op-geth ``buildRegtestCoinbase`` (and the coinbase of ``mineRegtestFullBlock``)."""
    return CTransaction([CTxIn(COutPoint(NULL, 0xFFFFFFFF), CScript([height, extra_nonce]), 0xFFFFFFFF)],
                        [CTxOut(value, spk)], 0, 1)


def spend_tx(inputs: Sequence[tuple[bytes, int, bytes, Sequence[bytes], int]],
             outputs: Sequence[tuple[int, bytes]]) -> CTransaction:
    """A version-1 transaction: inputs (prev txid, vout, scriptSig, witness, sequence), outputs (value, script)."""
    vin = [CTxIn(COutPoint(t, n), CScript(sig), seq) for t, n, sig, _, seq in inputs]
    wit = CTxWitness([CTxInWitness(CScriptWitness(list(w))) for _, _, _, w, _ in inputs])
    return CTransaction(vin, [CTxOut(v, CScript(spk)) for v, spk in outputs], 0, 1, wit)


@dataclass(frozen=True)
class Block:
    header: bytes
    txs: tuple[CTransaction, ...]

    @property
    def hash(self) -> bytes:
        return sha256d(self.header)

    @property
    def time(self) -> int:
        return struct.unpack_from("<I", self.header, 68)[0]

    def txid(self, i: int = 0) -> bytes:
        return self.txs[i].GetTxid()


def genesis() -> Block:
    g = params.GENESIS_BLOCK
    return Block(g.get_header().serialize(), tuple(g.vtx))


def mine(prev: Block, txs: Sequence[CTransaction], extra_nonce: int) -> Block:
    """op-geth ``mineRegtestBlockWithTxs``: version 4, parent time + 60 s, regtest bits, the first nonce from
    ``extra_nonce`` on that meets the target."""
    merkle = merkle_root([t.GetTxid() for t in txs])
    target = bits_to_target(REGTEST_BITS)
    nonce = extra_nonce
    while True:
        header = header_bytes(4, prev.hash, merkle, prev.time + 60, REGTEST_BITS, nonce)
        if int.from_bytes(sha256d(header), "little") <= target:
            return Block(header, tuple(txs))
        nonce += 1


def full_chain(n: int, spk: bytes, value: int) -> list[Block]:
    """op-geth ``feedSyntheticChain``'s blocks: ``n`` coinbase-only blocks, extra nonce ``i*100000+1``."""
    blocks, prev = [], genesis()
    for i in range(n):
        prev = mine(prev, [coinbase(i + 1, spk, value, i * 100_000 + 1)], i * 100_000 + 1)
        blocks.append(prev)
    return blocks


def insert(chain: BitcoinChain, *blocks: Block) -> None:
    """Put blocks on the chain: ``submit_block`` when consensus accepts them, else as TBC's ``BlockInsert`` does,
    unvalidated (op-geth's spend fixtures spend immature coinbases with arbitrary scriptSigs)."""
    for b in blocks:
        cblock = assemble_block(b.header, b.txs)
        if all(len(t.vin) == 1 and t.vin[0].prevout.is_null() for t in b.txs):
            assert chain.submit_block(cblock) is None
            continue
        rec = chain.node.chainstate.add_record(b.hash, list(b.txs), b.header, [tx_hashes(t) for t in b.txs], cblock)
        assert rec.prev == bytes(chain.tip), "unvalidated blocks only extend the tip"
        chain.node.chainstate.connect(rec, verify=False)


def indexed(chain: BitcoinChain, tip: Block | None = None) -> BitcoinIndexer:
    """op-geth ``SyncIndexersToHash(tip)``: the devchain's indexer moved to ``tip`` (default: the chain's tip)."""
    ix = BitcoinIndexer(chain)
    ix.index_to(tip.hash if tip is not None else bytes(chain.tip))
    return ix


# ------------------------------------------------------------------ vectors

_TALLY = {"vectors": 0, "identical": 0, "differing": []}
SURVEY_PROFILE = os.environ.get("HEMI_UPSTREAM_SURVEY")  # set: run under that profile and count, never fail


@dataclass
class Vectors:
    """Runs precompiles against an indexer and compares each output with the upstream expectation (one vector)."""

    ix: BitcoinIndexer
    light_tip: int | None = None  # op-geth's TBCUpstreamTip height (default: the indexed tip)
    profile: str = field(default_factory=lambda: SURVEY_PROFILE or DEFAULT_PROFILE)

    def run(self, address: int, data: bytes) -> tuple[bool, bytes]:
        tip = self.light_tip if self.light_tip is not None else self.ix.height
        return run_precompile(address, data, self.ix.reader(tip), self.profile)

    def out(self, address: int, data: bytes) -> bytes:
        """The returndata of a call op-geth answers with ``(bytes, nil)`` or ``(nil, nil)``."""
        ok, out = self.run(address, data)
        return out if ok else b"<raw error>"

    def eq(self, got: object, want: object, label: str) -> None:
        _TALLY["vectors"] += 1
        if got == want:
            _TALLY["identical"] += 1
            return
        _TALLY["differing"].append(label)
        if SURVEY_PROFILE is None:
            raise AssertionError(f"{label}: got {got!r}, upstream expects {want!r}")


def write_tally(path: str) -> None:
    with open(path, "w") as f:
        json.dump(_TALLY, f, indent=1)
