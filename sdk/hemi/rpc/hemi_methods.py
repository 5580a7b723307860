"""Hemi-specific JSON-RPC methods, registered into :data:`hemi.rpc.eth.METHODS` when this module is imported.

- op-geth's ``kss`` namespace: ``kss_getKeystone(abrevHash, count)`` and ``kss_getLatestKeystones(count)``. As in
  op-geth (``eth/api_hemi.go``) the result is an object ``{"keystones": [L2Keystone...]}``; a refused request (count
  over 50, malformed or unknown hash) is *not* a JSON-RPC error there but the same object with
  ``"error": {"timestamp", "trace", "message"}`` (heminetwork ``protocol.Error``) and no keystones, which is what
  BFG and popm read. The hash is the abbreviated keystone hash in display hex (as BFG prints it); the raw digest
  order is accepted too.
- op-node's ``optimism_btcFinalityByBlockHash(hash)`` (:func:`hemi.node.pop.finality_wire.btc_finality_by_block_hash`):
  by default the newest op-node's BFG v2 object; with ``finality_rpc="v1"`` the legacy ``[L2BTCFinality{
  l2_keystone, btc_pub_height, btc_pub_header_hash, btc_finality}]``; hemi-viem's ``getBtcFinalityByBlockHash``
  passes the object through and takes element 0 of the list. While the keystone providing finality is not mined,
  or for an unknown hash, JSON-RPC error -32000, on which hemi-viem falls back to ``btc_finality: -9``.
- ``hemi_*`` controls mirroring the Python API of :class:`~hemi.node.devchain.Devchain` (results are plain JSON;
  Bitcoin hashes in display hex, EVM hashes 0x-hex):

  ======================================  ===============================================================
  ``hemi_mineBitcoin(n=1, address?)``     ``dev.btc.mine(n, to=address)`` -> list of block hashes
  ``hemi_reorgBitcoin(depth, newBlocks?,  ``dev.btc.reorg(...)`` -> list of the new branch's block hashes
  drop?)``
  ``hemi_syncBitcoin()``                  ``dev.sync_btc()`` -> ``{"l2_blocks_mined", "hvm_view"}``
  ``hemi_superfinalize(target?)``         ``dev.superfinalize(target).to_json()``
  ``hemi_finality(target?)``              ``dev.finality(target).to_json()``
  ``hemi_provenance(txHash)``             ``dev.provenance(tx).to_json()`` (verified first)
  ``hemi_hvmView(block?)``                ``dev.hvm_view(block).to_dict()``
  ``hemi_popPublish(keystone?, miner?)``  ``dev.pop.publish(...)`` -> txid
  ``hemi_dumpState()``                   the state as 0x-hex data; ``hemi_loadState(hex)`` (hemi.rpc.state_methods)
  ``hemi_tunnelInfo()``                   addresses, custody address, operator, policy and limits of ``dev.tunnel``
  ``hemi_tunnelDeposit(wallet, sats,      ``dev.tunnel.deposit(dev.btc.wallet(wallet), ...)`` -> Deposit JSON;
  recipient, options?)``                  options ``{"recipientFormat", "check", "feeRate"}``
  ``hemi_tunnelConfirm(txid, vout?,       ``dev.tunnel.confirm(...)`` -> ``{"transactionHash", "blockNumber",
  options?)``                             "recipient", "depositSats", "netSats"}``; options ``{"mine", "sender"}``
  ``hemi_tunnelWithdraw(account, sats,    ``dev.tunnel.withdraw(...)`` -> Withdrawal JSON
  btcAddress)``
  ``hemi_tunnelWithdrawal(uuid)``         ``dev.tunnel.withdrawal(uuid).to_json()``
  ``hemi_tunnelFinalize(uuid)``           ``dev.tunnel.finalize(uuid)`` -> ``{"transactionHash", "blockNumber",
                                          "withdrawal"}``
  ``hemi_tunnelChallenge(uuid,            ``dev.tunnel.challenge(...)`` -> same shape; options ``{"wait", "sender"}``
  options?)``
  ``hemi_tunnelSetOperatorPolicy(policy,  ``dev.tunnel.set_operator_policy(...)``; options ``{"delay", "feeRate"}``
  options?)``
  ``hemi_tunnelAudit()``                  ``dev.tunnel.audit().to_json()``
  ======================================  ===============================================================

  Tunnel errors: bad input (``TunnelValueError``, invalid addresses) is -32602, an unknown deposit or withdrawal
  -32001, a revert (``TunnelRevert``, the contract's reason in the message) or an operator that has not paid -32000.

  A target is an L2 block number (int or hex quantity), ``"latest"``, or a 32-byte L2 block / EVM tx hash. Errors
  of the protocol layer that are neither lookups nor bad values (``NotSuperfinalizable``, ``ProvenanceError``,
  ``ReorgError``...) answer -32000 with their message.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from hemi.errors import HemiError, HemiLookupError, HemiValueError
from hemi.rpc import state_methods  # noqa: F401 - registers anvil_/hemi_ dumpState and loadState
from hemi.rpc.eth import EthApi, RPCError, method, parse_q

MAX_KEYSTONE_COUNT = 50  # op-geth maxL2KeystoneCount
MAX_BTC_BLOCKS = 100_000  # one request holds the devchain (~0.2 ms a block): a typo'd count must not hang it
METHOD_NOT_SUPPORTED = -32004  # EIP-1474


def _protocol_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Map protocol errors that EthApi.request does not map itself (it maps lookups and bad values) to -32000."""

    @functools.wraps(fn)
    def wrapper(api: EthApi, *params: Any) -> Any:
        try:
            return fn(api, *params)
        except (RPCError, HemiLookupError, HemiValueError, TypeError):
            raise
        except HemiError as err:
            raise RPCError(-32000, f"{type(err).__name__}: {err}") from None

    return wrapper


