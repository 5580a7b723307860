"""Precompiled artifacts of the contracts hemi-sdk deploys, shipped as package data (``hemi/artifacts/<Name>.json``),
and the Solidity interfaces users import (``hemi/solidity/``, imported as ``@hemi/hbk/IBitcoinKit.sol``).

Both are produced by ``python -m hemi.compiler.build_shipped`` from the repository's ``contracts/`` directory (the
artifacts with the pinned compiler settings, so using them needs no Solidity compiler at all; the interfaces as
verbatim copies). :func:`hemi.compiler.compile` finds ``@hemi/...`` imports there by itself; for other tools
``python -m hemi.compiler.remapping`` prints the remapping (``@hemi/=<dir>/``).
"""

from __future__ import annotations

from pathlib import Path

from hemi.compiler.artifacts import ContractArtifact
from hemi.errors import HemiLookupError, HemiValueError

ARTIFACTS_DIR = Path(__file__).resolve().parent.parent / "artifacts"
SOLIDITY_DIR = Path(__file__).resolve().parent.parent / "solidity"
IMPORT_PREFIX = "@hemi/"
# Sources under contracts/ copied into SOLIDITY_DIR: the interfaces (and the structs they use) of what Hemi deploys
SOLIDITY_SOURCES = ("hbk/BitcoinKitStructs.sol", "hbk/IBitcoinKit.sol")


def names() -> list[str]:
    """Sorted names of the shipped artifacts."""
    if not ARTIFACTS_DIR.is_dir():
        return []
    return sorted(p.stem for p in ARTIFACTS_DIR.glob("*.json"))


def load(name: str) -> ContractArtifact:
    """The shipped artifact of contract ``name`` (``"IBitcoinKit"``); ``HemiLookupError`` if there is none."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise HemiValueError(f"not a contract name: {name!r}")
    path = ARTIFACTS_DIR / f"{name}.json"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise HemiLookupError(f"no shipped artifact {name!r}; shipped: {', '.join(names()) or 'none'}") from None
    return ContractArtifact.from_json(text)


def remapping() -> str:
    """The import remapping that makes ``@hemi/...`` imports resolve to the shipped interfaces, for solc or forge."""
    return f"{IMPORT_PREFIX}={SOLIDITY_DIR.as_posix()}/"


def solidity_source(unit: str) -> str | None:
    """Text of the shipped interface that import ``unit`` (``"@hemi/hbk/IBitcoinKit.sol"``) names, or None."""
    if not unit.startswith(IMPORT_PREFIX):
        return None
    rel = unit[len(IMPORT_PREFIX):]
    if rel not in SOLIDITY_SOURCES:  # only the files shipped: no path escapes through "..", no stray files
        return None
    return (SOLIDITY_DIR / rel).read_text(encoding="utf-8")
