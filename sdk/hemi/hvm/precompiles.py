"""The ten hVM Bitcoin precompiles (0x40-0x49) as pure functions over a :class:`~hemi.hvm.view.BitcoinReader`.

Byte for byte the behaviour of Hemi's op-geth. Sources named in comments, all in hemilabs/op-geth ``core/vm/``:
``contracts.go`` (newest, @a87ec50b; called OPG-C below), ``contracts.go`` on branch ``max/hvmphase0`` (OPG-C0), the
synthetic full-node tests ``tbc_fullnode_synthetic_test.go``, ``..._spend_test.go``, ``..._deeptx_test.go``,
``..._reorg_test.go`` (together OPG-T1, test names ``TestSyntheticFullNode*``) and ``hvm_precompile_recover_test.go``
(OPG-T2). docs/hvm-precompiles.md documents every frame with its source.

Outcome model (OPG-C ``runPrecompileGuarded``; OPG-T2). Each precompile is ``fn(data, reader, profile) -> bytes``:

- returning ``b""`` is op-geth's ``(nil, nil)``: the CALL succeeds with empty returndata (not found, wrong input
  length);
- raising :class:`PrecompileFailure` is op-geth's "raw error": the CALL fails and burns all gas given to it. Only two
  paths do this: 0x43 with an unknown txid and 0x46 with an undecodable (well-sized) address;
- any other exception is a bug or a panic; :func:`run_precompile` turns it into the empty success and logs it, as
  op-geth recovers panics inside hVM precompiles (OPG-T2 ``TestRunPrecompileRecoversHVMPanic``).

Conventions: integers big-endian, hashes in display order (reversed internal order) both in input and output,
addresses as raw ASCII (at least 24 bytes), decoded as btcd's ``DecodeAddress`` (:mod:`hemi.hvm.btcd_address`).
Two profiles select the op-geth version: :data:`PROFILE_DEPLOYED` (default: newest 0x42 layout, 0x45 always empty as
OPG-T1 ``TestSyntheticFullNodeHeaderNLibraryLimitation`` pins) and :data:`PROFILE_HVMPHASE0` (the ``max/hvmphase0``
0x42 layout that the published ``BitcoinKit.sol`` parses, and the intended 0x45). The 0x45 mode can also be chosen on
its own (:data:`HEADER_N_MODES`): ``"empty"`` as every heminetwork release v1.0.0-v2.0.0 behaves, ``"fixed"`` as
heminetwork main behaves since commit d8c88dc5 (May 2026).
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Callable
from dataclasses import dataclass

from bitcoin.core import CTransaction
from bitcoin.core.script import CScript, CScriptInvalidError

from hemi.errors import HemiValueError
from hemi.hvm.btcd_address import decode_address_script
from hemi.hvm.view import BitcoinReader, HeaderInfo

__all__ = [
    "PROFILE_HVMPHASE0", "PROFILE_DEPLOYED", "PROFILES", "DEFAULT_PROFILE", "MIN_BTC_ADDRESS_LENGTH",
    "HEADER_N_EMPTY", "HEADER_N_FIXED", "HEADER_N_MODES", "default_header_n",
    "ASSUMED_GAS_0X47_0X49", "PrecompileFailure", "PrecompileInfo", "PrecompileFn", "HVM_PRECOMPILES",
    "run_precompile", "address_script", "header_frame",
    "btc_bal_addr", "btc_utxos_addr_list", "btc_tx_by_txid", "btc_tx_confirmations", "btc_last_header",
    "btc_header_n", "btc_addr_to_script", "btc_input_by_txid", "btc_output_by_txid", "btc_tx_get_input_witness",
]

log = logging.getLogger("hemi.hvm.precompiles")

PROFILE_HVMPHASE0 = "hvmphase0"
PROFILE_DEPLOYED = "deployed"
PROFILES = (PROFILE_HVMPHASE0, PROFILE_DEPLOYED)
DEFAULT_PROFILE = PROFILE_DEPLOYED
HEADER_N_EMPTY = "empty"  # 0x45 as deployed: heminetwork v1.0.0-v2.0.0 BlockInTxIndex never matches
HEADER_N_FIXED = "fixed"  # 0x45 as intended: heminetwork main d8c88dc5 (2026-05-14) fixed BlockInTxIndex
HEADER_N_MODES = (HEADER_N_EMPTY, HEADER_N_FIXED)

MIN_BTC_ADDRESS_LENGTH = 24  # OPG-C const; shorter address input -> empty success
TXID_LEN = 32
ASSUMED_GAS_0X47_0X49 = 25_000  # OPG-PP publishes no value for 0x47-0x49; hemi-sdk's documented assumption
_MAX_SCRIPT_SIZE = 10_000  # btcd txscript.MaxScriptSize
_U16 = 0xFFFF

PrecompileFn = Callable[[bytes, BitcoinReader, str], bytes]


class PrecompileFailure(Exception):
    """op-geth's "raw error": the CALL fails and all gas given to it is burned (0x43 unknown txid, 0x46 bad address)."""