def _count(v: Any) -> int:
    if isinstance(v, str):
        return parse_q(v, "count")
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise RPCError(-32602, f"invalid count: expected a non-negative integer, got {v!r}")
    return v


def _int(v: Any, name: str) -> int:
    if isinstance(v, str) and v[:2] not in ("0x", "0X"):
        try:
            return int(v)
        except ValueError:
            pass
    return parse_q(v, name)


def _target(v: Any) -> Any:
    """An L2 block number, "latest", or a 32-byte hash string, for Devchain.finality and friends."""
    if v is None or v == "latest":
        return "latest"
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    if isinstance(v, str):
        s = v[2:] if v[:2] in ("0x", "0X") else v
        if len(s) == 64:
            return "0x" + s
        return parse_q(v, "block number")
    raise RPCError(-32602, f"invalid target: an L2 block number, 'latest' or a 32-byte hash, got {v!r}")


# ---------------------------------------------------------------------------------------------- kss (op-geth)

def _kss_error(message: str) -> dict:
    return {"keystones": None, "error": {"timestamp": int(time.time()), "trace": "", "message": message}}


def _find_keystone(api: EthApi, abrev_hash: Any):
    from hemi.node.pop.keystones import KeystoneHash

    if not isinstance(abrev_hash, str):
        raise HemiValueError(f"abrevHash is a hex string, got {abrev_hash!r}")
    s = abrev_hash[2:] if abrev_hash[:2] in ("0x", "0X") else abrev_hash
    display = KeystoneHash(s)  # validates length and hex (chainhash.NewHashFromStr)
    ks = api.dev.keystones.find(display)
    if ks is None:  # op-geth hex-decodes the string as is: accept the raw digest order too
        ks = api.dev.keystones.find(KeystoneHash(bytes.fromhex(s)))
    if ks is None:
        raise HemiLookupError(f"unknown keystone {s}")
    return ks


@method("kss_getKeystone")
def _kss_get_keystone(api: EthApi, abrev_hash: Any, count: Any = 0) -> dict:
    n = _count(count)
    if n > MAX_KEYSTONE_COUNT:
        return _kss_error("count too large")
    try:
        ks = _find_keystone(api, abrev_hash)
    except (HemiLookupError, HemiValueError) as err:
        return _kss_error(str(err))
    return {"keystones": [k.to_json() for k in [ks] + api.dev.keystones.descendants(ks, n)]}


@method("kss_getLatestKeystones")
def _kss_latest(api: EthApi, count: Any) -> dict:
    n = _count(count)
    if n > MAX_KEYSTONE_COUNT:
        return _kss_error("count too large")
    return {"keystones": [k.to_json() for k in api.dev.keystones.latest(n)]}


# ---------------------------------------------------------------------------------------------- op-node (legacy)

@method("optimism_btcFinalityByBlockHash")
def _btc_finality_by_block_hash(api: EthApi, block_hash: Any) -> dict | list:
    from hemi.node.pop.finality_wire import FinalityRpcError, btc_finality_by_block_hash
    from hemi.rpc.eth import parse_hash

    try:
        return btc_finality_by_block_hash(api.dev, parse_hash(block_hash, "block hash"), api.dev.config.finality_rpc)
    except FinalityRpcError as err:
        raise RPCError(err.code, str(err)) from None


