"""Anvil's state controls with Python names: balances, nonces, code and storage set directly, and impersonation.

A mixin of :class:`hemi.node.devchain.Devchain`: each control edits the engine's pending state (so the next block and
every call see it) or the set of impersonated senders, and nothing else.
"""

from __future__ import annotations

from eth_utils import to_checksum_address

from hemi.errors import HemiValueError
from hemi.hvm.engine import EvmEngine
from hemi.hvm.registry import to_address
from hemi.hvm.system_txs import DEPOSITOR_ACCOUNT, HVM_SYSTEM_SENDER

__all__ = ["Impersonation", "StateControls"]


class StateControls:
    """``dev.set_balance(addr, wei=...)``, ``dev.set_nonce``, ``dev.set_code``, ``dev.set_storage``,
    ``dev.impersonate(addr)``."""

    engine: EvmEngine
    _impersonated: set[bytes]

    def set_balance(self, address: str | bytes, *, wei: int) -> None:
        addr = to_address(address)
        amount = _word("wei", wei)
        self.engine.edit_state(lambda s: s.set_balance(addr, amount))

    def set_nonce(self, address: str | bytes, nonce: int) -> None:
        addr = to_address(address)
        if isinstance(nonce, bool) or not isinstance(nonce, int) or not 0 <= nonce < 2**64:
            raise HemiValueError(f"nonce must be an int in [0, 2**64), got {nonce!r}")
        if addr in (DEPOSITOR_ACCOUNT, HVM_SYSTEM_SENDER) and nonce >= 2**63:  # its nonce moves every block: near
            # 2**64 - 1 (EIP-2681's cap) a block could no longer open
            raise HemiValueError(f"0x{addr.hex()} sends the system transactions that open blocks: its nonce must "
                                 f"stay below 2**63, got {nonce}")
        self.engine.edit_state(lambda s: s.set_nonce(addr, nonce))

    def set_code(self, address: str | bytes, code: bytes | str) -> None:
        addr = to_address(address)
        if isinstance(code, str):
            try:
                raw = bytes.fromhex(code[2:] if code.startswith(("0x", "0X")) else code)
            except ValueError:
                raise HemiValueError(f"code must be bytes or a hex string, got {code[:40]!r}") from None
        elif isinstance(code, bytes | bytearray | memoryview):
            raw = bytes(code)
        else:
            raise HemiValueError(f"code must be bytes or a hex string, got {type(code).__name__}")
        self.engine.edit_state(lambda s: s.set_code(addr, raw))

    def set_storage(self, address: str | bytes, slot: int, value: int) -> None:
        addr = to_address(address)
        key, word = _word("slot", slot), _word("value", value)
        self.engine.edit_state(lambda s: s.set_storage(addr, key, word))

    def impersonate(self, address: str | bytes) -> Impersonation:
        """Let transactions from ``address`` be sent without its key; also a context manager that stops on exit."""
        addr = to_address(address)
        self._impersonated.add(addr)
        return Impersonation(self, addr)

    def stop_impersonating(self, address: str | bytes) -> None:
        self._impersonated.discard(to_address(address))

    def is_impersonated(self, address: bytes) -> bool:
        return address in self._impersonated


def _word(name: str, v: object) -> int:
    """A balance, slot or storage value: an int in [0, 2**256), else a HemiValueError naming it."""
    if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < 2**256:
        raise HemiValueError(f"{name} must be an int in [0, 2**256), got {v!r}")
    return v


class Impersonation:
    """What :meth:`StateControls.impersonate` returns: ``with dev.impersonate(addr) as sender: ...`` stops on exit."""

    def __init__(self, dev: StateControls, address: bytes) -> None:
        self.dev, self.address = dev, address

    def __enter__(self) -> str:
        return to_checksum_address(self.address)

    def __exit__(self, *exc: object) -> None:
        self.dev.stop_impersonating(self.address)
