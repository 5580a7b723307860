"""Solidity compiler layer of hemi-sdk.

* :func:`compile` turns Solidity files, directories or ``{name: text}`` into :class:`Artifacts` (a mapping of
  :class:`ContractArtifact` by ``"Name"`` and ``"path/File.sol:Name"``), caching results on disk by content.
* :func:`ensure_solc` finds or installs the solc executable for a version (installed for py-solc-x, on ``PATH``,
  ``solcx.install_solc``, or solcjs from npm registered with py-solc-x).
* :func:`hemi_contracts_root` is the folder of the Solidity shipped in the package (hBK's interface, the hVM precompile
  library, the tunnel contracts), which ``import "@hemi/..."`` names; :func:`hemi_remapping` is ``@hemi/=<folder>/``
  for Foundry or solc (``hemi remappings`` prints it). :func:`compile` resolves ``@hemi/`` itself.
* :mod:`hemi.compiler.shipped` loads the precompiled artifacts that ship with the package;
  ``python -m hemi.compiler.build_shipped`` regenerates them from ``contracts/``.

Caches live under ``$HEMI_CACHE_DIR`` or the platform user cache dir (``platformdirs.user_cache_dir("hemi-sdk")``):
``solcjs/<version>/`` for npm installs and ``artifacts/`` for compile results.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hemi._files import cache_root
    from hemi.compiler.artifacts import Artifacts, ContractArtifact
    from hemi.compiler.compiling import DEFAULT_EVM_VERSION, DEFAULT_OPTIMIZE_RUNS, compile
    from hemi.compiler.resolve import DEFAULT_SOLC_VERSION, ensure_solc
    from hemi.compiler.solidity_sources import contracts_root as hemi_contracts_root
    from hemi.compiler.solidity_sources import remapping as hemi_remapping

__all__ = [
    "DEFAULT_EVM_VERSION",
    "DEFAULT_OPTIMIZE_RUNS",
    "DEFAULT_SOLC_VERSION",
    "Artifacts",
    "ContractArtifact",
    "cache_root",
    "compile",
    "ensure_solc",
    "hemi_contracts_root",
    "hemi_remapping",
]

# name -> (module, attribute). Loaded on first use: every Devchain() reads shipped artifacts (hemi.compiler.shipped)
# but never compiles, and the compiler's modules (solc resolution, solcjs, the cache, platformdirs, packaging) cost
# a new process several milliseconds of CPU.
_LAZY = {
    "cache_root": ("hemi._files", "cache_root"),
    "Artifacts": ("hemi.compiler.artifacts", "Artifacts"),
    "ContractArtifact": ("hemi.compiler.artifacts", "ContractArtifact"),
    "DEFAULT_EVM_VERSION": ("hemi.compiler.compiling", "DEFAULT_EVM_VERSION"),
    "DEFAULT_OPTIMIZE_RUNS": ("hemi.compiler.compiling", "DEFAULT_OPTIMIZE_RUNS"),
    "compile": ("hemi.compiler.compiling", "compile"),
    "DEFAULT_SOLC_VERSION": ("hemi.compiler.resolve", "DEFAULT_SOLC_VERSION"),
    "ensure_solc": ("hemi.compiler.resolve", "ensure_solc"),
    "hemi_contracts_root": ("hemi.compiler.solidity_sources", "contracts_root"),
    "hemi_remapping": ("hemi.compiler.solidity_sources", "remapping"),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'hemi.compiler' has no attribute {name!r}")
    module, attribute = _LAZY[name]
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value  # once: later lookups are plain module attributes
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