# ---------------------------------------------------------------------------------------------- hemi_* controls

@method("hemi_mineBitcoin")
@_protocol_errors
def _mine_bitcoin(api: EthApi, n: Any = 1, address: str | None = None) -> list[str]:
    count = _int(n, "n")
    if count > MAX_BTC_BLOCKS:
        raise RPCError(-32602, f"cannot mine {count} Bitcoin blocks in one request (at most {MAX_BTC_BLOCKS})")
    return [str(h) for h in api.dev.btc.mine(count, to=address)]


@method("hemi_reorgBitcoin")
@_protocol_errors
def _reorg_bitcoin(api: EthApi, depth: Any, new_blocks: Any = None, drop: Any = None) -> list[str]:
    if drop is not None and not isinstance(drop, list):
        raise RPCError(-32602, "drop is a list of txids")
    new = None if new_blocks is None else _int(new_blocks, "newBlocks")
    if new is not None and new > MAX_BTC_BLOCKS:
        raise RPCError(-32602, f"cannot mine {new} Bitcoin blocks in one request (at most {MAX_BTC_BLOCKS})")
    hashes = api.dev.btc.reorg(_int(depth, "depth"), new_blocks=new,
                               drop=drop or ())
    return [str(h) for h in hashes]


@method("hemi_syncBitcoin")
@_protocol_errors
def _sync_bitcoin(api: EthApi) -> dict:
    mined = api.dev.sync_btc()
    return {"l2_blocks_mined": mined, "hvm_view": api.dev.hvm_view("latest").to_dict()}


@method("hemi_superfinalize")
@_protocol_errors
def _superfinalize(api: EthApi, target: Any = "latest") -> dict:
    return api.dev.superfinalize(_target(target)).to_json()


@method("hemi_finality")
@_protocol_errors
def _finality(api: EthApi, target: Any = "latest") -> dict:
    return api.dev.finality(_target(target)).to_json()


@method("hemi_provenance")
@_protocol_errors
def _provenance(api: EthApi, tx_hash: Any) -> dict:
    from hemi.rpc.eth import parse_hash

    return api.dev.provenance(parse_hash(tx_hash, "transaction hash")).verify().to_json()


@method("hemi_hvmView")
@_protocol_errors
def _hvm_view(api: EthApi, block: Any = "latest") -> dict:
    if isinstance(block, str) and block not in ("latest", "earliest", "pending", "safe", "finalized"):
        block = parse_q(block, "block number")
    return api.dev.hvm_view(block).to_dict()


@method("hemi_popPublish")
@_protocol_errors
def _pop_publish(api: EthApi, keystone: Any = None, miner: str = "default") -> str:
    if isinstance(keystone, str) and len(keystone.removeprefix("0x")) != 64:
        keystone = parse_q(keystone, "keystone")
    return str(api.dev.pop.publish(keystone, miner=miner))




# ---------------------------------------------------------------------------------------------- hemi_tunnel*

def _options(v: Any, allowed: tuple[str, ...]) -> dict:
    if v is None:
        return {}
    if not isinstance(v, dict) or set(v) - set(allowed):
        raise RPCError(-32602, f"options is an object with keys among {', '.join(allowed)}; got {v!r}")
    return v


def _bool(v: Any, name: str) -> bool:
    if not isinstance(v, bool):
        raise RPCError(-32602, f"{name} is a boolean, got {v!r}")
    return v


def _tx_summary(api: EthApi, receipt: Any) -> dict:
    return {"transactionHash": "0x" + bytes(receipt.transactionHash).hex(), "blockNumber": receipt.blockNumber}


@method("hemi_tunnelInfo")
@_protocol_errors
def _tunnel_info(api: EthApi) -> dict:
    t = api.dev.tunnel
    return {"manager": t.manager_address, "hemiBTC": t.hemi_btc_address, "vault": t.vault_address,
            "vaultIndex": t.vault_index, "custodyAddress": t.custody_address,
            "custodyScript": t.custody_script.hex(), "operator": t.operator.address, "policy": t.operator.policy,
            "minimumDepositSats": t.minimum_deposit_sats, "minimumWithdrawalSats": t.minimum_withdrawal_sats,
            "minConfirmations": t.min_confirmations, "gracePeriodSeconds": t.grace_period_seconds,
            "maxWithdrawalQueue": t.max_withdrawal_queue, "vaultState": t.vault_state.address,
            "globalConfig": t.global_config.address, "status": t.status(),
            "depositFeeBps": t.vault_state.functions.depositFeeBps().call(),
            "minDepositFeeSats": t.vault_state.functions.minDepositFeeSats().call(),
            "withdrawalFeeBps": t.vault_state.functions.withdrawalFeeBps().call(),
            "minWithdrawalFeeSats": t.vault_state.functions.minWithdrawalFeeSats().call()}


