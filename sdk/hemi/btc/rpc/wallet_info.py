"""``getaddressinfo`` and ``getwalletinfo`` (Bitcoin Core's ``src/wallet/rpc/addresses.cpp`` and ``wallet.cpp``).

The chain's test wallet is one key with an address of every kind, so ``getaddressinfo`` of one of them answers as
Core's descriptor wallet does for a key it holds, without the HD fields (no ``parent_desc``, ``timestamp``,
``hdkeypath``, ``hdmasterfingerprint``: the key is derived from the chain seed, not from an HD seed); its ``pubkey``
is what multisig and HTLC scripts are built from. ``getwalletinfo`` reports what Core 28 reports for a fresh
descriptor wallet (sqlite format, keypool sizes 4000, version 169900) with this wallet's balances, transaction count
and birth time (the genesis block's).
"""

from __future__ import annotations

from typing import Any

from hemi.btc import script as S
from hemi.btc.address import address_to_script, script_to_address
from hemi.btc.wallet import P2PKH, P2SH_P2WPKH, P2TR, P2WPKH, P2WSH, Wallet
from hemi.errors import InvalidAddressError, UnknownTransactionError
from hemi.types import Txid

from .addresses import address_error, validate_address
from .arguments import Arg
from .encoding import btc_amount
from .errors import RPC_INVALID_ADDRESS_OR_KEY, JSONRPCError
from .scripts import descriptor_checksum
from .server import CoreRPC, rpc_method
from .wallet_history import wallet_txids

_DESCRIBED = ("isscript", "iswitness", "witness_version", "witness_program")  # Core's DescribeAddress fields


def _describe(spk: bytes) -> dict[str, Any]:
    """Core's DescribeAddress for a scriptPubKey with an address (validateaddress's fields)."""
    answer = validate_address(script_to_address(spk) or "")
    return {k: answer[k] for k in _DESCRIBED if k in answer}


def _descriptor(wallet: Wallet, kind: str) -> str:
    """What Core's InferDescriptor gives for the wallet's script of ``kind`` (a key without HD origin)."""
    pub = wallet.pubkey.hex()
    body = {P2WPKH: f"wpkh({pub})", P2SH_P2WPKH: f"sh(wpkh({pub}))", P2PKH: f"pkh({pub})",
            P2WSH: f"wsh(pk({pub}))", P2TR: f"tr({wallet.key.xonly_pubkey.hex()})"}[kind]
    return descriptor_checksum(body)


def _key_fields(wallet: Wallet, kind: str) -> dict[str, Any]:
    """Core's DescribeWalletAddressVisitor for a script the wallet holds the key of."""
    pub = wallet.pubkey.hex()
    if kind == P2PKH:
        return {"pubkey": pub, "iscompressed": len(wallet.pubkey) == 33}
    if kind == P2WPKH:
        return {"pubkey": pub}
    if kind == P2SH_P2WPKH:  # the redeem script is a P2WPKH program: described as an embedded address
        redeem = S.p2wpkh_script(wallet.key.pubkey_hash)
        embedded = {**_describe(redeem), "pubkey": pub, "address": script_to_address(redeem),
                    "scriptPubKey": redeem.hex()}
        return {"script": "witness_v0_keyhash", "hex": redeem.hex(), "pubkey": pub, "embedded": embedded}
    if kind == P2WSH:  # <pubkey> OP_CHECKSIG: a P2PK script has no address, so nothing is embedded
        return {"script": "pubkey", "hex": S.single_key_witness_script(wallet.pubkey).hex()}
    return {}  # taproot: Core describes nothing more


@rpc_method("getaddressinfo", Arg("address", "str"))
def _getaddressinfo(rpc: CoreRPC, address: str) -> dict[str, Any]:
    try:
        spk = address_to_script(address)
    except InvalidAddressError:
        message = (address_error(address) or ("Invalid address", []))[0]
        raise JSONRPCError(RPC_INVALID_ADDRESS_OR_KEY, message) from None
    wallet = rpc.chain.wallet()
    mine = wallet.owns(spk)
    kind = wallet.kind_of(spk) if mine else None
    out: dict[str, Any] = {"address": script_to_address(spk), "scriptPubKey": spk.hex(), "ismine": mine,
                           "solvable": mine}
    if kind is not None:
        out["desc"] = _descriptor(wallet, kind)
    out["iswatchonly"] = spk in getattr(rpc, "watched", set())
    out.update(_describe(spk))
    if kind is not None:
        out.update(_key_fields(wallet, kind))
    out["ischange"] = False
    out["labels"] = [""] if mine else []
    return out


def _from_me(rpc: CoreRPC, txid: Txid) -> bool:
    """Whether the transaction spends one of the wallet's outputs."""
    wallet = rpc.chain.wallet()
    for txin in rpc.chain.tx(txid).tx.vin:
        try:
            prev = rpc.chain.tx(Txid(txin.prevout.hash)).tx.vout[txin.prevout.n]
        except (UnknownTransactionError, IndexError):
            continue
        if wallet.owns(bytes(prev.scriptPubKey)):
            return True
    return False


@rpc_method("getwalletinfo")
def _getwalletinfo(rpc: CoreRPC) -> dict[str, Any]:
    chain = rpc.chain
    wallet = chain.wallet()
    trusted = untrusted = 0
    for u in wallet.utxos:
        if not u.mature:
            continue
        if u.confirmations or _from_me(rpc, u.txid):  # Core's CachedTxIsTrusted: confirmed, or the wallet's own
            trusted += u.value
        else:
            untrusted += u.value
    return {
        "walletname": wallet.name, "walletversion": 169900, "format": "sqlite",
        "balance": btc_amount(trusted), "unconfirmed_balance": btc_amount(untrusted),
        "immature_balance": btc_amount(wallet.immature_balance), "txcount": len(wallet_txids(rpc)),
        "keypoolsize": 4000, "keypoolsize_hd_internal": 4000, "paytxfee": btc_amount(0),
        "private_keys_enabled": True, "avoid_reuse": False, "scanning": False, "descriptors": True,
        "external_signer": False, "blank": False, "birthtime": int(chain.header(0).time),
        "lastprocessedblock": {"hash": str(chain.tip), "height": chain.height},
    }
