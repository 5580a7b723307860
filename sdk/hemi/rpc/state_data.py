"""State over JSON-RPC, as anvil does it: the state travels as data, never as a file name.

- ``anvil_dumpState()`` / ``hemi_dumpState()``: the devchain's state (docs/state-files.md) as a 0x-hex string.
- ``anvil_loadState(hex)`` / ``hemi_loadState(hex)``: replace the running devchain's state with it; returns true.
- ``anvil_reset()`` / ``hardhat_reset()``: back to the state a new devchain of the same configuration starts in.

anvil's ``anvil_dumpState`` returns the hex of its gzip'd JSON state and ``anvil_loadState`` takes it back
(foundry-rs/foundry crates/anvil/src/eth/api.rs, ``anvil_dump_state`` / ``anvil_load_state``); ours have the same
shape with hemi-sdk's own format. anvil's dump takes an optional ``preserve_historical_states`` flag, accepted
and moot here (every historical state is kept); anvil's load merges accounts into its state, ours replaces the whole
devchain (both chains must stay consistent with each other). No method takes a filesystem path: a server must not
write or read files a caller names (only ``hemi devchain --state FILE``, chosen by whoever starts it, names a file).
Any argument but that flag to a dump (the old ``hemi_dumpState(path)`` form), or a load argument that is not 0x-hex,
is refused with -32602 saying the method takes data; a state that is damaged, foreign, too large or from another
configuration is refused with -32602 naming the reason, and the devchain is then unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from hemi.errors import HemiValueError, StateFileError
from hemi.rpc.context import RpcContext
from hemi.rpc.errors import RPCError
from hemi.rpc.params import Handler


def dump_state(api: RpcContext, *params: Any) -> str:
    # anvil takes an optional `preserve_historical_states` flag; ours always keeps every historical state
    if params and (len(params) > 1 or not isinstance(params[0], (bool, type(None)))):
        raise RPCError(-32602, "anvil_dumpState/hemi_dumpState take no parameters and write no file: they return "
                               "the state as data (0x-hex), which anvil_loadState takes back; name a file with "
                               "`hemi devchain --state FILE`")
    try:
        data: bytes = api.dev.dump_state_data()
        return "0x" + data.hex()
    except StateFileError as err:
        raise RPCError(-32000, str(err)) from None


def load_state(api: RpcContext, *params: Any) -> bool:
    if len(params) != 1 or not isinstance(params[0], str) or params[0][:2] not in ("0x", "0X"):
        raise RPCError(-32602, "anvil_loadState/hemi_loadState take one parameter, the state as data (the 0x-hex "
                               "string anvil_dumpState returns), not a path")
    try:
        data = bytes.fromhex(params[0][2:])
    except ValueError:
        raise RPCError(-32602, "the state is not valid hex (it is the 0x-hex string anvil_dumpState returns, "
                               "not a path)") from None
    automine = api.dev.automine  # the mining mode is this run's (hemi devchain --block-time), not the state's
    try:
        api.dev.replace_state(data, source="the state given to anvil_loadState")
    except StateFileError as err:
        raise RPCError(-32602, str(err)) from None
    finally:
        api.dev.automine = automine
    api.forget_state()  # the RPC caches name blocks and snapshots of the state that was replaced
    return True


def reset(api: RpcContext, *params: Any) -> None:
    """anvil_reset (answers null, as anvil) / hardhat_reset (true, as Hardhat): the devchain as a new one of its
    configuration starts. Their forking object (start or move a fork) is refused: a devchain forks when it starts
    (``hemi devchain --fork-url``)."""
    if len(params) > 1 or (params and params[0] not in (None, {}) and
                           not (isinstance(params[0], dict) and params[0].get("forking") is None)):
        raise RPCError(-32602, "a reset here takes no forking parameters: a devchain forks when it starts "
                               "(hemi devchain --fork-url URL)")
    automine = api.dev.automine  # as anvil, a reset keeps the run's mining mode (interval mining stays on)
    try:
        api.dev.reset()
    except HemiValueError as err:
        raise RPCError(-32602, str(err)) from None
    finally:
        api.dev.automine = automine
    api.forget_state()
    return None


def hardhat_reset(api: RpcContext, *params: Any) -> bool:
    reset(api, *params)
    return True


METHODS: Mapping[str, Handler] = MappingProxyType({
    "anvil_reset": reset, "hardhat_reset": hardhat_reset,
    "anvil_dumpState": dump_state, "hemi_dumpState": dump_state,
    "anvil_loadState": load_state, "hemi_loadState": load_state,
})