@method("hemi_tunnelDeposit")
@_protocol_errors
def _tunnel_deposit(api: EthApi, wallet: Any, sats: Any, recipient: Any, options: Any = None) -> dict:
    opts = _options(options, ("recipientFormat", "check", "feeRate"))
    if not isinstance(wallet, str) or not wallet:
        raise RPCError(-32602, "wallet is the name of a devchain Bitcoin wallet (e.g. \"alice\")")
    kw: dict = {"recipient_format": opts.get("recipientFormat", "raw")}
    if "check" in opts:
        kw["check"] = _bool(opts["check"], "check")
    if "feeRate" in opts:
        kw["fee_rate"] = opts["feeRate"]
    return api.dev.tunnel.deposit(wallet, _int(sats, "sats"), recipient=recipient, **kw).to_json()


@method("hemi_tunnelConfirm")
@_protocol_errors
def _tunnel_confirm(api: EthApi, txid: Any, vout: Any = None, options: Any = None) -> dict:
    from web3.logs import DISCARD

    opts = _options(options, ("mine", "sender"))
    if not isinstance(txid, str):
        raise RPCError(-32602, f"txid is a hex string, got {txid!r}")
    t = api.dev.tunnel
    d = t.deposit_of(txid.removeprefix("0x"), vout=None if vout is None else _int(vout, "vout"))
    receipt = t.confirm(d, mine=_bool(opts.get("mine", True), "mine"), sender=opts.get("sender"))
    (ev,) = t.manager.events.DepositConfirmed().process_receipt(receipt, errors=DISCARD)
    return {**_tx_summary(api, receipt), "recipient": ev.args.recipient, "depositSats": ev.args.depositSats,
            "netSats": ev.args.netSatsAfterFee}


@method("hemi_tunnelWithdraw")
@_protocol_errors
def _tunnel_withdraw(api: EthApi, account: Any, sats: Any, btc_address: Any) -> dict:
    return api.dev.tunnel.withdraw(account, _int(sats, "sats"), btc_address=btc_address).to_json()


@method("hemi_tunnelWithdrawal")
@_protocol_errors
def _tunnel_withdrawal(api: EthApi, uuid: Any) -> dict:
    return api.dev.tunnel.withdrawal(_int(uuid, "uuid")).to_json()


@method("hemi_tunnelFinalize")
@_protocol_errors
def _tunnel_finalize(api: EthApi, uuid: Any) -> dict:
    t = api.dev.tunnel
    n = _int(uuid, "uuid")
    receipt = t.finalize(n)
    return {**_tx_summary(api, receipt), "withdrawal": t.withdrawal(n).to_json()}


@method("hemi_tunnelChallenge")
@_protocol_errors
def _tunnel_challenge(api: EthApi, uuid: Any, options: Any = None) -> dict:
    opts = _options(options, ("wait", "sender"))
    t = api.dev.tunnel
    n = _int(uuid, "uuid")
    receipt = t.challenge(n, wait=_bool(opts.get("wait", False), "wait"), sender=opts.get("sender"))
    return {**_tx_summary(api, receipt), "withdrawal": t.withdrawal(n).to_json()}


@method("hemi_tunnelSetOperatorPolicy")
@_protocol_errors
def _tunnel_set_policy(api: EthApi, policy: Any, options: Any = None) -> dict:
    opts = _options(options, ("delay", "feeRate"))
    op = api.dev.tunnel.set_operator_policy(policy, delay=opts.get("delay"), fee_rate=opts.get("feeRate"))
    return {"policy": op.policy, "delay": op.delay, "feeRate": op.fee_rate}


@method("hemi_tunnelAudit")
@_protocol_errors
def _tunnel_audit(api: EthApi) -> dict:
    return api.dev.tunnel.audit().to_json()

from hemi.rpc import op_methods  # noqa: E402,F401 - registers hemi_sendDepositTransaction