# ---------------------------------------------------------------------------------------------------- helpers


def _u16(n: int) -> bytes:
    return struct.pack(">H", n & 0xFFFF)


def _u32(n: int) -> bytes:
    return struct.pack(">I", n & 0xFFFFFFFF)


def _u64(n: int) -> bytes:
    return struct.pack(">Q", n & 0xFFFFFFFFFFFFFFFF)


def _clamp16(n: int) -> int:
    """Newest op-geth clamps count and length words at math.MaxUint16 before the uint16 cast."""
    return min(n, _U16)


def address_script(data: bytes) -> bytes | None:
    """The scriptPubKey btcd's ``DecodeAddress`` + ``PayToAddrScript`` give for ``data`` on regtest, or None.

    See :mod:`hemi.hvm.btcd_address`: any registered network's bech32 prefix, a v1 20-byte program as P2WPKH,
    hex public keys, regtest base58 versions; linear time with a length cap.
    """
    return decode_address_script(data)


def _btcd_unspendable(spk: bytes) -> bool:
    """btcd ``txscript.IsUnspendable``: OP_RETURN first, over MaxScriptSize, or a script that does not parse."""
    if (spk and spk[0] == 0x6A) or len(spk) > _MAX_SCRIPT_SIZE:
        return True
    try:
        for _ in CScript(spk).raw_iter():
            pass
    except CScriptInvalidError:
        return True
    return False


def _witness(tx: CTransaction, i: int) -> list[bytes]:
    wit = tx.wit.vtxinwit
    return [bytes(x) for x in wit[i].scriptWitness.stack] if i < len(wit) else []


def _txid_in(data: bytes) -> bytes:
    """Input txids are display order (OPG-T1 ``reversedHash``); the reader wants internal order."""
    return data[:TXID_LEN][::-1]


def header_frame(header: HeaderInfo) -> bytes:
    """The 116-byte frame of 0x44/0x45 (OPG-C btcLastHeader):
    height ‖ hash ‖ version ‖ prev ‖ merkle ‖ time ‖ bits ‖ nonce.

    Integers big-endian (the 80-byte header stores them little-endian), hashes display order (OPG-T1
    ``TestSyntheticFullNodeBalanceAndTip`` asserts every field).
    """
    raw = header.raw
    version, time_, bits, nonce = struct.unpack_from("<I", raw, 0)[0], *struct.unpack_from("<III", raw, 68)
    return (_u32(header.height) + header.hash[::-1] + _u32(version) + raw[4:36][::-1] + raw[36:68][::-1]
            + _u32(time_) + _u32(bits) + _u32(nonce))


# ---------------------------------------------------------------------------------------------------- 0x40, 0x41


def btc_bal_addr(data: bytes, reader: BitcoinReader, profile: str = DEFAULT_PROFILE) -> bytes:
    """0x40: uint64 balance of the address's indexed UTXOs (OPG-T1 ``TestSyntheticFullNodeBalanceAndTip``).

    Short input -> empty; well-sized but undecodable -> empty (BalanceByAddress error arm returns (nil, nil));
    unfunded -> eight zero bytes, a full frame.
    """
    if len(data) < MIN_BTC_ADDRESS_LENGTH:
        return b""
    spk = address_script(data)
    if spk is None:
        return b""
    return _u64(reader.balance(spk))


