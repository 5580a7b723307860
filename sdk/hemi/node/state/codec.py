"""The container of a devchain state (format 2) and the small helpers every part's codec uses.

A state is ``MAGIC`` (one ASCII line), a two-byte big-endian format version, then a gzip stream of one JSON object
holding only plain values: strings, integers, booleans, null, lists and objects; bytes are lowercase hex strings.
Nothing in it names a Python class or function, and nothing read from it is ever called or imported: each part of
the devchain reads its own fields and rebuilds itself (see the sibling modules), so a crafted state can at worst be
refused. Decompression is streamed with a cap on the decompressed size, checked before anything is kept in memory,
and on the compression ratio once past 16 MiB, so a gzip bomb is refused after inflating 16 MiB, holding one
chunk at a time.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Literal, overload

from hemi.errors import HemiError, StateFileError

MAGIC = b"hemi-sdk devchain state\n"
# 1 was a pickle (hemi-sdk 0.1): refused, since loading one could run code; 3 added OP-stack blocks; 4 the state
# "latest" reads while transactions are pending; 5 the pending block's journal; 6 the Bitcoin blocks the hVM indexer
# stands on that the Bitcoin chain forgot
FORMAT_VERSION = 6
FORMAT_NAME = "hemi-sdk devchain state"
DEFAULT_MAX_SIZE = 512 * 1024 * 1024  # decompressed bytes; a devchain of ~100k busy blocks stays under it
MAX_RATIO = 100  # decompressed / compressed, checked once past _RATIO_AFTER bytes: a bomb is refused after that
_RATIO_AFTER = 16 * 1024 * 1024
MAX_DEPTH = 32  # JSON nesting; a state nests about 7 levels
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_CHUNK = 1 << 20  # output bytes per inflate step
_PIECE = 1 << 16  # input bytes per inflate step
_GZIP = 16 + zlib.MAX_WBITS  # wbits for a gzip (not raw zlib) stream


def encode(doc: dict) -> bytes:
    """MAGIC + version + gzip(JSON of ``doc``). Same state, same bytes: the gzip header carries no time or name."""
    text = json.dumps(doc, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode()
    comp = zlib.compressobj(6, zlib.DEFLATED, _GZIP)  # level 6: ~2x smaller than 1 on hex text, still < 0.1 s
    return MAGIC + FORMAT_VERSION.to_bytes(2, "big") + comp.compress(text) + comp.flush()


def decode(data: bytes, *, source: str, max_size: int = DEFAULT_MAX_SIZE) -> dict:
    """The JSON document of a state; :class:`StateFileError` naming ``source`` for anything else."""
    data = bytes(data)
    if not data.startswith(MAGIC):
        raise StateFileError(f"{source} is not a hemi-sdk devchain state file (it does not start with the state magic)")
    if len(data) < len(MAGIC) + 2:
        raise StateFileError(f"{source} is truncated (no format version)")
    version = int.from_bytes(data[len(MAGIC):len(MAGIC) + 2], "big")
    if version == 1:
        raise StateFileError(f"{source} has state format 1 (a Python pickle, written by hemi-sdk 0.1), which is not "
                             f"loaded because loading a pickle can run code; this hemi-sdk reads and writes format "
                             f"{FORMAT_VERSION} (data only): make the devchain again and save it")
    if version != FORMAT_VERSION:
        raise StateFileError(f"{source} has state format {version}; this hemi-sdk reads format {FORMAT_VERSION}"
                             + (" (it was written by a newer hemi-sdk)" if version > FORMAT_VERSION else
                                " (an older development format: make the devchain again and save it)"))
    body = memoryview(data)[len(MAGIC) + 2:]
    _measure(body, source=source, max_size=max_size)  # bounded memory: nothing is kept until the size is known
    text = zlib.decompress(body, _GZIP)
    if _too_deep(text):
        raise StateFileError(f"{source} is damaged: its JSON nests deeper than {MAX_DEPTH} levels or its brackets "
                             f"do not balance")
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as err:
        raise StateFileError(f"{source} is damaged: its content is not JSON ({err})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT_NAME or doc.get("version") != FORMAT_VERSION:
        raise StateFileError(f"{source} is damaged: its document does not say it is a {FORMAT_NAME} of format "
                             f"{FORMAT_VERSION}")
    return doc


def _measure(body: memoryview, *, source: str, max_size: int) -> int:
    """Inflate ``body`` piece by piece, discarding the output, to check it is one complete gzip stream whose
    decompressed size is at most ``max_size`` and whose compression ratio is that of a state, not of a bomb."""
    d = zlib.decompressobj(_GZIP)
    total = start = 0
    try:
        for start in range(0, len(body), _PIECE):  # small input pieces: the unconsumed tail stays small to copy
            pending: Any = body[start:start + _PIECE]
            while pending:
                out = d.decompress(pending, _CHUNK)
                pending = d.unconsumed_tail
                total += len(out)
                if total > max_size:
                    raise StateFileError(f"{source} decompresses to more than {max_size} bytes (the limit): refused "
                                         f"(a damaged file or a compression bomb; pass max_size to load a larger "
                                         f"state)")
                if total > _RATIO_AFTER and total > MAX_RATIO * (start + _PIECE - len(pending)):
                    raise StateFileError(f"{source} decompresses more than {MAX_RATIO} times its size: refused as a "
                                         f"compression bomb (a state's JSON compresses about 5 times)")
                if d.eof:
                    break
            if d.eof:
                break
        while not d.eof and (out := d.decompress(b"", _CHUNK)):  # output still buffered in the inflater
            total += len(out)
            if total > max_size:
                raise StateFileError(f"{source} decompresses to more than {max_size} bytes (the limit): refused")
    except zlib.error as err:
        raise StateFileError(f"{source} is damaged: its compressed body is not a valid gzip stream ({err})") from None
    if not d.eof:
        raise StateFileError(f"{source} is truncated: its gzip stream ends early")
    if d.unused_data or start + _PIECE < len(body):
        raise StateFileError(f"{source} is damaged: bytes follow the gzip stream")
    return total


def _too_deep(text: bytes) -> bool:
    """Whether JSON ``text`` nests deeper than MAX_DEPTH. Checked before parsing, because the JSON parser recurses
    in C and py-evm raises Python's recursion limit to 100,000 on import: a deep enough file would crash the process
    rather than raise. Innermost bracket pairs are removed once per level; brackets inside strings count only if
    that first pass (fast, done in C) is not conclusive, then strings are blanked out and it runs again."""

    def deep(brackets: bytes) -> bool:
        for _ in range(MAX_DEPTH):
            if not brackets:
                return False
            brackets = brackets.replace(b"[]", b"").replace(b"{}", b"")
        return bool(brackets)

    return deep(text.translate(None, _NOT_BRACKETS)) and deep(_STRING.sub(b"", text).translate(None, _NOT_BRACKETS))


# ---------------------------------------------------------------------------------------------- helpers for parts


@overload
def hx(b: bytes) -> str: ...
@overload
def hx(b: bytes | None) -> str | None: ...
def hx(b: bytes | None) -> str | None:
    return None if b is None else bytes(b).hex()


@overload
def unhx(s: Any, *, size: int | None = None, optional: Literal[False] = False) -> bytes: ...
@overload
def unhx(s: Any, *, size: int | None = None, optional: bool) -> bytes | None: ...
def unhx(s: Any, *, size: int | None = None, optional: bool = False) -> bytes | None:
    if s is None and optional:
        return None
    if not isinstance(s, str):
        raise ValueError(f"expected a hex string, got {type(s).__name__}")
    b = bytes.fromhex(s)
    if size is not None and len(b) != size:
        raise ValueError(f"expected {size} bytes, got {len(b)}")
    return b


@overload
def num(v: Any, *, optional: Literal[False] = False) -> int: ...
@overload
def num(v: Any, *, optional: bool) -> int | None: ...
def num(v: Any, *, optional: bool = False) -> int | None:
    if v is None and optional:
        return None
    if isinstance(v, bool) or not isinstance(v, int):
        raise ValueError(f"expected an integer, got {v!r:.40}")
    return v


@overload
def text(v: Any, *, optional: Literal[False] = False) -> str: ...
@overload
def text(v: Any, *, optional: bool) -> str | None: ...
def text(v: Any, *, optional: bool = False) -> str | None:
    if v is None and optional:
        return None
    if not isinstance(v, str):
        raise ValueError(f"expected a string, got {v!r:.40}")
    return v


def flag(v: Any) -> bool:
    if not isinstance(v, bool):
        raise ValueError(f"expected true or false, got {v!r:.40}")
    return v


def seq(v: Any, n: int | None = None) -> list[Any]:
    if not isinstance(v, list):
        raise ValueError(f"expected a list, got {type(v).__name__}")
    if n is not None and len(v) != n:
        raise ValueError(f"expected a list of {n} items, got {len(v)}")
    return v


def fields(d: Any, names: Iterable[str]) -> tuple[Any, ...]:
    """The values of exactly ``names`` in object ``d`` (a missing or an unknown key is an error: a part that gained
    or lost a field must not load half-filled)."""
    names = tuple(names)
    if not isinstance(d, dict):
        raise ValueError(f"expected an object, got {type(d).__name__}")
    if set(d) != set(names):
        extra, missing = sorted(set(d) - set(names)), sorted(set(names) - set(d))
        raise ValueError(f"fields differ from this format's: unknown {extra}, missing {missing}")
    return tuple(d[n] for n in names)


def check_fields(obj: Any, known: Iterable[str], part: str) -> None:
    """Refuse to save ``obj`` if its attributes are not exactly ``known``: a part that gained state this format does
    not save must fail loudly, never produce a state that silently loads without it."""
    have = set(vars(obj)) if hasattr(obj, "__dict__") else {s for s in type(obj).__slots__ if hasattr(obj, s)}
    known = set(known)
    if have != known:
        raise StateFileError(f"cannot save part {part!r}: {type(obj).__name__} has attributes the state format does "
                             f"not know {sorted(have - known)} or lacks {sorted(known - have)}; "
                             f"hemi.node.state must be taught them (and FORMAT_VERSION raised)")


@contextmanager
def reading(part: str, source: str) -> Iterator[None]:
    """Turn any failure while rebuilding ``part`` from data into a StateFileError naming the part."""
    try:
        yield
    except StateFileError:
        raise
    except (HemiError, ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError, RecursionError,
            AssertionError) as err:
        raise StateFileError(f"{source}: part {part!r} of the state is damaged or from another hemi-sdk: "
                             f"{type(err).__name__}: {err}") from None
    except Exception as err:  # noqa: BLE001 - decoders (rlp, python-bitcoinlib) raise their own error types
        raise StateFileError(f"{source}: part {part!r} of the state is damaged: {type(err).__name__}: {err}") \
            from None
