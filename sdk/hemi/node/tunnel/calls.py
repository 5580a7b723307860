"""How ``dev.tunnel`` calls its contracts: reads, preflight, sending, receipts and revert reasons, on the engine.

A mix-in of :class:`hemi.node.tunnel.Tunnel` (kept apart so that module stays small). It builds each transaction
as web3's ``call()`` / ``transact()`` and the devchain's ``eth_call`` / ``eth_sendTransaction`` make it from
``{"from", "to", "data"}`` (nonce from the pending state, gas estimated at the latest block plus web3's buffer, fee
cap twice the pending base fee, no tip), runs it with the
engine and reads the engine's records, so the tunnel never goes through its own web3 face. A call that would revert
is refused before anything is sent, as :class:`~hemi.errors.TunnelRevert` with the contract's reason and a hint.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from eth_abi import decode
from eth_utils import is_address, to_checksum_address

from hemi.errors import TunnelError, TunnelRevert, TunnelValueError
from hemi.hvm.engine import CallResult, EstimateFailed, TxRecord
from hemi.hvm.registry import to_address
from hemi.node.tunnel.contracts import TunnelContract
from hemi.node.tunnel.genesis import BITCOIN_KIT_ADDRESS, MIN_BITCOIN_CONFIRMATIONS, operator_account
from hemi.node.tunnel.host import TunnelHost
from hemi.node.tunnel.receipts import web3_receipt

if TYPE_CHECKING:  # web3 is imported only when a receipt is made for a user (hemi.node.tunnel.receipts)
    from web3.datastructures import AttributeDict

__all__ = ["ContractCalls", "revert_reason"]

_WEB3_GAS_BUFFER = 100_000
_L2_BLOCKS_FOR_A_FORCED_INPUT = 3  # a ready forced input is ordered in the next block; a little slack
_ERROR_STRING = bytes.fromhex("08c379a0")  # Error(string)
_PANIC = bytes.fromhex("4e487b71")  # Panic(uint256)
# Solidity's panic codes, worded as web3.py words them (web3 _utils/error_formatters_utils.py PANIC_ERROR_CODES)
_PANICS = {0x00: "Generic compiler inserted panics.", 0x01: "Assert evaluates to false.",
           0x11: "Arithmetic operation results in underflow or overflow.", 0x12: "Division by zero.",
           0x21: "Cannot convert value into an enum type.", 0x22: "Storage byte array is incorrectly encoded.",
           0x31: "Call to 'pop()' on an empty array.", 0x32: "Array index is out of bounds.",
           0x41: "Allocation of too much memory or array too large.",
           0x51: "Call to a zero-initialized variable of internal function type."}

Hint = Callable[[str], str]


def revert_reason(result: CallResult) -> str:
    """Why a call failed, as the tunnel reports it: the ``Error(string)`` text, a panic, a custom error's data."""
    out = result.output
    if not result.is_revert and not out:
        return result.error or "execution failed"  # out of gas, a VM error: not a revert
    if out[:4] == _ERROR_STRING and len(out) >= 68:
        try:
            return str(decode(["string"], out[4:])[0]) or "reverted without a reason"
        except Exception:  # noqa: BLE001 - a malformed Error(string) is reported as data, below
            pass
    if out[:4] == _PANIC and len(out) == 36:
        code = int.from_bytes(out[4:], "big")
        return f"Panic error 0x{code:02x}: {_PANICS.get(code, 'Unknown panic error code.')}"
    if len(out) >= 4:
        return "0x" + out.hex()  # a custom error: its selector and arguments
    return "reverted without a reason"


