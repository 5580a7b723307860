"""The simulated operator of the devchain's vault 0: sweeps deposits, pays withdrawals, and proves both to the vault.

On Hemi a vault operator keeps the vault's BTC in ONE coin, the *sweep UTXO*, which the vault tracks: the first
confirmed deposit becomes it; later deposits are swept into it by a sweep transaction (input 0 the sweep UTXO, inputs
1..7 confirmed deposits, one output to custody) that anyone proves with ``processSweep``; a withdrawal payout spends
the sweep UTXO as its only input and its change becomes the next sweep UTXO once ``finalizeWithdrawal`` has been
called (hemilabs/bitcoin-tunnel-contracts SimpleBitcoinVault.sol, SimpleBitcoinVaultUTXOLogicHelper.sol). If a
withdrawal is not paid within 12 hours anyone may challenge it and have the hemiBTC re-minted. This module plays
that operator in the devchain's block hook, whoever started the withdrawal (``dev.tunnel.withdraw``, hemi-viem, a
Solidity contract, a raw transaction).

**One Bitcoin transaction in flight at a time.** Each step spends the vault's current sweep UTXO as the vault sees
it, so the operator waits until the vault has booked the previous step (its ``currentSweep()`` moved) before the
next: first any confirmed, unswept deposits are swept (up to 7 per sweep); then pending withdrawals are paid in uuid
order. Once the in-flight transaction has ``MIN_BITCOIN_CONFIRMATIONS`` (4) in the hVM view of the block just sealed,
the operator queues ``processSweep`` / ``finalizeWithdrawal`` as a sequencer input depending on it, ordered at the
front of the next L2 block (``Sequencer.submit(..., mine=False)``: a block hook does not mine). A transaction a
Bitcoin reorg removes is built again.

**Payout**: version 2, one input (the sweep UTXO); out0 pays exactly ``amount - fee`` to the requested script; out1
returns the change to custody unless it would be dust (then the vault has no sweep UTXO until the operator assigns
a confirmed deposit with ``assignConfirmedDepositAsSweep``); the last output is ``OP_RETURN <uuid: 4 bytes BE>``.
The miner fee (``fee_rate`` sat/vB) comes out of the change.

**Policies**: ``"prompt"`` (default) pays as soon as it can; ``"late"`` pays only ``delay`` seconds (default 3600)
after the 12-hour grace period has ended (never one already challenged); ``"never"`` does not pay. Failures (the
sweep UTXO short of coins, a reverted proof) are kept in ``failures`` and never stop block production.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, cast

from bitcoin.core import CMutableTransaction, COutPoint, CScript, CTxIn, CTxOut

from hemi.btc.address import script_to_address
from hemi.btc.script import op_return_script
from hemi.btc.validation import dust_threshold
from hemi.btc.wallet import Wallet
from hemi.errors import HemiError, HemiValueError, OperatorError, UnknownTransactionError
from hemi.node.tunnel.calls import ContractCalls
from hemi.node.tunnel.contracts import VAULT, VAULT_STATE
from hemi.node.tunnel.events import (
    DepositConfirmedEvent,
    TunnelEvent,
    WithdrawalChallengedEvent,
    WithdrawalInitiatedEvent,
    tunnel_events,
)
from hemi.node.tunnel.genesis import (
    MIN_BITCOIN_CONFIRMATIONS,
    OPERATOR_WALLET,
    VAULT_ADDRESS,
    WITHDRAWAL_GRACE_PERIOD_SECONDS,
    custody_address,
    operator_account,
)
from hemi.node.tunnel.host import TunnelHost
from hemi.types import Txid

POLICIES = ("prompt", "late", "never")
DEFAULT_LATE_DELAY = 3600  # seconds after the grace period a "late" operator pays
DEFAULT_FEE_RATE = 2.0  # sat/vB
_SEQUENCE = 0xFFFFFFFD
# virtual sizes (bytes) of the payout's parts: version+locktime+counts+segwit marker, one P2WPKH input
_TX_OVERHEAD_VB, _P2WPKH_INPUT_VB = 11, 68
_MAX_SWEPT_DEPOSITS = 7  # a sweep has at most 8 inputs: the sweep UTXO and 7 deposits
_ZERO = bytes(32)



def _display_txid(data: bytes) -> Txid:
    """A txid given in display order (as the contracts take and return them)."""
    return cast(Txid, Txid.from_display_bytes(bytes(data)))

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
    payout_txid: Txid | None = None
    finalize_input: int | None = None  # sequencer input id of the operator's finalizeWithdrawal
    finalize_tx: bytes | None = None
    challenge_tx: bytes | None = None
    destination_script: bytes | None = None
    finalize_error: str | None = None  # the operator's finalizeWithdrawal reverted; not retried for this payout

    @property
    def index(self) -> int:
        """The vault-specific uuid (the low 32 bits), which the payout's OP_RETURN carries."""
        return self.uuid & 0xFFFFFFFF

    @property
    def btc_address(self) -> str | None:
        """The Bitcoin address paid (from the destination script the vault recorded)."""
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
    def from_json(cls, d: dict) -> Withdrawal:
        def hx(v: str | None) -> bytes | None:
            return None if v is None else bytes.fromhex(v.removeprefix("0x"))

        return cls(int(d["uuid"]), int(d["l2_block"]), bytes.fromhex(d["tx_hash"].removeprefix("0x")), d["withdrawer"],
                   int(d["amount_sats"]), int(d["net_sats"]), int(d["requested_at"]), d["status"],
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


@dataclass(frozen=True)
class InFlight:
    """The operator's Bitcoin transaction the vault has not booked yet (``kind``: "sweep", "payout" or "assign",
    the last being an ``assignConfirmedDepositAsSweep`` call with the deposit's txid)."""

    kind: str
    txid: Txid
    uuid: int | None = None  # the withdrawal a payout pays
    proof_input: int | None = None  # sequencer input id of processSweep / finalizeWithdrawal / assign

    def to_json(self) -> dict:
        return {"kind": self.kind, "txid": str(self.txid), "uuid": self.uuid, "proof_input": self.proof_input}

    @classmethod
    def from_json(cls, d: dict) -> InFlight:
        return cls(d["kind"], Txid(d["txid"]), d["uuid"], d["proof_input"])


class TunnelOperator(ContractCalls):
    """``dev.tunnel.operator``: vault 0's simulated operator (see the module docstring)."""

    def __init__(self, host: TunnelHost) -> None:
        self.host = host
        self.policy = "prompt"
        self.delay = DEFAULT_LATE_DELAY
        self.fee_rate = DEFAULT_FEE_RATE
        self.withdrawals: dict[int, Withdrawal] = {}  # by uuid, in initiation order
        self.failures: list[OperatorFailure] = []
        self.unswept: list[Txid] = []  # confirmed deposits of vault 0 not yet swept (nor the sweep UTXO)
        self.inflight: InFlight | None = None

    # ------------------------------------------------------------------ configuration

    def set_policy(self, policy: str | None = None, *, delay: int | None = None,
                   fee_rate: float | None = None) -> TunnelOperator:
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
    def wallet(self) -> Wallet:
        """The custody wallet (TEST-ONLY deterministic key ``"tunnel-operator"``)."""
        wallet: Wallet = self.host.btc.wallet(OPERATOR_WALLET)
        return wallet

    @property
    def address(self) -> str:
        """The operator's EVM account (same secp256k1 key as the custody wallet)."""
        return str(operator_account(self.host.btc))

    def sweep_utxo(self) -> tuple[Txid | None, int, int]:
        """The vault's current sweep UTXO as the latest L2 block sees it: (txid or None, vout, sats)."""
        txid, vout, value = self._read(VAULT, "currentSweep")
        return (None if bytes(txid) == _ZERO else _display_txid(txid)), int(vout), int(value)

    # ------------------------------------------------------------------ the block hook

    def on_block(self, host: TunnelHost, number: int) -> None:
        """Read the block's tunnel events, note finalized withdrawals, then take the next step."""
        for ev in tunnel_events(host.engine, (number,)):
            self._apply_event(ev)
        self._note_fulfilled()
        timestamp = host.engine.block(number).header.timestamp
        try:
            self._step(number, timestamp)
        except HemiError as err:  # never break L2 block production
            uuid = self.inflight.uuid if self.inflight is not None and self.inflight.uuid is not None else -1
            self._fail(uuid, number, f"{type(err).__name__}: {err}")

    def _apply_event(self, ev: TunnelEvent) -> None:
        if getattr(ev, "vault", VAULT_ADDRESS) != VAULT_ADDRESS:
            return  # vaults made with createVault have no simulated operator
        if isinstance(ev, DepositConfirmedEvent):
            self.unswept.append(_display_txid(ev.txid_display))
        elif isinstance(ev, WithdrawalInitiatedEvent):
            ts = self.host.engine.block(ev.l2_block).header.timestamp
            rec = self._read(VAULT_STATE, "getWithdrawal", ev.uuid & 0xFFFFFFFF)
            self.withdrawals[ev.uuid] = Withdrawal(ev.uuid, ev.l2_block, ev.tx_hash, ev.withdrawer, ev.amount_sats,
                                                   ev.net_sats, ts, destination_script=bytes(rec[4]))
        elif isinstance(ev, WithdrawalChallengedEvent):
            w = self.withdrawals.get(ev.uuid)
            if w is not None:
                self.withdrawals[ev.uuid] = replace(w, status="challenged", challenge_tx=ev.tx_hash)

    def _note_fulfilled(self) -> None:
        """Pending withdrawals the vault now calls fulfilled (by the operator's proof or anyone else's)."""
        for w in list(self.withdrawals.values()):
            if w.status != "pending" or w.payout_txid is None:
                continue
            paid = bytes(self._read(VAULT_STATE, "withdrawalsToStatus", w.index))
            if paid != _ZERO:
                tx = None
                if self.inflight is not None and self.inflight.uuid == w.uuid and self.inflight.proof_input is not None:
                    tx = self.host.sequencer.tx_of(self.inflight.proof_input)
                self._update(w, status="finalized", finalize_tx=tx, payout_txid=Txid.from_display_bytes(paid))

    def _step(self, number: int, timestamp: int) -> None:
        if self.inflight is not None and not self._progress_inflight(number):
            return
        self.unswept = [t for t in self.unswept if self._read(VAULT_STATE, "getCollectableFees", t.display_bytes) > 0]
        if self.unswept:
            sweep, vout, value = self.sweep_utxo()  # read only when there is something to sweep: a call per block
            if sweep is None:
                self._submit_proof(InFlight("assign", self.unswept[0]), "assignConfirmedDepositAsSweep",
                                   [self.unswept[0].display_bytes, False], depends=False)
            else:
                self._sweep(sweep, vout, value)
            return
        for w in self.withdrawals.values():
            if w.status != "pending" or w.payout_txid is not None:
                continue
            if self.policy == "prompt" or (self.policy == "late" and timestamp >= w.grace_ends_at + self.delay):
                try:
                    self._update(w, payout_txid=self.pay(w))
                except HemiError as err:  # recorded against this withdrawal; later ones wait their turn
                    self._fail(w.uuid, number, f"{type(err).__name__}: {err}")
                return

    def _progress_inflight(self, number: int) -> bool:
        """Advance the in-flight step; True when it is done (booked by the vault, or abandoned)."""
        f = self.inflight
        if f is None:
            return True
        sweep = self.sweep_utxo()[0]
        booked = sweep == f.txid or (f.kind == "payout" and self._paid_by(f).status == "finalized")
        if booked:
            self.inflight = None
            return True
        if f.kind != "assign":
            try:
                self.host.btc.tx(f.txid)
            except UnknownTransactionError:  # a Bitcoin reorg (or a conflicting spend) removed it: build it again
                if f.proof_input is not None:
                    self.host.sequencer.cancel(f.proof_input)  # it would wait for the vanished tx forever
                if f.kind == "payout":
                    self._update(self._paid_by(f), payout_txid=None, finalize_input=None,
                                 finalize_error=None)
                self.inflight = None
                return True
        if f.proof_input is not None and any(item.id == f.proof_input for item, _ in self.host.sequencer.waiting()):
            return False  # queued for the next block
        if f.proof_input is not None:  # ordered, yet not booked: the proof reverted
            error = f"the vault refused the operator's {f.kind} {f.txid}"
            self._fail(-1 if f.uuid is None else f.uuid, number, error)
            if f.kind == "payout":
                self._update(self._paid_by(f), finalize_error=error)
            self.inflight = None
            return f.kind != "payout"  # a refused payout spent the sweep UTXO: stop rather than pay again
        if self._confirmations(f.txid) >= MIN_BITCOIN_CONFIRMATIONS:
            if f.kind == "sweep":
                self._submit_proof(f, "processSweep", [f.txid.display_bytes])
            else:
                w = self._paid_by(f)
                if w.status == "challenged":
                    self.inflight = None
                    return True
                self._update(w, finalize_input=self._submit_proof(f, "finalizeWithdrawal",
                                                                  [f.txid.display_bytes, w.index]))
        return False

    def _paid_by(self, f: InFlight) -> Withdrawal:
        """The withdrawal an in-flight payout pays."""
        if f.uuid is None or f.uuid not in self.withdrawals:
            raise OperatorError(f"the operator's {f.kind} {f.txid} pays no known withdrawal")
        return self.withdrawals[f.uuid]

    def _confirmations(self, txid: Txid) -> int:
        """Confirmations hBK would report in the latest L2 block's view (0 while it cannot read the tx)."""
        info = self.host.btc.tx(txid)
        view = self.host.hvm_view("latest")
        if info.height is None or info.height > view.indexed_height:
            return 0
        return view.light_tip_height - info.height + 1

    def _submit_proof(self, f: InFlight, function: str, args: list[Any], *, depends: bool = True) -> int:
        """Queue the proof of ``f`` for the front of the next L2 block; returns its sequencer input id."""
        data = VAULT.encode(function, *args)
        input_id = self.host.sequencer.submit({"from": self.address, "to": VAULT_ADDRESS, "data": data},
                                             depends_on=[f.txid] if depends else [],
                                             label=f"tunnel {function} {f.txid}", mine=False)
        self.inflight = replace(f, proof_input=input_id)
        return input_id

    def _update(self, w: Withdrawal, **changes: Any) -> Withdrawal:
        w = replace(w, **changes)
        self.withdrawals[w.uuid] = w
        return w

    def _fail(self, uuid: int, number: int, error: str) -> None:
        last = next((f for f in reversed(self.failures) if f.uuid == uuid), None)
        if last is None or last.error != error:  # one record per distinct cause, not one per block
            self.failures.append(OperatorFailure(uuid, number, error))

    # ------------------------------------------------------------------ Bitcoin transactions

    def _fee(self, outputs: list[bytes], inputs: int = 1) -> int:
        vsize = _TX_OVERHEAD_VB + inputs * _P2WPKH_INPUT_VB + sum(8 + 1 + len(s) for s in outputs)
        return math.ceil(vsize * self.fee_rate)

    def _sweep(self, sweep: Txid, vout: int, value: int) -> None:
        """Sweep up to 7 confirmed deposits into the sweep UTXO (one output, to custody)."""
        btc, custody = self.host.btc, self.wallet.script_of()
        deposits = self.unswept[:_MAX_SWEPT_DEPOSITS]
        ins = [(sweep, vout, value)]
        for t in deposits:
            index = self._read(VAULT_STATE, "getDepositOutputIndex", t.display_bytes)
            ins.append((t, index, btc.tx(t).tx.vout[index].nValue))
        total = sum(v for _, _, v in ins)
        tx = CMutableTransaction([CTxIn(COutPoint(bytes(t), i), CScript(), _SEQUENCE) for t, i, _ in ins],
                                 [CTxOut(total - self._fee([custody], inputs=len(ins)), CScript(custody))], 0, 2)
        txid = btc.send_raw(self.wallet.sign(tx, [(v, custody) for _, _, v in ins]))
        self.inflight = InFlight("sweep", txid)

    def pay(self, w: Withdrawal) -> Txid:
        """Build, sign and broadcast the payout of ``w`` from the vault's sweep UTXO; returns its txid."""
        if self.inflight is not None:
            raise OperatorError(f"the operator's {self.inflight.kind} {self.inflight.txid} is not booked by the vault "
                                f"yet; the next payout must spend what it leaves")
        sweep, vout, value = self.sweep_utxo()
        dest, custody = w.destination_script, self.wallet.script_of()
        if dest is None:
            raise OperatorError(f"withdrawal {w.uuid} has no destination script on record")
        tag = op_return_script(w.index.to_bytes(4, "big"))
        need = w.net_sats + self._fee([dest, custody, tag])
        if sweep is not None and not any(u.txid == sweep and u.vout == vout for u in self.wallet.utxos):
            raise OperatorError(f"the vault's sweep UTXO {sweep}:{vout} is no longer in custody (spent outside the "
                                f"protocol); withdrawal {w.uuid} cannot be paid")
        if sweep is None or value < need:
            raise OperatorError(f"the vault's sweep UTXO holds {value} sats; the payout of withdrawal {w.uuid} needs "
                                f"{need} (custody {custody_address(self.host.btc)})")
        change = value - need
        outs = [CTxOut(w.net_sats, CScript(dest))]
        if change >= dust_threshold(custody):
            outs.append(CTxOut(change, CScript(custody)))
        outs.append(CTxOut(0, CScript(tag)))
        tx = CMutableTransaction([CTxIn(COutPoint(bytes(sweep), vout), CScript(), _SEQUENCE)], outs, 0, 2)
        txid = self.host.btc.send_raw(self.wallet.sign(tx, [(value, custody)]))
        self.inflight = InFlight("payout", txid, w.uuid)
        return txid

    # ------------------------------------------------------------------ state

    def snapshot_state(self) -> tuple:
        return (self.policy, self.delay, self.fee_rate, dict(self.withdrawals), len(self.failures),
                list(self.unswept), self.inflight)

    def restore_state(self, state: tuple) -> None:
        self.policy, self.delay, self.fee_rate, withdrawals, nfail, unswept, self.inflight = state
        self.withdrawals = dict(withdrawals)
        self.unswept = list(unswept)
        del self.failures[nfail:]

    def dump_state(self) -> dict:
        return {"policy": self.policy, "delay": self.delay, "fee_rate": self.fee_rate,
                "withdrawals": [w.to_json() for w in self.withdrawals.values()],
                "failures": [f.to_json() for f in self.failures],
                "unswept": [str(t) for t in self.unswept],
                "inflight": None if self.inflight is None else self.inflight.to_json()}

    def load_state(self, state: dict) -> None:
        self.set_policy(state["policy"], delay=state["delay"], fee_rate=state["fee_rate"])
        ws = [Withdrawal.from_json(d) for d in state["withdrawals"]]
        self.withdrawals = {w.uuid: w for w in ws}
        self.failures = [OperatorFailure(int(f["uuid"]), int(f["l2_block"]), f["error"]) for f in state["failures"]]
        self.unswept = [Txid(t) for t in state.get("unswept", [])]
        self.inflight = None if state.get("inflight") is None else InFlight.from_json(state["inflight"])

    def __repr__(self) -> str:
        pending = sum(w.status == "pending" for w in self.withdrawals.values())
        return f"<TunnelOperator policy={self.policy!r} pending={pending} custody={custody_address(self.host.btc)}>"
