"""ape-solidity obtains solc through hemi-sdk's compiler resolution, so ``ape compile`` works offline.

ape-solidity installs a missing solc with ``solcx.install_solc``, a download from binaries.soliditylang.org; on a
machine that reaches only package registries that fails and ``ape compile`` stops. hemi-sdk's
:func:`hemi.compiler.ensure_solc` tries the same download (bounded by a timeout) and then installs solcjs from npm
and registers it as a py-solc-x installed ``solc-v<version>``, which ape-solidity then finds and runs like a native
solc. :func:`route_solc_installs_through_hemi` makes ape-solidity's one install function go through it.

ape-solidity has no setting for how solc is installed, so this replaces its module-level ``_install_solc`` (every
install path of its compiler calls that function). The replacement is marked, so routing twice is harmless.
"""

from __future__ import annotations

from typing import Any

from ape.logging import logger

from ape_hemi.exceptions import HemiSolcUnavailable

_MARK = "__hemi_routed__"


def install_solc(version: Any) -> Any:
    """Install solc ``version`` for ape-solidity through hemi-sdk; returns the version as py-solc-x would."""
    from packaging.version import Version

    from hemi.compiler import ensure_solc
    from hemi.errors import CompilerNotAvailable, HemiValueError

    logger.info(f"Installing solc '{version}' through hemi-sdk (native download, else solcjs from npm).")
    try:
        path = ensure_solc(str(version))
    except (CompilerNotAvailable, HemiValueError) as err:
        raise HemiSolcUnavailable(str(version), err) from err
    logger.info(f"solc '{version}' ready at {path}.")
    return Version(str(version))


def route_solc_installs_through_hemi() -> bool:
    """Make ape-solidity install solc with :func:`install_solc`; False when ape-solidity is not installed."""
    try:
        from ape_solidity import compiler as solidity_compiler
    except ImportError:
        return False
    current = getattr(solidity_compiler, "_install_solc", None)
    if current is None or getattr(current, _MARK, False):
        return current is not None

    def _install_solc(version: Any) -> Any:
        return install_solc(version)

    setattr(_install_solc, _MARK, True)
    _install_solc.__wrapped__ = current  # type: ignore[attr-defined]
    solidity_compiler._install_solc = _install_solc
    return True