def btc_utxos_addr_list(data: bytes, reader: BitcoinReader, profile: str = DEFAULT_PROFILE) -> bytes:
    """0x41: addr ‖ start(3) ‖ count(1) -> n(1) ‖ n × [txid(32, display) ‖ vout(2) ‖ value(8)].

    The 3-byte field is the number of items to skip, not a page number; count 0 means 10 (OPG-T1
    ``TestSyntheticFullNodeUtxosPagination``). Input under 28 bytes or an undecodable address -> empty; an unfunded
    address -> ``0x00`` (OPG-T1 ``TestSyntheticFullNodeUtxosByAddress``).
    """
    if len(data) < MIN_BTC_ADDRESS_LENGTH + 4:
        return b""
    spk = address_script(data[:-4])
    if spk is None:
        return b""
    start = int.from_bytes(data[-4:-1], "big")
    count = data[-1] or 10
    utxos = reader.utxos(spk, start, count)
    out = [bytes([len(utxos) & 0xFF])]
    for u in utxos:
        out.append(u.txid[::-1] + _u16(u.vout) + _u64(u.value))
    return b"".join(out)


# ---------------------------------------------------------------------------------------------------- 0x42


def btc_tx_by_txid(data: bytes, reader: BitcoinReader, profile: str = DEFAULT_PROFILE) -> bytes:
    """0x42: txid(32) ‖ bf1 ‖ bf2 ‖ bf3 ‖ bf4 -> the bitflag-selected fields (OPG-C btcTxByTxid), in the profile's
    layout.

    ``hvmphase0`` (OPG-C0, parsed by BitcoinKit.sol): u16 prevVout; outputs bf2 bit6, script bit5; bf1 bit7 (tx hash),
    bf2 bit4 (output address) and bf2 bit1 (spent-by) are reserved and emit nothing; no witness-count word.
    ``deployed`` (OPG-C, OPG-T1): u32 prevVout; outputs bf2 bit5, script bit4; a witness-count word per input
    whenever bf1 bit6 is set (the same bit as "containing block", a known aliasing bug that is reproduced).
    Count words and lengths report the full value; only entries and bytes are truncated (OPG-T1 count-chop tests).
    """
    if len(data) != TXID_LEN + 4:
        return b""
    itx = reader.transaction(_txid_in(data))
    if itx is None:
        return b""
    latest = profile == PROFILE_DEPLOYED
    tx = itx.tx
    bf1, bf2, bf3, bf4 = data[32], data[33], data[34], data[35]
    max_inputs = 1 << ((bf3 >> 3) & 7)
    max_outputs = 1 << (bf3 & 7)
    max_sig = 1 << (4 + ((bf4 >> 2) & 3))
    max_script = 1 << (4 + (bf4 & 3))
    # OPG-C0 casts counts and lengths with uint16(...) (wraps); OPG-C clamps at 0xFFFF first.
    word = (lambda n: _u16(_clamp16(n))) if latest else _u16
    if latest:
        outputs_bit, script_bit, witness_words = 0x20, 0x10, bool(bf1 & 0x40)
    else:
        outputs_bit, script_bit, witness_words = 0x40, 0x20, False

    out: list[bytes] = []
    if bf1 & 0x40:
        out.append(itx.block_hash[::-1])
    if bf1 & 0x20:
        out.append(_u32(tx.nVersion))
    if bf1 & 0x10:
        out.append(_u32(itx.size) + _u32(itx.stripped_size))
    if bf1 & 0x08:
        out.append(_u32(tx.nLockTime))
    if bf1 & 0x04:
        out.append(word(len(tx.vin)))
        for i, txin in enumerate(tx.vin[:max_inputs]):
            value = itx.spent_values[i]
            if value is None:
                # The per-input value comes from looking up the source tx; a coinbase's null source (or a source
                # below hVM activation) is not in the tx index, so op-geth returns (nil, nil) for the whole call
                # (OPG-C, OPG-C0; OPG-T1 spend test: "a coinbase input bails earlier").
                return b""
            if witness_words:
                out.append(_u16(_clamp16(len(_witness(tx, i)))))
            out.append(_u64(value))
            if bf1 & 0x02:
                n = txin.prevout.n
                out.append(txin.prevout.hash[::-1] + (_u32(n) if latest else _u16(n)))
            if bf1 & 0x01:
                sig = bytes(txin.scriptSig)
                out.append(word(len(sig)) + sig[:max_sig])
            if bf2 & 0x80:
                out.append(_u32(txin.nSequence))
    if bf2 & outputs_bit:
        with_unspendable = bool(bf2 & 0x08)
        unspendable = [_btcd_unspendable(bytes(o.scriptPubKey)) for o in tx.vout]
        out.append(word(len(tx.vout) - (0 if with_unspendable else sum(unspendable))))
        emitted = 0
        for idx, txout in enumerate(tx.vout):
            if emitted >= max_outputs:
                break
            if unspendable[idx] and not with_unspendable:
                continue
            out.append(_u64(txout.nValue))
            if bf2 & script_bit:
                spk = bytes(txout.scriptPubKey)
                out.append(word(len(spk)) + spk[:max_script])
            if bf2 & 0x04:
                # ScriptHashAvailableToSpend: 1 = still in the UTXO set (unspent), the inverse of the field's name
                # (OPG-T1). OPG-C swallows the lookup error of a spent / never-indexed output and emits 0. OPG-C0
                # returned (nil, nil) for the whole call there, which would make BitcoinKit's getTransactionByTxId
                # (bf2=0xFE) fail for any tx with a spent or OP_RETURN output; hemi-sdk emits the flag in both
                # profiles (OPG-C emits it; OPG-C0 documents the same field).
                out.append(b"\x01" if itx.output_unspent[idx] else b"\x00")
            emitted += 1
    return b"".join(out)


