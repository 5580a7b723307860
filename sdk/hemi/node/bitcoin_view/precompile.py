"""The hVM precompiles 0x40–0x49 as one devchain mounts them: each call reads that devchain's live Bitcoin view.

:class:`HvmPrecompile` is an object rather than a closure so that a saved state can recognise it as the devchain's
own (:mod:`hemi.node.state.devchain` saves it as ``"hvm"``, not as user code).
"""

from __future__ import annotations

from typing import Any, Protocol

from hemi.hvm.precompiles import run_precompile
from hemi.hvm.registry import PrecompileFailure
from hemi.hvm.view import BitcoinReader
from hemi.node.config import DevchainConfig

__all__ = ["HvmPrecompile", "PrecompileHost"]


class PrecompileHost(Protocol):
    """What a precompile call needs from its devchain."""

    @property
    def config(self) -> DevchainConfig: ...

    def bitcoin_reader(self, number: int) -> BitcoinReader:
        """The reader calls at L2 block ``number`` see (op-geth: always the live view)."""
        ...

    def note_precompile_read(self, address: int, data: bytes) -> None:
        """Let the sequencer record the Bitcoin txid a call names, as a dependency of the running transaction."""
        ...


class HvmPrecompile:
    """Precompile ``address`` (0x40–0x49) of one devchain."""

    def __init__(self, host: PrecompileHost, address: int) -> None:
        self.host, self.address = host, address

    def __call__(self, data: bytes, ctx: Any) -> bytes:
        host = self.host
        host.note_precompile_read(self.address, data)
        ok, out = run_precompile(self.address, data, host.bitcoin_reader(ctx.block_number), host.config.hvm_profile,
                                 header_n=host.config.hvm_header_n)
        if not ok:
            raise PrecompileFailure("the hVM precompile failed (raw error: all gas burned)")
        return out
