"""The devchain's Bitcoin tunnel (``dev.tunnel``): BTC in as hemiBTC, hemiBTC out as BTC, and the books.

The contracts (``contracts/tunnel/``, predeployed in genesis by :mod:`hemi.node.tunnel_genesis`) make every check
on-chain through hBK, as Hemi's do (hemilabs/bitcoin-tunnel-contracts SimpleBitcoinVault.sol; docs/tunnel.md); this
module drives both chains the way a user, the portal and the vault operator would:

- :meth:`Tunnel.deposit` builds and broadcasts the real Bitcoin deposit: an output paying the vault's custody
  script and an ``OP_RETURN`` naming the EVM recipient (20 raw bytes ``6a 14 <addr>``, or 40 ASCII hex characters
  ``6a 28 <hex>``). :meth:`Tunnel.confirm` mines what the deposit still needs (its Bitcoin block, the blocks for
  4 confirmations as hBK counts them, and the hVM view) and has the sequencer order ``confirmDeposit`` as a
  Bitcoin-derived input that depends on the deposit, so the mint carries a provenance. hBK counts confirmations
  from the hVM *light* tip (op-geth's 0x43) while it reads transactions from the *indexed* tip, 2 blocks behind:
  a deposit is readable from 3 confirmations on and confirmable from 4, i.e. once block ``h + 3`` is in the view
  (BTC-TC's comment reckons "6 = 2 + 4" real blocks; with a larger ``hvm_indexer_lag`` it takes ``h + lag``).
- :meth:`Tunnel.withdraw` sends ``initiateWithdrawal`` (hemiBTC burned); the simulated operator
  (:mod:`hemi.node.tunnel_operator`) pays the BTC and proves it to the vault; :meth:`Tunnel.finalize` mines until
  that has happened; :meth:`Tunnel.challenge` re-mints a withdrawal not finalized within the 12-hour grace period.
- :meth:`Tunnel.audit` reconciles hemiBTC's supply with the confirmed deposits and the withdrawals, and lists
  mints whose Bitcoin deposit a reorg has removed (:mod:`hemi.node.tunnel_audit`).

Bad input is refused in Python with a typed error from :mod:`hemi.errors` before anything is sent (a malformed
recipient, dust, an amount below the minimum, an invalid or wrong-network Bitcoin address, more than the balance);
a contract call that would revert raises :class:`~hemi.errors.TunnelRevert` with the contract's reason and what the
devchain sees, and nothing is minted or burned. ``check=False`` on :meth:`deposit` broadcasts deposits the vault
will refuse, so tests can watch the on-chain checks at work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hemi.btc.address import address_to_script
from hemi.btc.validation import dust_threshold
from hemi.errors import (
    BelowMinimumError,
    DepositNotFound,
    DustOutputError,
    HemiValueError,
    InsufficientHemiBTC,
    OperatorError,
    TunnelError,
    TunnelValueError,
    UnknownTransactionError,
    UnknownWithdrawalError,
    WithdrawalQueueFull,
)
from hemi.node.tunnel_calls import ContractCalls, _discard
from hemi.node.tunnel_genesis import (
    GLOBAL_CONFIG_ADDRESS,
    HEMI_BTC_ADDRESS,
    MAX_WITHDRAWAL_QUEUE_SIZE,
    MAX_WITHDRAWAL_SCRIPT_LENGTH,
    MIN_BITCOIN_CONFIRMATIONS,
    MIN_WITHDRAWAL_SCRIPT_LENGTH,
    MINIMUM_DEPOSIT_SATS,
    MINIMUM_WITHDRAWAL_SATS,
    OPERATOR_WALLET,
    STATUS_NAMES,
    TUNNEL_MANAGER_ADDRESS,
    VAULT_ADDRESS,
    VAULT_INDEX,
    VAULT_STATE_ADDRESS,
    WITHDRAWAL_GRACE_PERIOD_SECONDS,
    custody_script,
)
from hemi.node.tunnel_operator import POLICIES, TunnelOperator, Withdrawal
from hemi.node.tunnel_recipient import Deposit, read_recipient, recipient_bytes
from hemi.types import Txid

if TYPE_CHECKING:
    from hemi.btc.wallet import Wallet
    from hemi.node.devchain import Devchain
    from hemi.node.tunnel_audit import AuditReport

__all__ = ["Deposit", "Withdrawal", "Tunnel", "POLICIES", "read_recipient", "recipient_bytes"]



def _amount(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise TunnelValueError(f"{name} is a positive int of sats, got {value!r}")
    return value


# ---------------------------------------------------------------------------------------------- the tunnel


class Tunnel(ContractCalls):
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

    def __init__(self, dev: Devchain) -> None:
        self.dev = dev
        self.operator = TunnelOperator(self)
        self._deposits: dict[bytes, Deposit] = {}  # made or looked at through this tunnel, by raw txid
        self._web3_contracts: tuple | None = None

    def __getstate__(self) -> dict:
        # a saved devchain (pickle): web3 contract objects are made again on first use
        return {**self.__dict__, "_web3_contracts": None}

    # ------------------------------------------------------------------ contracts and addresses

    def _contracts(self) -> tuple:
        if self._web3_contracts is None:
            from hemi.compiler import shipped

            eth = self.dev.w3.eth
            self._web3_contracts = (
                eth.contract(address=TUNNEL_MANAGER_ADDRESS, abi=shipped.load("BitcoinTunnelManager").abi),
                eth.contract(address=VAULT_ADDRESS, abi=shipped.load("SimpleBitcoinVault").abi),
                eth.contract(address=HEMI_BTC_ADDRESS, abi=shipped.load("HemiBitcoin").abi),
                eth.contract(address=VAULT_STATE_ADDRESS, abi=shipped.load("SimpleBitcoinVaultState").abi),
                eth.contract(address=GLOBAL_CONFIG_ADDRESS, abi=shipped.load("GlobalConfig").abi))
        return self._web3_contracts

    @property
    def manager(self):
        """BitcoinTunnelManager as a web3 contract (Hemi mainnet address)."""
        return self._contracts()[0]

    @property
    def vault(self):
        """The SimpleBitcoinVault as a web3 contract."""
        return self._contracts()[1]

    @property
    def token(self):
        """hemiBTC (ERC-20, 8 decimals: one unit is one sat) as a web3 contract (Hemi mainnet address)."""
        return self._contracts()[2]

    @property
    def vault_state(self):
        """Vault 0's SimpleBitcoinVaultState child (fees, deposits, withdrawal queue, collateral) as a web3 contract."""
        return self._contracts()[3]

    @property
    def global_config(self):
        """GlobalConfig (pauses, whitelists, vault parameters, collateral price) as a web3 contract."""
        return self._contracts()[4]

    def status(self) -> str:
        """Vault 0's life-cycle status as its ``getStatus()`` reports it (``"LIVE"``...)."""
        return STATUS_NAMES[self.vault.functions.getStatus().call()]

    def deposit_fee(self, sats: int) -> int:
        """The fee vault 0 charges on a deposit of ``sats`` (basis points with a minimum, from its state child)."""
        return self.vault_state.functions.calculateDepositFee(_amount(sats, "sats")).call()

    def gross_for_net(self, *, net_sats: int) -> int:
        """The smallest deposit that mints at least ``net_sats`` hemiBTC after vault 0's deposit fee."""
        net = _amount(net_sats, "net_sats")
        gross = net + self.deposit_fee(net)
        while gross - self.deposit_fee(gross) < net:  # the fee grows with the amount: a step or two more
            gross += net - (gross - self.deposit_fee(gross))
        return gross

    def withdrawal_fee(self, sats: int) -> int:
        """The fee vault 0 charges on a withdrawal of ``sats``."""
        return self.vault_state.functions.calculateWithdrawalFee(_amount(sats, "sats")).call()

    @property
    def custody_script(self) -> bytes:
        """The scriptPubKey deposits must pay: the operator's P2WPKH script."""
        return custody_script(self.dev.btc)

    @property
    def custody_address(self) -> str:
        """The vault's custody Bitcoin address (regtest bech32)."""
        return self.dev.btc.wallet(OPERATOR_WALLET).address

    def balance_of(self, account: str) -> int:
        """hemiBTC balance of ``account``, in sats."""
        return self.token.functions.balanceOf(self._checksum(account)).call()

    @property
    def total_supply(self) -> int:
        """hemiBTC in existence, in sats."""
        return self.token.functions.totalSupply().call()

    def set_operator_policy(self, policy: str, *, delay: int | None = None,
                            fee_rate: float | None = None) -> TunnelOperator:
        """``"prompt"`` (pay at once), ``"late"`` (pay ``delay`` s after the grace period) or ``"never"``."""
        return self.operator.set_policy(policy, delay=delay, fee_rate=fee_rate)

    # ------------------------------------------------------------------ deposits

    def deposit(self, wallet: Wallet | str, sats: int, *, recipient: Any, fee_rate: float = 2.0,
                recipient_format: str = "raw", check: bool = True) -> Deposit:
        """Broadcast a Bitcoin deposit of ``sats`` from ``wallet`` (a hemi.btc wallet or its name) to the custody
        script, with an OP_RETURN naming ``recipient`` (``recipient_format``: ``"raw"`` 20 bytes or ``"hex"`` 40
        ASCII characters). Returns the :class:`Deposit` (in the mempool: :meth:`confirm` takes it from there).

        Refused before broadcasting: a malformed recipient (:class:`InvalidRecipientError`), dust
        (:class:`DustOutputError`) and, unless ``check=False``, less than the 0.01 BTC minimum
        (:class:`BelowMinimumError`: the vault would keep the coins and mint nothing)."""
        self._check_ready()
        w = self._wallet(wallet)
        sats = _amount(sats, "sats")
        raw = recipient_bytes(recipient)
        if recipient_format == "raw":
            data = raw
        elif recipient_format == "hex":
            data = raw.hex().encode()
        else:
            raise TunnelValueError(f"recipient_format is 'raw' or 'hex', got {recipient_format!r}")
        custody = self.custody_script
        if sats < dust_threshold(custody):
            raise DustOutputError(f"{sats} sats is dust for the custody output (minimum {dust_threshold(custody)}): "
                                  f"no Bitcoin node would relay the deposit")
        if check and sats < MINIMUM_DEPOSIT_SATS:
            raise BelowMinimumError(f"{sats} sats is below the tunnel's minimum deposit of {MINIMUM_DEPOSIT_SATS} "
                                    f"sats (0.01 BTC): the vault would keep the coins and mint nothing (pass "
                                    f"check=False to broadcast it anyway)")
        tx = w.build_tx(outputs=[(custody, sats)], op_return=data, fee_rate=fee_rate)
        txid = self.dev.btc.send_raw(tx)
        from eth_utils import to_checksum_address

        d = Deposit(txid, 0, sats, to_checksum_address(raw), w.name)
        self._deposits[bytes(txid)] = d
        return d

    def deposit_of(self, txid: Any, *, vout: int | None = None) -> Deposit:
        """A :class:`Deposit` for a Bitcoin transaction built some other way (by hand, by a wallet): the output
        paying the custody script (``vout``, or the first such output) and the recipient its OP_RETURN names."""
        t = Txid(txid)
        known = self._deposits.get(bytes(t))
        if known is not None and (vout is None or vout == known.vout):
            return known
        try:
            tx = self.dev.btc.tx(t).tx
        except UnknownTransactionError:
            raise DepositNotFound(f"Bitcoin tx {t} is in neither the chain nor the mempool") from None
        scripts = [bytes(o.scriptPubKey) for o in tx.vout]
        if vout is None:
            vout = next((i for i, s in enumerate(scripts) if s == self.custody_script), 0)
        if isinstance(vout, bool) or not isinstance(vout, int) or vout < 0:
            raise TunnelValueError(f"vout is a non-negative int, got {vout!r}")
        sats = tx.vout[vout].nValue if vout < len(tx.vout) and scripts[vout] == self.custody_script else 0
        d = Deposit(t, vout, sats, read_recipient(scripts)[0])
        self._deposits[bytes(t)] = d
        return d

    def deposits(self) -> list[Deposit]:
        """Deposits made (or looked at) through this tunnel, oldest first."""
        return list(self._deposits.values())

    def is_confirmed(self, deposit: Deposit | Any) -> bool:
        """Whether ``confirmDeposit`` has succeeded for the deposit's txid."""
        d = deposit if isinstance(deposit, Deposit) else self.deposit_of(deposit)
        return self.vault_state.functions.acknowledgedDeposits(d.txid.display_bytes).call()

    def confirm(self, deposit: Deposit | Any, *, sender: str | None = None, mine: bool = True):
        """Confirm a deposit on Hemi: with ``mine`` (the default) first mine its Bitcoin block, enough blocks for
        4 confirmations as hBK counts them, and the hVM view; then the sequencer orders ``confirmDeposit`` (from
        ``sender``, default the operator's account) as an input depending on the deposit. Returns the receipt.

        Raises :class:`DepositNotFound` when a Bitcoin reorg removed the deposit, and :class:`TunnelRevert` with
        the vault's reason when ``confirmDeposit`` would revert (not enough confirmations with ``mine=False``,
        below the minimum, wrong script, no or malformed recipient, already confirmed): nothing is minted."""
        self._check_ready()
        d = deposit if isinstance(deposit, Deposit) else self.deposit_of(deposit)
        dev, btc = self.dev, self.dev.btc
        sender = self._sender(sender)
        info = self._deposit_tx(d)  # gone from Bitcoin: the next L2 block's view would not have it either
        if mine:
            if info.height is None:
                btc.mine(1)
                info = self._deposit_tx(d)
                if info.height is None:
                    raise TunnelError(f"deposit {d.txid} stays in the Bitcoin mempool after a block was mined")
            self._bury(info.height)
        args = [VAULT_INDEX, d.txid.display_bytes, d.vout, b""]
        fn = self.manager.functions.confirmDeposit(*args)
        self._preflight("confirmDeposit", fn, sender, lambda reason: self._deposit_hint(d, reason))
        input_id = dev.sequencer.submit({"from": sender, "to": TUNNEL_MANAGER_ADDRESS,
                                         "data": self.manager.encode_abi("confirmDeposit", args=args)},
                                        depends_on=[d.txid], label=f"tunnel deposit {d.txid}")
        return self._receipt_of_input(input_id, "confirmDeposit", fn, sender)

    def _deposit_tx(self, d: Deposit):
        try:
            return self.dev.btc.tx(d.txid)
        except UnknownTransactionError:
            if self.vault_state.functions.acknowledgedDeposits(d.txid.display_bytes).call():
                raise DepositNotFound(
                    f"deposit {d.txid} is in neither the Bitcoin chain nor the mempool: a Bitcoin reorg removed it "
                    f"after its hemiBTC was minted (an unbacked mint: see tunnel.audit())") from None
            raise DepositNotFound(
                f"deposit {d.txid} is in neither the Bitcoin chain nor the mempool: a Bitcoin reorg (or a "
                f"conflicting spend) removed it before it was confirmed; nothing was minted") from None

    def _bury(self, height: int) -> None:
        """Mine Bitcoin until a tx at ``height`` has the confirmations hBK needs once indexed, then sync the view."""
        btc = self.dev.btc
        target = height + max(MIN_BITCOIN_CONFIRMATIONS - 1, self.dev.config.hvm_indexer_lag)
        if btc.height < target:
            btc.mine(target - btc.height)
        self.dev.sync_btc()

    def _deposit_hint(self, d: Deposit, reason: str) -> str:
        btc, view = self.dev.btc, self.dev.hvm_view("latest")
        try:
            info = btc.tx(d.txid)
        except UnknownTransactionError:
            return f"Bitcoin tx {d.txid} is in neither the chain nor the mempool (a reorg removed it?)"
        if "recipient" in reason or "EVM address" in reason:
            return read_recipient([bytes(o.scriptPubKey) for o in info.tx.vout])[1]
        if "custody" in reason:
            return f"the vault's custody script is {self.custody_script.hex()} ({self.custody_address})"
        if "minimum" in reason:
            return f"the output holds {d.sats} sats; the minimum is {MINIMUM_DEPOSIT_SATS}"
        if info.height is None:
            return f"Bitcoin tx {d.txid} is in the mempool, not yet in a block"
        if info.height > view.indexed_height:
            return (f"Bitcoin tx {d.txid} is in block {info.height}; the hVM indexed tip is {view.indexed_height} "
                    f"(light tip {view.light_tip_height})")
        conf = view.light_tip_height - info.height + 1
        return (f"hBK counts {conf} confirmation(s) (light tip {view.light_tip_height} - block {info.height} + 1); "
                f"{MIN_BITCOIN_CONFIRMATIONS} needed: mine Bitcoin blocks and sync the view (confirm(mine=True) "
                f"does)") if conf < MIN_BITCOIN_CONFIRMATIONS else ""

    # ------------------------------------------------------------------ withdrawals

    def withdraw(self, account: str, sats: int, *, btc_address: str) -> Withdrawal:
        """Burn ``sats`` hemiBTC of ``account`` (a dev or impersonated account) through ``initiateWithdrawal``; the
        operator owes ``sats - fee`` to ``btc_address`` and (policy "prompt") broadcasts the payout at once.

        Refused before sending: an invalid or wrong-network address (``InvalidAddressError``,
        ``WrongNetworkError``), below the 0.01 BTC minimum (:class:`BelowMinimumError`), above the balance
        (:class:`InsufficientHemiBTC`), a full withdrawal queue (:class:`WithdrawalQueueFull`)."""
        self._check_ready()
        sats = _amount(sats, "sats")
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
        pending = self.vault_state.functions.pendingWithdrawalCount().call()
        if pending >= MAX_WITHDRAWAL_QUEUE_SIZE:
            raise WithdrawalQueueFull(f"the vault has {pending} withdrawals pending (at most "
                                      f"{MAX_WITHDRAWAL_QUEUE_SIZE}); finalize or challenge one first")
        fn = self.manager.functions.initiateWithdrawal(VAULT_INDEX, btc_address, sats)
        self._preflight("initiateWithdrawal", fn, account)
        receipt = self._send("initiateWithdrawal", fn, account)
        (ev,) = self.manager.events.WithdrawalInitiated().process_receipt(receipt, errors=_discard())
        return self.withdrawal(ev.args.uuid)

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

    def finalize(self, withdrawal: Withdrawal | int, *, max_l2_blocks: int = 60):
        """Drive a withdrawal to FINALIZED: mine Bitcoin and L2 blocks while the operator sweeps confirmed deposits
        and pays the withdrawals before it (one Bitcoin transaction at a time, each buried under 4 hVM
        confirmations and proven to the vault), then this one. Returns the receipt of its ``finalizeWithdrawal``
        (None if someone else proved it outside the operator).

        Raises :class:`OperatorError` when the operator will not pay (policy ``"late"`` before its time, ``"never"``,
        the sweep UTXO short of coins) and :class:`TunnelError` for a challenged withdrawal."""
        self._check_ready()
        w = self.withdrawal(withdrawal)
        dev, btc, op = self.dev, self.dev.btc, self.operator
        if w.status == "challenged":
            raise TunnelError(f"withdrawal {w.uuid} was challenged (its hemiBTC re-minted); it cannot be finalized")
        if w.status == "pending" and w.payout_txid is None:
            self._require_payout(w)
        for _ in range(max_l2_blocks):
            w = self.withdrawal(w.uuid)
            if w.status != "pending":
                break
            if w.finalize_error is not None:
                fn = self.vault.functions.finalizeWithdrawal(w.payout_txid.display_bytes, w.index)
                self._preflight("finalizeWithdrawal", fn, self.operator.address)
                raise OperatorError(w.finalize_error)
            failed = [f for f in op.failures if f.uuid == w.uuid and f.l2_block == dev.engine.head_number]
            if failed and op.inflight is None:
                raise OperatorError(failed[-1].error)
            flight = op.inflight
            if flight is not None and flight.kind != "assign" and flight.proof_input is None:
                info = btc.tx(flight.txid)
                if info.height is None:
                    btc.mine(1)
                    continue
                self._bury(info.height)
            dev.mine(1)  # the operator acts in its block hook; a queued proof is ordered here
        w = self.withdrawal(w.uuid)
        if w.status != "finalized":
            raise OperatorError(f"withdrawal {w.uuid} is still {w.status} after {max_l2_blocks} L2 blocks "
                                f"(operator failures: {[f.error for f in self.operator.failures]})")
        return None if w.finalize_tx is None else dev.w3.eth.get_transaction_receipt(w.finalize_tx)

    def _require_payout(self, w: Withdrawal) -> None:
        op = self.operator
        if op.policy == "never":
            raise OperatorError(f"the operator (policy 'never') does not pay withdrawal {w.uuid}; challenge it "
                                f"after the grace period (tunnel.challenge(w, wait=True))")
        if op.policy == "late":
            due = w.grace_ends_at + op.delay
            raise OperatorError(f"the operator (policy 'late') pays withdrawal {w.uuid} only at L2 time {due} "
                                f"({due - self.dev.next_timestamp} s from the next block); time-travel and mine, "
                                f"or challenge it once the grace period ends at {w.grace_ends_at}")

    def challenge(self, withdrawal: Withdrawal | int, *, sender: str | None = None, wait: bool = False):
        """``challengeWithdrawal``: re-mint the hemiBTC of a withdrawal not finalized within the 12-hour grace
        period. ``wait=True`` first moves the L2 clock to the end of the grace period. ``sender`` defaults to the
        withdrawer when the devchain can sign for it, else the first dev account. Returns the receipt; raises
        :class:`TunnelRevert` (grace period not over, already finalized or challenged)."""
        w = self.withdrawal(withdrawal)
        dev = self.dev
        if wait and dev.next_timestamp < w.grace_ends_at:
            dev.time_travel(seconds=w.grace_ends_at - dev.next_timestamp)
        if dev.engine.head.header.timestamp < w.grace_ends_at <= dev.next_timestamp:
            dev.mine(1)  # eth_call runs in the latest block's context: let it see the time that has passed
        if sender is None:
            sender = w.withdrawer if self._can_sign(w.withdrawer) else str(dev.accounts[0])
        sender = self._signer(sender)
        fn = self.manager.functions.challengeWithdrawal(w.uuid, b"")
        self._preflight("challengeWithdrawal", fn, sender, lambda reason: (
            f"the grace period ends at L2 time {w.grace_ends_at}; the next block is at {dev.next_timestamp}: "
            f"dev.time_travel(seconds={w.grace_ends_at - dev.next_timestamp}) or challenge(w, wait=True)"
            if "grace" in reason else ""))
        return self._send("challengeWithdrawal", fn, sender)

    # ------------------------------------------------------------------ accounting

    def audit(self) -> AuditReport:
        """Reconcile hemiBTC with Bitcoin: supply = confirmed deposits - withdrawals + re-mints (= the vault's
        outstanding sats), and list mints whose deposit a Bitcoin reorg has removed (see hemi.node.tunnel_audit)."""
        from hemi.node.tunnel_audit import audit

        return audit(self)

    # ------------------------------------------------------------------ helpers

    def _check_ready(self) -> None:
        """The contracts read Bitcoin through hBK: refuse clearly when this devchain's hBK cannot serve them."""
        from hemi.node.devchain import HBK_ADDRESS

        if self.dev.config.hvm_profile != "deployed":
            raise TunnelError(f"the tunnel reads Bitcoin through hBK's deployed ABI, which the kit predeployed under "
                              f"hvm_profile={self.dev.config.hvm_profile!r} does not answer (create the devchain "
                              f"with hvm_profile='deployed')")
        if not self.dev.w3.eth.get_code(HBK_ADDRESS):
            raise TunnelError(f"the tunnel reads Bitcoin through hBK, and there is no code at {HBK_ADDRESS} (the "
                              f"devchain was created with predeploy_bitcoin_kit=False)")

    def _wallet(self, wallet: Wallet | str) -> Wallet:
        from hemi.btc.wallet import Wallet

        if isinstance(wallet, str):
            return self.dev.btc.wallet(wallet)
        if not isinstance(wallet, Wallet):
            raise TunnelValueError(f"wallet is a hemi.btc Wallet or a wallet name, got {type(wallet).__name__}")
        if wallet.chain is not self.dev.btc:
            raise TunnelValueError(f"wallet {wallet.name!r} belongs to another Bitcoin chain than this devchain's")
        return wallet

    def _sender(self, sender: str | None) -> str:
        return self.operator.address if sender is None else self._signer(sender)

    # ------------------------------------------------------------------ the devchain's hooks and state

    def on_block(self, dev: Devchain, number: int) -> None:
        self.operator.on_block(dev, number)

    def snapshot_state(self) -> tuple:
        return (dict(self._deposits), self.operator.snapshot_state())

    def restore_state(self, state: tuple) -> None:
        deposits, operator = state
        self._deposits = dict(deposits)
        self.operator.restore_state(operator)

    def dump_state(self) -> dict:
        """The tunnel's Python-side state as plain JSON data (the chains hold the rest); see :meth:`load_state`."""
        return {"version": 1, "deposits": [d.to_json() for d in self._deposits.values()],
                "operator": self.operator.dump_state()}

    def load_state(self, state: dict) -> None:
        """Restore what :meth:`dump_state` returned (onto a devchain whose chains were restored to the same point)."""
        if not isinstance(state, dict) or state.get("version") != 1:
            raise HemiValueError(f"not a tunnel state of version 1: {state!r:.80}")
        deposits = [Deposit.from_json(d) for d in state["deposits"]]
        self.operator.load_state(state["operator"])
        self._deposits = {bytes(d.txid): d for d in deposits}

    def __repr__(self) -> str:
        return (f"<Tunnel manager={TUNNEL_MANAGER_ADDRESS} hemiBTC={HEMI_BTC_ADDRESS} custody={self.custody_address} "
                f"operator={self.operator.policy}>")


def vault_contract(dev: Devchain):
    """The vault as a web3 contract (for the operator)."""
    return dev.tunnel.vault