# ---------------------------------------------------------------------------------------------------- 0x43-0x46


def btc_tx_confirmations(data: bytes, reader: BitcoinReader, profile: str = DEFAULT_PROFILE) -> bytes:
    """0x43: uint32(lightTipHeight - txHeight + 1), counted from the light tip, not the indexed tip.

    Frozen quirks (OPG-T1 ``TestSyntheticFullNodeTxConfirmations``): an unknown txid is a raw error (CALL fails, gas
    burned), and a tx above the light tip wraps (``0xFFFFFFFF``), never clamps. Input other than 32 bytes -> empty
    (the ``31 != 32`` guard of OPG-T1 ``TestSyntheticFullNodePrecompileInputGuards``).
    """
    if len(data) != TXID_LEN:
        return b""
    itx = reader.transaction(_txid_in(data))
    if itx is None:
        raise PrecompileFailure("btcTxConfirmations: transaction not in the hVM tx index")
    return _u32(reader.light_tip_height - itx.height + 1)


def btc_last_header(data: bytes, reader: BitcoinReader, profile: str = DEFAULT_PROFILE) -> bytes:
    """0x44: the 116-byte frame of the UTXO-indexed tip (not the light tip); the input is ignored (OPG-T1
    ``TestSyntheticFullNodeBalanceAndTip``, ``TestSyntheticFullNodeReorgUnwind``). Empty before hVM activation."""
    tip = reader.indexed_tip
    return b"" if tip is None else header_frame(tip)


def default_header_n(profile: str) -> str:
    """The 0x45 mode a profile implies: ``"empty"`` for ``deployed``, ``"fixed"`` for ``hvmphase0``."""
    return HEADER_N_EMPTY if profile == PROFILE_DEPLOYED else HEADER_N_FIXED


def btc_header_n(data: bytes, reader: BitcoinReader, profile: str = DEFAULT_PROFILE, *,
                 header_n: str | None = None) -> bytes:
    """0x45: height(uint32, exactly 4 bytes) -> the 116-byte frame of the indexed canonical header at that height.

    Mode ``"empty"`` (the ``deployed`` default) always returns empty: in every heminetwork release v1.0.0-v2.0.0 the
    tx indexer writes a 33-byte block marker key and ``BlockInTxIndex`` slices ``Key()[33:]``, so no block is ever "in
    the tx index" (OPG-T1 ``TestSyntheticFullNodeHeaderNLibraryLimitation``). Mode ``"fixed"`` (the ``hvmphase0``
    default) gives the header when it is in the hVM's indexed canonical chain, as heminetwork main d8c88dc5 does;
    empty above the indexed tip. A wrong input length is empty in both (OPG-T1 ``...PrecompileInputGuards``).
    """
    mode = header_n or default_header_n(profile)
    if len(data) != 4 or mode != HEADER_N_FIXED:
        return b""
    header = reader.header_at(int.from_bytes(data, "big"))
    return b"" if header is None else header_frame(header)


