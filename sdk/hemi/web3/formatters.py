"""web3.py's request formatting for ``dev.w3``: the same params, without the generic machinery for flat dicts.

Before any request reaches a provider, web3.py formats its params: a transaction dict (``eth_call``,
``eth_estimateGas``, ``eth_sendTransaction``, ...) goes through ``apply_abi_formatters_to_dict``, which builds a
tree of typed values and maps each of web3's normalizers over it (``web3/_utils/rpc_abi.py``, ``map_abi_data``).
For the flat dicts these requests carry, that machinery cost a fifth of an in-process ``eth_call``. Here, a dict
whose ABI-typed fields all hold plain values (strings, integers, bytes, None) gets the same normalizers called on each
field in the same order with the same canonical type string (``uint`` as ``uint256``): the answer web3's own path
gives (tests/web3/test_formatters.py compares the two on many shapes, bad values included). Anything else goes
through web3's own formatter. Every other formatter of the request is web3's own, composed as web3 composes them.

:class:`DevchainEth` is web3's ``Eth`` module with its methods using these formatters; :func:`hemi.web3.provider
.make_web3` builds ``dev.w3`` with it. Requests over HTTP from any client are unaffected.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from eth_abi.grammar import parse
from eth_utils.curried import apply_formatter_at_index
from eth_utils.toolz import compose
from web3._utils.method_formatters import (
    ABI_REQUEST_FORMATTERS,
    METHOD_NORMALIZERS,
    PYTHONIC_REQUEST_FORMATTERS,
    STANDARD_NORMALIZERS,
    combine_formatters,
)
from web3._utils.rpc_abi import RPC_ABIS, apply_abi_formatters_to_dict
from web3.eth import Eth
from web3.method import Method
from web3.types import RPCEndpoint

_PLAIN = (str, int, bytes, bytearray, type(None))  # bool is an int; HexBytes is bytes
_ADDRESSES_MAX = 4096
_addresses: dict[tuple[type, str], Any] = {}  # (type, address string) -> what the normalizers make of it


def _normalized(type_str: str, value: Any) -> Any:
    """``value`` through web3's normalizers in order. An address string's answer is kept: checking its checksum
    (a keccak) was most of the cost, and a string's answer never changes. A value refused raises, every time."""
    key = None
    if type_str == "address" and isinstance(value, str):
        kind = type(value)  # a str subclass (dev.accounts' DevAccount) too, when it compares as a str does
        if kind is str or (kind.__hash__ is str.__hash__ and kind.__eq__ is str.__eq__):
            key = (kind, value)
            known = _addresses.get(key)
            if known is not None:
                return known
    for normalize in STANDARD_NORMALIZERS:
        type_str, value = normalize(type_str, value)
    if key is not None:
        if len(_addresses) >= _ADDRESSES_MAX:
            _addresses.clear()
        _addresses[key] = value
    return value


def flat_dict_formatter(abi: Mapping[str, str]) -> Callable[[Any], Any]:
    """web3's ``apply_abi_formatters_to_dict(STANDARD_NORMALIZERS, abi)``, direct for flat dicts (see the module
    docstring)."""
    general = apply_abi_formatters_to_dict(STANDARD_NORMALIZERS, abi)
    scalar = {field: parse(t).to_type_str() for field, t in abi.items() if not parse(t).is_array}

    def format_dict(data: Any) -> Any:
        if not isinstance(data, dict) or len(scalar) != len(abi) and any(f in data for f in abi if f not in scalar):
            return general(data)
        out = data.copy()
        for field, value in data.items():
            type_str = scalar.get(field)
            if type_str is None:
                continue
            if not isinstance(value, _PLAIN):  # nested, or a type web3 itself refuses or treats otherwise
                return general(data)
            out[field] = _normalized(type_str, value)
        return out

    return format_dict


_ABI_FORMATTERS: dict[str, Callable[[Any], Any]] = {
    method: apply_formatter_at_index(flat_dict_formatter(abi), 0) if isinstance(abi, dict)
    else ABI_REQUEST_FORMATTERS[RPCEndpoint(method)]
    for method, abi in RPC_ABIS.items()
}
_composed: dict[str, Callable[[Any], Any]] = {}


def request_formatters(method: str) -> Callable[[Any], Any]:
    """web3's ``get_request_formatters(method)`` with the flat-dict path for ABI-typed dicts."""
    fn = _composed.get(method)
    if fn is None:
        fn = _composed[method] = compose(*combine_formatters(
            (_ABI_FORMATTERS, METHOD_NORMALIZERS, PYTHONIC_REQUEST_FORMATTERS), method))
    return fn


def _devchain_methods() -> dict[str, Method[Any]]:
    """Each of ``Eth``'s methods (web3's own objects, with their mungers and result formatters), copied with
    :func:`request_formatters`."""
    methods: dict[str, Method[Any]] = {}
    for klass in Eth.__mro__:
        for name, attr in vars(klass).items():
            if isinstance(attr, Method) and name not in methods:
                mine = copy.copy(attr)
                mine.request_formatters = request_formatters  # type: ignore[assignment]
                methods[name] = mine
    return methods


DevchainEth = type("DevchainEth", (Eth,), {"__doc__": "web3's ``Eth`` whose requests are formatted by "
                                           ":func:`request_formatters`.", **_devchain_methods()})
