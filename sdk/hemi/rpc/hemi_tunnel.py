"""The Bitcoin tunnel over JSON-RPC: ``hemi_tunnel*`` mirror ``dev.tunnel``'s Python API.

======================================  ===============================================================
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

Errors: bad input (``TunnelValueError``, invalid addresses) is -32602, an unknown deposit or withdrawal -32001, a
revert (``TunnelRevert``, the contract's reason in the message) or an operator that has not paid -32000.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from web3.logs import DISCARD

from hemi.rpc.context import RpcContext
from hemi.rpc.errors import RPCError
from hemi.rpc.hemi_controls import int_param, protocol_errors
from hemi.rpc.params import Handler


def _options(v: Any, allowed: tuple[str, ...]) -> dict[str, Any]:
    if v is None:
        return {}
    if not isinstance(v, dict) or set(v) - set(allowed):
        raise RPCError(-32602, f"options is an object with keys among {', '.join(allowed)}; got {v!r}")
    return v


def _bool(v: Any, name: str) -> bool:
    if not isinstance(v, bool):
        raise RPCError(-32602, f"{name} is a boolean, got {v!r}")
    return v


def _tx_summary(api: RpcContext, receipt: Any) -> dict[str, Any]:
    return {"transactionHash": "0x" + bytes(receipt.transactionHash).hex(), "blockNumber": receipt.blockNumber}


@protocol_errors
def info(api: RpcContext) -> dict[str, Any]:
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


@protocol_errors
def deposit(api: RpcContext, wallet: Any, sats: Any, recipient: Any, options: Any = None) -> dict[str, Any]:
    opts = _options(options, ("recipientFormat", "check", "feeRate"))
    if not isinstance(wallet, str) or not wallet:
        raise RPCError(-32602, "wallet is the name of a devchain Bitcoin wallet (e.g. \"alice\")")
    kw: dict[str, Any] = {"recipient_format": opts.get("recipientFormat", "raw")}
    if "check" in opts:
        kw["check"] = _bool(opts["check"], "check")
    if "feeRate" in opts:
        kw["fee_rate"] = opts["feeRate"]
    deposit = api.dev.tunnel.deposit(wallet, int_param(sats, "sats"), recipient=recipient, **kw)
    result: dict[str, Any] = deposit.to_json()
    return result


@protocol_errors
def confirm(api: RpcContext, txid: Any, vout: Any = None, options: Any = None) -> dict[str, Any]:
    opts = _options(options, ("mine", "sender"))
    if not isinstance(txid, str):
        raise RPCError(-32602, f"txid is a hex string, got {txid!r}")
    t = api.dev.tunnel
    d = t.deposit_of(txid.removeprefix("0x"), vout=None if vout is None else int_param(vout, "vout"))
    receipt = t.confirm(d, mine=_bool(opts.get("mine", True), "mine"), sender=opts.get("sender"))
    (ev,) = t.manager.events.DepositConfirmed().process_receipt(receipt, errors=DISCARD)
    return {**_tx_summary(api, receipt), "recipient": ev.args.recipient, "depositSats": ev.args.depositSats,
            "netSats": ev.args.netSatsAfterFee}


@protocol_errors
def withdraw(api: RpcContext, account: Any, sats: Any, btc_address: Any) -> dict[str, Any]:
    withdrawal = api.dev.tunnel.withdraw(account, int_param(sats, "sats"), btc_address=btc_address)
    result: dict[str, Any] = withdrawal.to_json()
    return result


@protocol_errors
def withdrawal(api: RpcContext, uuid: Any) -> dict[str, Any]:
    result: dict[str, Any] = api.dev.tunnel.withdrawal(int_param(uuid, "uuid")).to_json()
    return result


@protocol_errors
def finalize(api: RpcContext, uuid: Any) -> dict[str, Any]:
    t = api.dev.tunnel
    n = int_param(uuid, "uuid")
    receipt = t.finalize(n)
    return {**_tx_summary(api, receipt), "withdrawal": t.withdrawal(n).to_json()}


@protocol_errors
def challenge(api: RpcContext, uuid: Any, options: Any = None) -> dict[str, Any]:
    opts = _options(options, ("wait", "sender"))
    t = api.dev.tunnel
    n = int_param(uuid, "uuid")
    receipt = t.challenge(n, wait=_bool(opts.get("wait", False), "wait"), sender=opts.get("sender"))
    return {**_tx_summary(api, receipt), "withdrawal": t.withdrawal(n).to_json()}


@protocol_errors
def set_policy(api: RpcContext, policy: Any, options: Any = None) -> dict[str, Any]:
    opts = _options(options, ("delay", "feeRate"))
    op = api.dev.tunnel.set_operator_policy(policy, delay=opts.get("delay"), fee_rate=opts.get("feeRate"))
    return {"policy": op.policy, "delay": op.delay, "feeRate": op.fee_rate}


@protocol_errors
def audit(api: RpcContext) -> dict[str, Any]:
    result: dict[str, Any] = api.dev.tunnel.audit().to_json()
    return result


METHODS: Mapping[str, Handler] = MappingProxyType({
    "hemi_tunnelInfo": info, "hemi_tunnelDeposit": deposit, "hemi_tunnelConfirm": confirm,
    "hemi_tunnelWithdraw": withdraw, "hemi_tunnelWithdrawal": withdrawal, "hemi_tunnelFinalize": finalize,
    "hemi_tunnelChallenge": challenge, "hemi_tunnelSetOperatorPolicy": set_policy, "hemi_tunnelAudit": audit,
})