class ContractCalls:
    """Calling helpers shared by the tunnel's flows (``self.host`` is the devchain)."""

    host: TunnelHost

    @staticmethod
    def _checksum(account: Any) -> str:
        if not isinstance(account, (str, bytes)) or not is_address(account):
            raise TunnelValueError(f"an EVM account address, got {account!r}")
        return to_checksum_address(account)

    def _can_sign(self, account: str) -> bool:
        a = to_address(account)
        return self.host.key_for(a) is not None or self.host.is_impersonated(a)

    def _signer(self, account: Any) -> str:
        a = self._checksum(account)
        if not self._can_sign(a):
            raise TunnelValueError(f"the devchain cannot send from {a}: not a dev account and not impersonated "
                                   f"(dev.impersonate(address))")
        return a

    def _sender(self, sender: str | None) -> str:
        """``sender``, checked; by default the operator's account (it confirms deposits and proves payouts)."""
        return str(operator_account(self.host.btc)) if sender is None else self._signer(sender)

    def _check_ready(self) -> None:
        """The contracts read Bitcoin through hBK: refuse clearly when this devchain's hBK cannot serve them."""
        profile = self.host.config.hvm_profile
        if profile != "deployed":
            raise TunnelError(f"the tunnel reads Bitcoin through hBK's deployed ABI, which the kit predeployed under "
                              f"hvm_profile={profile!r} does not answer (create the devchain with "
                              f"hvm_profile='deployed')")
        if not self.host.engine.state(self.host.engine.head_number).get_code(to_address(BITCOIN_KIT_ADDRESS)):
            raise TunnelError(f"the tunnel reads Bitcoin through hBK, and there is no code at {BITCOIN_KIT_ADDRESS} "
                              f"(the devchain was created with predeploy_bitcoin_kit=False)")

    def _bury(self, height: int) -> None:
        """Mine Bitcoin until a tx at ``height`` has the confirmations hBK needs once indexed, then sync the view."""
        btc = self.host.btc
        target = height + max(MIN_BITCOIN_CONFIRMATIONS - 1, self.host.config.hvm_indexer_lag)
        if btc.height < target:
            btc.mine(target - btc.height)
        self.host.sync_btc()

    # ------------------------------------------------------------------ calls (eth_call at the latest block)

    def _unsigned(self, sender: bytes, to: str, data: bytes, *, gas: int, max_fee: int) -> Any:
        engine = self.host.engine
        return engine.build_unsigned(nonce=engine.state().get_nonce(sender), gas=gas, to=to_address(to), value=0,
                                     data=data, max_fee=max_fee, max_priority_fee=0)

    def _run(self, contract: TunnelContract, data: bytes, sender: str | None) -> CallResult:
        """Run ``data`` against ``contract`` in the latest block's context, for free (base fee 0, as eth_call)."""
        engine = self.host.engine
        frm = to_address(sender) if sender is not None else bytes(20)  # web3 calls from the zero address
        tx = self._unsigned(frm, contract.address, data, gas=engine.pending_header.gas_limit, max_fee=0)
        return engine.call(tx, frm, engine.head_number)

    def _read(self, contract: TunnelContract, function: str, *args: Any, sender: str | None = None) -> Any:
        """``function(*args)`` of ``contract`` as a view call; its decoded result."""
        result = self._run(contract, contract.encode(function, *args), sender)
        if not result.success:
            raise TunnelRevert(function, revert_reason(result), "")
        return contract.decode(function, len(args), result.output)

    def _reason_now(self, contract: TunnelContract, data: bytes, sender: str) -> str:
        """The revert reason of the call in the latest block's context, or "" if it would not revert."""
        result = self._run(contract, data, sender)
        return "" if result.success else revert_reason(result)

    def _preflight(self, function: str, contract: TunnelContract, args: list[Any], sender: str,
                   hint: Hint | None = None) -> None:
        """Run the call first: a revert becomes TunnelRevert and nothing is sent."""
        reason = self._reason_now(contract, contract.encode(function, *args), sender)
        if reason:
            raise TunnelRevert(function, reason, hint(reason) if hint else "")

    # ------------------------------------------------------------------ transactions

    def _send(self, function: str, contract: TunnelContract, args: list[Any], sender: str) -> TxRecord:
        """Send a (preflighted) contract call from ``sender`` and return the engine's record of it, mining its
        block when automine is off. The transaction is the one ``eth_sendTransaction`` makes of the same fields."""
        host, engine = self.host, self.host.engine
        frm, data = to_address(sender), contract.encode(function, *args)
        probe = self._unsigned(frm, contract.address, data, gas=engine.pending_header.gas_limit, max_fee=0)
        try:
            estimate = engine.estimate_gas(probe, frm, engine.head_number)
        except EstimateFailed as err:
            raise TunnelRevert(function, revert_reason(err.result), "") from None
        # web3's transact() adds a 100,000 gas buffer up to the latest block's gas limit (web3 _utils/transactions.py
        # get_buffered_gas_estimate): the tunnel's transactions stay the ones it sent through web3
        gas = min(engine.head.header.gas_limit, estimate + _WEB3_GAS_BUFFER)
        tx = self._unsigned(frm, contract.address, data, gas=gas, max_fee=engine.pending_header.base_fee_per_gas * 2)
        key = host.key_for(frm)
        signed = key is not None and not host.is_impersonated(frm)
        if signed and key is not None:
            tx = engine.sign(tx, key.key, frm)
        try:  # the block's system transactions come first: a closed block keeps room for their gas
            if host.op is not None:
                host.op.admit(tx, frm)
            engine.validate(tx, frm)
        except ValueError as err:
            raise TunnelError(f"{function} from {sender} cannot be sent: {err}") from None
        tx_hash = host.include(tx, frm, signed=signed).tx.hash
        rec = self._mined(tx_hash)
        if rec is None:  # automine off: it waits in the pending block
            host.mine(1)
            rec = self._mined(tx_hash)
        if rec is None:
            raise TunnelError(f"{function} ({tx_hash.hex()}) is not in a block after mining one")
        if rec.error is not None:
            raise TunnelRevert(function, self._reason_now(contract, data, sender) or "reverted",
                               f"mined in L2 block {rec.block_number}")
        return rec

    def _mined(self, tx_hash: bytes) -> TxRecord | None:
        """The engine's record of ``tx_hash`` once it is in a sealed block (None while pending or unknown)."""
        rec = self.host.engine.tx_record(tx_hash)
        return rec if rec is not None and rec.block_number <= self.host.engine.head_number else None

    def _receipt(self, rec: TxRecord) -> AttributeDict[str, Any]:
        return web3_receipt(self.host.engine, rec)

    def _record_of_input(self, input_id: int, function: str, contract: TunnelContract, args: list[Any],
                         sender: str) -> TxRecord:
        """Mine until the sequencer has ordered forced input ``input_id`` (with automine it already is)."""
        host = self.host
        for _ in range(_L2_BLOCKS_FOR_A_FORCED_INPUT):
            h = host.sequencer.tx_of(input_id)
            rec = None if h is None else self._mined(h)
            if rec is not None:
                if rec.error is not None:
                    raise TunnelRevert(function, self._reason_now(contract, contract.encode(function, *args), sender)
                                       or "reverted",
                                       f"ordered in L2 block {rec.block_number}, which saw a different view")
                return rec
            dropped = [why for item, why in host.sequencer.dropped if item.id == input_id]
            if dropped:
                raise TunnelError(f"the sequencer refused {function}: {dropped[0]}")
            host.mine(1)
        why = [why for item, why in host.sequencer.waiting() if item.id == input_id]
        raise TunnelError(f"{function} was not ordered: {why[0] if why else 'unknown input'}")
