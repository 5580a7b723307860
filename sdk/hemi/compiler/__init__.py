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