def btc_addr_to_script(data: bytes, reader: BitcoinReader, profile: str = DEFAULT_PROFILE) -> bytes:
    """0x46: the address's scriptPubKey (``txscript.PayToAddrScript``); short -> empty; undecodable -> raw error.

    OPG-T1 ``TestSyntheticFullNodeAddrToScript`` and ``TestSyntheticFullNodePrecompileInputGuards``.
    """
    if len(data) < MIN_BTC_ADDRESS_LENGTH:
        return b""
    spk = address_script(data)
    if spk is None:
        raise PrecompileFailure("btcAddrToScript: address cannot be decoded for this network")
    return spk


# ---------------------------------------------------------------------------------------------------- 0x47-0x49


def btc_input_by_txid(data: bytes, reader: BitcoinReader, profile: str = DEFAULT_PROFILE) -> bytes:
    """0x47: txid(32) ‖ inputIdx(2) ‖ maxSigScriptLen(2) -> witnessCount(2) ‖ spentValue(8) ‖ prevTxid(32) ‖
    prevVout(2, clamped to 0xFFFF) ‖ fullSigScriptLen(2) ‖ sigScript[:max] ‖ sequence(4).

    Fields at offsets 32..35 as OPG-T1 ``TestSyntheticFullNodeSpendPrecompiles`` drives them (the OPG-C snapshot's
    +1..+4 offsets read past the input). Unknown tx, index out of range, or a coinbase input (its null source tx
    cannot be looked up, as the OPG-T1 comment on the clamp notes) -> empty.
    """
    if len(data) != TXID_LEN + 4:
        return b""
    itx = reader.transaction(_txid_in(data))
    if itx is None:
        return b""
    idx, max_sig = struct.unpack_from(">HH", data, 32)
    tx = itx.tx
    if idx >= len(tx.vin) or itx.spent_values[idx] is None:
        return b""
    txin = tx.vin[idx]
    sig = bytes(txin.scriptSig)
    return (_u16(_clamp16(len(_witness(tx, idx)))) + _u64(itx.spent_values[idx]) + bytes(txin.prevout.hash[::-1])
            + _u16(_clamp16(txin.prevout.n)) + _u16(_clamp16(len(sig))) + sig[:max_sig] + _u32(txin.nSequence))


def btc_output_by_txid(data: bytes, reader: BitcoinReader, profile: str = DEFAULT_PROFILE) -> bytes:
    """0x48: txid(32) ‖ outputIdx(2) ‖ maxScriptLen(2) -> value(8) ‖ fullScriptLen(2) ‖ script[:max] ‖ flag(1).

    The flag is ``ScriptHashAvailableToSpend``: 1 = UNSPENT. An output not in the UTXO set (spent, or an OP_RETURN
    that never entered it) makes that lookup error, so the call returns empty (OPG-T1 "DISCOVERED LIMITATION"); a
    successful frame therefore always ends in 0x01.
    """
    if len(data) != TXID_LEN + 4:
        return b""
    itx = reader.transaction(_txid_in(data))
    if itx is None:
        return b""
    idx, max_script = struct.unpack_from(">HH", data, 32)
    if idx >= len(itx.tx.vout) or not itx.output_unspent[idx]:
        return b""
    txout = itx.tx.vout[idx]
    spk = bytes(txout.scriptPubKey)
    return _u64(txout.nValue) + _u16(_clamp16(len(spk))) + spk[:max_script] + b"\x01"


def btc_tx_get_input_witness(data: bytes, reader: BitcoinReader, profile: str = DEFAULT_PROFILE) -> bytes:
    """0x49: txid(32) ‖ inputIdx(2) ‖ witnessIdx(2) ‖ maxLen(2) -> fullLen(2) ‖ element[:maxLen].

    The length word reports the element's full length (clamped at 0xFFFF) and only the bytes are truncated (OPG-T1
    "chopped witness"). Unknown tx, input out of range, no witness, or witness index ≥ element count -> empty.
    """
    if len(data) != TXID_LEN + 6:
        return b""
    itx = reader.transaction(_txid_in(data))
    if itx is None:
        return b""
    idx, wit_idx, max_len = struct.unpack_from(">HHH", data, 32)
    if idx >= len(itx.tx.vin):
        return b""
    stack = _witness(itx.tx, idx)
    if wit_idx >= len(stack):
        return b""
    element = stack[wit_idx]
    return _u16(_clamp16(len(element))) + bytes(element[:max_len])


