"""The tunnel's books: does hemiBTC match what Bitcoin holds? (``dev.tunnel.audit()``)

Everything is recomputed from the two chains on every call, never from Python bookkeeping, so mints and burns made
from Solidity or raw transactions count too:

- from the L2 logs since genesis: every ``DepositConfirmed`` (net sats minted), ``WithdrawalInitiated`` (sats
  burned) and ``WithdrawalChallengeSuccess`` (the withdrawal's sats re-minted), and the manager's successful
  ``mintOperatorFees`` calls (collected fees minted to the operator);
- hemiBTC's ``totalSupply`` and the vault's ``getNetDeposits()`` (deposits held minus pending withdrawals);
- the canonical Bitcoin chain: is each confirmed deposit still in a block? A reorg that removed a deposit after its
  hemiBTC was minted leaves an **unbacked mint**. Also reported: challenged withdrawals the operator had paid all
  the same (the BTC left custody *and* the hemiBTC came back), and finalized withdrawals whose payout a reorg
  removed (hemiBTC burned, no BTC paid).

``reconciles`` is ``totalSupply == minted - withdrawn + reminted + operator fees == getNetDeposits``; ``ok`` adds
that nothing is unbacked, double paid or unpaid.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

from eth_utils import keccak

from hemi.btc.chain import BitcoinChain
from hemi.errors import UnknownTransactionError
from hemi.hvm.engine import EvmEngine
from hemi.hvm.registry import to_address
from hemi.node.tunnel.events import (
    DepositConfirmedEvent,
    WithdrawalChallengedEvent,
    WithdrawalInitiatedEvent,
    tunnel_events,
)
from hemi.node.tunnel.genesis import TUNNEL_MANAGER_ADDRESS
from hemi.node.tunnel.operator import Withdrawal
from hemi.types import Txid


@dataclass(frozen=True)
class UnbackedMint:
    """hemiBTC minted for a Bitcoin deposit that is no longer in the canonical Bitcoin chain."""

    txid: Txid
    recipient: str
    net_sats: int
    l2_block: int
    l2_tx_hash: bytes
    reason: str

    def to_json(self) -> dict:
        return {"txid": str(self.txid), "recipient": self.recipient, "net_sats": self.net_sats,
                "l2_block": self.l2_block, "l2_tx_hash": "0x" + self.l2_tx_hash.hex(), "reason": self.reason}


@dataclass(frozen=True)
class PayoutIssue:
    """A withdrawal whose Bitcoin side disagrees with its L2 status."""

    uuid: int
    payout_txid: Txid
    sats: int
    reason: str

    def to_json(self) -> dict:
        return {"uuid": self.uuid, "payout_txid": str(self.payout_txid), "sats": self.sats, "reason": self.reason}


@dataclass(frozen=True)
class AuditReport:
    """The result of :func:`audit`; ``str(report)`` is a readable summary."""

    total_supply: int  # hemiBTC totalSupply
    vault_outstanding: int  # the vault's getNetDeposits()
    confirmed_deposits: int  # how many
    deposited_sats: int  # gross value of the confirmed deposit outputs
    minted_sats: int  # net hemiBTC minted for them
    withdrawals: int
    withdrawn_sats: int  # hemiBTC burned by initiateWithdrawal
    reminted_sats: int  # hemiBTC re-minted by challenges
    custody_sats: int  # what the custody script holds on the canonical Bitcoin chain
    unbacked_mints: tuple[UnbackedMint, ...]
    double_payouts: tuple[PayoutIssue, ...]  # challenged, yet the operator's payout is on Bitcoin
    unpaid_finalized: tuple[PayoutIssue, ...]  # finalized, yet the payout is no longer on Bitcoin
    operator_fee_sats: int = 0  # hemiBTC minted to operators by mintOperatorFees (collected fees)

    @property
    def expected_supply(self) -> int:
        """Confirmed deposits (net) minus withdrawals plus re-mints plus minted operator fees."""
        return self.minted_sats - self.withdrawn_sats + self.reminted_sats + self.operator_fee_sats

    @property
    def reconciles(self) -> bool:
        return self.total_supply == self.expected_supply == self.vault_outstanding

    @property
    def unbacked_sats(self) -> int:
        return sum(m.net_sats for m in self.unbacked_mints)

    @property
    def ok(self) -> bool:
        return self.reconciles and not (self.unbacked_mints or self.double_payouts or self.unpaid_finalized)

    def to_json(self) -> dict:
        return {"total_supply": self.total_supply, "vault_outstanding": self.vault_outstanding,
                "expected_supply": self.expected_supply, "reconciles": self.reconciles, "ok": self.ok,
                "confirmed_deposits": self.confirmed_deposits, "deposited_sats": self.deposited_sats,
                "minted_sats": self.minted_sats, "withdrawals": self.withdrawals,
                "withdrawn_sats": self.withdrawn_sats, "reminted_sats": self.reminted_sats,
                "operator_fee_sats": self.operator_fee_sats,
                "custody_sats": self.custody_sats, "unbacked_sats": self.unbacked_sats,
                "unbacked_mints": [m.to_json() for m in self.unbacked_mints],
                "double_payouts": [p.to_json() for p in self.double_payouts],
                "unpaid_finalized": [p.to_json() for p in self.unpaid_finalized]}

    def __str__(self) -> str:
        lines = [f"hemiBTC supply {self.total_supply} sats = minted {self.minted_sats} - withdrawn "
                 f"{self.withdrawn_sats} + re-minted {self.reminted_sats} ({self.expected_supply}); vault outstanding "
                 f"{self.vault_outstanding}: {'reconciles' if self.reconciles else 'DOES NOT RECONCILE'}",
                 f"confirmed deposits: {self.confirmed_deposits} ({self.deposited_sats} sats); withdrawals: "
                 f"{self.withdrawals}; custody holds {self.custody_sats} sats on Bitcoin"]
        for m in self.unbacked_mints:
            lines.append(f"UNBACKED: {m.net_sats} sats minted to {m.recipient} for {m.txid}: {m.reason}")
        for p in self.double_payouts + self.unpaid_finalized:
            lines.append(f"withdrawal {p.uuid}: {p.reason}")
        return "\n".join(lines)


def _where(btc: BitcoinChain, txid: Txid) -> str:
    """'block', 'mempool' or 'gone'."""
    try:
        return "mempool" if btc.tx(txid).height is None else "block"
    except UnknownTransactionError:
        return "gone"


def audit(engine: EvmEngine, btc: BitcoinChain, withdrawals: Iterable[Withdrawal], *, total_supply: int,
          vault_outstanding: int, custody_script: bytes) -> AuditReport:
    """The books of the tunnel whose contracts run on ``engine`` and whose custody is on ``btc`` (see the module
    docstring); ``withdrawals`` are the operator's records, the three amounts as the contracts and Bitcoin say now."""
    deposits: list[DepositConfirmedEvent] = []
    initiated: dict[int, WithdrawalInitiatedEvent] = {}
    challenged: list[WithdrawalChallengedEvent] = []
    for ev in tunnel_events(engine, range(0, engine.head_number + 1)):
        if isinstance(ev, DepositConfirmedEvent):
            deposits.append(ev)
        elif isinstance(ev, WithdrawalInitiatedEvent):
            initiated[ev.uuid] = ev
        elif isinstance(ev, WithdrawalChallengedEvent):
            challenged.append(ev)
    unbacked = []
    for ev in deposits:
        txid = cast(Txid, Txid.from_display_bytes(ev.txid_display))
        where = _where(btc, txid)
        if where != "block":
            reason = ("back in the Bitcoin mempool: a reorg took it out of its block after the mint" if where ==
                      "mempool" else "in neither the Bitcoin chain nor the mempool: a reorg removed it after the mint")
            unbacked.append(UnbackedMint(txid, ev.recipient, ev.net_sats, ev.l2_block, ev.tx_hash, reason))
    double, unpaid = [], []
    for w in withdrawals:
        if w.payout_txid is None:
            continue
        where = _where(btc, w.payout_txid)
        if w.status == "challenged" and where != "gone":
            double.append(PayoutIssue(w.uuid, w.payout_txid, w.net_sats, "challenged and re-minted, yet the "
                                      f"operator's payout is {'in a block' if where == 'block' else 'in the mempool'}"))
        elif w.status == "finalized" and where == "gone":
            unpaid.append(PayoutIssue(w.uuid, w.payout_txid, w.net_sats,
                                      "finalized, yet a reorg removed its payout from Bitcoin"))
    reminted = sum(initiated[c.uuid].amount_sats for c in challenged if c.uuid in initiated)
    return AuditReport(
        total_supply=total_supply,
        vault_outstanding=vault_outstanding,
        confirmed_deposits=len(deposits),
        deposited_sats=sum(e.deposit_sats for e in deposits),
        minted_sats=sum(e.net_sats for e in deposits),
        withdrawals=len(initiated),
        withdrawn_sats=sum(e.amount_sats for e in initiated.values()),
        reminted_sats=reminted,
        custody_sats=btc.balance(custody_script),
        unbacked_mints=tuple(unbacked),
        double_payouts=tuple(double),
        unpaid_finalized=tuple(unpaid),
        operator_fee_sats=_operator_fee_mints(engine),
    )


_MINT_OPERATOR_FEES = keccak(text="mintOperatorFees(uint32,uint256)")[:4]


def _operator_fee_mints(engine: EvmEngine) -> int:
    """hemiBTC minted by successful ``mintOperatorFees`` calls to the manager (their return value)."""
    manager = to_address(TUNNEL_MANAGER_ADDRESS)
    total = 0
    for n in range(engine.head_number + 1):
        for h in engine.block_record(n).tx_hashes:
            rec = engine.tx_record(h)
            if rec is None or rec.error is not None or rec.tx.to != manager:
                continue
            if bytes(rec.tx.data[:4]) == _MINT_OPERATOR_FEES:
                total += int.from_bytes(rec.return_data[:32], "big")
    return total
