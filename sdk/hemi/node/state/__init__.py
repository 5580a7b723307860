"""A devchain's state as data (version ``codec.FORMAT_VERSION``): what ``dev.dump_state_data()`` returns and
``load_state_data`` reads.

The document is one JSON object (inside the container of :mod:`hemi.node.state.codec`)::

    {"format": "hemi-sdk devchain state", "version": 6, "hemi_sdk": "0.1.0",
     "config": {...}, "devchain": {...}, "btc": {...}, "engine": {...}, "sequencer": {...},
     "keystones": {...}, "pop": {...}, "tunnel": {...} | null, "precompiles": [...]}

Each part has its own module saying how it is saved (``*_to_data``) and rebuilt (``*_restore``); docs/state-files.md
describes every field. Loading builds a devchain from ``config`` and restores every other part into it; a part whose
data has unknown or missing fields, or whose Python object has attributes its codec does not know, is refused with a
:class:`~hemi.errors.StateFileError` naming the part, so a change to a part cannot silently drop state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import metadata
from typing import Any, TypeVar

from hemi.errors import StateFileError
from hemi.node.config import DevchainConfig
from hemi.node.state import btc as btc_part
from hemi.node.state import devchain as dev_part
from hemi.node.state import engine as engine_part
from hemi.node.state import protocols
from hemi.node.state.codec import DEFAULT_MAX_SIZE, FORMAT_NAME, FORMAT_VERSION, MAGIC, decode, encode, reading
from hemi.node.state.host import SavedDevchain

__all__ = ["DEFAULT_MAX_SIZE", "FORMAT_VERSION", "MAGIC", "document", "dump", "encode", "load", "load_into"]

PARTS = ("config", "devchain", "btc", "engine", "sequencer", "keystones", "pop", "tunnel", "precompiles")
Precompiles = Mapping[Any, Callable[..., bytes]] | None
_D = TypeVar("_D", bound=SavedDevchain)


def _sdk_version() -> str:
    """The installed hemi-sdk's version, recorded in every state (read from the package metadata: the node layer
    does not import the root package ``hemi``)."""
    try:
        return metadata.version("hemi-sdk")
    except metadata.PackageNotFoundError:  # a source tree on sys.path without an install
        return "unknown"


def dump(dev: SavedDevchain) -> bytes:
    """The state of ``dev`` as bytes (MAGIC, version, gzip'd JSON). Pending transactions are saved as pending."""
    return encode(document(dev))


def document(dev: SavedDevchain) -> dict:
    """The state of ``dev`` as a document of plain values, sharing nothing mutable with ``dev``: a server takes it
    under its lock and encodes it (JSON, gzip: most of the time of a save) after releasing the lock."""
    doc = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "hemi_sdk": _sdk_version(),
           "config": dev_part.config_to_data(dev),
           "devchain": dev_part.devchain_to_data(dev),
           "btc": btc_part.to_data(dev.btc),
           "engine": engine_part.to_data(dev.engine),
           "sequencer": dev_part.sequencer_to_data(dev.sequencer),
           "keystones": protocols.keystones_to_data(dev.keystones),
           "pop": protocols.pop_to_data(dev.pop),
           "tunnel": protocols.tunnel_to_data(dev._tunnel),
           "precompiles": dev_part.precompiles_to_data(dev)}
    return doc


def _document(data: bytes, source: str, max_size: int) -> dict:
    doc = decode(data, source=source, max_size=max_size)
    parts = set(doc) - {"format", "version", "hemi_sdk"}
    if parts != set(PARTS):
        raise StateFileError(f"{source}: the state's parts differ from format {FORMAT_VERSION}'s: unknown "
                             f"{sorted(parts - set(PARTS))}, missing {sorted(set(PARTS) - parts)}")
    return doc


def _build(cls: Callable[..., _D], doc: dict, source: str, precompiles: Precompiles) -> _D:
    with reading("config", source):
        config = dev_part.config_from_data(doc["config"], DevchainConfig)
        dev = cls(**config)
    _restore(dev, doc, source, precompiles)
    return dev


def _restore(dev: SavedDevchain, doc: dict, source: str, precompiles: Precompiles) -> None:
    # order matters: the Bitcoin chain first (the views and the indexer name its blocks), then the EVM (the views
    # are one per L2 block), then the layers above them
    with reading("btc", source):
        btc_part.restore(dev.btc, doc["btc"])
    with reading("engine", source):
        engine_part.restore(dev.engine, doc["engine"])
    with reading("devchain", source):
        dev_part.devchain_restore(dev, doc["devchain"])
    with reading("sequencer", source):
        dev_part.sequencer_restore(dev.sequencer, doc["sequencer"])
    with reading("keystones", source):
        protocols.keystones_restore(dev.keystones, doc["keystones"])
    with reading("pop", source):
        protocols.pop_restore(dev.pop, doc["pop"])
    with reading("tunnel", source):
        protocols.tunnel_restore(dev._tunnel, doc["tunnel"])
    with reading("precompiles", source):
        dev_part.precompiles_restore(dev, doc["precompiles"], precompiles)


def load(cls: Callable[..., _D], data: bytes, *, source: str = "the state", max_size: int = DEFAULT_MAX_SIZE,
         precompiles: Precompiles = None) -> _D:
    """A new devchain (of class ``cls``) holding the state in ``data``."""
    return _build(cls, _document(data, source, max_size), source, precompiles)


def load_into(dev: SavedDevchain, data: bytes, *, source: str = "the state", max_size: int = DEFAULT_MAX_SIZE,
              precompiles: Precompiles = None) -> None:
    """Replace the state of ``dev`` itself (the same object, and the same part objects, so servers and providers
    holding them keep working). The state is first loaded into a throw-away devchain, so a state that is refused
    leaves ``dev`` unchanged; it must come from a devchain of the same configuration."""
    if dev.fork is not None:  # fork mode: the state lives on the remote; a saved state would replace the fork
        raise StateFileError(f"a forked devchain cannot load a state (it forks {dev.fork.url})")
    doc = _document(data, source, max_size)
    _build(type(dev), doc, source, precompiles)  # every check, on a copy
    with reading("config", source):
        config = dev_part.config_from_data(doc["config"], type(dev.config))
    mine = dev_part.config_to_data(dev)
    differs = sorted(k for k in config if config[k] != mine.get(k) and k != "automine")
    if differs:
        raise StateFileError(f"{source} was saved by a devchain configured differently ({', '.join(differs)}); "
                             f"load it into a new devchain (Devchain.load_state, or `hemi devchain --state FILE`)")
    _restore(dev, doc, source, precompiles)
