"""Precompiled artifacts of the contracts hemi-sdk deploys, shipped as package data (``hemi/artifacts/<Name>.json``).

They are produced by ``python -m hemi.compiler.build_shipped`` from the repository's ``contracts/`` directory with
the pinned compiler settings, so using them needs no Solidity compiler at all.
"""

from __future__ import annotations

from pathlib import Path

from hemi.compiler.artifacts import ContractArtifact
from hemi.errors import HemiLookupError, HemiValueError

ARTIFACTS_DIR = Path(__file__).resolve().parent.parent / "artifacts"


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
