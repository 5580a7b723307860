"""Deposits: BTC into the vault's custody on Bitcoin, hemiBTC minted on Hemi once ``confirmDeposit`` checks it.

A mix-in of :class:`hemi.node.tunnel.Tunnel`. :meth:`Deposits.deposit` builds and broadcasts the real Bitcoin
deposit: an output paying the vault's custody script and an ``OP_RETURN`` naming the EVM recipient (20 raw bytes
``6a 14 <addr>``, or 40 ASCII hex characters ``6a 28 <hex>``). :meth:`Deposits.confirm` mines what the deposit still
needs (its Bitcoin block, the blocks for 4 confirmations as hBK counts them, and the hVM view) and has the sequencer
order ``confirmDeposit`` as a Bitcoin-derived input that depends on the deposit, so the mint carries a provenance.
hBK counts confirmations from the hVM *light* tip (op-geth's 0x43) while it reads transactions from the *indexed*
tip, 2 blocks behind: a deposit is readable from 3 confirmations on and confirmable from 4, i.e. once block
``h + 3`` is in the view (hemilabs/bitcoin-tunnel-contracts SimpleBitcoinVault.sol reckons "6 = 2 + 4" real blocks;
with a larger ``hvm_indexer_lag`` it takes ``h + lag``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eth_utils import to_checksum_address

from hemi.btc.models import TxInfo
from hemi.btc.validation import dust_threshold
from hemi.btc.wallet import Wallet
from hemi.errors import (
    BelowMinimumError,
    DepositNotFound,
    DustOutputError,
    TunnelError,
    TunnelValueError,
    UnknownTransactionError,
)
from hemi.node.tunnel.calls import ContractCalls
from hemi.node.tunnel.contracts import MANAGER, VAULT_STATE
from hemi.node.tunnel.genesis import (
    MIN_BITCOIN_CONFIRMATIONS,
    MINIMUM_DEPOSIT_SATS,
    OPERATOR_WALLET,
    TUNNEL_MANAGER_ADDRESS,
    VAULT_INDEX,
    custody_script,
)
from hemi.node.tunnel.recipient import Deposit, read_recipient, recipient_bytes
from hemi.types import Txid

if TYPE_CHECKING:  # web3 is imported only when a receipt is made for a user (hemi.node.tunnel.receipts)
    from web3.datastructures import AttributeDict

__all__ = ["Deposits", "positive_sats"]


def positive_sats(value: Any, name: str) -> int:
    """``value`` if it is a positive int of sats; TunnelValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise TunnelValueError(f"{name} is a positive int of sats, got {value!r}")
    return value


class Deposits(ContractCalls):
    """The deposit half of ``dev.tunnel`` (see the module docstring)."""

    _deposits: dict[bytes, Deposit]  # made or looked at through this tunnel, by raw txid

    @property
    def custody_script(self) -> bytes:
        """The scriptPubKey deposits must pay: the operator's P2WPKH script."""
        return custody_script(self.host.btc)

    @property
    def custody_address(self) -> str:
        """The vault's custody Bitcoin address (regtest bech32)."""
        return str(self.host.btc.wallet(OPERATOR_WALLET).address)

    def _wallet(self, wallet: Wallet | str) -> Wallet:
        if isinstance(wallet, str):
            named: Wallet = self.host.btc.wallet(wallet)
            return named
        if not isinstance(wallet, Wallet):
            raise TunnelValueError(f"wallet is a hemi.btc Wallet or a wallet name, got {type(wallet).__name__}")
        if wallet.chain is not self.host.btc:
            raise TunnelValueError(f"wallet {wallet.name!r} belongs to another Bitcoin chain than this devchain's")
        return wallet

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
        sats = positive_sats(sats, "sats")
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
        txid = self.host.btc.send_raw(tx)
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
            tx = self.host.btc.tx(t).tx
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
        return bool(self._read(VAULT_STATE, "acknowledgedDeposits", d.txid.display_bytes))

    def confirm(self, deposit: Deposit | Any, *, sender: str | None = None,
                mine: bool = True) -> AttributeDict[str, Any]:
        """Confirm a deposit on Hemi: with ``mine`` (the default) first mine its Bitcoin block, enough blocks for
        4 confirmations as hBK counts them, and the hVM view; then the sequencer orders ``confirmDeposit`` (from
        ``sender``, default the operator's account) as an input depending on the deposit. Returns the receipt.

        Raises :class:`DepositNotFound` when a Bitcoin reorg removed the deposit, and :class:`TunnelRevert` with
        the vault's reason when ``confirmDeposit`` would revert (not enough confirmations with ``mine=False``,
        below the minimum, wrong script, no or malformed recipient, already confirmed): nothing is minted."""
        self._check_ready()
        d = deposit if isinstance(deposit, Deposit) else self.deposit_of(deposit)
        host, btc = self.host, self.host.btc
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
        self._preflight("confirmDeposit", MANAGER, args, sender, lambda reason: self._deposit_hint(d, reason))
        input_id = host.sequencer.submit({"from": sender, "to": TUNNEL_MANAGER_ADDRESS,
                                          "data": MANAGER.encode("confirmDeposit", *args)},
                                         depends_on=[d.txid], label=f"tunnel deposit {d.txid}")
        return self._receipt(self._record_of_input(input_id, "confirmDeposit", MANAGER, args, sender))

    def _deposit_tx(self, d: Deposit) -> TxInfo:
        try:
            return self.host.btc.tx(d.txid)
        except UnknownTransactionError:
            if self._read(VAULT_STATE, "acknowledgedDeposits", d.txid.display_bytes):
                raise DepositNotFound(
                    f"deposit {d.txid} is in neither the Bitcoin chain nor the mempool: a Bitcoin reorg removed it "
                    f"after its hemiBTC was minted (an unbacked mint: see tunnel.audit())") from None
            raise DepositNotFound(
                f"deposit {d.txid} is in neither the Bitcoin chain nor the mempool: a Bitcoin reorg (or a "
                f"conflicting spend) removed it before it was confirmed; nothing was minted") from None

    def _deposit_hint(self, d: Deposit, reason: str) -> str:
        btc, view = self.host.btc, self.host.hvm_view("latest")
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
