"""How ``dev.tunnel`` sends contract calls: who may send, preflight with eth_call, receipts, revert reasons.

A mix-in of :class:`hemi.node.tunnel.Tunnel` (kept apart so that module stays small): a call that would revert is
refused before anything is sent, as :class:`~hemi.errors.TunnelRevert` with the contract's reason and a hint.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hemi.errors import TunnelError, TunnelRevert, TunnelValueError

if TYPE_CHECKING:
    from hemi.node.devchain import Devchain

_L2_BLOCKS_FOR_A_FORCED_INPUT = 3  # a ready forced input is ordered in the next block; a little slack


class ContractCalls:
    """Sending helpers shared by the tunnel's flows (``self.dev`` is the devchain)."""

    dev: Devchain

    @staticmethod
    def _checksum(account: Any) -> str:
        from eth_utils import is_address, to_checksum_address

        if not isinstance(account, (str, bytes)) or not is_address(account):
            raise TunnelValueError(f"an EVM account address, got {account!r}")
        return to_checksum_address(account)

    def _can_sign(self, account: str) -> bool:
        from hemi.hvm.registry import to_address

        a = to_address(account)
        return self.dev.key_for(a) is not None or self.dev.is_impersonated(a)

    def _signer(self, account: Any) -> str:
        a = self._checksum(account)
        if not self._can_sign(a):
            raise TunnelValueError(f"the devchain cannot send from {a}: not a dev account and not impersonated "
                                   f"(dev.impersonate(address))")
        return a

    def _preflight(self, function: str, fn, sender: str, hint=None) -> None:
        """Run the call with eth_call first: a revert becomes TunnelRevert and nothing is sent."""
        from web3.exceptions import ContractLogicError

        try:
            fn.call({"from": sender})
        except ContractLogicError as err:
            reason = _reason(err)
            raise TunnelRevert(function, reason, hint(reason) if hint else "") from None

    def _send(self, function: str, fn, sender: str):
        """Send a (preflighted) contract call and return its receipt, mining its block when automine is off."""
        from web3.exceptions import TransactionNotFound

        h = fn.transact({"from": sender})
        try:
            receipt = self.dev.w3.eth.get_transaction_receipt(h)
        except TransactionNotFound:
            self.dev.mine(1)
            receipt = self.dev.w3.eth.get_transaction_receipt(h)
        if receipt.status != 1:
            raise TunnelRevert(function, self._reason_now(fn, sender) or "reverted",
                               f"mined in L2 block {receipt.blockNumber}")
        return receipt

    def _reason_now(self, fn, sender: str) -> str:
        """The revert reason ``fn`` gives in the latest block's context, or "" if it would not revert."""
        from web3.exceptions import ContractLogicError

        try:
            fn.call({"from": sender})
        except ContractLogicError as err:
            return _reason(err)
        return ""

    def _receipt_of_input(self, input_id: int, function: str, fn, sender: str):
        """Mine until the sequencer has ordered forced input ``input_id`` (with automine it already is)."""
        dev = self.dev
        for _ in range(_L2_BLOCKS_FOR_A_FORCED_INPUT):
            h = dev.sequencer.tx_of(input_id)
            if h is not None:
                receipt = dev.w3.eth.get_transaction_receipt(h)
                if receipt.status != 1:
                    raise TunnelRevert(function, self._reason_now(fn, sender) or "reverted",
                                       f"ordered in L2 block {receipt.blockNumber}, which saw a different view")
                return receipt
            dropped = [why for item, why in dev.sequencer.dropped if item.id == input_id]
            if dropped:
                raise TunnelError(f"the sequencer refused {function}: {dropped[0]}")
            dev.mine(1)
        why = [why for item, why in dev.sequencer.waiting() if item.id == input_id]
        raise TunnelError(f"{function} was not ordered: {why[0] if why else 'unknown input'}")


def _discard():
    from web3.logs import DISCARD

    return DISCARD


def _reason(err: Exception) -> str:
    msg = getattr(err, "message", None) or str(err)
    for prefix in ("execution reverted: ", "execution reverted"):
        if msg.startswith(prefix):
            return msg[len(prefix):] or "reverted without a reason"
    return msg


