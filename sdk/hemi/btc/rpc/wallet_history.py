"""Wallet history and descriptor RPCs (Bitcoin Core's ``src/wallet/rpc/transactions.cpp``, ``backup.cpp`` and
``src/rpc/output_script.cpp``): gettransaction, listtransactions, importaddress, importdescriptors,
getdescriptorinfo, deriveaddresses.

Descriptors understood: ``addr()``, ``raw()``, ``pk()``, ``pkh()``, ``wpkh()``, ``sh(wpkh())``, ``tr(KEY)`` (key
path) and ``wsh(multi())`` with hex keys; ranged (xpub) descriptors are refused with Core's -5 error.
"""

from __future__ import annotations

import re
from typing import Any

from hemi.btc import script as S
from hemi.btc.address import address_to_script, script_to_address
from hemi.btc.interpreter import taproot_tweak_pubkey
from hemi.btc.keys import hash160
from hemi.errors import HemiValueError, InvalidAddressError, UnknownTransactionError
from hemi.types import Txid

from .arguments import Arg, parse_hash
from .encoding import btc_amount
from .errors import RPC_INVALID_ADDRESS_OR_KEY, RPC_WALLET_ERROR, JSONRPCError
from .scripts import descriptor_checksum
from .server import CoreRPC, rpc_method

_KEY = re.compile(r"^(0[23][0-9a-f]{64}|04[0-9a-f]{128})$")


def _key(text: str, xonly_ok: bool = False) -> bytes:
    if xonly_ok and re.fullmatch(r"[0-9a-f]{64}", text):
        return bytes.fromhex(text)
    if not _KEY.match(text):
        raise JSONRPCError(RPC_INVALID_ADDRESS_OR_KEY, f"key '{text}' is not valid")
    return bytes.fromhex(text)


def parse_descriptor(desc: str) -> tuple[str, bytes, bool]:
    """(descriptor without checksum, scriptPubKey, solvable); raises Core's -5 errors."""
    body, _, given = desc.partition("#")
    if given:
        expect = descriptor_checksum(body).split("#")[1]
        if given != expect:
            raise JSONRPCError(RPC_INVALID_ADDRESS_OR_KEY,
                               f"Provided checksum '{given}' does not match computed checksum '{expect}'")
    m = re.fullmatch(r"(\w+)\((.*)\)", body)
    if not m:
        raise JSONRPCError(RPC_INVALID_ADDRESS_OR_KEY, f"'{body}' is not a valid descriptor function")
    fn, arg = m.groups()
    try:
        if fn == "addr":
            return body, address_to_script(arg), False
        if fn == "raw":
            return body, bytes.fromhex(arg), False
    except (InvalidAddressError, HemiValueError, ValueError):
        raise JSONRPCError(RPC_INVALID_ADDRESS_OR_KEY, f"{fn}(): invalid argument") from None
    if "/" in arg or arg.startswith(("xpub", "tpub")):
        raise JSONRPCError(RPC_INVALID_ADDRESS_OR_KEY, "ranged and extended-key descriptors are not supported")
    if fn == "pk":
        return body, bytes([len(_key(arg))]) + _key(arg) + b"\xac", True
    if fn == "pkh":
        return body, S.p2pkh_script(hash160(_key(arg))), True
    if fn == "wpkh":
        return body, S.p2wpkh_script(hash160(_key(arg))), True
    if fn == "sh" and arg.startswith("wpkh(") and arg.endswith(")"):
        return body, S.p2sh_p2wpkh(hash160(_key(arg[5:-1])))[0], True
    if fn == "tr" and "," not in arg:
        k = _key(arg, xonly_ok=True)
        xonly = k[-32:]
        return body, S.p2tr_script(taproot_tweak_pubkey(xonly, b"")[0]), True
    if fn == "wsh" and arg.startswith("multi(") and arg.endswith(")"):
        parts = arg[6:-1].split(",")
        keys = [_key(k) for k in parts[1:]]
        return body, S.p2wsh_script(S.multisig_script(int(parts[0]), keys)), True
    raise JSONRPCError(RPC_INVALID_ADDRESS_OR_KEY, f"'{fn}' descriptors are not supported here")


