"""Checks of JSON-RPC params that the method bodies would otherwise read loosely, run before the method.

``EthApi.request`` calls :func:`check` first; a failure is -32602 (invalid params) and nothing runs. The cases are
those where a loose reading gives a silent wrong answer or a broken chain later, not an error now:

- a boolean given as a string: ``evm_setAutomine("false")`` would switch automine *on* (``"false"`` is truthy);
  ``eth_getBlockByNumber(n, "false")`` would return full transactions. geth and anvil refuse both;
- a timestamp past uint64 (a block header's timestamp field is 64 bits: yellow paper §4.3, Hᵢ ≤ 2⁶⁴): accepted by
  ``evm_setNextBlockTimestamp`` / ``evm_mine({"timestamp"})`` / ``evm_increaseTime`` it breaks every later block;
- malformed log topics (``eth_getLogs``, ``eth_newFilter``, a ``logs`` subscription): a topic is null, 32 bytes of
  hex, or a list of those (geth's FilterCriteria, at most 4 positions); a malformed one matched nothing, silently.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

UINT64_MAX = 2**64 - 1
MAX_TOPICS = 4  # LOG0..LOG4


class InvalidParams(ValueError):
    """Raised by a check; ``EthApi.request`` turns it into RPCError(-32602)."""


def _bool(value: Any, name: str) -> None:
    if not isinstance(value, bool):
        raise InvalidParams(f"invalid {name}: expected a JSON boolean (true/false), got {value!r}")


def _quantity(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise InvalidParams(f"invalid {name}: expected a number, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer() and value >= 2**64:  # a JSON integer past 64 bits (parsed as
        return int(value)  # a float, as JavaScript reads it): large enough to be refused by the caller's range check
    if isinstance(value, str) and value[:2] in ("0x", "0X"):
        try:
            return int(value, 16)
        except ValueError:
            pass
    raise InvalidParams(f"invalid {name}: expected a hex quantity, got {value!r}")


def _timestamp(value: Any, name: str = "timestamp") -> None:
    t = _quantity(value, name)
    if not 0 <= t <= UINT64_MAX:
        raise InvalidParams(f"invalid {name}: {t} does not fit a block timestamp (uint64)")


def _topic(value: Any, where: str) -> None:
    if value is None:
        return
    if not isinstance(value, str) or value[:2] not in ("0x", "0X") or len(value) != 66:
        raise InvalidParams(f"invalid topic {where}: expected null or 32 bytes of 0x-hex, got {value!r}")
    try:
        bytes.fromhex(value[2:])
    except ValueError:
        raise InvalidParams(f"invalid topic {where}: not hex: {value!r}") from None


def check_filter(flt: Any) -> None:
    """A log filter's topics (the rest is checked by the method)."""
    if not isinstance(flt, dict):
        return
    topics = flt.get("topics")
    if topics is None:
        return
    if not isinstance(topics, list):
        raise InvalidParams(f"invalid topics: expected a list, got {topics!r}")
    if len(topics) > MAX_TOPICS:
        raise InvalidParams(f"invalid topics: at most {MAX_TOPICS} positions, got {len(topics)}")
    for i, t in enumerate(topics):
        if isinstance(t, list):
            for j, alt in enumerate(t):
                _topic(alt, f"[{i}][{j}]")
        else:
            _topic(t, f"[{i}]")


def _automine(api: Any, params: list) -> None:
    if params:
        _bool(params[0], "automine flag")


def _full_txs(api: Any, params: list) -> None:
    if len(params) > 1 and params[1] is not None:
        _bool(params[1], "full-transactions flag")


def _next_timestamp(api: Any, params: list) -> None:
    if params:
        _timestamp(params[0])


def _mine(api: Any, params: list) -> None:
    if params and isinstance(params[0], dict) and params[0].get("timestamp") is not None:
        _timestamp(params[0]["timestamp"])
    elif len(params) == 1 and isinstance(params[0], str) and params[0][:2] == "0x":
        _timestamp(params[0], "timestamp or block count")


def _increase_time(api: Any, params: list) -> None:
    if params:
        seconds = _quantity(params[0], "seconds")
        if seconds >= 0 and api.dev.next_timestamp + seconds > UINT64_MAX:
            raise InvalidParams(f"invalid seconds: {seconds} would move the next block's timestamp past uint64")


def _logs(api: Any, params: list) -> None:
    if params:
        check_filter(params[0])


CHECKS: dict[str, Callable[[Any, list], None]] = {
    "evm_setAutomine": _automine, "anvil_setAutomine": _automine,
    "eth_getBlockByNumber": _full_txs, "eth_getBlockByHash": _full_txs,
    "evm_setNextBlockTimestamp": _next_timestamp, "anvil_setNextBlockTimestamp": _next_timestamp,
    "evm_mine": _mine, "evm_increaseTime": _increase_time, "anvil_increaseTime": _increase_time,
    "eth_getLogs": _logs, "eth_newFilter": _logs,
}


def check(api: Any, name: str, params: Any) -> None:
    """Run the check of ``name`` (if it has one) over ``params`` for ``api`` (an EthApi); raises
    :class:`InvalidParams`."""
    fn = CHECKS.get(name)
    if fn is not None and isinstance(params, (list, tuple)):
        fn(api, list(params))
