"""The simulated operator of the devchain's Bitcoin vault: pays withdrawals on Bitcoin and proves them to the vault.

On Hemi a vault operator watches for ``WithdrawalInitiated``, pays the BTC from custody and then calls the vault's
``finalizeWithdrawal`` with the payout txid; if it does not within 12 hours, anyone may challenge the withdrawal and
have the hemiBTC re-minted (hemi-protocol.md §3.1). This module plays that operator, reacting to every sealed L2
block (the devchain's block hook), whoever started the withdrawal (``dev.tunnel.withdraw``, a Solidity contract, a
raw transaction).

**Payout** (what ``SimpleBitcoinVault.finalizeWithdrawal`` checks): version 2, exactly ONE input spending a custody
output of a non-coinbase transaction (hBK cannot read coinbases); out0 pays exactly ``amount - fee`` to the
requested script; out1 returns the change to the custody script unless it would be dust; the last output is
``OP_RETURN <uuid: 4 bytes, big-endian>``. The miner fee (``fee_rate`` sat/vB, from custody) comes out of the change.
The smallest custody coin that covers the payout is spent; when no single coin does, the operator first sweeps all
custody coins into one (custody to custody, which the vault does not track) and pays from that.

**Finalization.** Once the payout has ``MIN_BITCOIN_CONFIRMATIONS`` (4) confirmations in the hVM view of the block
just sealed, the operator queues ``finalizeWithdrawal(payout, uuid)`` as a sequencer input that depends on the
payout, so it is ordered at the front of the next L2 block (``Sequencer.submit(..., mine=False)``: a block hook does
not mine). A payout that a Bitcoin reorg removes is paid again.

**Policies**: ``"prompt"`` (default) pays in the block hook of the block that initiated the withdrawal; ``"late"``
pays only ``delay`` seconds (default 3600) after the 12-hour grace period has ended, so the withdrawal can be
challenged first (it never pays one already challenged); ``"never"`` does not pay. Failures (custody short of coins)
are kept in ``failures`` and never stop block production.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Optional

from bitcoin.core import COutPoint, CMutableTransaction, CScript, CTxIn, CTxOut

from hemi.btc.script import op_return_script
from hemi.btc.validation import dust_threshold
from hemi.errors import HemiError, HemiValueError, OperatorError, UnknownTransactionError
from hemi.node.tunnel_events import (WithdrawalChallengedEvent, WithdrawalFinalizedEvent, WithdrawalInitiatedEvent,
                                     tunnel_events)
from hemi.node.tunnel_genesis import (MIN_BITCOIN_CONFIRMATIONS, OPERATOR_WALLET, VAULT_ADDRESS,
                                      WITHDRAWAL_GRACE_PERIOD_SECONDS)
from hemi.types import Txid

if TYPE_CHECKING:
    from hemi.node.devchain import Devchain
    from hemi.node.tunnel import Tunnel

POLICIES = ("prompt", "late", "never")
DEFAULT_LATE_DELAY = 3600  # seconds after the grace period a "late" operator pays
DEFAULT_FEE_RATE = 2.0  # sat/vB
_SEQUENCE = 0xFFFFFFFD
# virtual sizes (bytes) of the payout's parts: version+locktime+counts+segwit marker, one P2WPKH input
_TX_OVERHEAD_VB, _P2WPKH_INPUT_VB = 11, 68


@dataclass(frozen=True)
class Withdrawal:
    """A tunnel withdrawal as the devchain knows it, from the L2 logs and the operator's own actions.

    ``status``: ``"pending"`` (hemiBTC burned; the payout, if any, not yet proven), ``"finalized"``,
    ``"challenged"`` (hemiBTC re-minted). ``payout_txid`` is the operator's Bitcoin payout once broadcast."""

    uuid: int  # the manager's uuid: (vault index << 32) | index
    l2_block: int
    tx_hash: bytes  # the initiateWithdrawal transaction
    withdrawer: str
    amount_sats: int
    net_sats: int
    requested_at: int  # L2 timestamp (the vault's requestedAt)
    status: str = "pending"  # "pending" | "finalized" | "challenged"
    payout_txid: Optional[Txid] = None
    finalize_input: Optional[int] = None  # sequencer input id of the operator's finalizeWithdrawal
    finalize_tx: Optional[bytes] = None
    challenge_tx: Optional[bytes] = None
    destination_script: Optional[bytes] = None
    finalize_error: Optional[str] = None  # the operator's finalizeWithdrawal reverted; not retried for this payout

    @property
    def index(self) -> int:
        """The vault-specific uuid (the low 32 bits), which the payout's OP_RETURN carries."""
        return self.uuid & 0xFFFFFFFF

    @property
    def btc_address(self) -> Optional[str]:
        """The Bitcoin address paid (from the destination script the vault recorded)."""
        from hemi.btc.address import script_to_address

        return None if self.destination_script is None else script_to_address(self.destination_script)

    @property
    def fee_sats(self) -> int:
        return self.amount_sats - self.net_sats

    @property
    def grace_ends_at(self) -> int:
        return self.requested_at + WITHDRAWAL_GRACE_PERIOD_SECONDS

    def __repr__(self) -> str:
        payout = f" payout={self.payout_txid}" if self.payout_txid is not None else ""
        return (f"<Withdrawal uuid={self.uuid} {self.status} {self.amount_sats} sats (net {self.net_sats}) "
                f"-> {self.btc_address}{payout}>")

    def to_json(self) -> dict:
        """Plain JSON (``from_json`` reads it back; ``index``, ``btc_address``, ``fee_sats`` and ``grace_ends_at``
        are derived, for readers)."""
        return {"uuid": self.uuid, "index": self.index, "l2_block": self.l2_block, "tx_hash": "0x" + self.tx_hash.hex(),
                "withdrawer": self.withdrawer, "btc_address": self.btc_address, "amount_sats": self.amount_sats,
                "fee_sats": self.fee_sats, "net_sats": self.net_sats, "requested_at": self.requested_at,
                "grace_ends_at": self.grace_ends_at, "status": self.status,
                "payout_txid": None if self.payout_txid is None else str(self.payout_txid),
                "finalize_input": self.finalize_input,
                "finalize_tx": None if self.finalize_tx is None else "0x" + self.finalize_tx.hex(),
                "challenge_tx": None if self.challenge_tx is None else "0x" + self.challenge_tx.hex(),
                "destination_script": None if self.destination_script is None else self.destination_script.hex(),
                "finalize_error": self.finalize_error}

    @classmethod
    def from_json(cls, d: dict) -> "Withdrawal":
        def hx(v: Optional[str]) -> Optional[bytes]:
            return None if v is None else bytes.fromhex(v.removeprefix("0x"))

        return cls(int(d["uuid"]), int(d["l2_block"]), hx(d["tx_hash"]), d["withdrawer"], int(d["amount_sats"]),
                   int(d["net_sats"]), int(d["requested_at"]), d["status"],
                   None if d["payout_txid"] is None else Txid(d["payout_txid"]), d["finalize_input"],
                   hx(d["finalize_tx"]), hx(d["challenge_tx"]), hx(d["destination_script"]), d.get("finalize_error"))