@rpc_method("getdescriptorinfo", Arg("descriptor", "str"))
def _getdescriptorinfo(rpc: CoreRPC, descriptor: str) -> dict[str, Any]:
    body, _spk, solvable = parse_descriptor(descriptor)
    full = descriptor_checksum(body)
    return {"descriptor": full, "checksum": full.split("#")[1], "isrange": False, "issolvable": solvable,
            "hasprivatekeys": False}


@rpc_method("deriveaddresses", Arg("descriptor", "str"), Arg("range", "any", None))
def _deriveaddresses(rpc: CoreRPC, descriptor: str, range: Any) -> list[str]:  # noqa: A002 - Core's name
    if "#" not in descriptor:
        raise JSONRPCError(RPC_INVALID_ADDRESS_OR_KEY, "Missing checksum")
    if range is not None:
        raise JSONRPCError(RPC_INVALID_ADDRESS_OR_KEY, "Range should not be specified for an un-ranged descriptor")
    _body, spk, _ = parse_descriptor(descriptor)
    address = script_to_address(spk)
    if address is None:
        raise JSONRPCError(RPC_INVALID_ADDRESS_OR_KEY, "Descriptor does not have a corresponding address")
    return [address]


@rpc_method("importaddress", Arg("address", "str"), Arg("label", "str", ""), Arg("rescan", "bool", True),
            Arg("p2sh", "bool", False))
def _importaddress(rpc: CoreRPC, address: str, label: str, rescan: bool, p2sh: bool) -> None:
    raise JSONRPCError(RPC_WALLET_ERROR, "Only legacy wallets are supported by this command")


@rpc_method("importdescriptors", Arg("requests", "arr"))
def _importdescriptors(rpc: CoreRPC, requests: list) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    watched = rpc.__dict__.setdefault("watched", set())
    for req in requests:
        try:
            desc = req.get("desc") if isinstance(req, dict) else None
            if not isinstance(desc, str):
                raise JSONRPCError(-8, "Descriptor not found.")
            if "#" not in desc:
                raise JSONRPCError(RPC_INVALID_ADDRESS_OR_KEY, "Missing checksum")
            _body, spk, _ = parse_descriptor(desc)
            watched.add(spk)
            out.append({"success": True})
        except JSONRPCError as err:
            out.append({"success": False, "error": err.to_dict()})
    return out


def _tx_time(rpc: CoreRPC, info: Any) -> int:
    """Core's ``time`` / ``timereceived`` of a wallet transaction: when the chain's clock first saw it (a mempool
    transaction's entry time, else its block's time: the wallet learns of it when the block connects)."""
    if info.block_hash is not None:
        return int(rpc.chain.header(info.block_hash).time)
    entry = rpc.chain.node.mempool.entries.get(bytes(info.txid))
    return int(entry.time) if entry is not None else 0


def spent_from_wallet(rpc: CoreRPC, tx: Any) -> int:
    """Sats ``tx`` spends from the loaded wallet's outputs (its inputs the chain knows and the wallet owns)."""
    wallet, total = rpc.wallet(), 0
    for txin in tx.vin:
        try:
            prev = rpc.chain.tx(Txid(txin.prevout.hash)).tx.vout[txin.prevout.n]
        except (UnknownTransactionError, IndexError):
            continue
        if wallet.owns(bytes(prev.scriptPubKey)):
            total += prev.nValue
    return total


