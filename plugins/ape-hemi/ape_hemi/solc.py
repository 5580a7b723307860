"""ape-solidity obtains solc through hemi-sdk's compiler resolution, so ``ape compile`` works offline.

ape-solidity installs a missing solc with ``solcx.install_solc``, a download from binaries.soliditylang.org; on a
machine that reaches only package registries that fails and ``ape compile`` stops. hemi-sdk's
:func:`hemi.compiler.ensure_solc` tries the same download (bounded by a timeout) and then installs solcjs from npm
and registers it as a py-solc-x installed ``solc-v<version>``, which ape-solidity then finds and runs like a native
solc. :func:`route_solc_installs_through_hemi` makes ape-solidity's one install function go through it.

ape-solidity has no setting for how solc is installed, so this replaces its module-level ``_install_solc`` (every
install path of its compiler calls that function). The replacement is marked, so routing twice is harmless.

:func:`keep_contractless_sources_compiled` fixes a second cost of ape-solidity: ape decides a source needs compiling
when no contract type in the project manifest names it as its source (``ContractManager._detect_change``: "New
file."). A file that defines only structs, enums, constants or free functions (``BitcoinKitStructs.sol``) gives solc
no contract, so ape compiled it again on every ``ape compile`` and every ``ape test``: seconds each time with solcjs.
The wrapper yields, for each such source, an empty contract type named after the file (no ABI, no bytecode, like an
interface with no functions), which records the source as compiled; a changed file is still recompiled, by ape's
checksum check.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ape.logging import logger
from ethpm_types import ContractType
from packaging.version import Version

from ape_hemi.exceptions import HemiSolcUnavailable
from hemi.errors import CompilerNotAvailable, HemiValueError

_MARK = "__hemi_routed__"


def install_solc(version: Any) -> Any:
    """Install solc ``version`` for ape-solidity through hemi-sdk; returns the version as py-solc-x would."""
    from hemi.compiler import ensure_solc  # deferred: ~45 ms, only when ape-solidity must install a solc

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
        from ape_solidity import compiler as solidity_compiler  # deferred: ape-solidity is optional
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


def _contractless_placeholders(paths: list[Any], root: Path, yielded: set[str], names: set[str]) -> Iterator[Any]:
    for p in paths:
        full = Path(p) if Path(p).is_absolute() else root / p
        try:
            source_id = full.absolute().relative_to(root.absolute()).as_posix()
        except ValueError:
            continue  # outside the project: ape does not track it as a source
        name = Path(source_id).stem
        if source_id in yielded or not source_id.endswith(".sol") or name in names:
            continue  # compiled to contracts, not Solidity, or the name is a real contract's
        yield ContractType.model_validate({"contractName": name, "sourceId": source_id, "abi": []})


def keep_contractless_sources_compiled() -> bool:
    """Make ape-solidity's compiler record contract-less sources (see the module docstring); False without it."""
    try:
        from ape_solidity.compiler import SolidityCompiler  # deferred: ape-solidity is optional
    except ImportError:
        return False
    current = SolidityCompiler.compile
    if getattr(current, _MARK, False):
        return True

    def compile(self: Any, contract_filepaths: Iterable[Any], project: Any | None = None,
                settings: dict | None = None) -> Iterator[Any]:
        paths = list(contract_filepaths)
        yielded: set[str] = set()
        names: set[str] = set()
        for contract_type in current(self, paths, project=project, settings=settings):
            if contract_type.source_id:
                yielded.add(contract_type.source_id)
            if contract_type.name:
                names.add(contract_type.name)
            yield contract_type
        root = Path((project or self.local_project).path)
        yield from _contractless_placeholders(paths, root, yielded, names)

    setattr(compile, _MARK, True)
    compile.__wrapped__ = current  # type: ignore[attr-defined]
    compile.__doc__ = current.__doc__
    SolidityCompiler.compile = compile  # type: ignore[method-assign]
    return True
