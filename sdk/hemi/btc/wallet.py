"""Deterministic test wallets: one key per wallet, an address of every standard kind, coin selection and signing.

TEST-ONLY: keys derive from the chain seed and the wallet name (see :mod:`hemi.btc.keys`).

``wallet.address`` is the P2WPKH address (the default kind); ``wallet.addresses`` maps every kind to its address.
The wallet spends outputs of all its kinds, each with its own signature rules (legacy, BIP 143, BIP 341), and may
spend its own unconfirmed change, as Bitcoin Core's wallet does.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from bitcoin.core import CMutableTransaction, COutPoint, CTransaction, CTxIn, CTxInWitness, CTxOut, CTxWitness
from bitcoin.core.script import CScript, CScriptWitness

from hemi.btc import params
from hemi.btc import script as S
from hemi.btc.address import address_to_script, script_address
from hemi.btc.coins import Outpoint
from hemi.btc.context import NodeContext
from hemi.btc.keys import TestKey, derive_secret
from hemi.btc.models import Utxo
from hemi.btc.policy import dust_threshold
from hemi.btc.sighash import (
    SIGHASH_ALL,
    SIGHASH_ANYONECANPAY,
    SIGHASH_DEFAULT,
    SIGHASH_NONE,
    SIGHASH_SINGLE,
    legacy_sighash,
    segwit_v0_sighash,
    taproot_sighash,
)
from hemi.btc.tx import RawTx
from hemi.errors import HemiValueError, InsufficientFunds, require_uint
from hemi.types import Txid

P2PKH = "p2pkh"
P2SH_P2WPKH = "p2sh-p2wpkh"
P2WPKH = "p2wpkh"
P2WSH = "p2wsh"
P2TR = "p2tr"
ADDRESS_KINDS = (P2WPKH, P2SH_P2WPKH, P2PKH, P2WSH, P2TR)
DEFAULT_FEE_RATE = 2.0  # sat/vB

# Worst-case input weights (72-byte DER signatures), so the fee paid is never below the requested rate.
_INPUT_WEIGHT = {
    P2PKH: 4 * (41 + 1 + 107),
    P2SH_P2WPKH: 4 * (41 + 1 + 23) + (1 + 1 + 72 + 1 + 33),
    P2WPKH: 4 * 41 + (1 + 1 + 72 + 1 + 33),
    P2WSH: 4 * 41 + (1 + 1 + 72 + 1 + 35),
    P2TR: 4 * 41 + (1 + 1 + 64),
}

_HASH_TYPES = frozenset({SIGHASH_DEFAULT} | {base | acp for base in (SIGHASH_ALL, SIGHASH_NONE, SIGHASH_SINGLE)
                                             for acp in (0, SIGHASH_ANYONECANPAY)})

INPUT_WEIGHT = _INPUT_WEIGHT  # public name for tools that size transactions the way the wallet does

# (outpoint, value, scriptPubKey, height or None when unconfirmed, mature): a spendable output before it becomes a
# Utxo; coin selection runs on every send, so it works on these plain tuples
_Spendable = tuple[Outpoint, int, bytes, int | None, bool]


class WalletChain(Protocol):
    """What a wallet needs of its chain (:class:`~hemi.btc.chain.BitcoinChain` provides it); a Protocol, so this
    module does not import the chain module and dependencies point one way."""

    @property
    def seed(self) -> int: ...

    @property
    def node(self) -> NodeContext: ...

    def send_raw(self, tx: RawTx, *, max_fee_rate: int | None = None) -> Txid: ...


@dataclass(frozen=True)
class _KindInfo:
    kind: str
    spk: bytes
    address: str
    redeem_or_witness_script: bytes  # P2SH redeem script or P2WSH witness script; b"" otherwise


class Wallet:
    """A deterministic test wallet on a :class:`~hemi.btc.chain.BitcoinChain` (get one with ``btc.wallet(name)``)."""

    def __init__(self, chain: WalletChain, name: str) -> None:
        self.chain = chain
        self.name = name
        self.key = TestKey(derive_secret(chain.seed, name))
        k = self.key
        p2sh_spk, redeem = S.p2sh_p2wpkh(k.pubkey_hash)
        wscript = S.single_key_witness_script(k.pubkey)
        infos = [
            _KindInfo(P2WPKH, S.p2wpkh_script(k.pubkey_hash), "", b""),
            _KindInfo(P2SH_P2WPKH, p2sh_spk, "", redeem),
            _KindInfo(P2PKH, S.p2pkh_script(k.pubkey_hash), "", b""),
            _KindInfo(P2WSH, S.p2wsh_script(wscript), "", wscript),
            _KindInfo(P2TR, S.p2tr_script(k.taproot_output_key), "", b""),
        ]
        self._kinds = {i.kind: _KindInfo(i.kind, i.spk, script_address(i.spk), i.redeem_or_witness_script)
                       for i in infos}
        self._by_spk = {i.spk: i for i in self._kinds.values()}

    # ------------------------------------------------------------------ addresses

    @property
    def address(self) -> str:
        """The default (P2WPKH, bech32) address."""
        return self._kinds[P2WPKH].address

    @property
    def addresses(self) -> dict[str, str]:
        """Every kind's address: p2wpkh, p2sh-p2wpkh, p2pkh, p2wsh, p2tr."""
        return {k: i.address for k, i in self._kinds.items()}

    def address_of(self, kind: str) -> str:
        if kind not in self._kinds:
            raise HemiValueError(f"unknown address kind {kind!r}; one of {', '.join(ADDRESS_KINDS)}")
        return self._kinds[kind].address

    def script_of(self, kind: str = P2WPKH) -> bytes:
        self.address_of(kind)
        return self._kinds[kind].spk

    def owns(self, address_or_script: str | bytes) -> bool:
        spk = address_or_script if isinstance(address_or_script, bytes) else address_to_script(address_or_script)
        return spk in self._by_spk

    def kind_of(self, script_pubkey: bytes) -> str:
        """The address kind of one of this wallet's scripts (``p2wpkh``, ``p2tr`` ...)."""
        info = self._by_spk.get(bytes(script_pubkey))
        if info is None:
            raise HemiValueError("script does not belong to this wallet")
        return info.kind

    @property
    def pubkey(self) -> bytes:
        return self.key.pubkey

    # ------------------------------------------------------------------ funds

    def _spendable(self) -> list[_Spendable]:
        """Raw (outpoint, value, spk, height or None, mature) of every output the wallet can spend, unsorted.

        Kept free of per-output object building: coin selection runs on every send."""
        cs, mempool = self.chain.node.chainstate, self.chain.node.mempool
        spenders = mempool.spenders
        next_height = cs.height + 1
        out: list[_Spendable] = []
        for spk in self._by_spk:
            bucket = cs.coins.by_script.get(spk)
            if not bucket:
                continue
            for op, coin in bucket.items():
                if op not in spenders:
                    # Bitcoin Core's wallet rule: a coinbase is spendable at 101 confirmations
                    mature = not coin.coinbase or next_height - coin.height > params.COINBASE_MATURITY
                    out.append((op, coin.value, spk, coin.height, mature))
        for entry in mempool:
            for n, o in enumerate(entry.tx.vout):
                spk = bytes(o.scriptPubKey)
                if spk in self._by_spk and (entry.txid, n) not in spenders:
                    out.append(((entry.txid, n), o.nValue, spk, None, True))
        return out

    def _to_utxo(self, item: _Spendable) -> Utxo:
        op, value, spk, height, _mature = item
        if height is None:
            return Utxo(Txid(op[0]), op[1], value, spk, self._by_spk[spk].address, None, False, 0, True)
        cs = self.chain.node.chainstate
        return cs.utxo(op, cs.coins.coins[op])

    @property
    def utxos(self) -> list[Utxo]:
        """Spendable outputs: confirmed ones not spent by the mempool (oldest first), then outputs of mempool txs."""
        items = self._spendable()
        items.sort(key=lambda i: (i[3] is None, i[3] or 0, i[0][0][::-1], i[0][1]))
        return [self._to_utxo(i) for i in items]

    @property
    def balance(self) -> int:
        """Sats the wallet can spend now: mature confirmed outputs plus unconfirmed outputs to it, minus what the
        mempool already spends (immature coinbase outputs are not counted)."""
        return sum(u.value for u in self.utxos if u.mature)

    @property
    def immature_balance(self) -> int:
        return sum(u.value for u in self.utxos if not u.mature)

    # ------------------------------------------------------------------ building and sending

    def send(self, to: Destination, sats: int, *, fee_rate: float = DEFAULT_FEE_RATE,
             op_return: bytes | str | None = None, from_kind: str | None = None, subtract_fee: bool = False) -> Txid:
        """Pay ``sats`` to ``to`` (address, scriptPubKey or wallet) and broadcast; returns the txid. With
        ``subtract_fee`` the recipient gets ``sats`` less the fee (Core's ``subtractfeefromamount``)."""
        tx = self.build_tx(to, sats, fee_rate=fee_rate, op_return=op_return, from_kind=from_kind,
                           subtract_fee_from=(0,) if subtract_fee else ())
        return self.chain.send_raw(tx)

    def build_tx(
        self,
        to: Destination | None = None,
        sats: int | None = None,
        *,
        outputs: Sequence[tuple[Destination, int]] | None = None,
        fee_rate: float = DEFAULT_FEE_RATE,
        op_return: bytes | str | None = None,
        from_kind: str | None = None,
        inputs: Iterable[Utxo] | None = None,
        change_kind: str = P2WPKH,
        locktime: int = 0,
        version: int = 2,
        subtract_fee_from: Sequence[int] = (),
    ) -> CTransaction:
        """A signed transaction paying ``sats`` to ``to`` (or every ``(destination, sats)`` in ``outputs``), with
        an optional OP_RETURN, change back to the wallet; not broadcast.

        Inputs are chosen largest-first among spendable outputs (only of ``from_kind`` when given), or exactly
        ``inputs``. Raises ``InsufficientFunds`` when the wallet cannot pay amount plus fee.
        ``subtract_fee_from``: positions of payments (``to`` first, then ``outputs``) that pay the fee between them,
        in equal shares, the first of them the remainder, as Core's ``CreateTransaction`` does for
        ``subtractfeefromamount``; a payment left at dust raises ``HemiValueError``.
        """
        require_uint("locktime", locktime, bits=32)  # nLockTime and nVersion are 32-bit fields
        if isinstance(version, bool) or not isinstance(version, int) or not -2**31 <= version < 2**31:
            raise HemiValueError(f"version must be a 32-bit int, got {version!r}")
        pay: list[tuple[bytes, int]] = []
        if to is not None or sats is not None:
            if to is None or sats is None:
                raise HemiValueError("give both `to` and `sats`, or `outputs`")
            pay.append((self._dest_script(to), sats))
        for dest, value in outputs or ():
            pay.append((self._dest_script(dest), value))
        for spk, value in pay:
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise HemiValueError(f"an amount is a positive int of sats, got {value!r}")
            if value < dust_threshold(spk):
                raise HemiValueError(f"{value} sats is dust for this output (minimum {dust_threshold(spk)})")
        if op_return is not None:
            data = op_return.encode() if isinstance(op_return, str) else bytes(op_return)
            spk = S.op_return_script(data)
            if len(spk) > params.MAX_OP_RETURN_RELAY:
                raise HemiValueError(f"OP_RETURN data of {len(data)} bytes is over the 80-byte relay limit")
            pay.append((spk, 0))
        if not pay:
            raise HemiValueError("nothing to pay: give `to` and `sats`, `outputs`, or `op_return`")
        if not isinstance(fee_rate, (int, float)) or isinstance(fee_rate, bool) or fee_rate <= 0 or \
                not math.isfinite(fee_rate):
            raise HemiValueError(f"fee_rate is a positive number of sat/vB, got {fee_rate!r}")
        if from_kind is not None:
            self.address_of(from_kind)
        change_spk = self.script_of(change_kind)

        target = sum(v for _, v in pay)
        base_weight = 4 * (4 + 4 + 1 + 1) + 2 + sum(4 * (8 + 1 + len(spk)) for spk, _ in pay)
        change_weight = 4 * (8 + 1 + len(change_spk))

        def fee_for(utxos: list[Utxo], with_change: bool) -> int:
            w = base_weight + sum(_INPUT_WEIGHT[self._by_spk[u.script_pubkey].kind] for u in utxos)
            w += change_weight if with_change else 0
            return math.ceil(math.ceil(w / 4) * fee_rate)

        subtract = sorted(set(subtract_fee_from))
        if any(isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < len(pay) for i in subtract):
            raise HemiValueError(f"subtract_fee_from holds positions of the payments (0..{len(pay) - 1}), "
                                 f"got {list(subtract_fee_from)!r}")
        if inputs is not None:
            chosen = list(inputs)
            for u in chosen:
                if u.script_pubkey not in self._by_spk:
                    raise HemiValueError(f"input {u.txid}:{u.vout} does not belong to wallet {self.name!r}")
        else:  # when the payments pay the fee, the inputs need only cover them
            chosen = self.select_coins(target, from_kind=from_kind, weight=base_weight + change_weight,
                                       fee_rate=0.0 if subtract else fee_rate)
        total = sum(u.value for u in chosen)
        if total < target + (0 if subtract else fee_for(chosen, False)):
            raise InsufficientFunds(
                f"wallet {self.name!r} has {total} spendable sats in the chosen inputs; needs {target} plus "
                f"fee {fee_for(chosen, False)} (balance {self.balance}, immature {self.immature_balance})")
        if subtract:
            pay, change = self.pay_fee_from(pay, subtract, total - target, change_spk,
                                             fee_for(chosen, True), fee_for(chosen, False))
        else:
            change = total - target - fee_for(chosen, True)
        outs = [CTxOut(v, CScript(spk)) for spk, v in pay]
        if change >= dust_threshold(change_spk):
            outs.append(CTxOut(change, CScript(change_spk)))
        vin = [CTxIn(COutPoint(bytes(u.txid), u.vout), CScript(), 0xFFFFFFFD) for u in chosen]
        tx = CMutableTransaction(vin, outs, locktime, version)
        return self.sign(tx, [(u.value, u.script_pubkey) for u in chosen])

    @staticmethod
    def pay_fee_from(pay: list[tuple[bytes, int]], subtract: list[int], excess: int, change_spk: bytes,
                      fee_with_change: int, fee_without: int) -> tuple[list[tuple[bytes, int]], int]:
        """The payments less the fee, shared by the ``subtract`` positions, and the change (inputs over payments):
        a change output when the excess is not dust, else the excess counts toward the fee."""
        if excess >= dust_threshold(change_spk):
            change, reduce = excess, fee_with_change
        else:
            change, reduce = 0, max(fee_without - excess, 0)
        share, rest = divmod(reduce, len(subtract))
        pay = list(pay)
        for n, i in enumerate(subtract):
            spk, value = pay[i]
            value -= share + (rest if n == 0 else 0)
            if value < dust_threshold(spk):
                raise HemiValueError("The transaction amount is too small to pay the fee" if value < 0 else
                                     "The transaction amount is too small to send after the fee has been deducted")
            pay[i] = (spk, value)
        return pay, change

    def _largest_confirmed(self, from_kind: str | None) -> _Spendable | None:
        cs = self.chain.node.chainstate
        spenders = self.chain.node.mempool.spenders
        limit = cs.height + 1 - params.COINBASE_MATURITY  # a coinbase must be below this height (101 confs)
        best: _Spendable | None = None
        best_value = -1
        for spk, info in self._by_spk.items():
            if from_kind is not None and info.kind != from_kind:
                continue
            for op, coin in (cs.coins.by_script.get(spk) or {}).items():
                v = coin.value
                if v < best_value or op in spenders or (coin.coinbase and coin.height >= limit):
                    continue
                if best is None or v > best_value or (op[0][::-1], op[1]) < (best[0][0][::-1], best[0][1]):
                    best, best_value = (op, v, spk, coin.height, True), v
        return best

    def select_coins(self, target: int, *, from_kind: str | None = None, weight: int = 0,
                     fee_rate: float = DEFAULT_FEE_RATE, min_conf: int = 0, max_conf: int | None = None) -> list[Utxo]:
        """Coins for ``target`` sats plus the fee of a transaction of ``weight`` (without its inputs) and the chosen
        inputs at ``fee_rate`` sat/vB, among coins of ``min_conf`` to ``max_conf`` confirmations. Largest-first:
        confirmed outputs before unconfirmed ones, then by value; stop once amount + fee is met (the coins may fall
        short: the caller checks)."""
        def fee(inputs_weight: int) -> int:
            return math.ceil(math.ceil((weight + inputs_weight) / 4) * fee_rate)

        def key(i: _Spendable) -> tuple[bool, int, bytes, int]:
            return (i[3] is None, -i[1], i[0][0][::-1], i[0][1])

        tip = self.chain.node.chainstate.height

        def depth_ok(i: _Spendable) -> bool:
            confirmations = 0 if i[3] is None else tip - i[3] + 1
            return confirmations >= min_conf and (max_conf is None or confirmations <= max_conf)

        any_depth = min_conf <= 0 and max_conf is None
        best = self._largest_confirmed(from_kind) if any_depth else None  # the common case: one output pays it all
        if best is not None and best[1] >= target + fee(_INPUT_WEIGHT[self._by_spk[best[2]].kind]):
            return [self._to_utxo(best)]
        items = [i for i in self._spendable() if i[4] and (from_kind is None or self._by_spk[i[2]].kind == from_kind)
                 and (any_depth or depth_ok(i))]
        items.sort(key=key)
        chosen, total, w = [], 0, 0
        for i in items:
            if total >= target + fee(w):
                break
            chosen.append(i)
            total += i[1]
            w += _INPUT_WEIGHT[self._by_spk[i[2]].kind]
        return [self._to_utxo(i) for i in chosen]

    def sign(self, tx: CTransaction | CMutableTransaction, spent: Sequence[tuple[int, bytes] | None], *,
             hash_type: int | None = None) -> CTransaction:
        """Sign every input of ``tx`` that spends one of this wallet's scripts. ``spent``: the (value, scriptPubKey)
        each input spends, None where unknown: those inputs stay as they are, and so do taproot inputs, whose
        signatures commit to every spent output (Core's ``SignTransaction`` signs what it can).
        ``hash_type``: a SIGHASH_* value; None signs ALL (DEFAULT, 64-byte signatures, for taproot)."""
        mtx = CMutableTransaction.from_tx(tx)
        if len(spent) != len(mtx.vin):
            raise HemiValueError("sign needs the spent (value, scriptPubKey) of every input, None where unknown")
        if hash_type is not None and hash_type not in _HASH_TYPES:
            raise HemiValueError(f"hash_type must be one of the standard sighash types, got {hash_type!r}")
        witnesses = [list(w.scriptWitness.stack) for w in mtx.wit.vtxinwit] if mtx.wit.vtxinwit else []
        witnesses += [[] for _ in range(len(mtx.vin) - len(witnesses))]
        key = self.key
        ecdsa = SIGHASH_ALL if hash_type in (None, SIGHASH_DEFAULT) else hash_type
        ht = bytes([ecdsa])
        every = None if any(s is None for s in spent) else [(v, bytes(s)) for v, s in spent]  # type: ignore[misc]
        for i, item in enumerate(spent):
            info = None if item is None else self._by_spk.get(bytes(item[1]))
            if item is None or info is None:
                continue
            value = item[0]
            if info.kind == P2PKH:
                sig = key.sign_ecdsa(legacy_sighash(info.spk, mtx, i, ecdsa)) + ht
                mtx.vin[i].scriptSig = CScript([sig, key.pubkey])
            elif info.kind in (P2WPKH, P2SH_P2WPKH):
                code = S.p2pkh_script(key.pubkey_hash)
                sig = key.sign_ecdsa(segwit_v0_sighash(code, mtx, i, value, ecdsa)) + ht
                witnesses[i] = [sig, key.pubkey]
                if info.kind == P2SH_P2WPKH:
                    mtx.vin[i].scriptSig = CScript([info.redeem_or_witness_script])
            elif info.kind == P2WSH:
                ws = info.redeem_or_witness_script
                sig = key.sign_ecdsa(segwit_v0_sighash(ws, mtx, i, value, ecdsa)) + ht
                witnesses[i] = [sig, ws]
            elif info.kind == P2TR and every is not None:
                taproot_type = SIGHASH_DEFAULT if hash_type is None else hash_type
                try:
                    digest = taproot_sighash(mtx, i, every, taproot_type)
                except HemiValueError:  # SINGLE without an output at this index: BIP 341 defines no hash
                    continue
                sig = key.sign_taproot(digest)
                witnesses[i] = [sig if taproot_type == SIGHASH_DEFAULT else sig + bytes([taproot_type])]
        if any(witnesses):
            mtx.wit = CTxWitness([CTxInWitness(CScriptWitness(w)) for w in witnesses])
        return CTransaction.from_tx(mtx)

    def sign_segwit_v0(self, tx: CTransaction | CMutableTransaction, index: int, witness_script: bytes,
                       value: int, hash_type: int = SIGHASH_ALL) -> bytes:
        """This wallet's signature (DER + hash type) for input ``index`` spending a P2WSH output of ``value``
        sats whose witness script is ``witness_script`` (BIP 143). Put it in the witness yourself."""
        digest = segwit_v0_sighash(bytes(witness_script), tx, index, value, hash_type)
        return self.key.sign_ecdsa(digest) + bytes([hash_type])

    def sign_legacy(self, tx: CTransaction | CMutableTransaction, index: int, script_code: bytes,
                    hash_type: int = SIGHASH_ALL) -> bytes:
        """This wallet's signature for a pre-segwit input (bare script or P2SH redeem script ``script_code``)."""
        return self.key.sign_ecdsa(legacy_sighash(bytes(script_code), tx, index, hash_type)) + bytes([hash_type])

    def sign_tapscript(self, tx: CTransaction | CMutableTransaction, index: int,
                       spent: Sequence[tuple[int, bytes]], leaf_hash: bytes,
                       hash_type: int = SIGHASH_DEFAULT) -> bytes:
        """This wallet's BIP 342 signature for input ``index`` spending the tapscript leaf ``leaf_hash`` (see
        :meth:`hemi.btc.spend.TaprootTree.leaf_hash`); the key in the leaf is ``wallet.key.xonly_pubkey``."""
        digest = taproot_sighash(tx, index, [(v, bytes(s)) for v, s in spent], hash_type, leaf_hash=leaf_hash)
        sig = self.key.sign_schnorr(digest)
        return sig if hash_type == SIGHASH_DEFAULT else sig + bytes([hash_type])

    def _dest_script(self, dest: Destination) -> bytes:
        if isinstance(dest, Wallet):
            return dest.script_of(P2WPKH)
        if isinstance(dest, (bytes, bytearray)):
            return bytes(dest)
        return address_to_script(dest)

    def __repr__(self) -> str:
        return f"<Wallet {self.name!r} {self.address}>"


Destination = str | bytes | Wallet  # what a payment goes to: an address, a scriptPubKey, or a wallet's default address
