"""The devchain's Bitcoin tunnel (``dev.tunnel``): BTC in as hemiBTC, hemiBTC out as BTC, and the books.

The contracts (``contracts/tunnel/``, predeployed in genesis by :mod:`hemi.node.tunnel.genesis`) make every check
on-chain through hBK, as Hemi's do (hemilabs/bitcoin-tunnel-contracts SimpleBitcoinVault.sol; docs/tunnel.md); the
:class:`Tunnel` drives both chains the way a user, the portal and the vault operator would, in three parts:

- deposits (:mod:`hemi.node.tunnel.deposits`): :meth:`Tunnel.deposit` broadcasts the Bitcoin deposit,
  :meth:`Tunnel.confirm` buries it and has the sequencer order ``confirmDeposit``;
- withdrawals (:mod:`hemi.node.tunnel.withdrawals`): :meth:`Tunnel.withdraw` burns, the simulated operator
  (:mod:`hemi.node.tunnel.operator`) pays and proves, :meth:`Tunnel.finalize` / :meth:`Tunnel.challenge`;
- the books: :meth:`Tunnel.audit` reconciles hemiBTC's supply with the confirmed deposits and the withdrawals, and
  lists mints whose Bitcoin deposit a reorg has removed (:mod:`hemi.node.tunnel.audit`).

Bad input is refused in Python with a typed error from :mod:`hemi.errors` before anything is sent (a malformed
recipient, dust, an amount below the minimum, an invalid or wrong-network Bitcoin address, more than the balance);
a contract call that would revert raises :class:`~hemi.errors.TunnelRevert` with the contract's reason and what the
devchain sees, and nothing is minted or burned. ``check=False`` on :meth:`Tunnel.deposit` broadcasts deposits the
vault will refuse, so tests can watch the on-chain checks at work.

The tunnel runs its contracts through the engine (:mod:`hemi.node.tunnel.calls`). ``manager``, ``vault``,
``token``, ``vault_state`` and ``global_config`` are web3 contracts for the user's own calls, bound to the
devchain's web3 face; the tunnel itself never uses them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hemi.errors import HemiValueError, TunnelError
from hemi.node.tunnel.contracts import CONTRACTS, TOKEN, VAULT, VAULT_STATE
from hemi.node.tunnel.deposits import Deposits, positive_sats
from hemi.node.tunnel.genesis import (
    HEMI_BTC_ADDRESS,
    MAX_WITHDRAWAL_QUEUE_SIZE,
    MIN_BITCOIN_CONFIRMATIONS,
    MINIMUM_DEPOSIT_SATS,
    MINIMUM_WITHDRAWAL_SATS,
    STATUS_NAMES,
    TUNNEL_MANAGER_ADDRESS,
    VAULT_ADDRESS,
    VAULT_INDEX,
    WITHDRAWAL_GRACE_PERIOD_SECONDS,
)
from hemi.node.tunnel.host import TunnelHost
from hemi.node.tunnel.operator import TunnelOperator
from hemi.node.tunnel.recipient import Deposit
from hemi.node.tunnel.withdrawals import Withdrawals

if TYPE_CHECKING:
    from hemi.node.tunnel.audit import AuditReport

__all__ = ["Tunnel"]


class Tunnel(Deposits, Withdrawals):
    """``dev.tunnel``: the Bitcoin tunnel of one devchain (see the module docstring)."""

    manager_address = TUNNEL_MANAGER_ADDRESS
    hemi_btc_address = HEMI_BTC_ADDRESS
    vault_address = VAULT_ADDRESS
    vault_index = VAULT_INDEX
    minimum_deposit_sats = MINIMUM_DEPOSIT_SATS
    minimum_withdrawal_sats = MINIMUM_WITHDRAWAL_SATS
    grace_period_seconds = WITHDRAWAL_GRACE_PERIOD_SECONDS
    max_withdrawal_queue = MAX_WITHDRAWAL_QUEUE_SIZE
    min_confirmations = MIN_BITCOIN_CONFIRMATIONS

    def __init__(self, host: TunnelHost) -> None:
        self.host = host
        self.operator = TunnelOperator(host)
        self._deposits: dict[bytes, Deposit] = {}  # made or looked at through this tunnel, by raw txid
        self._web3_contracts: dict[str, Any] = {}

    def __getstate__(self) -> dict[str, Any]:
        # a saved devchain (pickle): web3 contract objects are made again on first use
        return {**self.__dict__, "_web3_contracts": {}}

    # ------------------------------------------------------------------ the contracts as web3 contracts (for users)

    def _web3_contract(self, key: str) -> Any:
        if key not in self._web3_contracts:
            w3 = getattr(self.host, "w3", None)  # the public hemi.Devchain's web3 face; the tunnel does not need it
            if w3 is None:
                raise TunnelError(f"dev.tunnel.{key} is a web3 contract, and this devchain has no web3 face (w3)")
            c = CONTRACTS[key]
            self._web3_contracts[key] = w3.eth.contract(address=c.address, abi=c.abi)
        return self._web3_contracts[key]

    @property
    def manager(self) -> Any:
        """BitcoinTunnelManager as a web3 contract (Hemi mainnet address)."""
        return self._web3_contract("manager")

    @property
    def vault(self) -> Any:
        """The SimpleBitcoinVault as a web3 contract."""
        return self._web3_contract("vault")

    @property
    def token(self) -> Any:
        """hemiBTC (ERC-20, 8 decimals: one unit is one sat) as a web3 contract (Hemi mainnet address)."""
        return self._web3_contract("token")

    @property
    def vault_state(self) -> Any:
        """Vault 0's SimpleBitcoinVaultState child (fees, deposits, withdrawal queue, collateral) as a web3 contract."""
        return self._web3_contract("vault_state")

    @property
    def global_config(self) -> Any:
        """GlobalConfig (pauses, whitelists, vault parameters, collateral price) as a web3 contract."""
        return self._web3_contract("global_config")

    # ------------------------------------------------------------------ what the contracts say

    def status(self) -> str:
        """Vault 0's life-cycle status as its ``getStatus()`` reports it (``"LIVE"``...)."""
        return STATUS_NAMES[self._read(VAULT, "getStatus")]

    def deposit_fee(self, sats: int) -> int:
        """The fee vault 0 charges on a deposit of ``sats`` (basis points with a minimum, from its state child)."""
        return int(self._read(VAULT_STATE, "calculateDepositFee", positive_sats(sats, "sats")))

    def gross_for_net(self, *, net_sats: int) -> int:
        """The smallest deposit that mints at least ``net_sats`` hemiBTC after vault 0's deposit fee."""
        net = positive_sats(net_sats, "net_sats")
        gross = net + self.deposit_fee(net)
        while gross - self.deposit_fee(gross) < net:  # the fee grows with the amount: a step or two more
            gross += net - (gross - self.deposit_fee(gross))
        return gross

    def withdrawal_fee(self, sats: int) -> int:
        """The fee vault 0 charges on a withdrawal of ``sats``."""
        return int(self._read(VAULT_STATE, "calculateWithdrawalFee", positive_sats(sats, "sats")))

    @property
    def total_supply(self) -> int:
        """hemiBTC in existence, in sats."""
        return int(self._read(TOKEN, "totalSupply"))

    def set_operator_policy(self, policy: str, *, delay: int | None = None,
                            fee_rate: float | None = None) -> TunnelOperator:
        """``"prompt"`` (pay at once), ``"late"`` (pay ``delay`` s after the grace period) or ``"never"``."""
        return self.operator.set_policy(policy, delay=delay, fee_rate=fee_rate)

    def audit(self) -> AuditReport:
        """Reconcile hemiBTC with Bitcoin: supply = confirmed deposits - withdrawals + re-mints (= the vault's
        outstanding sats), and list mints whose deposit a Bitcoin reorg has removed (see hemi.node.tunnel.audit)."""
        from hemi.node.tunnel.audit import audit  # deferred: the books are asked for rarely; not every devchain's cost

        return audit(self.host.engine, self.host.btc, list(self.operator.withdrawals.values()),
                     total_supply=self.total_supply, vault_outstanding=int(self._read(VAULT, "getNetDeposits")),
                     custody_script=self.custody_script)

    # ------------------------------------------------------------------ the devchain's hooks and state

    def on_block(self, host: TunnelHost, number: int) -> None:
        """The devchain's block hook: the simulated operator reads the block and takes its next step."""
        self.operator.on_block(host, number)

    def snapshot_state(self) -> tuple[Any, ...]:
        return (dict(self._deposits), self.operator.snapshot_state())

    def restore_state(self, state: tuple[Any, ...]) -> None:
        deposits, operator = state
        self._deposits = dict(deposits)
        self.operator.restore_state(operator)

    def dump_state(self) -> dict[str, Any]:
        """The tunnel's Python-side state as plain JSON data (the chains hold the rest); see :meth:`load_state`."""
        return {"version": 1, "deposits": [d.to_json() for d in self._deposits.values()],
                "operator": self.operator.dump_state()}

    def load_state(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`dump_state` returned (onto a devchain whose chains were restored to the same point)."""
        if not isinstance(state, dict) or state.get("version") != 1:
            raise HemiValueError(f"not a tunnel state of version 1: {state!r:.80}")
        deposits = [Deposit.from_json(d) for d in state["deposits"]]
        self.operator.load_state(state["operator"])
        self._deposits = {bytes(d.txid): d for d in deposits}

    def __repr__(self) -> str:
        return (f"<Tunnel manager={TUNNEL_MANAGER_ADDRESS} hemiBTC={HEMI_BTC_ADDRESS} custody={self.custody_address} "
                f"operator={self.operator.policy}>")
