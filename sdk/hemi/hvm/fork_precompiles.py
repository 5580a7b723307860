"""Fork mode's hVM precompiles: 0x40–0x49 answered by the remote node at the fork block.

The Bitcoin view lives in the remote Hemi node, not in its EVM state, so a fork cannot rebuild it from storage reads.
Instead each call's input is sent unchanged as an ``eth_call`` to the same precompile address on the remote (the
CALL's return data there is exactly the precompile's output), and the answer is cached by input in
:mod:`hemi.node.fork.remote`. The gas charged is the local fixed gas of the precompile, as op-geth charges a fixed
amount per hVM precompile whatever its input (hemilabs/op-geth core/vm/contracts.go, ``RequiredGas``).

Unlike a precompile registered through :meth:`~hemi.hvm.registry.PrecompileRegistry.register`, a transport failure
here is not turned into an empty success: it propagates out of the EVM as :class:`~hemi.errors.ForkRemoteFailed`,
so a remote that went away never answers a contract with made-up empty bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hemi.hvm.engine import PrecompileBurn
from hemi.hvm.precompiles import HVM_PRECOMPILES
from hemi.hvm.registry import PrecompileRegistry, to_address

RemoteCall = Callable[[bytes, bytes], tuple[bool, bytes]]  # (precompile address, input) -> (succeeded, output)


class _Unused:
    """The registry entry's callable (never run: the table slot is replaced); it says where the answer comes from."""

    def __init__(self, address: bytes) -> None:
        self.address = address

    def __call__(self, data: bytes) -> bytes:
        raise RuntimeError(f"0x{self.address.hex()} is forwarded to the fork's remote")


def mount_forwarded(registry: PrecompileRegistry, remote_call: RemoteCall) -> None:
    """Replace 0x40–0x49 of ``registry`` by forwarders to ``remote_call`` (each keeps its entry, name and gas)."""
    for number, info in HVM_PRECOMPILES.items():
        address = to_address(number)
        registry.register(address, _Unused(address), gas=info.gas, name=f"{info.name} (forked)", force=True)
        registry.table[address] = _forwarder(address, info.name, info.gas, remote_call)


def _forwarder(address: bytes, name: str, gas: int, remote_call: RemoteCall) -> Callable[[Any], Any]:
    def run(computation: Any) -> Any:
        computation.consume_gas(gas, reason=name)
        ok, out = remote_call(address, computation.msg.data_as_bytes)
        if not ok:  # the CALL failed on the remote: op-geth's raw error, all gas given to it burned
            raise PrecompileBurn(f"{name}: the remote's precompile failed")
        computation.output = out
        return computation

    run.__name__ = f"forwarded_{name}"
    return run
