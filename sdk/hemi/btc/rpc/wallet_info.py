"""``getaddressinfo``, ``getwalletinfo`` and the loaded wallet (``createwallet``, ``loadwallet``, ``listwallets``,
``unloadwallet``) as Bitcoin Core answers them (``src/wallet/rpc/addresses.cpp`` and ``wallet.cpp``).

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
from hemi.btc.wallet import P2PKH, P2SH_P2WPKH, P2WPKH, P2WSH, Wallet
from hemi.errors import InvalidAddressError

from .addresses import address_error, validate_address
from .arguments import Arg
from .encoding import btc_amount
from .errors import (
    RPC_INVALID_ADDRESS_OR_KEY,
    RPC_WALLET_ALREADY_LOADED,
    RPC_WALLET_ERROR,
    RPC_WALLET_NOT_FOUND,
    JSONRPCError,
)
from .server import CoreRPC, rpc_method
from .wallet import wallet_descriptor
from .wallet_history import spent_from_wallet, wallet_txids

_DESCRIBED = ("isscript", "iswitness", "witness_version", "witness_program")  # Core's DescribeAddress fields


def _describe(spk: bytes) -> dict[str, Any]:
    """Core's DescribeAddress for a scriptPubKey with an address (validateaddress's fields)."""
    answer = validate_address(script_to_address(spk) or "")
    return {k: answer[k] for k in _DESCRIBED if k in answer}


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
    wallet = rpc.wallet()
    mine = wallet.owns(spk)
    kind = wallet.kind_of(spk) if mine else None
    out: dict[str, Any] = {"address": script_to_address(spk), "scriptPubKey": spk.hex(), "ismine": mine,
                           "solvable": mine}
    if kind is not None:
        out["desc"] = wallet_descriptor(wallet, kind)
    out["iswatchonly"] = spk in getattr(rpc, "watched", set())
    out.update(_describe(spk))
    if kind is not None:
        out.update(_key_fields(wallet, kind))
    out["ischange"] = False
    out["labels"] = [""] if mine else []
    return out


@rpc_method("getwalletinfo")
def _getwalletinfo(rpc: CoreRPC) -> dict[str, Any]:
    chain = rpc.chain
    wallet = rpc.wallet()
    trusted = untrusted = 0
    for u in wallet.utxos:
        if not u.mature:
            continue
        # Core's CachedTxIsTrusted: confirmed, or a transaction of the wallet's own
        if u.confirmations or spent_from_wallet(rpc, rpc.chain.tx(u.txid).tx):
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


# ---------------------------------------------------------------------------------------------- loaded wallets
# One wallet is loaded at a time (the chain's default to begin with): createwallet and loadwallet make the named
# wallet the one every wallet call uses, where Core would keep both loaded and ask for a /wallet/<name> URL.


def _name(rpc: CoreRPC) -> str:
    return rpc.wallet().name


def _load(rpc: CoreRPC, name: str) -> dict[str, Any]:
    rpc.chain.wallet(name or "default")  # a non-empty name (Core's default wallet is "", the chain's is "default")
    rpc.wallet_name = name or "default"
    return {"name": name}


@rpc_method("createwallet", Arg("wallet_name", "str"), Arg("disable_private_keys", "bool", False),
            Arg("blank", "bool", False), Arg("passphrase", "str", ""), Arg("avoid_reuse", "bool", False),
            Arg("descriptors", "bool", True), Arg("load_on_startup", "bool", None),
            Arg("external_signer", "bool", False))
def _createwallet(rpc: CoreRPC, wallet_name: str, disable_private_keys: bool, blank: bool, passphrase: str,
                  avoid_reuse: bool, descriptors: bool, load_on_startup: Any, external_signer: bool) -> dict[str, Any]:
    if (wallet_name or "default") == _name(rpc) or (wallet_name or "default") in rpc.created_wallets:
        raise JSONRPCError(RPC_WALLET_ERROR, f"Wallet file verification failed. Failed to create database path "
                                             f"'{wallet_name}'. Database already exists.")
    if disable_private_keys or blank or passphrase or external_signer or not descriptors:
        raise JSONRPCError(RPC_WALLET_ERROR, "the embedded chain's wallets are descriptor wallets with one key: "
                                             "disable_private_keys, blank, passphrase, external_signer and legacy "
                                             "(descriptors=false) wallets are not modelled")
    rpc.created_wallets.add(wallet_name or "default")
    return _load(rpc, wallet_name)


@rpc_method("loadwallet", Arg("filename", "str"), Arg("load_on_startup", "bool", None))
def _loadwallet(rpc: CoreRPC, filename: str, load_on_startup: Any) -> dict[str, Any]:
    if (filename or "default") == _name(rpc):
        raise JSONRPCError(RPC_WALLET_ALREADY_LOADED, f'Wallet "{filename}" is already loaded.')
    if (filename or "default") not in rpc.created_wallets | {"default"}:
        raise JSONRPCError(RPC_WALLET_NOT_FOUND, f"Wallet file verification failed. Failed to load database path "
                                                 f"'{filename}'. Path does not exist.")
    return _load(rpc, filename)


@rpc_method("listwallets")
def _listwallets(rpc: CoreRPC) -> list[str]:
    return [_name(rpc)]


@rpc_method("unloadwallet", Arg("wallet_name", "str", None), Arg("load_on_startup", "bool", None))
def _unloadwallet(rpc: CoreRPC, wallet_name: str | None, load_on_startup: Any) -> dict[str, Any]:
    if wallet_name is not None and (wallet_name or "default") != _name(rpc):
        raise JSONRPCError(RPC_WALLET_NOT_FOUND, "Requested wallet does not exist or is not loaded")
    rpc.wallet_name = None  # the chain's default wallet serves again: the embedded RPC always has one
    return {}
