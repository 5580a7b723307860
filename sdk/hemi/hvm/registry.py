"""Each devchain's own precompile registry (titanoboa's idea, minus the module global).

``register(address, fn, *, gas, force=False)`` mounts ``fn`` at ``address`` with a fixed gas cost. ``fn`` takes the
call's input bytes (and, if it accepts a second argument, a :class:`PrecompileContext`) and returns the output bytes.
A precompile never raises out of the EVM: raising :class:`PrecompileFailure` makes the CALL fail with all its gas
burned (op-geth's "raw error"); any other exception is the empty-success outcome and is logged, as op-geth recovers
panics inside hVM precompiles (hemilabs/op-geth core/vm/hvm_precompile_recover_test.go).
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from hemi.errors import HemiValueError
from hemi.hvm.forks import DEFAULT_FORK, fork_precompiles
from hemi.hvm.precompiles import PrecompileFailure  # one class for hVM and user precompiles
from hemi.hvm.vm import PrecompileBurn

log = logging.getLogger("hemi.hvm.precompiles")

AddressLike = int | str | bytes


@dataclass(frozen=True)
class PrecompileContext:
    """What a precompile may know about the call: the L2 block whose view it runs under."""

    block_number: int
    registry: PrecompileRegistry


@dataclass(frozen=True)
class Precompile:
    address: bytes
    name: str
    gas: int
    fn: Callable[..., bytes]
    wants_context: bool


def to_address(address: AddressLike) -> bytes:
    if isinstance(address, int) and not isinstance(address, bool):
        if not 0 < address < 2**160:
            raise HemiValueError(f"precompile address out of range: {address}")
        return address.to_bytes(20, "big")
    if isinstance(address, str):
        s = address[2:] if address[:2] in ("0x", "0X") else address
        if len(s) != 40 and not 0 < len(s) <= 4:  # 40 hex digits, or a precompile's number ("0x40", "0x100"): a
            raise HemiValueError(f"not an address: {address!r} (40 hex digits)")  # typo'd address is not padded
        try:
            raw = bytes.fromhex(s.rjust(40, "0"))
        except ValueError:
            raise HemiValueError(f"not an address: {address!r}") from None
        if len(raw) != 20:
            raise HemiValueError(f"not an address: {address!r}")
        return raw
    if isinstance(address, (bytes, bytearray)) and len(address) == 20:
        return bytes(address)
    raise HemiValueError(f"not an address: {address!r}")


class PrecompileRegistry:
    """The precompiles of one devchain. ``table`` is the live dict py-evm reads, so changes apply at once."""

    def __init__(self, fork: str = DEFAULT_FORK) -> None:
        self.fork = fork
        self._base = fork_precompiles(fork)  # Ethereum's (and on Prague, P256VERIFY at 0x100)
        self.table: dict[bytes, Callable[[Any], Any]] = dict(self._base)
        self._ethereum = frozenset(self.table)
        self._entries: dict[bytes, Precompile] = {}

    def register(self, address: AddressLike, fn: Callable[..., bytes], *, gas: int, force: bool = False,
                 name: str | None = None) -> Precompile:
        addr = to_address(address)
        if isinstance(gas, bool) or not isinstance(gas, int) or gas < 0:
            raise HemiValueError(f"gas is a non-negative int, got {gas!r}")
        if not callable(fn):
            raise HemiValueError("a precompile is a callable: fn(data: bytes[, ctx]) -> bytes")
        if (addr in self._entries or addr in self._ethereum) and not force:
            raise HemiValueError(f"0x{addr.hex()} already has a precompile; pass force=True to replace it")
        try:
            params = [p for p in inspect.signature(fn).parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
            wants_context = len(params) >= 2
        except (TypeError, ValueError):
            wants_context = False
        entry = Precompile(addr, str(name or getattr(fn, "__name__", "precompile")), gas, fn, wants_context)
        self._entries[addr] = entry
        self.table[addr] = self._mount(entry)
        return entry

    def unregister(self, address: AddressLike) -> None:
        addr = to_address(address)
        if addr not in self._entries:
            raise HemiValueError(f"no registered precompile at 0x{addr.hex()}")
        del self._entries[addr]
        if addr in self._ethereum:
            self.table[addr] = self._base[addr]
        else:
            del self.table[addr]

    def __contains__(self, address: AddressLike) -> bool:
        return to_address(address) in self._entries

    def __iter__(self) -> Iterator[Precompile]:
        return iter(sorted(self._entries.values(), key=lambda e: e.address))

    def get(self, address: AddressLike) -> Precompile | None:
        return self._entries.get(to_address(address))

    # saving and loading (pickle): py-evm's table holds closures, so the entries are saved and mounted again

    def __getstate__(self) -> dict:
        return {"entries": list(self._entries.values()), "fork": self.fork}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state.get("fork", "cancun"))  # type: ignore[misc]
        for entry in state["entries"]:
            self._entries[entry.address] = entry
            self.table[entry.address] = self._mount(entry)

    def _mount(self, entry: Precompile) -> Callable[[Any], Any]:
        registry = self

        def run(computation: Any) -> Any:
            computation.consume_gas(entry.gas, reason=entry.name)  # fixed cost, whatever the input length
            data = computation.msg.data_as_bytes
            try:
                if entry.wants_context:
                    out = entry.fn(data, PrecompileContext(computation.state.block_number, registry))
                else:
                    out = entry.fn(data)
                out = bytes(out or b"")
            except PrecompileFailure as err:
                raise PrecompileBurn(f"{entry.name}: {err}") from None
            except Exception:  # noqa: BLE001 - the empty-success outcome, logged (op-geth recovers panics)
                log.exception("precompile %s at 0x%s raised; answering empty success", entry.name,
                              entry.address.hex())
                out = b""
            computation.output = out
            return computation

        run.__name__ = f"precompile_{entry.name}"
        return run