@dataclass(frozen=True)
class OperatorFailure:
    """Something the operator could not do (the L2 block is sealed anyway)."""

    uuid: int
    l2_block: int
    error: str

    def to_json(self) -> dict:
        return {"uuid": self.uuid, "l2_block": self.l2_block, "error": self.error}


class TunnelOperator:
    """``dev.tunnel.operator``: the vault's simulated operator (see the module docstring)."""

    def __init__(self, tunnel: "Tunnel") -> None:
        self.tunnel = tunnel
        self.dev: "Devchain" = tunnel.dev
        self.policy = "prompt"
        self.delay = DEFAULT_LATE_DELAY
        self.fee_rate = DEFAULT_FEE_RATE
        self.withdrawals: dict[int, Withdrawal] = {}  # by uuid, in initiation order
        self.failures: list[OperatorFailure] = []

    # ------------------------------------------------------------------ configuration

    def set_policy(self, policy: Optional[str] = None, *, delay: Optional[int] = None,
                   fee_rate: Optional[float] = None) -> "TunnelOperator":
        """Change the policy (``"prompt"``, ``"late"``, ``"never"``), the late delay (seconds after the grace period)
        or the payout fee rate (sat/vB); omitted ones stay. Applies to pending withdrawals from the next block."""
        p = self.policy if policy is None else policy
        d = self.delay if delay is None else delay
        r = self.fee_rate if fee_rate is None else fee_rate
        if p not in POLICIES:
            raise HemiValueError(f"operator policy is one of {', '.join(POLICIES)}; got {p!r}")
        if isinstance(d, bool) or not isinstance(d, int) or d < 0:
            raise HemiValueError(f"delay is a non-negative int of seconds, got {d!r}")
        if isinstance(r, bool) or not isinstance(r, (int, float)) or not math.isfinite(r) or r < 1:
            raise HemiValueError(f"fee_rate is a number of sat/vB >= 1 (the minimum relay fee), got {r!r}")
        self.policy, self.delay, self.fee_rate = p, d, float(r)
        return self

    @property
    def wallet(self):
        """The custody wallet (TEST-ONLY deterministic key ``"tunnel-operator"``)."""
        return self.dev.btc.wallet(OPERATOR_WALLET)

    @property
    def address(self) -> str:
        """The operator's EVM account (same secp256k1 key as the custody wallet)."""
        from hemi.node.tunnel_genesis import operator_account

        return str(operator_account(self.dev.btc))

    # ------------------------------------------------------------------ the block hook

    def on_block(self, dev: "Devchain", number: int) -> None:
        """Read the block's tunnel events, then act on every pending withdrawal (pay, re-pay, queue finalization)."""
        for ev in tunnel_events(dev, (number,)):
            self._apply_event(ev)
        if not any(w.status == "pending" for w in self.withdrawals.values()):
            return
        timestamp = dev.engine.block(number).header.timestamp
        for w in list(self.withdrawals.values()):
            if w.status == "pending":
                try:
                    self._act(w, number, timestamp)
                except HemiError as err:  # never break L2 block production
                    self._fail(w.uuid, number, f"{type(err).__name__}: {err}")

    def _apply_event(self, ev) -> None:
        if isinstance(ev, WithdrawalInitiatedEvent):
            from hemi.node.tunnel import vault_contract

            ts = self.dev.engine.block(ev.l2_block).header.timestamp
            rec = vault_contract(self.dev).functions.getWithdrawal(ev.uuid & 0xFFFFFFFF).call()
            self.withdrawals[ev.uuid] = Withdrawal(ev.uuid, ev.l2_block, ev.tx_hash, ev.withdrawer, ev.amount_sats,
                                                   ev.net_sats, ts, destination_script=bytes(rec[3]))
        elif isinstance(ev, WithdrawalChallengedEvent):
            w = self.withdrawals.get(ev.uuid)
            if w is not None:
                self.withdrawals[ev.uuid] = replace(w, status="challenged", challenge_tx=ev.tx_hash)
        elif isinstance(ev, WithdrawalFinalizedEvent):
            for w in self.withdrawals.values():  # one vault: the index names it
                if w.index == ev.index and w.status == "pending":
                    self.withdrawals[w.uuid] = replace(w, status="finalized", finalize_tx=ev.tx_hash,
                                                       payout_txid=Txid.from_display_bytes(ev.payout_txid_display))
                    break

    def _act(self, w: Withdrawal, number: int, timestamp: int) -> None:
        btc = self.dev.btc
        if w.payout_txid is not None:
            try:
                btc.tx(w.payout_txid)
            except UnknownTransactionError:  # a Bitcoin reorg (or a conflicting spend) removed the payout
                if w.finalize_input is not None:
                    self.dev.sequencer.cancel(w.finalize_input)  # it would wait for the vanished payout forever
                w = self._update(w, payout_txid=None, finalize_input=None, finalize_error=None)
        if w.payout_txid is None:
            due = self.policy == "prompt" or (
                self.policy == "late" and timestamp >= w.grace_ends_at + self.delay)
            if not due:
                return
            w = self._update(w, payout_txid=self.pay(w))
        if w.finalize_input is not None:
            seq = self.dev.sequencer
            if any(item.id == w.finalize_input for item, _ in seq.waiting()):
                return  # queued for the next block
            if seq.tx_of(w.finalize_input) is not None:
                # ordered, yet the withdrawal is still pending: it reverted; say so once and do not spam retries
                error = f"finalizeWithdrawal of payout {w.payout_txid} reverted"
                self._fail(w.uuid, number, error)
                w = self._update(w, finalize_error=error)
            w = self._update(w, finalize_input=None)
        if w.finalize_error is None and self._confirmations(w.payout_txid) >= MIN_BITCOIN_CONFIRMATIONS:
            self._queue_finalize(w)

    def _confirmations(self, txid: Txid) -> int:
        """Confirmations hBK would report in the latest L2 block's view (0 while it cannot read the tx)."""
        info = self.dev.btc.tx(txid)
        view = self.dev.hvm_view("latest")
        if info.height is None or info.height > view.indexed_height:
            return 0
        return view.light_tip_height - info.height + 1

    def _queue_finalize(self, w: Withdrawal) -> None:
        from hemi.node.tunnel import vault_contract

        data = vault_contract(self.dev).encode_abi("finalizeWithdrawal", args=[w.payout_txid.display_bytes, w.index])
        input_id = self.dev.sequencer.submit({"from": self.address, "to": VAULT_ADDRESS, "data": data},
                                             depends_on=[w.payout_txid], label=f"tunnel payout {w.uuid}", mine=False)
        self._update(w, finalize_input=input_id)

    def _update(self, w: Withdrawal, **changes) -> Withdrawal:
        w = replace(w, **changes)
        self.withdrawals[w.uuid] = w
        return w

    def _fail(self, uuid: int, number: int, error: str) -> None:
        last = next((f for f in reversed(self.failures) if f.uuid == uuid), None)
        if last is None or last.error != error:  # one record per distinct cause, not one per block
            self.failures.append(OperatorFailure(uuid, number, error))

    # ------------------------------------------------------------------ paying on Bitcoin

    def _custody_coins(self) -> list:
        spk = self.wallet.script_of()
        return [u for u in self.wallet.utxos if u.script_pubkey == spk and not u.coinbase]

    def _fee(self, outputs: list[bytes], inputs: int = 1) -> int:
        vsize = _TX_OVERHEAD_VB + inputs * _P2WPKH_INPUT_VB + sum(8 + 1 + len(s) for s in outputs)
        return math.ceil(vsize * self.fee_rate)

    def pay(self, w: Withdrawal) -> Txid:
        """Build, sign and broadcast the payout of ``w`` now, whatever the policy; returns its txid."""
        dest = w.destination_script
        custody = self.wallet.script_of()
        tag = op_return_script(w.index.to_bytes(4, "big"))
        fee = self._fee([dest, custody, tag])
        need = w.net_sats + fee
        coin = self._coin(need)
        change = coin.value - need
        outs = [CTxOut(w.net_sats, CScript(dest))]
        if change >= dust_threshold(custody):
            outs.append(CTxOut(change, CScript(custody)))
        outs.append(CTxOut(0, CScript(tag)))
        tx = CMutableTransaction([CTxIn(COutPoint(bytes(coin.txid), coin.vout), CScript(), _SEQUENCE)], outs, 0, 2)
        return self.dev.btc.send_raw(self.wallet.sign(tx, [(coin.value, coin.script_pubkey)]))

    def _coin(self, need: int):
        """The smallest custody coin worth ``need``; else one made by sweeping every custody coin together."""
        coins = self._custody_coins()
        fits = [u for u in coins if u.value >= need]
        if fits:
            return min(fits, key=lambda u: (u.value, u.height is None, bytes(u.txid), u.vout))
        custody = self.wallet.script_of()
        total = sum(u.value for u in coins)
        sweep_fee = self._fee([custody], inputs=len(coins))
        if len(coins) < 2 or total - sweep_fee < need:
            raise OperatorError(f"custody holds {total} sats in {len(coins)} spendable non-coinbase outputs at "
                                f"{self.tunnel.custody_address}; the payout needs one coin of {need} sats")
        tx = CMutableTransaction([CTxIn(COutPoint(bytes(u.txid), u.vout), CScript(), _SEQUENCE) for u in coins],
                                 [CTxOut(total - sweep_fee, CScript(custody))], 0, 2)
        txid = self.dev.btc.send_raw(self.wallet.sign(tx, [(u.value, u.script_pubkey) for u in coins]))
        (coin,) = [u for u in self._custody_coins() if u.txid == txid]
        return coin

    # ------------------------------------------------------------------ state

    def snapshot_state(self) -> tuple:
        return (self.policy, self.delay, self.fee_rate, dict(self.withdrawals), len(self.failures))

    def restore_state(self, state: tuple) -> None:
        self.policy, self.delay, self.fee_rate, withdrawals, nfail = state
        self.withdrawals = dict(withdrawals)
        del self.failures[nfail:]

    def dump_state(self) -> dict:
        return {"policy": self.policy, "delay": self.delay, "fee_rate": self.fee_rate,
                "withdrawals": [w.to_json() for w in self.withdrawals.values()],
                "failures": [f.to_json() for f in self.failures]}

    def load_state(self, state: dict) -> None:
        self.set_policy(state["policy"], delay=state["delay"], fee_rate=state["fee_rate"])
        ws = [Withdrawal.from_json(d) for d in state["withdrawals"]]
        self.withdrawals = {w.uuid: w for w in ws}
        self.failures = [OperatorFailure(int(f["uuid"]), int(f["l2_block"]), f["error"]) for f in state["failures"]]

    def __repr__(self) -> str:
        pending = sum(w.status == "pending" for w in self.withdrawals.values())
        return f"<TunnelOperator policy={self.policy!r} pending={pending} custody={self.tunnel.custody_address}>"