def _wallet_entries(rpc: CoreRPC, txid: bytes) -> dict[str, Any] | None:
    """gettransaction's answer, in the order of Core's WalletTxToJSON and ListTransactions
    (src/wallet/rpc/transactions.cpp): sends before receives in ``details``."""
    chain, wallet = rpc.chain, rpc.wallet()
    try:
        info = chain.tx(Txid(txid))
    except UnknownTransactionError:
        return None
    tx = info.tx
    received_rows: list[dict[str, Any]] = []
    received = 0
    coinbase = info.fee is None
    for n, o in enumerate(tx.vout):
        spk = bytes(o.scriptPubKey)
        if wallet.owns(spk):
            received += o.nValue
            cat = "receive"
            if coinbase:
                cat = "generate" if info.confirmations > 100 else ("immature" if info.confirmations else "orphan")
            received_rows.append({"address": script_to_address(spk), "parent_descs": [], "category": cat,
                                  "amount": btc_amount(o.nValue), "label": "", "vout": n})
    sent = 0 if coinbase else spent_from_wallet(rpc, tx)
    if not received_rows and not sent:
        return None
    out: dict[str, Any] = {"amount": btc_amount(received - sent + (info.fee or 0) if sent else received)}
    details: list[dict[str, Any]] = []
    if sent and info.fee is not None:
        out["fee"] = -btc_amount(info.fee)
        for n, o in enumerate(tx.vout):
            if not wallet.owns(bytes(o.scriptPubKey)):
                details.append({"address": script_to_address(bytes(o.scriptPubKey)), "category": "send",
                                "amount": -btc_amount(o.nValue), "vout": n, "fee": -btc_amount(info.fee),
                                "abandoned": False})
    details += received_rows
    out["confirmations"] = info.confirmations
    if coinbase:
        out["generated"] = True
    if info.block_hash is not None:
        out.update({"blockhash": str(info.block_hash), "blockheight": info.height, "blockindex": info.position,
                    "blocktime": chain.header(info.block_hash).time})
    else:  # Core's CachedTxIsTrusted: an unconfirmed transaction of the wallet's own, with trusted parents
        out["trusted"] = bool(sent)
    when = _tx_time(rpc, info)
    out.update({"txid": str(info.txid), "wtxid": str(info.wtxid), "walletconflicts": [], "mempoolconflicts": [],
                "time": when, "timereceived": when, "bip125-replaceable": "no" if info.confirmations else "yes"})
    out["details"] = details
    out["hex"] = tx.serialize().hex()
    out["lastprocessedblock"] = {"hash": str(chain.tip), "height": chain.height}
    return out


@rpc_method("gettransaction", Arg("txid", "str"), Arg("include_watchonly", "bool", True),
            Arg("verbose", "bool", False))
def _gettransaction(rpc: CoreRPC, txid: str, include_watchonly: bool, verbose: bool) -> dict[str, Any]:
    key = bytes(Txid(parse_hash(txid, "txid")))
    entry = _wallet_entries(rpc, key)
    if entry is None:
        raise JSONRPCError(RPC_INVALID_ADDRESS_OR_KEY, "Invalid or non-wallet transaction id")
    return entry


def wallet_txids(rpc: CoreRPC) -> list[bytes]:
    """The wallet's transactions, oldest first: those of the active chain that pay the wallet (its sends keep
    change, which the wallet always adds), then the mempool's that touch it."""
    chain, wallet = rpc.chain, rpc.wallet()
    txids: list[bytes] = []
    for h in range(chain.height + 1):
        for tx in chain.block(h).txs:
            if any(wallet.owns(bytes(o.scriptPubKey)) for o in tx.vout):
                txids.append(tx.GetTxid())
    return txids + [bytes(t) for t in chain.mempool.txids if _wallet_entries(rpc, bytes(t)) is not None]


@rpc_method("listtransactions", Arg("label", "str", "*"), Arg("count", "num", 10), Arg("skip", "num", 0),
            Arg("include_watchonly", "bool", True))
def _listtransactions(rpc: CoreRPC, label: str, count: Any, skip: Any, include_watchonly: bool) -> list:
    if count < 0:
        raise JSONRPCError(-8, "Negative count")
    if skip < 0:
        raise JSONRPCError(-8, "Negative from")
    rows = []
    for t in wallet_txids(rpc):
        e = _wallet_entries(rpc, t)
        if e is None:
            continue
        for d in e["details"]:
            row = dict(d)
            row.update({k: e[k] for k in ("confirmations", "generated", "blockhash", "blockheight", "blockindex",
                                          "blocktime", "trusted", "txid", "wtxid", "walletconflicts",
                                          "mempoolconflicts", "time", "timereceived", "bip125-replaceable")
                        if k in e})
            rows.append(row)
    rows = rows[::-1][skip:skip + count]
    return rows[::-1]
