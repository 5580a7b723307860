"""Withdrawals: hemiBTC burned on Hemi, BTC paid on Bitcoin by the operator, proven to the vault, or challenged.

A mix-in of :class:`hemi.node.tunnel.Tunnel`. :meth:`Withdrawals.withdraw` sends ``initiateWithdrawal`` (the
hemiBTC is burned); the simulated operator (:mod:`hemi.node.tunnel.operator`) pays the BTC and proves it to the
vault; :meth:`Withdrawals.finalize` mines until that has happened; :meth:`Withdrawals.challenge` re-mints a
withdrawal not finalized within the 12-hour grace period (hemilabs/bitcoin-tunnel-contracts SimpleBitcoinVault.sol).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hemi.btc.address import address_to_script
from hemi.errors import (
    BelowMinimumError,
    InsufficientHemiBTC,
    OperatorError,
    TunnelError,
    TunnelValueError,
    UnknownWithdrawalError,
    WithdrawalQueueFull,
)
from hemi.node.tunnel.calls import ContractCalls
from hemi.node.tunnel.contracts import MANAGER, TOKEN, VAULT, VAULT_STATE
from hemi.node.tunnel.deposits import positive_sats
from hemi.node.tunnel.events import WithdrawalInitiatedEvent, record_events
from hemi.node.tunnel.genesis import (
    MAX_WITHDRAWAL_QUEUE_SIZE,
    MAX_WITHDRAWAL_SCRIPT_LENGTH,
    MIN_WITHDRAWAL_SCRIPT_LENGTH,
    MINIMUM_WITHDRAWAL_SATS,
    VAULT_INDEX,
)
from hemi.node.tunnel.operator import TunnelOperator, Withdrawal

if TYPE_CHECKING:  # web3 is imported only when a receipt is made for a user (hemi.node.tunnel.receipts)
    from web3.datastructures import AttributeDict

__all__ = ["Withdrawals"]


class Withdrawals(ContractCalls):
    """The withdrawal half of ``dev.tunnel`` (see the module docstring)."""

    operator: TunnelOperator

    def balance_of(self, account: str) -> int:
        """hemiBTC balance of ``account``, in sats."""
        return int(self._read(TOKEN, "balanceOf", self._checksum(account)))

    def withdraw(self, account: str, sats: int, *, btc_address: str) -> Withdrawal:
        """Burn ``sats`` hemiBTC of ``account`` (a dev or impersonated account) through ``initiateWithdrawal``; the
        operator owes ``sats - fee`` to ``btc_address`` and (policy "prompt") broadcasts the payout at once.

        Refused before sending: an invalid or wrong-network address (``InvalidAddressError``,
        ``WrongNetworkError``), below the 0.01 BTC minimum (:class:`BelowMinimumError`), above the balance
        (:class:`InsufficientHemiBTC`), a full withdrawal queue (:class:`WithdrawalQueueFull`)."""
        self._check_ready()
        sats = positive_sats(sats, "sats")
        if not isinstance(btc_address, str):
            raise TunnelValueError(f"btc_address is a Bitcoin address string, got {type(btc_address).__name__}")
        script = address_to_script(btc_address)  # InvalidAddressError / WrongNetworkError
        if not MIN_WITHDRAWAL_SCRIPT_LENGTH <= len(script) <= MAX_WITHDRAWAL_SCRIPT_LENGTH:
            raise TunnelValueError(f"{btc_address}: its script is {len(script)} bytes; the vault pays scripts of "
                                   f"{MIN_WITHDRAWAL_SCRIPT_LENGTH}..{MAX_WITHDRAWAL_SCRIPT_LENGTH} bytes")
        if sats < MINIMUM_WITHDRAWAL_SATS:
            raise BelowMinimumError(f"{sats} sats is below the tunnel's minimum withdrawal of "
                                    f"{MINIMUM_WITHDRAWAL_SATS} sats (0.01 BTC)")
        account = self._signer(account)
        balance = self.balance_of(account)
        if balance < sats:
            raise InsufficientHemiBTC(f"{account} holds {balance} hemiBTC sats; cannot withdraw {sats}")
        pending = self._read(VAULT_STATE, "pendingWithdrawalCount")
        if pending >= MAX_WITHDRAWAL_QUEUE_SIZE:
            raise WithdrawalQueueFull(f"the vault has {pending} withdrawals pending (at most "
                                      f"{MAX_WITHDRAWAL_QUEUE_SIZE}); finalize or challenge one first")
        args = [VAULT_INDEX, btc_address, sats]
        self._preflight("initiateWithdrawal", MANAGER, args, account)
        rec = self._send("initiateWithdrawal", MANAGER, args, account)
        (ev,) = [e for e in record_events(rec) if isinstance(e, WithdrawalInitiatedEvent)]
        return self.withdrawal(ev.uuid)

    def withdrawal(self, withdrawal: Withdrawal | int) -> Withdrawal:
        """The current record of a withdrawal (by uuid, or a stale record): status, payout txid, ..."""
        uuid = withdrawal.uuid if isinstance(withdrawal, Withdrawal) else withdrawal
        if isinstance(uuid, bool) or not isinstance(uuid, int):
            raise TunnelValueError(f"a withdrawal is a Withdrawal or its uuid (int), got {withdrawal!r}")
        w = self.operator.withdrawals.get(uuid)
        if w is None:
            raise UnknownWithdrawalError(f"no tunnel withdrawal with uuid {uuid}")
        return w

    def withdrawals(self) -> list[Withdrawal]:
        """Every withdrawal initiated on this devchain (through Python, Solidity or raw transactions)."""
        return list(self.operator.withdrawals.values())

    def finalize(self, withdrawal: Withdrawal | int, *, max_l2_blocks: int = 60) -> AttributeDict[str, Any] | None:
        """Drive a withdrawal to FINALIZED: mine Bitcoin and L2 blocks while the operator sweeps confirmed deposits
        and pays the withdrawals before it (one Bitcoin transaction at a time, each buried under 4 hVM
        confirmations and proven to the vault), then this one. Returns the receipt of its ``finalizeWithdrawal``
        (None if someone else proved it outside the operator).

        Raises :class:`OperatorError` when the operator will not pay (policy ``"late"`` before its time, ``"never"``,
        the sweep UTXO short of coins) and :class:`TunnelError` for a challenged withdrawal."""
        self._check_ready()
        w = self.withdrawal(withdrawal)
        host, btc, op = self.host, self.host.btc, self.operator
        if w.status == "challenged":
            raise TunnelError(f"withdrawal {w.uuid} was challenged (its hemiBTC re-minted); it cannot be finalized")
        if w.status == "pending" and w.payout_txid is None:
            self._require_payout(w)
        for _ in range(max_l2_blocks):
            w = self.withdrawal(w.uuid)
            if w.status != "pending":
                break
            if w.finalize_error is not None and w.payout_txid is not None:
                args = [w.payout_txid.display_bytes, w.index]
                self._preflight("finalizeWithdrawal", VAULT, args, self.operator.address)
                raise OperatorError(w.finalize_error)
            failed = [f for f in op.failures if f.uuid == w.uuid and f.l2_block == host.engine.head_number]
            if failed and op.inflight is None:
                raise OperatorError(failed[-1].error)
            flight = op.inflight
            if flight is not None and flight.kind != "assign" and flight.proof_input is None:
                info = btc.tx(flight.txid)
                if info.height is None:
                    btc.mine(1)
                    continue
                self._bury(info.height)
            host.mine(1)  # the operator acts in its block hook; a queued proof is ordered here
        w = self.withdrawal(w.uuid)
        if w.status != "finalized":
            raise OperatorError(f"withdrawal {w.uuid} is still {w.status} after {max_l2_blocks} L2 blocks "
                                f"(operator failures: {[f.error for f in self.operator.failures]})")
        if w.finalize_tx is None:
            return None
        rec = self._mined(w.finalize_tx)
        return None if rec is None else self._receipt(rec)

    def _require_payout(self, w: Withdrawal) -> None:
        op = self.operator
        if op.policy == "never":
            raise OperatorError(f"the operator (policy 'never') does not pay withdrawal {w.uuid}; challenge it "
                                f"after the grace period (tunnel.challenge(w, wait=True))")
        if op.policy == "late":
            due = w.grace_ends_at + op.delay
            raise OperatorError(f"the operator (policy 'late') pays withdrawal {w.uuid} only at L2 time {due} "
                                f"({due - self.host.next_timestamp} s from the next block); time-travel and mine, "
                                f"or challenge it once the grace period ends at {w.grace_ends_at}")

    def challenge(self, withdrawal: Withdrawal | int, *, sender: str | None = None,
                  wait: bool = False) -> AttributeDict[str, Any]:
        """``challengeWithdrawal``: re-mint the hemiBTC of a withdrawal not finalized within the 12-hour grace
        period. ``wait=True`` first moves the L2 clock to the end of the grace period. ``sender`` defaults to the
        withdrawer when the devchain can sign for it, else the first dev account. Returns the receipt; raises
        :class:`TunnelRevert` (grace period not over, already finalized or challenged)."""
        w = self.withdrawal(withdrawal)
        host = self.host
        if wait and host.next_timestamp < w.grace_ends_at:
            host.time_travel(seconds=w.grace_ends_at - host.next_timestamp)
        if host.engine.head.header.timestamp < w.grace_ends_at <= host.next_timestamp:
            host.mine(1)  # eth_call runs in the latest block's context: let it see the time that has passed
        if sender is None:
            sender = w.withdrawer if self._can_sign(w.withdrawer) else str(host.accounts[0])
        sender = self._signer(sender)
        args = [w.uuid, b""]
        self._preflight("challengeWithdrawal", MANAGER, args, sender, lambda reason: (
            f"the grace period ends at L2 time {w.grace_ends_at}; the next block is at {host.next_timestamp}: "
            f"dev.time_travel(seconds={w.grace_ends_at - host.next_timestamp}) or challenge(w, wait=True)"
            if "grace" in reason else ""))
        return self._receipt(self._send("challengeWithdrawal", MANAGER, args, sender))
