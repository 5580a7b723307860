"""``compile``: Solidity sources in, :class:`~hemi.compiler.artifacts.Artifacts` out, through solc's standard-JSON
interface (``solcx.compile_standard``), with results cached on disk by content."""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from hemi.compiler import cache as _cache
from hemi.compiler._progress import note
from hemi.compiler._versions import StepFailed, normalize_version, probe_version
from hemi.compiler.artifacts import Artifacts, ContractArtifact
from hemi.compiler.resolve import DEFAULT_SOLC_VERSION, ensure_solc
from hemi.compiler.solcjs import is_hemi_launcher
from hemi.compiler.sources import PathLike, collect, parse_remappings
from hemi.errors import CompilationFailed, CompilerError, HemiValueError

DEFAULT_EVM_VERSION = "cancun"
DEFAULT_OPTIMIZE_RUNS = 200

log = logging.getLogger("hemi.compiler")

_OUTPUTS = [
    "abi",
    "evm.bytecode.object",
    "evm.bytecode.sourceMap",
    "evm.deployedBytecode.object",
    "evm.deployedBytecode.sourceMap",
]

_long_versions: dict[tuple[str, float], str] = {}


def _long_version(solc: Path) -> str:
    try:
        key = (str(solc), solc.stat().st_mtime)
    except OSError:
        key = (str(solc), 0.0)
    if key not in _long_versions:
        try:
            _long_versions[key] = probe_version(solc)
        except StepFailed as exc:
            raise CompilerError(str(exc)) from None
    return _long_versions[key]


def _hex(value: str) -> str:
    return value if value.startswith("0x") else "0x" + value


def compile(  # shadows the builtin on purpose: hemi.compiler.compile
    paths_or_sources: PathLike | Iterable[PathLike] | Mapping[str, str],
    *,
    solc_version: str = DEFAULT_SOLC_VERSION,
    optimize: bool = True,
    optimize_runs: int = DEFAULT_OPTIMIZE_RUNS,
    evm_version: str = DEFAULT_EVM_VERSION,
    remappings: Iterable[str] | Mapping[str, str] | None = None,
    base_path: PathLike | None = None,
    cache: bool = True,
) -> Artifacts:
    """Compile Solidity and return every contract, interface and library, by name and by ``"file.sol:Name"``.

    ``paths_or_sources`` is a file or directory path (directories are searched recursively for ``*.sol``), a list
    of such paths, or a ``{source_name: source_text}`` dict. Source names of files are their paths relative to
    ``base_path``, which defaults to the deepest directory holding all given paths (moved up when a relative
    import reaches a file above it); imports not given are read from there (for a dict, only if ``base_path`` is
    given).
    ``remappings`` are solc's ``prefix=target`` strings (or a ``{prefix: target}`` dict).

    With ``cache`` (the default) a compilation whose sources, settings and version were compiled before is loaded
    from disk without starting solc. Raises :class:`hemi.errors.CompilationFailed` with solc's formatted messages
    when solc reports errors (warnings are logged on the ``hemi.compiler`` logger), and
    :class:`hemi.errors.CompilerNotAvailable` when no solc of ``solc_version`` can be found or installed.
    """
    version = normalize_version(solc_version)
    if isinstance(optimize_runs, bool) or not isinstance(optimize_runs, int) or optimize_runs < 1:
        raise HemiValueError(f"optimize_runs is a positive integer, got {optimize_runs!r}")
    if not isinstance(evm_version, str) or not evm_version:
        raise HemiValueError(f"evm_version is a name like 'cancun', got {evm_version!r}")
    parsed_remappings = parse_remappings(remappings)
    source_set = collect(paths_or_sources, base_path=base_path, remappings=parsed_remappings)

    settings: dict[str, Any] = {
        "optimizer": {"enabled": bool(optimize), "runs": optimize_runs},
        "evmVersion": evm_version,
    }
    if parsed_remappings:
        settings["remappings"] = [str(r) for r in parsed_remappings]
    full_settings = {**settings, "outputSelection": {"*": {"*": list(_OUTPUTS)}}}

    key = _cache.cache_key(source_set.sources, full_settings, version)
    if cache:
        hit = _cache.load(key)
        if hit is not None:
            log.debug("compile cache hit %s", key)
            return Artifacts(hit)

    solc = ensure_solc(version)
    if is_hemi_launcher(solc):  # solcjs takes seconds per file: say so, this once (the result is cached)
        note(f"compiling {len(source_set.sources)} Solidity source(s) with solcjs {version} (slow; the result "
             f"is cached)")
    standard_input = {
        "language": "Solidity",
        "sources": {name: {"content": text} for name, text in source_set.sources.items()},
        "settings": full_settings,
    }
    extra: dict[str, Any] = {}
    if source_set.base_path is not None:
        extra = {"base_path": source_set.base_path, "allow_paths": [source_set.base_path]}
    # deferred: only on a cache miss: py-solc-x (and requests) cost a cold start ~0.1 s
    import solcx  # deferred: as above
    from solcx.exceptions import SolcError  # deferred: as above

    try:
        output = solcx.compile_standard(standard_input, solc_binary=solc, allow_empty=True, **extra)
    except SolcError as exc:
        problems = [e for e in (exc.error_dict or []) if e.get("severity") == "error"]
        if problems:
            raise CompilationFailed([e.get("formattedMessage") or e.get("message", "") for e in problems]) from None
        raise CompilerError(f"solc at {solc} failed: {exc}") from None
    except OSError as exc:
        raise CompilerError(f"could not run solc at {solc}: {exc}") from None

    for err in output.get("errors", []):
        if err.get("severity") != "error":
            log.warning("%s", (err.get("formattedMessage") or err.get("message", "")).strip())

    compiler_version = _long_version(solc)
    artifacts: list[ContractArtifact] = []
    for source_name, contracts in sorted(output.get("contracts", {}).items()):
        for name, data in sorted(contracts.items()):
            evm = data.get("evm", {})
            artifacts.append(
                ContractArtifact(
                    name=name,
                    source_name=source_name,
                    abi=data.get("abi", []),
                    bytecode=_hex(evm.get("bytecode", {}).get("object", "")),
                    deployed_bytecode=_hex(evm.get("deployedBytecode", {}).get("object", "")),
                    source_map=evm.get("bytecode", {}).get("sourceMap", ""),
                    deployed_source_map=evm.get("deployedBytecode", {}).get("sourceMap", ""),
                    compiler_version=compiler_version,
                    settings=copy.deepcopy(settings),
                )
            )

    # solc read nothing we did not hand it, so the key covers every input: safe to cache.
    if cache and set(output.get("sources", {})) <= set(source_set.sources):
        try:
            _cache.store(key, artifacts)
        except OSError as exc:
            log.warning("could not write the compile cache: %s", exc)
    return Artifacts(artifacts)