# ---------------------------------------------------------------------------------------------------- the table


@dataclass(frozen=True)
class PrecompileInfo:
    """One hVM precompile: its address (0x40-0x49), op-geth ``Name()``, fixed gas (op-geth
    params/protocol_params.go) and function."""

    address: int
    name: str
    gas: int
    fn: PrecompileFn
    key: str  # op-geth's Go type name, e.g. "btcBalAddr"


HVM_PRECOMPILES: dict[int, PrecompileInfo] = {
    info.address: info
    for info in (
        PrecompileInfo(0x40, "BTC Balance Address", 50_000, btc_bal_addr, "btcBalAddr"),
        PrecompileInfo(0x41, "BTC UTXOs Address List", 100_000, btc_utxos_addr_list, "btcUtxosAddrList"),
        PrecompileInfo(0x42, "BTC TX by TXID", 25_000, btc_tx_by_txid, "btcTxByTxid"),
        PrecompileInfo(0x43, "BTC TX Confirmations", 5_000, btc_tx_confirmations, "btcTxConfirmations"),
        PrecompileInfo(0x44, "BTC Last Header", 5_000, btc_last_header, "btcLastHeader"),
        PrecompileInfo(0x45, "BTC Header N", 6_000, btc_header_n, "btcHeaderN"),
        PrecompileInfo(0x46, "BTC Addr to Script", 25_000, btc_addr_to_script, "btcAddrToScript"),
        PrecompileInfo(0x47, "BTC Input by TXID", ASSUMED_GAS_0X47_0X49, btc_input_by_txid, "btcInputByTxid"),
        PrecompileInfo(0x48, "BTC Output by TXID", ASSUMED_GAS_0X47_0X49, btc_output_by_txid, "btcOutputByTxid"),
        PrecompileInfo(0x49, "BTC TX Get Input Witness", ASSUMED_GAS_0X47_0X49, btc_tx_get_input_witness,
                       "btcTxGetInputWitness"),
    )
}


def run_precompile(address: int, data: bytes, reader: BitcoinReader,
                   profile: str = DEFAULT_PROFILE, *, header_n: str | None = None) -> tuple[bool, bytes]:
    """Run hVM precompile ``address`` on ``data``: ``(True, output)`` or ``(False, b"")`` for the raw-error failure.

    It never raises for what a contract can send: a :class:`PrecompileFailure` becomes ``(False, b"")``, and any
    other exception (a bug, or a reader that failed) becomes op-geth's recovered-panic outcome ``(True, b"")``, logged
    on ``hemi.hvm.precompiles``. Only caller errors raise ``HemiValueError``: an address outside 0x40-0x49 or an
    unknown profile or 0x45 mode (a configuration typo must not silently turn every call into an empty success).
    ``header_n`` picks the 0x45 mode (:data:`HEADER_N_MODES`); None means the profile's own.
    """
    info = HVM_PRECOMPILES.get(address)
    if info is None:
        raise HemiValueError(f"no hVM precompile at {address!r}; they are 0x40-0x49")
    if profile not in PROFILES:
        raise HemiValueError(f"unknown hVM profile {profile!r}; one of {', '.join(PROFILES)}")
    if header_n is not None and header_n not in HEADER_N_MODES:
        raise HemiValueError(f"unknown 0x45 mode {header_n!r}; one of {', '.join(HEADER_N_MODES)}")
    try:
        if address == 0x45:
            return True, btc_header_n(bytes(data), reader, profile, header_n=header_n)
        return True, bytes(info.fn(bytes(data), reader, profile))
    except PrecompileFailure as err:
        log.debug("hVM precompile 0x%02x (%s) failed (raw error): %s", address, info.name, err)
        return False, b""
    except Exception:  # noqa: BLE001 - op-geth recovers panics in hVM precompiles into the empty success (OPG-T2)
        log.warning("hVM precompile 0x%02x (%s) raised; returning the empty success as op-geth's recover does",
                    address, info.name, exc_info=True)
        return True, b""
