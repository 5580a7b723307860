"""Proof-of-Proof miners and the PoP publication index.

Sources: heminetwork ``hemi/pop/pop.go``, ``service/tbc/keystoneindex.go``.

A PoP miner publishes each keystone to Bitcoin in a real transaction, built as heminetwork's
``bitcoin/wallet PoPTransactionCreate`` builds it: version 2, ``nLockTime`` = the current Bitcoin height, ONE input
(a single P2PKH coin of the miner large enough for the fee), a change output back to the same P2PKH script unless
it is dust, then the OP_RETURN output (value 0) ``6a 4c 50 || "HEMI" || 76-byte abbreviated keystone`` (83 bytes,
exactly the relay limit). The fee is the ``txsizes.EstimateSerializeSize`` figure for that shape, 284 bytes, times the
miner's fee rate.

:class:`PopNetwork` (``dev.pop``) holds the miners. Each has a policy: ``"immediate"`` publishes when a keystone
block is sealed, ``"delay"`` once ``after_btc_blocks`` more Bitcoin blocks exist than when the keystone appeared
(checked on every L2 block and by :meth:`PopNetwork.poll`), ``"offline"`` never publishes by itself.
A publication made by hand (:meth:`PopNetwork.publish`) ignores the policy.

**Funding.** A miner's wallet is ``dev.btc.wallet(f"pop-{name}")``, paying from its P2PKH address. It is funded
lazily, the first time it needs a coin: from the "miner" wallet (where ``btc.mine`` pays by default) with one
1 BTC output per needy miner when that wallet has mature coins; otherwise by mining one block to each needy miner
and then 100 blocks (coinbase maturity) to the "miner" wallet. Either way the result depends only on the chain
state, so runs stay deterministic. Call :meth:`PopNetwork.fund` to do it up front.

**The index** mirrors TBC's keystone index: every canonical Bitcoin block (coinbase skipped) is parsed for PoP
OP_RETURNs as heminetwork's ``pop.ParseTransactionL2FromOpReturn`` does; malformed ones are ignored. Parsed blocks
are cached by block hash and the whole index by tip hash, so reorgs are handled by construction.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bitcoin.core import CMutableTransaction, COutPoint, CScript, CTransaction, CTxIn, CTxOut

from hemi.btc import params
from hemi.btc.models import Utxo
from hemi.btc.validation import dust_threshold
from hemi.btc.wallet import Wallet
from hemi.errors import HemiError, HemiLookupError, HemiValueError, InsufficientFunds
from hemi.node.pop.keystones import KeystoneHash, KeystoneIndex, L2Keystone, L2KeystoneAbrev, UnknownKeystoneError
from hemi.types import BlockHash, HashLike, Txid

if TYPE_CHECKING:
    from hemi.node.context import Chains

__all__ = [
    "POP_MAGIC", "POP_TX_SIZE_ESTIMATE", "POLICIES", "Publication", "PopFailure", "PopMiner", "PopNetwork",
    "UnknownMinerError", "pop_script", "parse_pop_script",
]

POP_MAGIC = b"HEMI"  # heminetwork hemi/pop: magic
POP_TX_SIZE_ESTIMATE = 284  # EstimateSerializeSize(1 P2PKH input, [OP_RETURN out], change): 8+1+1+148+92+34
FUND_SATS = params.COIN  # what lazy funding gives each miner (~170k publications at 2 sat/vB)
POLICIES = ("immediate", "delay", "offline")
_OP_RETURN, _OP_PUSHDATA1, _OP_PUSHDATA2, _OP_PUSHDATA4 = 0x6A, 0x4C, 0x4D, 0x4E
_FINAL_SEQUENCE = 0xFFFFFFFF  # btcd wire.NewTxIn: MaxTxInSequenceNum


class UnknownMinerError(HemiLookupError):
    """No PoP miner of this name."""


def pop_script(keystone: L2Keystone | L2KeystoneAbrev) -> bytes:
    """The 83-byte OP_RETURN script publishing ``keystone``: ``6a 4c 50 || "HEMI" || abbreviation``
    (``pop.TransactionL2.EncodeToOpReturn``: btcd's ScriptBuilder pushes 80 bytes with OP_PUSHDATA1)."""
    abrev = keystone.abbreviated() if isinstance(keystone, L2Keystone) else keystone.serialize()
    data = POP_MAGIC + abrev
    return bytes([_OP_RETURN, _OP_PUSHDATA1, len(data)]) + data


def _first_push(script: bytes, pos: int) -> bytes | None:
    """The data of the opcode at ``pos`` as btcd's tokenizer gives it: the push's bytes, b"" for a non-push opcode,
    None when the script is truncated (the tokenizer fails)."""
    if pos >= len(script):
        return None
    op = script[pos]
    pos += 1
    if op == 0:
        return b""
    if op < _OP_PUSHDATA1:
        n = op
    elif op in (_OP_PUSHDATA1, _OP_PUSHDATA2, _OP_PUSHDATA4):
        width = {_OP_PUSHDATA1: 1, _OP_PUSHDATA2: 2, _OP_PUSHDATA4: 4}[op]
        if pos + width > len(script):
            return None
        n = int.from_bytes(script[pos:pos + width], "little")
        pos += width
    else:
        return b""  # an opcode without data: Data() is nil
    if pos + n > len(script):
        return None
    return script[pos:pos + n]


def parse_pop_script(script: bytes) -> L2KeystoneAbrev | None:
    """``pop.ParseTransactionL2FromOpReturn``: OP_RETURN, then a push of ≥ 5 bytes starting with ``HEMI``, then a
    valid 76-byte version-1 abbreviated keystone. Anything else (wrong magic, short data, garbage) gives None."""
    try:
        s = bytes(script)
        if not s or s[0] != _OP_RETURN:
            return None
        data = _first_push(s, 1)
        if data is None or len(data) < 5 or data[:4] != POP_MAGIC:
            return None
        return L2KeystoneAbrev.from_bytes(data[4:])
    except Exception:  # noqa: BLE001 - the indexer never fails on a malformed output
        return None


@dataclass(frozen=True)
class Publication:
    """A PoP transaction in a block of the canonical Bitcoin chain."""

    keystone_hash: KeystoneHash
    txid: Txid
    block_hash: BlockHash
    height: int
    tx_index: int
    miner: str | None  # the PopNetwork miner whose key signed it; None for someone else's tx
    abbreviated: L2KeystoneAbrev

    @property
    def l2_block_number(self) -> int:
        return self.abbreviated.l2_block_number

    def to_json(self) -> dict:
        return {"keystone_hash": self.keystone_hash.hex, "txid": self.txid.hex, "block_hash": self.block_hash.hex,
                "height": self.height, "tx_index": self.tx_index, "miner": self.miner,
                "l2_block_number": self.l2_block_number}


@dataclass(frozen=True)
class PopFailure:
    """An automatic publication that could not be made (the L2 block is sealed anyway)."""

    miner: str
    l2_block_number: int
    keystone_hash: KeystoneHash
    error: str


@dataclass
class PopMiner:
    """One PoP miner: its policy, fee rate, and what it published or waits to publish."""

    name: str
    policy: str = "immediate"
    after_btc_blocks: int = 0
    fee_rate: float = 2.0  # sat/vB
    network: Any = field(default=None, repr=False, compare=False)
    pending: dict = field(default_factory=dict, repr=False)  # raw keystone hash -> (L2Keystone, btc height seen)
    published: dict = field(default_factory=dict, repr=False)  # raw keystone hash -> [Txid, ...]

    @property
    def wallet(self) -> Wallet:
        w: Wallet = self.network.chains.btc.wallet(f"pop-{self.name}")
        return w

    @property
    def address(self) -> str:
        """The P2PKH address it publishes from (popmd's miner address)."""
        return self.wallet.address_of("p2pkh")

    @property
    def script(self) -> bytes:
        return self.wallet.script_of("p2pkh")

    @property
    def online(self) -> bool:
        return self.policy != "offline"

    def txids(self) -> list[Txid]:
        return [t for ts in self.published.values() for t in ts]


def _check_policy(policy: str, after_btc_blocks: int, fee_rate: float) -> None:
    if policy not in POLICIES:
        raise HemiValueError(f"policy is one of {', '.join(POLICIES)}; got {policy!r}")
    if isinstance(after_btc_blocks, bool) or not isinstance(after_btc_blocks, int) or after_btc_blocks < 0:
        raise HemiValueError(f"after_btc_blocks is a non-negative int, got {after_btc_blocks!r}")
    if isinstance(fee_rate, bool) or not isinstance(fee_rate, (int, float)) or not math.isfinite(fee_rate) or \
            fee_rate < 1:
        raise HemiValueError(f"fee_rate is a number of sat/vB ≥ 1 (the minimum relay fee), got {fee_rate!r}")


class PopNetwork:
    """The devchain's PoP miners and its TBC-like publication index (``dev.pop``).

    Starts with one miner, ``"default"``, publishing immediately at 2 sat/vB (``default_miner=False`` for none).
    Install :meth:`on_block` as the devchain's block hook so miners react to keystones.
    """

    def __init__(self, chains: Chains, keystones: KeystoneIndex | None = None, *, default_miner: bool = True,
                 auto_fund: bool = True) -> None:
        self.chains = chains
        self.keystones = keystones if keystones is not None else KeystoneIndex(chains)
        self.auto_fund = auto_fund
        self.miners: dict[str, PopMiner] = {}
        self.failures: list[PopFailure] = []
        self._pubkeys: dict[bytes, str] = {}  # every miner key ever added, for attribution (deterministic by name)
        self._block_cache: dict[bytes, tuple] = {}  # BTC block hash -> ((tx_index, txid, abrev, pubkey), ...)
        self._index_cache: tuple[bytes, dict] | None = None  # (tip hash, raw keystone hash -> [Publication])
        if default_miner:
            self.add_miner("default")

    # ------------------------------------------------------------------ miners

    def add_miner(self, name: str, *, policy: str = "immediate", after_btc_blocks: int = 0,
                  fee_rate: float = 2.0) -> PopMiner:
        if not isinstance(name, str) or not name:
            raise HemiValueError(f"a miner name is a non-empty str, got {name!r}")
        if name in self.miners:
            raise HemiValueError(f"a PoP miner named {name!r} exists already")
        _check_policy(policy, after_btc_blocks, fee_rate)
        m = PopMiner(name, policy, after_btc_blocks, float(fee_rate), self)
        self.miners[name] = m
        self._pubkeys[m.wallet.pubkey] = name
        return m

    def miner(self, name: str = "default") -> PopMiner:
        try:
            return self.miners[name]
        except KeyError:
            raise UnknownMinerError(f"no PoP miner {name!r}; miners: {', '.join(self.miners) or 'none'}") from None

    def remove_miner(self, name: str) -> None:
        self.miner(name)
        del self.miners[name]

    def set_policy(self, name: str = "default", policy: str | None = None, *,
                   after_btc_blocks: int | None = None, fee_rate: float | None = None) -> PopMiner:
        """Change a miner's policy, delay or fee rate (omitted ones stay). Keystones a miner was delaying stay
        pending under the new delay; switching to "immediate" or "offline" drops them."""
        m = self.miner(name)
        new_policy = m.policy if policy is None else policy
        after = m.after_btc_blocks if after_btc_blocks is None else after_btc_blocks
        rate = m.fee_rate if fee_rate is None else fee_rate
        _check_policy(new_policy, after, rate)
        m.policy, m.after_btc_blocks, m.fee_rate = new_policy, after, float(rate)
        if new_policy != "delay":
            m.pending.clear()
        return m

    @property
    def online_miners(self) -> list[PopMiner]:
        return [m for m in self.miners.values() if m.online]

    # ------------------------------------------------------------------ funding

    def _coin_for(self, m: PopMiner, fee: int) -> Utxo | None:
        """Single-UTXO selection (``UtxoPickerSingle``): the first of the miner's P2PKH coins worth at least the
        fee, confirmed ones first (oldest first), then unconfirmed change."""
        spk = m.script
        for u in m.wallet.utxos:
            if u.script_pubkey == spk and u.mature and u.value >= fee:
                return u
        return None

    def _fee(self, m: PopMiner) -> int:
        return math.ceil(POP_TX_SIZE_ESTIMATE * m.fee_rate)

    def fund(self, names: Iterable[str] | None = None) -> list[str]:
        """Give every miner (or those named) without a usable P2PKH coin one; returns the names funded.

        Pays 1 BTC to each from the "miner" wallet when it has that much mature; otherwise mines one block to each
        and 100 more to the "miner" wallet so the coinbases mature."""
        miners = [self.miner(n) for n in names] if names is not None else list(self.miners.values())
        needy = [m for m in miners if self._coin_for(m, self._fee(m)) is None]
        if not needy:
            return []
        btc = self.chains.btc
        source = btc.wallet("miner")
        if source.balance >= FUND_SATS * len(needy) + 100_000:
            btc.send_raw(source.build_tx(outputs=[(m.address, FUND_SATS) for m in needy]))
        else:
            for m in needy:
                btc.mine(1, to=m.address)
            btc.mine(params.COINBASE_MATURITY)
        return [m.name for m in needy]

    # ------------------------------------------------------------------ publishing

    def _resolve_keystone(self, keystone: None | int | HashLike | L2Keystone) -> L2Keystone:
        if keystone is None:
            latest = self.keystones.latest(1)
            if not latest:
                raise UnknownKeystoneError(f"no keystone mined yet (L2 head is {self.keystones.head_number}; the "
                                           f"first keystone is block {self.keystones.interval})")
            return latest[0]
        if isinstance(keystone, L2Keystone):
            return keystone
        return self.keystones.get(keystone)

    def build_publication(self, keystone: None | int | HashLike | L2Keystone = None, *,
                          miner: str = "default") -> CTransaction:
        """The signed PoP transaction ``miner`` would broadcast for ``keystone`` (None: the latest); not sent."""
        m = self.miner(miner)
        ks = self._resolve_keystone(keystone)
        fee = self._fee(m)
        coin = self._coin_for(m, fee)
        if coin is None and self.auto_fund:
            self.fund([m.name])
            coin = self._coin_for(m, fee)
        if coin is None:
            raise InsufficientFunds(f"PoP miner {m.name!r} has no P2PKH coin of at least {fee} sats at {m.address}; "
                                    f"fund it (pop.fund()) or enable auto_fund")
        spk = m.script
        outs = []
        change = coin.value - fee
        if change >= dust_threshold(spk):
            outs.append(CTxOut(change, CScript(spk)))
        outs.append(CTxOut(0, CScript(pop_script(ks))))
        vin = [CTxIn(COutPoint(bytes(coin.txid), coin.vout), CScript(), _FINAL_SEQUENCE)]
        tx = CMutableTransaction(vin, outs, self.chains.btc.height, 2)
        return m.wallet.sign(tx, [(coin.value, spk)])

    def publish(self, keystone: None | int | HashLike | L2Keystone = None, *, miner: str = "default") -> Txid:
        """Broadcast ``miner``'s PoP transaction for ``keystone`` (None: the latest) to the Bitcoin mempool.

        Ignores the miner's policy (a hand-made publication); any miner may publish a keystone again."""
        m = self.miner(miner)
        ks = self._resolve_keystone(keystone)
        txid = self.chains.btc.send_raw(self.build_publication(ks, miner=m.name))
        key = bytes(ks.hash)
        m.published.setdefault(key, []).append(txid)
        m.pending.pop(key, None)
        return txid

    def _auto_publish(self, m: PopMiner, ks: L2Keystone) -> Txid | None:
        try:
            return self.publish(ks, miner=m.name)
        except HemiError as e:  # never break L2 block production; recorded in self.failures
            m.pending.pop(bytes(ks.hash), None)
            self.failures.append(PopFailure(m.name, ks.l2_block_number, ks.hash, f"{type(e).__name__}: {e}"))
            return None

    def on_block(self, dev: Chains, number: int) -> None:
        """The devchain's block hook: on a keystone block each online miner publishes or starts its delay; then
        delayed miners whose time has come publish (:meth:`poll`)."""
        if self.keystones.is_keystone(number):
            ks = self.keystones.get(number)
            eager = [m.name for m in self.miners.values() if m.policy == "immediate"]
            if self.auto_fund and eager:
                try:
                    self.fund(eager)  # one maturity round for all of them, not one per miner
                except HemiError:
                    pass  # each miner's own attempt below records the failure
            for m in list(self.miners.values()):
                if m.policy == "immediate":
                    self._auto_publish(m, ks)
                elif m.policy == "delay":
                    m.pending[bytes(ks.hash)] = (ks, self.chains.btc.height)
        self.poll()

    def poll(self) -> list[Txid]:
        """Let delayed miners publish every keystone that has waited ``after_btc_blocks`` Bitcoin blocks; returns
        the txids sent. Keystones no longer on the L2 chain are dropped."""
        out = []
        height = self.chains.btc.height
        for m in list(self.miners.values()):
            if m.policy != "delay":
                continue
            for key, (ks, seen) in list(m.pending.items()):
                if self.keystones.find(ks.l2_block_number) != ks:
                    del m.pending[key]
                elif height >= seen + m.after_btc_blocks:
                    txid = self._auto_publish(m, ks)
                    if txid is not None:
                        out.append(txid)
        return out

    def ensure_published(self, keystone: int | HashLike | L2Keystone) -> list[Txid]:
        """Make online immediate miners publish ``keystone`` if no PoP tx for it is in the canonical chain or the
        mempool (say the keystone was sealed before the miner existed, or a reorg dropped its publication)."""
        ks = self._resolve_keystone(keystone)
        if self.publications(ks.hash) or self.mempool_publications(ks.hash):
            return []
        out = []
        for m in list(self.miners.values()):
            if m.policy == "immediate":
                txid = self._auto_publish(m, ks)
                if txid is not None:
                    out.append(txid)
        return out

    # ------------------------------------------------------------------ the index (TBC's keystone index)

    def _parse_block(self, bhash: bytes) -> tuple:
        cached = self._block_cache.get(bhash)
        if cached is None:
            block = self.chains.btc.block(BlockHash(bhash))
            found = []
            for i, tx in enumerate(block.txs):
                if i == 0:
                    continue  # TBC skips the coinbase
                for out in tx.vout:
                    abrev = parse_pop_script(bytes(out.scriptPubKey))
                    if abrev is not None:
                        found.append((i, block.txids[i], abrev, _signer_pubkey(tx)))
            cached = tuple(found)
            self._block_cache[bhash] = cached
        return cached

    def _index(self) -> dict:
        btc = self.chains.btc
        tip = bytes(btc.tip)
        if self._index_cache is not None and self._index_cache[0] == tip:
            return self._index_cache[1]
        index: dict[bytes, list[tuple]] = {}
        for h in range(1, btc.height + 1):
            bhash = bytes(btc.block_hash(h))
            for i, txid, abrev, pubkey in self._parse_block(bhash):
                index.setdefault(bytes(abrev.hash), []).append((h, bhash, i, txid, abrev, pubkey))
        self._index_cache = (tip, index)
        return index

    def _publication(self, row: tuple) -> Publication:
        h, bhash, i, txid, abrev, pubkey = row
        return Publication(abrev.hash, txid, BlockHash(bhash), h, i, self._pubkeys.get(pubkey), abrev)

    def publications(self, keystone_hash: HashLike | L2Keystone) -> list[Publication]:
        """Every PoP tx for the keystone in the canonical Bitcoin chain, lowest height first (then block order)."""
        key = bytes(keystone_hash.hash if isinstance(keystone_hash, L2Keystone) else KeystoneHash(keystone_hash))
        return [self._publication(r) for r in self._index().get(key, ())]

    def first_publication(self, keystone_hash: HashLike | L2Keystone) -> Publication | None:
        """The first (lowest) canonical Bitcoin block holding a PoP tx for the keystone, as TBC indexes it."""
        key = bytes(keystone_hash.hash if isinstance(keystone_hash, L2Keystone) else KeystoneHash(keystone_hash))
        rows = self._index().get(key)
        return self._publication(rows[0]) if rows else None

    def mempool_publications(self, keystone_hash: HashLike | L2Keystone) -> list[Txid]:
        """Txids of PoP txs for the keystone waiting in the Bitcoin mempool."""
        key = bytes(keystone_hash.hash if isinstance(keystone_hash, L2Keystone) else KeystoneHash(keystone_hash))
        out = []
        for entry in self.chains.btc.mempool:
            if any((a := parse_pop_script(bytes(o.scriptPubKey))) is not None and bytes(a.hash) == key
                   for o in entry.tx.vout):
                out.append(entry.txid)
        return out

    def published_keystones(self) -> dict[KeystoneHash, Publication]:
        """Every keystone hash with a canonical publication, mapped to its first publication."""
        return {KeystoneHash(k): self._publication(rows[0]) for k, rows in self._index().items()}

    # ------------------------------------------------------------------ snapshots

    def snapshot_state(self) -> tuple:
        """The miner set, policies, pending delays and publication records, for the devchain's snapshot."""
        miners = tuple((m.name, m.policy, m.after_btc_blocks, m.fee_rate, dict(m.pending),
                        {k: list(v) for k, v in m.published.items()}) for m in self.miners.values())
        return (miners, len(self.failures))

    def restore_state(self, state: tuple) -> None:
        miners, nfail = state
        self.miners = {}
        for name, policy, after, rate, pending, published in miners:
            m = PopMiner(name, policy, after, rate, self)
            m.pending = dict(pending)
            m.published = {k: list(v) for k, v in published.items()}
            self.miners[name] = m
        del self.failures[nfail:]

    def __repr__(self) -> str:
        ms = ", ".join(f"{m.name}:{m.policy}" for m in self.miners.values())
        return f"<PopNetwork miners=[{ms}]>"


def _signer_pubkey(tx: CTransaction) -> bytes:
    """The last push of the first input's scriptSig (the P2PKH public key), or b""."""
    try:
        items = list(CScript(tx.vin[0].scriptSig))
        last = items[-1] if items else b""
        return bytes(last) if isinstance(last, (bytes, bytearray)) else b""
    except Exception:  # noqa: BLE001 - any scriptSig shape
        return b""
