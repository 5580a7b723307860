"""Parsing JSON that comes from the network: one parser for every request body and every JSON text inside params.

The server's bodies (HTTP, WebSocket messages, the Bitcoin RPC port) and JSON strings inside params (the typed data
of ``eth_signTypedData_v4``, as MetaMask sends it) all go through :func:`loads`, so one rule holds everywhere:

- UTF-8 only (RFC 8259 §8.1: JSON exchanged between systems that are not part of a closed ecosystem MUST be UTF-8);
  a UTF-16/32 body, a byte-order mark, invalid UTF-8 or a lone surrogate escape is a parse error;
- nesting is bounded: orjson refuses more than 1024 nested arrays/objects with an error (a fixed limit in its Rust
  parser, independent of Python's recursion limit). This matters here: py-evm and py_ecc raise Python's recursion
  limit to 100,000 at import, so the standard library's C parser would overflow the thread's stack (a segfault of
  the whole server) on a body of ``[[[[...`` long before any ``RecursionError``;
- no regular expression ever runs over a body (a backtracking pattern over 40 KB froze the old server for seconds).

Numbers: integers within 64 bits are exact ``int``; larger integers and fractions become ``float`` (as in
JavaScript, which every Ethereum client library is written for: Ethereum quantities travel as hex strings, and a
float is refused wherever a quantity is expected). ``loads(..., decimals=True)`` keeps numbers exact instead
(fractions as :class:`~decimal.Decimal`, big integers as ``int``), for Bitcoin amounts: the text is first checked by
orjson (depth, encoding, syntax), then read by the standard parser with ``parse_float=Decimal`` — safe now that the
depth is known to be at most 1024.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import orjson

from hemi.errors import HemiValueError

MAX_DEPTH = 1024  # orjson's fixed nesting limit (checked by tests/security)


class JSONParseError(HemiValueError):
    """A text is not one JSON value in UTF-8, or nests deeper than :data:`MAX_DEPTH`."""


def loads(text: bytes | bytearray | memoryview | str, *, decimals: bool = False) -> Any:
    """Parse one JSON value from network input; raises :class:`JSONParseError` with the reason."""
    if isinstance(text, str):
        try:
            text = text.encode("utf-8")  # a str holding a lone surrogate cannot be encoded: not valid Unicode
        except UnicodeEncodeError as err:
            raise JSONParseError(f"not valid Unicode: {err.reason}") from None
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as err:
        raise JSONParseError(_reason(err)) from None
    if decimals:  # re-read exactly (the depth is known to be at most 1024 now)
        return json.loads(bytes(text), parse_float=Decimal)
    return value


def _reason(err: orjson.JSONDecodeError) -> str:
    msg = str(err)
    if "recursion" in msg or "depth" in msg:
        return f"JSON nested deeper than {MAX_DEPTH} levels"
    return msg
