"""The Solidity sources that ship inside the installed ``hemi`` package, and the ``@hemi/`` import prefix.

``hemi/contracts/`` in the installed package holds the hBK interface (``hbk/IBitcoinKit.sol``,
``hbk/BitcoinKitStructs.sol``, ``hbk/BitcoinKit.sol``), the hVM precompile library (``lib/HvmPrecompiles.sol``,
``lib/BtcScript.sol``) and the Bitcoin tunnel contracts (``tunnel/*.sol``): whatever ``.sol`` files the repository's
``contracts/hbk``, ``contracts/lib`` and ``contracts/tunnel`` held when the package was built (in a source checkout
those folders are symlinked into ``sdk/hemi/contracts``). A project outside this repository imports them as::

    import "@hemi/hbk/IBitcoinKit.sol";

* :func:`hemi.compiler.compile` resolves ``@hemi/...`` by itself (unless a remapping of the caller's says otherwise);
* Foundry and plain solc take :func:`remapping` (``hemi remappings`` prints it for ``remappings.txt``);
* ape takes the package as a Python dependency (``site_package: hemi``), see docs/testing.md.
"""

from __future__ import annotations

from pathlib import Path

PREFIX = "@hemi/"
SHIPPED_FOLDERS = ("hbk", "lib", "tunnel")


def contracts_root() -> Path:
    """``<installed hemi package>/contracts``: the folder ``@hemi/`` stands for."""
    return Path(__file__).resolve().parent.parent / "contracts"


def remapping() -> str:
    """``@hemi/=<contracts_root>/``, solc's (and Foundry's) import remapping for the shipped sources."""
    return f"{PREFIX}={contracts_root().as_posix()}/"


def source_files() -> list[Path]:
    """Every shipped ``.sol`` file, sorted by its name under ``@hemi/``."""
    root = contracts_root()
    return sorted((p for folder in SHIPPED_FOLDERS for p in (root / folder).rglob("*.sol") if p.is_file()),
                  key=lambda p: p.relative_to(root).as_posix())


def shipped_path(unit_name: str) -> Path | None:
    """The file behind an ``@hemi/...`` source unit name, or None if the name is not one or no such file ships."""
    if not unit_name.startswith(PREFIX):
        return None
    rel = unit_name[len(PREFIX):]
    if not rel or rel.startswith("/") or ".." in rel.split("/"):
        return None
    path = contracts_root() / rel
    return path if path.is_file() else None
